"""`python -m cadena_client.schema`: writes cadena-1.json from the document models."""

from cadena_client.schema.models import write

print(f"wrote {write()}")
