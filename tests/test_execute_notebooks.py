"""The book's executor and nbval: a failing or stalled cell fails the run, naming notebook and cell."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
EXECUTOR = ROOT / "tools" / "execute_notebooks.py"


def _notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# A test notebook")] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, path)
    return path


def _execute(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXECUTOR), *args], capture_output=True, text=True, timeout=300)


def test_a_failing_cell_fails_and_is_named(tmp_path):
    nb = _notebook(tmp_path / "failing.ipynb", "x = 1", "raise RuntimeError('deliberately failing cell')")
    result = _execute("--no-cache", str(nb))
    assert result.returncode == 1
    assert "failing.ipynb: failed in cell 3 (raise RuntimeError" in result.stderr, result.stderr
    assert "deliberately failing cell" in result.stderr


def test_a_cell_past_its_timeout_fails_and_is_named(tmp_path):
    nb = _notebook(tmp_path / "slow.ipynb", "import time", "time.sleep(10**6)")
    result = _execute("--no-cache", "--cell-timeout", "5", str(nb))
    assert result.returncode == 1
    assert "slow.ipynb: failed in cell 3 (time.sleep" in result.stderr, result.stderr
    assert "CellTimeoutError" in result.stderr


def test_a_stalled_run_is_killed_by_the_watchdog_and_named(tmp_path):
    # nbclient's own timeout is set far away: the watchdog must act on its own.
    nb = _notebook(tmp_path / "stalled.ipynb", "import time", "time.sleep(10**6)")
    result = _execute("--no-cache", "--cell-timeout", "600", "--stall-after", "5", str(nb))
    assert result.returncode == 1
    assert "stalled.ipynb: stalled: no cell started or finished for 5 s; the last one was cell 3 (time.sleep" \
        in result.stderr, result.stderr


def test_the_cache_reruns_only_changed_code(tmp_path):
    cache = tmp_path / "cache"
    nb = _notebook(tmp_path / "cached.ipynb", "x = 1")
    first = _execute("--cache", str(cache), str(nb))
    assert first.returncode == 0 and "cached.ipynb: ran in" in first.stdout, first.stdout + first.stderr
    again = _execute("--cache", str(cache), str(nb))
    assert "cached.ipynb: unchanged, using the cached run" in again.stdout, again.stdout
    forced = _execute("--cache", str(cache), "--force", str(nb))
    assert "cached.ipynb: ran in" in forced.stdout
    _notebook(nb, "x = 2")
    changed = _execute("--cache", str(cache), str(nb))
    assert "cached.ipynb: ran in" in changed.stdout


def test_nbval_fails_a_cell_past_its_timeout_and_names_it(tmp_path):
    nb = _notebook(tmp_path / "slow_nbval.ipynb", "import time", "time.sleep(10**6)")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                             "--nbval-lax", "--nbval-cell-timeout=5", "-o", "addopts=", str(nb)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "FAILED slow_nbval.ipynb::Cell 1" in result.stdout, result.stdout[-2000:]


def test_repository_url_is_in_one_place():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "set_repository.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
