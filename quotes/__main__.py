"""`python -m quotes`: the same as the `quotes` command."""

from .cli import app

if __name__ == "__main__":
    app(prog_name="quotes")
