"""`python -m gateway` is the `edigw` command."""

from gateway.cli import main

main()
