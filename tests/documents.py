"""Documents checked against the `cadena/1` JSON Schema by one validator, built (and the schema itself
checked) once: `jsonschema.validate` does both on every call, half a second each."""

from __future__ import annotations

from functools import cache

import jsonschema

from cadena_client.document import json_schema


@cache
def _validator():
    schema = json_schema()
    kind = jsonschema.validators.validator_for(schema)
    kind.check_schema(schema)
    return kind(schema)


def check_document(document) -> None:
    """Raises `jsonschema.ValidationError` (the most relevant error) unless `document` is a valid `cadena/1` document."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        raise error
