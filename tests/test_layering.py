"""The layering of lstmlib (pyproject.toml, [tool.importlinter]): no upward imports, no cycles."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    exe = Path(sys.executable).with_name("lint-imports")
    exe = str(exe) if exe.exists() else shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports not found: pip install -r requirements.txt (import-linter)")
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_no_sys_path_edits():
    """Scripts import the installed library; none reaches into the file system for it."""
    offenders = [str(p.relative_to(ROOT)) for folder in ("lstmlib", "experiments", "benchmarks", "tools", "tests")
                 for p in (ROOT / folder).rglob("*.py") if "sys.path." in p.read_text(encoding="utf-8")
                 and p.name != "test_layering.py"]
    assert offenders == []
