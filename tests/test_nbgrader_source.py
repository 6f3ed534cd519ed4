"""nbgrader source notebooks: the right cells get the right nbgrader metadata, for every chapter
(no nbgrader needed; the flow itself is tests/test_nbgrader_flow.py)."""
from __future__ import annotations

import ast
import doctest
from pathlib import Path

import nbformat
import pytest

import lstmlib.nbgrader_source as nbgrader_source
from lstmlib.nbgrader_source import BEGIN, END, answer_source, main, make_nbgrader_notebook

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
REAL = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_doctests():
    assert doctest.testmod(nbgrader_source).failed == 0


def test_answer_source_marks_bodies_and_keeps_headers():
    src = ('import numpy as np\n\n\n@decorate(1)\ndef f(x, y=lambda z: z):\n    """Doc."""\n    a = x + 1\n'
           '    return a\n\n\nvalue = f(2)\nprint(value)\n')
    out = answer_source(src)
    assert out.splitlines()[:6] == ["import numpy as np", "", "@decorate(1)", "def f(x, y=lambda z: z):",
                                    '    """Doc."""', f"    {BEGIN}"]
    assert f"    return a\n    {END}" in out and f"{BEGIN}\nvalue = f(2)\nprint(value)\n{END}" in out
    ast.parse(out)
    assert answer_source("def g(x): return x").splitlines() == ["def g(x):", f"    {BEGIN}", "    return x", f"    {END}"]


@pytest.mark.skipif(not REAL, reason="no chapter notebooks")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_every_chapter_becomes_an_nbgrader_source_notebook(path):
    book = nbformat.read(path, as_version=4)
    nb = make_nbgrader_notebook(book, name=path.name)
    cells = [c for c in nb.cells if _meta(c)]
    for cell in cells:
        meta = _meta(cell)
        assert meta["schema_version"] == 3 and meta["grade_id"]
        if meta["grade"]:
            assert meta["points"] >= 1
    assert len({_meta(c)["grade_id"] for c in cells}) == len(cells), "grade ids must be unique"
    tests = [c for c in cells if _meta(c)["grade"] and not _meta(c)["solution"]]
    assert len(tests) >= 2 and all(_meta(c)["locked"] and c.cell_type == "code" and "check_" in c.source for c in tests)
    answers = [c for c in cells if _meta(c)["solution"] and c.cell_type == "code"]
    assert answers and all(BEGIN in c.source and END in c.source for c in answers)
    written = [c for c in cells if _meta(c)["solution"] and c.cell_type == "markdown"]
    assert all(_meta(c)["grade"] for c in written)
    statements = [c for c in cells if _meta(c)["grade_id"].endswith("-statement")]
    n_exercises = sum(c.source.count("```{exercise}") for c in book.cells)
    assert len(statements) == n_exercises and all(_meta(c)["locked"] and "★" in c.source for c in statements)
    text = "\n".join(c.source for c in nb.cells)
    assert "{solution-start}" not in text and "{exercise}" not in text and "## Summary" in text
    # the chapter before its exercises is carried over unchanged
    first = next(i for i, c in enumerate(book.cells) if "Exercises" in c.source and c.cell_type == "markdown")
    assert [c.source for c in nb.cells[:first]] == [c.source for c in book.cells[:first]]


def test_cli_writes_a_course_directory(tmp_path, capsys):
    assert main([str(CHAPTERS), str(tmp_path), "--pattern", "06_*.ipynb", "--timeout", "45"]) == 0
    assert (tmp_path / "source" / "06_gru" / "06_gru.ipynb").is_file()
    assert "c.Execute.timeout = 45" in (tmp_path / "nbgrader_config.py").read_text()
    assert main([str(tmp_path / "nowhere"), str(tmp_path)]) == 2
    assert "no notebooks" in capsys.readouterr().err
