"""nbgrader source notebooks from the chapters: the course as graded coursework.

    python -m lstmlib.nbgrader_source SRC_DIR COURSE_DIR [--pattern 06_*.ipynb] [--timeout 120]

writes an nbgrader course directory: ``COURSE_DIR/source/<chapter>/<chapter>.ipynb`` for every
chapter (the assignment is named after the notebook, e.g. ``06_gru``), the chapter's ``results/``
next to it, and ``COURSE_DIR/nbgrader_config.py`` (kept if it exists) with a per-cell timeout. From
there nbgrader's own flow takes over (``nbgrader generate_assignment``, ``release_assignment``,
``collect``, ``autograde``, ``generate_feedback``, ``export``; see the README, "For teachers").

How a chapter's exercise section becomes nbgrader cells (metadata schema version 3):

* every exercise's statement (``{exercise}`` directive) becomes a **read-only** markdown cell,
  with its difficulty in the heading;
* an exercise with a self-check (a cell calling :mod:`lstmlib.checks` after its solution):
  its solution cells become **autograded answers** — each function keeps its signature and
  docstring, and its body sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which
  ``generate_assignment`` replaces by ``raise NotImplementedError()`` — and each self-check cell
  becomes a read-only **autograder test** cell worth one point per star of the exercise;
* an exercise without a self-check (a derivation, an experiment, an explanation) becomes a
  **manually graded answer**: a markdown cell holding the book's solution text (replaced by
  "YOUR ANSWER HERE" in the student's copy) worth one point per star, preceded by its solution
  code, if any, as a code answer cell;
* the book's hints inside solutions are dropped; everything before and after the exercise
  section (the chapter itself, the summary, the references) is copied unchanged.

Cutting by tag and fence, as :mod:`lstmlib.student` does: the chapter authors mark answers
explicitly, so nothing is guessed.
"""
from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .student import SOLUTION_TAG, _signature_end

__all__ = ["answer_source", "make_nbgrader_notebook", "make_nbgrader_course", "main"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SCHEMA_VERSION = 3
_EXERCISES = re.compile(r"^#+ .*Exercises", re.M)
_FENCE = re.compile(r"^\s*(`{3,}|:{3,})\s*\{([a-z-]+)\}\s*(.*)$")
CONFIG = '''\
# nbgrader configuration for the LSTM course (written by python -m lstmlib.nbgrader_source).
c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "lstm-course"
# Seconds each cell may run while autograding; a submission that loops forever is interrupted
# there, scores 0 for that cell, and the rest of its notebook is still graded. The chapters'
# longest cells train small models for well under a minute on two CPU cores.
c.Execute.timeout = {timeout}
'''


def _metadata(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def answer_source(source: str) -> str:
    """The instructor's version of a solution cell: every function keeps its header and docstring,
    its body goes between nbgrader's solution markers (indented like the body, so the stub is
    too); other statements go into one marked region of their own; imports stay as they are.

    >>> print(answer_source('def double(x):\\n    \"\"\"Twice x.\"\"\"\\n    return 2 * x\\n'))
    def double(x):
        \"\"\"Twice x.\"\"\"
        ### BEGIN SOLUTION
        return 2 * x
        ### END SOLUTION
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: the whole cell is the answer
        return f"{BEGIN}\n{source.rstrip()}\n{END}"
    lines = source.splitlines()
    out: list[str] = []
    loose: list[str] = []

    def flush():
        if loose:
            out.extend(([""] if out else []) + [BEGIN, *loose, END])
            loose.clear()

    for node in tree.body:
        text = lines[min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1:node.end_lineno]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            flush()
            if out:
                out.append("")
            out += _marked_def(lines, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not loose:
            out += text
        else:
            loose += text
    flush()
    return "\n".join(out)


def _marked_def(lines: list[str], node) -> list[str]:
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    end_line, end_col = _signature_end([line + "\n" for line in lines], node)
    body = node.body
    if body[0].lineno == end_line:  # a one-line def: `def f(x): return x`
        indent = lines[node.lineno - 1][:node.col_offset] + "    "
        header = lines[first - 1:end_line]
        header[-1] = header[-1][:end_col]
        return header + [indent + BEGIN, indent + lines[end_line - 1][end_col:].strip(), indent + END]
    out = lines[first - 1:end_line]
    if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        out += lines[body[0].lineno - 1:body[0].end_lineno]
        body = body[1:]
    if not body:
        return out
    indent = lines[body[0].lineno - 1][:body[0].col_offset]
    return out + [indent + BEGIN] + lines[body[0].lineno - 1:node.end_lineno] + [indent + END]


@dataclass
class _Exercise:
    label: str
    title: str
    statement: str
    solution_text: list = field(default_factory=list)
    solution_cells: list = field(default_factory=list)
    after_cells: list = field(default_factory=list)  # code cells between its solution and the next exercise

    @property
    def points(self) -> int:
        return max(1, self.title.count("★"))


def _is_self_check(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith("check_")
               for n in ast.walk(tree))


def _read_exercises(cells, where: str):
    """Split the exercise section into plain markdown, exercises and the code around them."""
    items: list = []          # ("md", text) or _Exercise, in order
    current: _Exercise | None = None
    in_solution = False
    for index, cell in enumerate(cells):
        if cell.cell_type == "code":
            if current is None:
                items.append(("code", cell))
            elif in_solution:
                current.solution_cells.append(cell)
            else:
                current.after_cells.append(cell)
            continue
        lines, k, plain = cell.source.splitlines(), 0, []
        while k < len(lines):
            match = _FENCE.match(lines[k])
            if not match:
                (current.solution_text if in_solution else plain).append(lines[k])
                k += 1
                continue
            fence, directive, argument = match.groups()
            end = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == fence), len(lines))
            body = [line for line in lines[k + 1:end] if not line.startswith(":")]
            if directive == "exercise":
                if plain and any(p.strip() for p in plain):
                    items.append(("md", "\n".join(plain).strip("\n")))
                plain = []
                label = next((line.split(":", 2)[2].strip() for line in lines[k + 1:end] if line.startswith(":label:")), "")
                current = _Exercise(label or f"exercise-{len(items)}", argument.strip(), "\n".join(body).strip())
                items.append(current)
            elif directive == "solution-start":
                if in_solution:
                    raise ValueError(f"{where}: cell {index} opens a solution inside a solution")
                in_solution = True
            elif directive == "solution-end":
                in_solution = False
            elif directive == "solution":
                if current is not None:
                    current.solution_text += body
            else:  # another directive (a note, a figure): plain text
                plain += lines[k:end + 1]
            k = end + 1
        if any(p.strip() for p in plain):
            items.append(("md", "\n".join(plain).strip("\n")))
    return items


def _plain(cell):
    new = nbformat.from_dict(dict(cell))
    new.metadata = nbformat.from_dict({k: v for k, v in cell.get("metadata", {}).items() if k != "nbgrader"})
    if new.cell_type == "code":
        new.outputs, new.execution_count = [], None
    return new


def _exercise_cells(ex: _Exercise) -> list:
    stars = "★" * ex.points
    title = ex.title.replace("★", "").strip()
    statement = nbformat.v4.new_markdown_cell(f"### Exercise: {title} ({stars}, {ex.points} point"
                                              f"{'s' if ex.points > 1 else ''})\n\n{ex.statement}")
    statement.metadata["nbgrader"] = _metadata(f"{ex.label}-statement", locked=True)
    out = [statement]
    checks = [c for c in ex.after_cells if _is_self_check(c.source)]
    for k, cell in enumerate(ex.solution_cells):
        answer = nbformat.v4.new_code_cell(answer_source(cell.source))
        answer.metadata["nbgrader"] = _metadata(f"{ex.label}-answer-{k + 1}", solution=True)
        out.append(answer)
    if checks:
        for cell in ex.after_cells:
            if _is_self_check(cell.source):
                test = nbformat.v4.new_code_cell(cell.source)
                test.metadata["nbgrader"] = _metadata(f"{ex.label}-test-{checks.index(cell) + 1}", grade=True,
                                                      locked=True, points=ex.points)
                out.append(test)
            else:
                out.append(_plain(cell))
    else:
        written = nbformat.v4.new_markdown_cell("\n".join(ex.solution_text).strip() or "(Answer in words.)")
        written.metadata["nbgrader"] = _metadata(f"{ex.label}-written", grade=True, solution=True, points=ex.points)
        out.append(written)
        out += [_plain(c) for c in ex.after_cells]
    return out


def make_nbgrader_notebook(nb, name: str = "notebook"):
    """Return the nbgrader source version of a chapter (an ``nbformat`` node; not modified)."""
    cells = nb.cells
    start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown" and _EXERCISES.search(c.source)), None)
    if start is None:
        raise ValueError(f"{name}: no exercise section (a markdown heading '## … Exercises')")
    end = next((i for i in range(start + 1, len(cells)) if cells[i].cell_type == "markdown"
                and re.search(r"^## ", cells[i].source, re.M)), len(cells))
    head_cell = cells[start]
    heading = _EXERCISES.search(head_cell.source)
    before_heading = head_cell.source[:heading.start()].rstrip()
    section = [nbformat.from_dict(dict(c)) for c in cells[start:end]]
    section[0].source = head_cell.source[heading.start():]
    tail_cell = None
    if end < len(cells):  # the summary may share a cell with the last solution's end
        match = re.search(r"^## ", cells[end].source, re.M)
        if match.start() > 0:
            tail_cell = nbformat.from_dict(dict(cells[end]))
            section.append(nbformat.from_dict({**dict(cells[end]), "source": cells[end].source[:match.start()]}))
            tail_cell.source = cells[end].source[match.start():]
    out_cells = [_plain(c) for c in cells[:start] if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    if before_heading:
        out_cells.append(nbformat.v4.new_markdown_cell(before_heading))
    for item in _read_exercises(section, name):
        if isinstance(item, _Exercise):
            out_cells += _exercise_cells(item)
        elif item[0] == "md":
            out_cells.append(nbformat.v4.new_markdown_cell(item[1]))
        else:
            out_cells.append(_plain(item[1]))
    if tail_cell is not None:
        out_cells.append(_plain(tail_cell))
        end += 1
    out_cells += [_plain(c) for c in cells[end:]]
    out = nbformat.v4.new_notebook()
    out.metadata = nbformat.from_dict(dict(nb.get("metadata", {})))
    out.cells = out_cells
    for cell in out.cells:
        if "id" not in cell:
            cell["id"] = nbformat.corpus.words.generate_corpus_id()
    ids = [c["id"] for c in out.cells]
    if len(set(ids)) != len(ids):  # a split cell: give the copy a fresh id
        seen = set()
        for cell in out.cells:
            if cell["id"] in seen:
                cell["id"] = nbformat.corpus.words.generate_corpus_id()
            seen.add(cell["id"])
    nbformat.validate(out)
    return out


def make_nbgrader_course(src_dir, course_dir, pattern: str = "[0-9][0-9]_*.ipynb", timeout: int = 120) -> list[Path]:
    """Write ``course_dir/source/<chapter>/<chapter>.ipynb`` (+ ``results/``) for each chapter and
    ``course_dir/nbgrader_config.py`` if there is none; return the notebooks written."""
    src_dir, course_dir = Path(src_dir), Path(course_dir)
    notebooks = sorted(src_dir.glob(pattern))
    if not notebooks:
        raise ValueError(f"SRC_DIR: no notebooks matching {pattern!r} in {str(src_dir)!r}")
    written = []
    for path in notebooks:
        assignment = course_dir / "source" / path.stem
        assignment.mkdir(parents=True, exist_ok=True)
        nb = make_nbgrader_notebook(nbformat.read(path, as_version=4), name=path.name)
        target = assignment / path.name
        nbformat.write(nb, target)
        if (src_dir / "results").is_dir():
            shutil.copytree(src_dir / "results", assignment / "results", dirs_exist_ok=True)
        written.append(target)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG.format(timeout=int(timeout)))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmlib.nbgrader_source", description=__doc__.split("\n\n")[0])
    parser.add_argument("src_dir", metavar="SRC_DIR", help="folder with the chapter notebooks")
    parser.add_argument("course_dir", metavar="COURSE_DIR", help="nbgrader course directory to write into")
    parser.add_argument("--pattern", default="[0-9][0-9]_*.ipynb", help="which chapters (glob)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell when autograding (config)")
    args = parser.parse_args(argv)
    try:
        written = make_nbgrader_course(args.src_dir, args.course_dir, args.pattern, args.timeout)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"wrote {len(written)} nbgrader source notebook(s); next: cd {args.course_dir} && "
          f"nbgrader generate_assignment {written[0].parent.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
