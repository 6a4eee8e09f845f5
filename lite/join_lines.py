"""Copy notebooks for the JupyterLite site with every multi-line text stored as one string.

On disk, nbformat stores each multi-line text (sources, outputs) as a list of lines. JupyterLab's
server joins them before the browser sees a notebook; JupyterLite serves the file as it is, and its
front end then shows a stored Markdown output as its lines joined with commas. Reading with nbformat
joins them, so the site gets the same notebook in the form the browser expects.

    python lite/join_lines.py notebooks build/lite-work/notebooks
"""

import json
import sys
from pathlib import Path

import nbformat


def joined(path: Path) -> str:
    """The notebook at `path` as JSON text, with each multi-line text as one string.

    >>> import tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a\\nb")])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "x.ipynb"
    ...     nbformat.write(nb, path)
    ...     json.loads(joined(path))["cells"][0]["source"]
    'a\\nb'
    """
    return nbformat.writes(nbformat.read(path, as_version=4), split_lines=False) + "\n"


USAGE = "usage: python lite/join_lines.py SOURCE_FOLDER DESTINATION_FOLDER (copies SOURCE_FOLDER/*.ipynb)"


def main(argv: list[str]) -> int:
    """Copy the notebooks; with the wrong arguments or no source folder, one line on standard error and 2."""
    if len(argv) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    source, out = Path(argv[0]), Path(argv[1])
    if not source.is_dir():
        print(f"join_lines: {source}: no such folder; expected the folder of the course's notebooks", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.ipynb")):
        (out / path.name).write_text(joined(path), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
