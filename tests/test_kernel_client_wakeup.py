"""The lost wake-up that hung the book build after widget cells, and its fix (tools/execute_notebooks.py).

A reply arrives on the shell socket while a poll waits for it; then the client sends another
message (nbclient's Output-widget stand-in does, in a widget cell) through jupyter_client's
``Session.send``. Unpatched, the poll sleeps until its timeout; with ``rearm_after_send`` it
returns at once.
"""
from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import ZMQSocketChannel
from jupyter_client.session import Session
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
EXECUTOR = ROOT / "tools" / "execute_notebooks.py"


def _load_executor():
    spec = importlib.util.spec_from_file_location("execute_notebooks", EXECUTOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("execute_notebooks", module)   # dataclasses look their module up there
    spec.loader.exec_module(sys.modules["execute_notebooks"])
    return sys.modules["execute_notebooks"]


def _kernel_stand_in(port_box: list, ready: threading.Event) -> None:
    """A ROUTER that answers "request" at once and swallows anything else (like comm_msg)."""
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    port_box.append(router.bind_to_random_port("tcp://127.0.0.1"))
    ready.set()
    session = Session(key=b"")
    while True:
        ident, *frames = router.recv_multipart()
        idents, msg = session.feed_identities([ident, *frames], copy=True)
        msg = session.deserialize(msg)
        if msg["msg_type"] == "execute_request":
            session.send(router, "execute_reply", {"status": "ok"}, parent=msg, ident=idents)
        elif msg["msg_type"] == "shutdown_request":
            router.close(linger=0)
            ctx.term()
            return


async def _poll_after_reply_then_send(timeout_s: float) -> float:
    box, ready = [], threading.Event()
    threading.Thread(target=_kernel_stand_in, args=(box, ready), daemon=True).start()
    ready.wait()
    ctx = zmq.asyncio.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.connect(f"tcp://127.0.0.1:{box[0]}")
    session = Session(key=b"")
    channel = ZMQSocketChannel(sock, session)
    channel.send(session.msg("execute_request", {"code": "1"}))
    poll = asyncio.ensure_future(sock.poll(timeout=int(timeout_s * 1000)))
    await asyncio.sleep(0)          # the poll is registered; the reply is not there yet
    time.sleep(0.3)                 # the loop is busy elsewhere while the reply arrives
    channel.send(session.msg("comm_msg", {"comm_id": "x", "data": {}}))   # the widget stand-in's send
    started = time.monotonic()
    events = await poll
    waited = time.monotonic() - started
    channel.send(session.msg("shutdown_request", {}))
    sock.close(linger=0)
    assert events & zmq.POLLIN, "the reply never became readable"
    return waited


def test_the_unpatched_client_sleeps_through_a_reply(monkeypatch):
    """Documents the upstream bug: if this starts failing, jupyter_client has fixed it."""
    waited = asyncio.run(_poll_after_reply_then_send(timeout_s=3))
    if waited < 1:
        pytest.skip("this jupyter_client/pyzmq no longer loses the wake-up")
    assert waited > 2.5


def test_rearm_after_send_wakes_the_poll_at_once(monkeypatch):
    monkeypatch.setattr(ZMQSocketChannel, "send", ZMQSocketChannel.send)   # undone after the test
    _load_executor().rearm_after_send()
    waited = asyncio.run(_poll_after_reply_then_send(timeout_s=3))
    assert waited < 1.0, f"the poll waited {waited:.2f} s for a reply that was already there"


def test_reply_wait_measures_unread_replies():
    from datetime import datetime, timedelta, timezone

    executor = _load_executor()
    fresh = {"header": {"date": datetime.now(timezone.utc)}}
    stale = {"header": {"date": datetime.now(timezone.utc) - timedelta(seconds=45)}}
    assert executor.reply_wait(fresh) < 5
    assert executor.reply_wait(stale) > executor.LOST_REPLY_AFTER
    assert executor.reply_wait({}) == 0.0


@pytest.mark.slow
def test_many_widget_cells_run_without_a_stall(tmp_path):
    """Widget cells like the chapters' (interactive + a plot), many times over, through the executor."""
    widget_cell = ("w = widgets.interactive(show, f=widgets.FloatSlider(value=0.5, min=0, max=1))\n"
                   "display(w)")
    cells = [new_code_cell("import ipywidgets as widgets, matplotlib.pyplot as plt\n"
                           "from IPython.display import display\n"
                           "def show(f):\n    plt.plot([0, 1], [0, f])\n    plt.show()")]
    for i in range(12):
        cells += [new_code_cell(widget_cell), new_code_cell(f"x = {i}")]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nb, path)
    # A stall would end only at the cell timeout (60 s here); the reply check then fails the run.
    result = subprocess.run([sys.executable, str(EXECUTOR), "--no-cache", "--cell-timeout", "60", str(path)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
