"""Recorded experiments: the one JSON layout the scripts in ``experiments/`` write and the
chapters read with :func:`load_results`.

A result file is a JSON object with a ``"meta"`` block, always the same keys (:data:`META_KEYS`):
the date (UTC), the machine, the Python/PyTorch/lstmlib versions, the git commit, the number of
PyTorch threads and the seconds the run took. Everything else is the experiment's own: runs per
task and seed (``"tasks"``), per model (``"models"``), settings... Scripts that run in parts
write one file per part and merge them (:func:`merge_parts`).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path

__all__ = ["META_KEYS", "RESULTS_DIR", "PARTS_DIR", "metadata", "combined_meta", "write_json", "load_results", "merge_parts",
           "make_parser", "merge_if_asked"]

_ROOT = Path(__file__).resolve().parents[1]
#: Where the chapters' recorded results live in the course's repository.
RESULTS_DIR = _ROOT / "chapters" / "results"
#: Where scripts run in parts keep their parts (ignored by git).
PARTS_DIR = _ROOT / "experiments" / "_parts"
#: The keys of every result file's ``"meta"`` block (``None`` where a value was not recorded).
META_KEYS = ("date", "machine", "python", "torch", "lstmlib", "git_commit", "threads", "seconds")


def metadata(seconds: float) -> dict:
    """The ``"meta"`` block of a run that took ``seconds``: date (UTC), machine, versions, git
    commit, PyTorch threads."""
    import torch

    from . import __version__

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
        "python": platform.python_version(), "torch": torch.__version__,
        "lstmlib": __version__, "git_commit": commit,
        "threads": torch.get_num_threads(), "seconds": round(seconds, 1),
    }


def _check_meta(where: str, payload) -> dict:
    if not isinstance(payload, dict):
        raise TypeError(f"{where}: expected a JSON object, got {type(payload).__name__}")
    meta = payload.get("meta")
    if not isinstance(meta, dict) or set(meta) != set(META_KEYS):
        got = sorted(meta) if isinstance(meta, dict) else meta
        raise ValueError(f"{where}: expected a 'meta' block with keys {list(META_KEYS)}, got {got}")
    return payload


def write_json(path, payload: dict) -> None:
    """Write ``payload`` (which must carry a :func:`metadata` block) as indented UTF-8 JSON."""
    path = Path(path)
    _check_meta(str(path), payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote", path)


def load_results(name: str, directory=None) -> dict:
    """The recorded result ``name`` (e.g. ``"head_to_head"``) from ``directory``.

    Without ``directory``: ``results/`` under the working directory when it holds the file (a
    chapter runs in ``chapters/``), else :data:`RESULTS_DIR`. The file's ``meta`` block is
    checked against :data:`META_KEYS`.

    >>> record = load_results("head_to_head")
    >>> record["meta"]["torch"], sorted(record["tasks"])[0]
    ('2.13.0+cpu', 'adding T=20')
    """
    if not isinstance(name, str) or not name or "/" in name or name.endswith(".json"):
        raise ValueError(f"name: expected a result name such as 'head_to_head', got {name!r}")
    if directory is None:
        local = Path("results") / f"{name}.json"
        path = local if local.exists() else RESULTS_DIR / f"{name}.json"
    else:
        path = Path(directory) / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"name: no recorded result {name!r} at {path}")
    return _check_meta(str(path), json.loads(path.read_text(encoding="utf-8")))


def combined_meta(metas) -> dict:
    """One ``"meta"`` block for runs recorded separately: the first run's machine and versions,
    the latest date, every git commit (comma-separated), the seconds summed."""
    metas = list(metas)
    out = dict(metas[0])
    out["date"] = max(m["date"] for m in metas)
    out["git_commit"] = ",".join(sorted({str(m["git_commit"]) for m in metas}))
    out["seconds"] = round(sum(m["seconds"] for m in metas), 1)
    return out


def merge_parts(paths) -> dict:
    """Merge result files of one script run in parts (split by task, contender or seeds): the
    first part's description and meta, all tasks, the runs of a contender split over parts
    concatenated in the order given (pass the parts in seed order), the parts' seconds summed."""
    parts = [_check_meta(str(p), json.loads(Path(p).read_text(encoding="utf-8"))) for p in paths]
    out = parts[0]
    for part in parts[1:]:
        for task, entry in part["tasks"].items():
            runs = out["tasks"].setdefault(task, {**entry, "runs": {}})["runs"]
            for contender, seeds in entry["runs"].items():
                runs.setdefault(contender, []).extend(seeds)
        for key, value in part.items():
            if key not in ("tasks", "meta") and isinstance(value, dict):
                out.setdefault(key, {}).update(value)
    out["meta"] = combined_meta(p["meta"] for p in parts)
    return out


def make_parser(description: str, tasks, out_name: str, seeds: int) -> argparse.ArgumentParser:
    """The options the task-comparison scripts share: ``--seeds``, ``--tasks``, ``--out``, ``--merge``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--seeds", type=int, default=seeds)
    ap.add_argument("--tasks", nargs="*", default=list(tasks))
    ap.add_argument("--out", default=str(RESULTS_DIR / out_name))
    ap.add_argument("--merge", nargs="*", metavar="PART", help="merge these result files into --out and stop")
    return ap


def merge_if_asked(args) -> bool:
    """With ``--merge``: write the merged parts to ``--out`` and return True (the script stops)."""
    if args.merge:
        write_json(args.out, merge_parts(args.merge))
        return True
    return False
