"""The raw ceilings `bench/service.py` sets beside `cadena serve`: minimal Starlette apps, no
library, under the same uvicorn and the same client.

- `single`: GET /v1/verify returns a precomputed body (what one-TIN verify costs at the least).
- `batch`: POST /v1/verify does the same work per TIN as the service: check the TIN's pattern, look
  its answer up in a table (made at start from the mirror's recognition for importer PE), and
  json.dumps the items.

    python -m uvicorn service_ceilings:single --app-dir bench ...   (env CADENA_BENCH_MIRROR for batch)
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TIN = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")
BODY = json.dumps(
    {
        "schema": "cadena/1",
        "kind": "verification",
        "importing_country": "PE",
        "tin": "MX000000000001",
        "recognised": True,
        "benefits": ["reduced-physical-inspection", "priority-treatment"],
        "verdict": "recognised",
        "as_of": {
            "block": 100,
            "block_time": "2026-12-03T08:00:00Z",
            "node": "reachable",
            "lag_blocks": 0,
            "lag_seconds": 0,
        },
    }
).encode()


async def precomputed(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


single = Starlette(routes=[Route("/v1/verify", precomputed)])


def _table() -> dict[str, tuple[bool, list[str] | None, str]]:
    """TIN -> (recognised, benefits, verdict) for importer PE, from the mirror the service also reads."""
    path = os.environ.get("CADENA_BENCH_MIRROR")
    if not path:
        return {}
    from cadena_client.domain.model import Benefit
    from cadena_client.mirror.recognition import Recognition

    recognition = Recognition.load(sqlite3.connect(path))
    day = int(time.time()) // 86400
    return {
        tin: (recognised, Benefit(benefits).labels() if benefits else None, verdict.name.lower())
        for tin in recognition.certificates
        for recognised, benefits, verdict in [recognition.verify("PE", tin, day)]
    }


TABLE = _table()
UNKNOWN = (False, None, "unknown_tin")


async def verify_many(request: Request) -> Response:
    body = await request.json()
    items = []
    for tin in body["tins"]:
        if not TIN.fullmatch(tin):
            return Response(b'{"error": "bad tin"}', status_code=400)
        recognised, benefits, verdict = TABLE.get(tin, UNKNOWN)
        items.append(
            {"importing_country": "PE", "tin": tin, "recognised": recognised, "benefits": benefits, "verdict": verdict}
        )
    return Response(
        json.dumps({"schema": "cadena/1", "kind": "verifications", "items": items}), media_type="application/json"
    )


batch = Starlette(routes=[Route("/v1/verify", verify_many, methods=["POST"])])
