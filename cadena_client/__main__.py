"""`python -m cadena_client` runs the `cadena` command."""

from cadena_client.cli.main import main

main()
