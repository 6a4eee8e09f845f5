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
    return json.dumps(nbformat.read(path, as_version=4), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(source: str, destination: str) -> None:
    out = Path(destination)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source).glob("*.ipynb")):
        (out / path.name).write_text(joined(path), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
