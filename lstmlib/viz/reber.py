"""The Reber grammar drawn as its automaton (Reber 1967), from :data:`lstmlib.data.reber.REBER_TRANSITIONS`.

``draw_reber_grammar(ax=None)`` returns the Axes: states as circles, each transition an arrow
labelled with the symbol it emits; every branch is taken with probability 1/2. Drawn from the
same table the task generator uses, so the picture cannot drift from the data.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from ..data.reber import REBER_TRANSITIONS

__all__ = ["draw_reber_grammar"]

# where each state sits: the two paths of the grammar run along the top and the bottom
_POSITION = {0: (0.0, 0.0), 1: (1.4, 0.0), 2: (2.8, 1.0), 3: (2.8, -1.0), 4: (4.4, 1.0),
             5: (4.4, -1.0), 6: (5.8, 0.0), "end": (7.2, 0.0)}
_RADIUS = 0.26


def _edge(ax, a, b, symbol, rad=0.0, offset=(0.0, 0.12)):
    (xa, ya), (xb, yb) = _POSITION[a], _POSITION[b]
    ax.add_patch(FancyArrowPatch((xa, ya), (xb, yb), arrowstyle="-|>", mutation_scale=13, lw=1.4,
                                 color="0.2", shrinkA=17, shrinkB=17, connectionstyle=f"arc3,rad={rad}"))
    ax.text((xa + xb) / 2 + offset[0], (ya + yb) / 2 + offset[1], symbol, ha="center", va="center",
            fontsize=13, fontweight="bold", color="C0",
            bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none"))


def _loop(ax, state, symbol, up):
    x, y = _POSITION[state]
    sign = 1 if up else -1
    ax.add_patch(FancyArrowPatch((x - 0.12, y + sign * _RADIUS), (x + 0.12, y + sign * _RADIUS),
                                 arrowstyle="-|>", mutation_scale=13, lw=1.4, color="0.2",
                                 connectionstyle=f"arc3,rad={-2.4 * sign}"))
    ax.text(x, y + sign * 0.78, symbol, ha="center", va="center", fontsize=13, fontweight="bold", color="C0")


def draw_reber_grammar(ax=None):
    """Draw the Reber grammar's automaton; returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.3))
    for state, (x, y) in _POSITION.items():
        final = state == "end"
        ax.add_patch(Circle((x, y), _RADIUS, facecolor="#EAF2F8" if not final else "white",
                            edgecolor="0.2", lw=1.4 if not final else 0))
        ax.text(x, y, "end" if final else str(state), ha="center", va="center", fontsize=12)
    _edge(ax, 0, 1, "B")
    for state, branches in REBER_TRANSITIONS.items():
        for symbol, target in branches:
            if target == state:
                _loop(ax, state, symbol, up=_POSITION[state][1] > 0)
            else:
                rad = 0.25 if (state, target) == (4, 3) else 0.0
                offset = (0.22, 0.0) if (state, target) in ((4, 3), (5, 4)) else (0.0, 0.14)
                _edge(ax, state, target, symbol, rad=rad, offset=offset)
    _edge(ax, 6, "end", "E")
    ax.set_xlim(-0.5, 7.7)
    ax.set_ylim(-2.0, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
