"""`python -m smmflow`: the command line."""

from .cli import main

main(prog_name="smmflow")
