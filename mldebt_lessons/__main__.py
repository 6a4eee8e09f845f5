"""`python -m mldebt_lessons` runs the `mldebt` command."""

from .cli import run

if __name__ == "__main__":
    run()
