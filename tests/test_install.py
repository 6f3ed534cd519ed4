"""The README's commands pick a Python the pins support, or stop at once and say what to do."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def _old_python() -> Path | None:
    """A Python older than 3.11 that runs (pyenv keeps 3.10 on the course's machines)."""
    for candidate in sorted(PYENV.glob("3.1[0]*/bin/python3.10")) + [Path("/usr/bin/python3.10")]:
        if candidate.exists() and subprocess.run([candidate, "-c", "pass"]).returncode == 0:
            return candidate
    return None


def _make(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PYTHON", None)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([shutil.which("make") or "/usr/bin/make", "-s", "-C", str(ROOT), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_requires_python_agrees_with_binder_and_nox():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    noxfile = (ROOT / "noxfile.py").read_text()
    assert 'SUPPORTED = ["3.11", "3.12", "3.13"]' in noxfile
    assert "Python 3.11 or newer" in (ROOT / "README.md").read_text()


def test_make_stops_at_once_on_an_old_python_and_says_how_to_choose():
    old = _old_python()
    if old is None:
        pytest.skip("no Python older than 3.11 on this machine")
    result = _make(f"PYTHON={old}", "python-check")
    assert result.returncode != 0
    assert "3.11 or newer" in result.stderr and "3.10" in result.stderr, result.stderr
    assert "make PYTHON=" in result.stderr, result.stderr


def test_make_without_a_suitable_python_on_the_path_names_the_one_it_found(tmp_path):
    old = _old_python()
    if old is None:
        pytest.skip("no Python older than 3.11 on this machine")
    (tmp_path / "python3").symlink_to(old)
    result = _make("python-check", path=str(tmp_path))
    assert result.returncode != 0
    assert "found none on the PATH (python3 is 3.10" in result.stderr, result.stderr


def test_make_picks_a_suitable_python_by_default():
    result = _make("python-check")
    assert result.returncode == 0, result.stderr


def test_make_lab_tells_jupyterlab_to_save_widget_state(tmp_path):
    """A chapter saved in place must reopen with its sliders, not 'model not found'."""
    import json
    import subprocess
    import sys

    venv = tmp_path / "venv"
    settings = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    subprocess.run([sys.executable, str(ROOT / "tools" / "lab_settings.py"), str(venv)], check=True,
                   capture_output=True)
    written = json.loads(settings.read_text())
    assert written["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}, "keeps other settings"
