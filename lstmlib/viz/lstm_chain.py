"""The LSTM unrolled in time, drawn as a chain of cells (in the style of Olah's *Understanding LSTM
networks*): the cell state c runs along the top of every cell like a conveyor belt, touched only
by a multiplication (forget gate f) and an addition (input gate i times candidate g); the hidden
state h runs along the bottom and, with the input x, feeds the four gates of the next step.

``draw_lstm_chain(steps=3, ax=None)`` returns the Axes. Matplotlib only, so it works offline and
in the static book.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..validate import check_positive_int

__all__ = ["draw_lstm_chain"]

BELT = "#2E86C1"      # the cell state c
HIDDEN = "#7D3C98"    # the hidden state h
GATE = "#FDEBD0"      # sigmoid gates
CANDIDATE = "#D5F5E3"  # the tanh candidate and the output squashing


def _arrow(ax, a, b, colour="k", lw=1.3):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=11, color=colour, lw=lw,
                                 shrinkA=0, shrinkB=0, zorder=2))


def _op(ax, xy, symbol, colour="k"):
    ax.add_patch(Circle(xy, 0.17, facecolor="white", edgecolor=colour, lw=1.3, zorder=4))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=11, zorder=5)


def _box(ax, x, y, label, fill, width=0.54):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.2), width, 0.4, boxstyle="round,pad=0.02",
                                facecolor=fill, edgecolor="k", lw=1.0, zorder=4))
    ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=5)


def _cell(ax, x0, t):
    """One cell whose left edge is at x0; returns nothing (draws into ax)."""
    top, bottom = 2.6, 0.6
    ax.add_patch(FancyBboxPatch((x0, 0.25), 3.0, 2.75, boxstyle="round,pad=0.05", facecolor="#F8F9F9",
                                edgecolor="0.55", lw=1.0, zorder=1))
    fx, ix, ox = x0 + 0.55, x0 + 1.45, x0 + 2.35
    # the belt: × f, then + i·g, then on to the next cell
    _op(ax, (fx, top), "×", BELT)
    _op(ax, (ix, top), "+", BELT)
    _arrow(ax, (x0 - 0.35, top), (fx - 0.17, top), BELT, 2.2)
    _arrow(ax, (fx + 0.17, top), (ix - 0.17, top), BELT, 2.2)
    _arrow(ax, (ix + 0.17, top), (x0 + 3.35, top), BELT, 2.2)
    # the gates, all fed by [h_{t-1}, x_t] along the bottom
    gates = [(fx, "f", GATE), (ix - 0.3, "i", GATE), (ix + 0.3, "g", CANDIDATE), (ox, "o", GATE)]
    for gx, name, fill in gates:
        _box(ax, gx, 1.3, name, fill)
        _arrow(ax, (gx, bottom + 0.05), (gx, 1.1), HIDDEN, 1.0)
    _arrow(ax, (fx, 1.5), (fx, top - 0.17))
    _op(ax, (ix, 2.0), "×")
    _arrow(ax, (ix - 0.3, 1.5), (ix - 0.1, 1.86))
    _arrow(ax, (ix + 0.3, 1.5), (ix + 0.1, 1.86))
    _arrow(ax, (ix, 2.17), (ix, top - 0.17))
    # the output: h_t = o_t ⊙ tanh(c_t)
    _box(ax, ox, 2.05, "tanh", CANDIDATE, width=0.74)   # wider: the label is four letters
    _arrow(ax, (ox, top), (ox, 2.25), BELT, 1.0)
    _op(ax, (ox + 0.45, 1.3), "×", HIDDEN)
    _arrow(ax, (ox + 0.27, 1.3), (ox + 0.28, 1.3), "k", 1.0)
    _arrow(ax, (ox + 0.2, 2.05), (ox + 0.45, 1.47))
    # h along the bottom: in from the left, out to the right and up
    ax.plot([x0 - 0.35, ox + 0.45], [bottom, bottom], color=HIDDEN, lw=2.0, zorder=2)
    _arrow(ax, (ox + 0.45, 1.13), (ox + 0.45, bottom + 0.02), HIDDEN, 1.3)
    _arrow(ax, (ox + 0.45, bottom), (x0 + 3.35, bottom), HIDDEN, 2.0)
    _arrow(ax, (ox + 0.45, 1.47), (ox + 0.45, 3.45), HIDDEN, 1.3)
    ax.text(ox + 0.45, 3.6, f"$h_{{{t}}}$", ha="center", va="bottom", fontsize=12)
    # the input from below
    _arrow(ax, (x0 + 0.9, -0.35), (x0 + 0.9, bottom), "k", 1.3)
    ax.text(x0 + 0.9, -0.45, f"$x_{{{t}}}$", ha="center", va="top", fontsize=12)


def draw_lstm_chain(steps: int = 3, ax=None):
    """Draw ``steps`` LSTM cells in a row, sharing their weights; returns the Axes."""
    steps = check_positive_int("steps", steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * steps + 1.6, 3.4))
    labels = ["t-1", "t", "t+1"] if steps == 3 else [str(k + 1) for k in range(steps)]
    for k in range(steps):
        _cell(ax, 3.7 * k, labels[k])
    ax.text(-0.45, 2.6, "cell state $c$", ha="right", va="center", fontsize=11, color=BELT)
    ax.text(-0.45, 0.6, "hidden state $h$", ha="right", va="center", fontsize=11, color=HIDDEN)
    ax.set_xlim(-3.2, 3.7 * steps)
    ax.set_ylim(-1.0, 4.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
