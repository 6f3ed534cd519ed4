r"""Live controls that compute and draw in the reader's browser: chapter 4's gate explorer and
memory explorer, and chapter 3's gradient-norm explorer.

Chapter 4's computations are a few multiplications,

.. math::

   c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t), \qquad
   t_{1/2} = \ln 2 / (-\ln f),

and chapter 3's is a product of sixty 32 × 32 Jacobians and their norms. So one JavaScript module,
``static/live_cell.js``, computes *and* draws them: a slider redraws the figure in milliseconds,
with no kernel. The same module is shown two ways:

* **In a notebook front end** (JupyterLab or Notebook through a Jupyter server, Binder included;
  VS Code; Colab) the control is a Jupyter widget built with ``anywidget``: its sliders are traits,
  so ``explorer.f`` reads the forget gate and ``explorer.f = 0.2`` moves the slider.
* **Everywhere else** — the HTML book, and the headless runs that build and test it (nbclient,
  nbval) — it is a self-contained ``text/html`` output with the module inlined. It runs in the
  page with no kernel and fetches nothing, and no widget comm is opened while the book executes.

``form="widget"`` or ``form="html"`` overrides the choice. The static small multiples
(:mod:`lstmlib.viz.cell_diagram`, :mod:`lstmlib.viz.gradients`) remain the printed counterparts;
tests/test_viz_live_cell.py checks the module's numbers against :mod:`lstmlib.reference` and
:mod:`lstmlib.reference.longterm` in a headless browser, and ``tools/check_book.py`` on the built pages.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

from ..reference import lstm_forward
from ..validate import check_choice, check_nonnegative_int, check_positive_float, check_positive_int, check_probability

__all__ = ["LIVE_CELL_JS", "gate_explorer", "memory_explorer", "gradient_norm_explorer", "LiveHTML",
           "widget_frontend", "reference_trace"]

#: The one source of the controls' computation and drawing (shipped as package data).
LIVE_CELL_JS = Path(__file__).with_name("static") / "live_cell.js"


def _check_range(name, value, lo, hi) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a float in [{lo:g}, {hi:g}], got {type(value).__name__} {value!r}")
    value = float(value)
    if not lo <= value <= hi:
        raise ValueError(f"{name}: expected a float in [{lo:g}, {hi:g}], got {value}")
    return value


def _logit(p, edge=80.0):
    """The pre-activation whose σ is p; ±``edge`` for the edges (σ(±80) is exactly 1 or 0 in float64)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return np.clip(np.log(p) - np.log1p(-p), -edge, edge)


def reference_trace(f, i, g, o, c_start, steps=1):
    """What the controls must show, computed by :func:`lstmlib.reference.lstm_forward`.

    Each gate value (a number or an array: one LSTM unit per entry) is made a constant of an LSTM
    with zero weights, whose biases are the gates' pre-activations (logit for i, f, o; g taken as
    linear). Returns ``(c, h)``, each ``(steps, units)``: the cell and hidden states after each step.
    The browser tests and ``tools/check_book.py`` compare the JavaScript module against it.
    """
    f, i, g, o, c_start = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float))
                                                 for v in (f, i, g, o, c_start)))
    units = f.shape[0]
    params = {"W_x": np.zeros((1, 4 * units)), "W_h": np.zeros((units, 4 * units)),
              "b": np.concatenate([_logit(i), _logit(f), g, _logit(o)])}
    out, _, cache = lstm_forward(np.zeros((steps, 1, 1)), params, c0=c_start[None],
                                 options={"input_activation": False})
    return cache["c"][:, 0, :], out[:, 0, :]


def widget_frontend() -> bool:
    """Whether this kernel serves a notebook front end that renders Jupyter widgets.

    Each front end leaves a mark in the kernel: a Jupyter server (JupyterLab, Notebook 7, Binder)
    sets ``JPY_SESSION_NAME`` for the kernels it starts; VS Code defines ``__vsc_ipynb_file__``;
    Colab has imported ``google.colab``. nbclient and nbval (the book build and the tests) set
    none of them, so they get the HTML form, which needs no comm.
    """
    if "JPY_SESSION_NAME" in os.environ or "google.colab" in sys.modules:
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "__vsc_ipynb_file__" in shell.user_ns


class LiveHTML:
    """A control as a self-contained HTML fragment: the module inlined, mounted on a fresh element.

    Displayed by IPython through ``_repr_html_``; the book renders that output as it is.
    """

    _ids = itertools.count(1)  # element ids unique within a kernel, hence within a page, and reproducible

    def __init__(self, state: dict):
        self.state = dict(state)

    def _repr_html_(self) -> str:
        element_id = f"lstm-live-{next(LiveHTML._ids)}"
        source = LIVE_CELL_JS.read_text(encoding="utf-8")
        # A module script: `export` is allowed there, and it runs after the element exists.
        mount = f"mountStatic(document.getElementById({json.dumps(element_id)}), {json.dumps(self.state)});"
        script = source + "\n" + mount
        if "</script" in script.lower():  # it would end the <script> element early
            raise ValueError(f"{LIVE_CELL_JS.name}: must not contain '</script'")
        return (f'<div id="{element_id}" class="lstm-live-mount"></div>\n'
                f'<script type="module">\n{script}\n</script>\n'
                '<noscript>This control needs JavaScript; the figure below shows the same settings.</noscript>')

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.state.items() if k not in ("kind", "Q", "noise"))
        return f"<live {self.state['kind']} control: {values}>"


try:  # the widget form needs anywidget (in the course's requirements); the HTML form does not
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - exercised only where anywidget is missing
    anywidget = None

if anywidget is not None:
    class _LiveWidget(anywidget.AnyWidget):
        """A live control as a Jupyter widget: the module renders it; ``kind`` says which one."""

        _esm = LIVE_CELL_JS

    class GateExplorer(_LiveWidget):
        """The gate explorer as a Jupyter widget: sliders for f, i, g, o and c_{t−1}."""

        kind = traitlets.Unicode("gates").tag(sync=True)
        f = traitlets.Float(0.9).tag(sync=True)
        i = traitlets.Float(0.5).tag(sync=True)
        g = traitlets.Float(0.8).tag(sync=True)
        o = traitlets.Float(0.7).tag(sync=True)
        c_prev = traitlets.Float(1.0).tag(sync=True)

    class MemoryExplorer(_LiveWidget):
        """The memory explorer as a Jupyter widget: constant gates f, i, g and the start c_0."""

        kind = traitlets.Unicode("memory").tag(sync=True)
        f = traitlets.Float(0.9).tag(sync=True)
        i = traitlets.Float(0.0).tag(sync=True)
        g = traitlets.Float(0.5).tag(sync=True)
        c0 = traitlets.Float(1.0).tag(sync=True)
        steps = traitlets.Int(50).tag(sync=True)

    class GradientNormExplorer(_LiveWidget):
        """Chapter 3's gradient-norm explorer as a Jupyter widget: a slider for ρ."""

        kind = traitlets.Unicode("gradients").tag(sync=True)
        rho = traitlets.Float(0.9).tag(sync=True)
        Q = traitlets.List().tag(sync=True)
        noise = traitlets.List().tag(sync=True)

    __all__ += ["GateExplorer", "MemoryExplorer", "GradientNormExplorer"]


def _widget_form(form: str) -> bool:
    """Whether to return the widget (True) or the HTML fragment (False)."""
    form = check_choice("form", form, ("auto", "widget", "html"))
    if form == "widget" and anywidget is None:
        raise ImportError("form='widget' needs anywidget: pip install anywidget")
    return form == "widget" or (form == "auto" and anywidget is not None and widget_frontend())


def gate_explorer(f=0.9, i=0.5, g=0.8, o=0.7, c_prev=1.0, *, form="auto"):
    """Sliders for f, i, g, o (the gates) and c_{t−1} that redraw one LSTM step in the browser.

    The drawing is :func:`lstmlib.viz.cell_diagram.draw_cell`'s: the belt at the top, gates filled
    to their value, arrows coloured by sign (blue positive, red negative) and labelled.
    Returns a :class:`GateExplorer` widget or a :class:`LiveHTML` fragment (see the module docstring).
    """
    state = {"kind": "gates", "f": check_probability("f", f), "i": check_probability("i", i),
             "g": _check_range("g", g, -1, 1), "o": check_probability("o", o),
             "c_prev": _check_range("c_prev", c_prev, -3, 3)}
    if _widget_form(form):
        return GateExplorer(**{k: v for k, v in state.items() if k != "kind"})
    return LiveHTML(state)


def memory_explorer(f=0.9, i=0.0, g=0.5, c0=1.0, steps=50, *, form="auto"):
    """Sliders for constant gates f, i, g and the start c_0: the cell state over ``steps`` steps,
    what is left of c_0 (f^t c_0), and the half-life ln 2 / −ln f, drawn in the browser."""
    state = {"kind": "memory", "f": check_probability("f", f), "i": check_probability("i", i),
             "g": _check_range("g", g, -1, 1), "c0": _check_range("c0", c0, -2, 2),
             "steps": check_positive_int("steps", steps)}
    if _widget_form(form):
        return MemoryExplorer(**{k: v for k, v in state.items() if k != "kind"})
    return LiveHTML(state)


def gradient_norm_explorer(spectral_radius=0.9, *, hidden_size=32, seq_len=60, input_scale=0.1, seed=0, form="auto"):
    """A slider for ρ = σ_max(W_h) (0.3 … 6) redrawing ‖∂h_T/∂h_t‖ against T − t for linear, tanh
    and σ units, each with its bound (γρ)^{T−t}, computed in the browser (chapter 3).

    The network is :func:`lstmlib.reference.longterm.gradient_norms_by_activation`'s: the same orthogonal Q
    and input noise, drawn here from the same seed and handed to the page, which does the rest
    (tests/test_viz_live_cell.py checks that the two agree).
    """
    state = {"kind": "gradients", "rho": _check_range("spectral_radius", spectral_radius, 0.3, 6.0)}
    rng = np.random.default_rng(check_nonnegative_int("seed", seed))
    hidden_size, seq_len = check_positive_int("hidden_size", hidden_size), check_positive_int("seq_len", seq_len)
    Q, _ = np.linalg.qr(rng.normal(size=(hidden_size, hidden_size)))  # as gradient_norms_by_activation draws them
    state["Q"] = Q.tolist()
    state["noise"] = rng.normal(0.0, check_positive_float("input_scale", input_scale), size=(seq_len, hidden_size)).tolist()
    if _widget_form(form):
        return GradientNormExplorer(**{k: v for k, v in state.items() if k != "kind"})
    return LiveHTML(state)
