"""The book's own rules, checked on every run: clean notebooks, a complete table of contents,
the strict-build settings, and the chapter structure the house style asks for."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def _git(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, input=stdin, capture_output=True, text=True)


def _what_git_would_commit(path: Path) -> list[tuple[str, str]]:
    """(label, text) of each version of ``path`` that could reach a commit.

    The staged version (the index), and the working file as ``git add`` would store it: passed
    through the clean filter that ``.gitattributes`` names (nbstripout, configured by ``make
    install``), so a notebook run and saved in place is fine as long as git strips it. Outside a
    git checkout, or where the filter is not configured, the working file itself.
    """
    rel = path.relative_to(ROOT).as_posix()
    work = path.read_text(encoding="utf-8")
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        return [("working file", work)]
    versions = []
    staged = _git("show", f":{rel}")
    if staged.returncode == 0:
        versions.append(("staged version", staged.stdout))
    attr = _git("check-attr", "filter", "--", rel).stdout.strip().rsplit(": ", 1)[-1]
    clean = _git("config", f"filter.{attr}.clean").stdout.strip() if attr not in {"unspecified", "unset", ""} else ""
    if clean:
        filtered = subprocess.run(clean, shell=True, cwd=ROOT, input=work, capture_output=True, text=True)
        assert filtered.returncode == 0, f"{rel}: the git clean filter failed: {filtered.stderr[-500:]}"
        versions.append(("working file after git's clean filter", filtered.stdout))
    else:
        versions.append(("working file (no clean filter configured: run `make install`)", work))
    return versions


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    """The build executes the notebooks; stored outputs would be stale and bloat the repo."""
    for label, text in _what_git_would_commit(path):
        nb = json.loads(text)
        dirty = [i for i, c in enumerate(nb["cells"])
                 if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
        assert not dirty, f"{path.name} ({label}): cells {dirty} have outputs or execution counts; strip them"
        assert "widgets" not in nb.get("metadata", {}), f"{path.name} ({label}): stored widget state; strip it"


def test_notebooks_run_in_place_are_stripped_by_git():
    """A chapter run and saved in JupyterLab inside the clone must not put its outputs into a commit."""
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip("not a git checkout")
    rel = "chapters/01_feedforward.ipynb"
    assert _git("check-attr", "filter", "--", rel).stdout.strip().endswith(": nbstripout"), \
        ".gitattributes must send notebooks through the nbstripout filter"
    clean = _git("config", "filter.nbstripout.clean").stdout.strip()
    if not clean:
        pytest.skip("the nbstripout filter is not configured in this checkout (`make install` does it)")
    import nbformat

    nb = nbformat.read(ROOT / rel, as_version=4)
    committed = nbformat.writes(nb) + "\n"
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="run in place")]
    code.execution_count = 7
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "codemirror_mode": {"name": "ipython"}}
    stripped = subprocess.run(clean, shell=True, cwd=ROOT, input=nbformat.writes(nb), capture_output=True, text=True)
    assert stripped.returncode == 0, stripped.stderr
    assert stripped.stdout == committed, "the clean filter must give back the committed notebook exactly (ids kept)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_has_the_house_structure(path):
    """Title, learning goals, an expected outcome stated before a run, asserts, exercises, references."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    first = "".join(nb["cells"][0]["source"])
    assert first.lstrip().startswith("# "), f"{path.name}: the first cell must be the chapter's H1 title"
    assert re.search(r"learning goals", markdown, re.I), f"{path.name}: no learning goals"
    assert re.search(r"expected outcome", markdown, re.I), f"{path.name}: no experiment states its expected outcome"
    assert re.search(r"^\s*assert\b", code, re.M), f"{path.name}: no assert: the chapter cannot check itself"
    exercises = re.findall(r"```\{exercise\}", markdown)
    assert len(exercises) >= 3, f"{path.name}: {len(exercises)} exercises, need at least 3"
    assert re.search(r"^#+\s*references", markdown, re.I | re.M), f"{path.name}: no References section"
    assert "import lstmlib" in code, f"{path.name}: chapters build on lstmlib"


def test_every_toc_entry_exists():
    missing = [f for f in _toc_files()
               if not any((ROOT / f"{f}{ext}").exists() for ext in ("", ".md", ".ipynb"))]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_chapter_notebook_is_in_the_toc():
    listed = set(_toc_files())
    orphans = [p.name for p in NOTEBOOKS if f"chapters/{p.stem}" not in listed]
    assert not orphans, f"notebooks missing from _toc.yml (only_build_toc_files would silently skip them): {orphans}"


def test_build_is_strict():
    """Without these, Jupyter Book 1 turns a failing cell into a warning and exits 0."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    execute = config["execute"]
    assert execute["raise_on_error"] is True
    assert execute["allow_errors"] is False
    assert execute["execute_notebooks"] in {"force", "cache"}
    assert config["only_build_toc_files"] is True
    for pattern in ["_build", ".pytest_cache", "tests", "lstmlib", "README.md"]:
        assert pattern in config["exclude_patterns"], pattern
    book_py = (ROOT / "tools" / "book.py").read_text(encoding="utf-8")
    assert "warningiserror=True" in book_py and "keep_going=True" in book_py and '"nitpicky": True' in book_py


def test_no_vendored_scripts_in_a_static_folder_at_the_root():
    """Jupyter Book 1 injects every .js file of <root>/_static into every page."""
    assert not (ROOT / "_static").exists()
