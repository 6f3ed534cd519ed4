"""The course on every supported Python, and as Binder and Colab install it (nox).

    .venv/bin/python -m nox                 # every session below
    .venv/bin/python -m nox -s tests-3.12   # one of them
    .venv/bin/python -m nox -l              # list them

* ``tests-3.X``: a fresh environment of Python 3.X installs the pinned ``requirements.txt`` and
  runs the unit tests (all but those marked ``slow``) and chapter 1 under nbval. Python 3.11 is the primary version: ``make test``
  runs everything there (CI runs only 3.12 and 3.13 here). A version missing from the machine is
  skipped, not failed.
* ``binder``: what repo2docker does with ``binder/``: a fresh environment of the Python named in
  ``binder/runtime.txt``, ``pip install -r requirements.txt`` run from ``binder/``, then
  ``binder/postBuild``; then two chapters run there.
* ``colab``: what a chapter's first cell does on Colab: the built wheel with its ``[course]`` extra
  (in place of the repository URL), a Jupyter kernel, and none of the course's pins; every
  chapter and ``python -m lstmlib.student`` run there. First, with lstmlib absent and the install
  failing (no network to GitHub here), chapter 1's first cell must say what to do.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
SUPPORTED = ["3.11", "3.12", "3.13"]   # keep in step with requires-python and the README
COLAB_PYTHON = "3.12"                   # Colab's Python at the time of writing
BINDER_PYTHON = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")

nox.options.error_on_missing_interpreters = False   # "every supported version on the machine"
nox.options.sessions = [f"tests-{v}" for v in SUPPORTED] + ["binder", "colab"]


def _put_pyenv_interpreters_on_path() -> None:
    """pyenv's shims run only the globally selected version; nox looks for ``python3.X`` on PATH.

    The interpreters themselves live in ``$(pyenv root)/versions/3.X.Y/bin``: put those first so
    nox finds every installed version (nothing changes on a machine without pyenv).
    """
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    bins = [str(p / "bin") for p in sorted(versions.glob("3.*")) if (p / "bin").is_dir()]
    if bins:
        os.environ["PATH"] = os.pathsep.join(bins + [os.environ.get("PATH", "")])


_put_pyenv_interpreters_on_path()


@nox.session(python=SUPPORTED)
def tests(session: nox.Session) -> None:
    session.install("-r", "requirements.txt")
    session.install("--no-deps", "-e", ".")
    # The slow integration tests (nbgrader's whole flow, every student version, the widget stress
    # run) exercise tools, not the interpreter; they run on the primary version (`make test`).
    args = session.posargs or ["-m", "not slow", "tests", "chapters/01_feedforward.ipynb"]
    session.run("python", "-m", "pytest", "-n", "2", "--dist", "loadscope", *args,
                env={"OMP_NUM_THREADS": "1"})


@nox.session(python=BINDER_PYTHON)
def binder(session: nox.Session) -> None:
    session.chdir(ROOT / "binder")
    # binder/requirements.txt adds PyTorch's CPU-only index, which this machine cannot reach; pip
    # would retry it for every package it resolves (minutes). Not retrying changes nothing else.
    session.install("-r", "requirements.txt", env={"PIP_RETRIES": "0"})
    session.chdir(ROOT)
    session.run("bash", "binder/postBuild", external=True)
    chapters = session.posargs or ["chapters/01_feedforward.ipynb", "chapters/08_attention.ipynb"]
    session.run("python", "-m", "pytest", "-p", "no:xdist", *chapters, env={"OMP_NUM_THREADS": "1"})


SETUP_CELL_CHECK = """
import nbformat
from IPython.core.interactiveshell import InteractiveShell
nb = nbformat.read("chapters/01_feedforward.ipynb", as_version=4)
setup = next(c for c in nb.cells if c.cell_type == "code").source
result = InteractiveShell.instance().run_cell(setup)
err = result.error_in_exec
assert isinstance(err, ModuleNotFoundError), f"expected ModuleNotFoundError, got {err!r}"
assert "pip install -e ." in str(err) and "must be public" in str(err), str(err)
print("set-up cell without lstmlib says:", err)
"""


@nox.session(python=COLAB_PYTHON)
def colab(session: nox.Session) -> None:
    # 1. No lstmlib, install impossible: the first cell must say what to do in one sentence.
    session.install("ipython", "nbformat")
    session.run("python", "-c", SETUP_CELL_CHECK)
    # 2. The wheel with its [course] extra, a kernel, nothing pinned.
    with tempfile.TemporaryDirectory() as dist:
        session.run("python", "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, str(ROOT))
        wheel = next(Path(dist).glob("lstmlib-*.whl"))
        session.install(f"{wheel}[course]", "ipykernel", "nbclient")
        session.install("--force-reinstall", "--no-deps", str(wheel))  # this checkout's, also on `nox -r`
    session.run("python", "tools/execute_notebooks.py", "--no-cache", *session.posargs,
                env={"OMP_NUM_THREADS": "1"})
    with tempfile.TemporaryDirectory() as out:
        session.run("python", "-m", "lstmlib.student", "chapters", out)
