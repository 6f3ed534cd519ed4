"""Drawings of recurrent computational graphs: folded, unrolled in time, the three design patterns
of Goodfellow, Bengio & Courville (2016, §10.2: A, B, C), teacher forcing, bidirectional, and the balanced tree of a recursive net.

``draw_graph(kind, steps=4, ax=None)`` draws one of :data:`KINDS` with Matplotlib (no Graphviz, so
it works offline and in the static book). Nodes are circles (inputs x, states h / g, outputs o,
targets y); arrows carry the name of the shared weight matrix in the book's notation: W_x (input →
state), W_h (state → state), V (state → output), and R (output → next state, Goodfellow et al.'s
R); Goodfellow et al. write U for W_x and W for W_h.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from ..validate import check_choice, check_positive_int
from .plots import CLASS_COLOURS

__all__ = ["KINDS", "draw_graph", "draw_all"]

#: The graphs :func:`draw_graph` can draw, in the order :func:`draw_all` shows them.
KINDS = ("folded", "A", "B", "teacher_forcing", "C", "bidirectional", "tree")

_FILL = {"x": "#FFFFFF", "h": "#D6EAF8", "g": "#FDEBD0", "o": "#D5F5E3", "y": "#F2F3F4", "n": "#D6EAF8"}
_TITLES = {
    "folded": "folded: one cell, a loop",
    "A": "A: output every step, h → h",
    "B": "B: output every step, o → h",
    "teacher_forcing": "B trained with teacher forcing",
    "C": "C: one output after the sequence",
    "bidirectional": "bidirectional: h → and ← g",
    "tree": "recursive: a balanced tree",
}


def _node(ax, xy, label, kind):
    ax.add_patch(Circle(xy, 0.28, facecolor=_FILL.get(kind, "white"), edgecolor="k", lw=1.1, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(ax, a, b, label=None, colour="k", rad=0.0, label_offset=(0.0, 0.0), ls="-"):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, color=colour, lw=1.1, ls=ls,
                                 shrinkA=11, shrinkB=11, connectionstyle=f"arc3,rad={rad}", zorder=2))
    if label:
        mx, my = (a[0] + b[0]) / 2 + label_offset[0], (a[1] + b[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, fontsize=11, color=colour, ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"), zorder=4)


def draw_graph(kind: str = "A", steps: int = 4, ax=None):
    """Draw one computational graph; returns the axes. ``steps`` is the number of time steps shown."""
    check_choice("kind", kind, KINDS)
    steps = check_positive_int("steps", steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.3 * max(steps, 2) + 1, 3.2))
    rec = CLASS_COLOURS[0]
    if kind == "folded":
        _node(ax, (0, 0), "x", "x"); _node(ax, (0, 1), "h", "h"); _node(ax, (0, 2), "o", "o")
        _arrow(ax, (0, 0), (0, 1), "$W_x$"); _arrow(ax, (0, 1), (0, 2), "V")
        ax.add_patch(FancyArrowPatch((0.25, 1.1), (0.25, 0.9), arrowstyle="-|>", mutation_scale=10, color=rec,
                                     connectionstyle="arc3,rad=-2.2", lw=1.1))
        ax.text(0.75, 1.0, "$W_h$\n(delay 1)", color=rec, fontsize=11, va="center")
        xs = [0]
    elif kind == "tree":
        leaves = 2 ** max(1, (steps - 1).bit_length())
        level = [(float(i), 0.0) for i in range(leaves)]
        for i, p in enumerate(level):
            _node(ax, (p[0], -1.0), f"x{i + 1}", "x")
            _arrow(ax, (p[0], -1.0), p, "$W_x$" if i == 0 else None)
            _node(ax, p, "ℓ", "n")
        y = 0.0
        while len(level) > 1:
            y += 1.0
            nxt = []
            for j in range(0, len(level), 2):
                q = ((level[j][0] + level[j + 1][0]) / 2, y)
                top = len(level) == 2  # name the shared weights once, at the root's merge
                _arrow(ax, level[j], q, "W_L" if top else None, colour=rec)
                _arrow(ax, level[j + 1], q, "W_R" if top else None, colour=rec)
                _node(ax, q, "n", "n")
                nxt.append(q)
            level = nxt
        _node(ax, (level[0][0], y + 1), "o", "o")
        _arrow(ax, level[0], (level[0][0], y + 1), "V")
        xs = [0, leaves - 1]
    else:
        xs = [1.3 * t for t in range(steps)]
        for t, x in enumerate(xs):
            label = f"{t + 1}"
            _node(ax, (x, 0), f"x{label}", "x")
            _node(ax, (x, 1), f"h{label}", "h")
            _arrow(ax, (x, 0), (x, 1), "$W_x$" if t == 0 else None)
            show_out = kind != "C" or t == steps - 1
            if kind == "bidirectional":
                _node(ax, (x, 2), f"g{label}", "g")
                _arrow(ax, (x, 0), (x, 2), None, rad=0.35)
                _node(ax, (x, 3), f"o{label}", "o")
                _arrow(ax, (x, 1), (x, 3), None, rad=-0.35)
                _arrow(ax, (x, 2), (x, 3), "V" if t == 0 else None)
            elif show_out:
                _node(ax, (x, 2), f"o{label}", "o")
                _arrow(ax, (x, 1), (x, 2), "V" if t == 0 else None)
            if kind == "teacher_forcing":
                _node(ax, (x, 3), f"y{label}", "y")
                _arrow(ax, (x, 2), (x, 3), None, ls=":")
            if t > 0:
                prev = xs[t - 1]
                if kind in ("A", "C", "bidirectional"):
                    _arrow(ax, (prev, 1), (x, 1), "$W_h$" if t == 1 else None, colour=rec)
                if kind == "bidirectional":
                    _arrow(ax, (x, 2), (prev, 2), "$W_h'$" if t == 1 else None, colour=CLASS_COLOURS[1])
                if kind == "B":
                    _arrow(ax, (prev, 2), (x, 1), "R" if t == 1 else None, colour=rec)
                if kind == "teacher_forcing":
                    _arrow(ax, (prev, 3), (x, 1), "R" if t == 1 else None, colour=rec, rad=0.15)
    ax.set_aspect("equal")
    ax.autoscale()  # patches only: fit the view to the nodes
    ax.set_xlim(min(xs) - 0.8, max(xs) + 1.2)
    ax.axis("off")
    ax.set_title(_TITLES[kind], fontsize=12)
    return ax


def draw_all(kinds=("folded", "A", "B", "teacher_forcing", "C", "bidirectional"), steps: int = 3,
             columns: int = 3):
    """One panel per kind, ``columns`` to a row (the chapter's overview figure); rows keep the
    labels readable at the book's page width. Returns ``(fig, axes)`` with ``axes`` a flat list."""
    kinds = list(kinds)
    columns = max(1, min(columns, len(kinds)))
    rows = -(-len(kinds) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(3.0 * columns, 3.4 * rows), squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[len(kinds):]:
        ax.set_axis_off()  # an unused slot in the last row
    axes = axes[:len(kinds)]
    for ax, kind in zip(axes, kinds):
        draw_graph(kind, steps=1 if kind == "folded" else steps, ax=ax)
        ax.set_xlim(-0.8, 1.3 * (steps - 1) + 0.8 if kind != "folded" else 1.6)
        ax.set_ylim(-0.6, 3.6)
    fig.tight_layout()
    return fig, axes
