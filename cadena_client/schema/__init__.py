"""The `cadena/1` documents: their pydantic models (`models`) and the JSON Schema made from them."""
