"""`python -m cadena_client` runs the `cadena` command."""

from .cli import main

main()
