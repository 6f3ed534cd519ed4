r"""A drawn LSTM cell that shows what gate values do, and how long a memory lasts.

Chapter 4 turns the gates by hand. Given the four gate values of one step and the previous cell
state, the diagram draws the conveyor belt (the cell state line at the top), the forget product,
the added input, and the output path, with every intermediate value written on it:

.. math::

   c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).

Chapter 4 shows the live versions of these drawings, :func:`lstmlib.viz.live_cell.gate_explorer` and
:func:`lstmlib.viz.live_cell.memory_explorer` (computed and drawn in the browser, so they also move
on the book's web page), each followed by its static twin here: :func:`gate_small_multiples` and
:func:`memory_small_multiples`, for print and for readers without JavaScript. :func:`gate_sliders`
and :func:`memory_widget` are the older kernel-side controls (ipywidgets redrawing matplotlib).
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from ..validate import check_positive_int

__all__ = [
    "cell_update", "draw_cell", "gate_small_multiples", "gate_sliders", "GATE_SCENARIOS", "STATIC_GATE_SCENARIOS",
    "MEMORY_SETTINGS",
    "memory_trace", "half_life", "plot_memory", "memory_small_multiples", "memory_widget",
]

_CMAP = plt.get_cmap("RdBu")


def _check_gate(name, value, lo=0.0, hi=1.0):
    value = float(value)
    if not (lo <= value <= hi):
        raise ValueError(f"{name}: expected a value in [{lo:g}, {hi:g}], got {value}")
    return value


def cell_update(f, i, g, o, c_prev):
    """One cell-state update from given gate values (arrays broadcast):
    ``c = f * c_prev + i * g`` and ``h = o * tanh(c)``. Returns ``(c, h)``."""
    c = f * c_prev + i * g
    return c, o * np.tanh(c)


def _colour(v, scale=2.0):
    return _CMAP(0.5 + 0.5 * float(np.clip(v / scale, -1, 1)))


def _node(ax, xy, text, r=0.32, fs=12):
    ax.add_patch(Circle(xy, r, facecolor="white", edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=fs, zorder=4)


def _arrow(ax, a, b, value=None, lw=1.5, scale=2.0):
    colour = "0.35" if value is None else _colour(value, scale)
    width = lw if value is None else lw + 2.5 * min(abs(value) / scale, 1.0)
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, lw=width,
                                 color=colour, zorder=2, shrinkA=0, shrinkB=0))


def _gate_box(ax, x, y, name, value, lo, fs):
    """A box whose fill level is the gate's value (σ gates in [0, 1], g in [−1, 1])."""
    w, h = 0.9, 1.1
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.03",
                                facecolor="0.95", edgecolor="black", lw=1.0, zorder=2))
    frac = (value - lo) / (1.0 - lo)
    ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h * frac, zorder=2.5,
                           facecolor=_colour(value, 1.0) if lo < 0 else (0.30, 0.55, 0.85, 0.8)))
    ax.text(x, y + h / 2 + 0.12, name, ha="center", va="bottom", fontsize=fs - 1)
    ax.text(x, y, f"{value:.2f}", ha="center", va="center", fontsize=fs - 1, zorder=4,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))


def draw_cell(f=0.9, i=0.5, g=0.8, o=0.7, c_prev=1.0, ax=None, title=None, fontsize=11):
    """Draw one LSTM step for the given gate values and previous cell state.

    Arrows are coloured by the value they carry (red negative, blue positive, on the scale of
    ±2) and drawn thicker for larger magnitudes. Returns ``{"c": c_t, "h": h_t}``.
    """
    f, i, o = (_check_gate(n, v) for n, v in (("f", f), ("i", i), ("o", o)))
    g = _check_gate("g", g, -1.0, 1.0)
    c_prev = float(c_prev)
    c, h = cell_update(f, i, g, o, c_prev)
    kept, written, squashed = f * c_prev, i * g, math.tanh(c)

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    fs = fontsize
    ax.set_xlim(-0.2, 10.4)
    ax.set_ylim(-0.4, 6.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((1.2, 0.4), 7.9, 5.2, boxstyle="round,pad=0.1",
                                facecolor="#fbf7ee", edgecolor="0.6", lw=1, zorder=0))

    belt_y, gate_y = 5.0, 1.6
    x_mul_f, x_i, x_g, x_o, x_tanh = 2.6, 4.1, 5.6, 7.1, 8.5
    x_add = x_g
    # the conveyor belt: c_{t-1} → ×f → +i·g → c_t
    ax.text(0.0, belt_y, f"$c_{{t-1}}$\n{c_prev:+.2f}", ha="center", va="center", fontsize=fs)
    _arrow(ax, (0.5, belt_y), (x_mul_f - 0.32, belt_y), c_prev)
    _node(ax, (x_mul_f, belt_y), "×", fs=fs + 1)
    _arrow(ax, (x_mul_f + 0.32, belt_y), (x_add - 0.32, belt_y), kept)
    ax.text((x_mul_f + x_add) / 2, belt_y + 0.25, f"$f\\,c_{{t-1}}$ = {kept:+.2f}", ha="center",
            va="bottom", fontsize=fs - 1)
    _node(ax, (x_add, belt_y), "+", fs=fs + 1)
    _arrow(ax, (x_add + 0.32, belt_y), (9.7, belt_y), c)
    ax.text(10.15, belt_y, f"$c_t$\n{c:+.2f}", ha="center", va="center", fontsize=fs,
            fontweight="bold")

    # gates, fed by [x_t, h_{t-1}] from below
    gates = [(x_mul_f, "$f_t$ forget", f, 0.0), (x_i, "$i_t$ input", i, 0.0),
             (x_g, "$g_t$ cand.", g, -1.0), (x_o, "$o_t$ output", o, 0.0)]
    ax.plot([1.6, x_o], [0.6, 0.6], color="0.35", lw=1.2, zorder=1)
    ax.text(1.55, 0.6, "$x_t,\\ h_{t-1}$", ha="right", va="center", fontsize=fs - 1)
    for x, name, value, lo in gates:
        ax.plot([x, x], [0.6, gate_y - 0.55], color="0.35", lw=1.2, zorder=1)
        _gate_box(ax, x, gate_y, name, value, lo, fs - 1)
    # forget gate multiplies the belt
    _arrow(ax, (x_mul_f, gate_y + 0.75), (x_mul_f, belt_y - 0.32), f, scale=1.0)
    # i ⊙ g joins the belt at +
    x_mul_i, y_mul_i = (x_i + x_g) / 2, 3.3
    _node(ax, (x_mul_i, y_mul_i), "×", fs=fs + 1)
    _arrow(ax, (x_i, gate_y + 0.75), (x_mul_i - 0.25, y_mul_i - 0.22), i, scale=1.0)
    _arrow(ax, (x_g, gate_y + 0.75), (x_mul_i + 0.25, y_mul_i - 0.22), g, scale=1.0)
    _arrow(ax, (x_mul_i + 0.2, y_mul_i + 0.25), (x_add - 0.2, belt_y - 0.25), written)
    ax.text(x_mul_i - 0.45, y_mul_i + 0.45, f"$i\\,g$ = {written:+.2f}", ha="right", va="center",
            fontsize=fs - 1)
    # output path: c_t → tanh → × o → h_t
    y_tanh, y_mul_o = 3.9, 2.6
    ax.plot([x_tanh, x_tanh], [belt_y, y_tanh + 0.32], color=_colour(c), lw=1.5, zorder=1)
    _node(ax, (x_tanh, y_tanh), "tanh", r=0.42, fs=fs - 2)
    _arrow(ax, (x_tanh, y_tanh - 0.42), (x_tanh, y_mul_o + 0.32), squashed, scale=1.0)
    ax.text(x_tanh + 0.5, (y_tanh + y_mul_o) / 2, f"{squashed:+.2f}", ha="left", va="center",
            fontsize=fs - 1)
    _node(ax, (x_tanh, y_mul_o), "×", fs=fs + 1)
    _arrow(ax, (x_o, gate_y + 0.75), (x_tanh - 0.25, y_mul_o - 0.2), o, scale=1.0)
    _arrow(ax, (x_tanh + 0.32, y_mul_o), (9.7, 1.2), h, scale=1.0)
    ax.text(10.15, 1.0, f"$h_t$\n{h:+.2f}", ha="center", va="center", fontsize=fs,
            fontweight="bold")
    if title:
        ax.set_title(title, fontsize=fs + 1)
    return {"c": c, "h": h}


#: Named gate settings (what each gate can do alone); try them in the gate explorer.
GATE_SCENARIOS = {
    "keep (f=1, i=0)": dict(f=1.0, i=0.0, g=0.8, o=1.0, c_prev=1.5),
    "erase (f=0, i=0)": dict(f=0.0, i=0.0, g=0.8, o=1.0, c_prev=1.5),
    "overwrite (f=0, i=1)": dict(f=0.0, i=1.0, g=-0.8, o=1.0, c_prev=1.5),
    "accumulate (f=1, i=1)": dict(f=1.0, i=1.0, g=0.8, o=1.0, c_prev=1.5),
    "hide (o=0)": dict(f=1.0, i=0.0, g=0.8, o=0.0, c_prev=1.5),
    "half of each": dict(f=0.5, i=0.5, g=0.8, o=0.5, c_prev=1.5),
}

#: The three settings of the static figure, one per gate (the forget gate keeps, the input gate
#: overwrites with the candidate, the output gate hides a memory that is still stored), all with
#: the candidate g = −0.8 and the previous cell state c_{t−1} = 1.5.
STATIC_GATE_SCENARIOS = {name: {**GATE_SCENARIOS[name], "g": -0.8}
                         for name in ("keep (f=1, i=0)", "overwrite (f=0, i=1)", "hide (o=0)")}


def gate_small_multiples(scenarios=None, ncols=1):
    """Static counterpart of the gate explorer: one large diagram per named gate setting.

    The default shows :data:`STATIC_GATE_SCENARIOS` (one setting per gate) in a single column,
    each diagram as wide as the book's text column, so its labels stay readable at the book's
    width. Returns ``(fig, results)`` with ``results[name] = {"c": ..., "h": ...}``."""
    scenarios = STATIC_GATE_SCENARIOS if scenarios is None else scenarios
    n = len(scenarios)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 3.3 * nrows))
    axes = np.atleast_1d(axes).ravel()
    results = {}
    for ax, (name, kw) in zip(axes, scenarios.items()):
        results[name] = draw_cell(ax=ax, title=name, fontsize=10, **kw)
    for ax in axes[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig, results


def gate_sliders():
    """ipywidgets sliders for f, i, g, o and c_{t−1} that redraw the cell (Jupyter only)."""
    import ipywidgets as widgets

    def show(f, i, g, o, c_prev):
        draw_cell(f, i, g, o, c_prev)
        plt.show()

    slider = lambda lo, hi, v, d: widgets.FloatSlider(value=v, min=lo, max=hi, step=0.01,
                                                      description=d, continuous_update=False)
    return widgets.interactive(show, f=slider(0, 1, 0.9, "f (forget)"), i=slider(0, 1, 0.5, "i (input)"),
                               g=slider(-1, 1, 0.8, "g (candidate)"), o=slider(0, 1, 0.7, "o (output)"),
                               c_prev=slider(-3, 3, 1.0, "c (previous)"))


def memory_trace(f, i=0.0, g=0.0, c0=1.0, steps=50):
    """Cell state over ``steps`` steps with constant gates: ``c_t = f c_{t−1} + i g``.

    Returns ``(c, from_c0)``, arrays of length ``steps + 1`` (t = 0 … steps): the cell state and
    the part of it that still comes from ``c0``, which is ``f^t c0``.
    """
    steps = check_positive_int("steps", steps)
    f = _check_gate("f", f)
    c = np.empty(steps + 1)
    c[0] = c0
    for t in range(steps):
        c[t + 1] = f * c[t] + i * g
    return c, c0 * f ** np.arange(steps + 1)


def half_life(f) -> float:
    """Steps until ``f^t`` falls to 1/2: ``ln 2 / −ln f`` (∞ for f = 1, 0 for f = 0)."""
    f = _check_gate("f", f)
    if f == 1.0:
        return math.inf
    if f == 0.0:
        return 0.0
    return math.log(0.5) / math.log(f)


def plot_memory(f=0.9, i=0.0, g=0.0, c0=1.0, steps=50, ax=None, title=True):
    """Plot :func:`memory_trace` with the half-life marked. Returns the half-life."""
    c, from_c0 = memory_trace(f, i, g, c0, steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    t = np.arange(steps + 1)
    ax.plot(t, c, lw=2, label="$c_t$")
    ax.plot(t, from_c0, "--", lw=1.5, label="$f^t c_0$ (what is left of $c_0$)")
    hl = half_life(f)
    if hl <= steps:
        ax.axvline(hl, color="0.5", lw=1, ls=":")
        ax.axhline(c0 / 2, color="0.5", lw=1, ls=":")
    ax.set_xlabel("step t")
    ax.set_ylim(min(0.0, c.min(), from_c0.min()) - 0.1, max(c0, c.max()) * 1.1 + 0.1)
    if title:
        shown = "∞" if math.isinf(hl) else f"{hl:.1f} steps"
        ax.set_title(f"f = {f:.2f}, i·g = {i * g:+.2f}: half-life {shown}", fontsize=10)
    ax.legend(fontsize=9, loc="best")
    return hl


#: The (f, i, g) settings of the memory figure's panels, all from c_0 = 1 (three memories fading at
#: different rates with no input, and one with an input, which levels off at its plateau i·g/(1 − f)).
MEMORY_SETTINGS = ((0.5, 0.0, 0.0), (0.9, 0.0, 0.0), (0.97, 0.0, 0.0), (0.9, 0.5, 1.0))


def memory_small_multiples(settings=MEMORY_SETTINGS, steps=50, c0=1.0):
    """Static counterpart of the memory explorer: one memory plot per ``(f, i, g)`` setting, two
    to a row (readable at the book's width). A panel with an input also draws its plateau
    ``i g / (1 − f)``. Returns ``(fig, half_lives)``."""
    ncols = 2
    nrows = math.ceil(len(settings) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(9.0, 3.1 * nrows))
    axes = np.atleast_1d(axes).ravel()
    lives = []
    for (f, i, g), ax in zip(settings, axes):
        lives.append(plot_memory(f, i, g, c0, steps, ax=ax))
        if i * g != 0 and f < 1:
            plateau = i * g / (1 - f)
            ax.axhline(plateau, color="C2", lw=1.2, ls="-.", label=f"plateau $ig/(1-f)$ = {plateau:.1f}")
            ax.set_ylim(min(0.0, plateau) - 0.2, max(c0, plateau) * 1.1 + 0.2)
            ax.legend(fontsize=9, loc="best")
    for ax in axes[len(settings):]:
        ax.axis("off")
    fig.tight_layout()
    return fig, lives


def memory_widget(steps=50):
    """ipywidgets sliders for constant gates f, i, g and c_0 over ``steps`` steps (Jupyter only)."""
    import ipywidgets as widgets

    def show(f, i, g, c0):
        plot_memory(f, i, g, c0, steps)
        plt.show()

    slider = lambda lo, hi, v, d, step=0.01: widgets.FloatSlider(
        value=v, min=lo, max=hi, step=step, description=d, continuous_update=False)
    return widgets.interactive(show, f=slider(0, 1, 0.9, "f (forget)", 0.005), i=slider(0, 1, 0.0, "i (input)"),
                               g=slider(-1, 1, 0.5, "g (candidate)"), c0=slider(-2, 2, 1.0, "$c_0$"))
