"""Settings ``make lab`` gives the course's JupyterLab: ``python tools/lab_settings.py VENV``.

JupyterLab saves a notebook's widget *views* but not, by default, the widgets' *state*; a chapter
run and saved in place then shows "Error displaying widget: model not found" where its sliders
were when it is reopened. ``saveState`` makes JupyterLab store the state with the notebook (the
nbstripout filter removes it, with the outputs, before anything is committed). Written as
JupyterLab's documented ``overrides.json`` of the environment, so a user's own settings still win.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def write_overrides(venv: Path) -> Path:
    path = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for plugin, settings in OVERRIDES.items():
        current.setdefault(plugin, {}).update(settings)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"lab: settings in {write_overrides(Path(sys.argv[1] if len(sys.argv) > 1 else '.venv'))}")
