"""Student notebooks: valid, free of solution code, and runnable up to the first stub."""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from lstmlib.student import PLACEHOLDER, STUB_TAG, main, make_student_notebook, make_student_versions, stub_source

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
REAL = sorted(CHAPTERS.glob("*.ipynb"))


def md(text, tags=()):
    cell = nbformat.v4.new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def code(text, tags=()):
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


SECRET = "secret_value = 41 + 1"


def synthetic_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        md("# Chapter 0 — Synthetic\n\nA story."),
        code("import math\nran = ['setup']"),
        code("ran.append('before')\nprint(math.pi)"),
        code(
            "import numpy as np\n\n"
            "def squash(x, *, scale: float = 1.0) -> float:\n"
            '    """Return tanh(scale * x) — the docstring stays."""\n'
            f"    {SECRET}\n"
            "    return np.tanh(scale * x)\n\n"
            "squash_table = [squash(v) for v in range(3)]\n",
            tags=["solution"],
        ),
        code("ran.append('self-check')\nassert abs(squash(0.5) - math.tanh(0.5)) < 1e-12"),
        code("ran.append('after the stub')"),
        md("```{exercise} Twice\n:label: ch0-ex-twice\nDouble it.\n```"),
        md("```{solution-start} ch0-ex-twice\n:class: dropdown\n```"),
        code(f"{SECRET}\nprint(2 * secret_value)", tags=["solution"]),
        md("The answer is 84."),
        md("```{solution-end}\n```"),
        md("```{solution} ch0-ex-other\nA whole solution directive.\n```"),
        code("print('end')"),
    ]
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="stale output\n")]
    nb.cells[4].execution_count = 7
    return nb


def test_stub_keeps_signature_docstring_and_imports():
    stub = stub_source(synthetic_notebook().cells[3].source)
    tree = ast.parse(stub)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    assert func.name == "squash"
    assert [a.arg for a in func.args.args] == ["x"] and [a.arg for a in func.args.kwonlyargs] == ["scale"]
    assert ast.get_docstring(func) == "Return tanh(scale * x) — the docstring stays."
    assert isinstance(func.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(func.body[-1])
    assert "import numpy as np" in stub
    assert SECRET not in stub and "np.tanh" not in stub and "squash_table" not in stub
    assert PLACEHOLDER in stub


def test_stub_of_cell_without_def_and_of_magic_is_placeholder():
    assert stub_source("x = 1\nprint(x)") == PLACEHOLDER
    assert stub_source("%timeit f(1)") == PLACEHOLDER


def test_one_line_def_and_tricky_header():
    src = "def f(a=lambda t: t, b: dict[str, int] = {'k': 1}) -> int: return a(b['k'])  # answer\n"
    stub = stub_source(src)
    compile(stub, "<stub>", "exec")
    assert "return a(" not in stub and "answer" not in stub
    ns = {}
    exec(stub, ns)
    with pytest.raises(NotImplementedError):
        ns["f"]()


def test_synthetic_notebook_structure():
    nb = synthetic_notebook()
    student, report = make_student_notebook(nb, name="syn.ipynb")
    nbformat.validate(student)
    sources = [c.source for c in student.cells]
    assert not any(SECRET in s for s in sources)
    assert not any("The answer is 84" in s for s in sources)
    assert not any("{solution" in s for s in sources)
    assert any("{exercise}" in s for s in sources)  # the exercise itself stays
    assert any("assert abs(squash" in s for s in sources)  # the self-check stays
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")
    stubbed = [c for c in student.cells if STUB_TAG in c.metadata.get("tags", [])]
    assert len(stubbed) == 1 and report.stubbed_functions == ["squash"]
    assert report.removed_solution_blocks == 2 and report.removed_cells == 5
    assert "Student version" in student.cells[1].source
    assert nb.cells[4].outputs  # the input notebook is not modified


def test_synthetic_notebook_runs_up_to_the_first_stub(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    student, _ = make_student_notebook(synthetic_notebook())
    client = NotebookClient(student, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert "NotImplementedError" in str(info.value)
    assert "squash()" in str(info.value)
    executed = [c for c in student.cells if c.cell_type == "code" and c.execution_count is not None]
    # set-up, 'before', the stub definition itself, and the self-check that calls it (which fails)
    assert len(executed) == 4
    assert "NotImplementedError" in executed[-1].outputs[-1]["ename"]
    assert "ran.append('self-check')" in executed[-1].source


def test_unbalanced_solution_fences_are_errors():
    nb = synthetic_notebook()
    del nb.cells[10]  # the {solution-end}
    with pytest.raises(ValueError, match="never closed"):
        make_student_notebook(nb, name="bad.ipynb")
    nb = synthetic_notebook()
    del nb.cells[7]  # the {solution-start}
    with pytest.raises(ValueError, match="without a"):
        make_student_notebook(nb, name="bad.ipynb")


def test_cli_writes_every_notebook_and_copies_results(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "results").mkdir(parents=True)
    (src / "results" / "r.json").write_text("{}")
    nbformat.write(synthetic_notebook(), src / "00_syn.ipynb")
    assert main([str(src), str(out)]) == 0
    assert "00_syn.ipynb: 1 solution cell(s) stubbed" in capsys.readouterr().out
    nbformat.validate(nbformat.read(out / "00_syn.ipynb", as_version=4))
    assert (out / "results" / "r.json").exists()
    assert main([str(src), str(src)]) == 2  # refuses to overwrite the chapters
    assert main([str(tmp_path / "missing"), str(out)]) == 2


def _solution_material(nb):
    """Code that must not survive: bodies of solution cells and every cell inside a solution block."""
    import re

    bodies, block_cells, inside = [], [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for event in re.findall(r"\{solution-(start|end)\}", cell.source):
                inside = event == "start"
            continue
        if inside:
            if cell.source.strip() and not ("solution" in cell.metadata.get("tags", []) and "def " in cell.source):
                block_cells.append(cell.source.strip())
            continue
        if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                bodies.append(cell.source.strip())
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    body = node.body
                    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                        body = body[1:]
                    bodies += [ast.unparse(stmt) for stmt in body]
    return bodies, block_cells


@pytest.mark.skipif(not REAL, reason="no chapter notebooks in chapters/ yet")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_chapters_are_valid_and_solution_free(path):
    nb = nbformat.read(path, as_version=4)
    student, report = make_student_notebook(nb, name=path.name)
    nbformat.validate(student)
    bodies, block_cells = _solution_material(nb)
    student_code = [c.source.strip() for c in student.cells if c.cell_type == "code"]
    for cell_source in block_cells:
        assert cell_source not in student_code, f"{path.name}: a solution cell survived"
    stubs = [c.source for c in student.cells if STUB_TAG in c.metadata.get("tags", [])]
    for stub in stubs:
        stub_tree = ast.parse(stub) if stub.strip() != PLACEHOLDER else ast.parse("")
        stub_statements = {ast.unparse(n) for n in ast.walk(stub_tree) if isinstance(n, ast.stmt)}
        leaked = [b for b in bodies if b in stub_statements and b != "pass" and not b.startswith("raise NotImplementedError")]
        assert not leaked, f"{path.name}: solution statements survived: {leaked[:3]}"
    assert all(c.outputs == [] for c in student.cells if c.cell_type == "code")


def test_self_check_pattern_keeps_the_stub_of_a_hidden_solution():
    """Exercise whose answer is hidden in the book: the student gets the stub, the check stays."""
    nb = synthetic_notebook()
    nb.cells[-1:-1] = [
        md("```{exercise} Write it\n:label: ch0-ex-write\nWrite `halve`.\n```"),
        md("```{solution-start} ch0-ex-write\n:class: dropdown\n```"),
        code('def halve(x):\n    """Half of x."""\n    return x / 2\n', tags=["solution"]),
        code("print(halve(3))  # demo of the answer", tags=["solution"]),
        md("```{solution-end}\n```"),
        code("from math import isclose\nassert isclose(halve(3), 1.5)"),
    ]
    student, report = make_student_notebook(nb)
    sources = [c.source for c in student.cells]
    index = next(i for i, s in enumerate(sources) if s.startswith("def halve(x):"))
    assert '"""Half of x."""' in sources[index] and "x / 2" not in sources[index]
    assert sources[index + 1].startswith("from math import isclose")  # the self-check follows the stub
    assert not any("demo of the answer" in s for s in sources)
    assert report.stubbed_functions == ["squash", "halve"]


def test_fences_inside_markdown_cells_are_found():
    """An author may close one solution and open the next exercise in the same markdown cell."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Chapter 0\n\nStory."),
        md("Intro text.\n\n```{exercise} One\n:label: ch0-one\nDo one.\n```\n\n"
           "```{solution-start} ch0-one\n:class: dropdown\n```\n\nThe hidden answer text."),
        code(f"{SECRET}", tags=["solution"]),
        md("```{solution-end}\n```\n\n```{exercise} Two\n:label: ch0-two\nDo two.\n```"),
        md("````{solution} ch0-two\n:class: dropdown\n```python\nprint('nested code')\n```\n````\nAfter."),
    ]
    student, report = make_student_notebook(nb)
    text = "\n".join(c.source for c in student.cells)
    assert "Intro text." in text and "Do one." in text and "Do two." in text and "After." in text
    assert "hidden answer" not in text and SECRET not in text and "nested code" not in text
    assert "{solution" not in text
    assert report.removed_solution_blocks == 2


def test_markdown_and_raw_cells_tagged_solution_are_removed_with_their_tag():
    nb = synthetic_notebook()
    raw = nbformat.v4.new_raw_cell(f"{SECRET} (a raw answer)")
    raw.metadata["tags"] = ["solution"]
    nb.cells[2:2] = [md(f"**Answer.** {SECRET}", tags=["solution", "hide-input"]), raw,
                     md("Kept prose.", tags=["hide-input"])]
    student, report = make_student_notebook(nb)
    text = "\n".join(c.source for c in student.cells)
    assert SECRET not in text and "Kept prose." in text
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert not any(c.cell_type == "raw" for c in student.cells)
    plain, plain_report = make_student_notebook(synthetic_notebook())
    assert report.removed_cells == plain_report.removed_cells + 2
