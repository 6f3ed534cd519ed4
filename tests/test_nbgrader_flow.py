"""nbgrader's own flow on one chapter, offline: generate the assignment, place five fake submissions
in submitted/, autograde, generate feedback, export the grades to CSV, and read the gradebook.

Skipped when nbgrader is not installed (``pip install "lstmlib[teach]"``). It runs chapter 6 in
full once per submission, so it takes a few minutes on two cores.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install 'lstmlib[teach]'")

from lstmlib.nbgrader_source import BEGIN, END, make_nbgrader_course  # noqa: E402

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
CHAPTER = "06_gru"
TIMEOUT = 40  # seconds per cell: chapter 6's longest cell needs a few


def nbgrader(course: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _answers(source_nb) -> dict:
    """The instructor's answer for each answer cell, markers removed."""
    return {c.metadata["nbgrader"]["grade_id"]: "\n".join(line for line in c.source.splitlines()
                                                          if line.strip() not in (BEGIN, END))
            for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _submit(course: Path, student: str, release_nb, answers: dict, edit=None):
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
        if edit:
            edit(cell, meta)
    folder = course / "submitted" / student / CHAPTER
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    shutil.copytree(course / "release" / CHAPTER / "results", folder / "results")
    (folder / "timestamp.txt").write_text("2026-12-01 12:00:00.000000 UTC")


GATE_LINES = ("    r = sigmoid(a_x[:, :H] + a_h[:, :H])\n    z = sigmoid(a_x[:, H:2 * H] + a_h[:, H:2 * H])\n")
SWAPPED = ("    z = sigmoid(a_x[:, :H] + a_h[:, :H])\n    r = sigmoid(a_x[:, H:2 * H] + a_h[:, H:2 * H])\n")
STEP = "ch6-ex-gru-step"


@pytest.mark.slow
def test_nbgrader_grades_correct_swapped_raising_looping_and_tampering_submissions(tmp_path):
    course = tmp_path / "course"
    make_nbgrader_course(CHAPTERS, course, pattern=f"{CHAPTER}.ipynb", timeout=TIMEOUT)
    nbgrader(course, "generate_assignment", CHAPTER)
    release = nbformat.read(course / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    answers = _answers(source)
    step_answer = answers[f"{STEP}-answer-1"]
    assert GATE_LINES in step_answer and "raise NotImplementedError()" in "".join(c.source for c in release.cells)

    def with_step(body_change):
        return {**answers, f"{STEP}-answer-1": body_change(step_answer)}

    def tamper(cell, meta):
        if meta.get("grade_id") == f"{STEP}-test-1":
            cell.source = 'print("All 6 checks passed")'

    _submit(course, "alice", release, answers)
    _submit(course, "bob", release, with_step(lambda s: s.replace(GATE_LINES, SWAPPED)))
    _submit(course, "carol", release, with_step(lambda s: s.replace("H = h_prev.shape[1]", "H = h_prev.shape[2]")))
    _submit(course, "dave", release, with_step(lambda s: s.replace("    H = h_prev.shape[1]\n",
                                                                   "    H = h_prev.shape[1]\n    while True:\n        pass\n")))
    _submit(course, "erin", release, with_step(lambda s: s.replace("return z * h_prev + (1 - z) * g", "return h_prev")),
            edit=tamper)

    logs = {student: nbgrader(course, "autograde", CHAPTER, "--student", student)
            for student in ("alice", "bob", "carol", "dave", "erin")}
    nbgrader(course, "generate_feedback", CHAPTER)
    nbgrader(course, "export")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student: {g.cell.name: (g.auto_score, g.max_score) for g in
                            gradebook.find_submission_notebook(CHAPTER, CHAPTER, student).grades
                            if g.cell.name.endswith("-test-1")} for student in logs}
    after, before = f"{STEP}-test-1", "ch6-ex-gru-before-test-1"
    assert scores["alice"] == {after: (2.0, 2.0), before: (1.0, 1.0)}          # full marks
    assert scores["bob"] == {after: (0.0, 2.0), before: (1.0, 1.0)}            # partial
    assert scores["carol"] == {after: (0.0, 2.0), before: (1.0, 1.0)}          # raised: the rest graded
    assert scores["dave"] == {after: (0.0, 2.0), before: (1.0, 1.0)}           # looped: stopped, rest graded
    assert scores["erin"] == {after: (0.0, 2.0), before: (1.0, 1.0)}           # the restored test failed
    assert f"Attribute 'checksum' for cell {after} has changed" in logs["erin"]   # tampering detected
    assert "has changed" not in logs["alice"]

    feedback = (course / "feedback" / "bob" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Diagnosis: your code reads the 3H columns as (z, r, g)" in feedback
    dave_feedback = (course / "feedback" / "dave" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert re.search(r"CellTimeoutError|Timeout|timed out", dave_feedback)
    carol_feedback = (course / "feedback" / "carol" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "IndexError" in carol_feedback

    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(logs)
    assert float(rows["alice"]["score"]) == 3.0 and float(rows["bob"]["score"]) == 1.0
    assert float(rows["alice"]["max_score"]) == 3.0 + 2.0 + 2.0   # + the two manually graded answers
