"""What every experiment script of chapters 6–7 writes: a JSON file with its runs and a ``meta``
block saying where, when and with which versions it ran; and how parts run in parallel merge.

A result file is ``{"description", "meta", "tasks": {task: {..., "runs": {contender: [run per
seed]}}}}`` (plus optional top-level dicts such as ``"variants"``).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path

import torch

import lstmlib

ROOT = Path(__file__).resolve().parents[1]


def metadata(seconds: float) -> dict:
    """Date (UTC), machine, versions, git commit, torch threads and the script's wall seconds."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
        "python": platform.python_version(), "torch": torch.__version__,
        "lstmlib": lstmlib.__version__, "git_commit": commit,
        "threads": torch.get_num_threads(), "seconds": round(seconds, 1),
    }


def write_json(path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote", path)


def merge_parts(paths) -> dict:
    """Merge result files of one script run in parts (split by task, contender or seeds): the
    first part's description and meta, all tasks, the runs of a contender split over parts
    concatenated in the order given (pass the parts in seed order), the parts' seconds summed."""
    parts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    out = parts[0]
    for part in parts[1:]:
        for task, entry in part["tasks"].items():
            runs = out["tasks"].setdefault(task, {**entry, "runs": {}})["runs"]
            for contender, seeds in entry["runs"].items():
                runs.setdefault(contender, []).extend(seeds)
        for key, value in part.items():
            if key not in ("tasks", "meta") and isinstance(value, dict):
                out.setdefault(key, {}).update(value)
        out["meta"]["seconds"] += part["meta"]["seconds"]
    return out


def make_parser(description: str, tasks, out_name: str, seeds: int) -> argparse.ArgumentParser:
    """The options every script shares: ``--seeds``, ``--tasks``, ``--out`` and ``--merge``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--seeds", type=int, default=seeds)
    ap.add_argument("--tasks", nargs="*", default=list(tasks))
    ap.add_argument("--out", default=str(ROOT / "chapters" / "results" / out_name))
    ap.add_argument("--merge", nargs="*", metavar="PART", help="merge these result files into --out and stop")
    return ap


def merge_if_asked(args) -> bool:
    """With ``--merge``: write the merged parts to ``--out`` and return True (the script stops)."""
    if args.merge:
        write_json(args.out, merge_parts(args.merge))
        return True
    return False
