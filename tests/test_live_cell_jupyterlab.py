"""The live controls as Jupyter widgets in a real JupyterLab, driven by headless Chromium.

Skipped where JupyterLab (``make lab`` installs it) or Debian's chromium is missing. It starts a
JupyterLab server on a free local port in a temporary folder, runs a two-cell notebook, moves a
slider in the browser and reads the value back in the kernel: the anywidget path of
lstmlib.viz.live_cell, end to end.
"""
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (make lab installs it)")
    pytest.importorskip("anywidget")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from lstmlib.viz.live_cell import gate_explorer\n"
                                  "explorer = gate_explorer()\nprint(type(explorer).__name__)\nexplorer"),
        nbformat.v4.new_code_cell("print('kernel sees f =', explorer.f)"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "live.ipynb")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.token=",
         "--ServerApp.password=", "--ServerApp.ip=127.0.0.1", "--LabApp.expose_app_in_browser=True",
         f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gate_explorer_is_a_live_widget_in_jupyterlab(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1300, "height": 1200})
        outside = []
        page.route(lambda u: not u.startswith(lab), lambda route: (outside.append(route.request.url), route.abort()))
        page.goto(f"{lab}/lab/workspaces/test/tree/live.ipynb?reset")
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-NotebookPanel')", timeout=120_000)
        page.wait_for_function("window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel", timeout=120_000)
        page.evaluate("async () => { const nb = window.jupyterapp.shell.currentWidget;"
                      " await nb.sessionContext.ready; await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_selector('.jp-OutputArea .lstm-live[data-kind="gates"] svg text[data-name="c"]', timeout=120_000)
        assert "GateExplorer" in page.inner_text(".jp-OutputArea")  # the widget, not the HTML fallback
        page.fill('.lstm-live input[name="f"]', "0.25")  # a drag: the browser redraws, the kernel's trait follows
        assert page.get_attribute('.lstm-live svg text[data-name="c"]', "data-value") == str(0.25 * 1.0 + 0.5 * 0.8)
        time.sleep(1)
        page.evaluate("async () => { const nb = window.jupyterapp.shell.currentWidget;"
                      " nb.content.activeCellIndex = 1; await window.jupyterapp.commands.execute('notebook:run-cell'); }")
        page.wait_for_function("document.body.innerText.includes('kernel sees f = 0.25')", timeout=60_000)
        browser.close()
    assert not outside, outside
