"""Point the course at its public repository: ``python tools/set_repository.py URL``.

The repository URL lives in one place, ``repository.url`` in ``_config.yml``; Jupyter Book builds
the Binder and Colab launch buttons from it. Every chapter's first cell installs ``lstmlib`` from
the same URL when it is missing (on Colab). This command writes the URL into ``_config.yml`` and
regenerates that set-up block in every chapter, so the two never disagree:

    python tools/set_repository.py https://github.com/ORG/REPO     # when the course is published
    python tools/set_repository.py --check                          # exit 1 if anything disagrees

(The tests run the check.)
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
URL_LINE = re.compile(r"^(repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)(\S+)", re.M)


def setup_block(url: str) -> str:
    """The opening of every chapter's first code cell: import lstmlib, or install it (Colab)."""
    return f'''# Set-up. On Colab this installs the course library first (locally and on Binder it is installed).
try:
    import lstmlib
except ModuleNotFoundError:
    %pip install -q "lstmlib[course] @ git+{url}.git"
    import importlib
    importlib.invalidate_caches()
    try:
        import lstmlib
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "lstmlib is not installed and could not be installed. Locally: run `pip install -e .` in the "
            "repository root (or `make lab`). On Colab: the repository must be public at {url}.") from None
'''


def configured_url() -> str:
    match = URL_LINE.search(CONFIG.read_text(encoding="utf-8"))
    if not match:
        raise SystemExit("set_repository: no repository.url in _config.yml")
    return match.group(2)


def split_setup(source: str) -> tuple[str, str]:
    """(set-up block, rest) of a first code cell: the block is the comment and the try/except."""
    lines = source.splitlines(keepends=True)
    n = 0
    while n < len(lines) and (lines[n].startswith(("#", "try:", "except")) or lines[n][:1] in {" ", "\t"}):
        n += 1
    return "".join(lines[:n]), "".join(lines[n:])


def chapters() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def first_code_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def disagreements(url: str) -> list[str]:
    import nbformat

    bad = []
    for path in chapters():
        block, _ = split_setup(first_code_cell(nbformat.read(path, as_version=4)).source)
        if block != setup_block(url):
            bad.append(path.name)
    return bad


def set_url(url: str) -> None:
    import nbformat

    url = url.rstrip("/").removesuffix(".git")
    text = CONFIG.read_text(encoding="utf-8")
    CONFIG.write_text(URL_LINE.sub(lambda m: m.group(1) + url, text, count=1), encoding="utf-8")
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        _, rest = split_setup(cell.source)
        cell.source = setup_block(url) + rest
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="e.g. https://github.com/ORG/REPO")
    parser.add_argument("--check", action="store_true", help="only check that config and chapters agree")
    args = parser.parse_args(argv)
    if args.url and not args.check:
        set_url(args.url)
    url = configured_url()
    bad = disagreements(url)
    if bad:
        print(f"set_repository: the set-up cell of {', '.join(bad)} does not install from {url}; "
              "run `python tools/set_repository.py URL`", file=sys.stderr)
        return 1
    print(f"set_repository: _config.yml and every chapter's set-up cell use {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
