"""Every chapter's student version keeps at least two self-checks and runs up to its first stub.

Running a whole student notebook would take as long as the chapter (up to 90 s each). The part
before the exercises is the book's own code, unchanged (asserted here) and run by nbval on the
chapters; so what is executed here is the chapter's set-up cells followed by its exercise section,
in a fresh kernel, up to the first cell that raises. That cell must be a self-check, and what it
raises must be the stub's ``NotImplementedError``: everything before it ran.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from lstmlib.student import STUB_TAG, make_student_notebook

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
REAL = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
_EXERCISES = re.compile(r"^## .*Exercises", re.M)
_HEADING = re.compile(r"^## ", re.M)


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:  # a cell with IPython magics (the Colab set-up): no self-check in it
        return ast.parse("")


def _self_check_calls(source: str) -> list[str]:
    """Names of the ``check_*`` functions a cell calls."""
    tree = _parse(source)
    return [node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")]


def _index(cells, pattern) -> int:
    return next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and pattern.search(c.source))


def _student(path):
    return make_student_notebook(nbformat.read(path, as_version=4), name=path.name)[0]


@pytest.mark.skipif(not REAL, reason="no chapter notebooks")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_student_version_keeps_two_self_checks(path):
    student = _student(path)
    imported = {alias.asname or alias.name for c in student.cells if c.cell_type == "code"
                for node in ast.walk(_parse(c.source)) if isinstance(node, ast.ImportFrom)
                and node.module == "lstmlib.checks" for alias in node.names}
    calls = [name for c in student.cells if c.cell_type == "code" and STUB_TAG not in c.metadata.get("tags", [])
             for name in _self_check_calls(c.source) if name in imported]
    assert len(calls) >= 2, f"{path.name}: the student version has {len(calls)} self-check call(s): {calls}"


@pytest.mark.skipif(not REAL, reason="no chapter notebooks")
@pytest.mark.slow
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_student_version_runs_up_to_its_first_stub(path, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    book = nbformat.read(path, as_version=4)
    student = _student(path)
    # the part before the exercises is the book's code, unchanged: nbval runs it in the chapter
    book_code = [c.source for c in book.cells[:_index(book.cells, _EXERCISES)] if c.cell_type == "code"]
    student_code = [c.source for c in student.cells[:_index(student.cells, _EXERCISES)] if c.cell_type == "code"]
    assert student_code == book_code, f"{path.name}: the student version changes code before its exercises"

    setup = [c for c in student.cells[:_index(student.cells, _HEADING)] if c.cell_type == "code"]
    exercises = [c for c in student.cells[_index(student.cells, _EXERCISES):] if c.cell_type == "code"]
    run = nbformat.v4.new_notebook(metadata=student.metadata)
    run.cells = [nbformat.from_dict(dict(c)) for c in setup + exercises]
    if (CHAPTERS / "results").is_dir():  # the student folder gets results/ too (make_student_versions)
        shutil.copytree(CHAPTERS / "results", tmp_path / "results")
    client = NotebookClient(run, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert info.value.ename == "NotImplementedError", f"{path.name}: stopped by {info.value.ename}: {info.value.evalue}"
    failed = next(c for c in run.cells if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert _self_check_calls(failed.source), f"{path.name}: the first stub was called outside a self-check:\n{failed.source}"


_EXERCISE = re.compile(r"^\s*`{3,}\{exercise\} (.*)$", re.M)
_SOLUTION_START = re.compile(r"^\s*`{3,}\{solution-start\} (\S+)", re.M)
_SOLUTION_END = re.compile(r"^\s*`{3,}\{solution-end\}", re.M)
_NOT_RUN = re.compile(r"Not run (here|in the book)|nothing to run", re.I)


def _solutions(nb):
    """label -> (text of the solution, number of code cells inside it)."""
    solutions, label = {}, None
    for cell in nb.cells:
        if cell.cell_type == "code":
            if label:
                solutions[label][1] += 1
            continue
        for line in cell.source.splitlines():
            start = _SOLUTION_START.match(line)
            if start:
                label = start.group(1)
                solutions[label] = ["", 0]
            elif _SOLUTION_END.match(line):
                label = None
            elif label:
                solutions[label][0] += line + "\n"
    return solutions


@pytest.mark.skipif(not REAL, reason="no chapter notebooks")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_exercises_show_a_difficulty_and_every_solution_ran_or_says_why_not(path):
    nb = nbformat.read(path, as_version=4)
    titles = [m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in _EXERCISE.finditer(c.source)]
    assert titles and all(re.search(r"(?<!★)★{1,3}$", t.strip()) for t in titles), titles
    for label, (text, code_cells) in _solutions(nb).items():
        assert code_cells or _NOT_RUN.search(text), f"{path.name}: the solution of {label} neither runs nor says why not"


@pytest.mark.skipif(not REAL, reason="no chapter notebooks")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_two_exercises_per_chapter_are_self_checked(path):
    """A self-checked exercise: a solution block whose next code cell after it calls a check."""
    nb = nbformat.read(path, as_version=4)
    checked, label, pending = set(), None, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                start = _SOLUTION_START.match(line)
                if start:
                    label, pending = start.group(1), None
                elif _SOLUTION_END.match(line):
                    label, pending = None, label
                elif _EXERCISE.match(line):
                    pending = None
        elif label is None and pending and _self_check_calls(cell.source):
            checked.add(pending)
    assert len(checked) >= 2, f"{path.name}: self-checked exercises {sorted(checked)}"
