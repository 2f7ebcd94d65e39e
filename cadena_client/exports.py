"""The AEO list an administration sees, as the file that replaces the monthly Excel."""

from __future__ import annotations

import csv
import io
import json

from .mirror import Mirror, certificate_row

COLUMNS = {
    "country": "Country",
    "tin": "TIN",
    "name": "Operator name",
    "address": "Address",
    "aeo_types": "AEO types",
    "valid_from": "Validation date",
    "expiry": "Expiry date",
    "status": "Status",
}


def aeo_list(mirror: Mirror, code: str, at: float | None = None) -> list[dict]:
    """Certificates of `code` and of its partners under MRAs in force, from the mirror."""
    return [certificate_row(row) for row in mirror.certificates([code, *mirror.partners(code, at)])]


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS.values())
    for row in rows:
        writer.writerow([", ".join(row[key]) if key == "aeo_types" else row[key] for key in COLUMNS])
    return buffer.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
