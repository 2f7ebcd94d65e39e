"""How the service refuses and fails: `{"error": {"code", "message"}}` with the HTTP status and code
the error's class carries (`cadena_client.errors`), documented on every operation; never a stack
trace, a node's URL or an exception's text from below the library."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from cadena_client.errors import BatchTooLarge, CadenaError, InputError, Unavailable
from cadena_client.schema.models import Error

LOG = logging.getLogger("cadena.serve")
MAX_BATCH = 10_000  # TINs one POST /v1/verify answers
# the refusals every operation may answer, for its OpenAPI description
FAILURES: dict[int | str, dict] = {
    "4XX": {"model": Error, "description": "Any other refusal: unknown path, method not allowed, body too large"},
    500: {"model": Error, "description": "The service failed; the cause is in its log"},
}
REFUSALS: dict[int | str, dict] = {
    400: {"model": Error, "description": "A parameter or the body is not what the operation takes"},
    **FAILURES,
}
UNAVAILABLE: dict[int | str, dict] = {503: {"model": Error, "description": "The mirror has not reached the chain yet"}}
NOT_FOUND: dict[int | str, dict] = {404: {"model": Error, "description": "No such record"}}


def _methods(app: FastAPI, request: Request) -> set[str]:
    """The methods the routes of `request`'s path take."""
    found: set[str] = set()
    for route in app.router.routes:
        if route.matches(request.scope)[0] is not Match.NONE:
            found |= getattr(route, "methods", None) or set()
    return found


def error_response(exc: CadenaError) -> JSONResponse:
    """The answer to a library error: its class's status and code, its message."""
    return refusal(exc.status, exc.code, str(exc))


def refusal(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=dict(headers or {}))


def install(app: FastAPI) -> None:
    """The exception handlers that make every refusal and failure an error document."""

    @app.exception_handler(CadenaError)
    async def cadena_error(request: Request, exc: CadenaError) -> JSONResponse:
        if exc.status >= 500 and not isinstance(exc, Unavailable):  # a node's words may name internals
            LOG.warning("%s %s: %s", request.method, request.url.path, exc)
            return refusal(exc.status, exc.code, "the service cannot answer this now; retry later")
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def unrouted(request: Request, exc: HTTPException) -> JSONResponse:
        code, message = {
            404: ("not-found", "no such path (the API is described at /docs)"),
            405: ("method-not-allowed", f"{request.method} is not allowed on this path"),
        }.get(exc.status_code, ("bad-request", "the request is not one the service takes"))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, whichever route has it
            headers["Allow"] = ", ".join(sorted(_methods(app, request)))
        return refusal(exc.status_code, code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first["type"] == "too_long" and first["loc"][-1] == "tins":
            return error_response(BatchTooLarge(f"more TINs than one request takes; send at most {MAX_BATCH:,}"))
        where = [str(part) for part in first["loc"] if part not in ("query", "body", "path")]
        field = where[0] if where else ""
        code = "bad-request"
        if first["type"] == "missing":
            message = f"give {field}" if field else "give a JSON body"
        elif field in ("tin", "tins"):
            code, message = "bad-tin", "a TIN is a 2-letter ISO 3166-1 country code and 1 to 15 letters A-Z or digits"
        elif field in ("importer", "country"):
            code, message = "unknown-country", f"{field} is an ISO 3166-1 alpha-2 country code (e.g. MX, PE, CR)"
        else:
            message = f"{'.'.join(where)}: {first['msg']}" if where else first["msg"]
        return refusal(InputError.status, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return refusal(500, "internal", "the service failed on this request; the error is in its log")
