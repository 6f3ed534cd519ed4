"""Execute the chapters for the book, each in a fresh interpreter, into jupyter-cache.

    python tools/execute_notebooks.py [--force] [--jobs N] [--cell-timeout S] [NOTEBOOK ...]

``tools/book.py`` calls this before Sphinx reads the book; Sphinx then finds every notebook in the
cache (MyST-NB's ``execute_notebooks: cache``) and executes nothing itself.

Why a build could hang (issue "Every way in works": 3 of 6 builds stopped after a cell that
displays a widget, kernel idle, client waiting): a *lost wake-up* in the kernel client. When a cell
displays an ``ipywidgets.interactive`` (or any Output widget), nbclient's stand-in for the Output
widget sends a ``comm_msg`` on the shell socket while the cell's ``execute_reply`` poll on that same
socket is still pending. ``jupyter_client.Session.send`` sends through a plain synchronous *shadow*
of the asyncio socket, which consumes ZeroMQ's one-shot edge-triggered notification for a reply
that has just arrived; pyzmq's asyncio layer never learns of the send, so it never re-checks the
socket, and the reply sits unread until the cell timeout (600 s) — after which nbclient carries
on *without an error*. Seen with nbclient 0.11.0, jupyter_client 7.4.9–8.10.0, pyzmq 26.4–27.3
(no released version avoids it; jupyter/jupyter_client#1059 and jupyter/nbclient#311 are open).
Reproduced here with a 40-widget-cell notebook: 10 stalls in 37 executions, in forked and in fresh
interpreters alike; with the fix below, 0 in 30.

The fix, at the depth of the bug: :func:`rearm_after_send` makes the client re-check the socket's
events through the asyncio socket after every send (what pyzmq's own asyncio ``send`` does), so a
reply that arrived meanwhile is read at once. And, independently, each cell's reply is checked for
having waited unread (:data:`LOST_REPLY_AFTER`): if a stall of this kind ever happens again, the
build fails naming the notebook and the cell instead of silently losing ten minutes per cell.

Each notebook also runs in a fresh interpreter (``subprocess``), two at a time, with a watchdog:
if no cell starts or finishes for longer than the cell timeout plus a margin, the process group
is killed and the build fails naming the notebook and the cell. Sphinx then only reads results
from the cache; it never runs a kernel client in its forked readers.

Why jupyter-cache (the tool MyST-NB itself uses for ``execute_notebooks: cache``): a notebook
whose code cells are unchanged is not run again, so an author who edits prose rebuilds in
seconds. ``--force`` (what CI uses) ignores the cache and runs every notebook.

``--no-cache`` only runs the notebooks and reports; it needs nothing beyond nbclient (the Colab test
uses it in an environment that has none of the course's pins).

Exit status 0 when every notebook ran (or was cached), 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
CELL_TIMEOUT = 600          # seconds per cell, as in _config.yml (execute.timeout)
WATCHDOG_MARGIN = 60        # the watchdog fires this long after nbclient's own timeout should have
PROGRESS = "@@cell"         # prefix of the worker's progress lines on stdout
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def inputs_fingerprint() -> str:
    """A hash of what a chapter's run depends on besides its own code cells.

    jupyter-cache keys a notebook by its code cells only; a chapter also runs the library and reads
    recorded results, so a cached run counts as current only if these are unchanged too.
    """
    import hashlib

    digest = hashlib.sha256()
    files = sorted((ROOT / "lstmlib").rglob("*.py")) + sorted((ROOT / "chapters" / "results").rglob("*"))
    files.append(ROOT / "requirements.txt")
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def chapter_notebooks() -> list[Path]:
    """The notebooks the book executes: every ``chapters/*.ipynb`` (all are in the TOC; a test checks it)."""
    return sorted((ROOT / "chapters").glob("*.ipynb"))


# --------------------------------------------------------------------------------------------
# Worker: runs in its own interpreter, one notebook.
# --------------------------------------------------------------------------------------------
LOST_REPLY_AFTER = 30.0     # seconds a kernel's reply may sit unread before it counts as a lost wake-up


class LostReply(RuntimeError):
    """A cell's execute_reply arrived but the client was not woken to read it (see module docstring)."""


def rearm_after_send() -> None:
    """Patch ``jupyter_client``'s channel ``send`` to re-check the asyncio socket's events afterwards.

    ``Session.send`` sends through a synchronous shadow of an asyncio socket; reading
    ``zmq.EVENTS`` through the asyncio socket afterwards lets pyzmq schedule the pending read of a
    reply that arrived in the meantime (pyzmq's own asyncio ``send`` does exactly this). Written
    here, not upstream, because no released jupyter_client has the fix yet (jupyter_client#1059).
    """
    import zmq
    import zmq.asyncio
    from jupyter_client.channels import ZMQSocketChannel

    if getattr(ZMQSocketChannel.send, "_rearms", False):
        return
    plain_send = ZMQSocketChannel.send

    def send(self, msg):
        plain_send(self, msg)
        if isinstance(self.socket, zmq.asyncio.Socket):
            self.socket.get(zmq.EVENTS)

    send._rearms = True
    ZMQSocketChannel.send = send


def reply_wait(execute_reply: dict) -> float:
    """Seconds between the kernel sending ``execute_reply`` and the client reading it."""
    from datetime import datetime, timezone

    sent = execute_reply.get("header", {}).get("date")
    if not isinstance(sent, datetime):
        return 0.0
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - sent).total_seconds()


def _worker(src: Path, dst: Path, cell_timeout: int) -> int:
    """Run one notebook with nbclient. Not jupyter-cache's ``single_nb_execution`` (what MyST-NB
    calls): the build needs per-cell progress for the watchdog, the reply-wait check and the
    client fix applied before the kernel starts, which that wrapper has no hooks for."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    rearm_after_send()
    nb = nbformat.read(src, as_version=4)

    def announce(what: str, cell, cell_index: int) -> None:
        first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
        print(f"{PROGRESS} {what} {cell_index} {first}", flush=True)

    def on_start(cell, cell_index):
        announce("start", cell, cell_index)

    def on_done(cell, cell_index, execute_reply=None, **_):
        waited = reply_wait(execute_reply or {})
        if waited > LOST_REPLY_AFTER:
            raise LostReply(f"the kernel's reply to cell {cell_index + 1} waited {waited:.0f} s unread "
                            "(a lost wake-up in the kernel client; see tools/execute_notebooks.py)")
        announce("done", cell, cell_index)

    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3", allow_errors=False,
        record_timing=False,  # timing metadata in cells would change jupyter-cache's key
        resources={"metadata": {"path": str(src.parent)}},
        on_cell_start=on_start, on_cell_executed=on_done,
    )
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, LostReply) as err:
        print(f"{type(err).__name__}: {err}", file=sys.stderr, flush=True)
        return 1
    nb.metadata.setdefault("course", {})["execution_seconds"] = round(time.perf_counter() - started, 1)
    nbformat.write(nb, dst)
    return 0


# --------------------------------------------------------------------------------------------
# Parent: starts workers, watches their progress, fills the cache.
# --------------------------------------------------------------------------------------------
@dataclass
class Run:
    notebook: Path
    ok: bool = False
    seconds: float = 0.0
    message: str = ""
    last_cell: str = ""
    log: list[str] = field(default_factory=list)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def run_in_fresh_interpreter(notebook: Path, out: Path, cell_timeout: int, stall_after: float) -> Run:
    """Execute ``notebook`` into ``out`` in a new Python process, killed if it stalls."""
    run = Run(notebook)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(notebook), str(out),
           "--cell-timeout", str(cell_timeout)]
    started = time.monotonic()
    last_progress = [started]
    proc = subprocess.Popen(cmd, cwd=notebook.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)  # own group: a kill takes the kernel too

    def read_progress():
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(PROGRESS):
                last_progress[0] = time.monotonic()
                _, _what, index, *first = line.split(" ", 3)
                run.last_cell = f"cell {int(index) + 1} ({first[0] if first else ''})"
            else:
                run.log.append(ANSI.sub("", line))

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    while proc.poll() is None:
        if time.monotonic() - last_progress[0] > stall_after:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            run.message = (f"stalled: no cell started or finished for {stall_after:.0f} s; the last one was "
                           f"{run.last_cell or 'none (the kernel did not start)'}; killed it")
            break
        time.sleep(0.5)
    reader.join(timeout=5)
    run.seconds = time.monotonic() - started
    if not run.message:
        run.ok = proc.returncode == 0
        if not run.ok:
            tail = "\n".join(run.log[-40:])
            run.message = f"failed in {run.last_cell or 'kernel start-up'} (exit {proc.returncode}):\n{tail}"
    return run


def run_all(notebooks: list[Path], *, jobs: int, cell_timeout: int = CELL_TIMEOUT,
            stall_after: float | None = None, keep_in: Path | None = None) -> list[Run]:
    """Execute ``notebooks``, ``jobs`` at a time; executed copies go to ``keep_in`` if given."""
    stall_after = stall_after if stall_after is not None else cell_timeout + WATCHDOG_MARGIN
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        out = keep_in or Path(tmp)
        futures = [pool.submit(run_in_fresh_interpreter, p, out / p.name, cell_timeout, stall_after)
                   for p in notebooks]
        for fut in as_completed(futures):  # report each notebook as it finishes
            run = fut.result()
            if run.ok:
                print(f"execute: {_relative(run.notebook)}: ran in {run.seconds:.0f} s", flush=True)
            else:
                print(f"execute: {_relative(run.notebook)}: {run.message}", file=sys.stderr, flush=True)
        return [f.result() for f in futures]


def execute(notebooks: list[Path], *, force: bool, jobs: int, cell_timeout: int = CELL_TIMEOUT,
            cache_path: Path = CACHE, stall_after: float | None = None) -> list[Run]:
    """Bring every notebook into the jupyter-cache at ``cache_path``; return one Run per notebook run."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    fingerprint = inputs_fingerprint()
    todo = []
    for nb_path in notebooks:
        nb = nbformat.read(nb_path, as_version=4)
        cached = None
        if not force:
            try:
                cached = cache.match_cache_notebook(nb)
            except KeyError:
                cached = None
        if cached is not None and cached.data.get("inputs") != fingerprint:
            cached = None  # same code cells, but the library or the recorded results changed
        if cached is None:
            todo.append(nb_path)
        else:
            print(f"execute: {_relative(nb_path)}: unchanged, using the cached run", flush=True)
    if not todo:
        return []

    with tempfile.TemporaryDirectory() as tmp:
        runs = run_all(todo, jobs=jobs, cell_timeout=cell_timeout, stall_after=stall_after, keep_in=Path(tmp))
        for run in runs:
            if not run.ok:
                continue
            executed = nbformat.read(Path(tmp) / run.notebook.name, as_version=4)
            # The cache key is the code cells plus the kernelspec: keep the committed kernelspec.
            executed.metadata["kernelspec"] = nbformat.read(run.notebook, as_version=4).metadata.get("kernelspec", {})
            cache.cache_notebook_bundle(
                CacheBundleIn(executed, str(run.notebook), data={"execution_seconds": run.seconds, "inputs": fingerprint}),
                check_validity=False, overwrite=True)
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    parser.add_argument("--force", action="store_true", help="ignore the cache, run every notebook (CI)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", "2")))
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT)
    parser.add_argument("--stall-after", type=float, default=None,
                        help=f"kill a notebook when no cell finishes for this long (default: cell timeout + {WATCHDOG_MARGIN} s)")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--no-cache", action="store_true",
                        help="only run the notebooks and report (needs nbclient, not jupyter-cache)")
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker[0].resolve(), args.worker[1].resolve(), args.cell_timeout)
    notebooks = [p.resolve() for p in args.notebooks] or chapter_notebooks()
    if args.no_cache:
        runs = run_all(notebooks, jobs=args.jobs, cell_timeout=args.cell_timeout, stall_after=args.stall_after)
    else:
        runs = execute(notebooks, force=args.force, jobs=args.jobs, cell_timeout=args.cell_timeout,
                       cache_path=args.cache, stall_after=args.stall_after)
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
