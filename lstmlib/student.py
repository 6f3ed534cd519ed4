"""Student versions of the chapter notebooks: the same pages with the answers taken out.

    python -m lstmlib.student SRC_DIR OUT_DIR

For every ``*.ipynb`` in ``SRC_DIR`` this writes a notebook of the same name to ``OUT_DIR`` in
which

* markdown and raw cells tagged ``solution`` are removed (a worked answer written as prose);
* code cells tagged ``solution`` become stubs: every ``def`` keeps its decorators, signature and
  docstring, and its body becomes ``raise NotImplementedError(...)``; everything else in the cell
  (statements outside a ``def``) becomes a comment placeholder (imports are kept: the stubs may
  need them);
* exercise solutions are removed: everything from a ``{solution-start}`` directive to the
  matching ``{solution-end}`` (the fences may sit anywhere inside markdown cells; text before and
  after them in the same cell stays), and every whole ``{solution}`` directive — except that a ``solution``-tagged code cell *defining a
  function* inside such a block is kept as its stub. That is the self-check exercise pattern: the
  book hides the answer in the dropdown, a self-check cell right after ``{solution-end}`` runs it,
  and in the student version the same self-check runs the student's own function;
* outputs and execution counts are cleared;
* self-check cells (calls into :mod:`lstmlib.checks`) stay, so students learn whether their code
  is right without seeing the answer.

A short note saying that this is the student version is inserted after the title cell. The
``results/`` folder next to the notebooks (precomputed experiment outputs) is copied along, so
the student notebooks run from ``OUT_DIR`` as the chapters do from ``chapters/``.

Why cut by tag and fence rather than by heuristics: the chapter authors mark answers explicitly
(STYLE.md), so the generator never has to guess what is solution code.
"""
from __future__ import annotations

import argparse
import ast
import io
import re
import shutil
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["stub_source", "make_student_notebook", "make_student_versions", "StudentReport", "main"]

SOLUTION_TAG = "solution"
STUB_TAG = "student-stub"
_START = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution-start\}")
_END = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution-end\}")
_WHOLE = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution\}")
PLACEHOLDER = "# YOUR CODE HERE (the solution was removed from the student version)"
NOTE = (
    "```{note}\n"
    "**Student version.** The solutions were removed: functions marked as exercises raise "
    "`NotImplementedError` until you write their bodies, and the self-check cells tell you "
    "when your code is right.\n"
    "```"
)


def _signature_end(lines: list[str], node: ast.AST) -> tuple[int, int]:
    """(line, col) just after the ``:`` that ends a def/class header (1-based line).

    Found with the tokenizer, which knows about brackets, strings and comments: a default value
    such as ``lambda x: x`` or an annotation ``dict[str, int]`` contains colons too."""
    start = node.lineno
    text = "".join(lines[start - 1:])
    depth = 0
    seen_keyword = False
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and tok.string in ("def", "class") and not seen_keyword:
            seen_keyword = True
            continue
        if not seen_keyword or tok.type != tokenize.OP:
            continue
        if tok.string in "([{":
            depth += 1
        elif tok.string in ")]}":
            depth -= 1
        elif tok.string == ":" and depth == 0:
            return start + tok.end[0] - 1, tok.end[1]
    raise ValueError("could not find the end of a def header")  # pragma: no cover (parsed source)


def _stub_def(lines: list[str], node, indent_unit: str = "    ") -> list[str]:
    """Source lines of a stubbed def (or class, whose methods are stubbed in turn)."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    end_line, end_col = _signature_end(lines, node)
    header = lines[first - 1:end_line]
    header[-1] = header[-1][:end_col]
    header = [h.rstrip("\n") for h in header]
    own_indent = lines[node.lineno - 1][: node.col_offset]
    body = node.body
    if body and body[0].lineno > end_line:
        body_indent = lines[body[0].lineno - 1][: body[0].col_offset]
    else:  # one-line def: `def f(x): return x`
        body_indent = own_indent + indent_unit
    out = list(header)
    rest = body
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        doc = body[0]
        if doc.lineno > end_line:
            out += [l.rstrip("\n") for l in lines[doc.lineno - 1:doc.end_lineno]]
        else:
            out.append(body_indent + repr(doc.value.value))
        rest = body[1:]
    if isinstance(node, ast.ClassDef):
        kept = 0
        for item in rest:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out += _stub_def(lines, item, indent_unit)
                kept += 1
        if kept == 0:
            out.append(body_indent + "pass")
        return out
    out.append(
        f'{body_indent}raise NotImplementedError("Exercise: write the body of {node.name}(); '
        f'the self-check below tells you when it is right.")'
    )
    return out


def stub_source(source: str) -> str:
    """Turn the source of a ``solution`` cell into the student's stub (see the module docstring).

    >>> print(stub_source('def double(x):\\n    \"\"\"Twice x.\"\"\"\\n    return 2 * x\\n'))
    def double(x):
        \"\"\"Twice x.\"\"\"
        raise NotImplementedError("Exercise: write the body of double(); the self-check below tells you when it is right.")
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics or a deliberately partial cell: keep nothing of it
        return PLACEHOLDER
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    dropped = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if out:
                out.append("")
            out += _stub_def(lines, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out += [l.rstrip("\n") for l in lines[node.lineno - 1:node.end_lineno]]
        else:
            dropped = True
    if dropped or not out:
        if out:
            out.append("")
        out.append(PLACEHOLDER)
    return "\n".join(out)


@dataclass
class StudentReport:
    """What :func:`make_student_notebook` changed in one notebook."""

    name: str = ""
    stubbed_cells: int = 0
    stubbed_functions: list[str] = field(default_factory=list)
    removed_solution_blocks: int = 0
    removed_cells: int = 0

    def __str__(self) -> str:
        funcs = ", ".join(self.stubbed_functions) or "none"
        return (f"{self.name}: {self.stubbed_cells} solution cell(s) stubbed (functions: {funcs}); "
                f"{self.removed_solution_blocks} exercise solution(s) removed ({self.removed_cells} cells)")


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _defines_function(source: str) -> bool:
    try:
        return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.parse(source).body)
    except SyntaxError:
        return False


def _stub_cell(cell, source: str, report: StudentReport):
    new = nbformat.v4.new_code_cell(stub_source(source))
    new.metadata = nbformat.from_dict(dict(cell.get("metadata", {})))
    new.metadata["tags"] = [t for t in _tags(cell) if t != SOLUTION_TAG] + [STUB_TAG]
    report.stubbed_cells += 1
    try:
        report.stubbed_functions += [n.name for n in ast.parse(source).body
                                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    except SyntaxError:
        pass
    return new


_FENCE = re.compile(r"^\s*(`{3,}|:{3,})")


def _skip_directive(lines: list[str], start: int) -> int:
    """Index just after the directive whose opening fence is ``lines[start]`` (its closing fence
    is the same run of backticks or colons alone on a line; a directive without a body, such as
    ``{solution-end}``, closes on the next such line too)."""
    fence = _FENCE.match(lines[start]).group(1)
    for k in range(start + 1, len(lines)):
        if lines[k].strip() == fence:
            return k + 1
    return len(lines)


def _cut_markdown(source: str, inside: bool, where: str):
    """Remove solution material from one markdown cell; return (kept text, inside, blocks opened).

    Fences may sit anywhere in a cell: an author may close one exercise's solution and open the
    next exercise in the same cell, so the cell is read line by line, not by its first line."""
    lines = source.splitlines()
    kept, opened, k = [], 0, 0
    while k < len(lines):
        line = lines[k]
        if _START.match(line):
            if inside:
                raise ValueError(f"{where} opens a solution before the previous one is closed with {{solution-end}}")
            inside, opened = True, opened + 1
            k = _skip_directive(lines, k)
        elif _END.match(line):
            if not inside:
                raise ValueError(f"{where} has a {{solution-end}} without a {{solution-start}}")
            inside = False
            k = _skip_directive(lines, k)
        elif not inside and _WHOLE.match(line):
            opened += 1
            k = _skip_directive(lines, k)
        else:
            if not inside:
                kept.append(line)
            k += 1
    return "\n".join(kept).strip("\n"), inside, opened


def make_student_notebook(nb, name: str = "notebook"):
    """Return ``(student_nb, report)`` for a notebook (an ``nbformat`` node; not modified)."""
    report = StudentReport(name=name)
    cells = []
    inside: int | None = None  # index of the cell that opened the current solution block
    for index, cell in enumerate(nb.cells):
        source = cell.get("source", "")
        if cell.cell_type == "markdown":
            was_inside = inside is not None
            text, now_inside, opened = _cut_markdown(source, was_inside, f"{name}: cell {index}")
            report.removed_solution_blocks += opened
            if now_inside and not was_inside:
                inside = index
            elif not now_inside:
                inside = None
            if SOLUTION_TAG in _tags(cell):  # a worked answer in prose: removed, tag and all
                report.removed_cells += 1
            elif text.strip():
                new = nbformat.from_dict(dict(cell))
                new.metadata = nbformat.from_dict(dict(cell.get("metadata", {})))
                new.source = text
                cells.append(new)
            else:
                report.removed_cells += 1
            continue
        if inside is not None:
            if cell.cell_type == "code" and SOLUTION_TAG in _tags(cell) and _defines_function(source):
                # the self-check pattern: the answer is hidden in the book, and the student gets
                # the function's stub in its place, so the self-check cell after the block runs
                cells.append(_stub_cell(cell, source, report))
            else:
                report.removed_cells += 1
            continue
        if cell.cell_type == "code" and SOLUTION_TAG in _tags(cell):
            cells.append(_stub_cell(cell, source, report))
            continue
        if cell.cell_type == "raw" and SOLUTION_TAG in _tags(cell):
            report.removed_cells += 1
            continue
        new = nbformat.from_dict(dict(cell))
        new.metadata = nbformat.from_dict(dict(cell.get("metadata", {})))
        if cell.cell_type == "code":
            new.outputs = []
            new.execution_count = None
        cells.append(new)
    if inside is not None:
        raise ValueError(f"{name}: the solution opened in cell {inside} is never closed with {{solution-end}}")
    note = nbformat.v4.new_markdown_cell(NOTE)
    note.pop("id", None)
    cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0, note)
    out = nbformat.v4.new_notebook()
    out.metadata = nbformat.from_dict(dict(nb.get("metadata", {})))
    out.cells = cells
    # cell ids are required from nbformat 4.5 on; the new note cell (and cells of older
    # notebooks) get fresh ones
    for cell in out.cells:
        if "id" not in cell:
            cell["id"] = nbformat.corpus.words.generate_corpus_id()
    return out, report


def make_student_versions(src_dir, out_dir, pattern: str = "*.ipynb", copy_dirs=("results",)):
    """Write the student version of each notebook in ``src_dir`` to ``out_dir``; return the reports."""
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if not src_dir.is_dir():
        raise ValueError(f"SRC_DIR: expected a directory, got {str(src_dir)!r}")
    if out_dir.resolve() == src_dir.resolve():
        raise ValueError("OUT_DIR: must differ from SRC_DIR (the chapters would be overwritten)")
    notebooks = sorted(src_dir.glob(pattern))
    if not notebooks:
        raise ValueError(f"SRC_DIR: no notebooks matching {pattern!r} in {str(src_dir)!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        student, report = make_student_notebook(nb, name=path.name)
        nbformat.validate(student)
        nbformat.write(student, out_dir / path.name)
        reports.append(report)
    for sub in copy_dirs:
        if (src_dir / sub).is_dir():
            shutil.copytree(src_dir / sub, out_dir / sub, dirs_exist_ok=True)
    return reports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmlib.student", description=__doc__.split("\n\n")[0])
    parser.add_argument("src_dir", metavar="SRC_DIR", help="folder with the chapter notebooks")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="folder for the student versions")
    parser.add_argument("--pattern", default="*.ipynb", help="which notebooks (glob, default *.ipynb)")
    args = parser.parse_args(argv)
    try:
        reports = make_student_versions(args.src_dir, args.out_dir, args.pattern)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for report in reports:
        print(report)
    print(f"wrote {len(reports)} student notebook(s) to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
