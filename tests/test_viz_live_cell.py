"""Chapter 4's live controls (lstmlib.viz.live_cell): the Python side, and the JavaScript module's
numbers checked against lstmlib.reference in headless Chromium (Debian's ``chromium``; skipped
with a reason where it is not installed)."""
import itertools
import math
import re
import shutil

import numpy as np
import pytest

from lstmlib.viz import live_cell
from lstmlib.viz.cell_diagram import half_life
from lstmlib.reference.longterm import gradient_norms_by_activation
from lstmlib.viz.live_cell import (LIVE_CELL_JS, LiveHTML, gate_explorer, gradient_norm_explorer, memory_explorer,
                                   reference_trace)

GATE_GRID = {  # the edges 0 and 1, and negative c_{t−1} and g
    "f": [0.0, 0.3, 1.0], "i": [0.0, 0.55, 1.0], "g": [-1.0, -0.4, 0.0, 1.0], "o": [0.0, 0.7, 1.0],
    "c_prev": [-2.5, 0.0, 1.5],
}
MEMORY_GRID = {"f": [0.0, 0.5, 0.9, 0.995, 1.0], "i": [0.0, 1.0], "g": [-1.0, 0.5], "c0": [-2.0, 1.0]}
STEPS = 50


def _grid(grid):
    names = list(grid)
    rows = [dict(zip(names, values)) for values in itertools.product(*grid.values())]
    return names, rows


# --- the Python side ---------------------------------------------------------------------------

@pytest.fixture
def headless(monkeypatch):
    """A kernel with no notebook front end, like nbclient/nbval (and pytest)."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)


def test_outside_a_front_end_the_control_is_self_contained_html(headless):
    explorer = gate_explorer(f=0.25, c_prev=-1.0)
    assert isinstance(explorer, LiveHTML) and not live_cell.widget_frontend()
    page = explorer._repr_html_()
    assert '<script type="module">' in page and "export default" in page  # the module, inlined
    assert '"f": 0.25' in page and '"c_prev": -1.0' in page and '"kind": "gates"' in page
    # nothing is fetched (the one URL is SVG's namespace name, which is never loaded)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\b)|\bsrc=|import\s*\(|from\s+['\"]", page)
    ids = re.findall(r'id="(lstm-live-\d+)"', page)
    assert len(ids) == 1 and ids[0] in page.split("<script")[1]  # mounts on its own element
    assert f'id="{ids[0]}"' not in memory_explorer()._repr_html_()  # two controls on a page do not collide


def test_in_a_front_end_the_control_is_a_jupyter_widget(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "chapters/04_lstm_gates.ipynb")  # what jupyter_server sets
    assert live_cell.widget_frontend()
    explorer = gate_explorer(f=0.2, g=-0.5)
    assert isinstance(explorer, live_cell.GateExplorer)
    assert (explorer.f, explorer.g, explorer.kind) == (0.2, -0.5, "gates")
    assert explorer._esm.strip() == LIVE_CELL_JS.read_text(encoding="utf-8").strip()  # one module
    memory = memory_explorer(f=0.97, steps=30)
    assert isinstance(memory, live_cell.MemoryExplorer) and memory.steps == 30 and memory.kind == "memory"
    assert isinstance(memory_explorer(form="html"), LiveHTML)
    norms = gradient_norm_explorer(2.0)
    assert isinstance(norms, live_cell.GradientNormExplorer) and norms.rho == 2.0 and norms.kind == "gradients"
    Q = np.array(norms.Q)
    assert Q.shape == (32, 32) and np.allclose(Q @ Q.T, np.eye(32)) and np.array(norms.noise).shape == (60, 32)


@pytest.mark.parametrize("call, message", [
    (lambda: gate_explorer(f=1.5), r"f: expected a float in \[0, 1\], got 1.5"),
    (lambda: gate_explorer(g=-2), r"g: expected a float in \[-1, 1\], got -2.0"),
    (lambda: gate_explorer(c_prev=4), r"c_prev: expected a float in \[-3, 3\], got 4.0"),
    (lambda: memory_explorer(steps=0), r"steps"),
    (lambda: gate_explorer(form="live"), r"form: expected one of"),
    (lambda: gradient_norm_explorer(7.0), r"spectral_radius: expected a float in \[0.3, 6\], got 7.0"),
])
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the JavaScript module in a browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def page():
    """A blank offline page with live_cell.js loaded as a module and its exports on ``window.lc``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    source = LIVE_CELL_JS.read_text(encoding="utf-8")
    exports = "window.lc = { cellUpdate, memoryTrace, halfLife, gradientNorms, mountStatic };"
    html = f'<!doctype html><meta charset="utf-8"><body><div id="mount"></div><script type="module">\n{source}\n{exports}\n</script>'
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(offline=True)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.set_content(html)
        tab.wait_for_function("window.lc !== undefined")
        yield tab
        assert not errors, errors
        browser.close()


def test_reference_trace_is_an_lstm_with_those_constant_gates():
    c, h = reference_trace([0.0, 1.0, 0.3], [1.0, 0.0, 0.55], [-0.4, 1.0, 0.8], [1.0, 0.0, 0.7], [1.5, -2.5, 0.0], steps=3)
    np.testing.assert_array_equal(c[0, :2], [-0.4, -2.5])  # the edges are exact: overwrite, keep
    np.testing.assert_array_equal(h[:, 1], 0.0)            # o = 0 hides the cell
    np.testing.assert_allclose(c[:, 2], [0.44, 0.572, 0.6116], rtol=1e-14)  # c ← 0.3 c + 0.55 · 0.8
    np.testing.assert_allclose(h[:, 2], 0.7 * np.tanh(c[:, 2]), rtol=1e-14)


def test_cell_update_matches_the_reference_on_a_grid(page):
    names, rows = _grid(GATE_GRID)
    js = page.evaluate("rows => rows.map(r => lc.cellUpdate(r.f, r.i, r.g, r.o, r.c_prev))", rows)
    col = {n: np.array([r[n] for r in rows]) for n in names}
    c, h = reference_trace(col["f"], col["i"], col["g"], col["o"], col["c_prev"])
    for name, expected in [("c", c[0]), ("h", h[0]), ("squashed", np.tanh(c[0])),
                           ("kept", col["f"] * col["c_prev"]), ("written", col["i"] * col["g"])]:
        got = np.array([r[name] for r in js])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=name)
    assert len(rows) == 324 and (col["c_prev"] < 0).any() and (col["g"] < 0).any()


def test_memory_trace_and_half_life_match_the_reference(page):
    names, rows = _grid(MEMORY_GRID)
    js = page.evaluate(f"rows => rows.map(r => [lc.memoryTrace(r.f, r.i, r.g, r.c0, {STEPS}), lc.halfLife(r.f)])", rows)
    col = {n: np.array([r[n] for r in rows]) for n in names}
    c, _ = reference_trace(col["f"], col["i"], col["g"], 1.0, col["c0"], steps=STEPS)  # (STEPS, rows)
    got_c = np.array([trace["c"] for trace, _ in js])  # (rows, STEPS + 1), t = 0 … STEPS
    np.testing.assert_allclose(got_c[:, 0], col["c0"])
    np.testing.assert_allclose(got_c[:, 1:], c.T, rtol=1e-12, atol=1e-12)
    got_left = np.array([trace["fromC0"] for trace, _ in js])
    np.testing.assert_allclose(got_left, col["c0"][:, None] * col["f"][:, None] ** np.arange(STEPS + 1), rtol=1e-12, atol=1e-15)
    for row, (_, life) in zip(rows, js):
        expected = half_life(row["f"])
        assert (life is None and math.isinf(expected)) or life == pytest.approx(expected, rel=1e-12), row


@pytest.mark.parametrize("rho", [0.3, 0.9, 1.0, 1.2, 2.0, 3.0, 5.0, 6.0])
def test_gradient_norms_match_lstmlib_longterm(page, rho):
    state = gradient_norm_explorer(rho, form="html").state
    js = page.evaluate("([Q, noise, rho]) => ['linear', 'tanh', 'sigmoid'].map(a => lc.gradientNorms(Q, noise, rho, a))",
                       [state["Q"], state["noise"], rho])
    expected = gradient_norms_by_activation(rho)  # the same Q and noise: drawn from the same seed
    for activation, got in zip(("linear", "tanh", "sigmoid"), js):
        # Saturated tanh units (rho > 2) have 1 − tanh² of a number within ~1e−10 of 1: only a few
        # digits survive, in NumPy as in the browser (two valid tanh formulas in NumPy alone differ
        # by 4e−4 at rho = 5). Everywhere else the two agree to rounding.
        rtol = 1e-3 if activation == "tanh" and rho > 2 else 1e-9
        np.testing.assert_allclose(np.asarray(got, dtype=float), expected[activation], rtol=rtol, err_msg=activation)


def _shown(page, name):
    return float(page.get_attribute(f'#mount text[data-name="{name}"]', "data-value"))


def test_moving_a_slider_redraws_the_diagram_with_the_reference_values(page):
    page.evaluate("""() => { const el = document.getElementById('mount'); el.innerHTML = '';
                      lc.mountStatic(el, {kind: 'gates', f: 0.9, i: 0.5, g: 0.8, o: 0.7, c_prev: 1.0}); }""")
    assert _shown(page, "c") == pytest.approx(0.9 * 1.0 + 0.5 * 0.8)
    for name, value in [("f", "0.2"), ("g", "-0.6"), ("c_prev", "-2.4")]:
        page.fill(f'#mount input[name="{name}"]', value)  # sets the value and fires "input", like a drag
    c, h = reference_trace(0.2, 0.5, -0.6, 0.7, -2.4)
    assert _shown(page, "c") == pytest.approx(c[0, 0], abs=1e-12)
    assert _shown(page, "h") == pytest.approx(h[0, 0], abs=1e-12)
    shown_text = page.text_content('#mount text[data-name="c"]')
    assert shown_text == f"\u2212{abs(c[0, 0]):.2f}"  # the label a reader sees, with its sign
    assert page.inner_text('#mount input[name="f"] + output') == "0.20"
    # the gates are filled to their value: f from the bottom (height 84), g down from the middle (42)
    assert float(page.get_attribute('#mount rect.lc-fill[data-name="f"]', "height")) == pytest.approx(84 * 0.2)
    assert float(page.get_attribute('#mount rect.lc-fill[data-name="g"]', "height")) == pytest.approx(42 * 0.6)
