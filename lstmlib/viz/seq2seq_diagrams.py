"""Architecture drawings for chapters 8 and 9: an unrolled encoder–decoder, with and without
attention, and a GNMT-style deep stack (bidirectional bottom layer, residual connections,
attention from the bottom decoder layer).

Plain Matplotlib (boxes, arrows, text), so the drawings work offline and in the static book.
Labels use the chapters' symbols: encoder states ``h_j``, decoder states ``s_t``, context ``c_t``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..validate import check_positive_int

__all__ = ["draw_encoder_decoder", "draw_gnmt_stack"]

_ENC, _DEC, _ATT, _OUT = "#D6EAF8", "#FDEBD0", "#E8DAEF", "#D5F5E3"


def _box(ax, x, y, text, colour, w=0.9, h=0.6, fs=11):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04", facecolor=colour,
                                edgecolor="k", lw=1.0, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fs, zorder=4)


def _arrow(ax, a, b, colour="k", lw=1.1, rad=0.0, ls="-", shrink=14):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=11, color=colour, lw=lw, ls=ls,
                                 shrinkA=shrink, shrinkB=shrink, connectionstyle=f"arc3,rad={rad}", zorder=2))


def draw_encoder_decoder(attention: bool = True, source=("forty", "two"),
                         target=("zwei", "und", "vierzig"), attend_step: int = 0, ax=None):
    """One sentence through an encoder–decoder, unrolled in time.

    Without attention the encoder's last state is the decoder's only view of the source (the
    context C). With ``attention`` the decoder's state at step ``attend_step`` queries every
    encoder state, and the context c_t joins s_t in the output layer, as in chapter 8's model
    (the query is the *current* output s_t; RNNsearch would use s_{t-1} and feed c_t back into
    the recurrence). Returns the axes.
    """
    S, T = len(source), len(target)
    check_positive_int("len(source)", S)
    check_positive_int("len(target)", T)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.35 * (S + T) + 1.0, 4.2), layout="constrained")
    enc_x = [1.35 * j for j in range(S)]
    dec_x = [1.35 * (S + t) + 0.4 for t in range(T)]
    for j, (x, word) in enumerate(zip(enc_x, source)):
        _box(ax, x, 0, f"$h_{{{j + 1}}}$", _ENC)
        ax.text(x, -1.05, word, ha="center", va="center", fontsize=11, style="italic")
        _arrow(ax, (x, -0.8), (x, -0.3), shrink=2)
        if j:
            _arrow(ax, (enc_x[j - 1] + 0.45, 0), (x - 0.45, 0), shrink=1)
    inputs = ("<bos>",) + tuple(target[:-1])
    for t, (x, word, prev) in enumerate(zip(dec_x, target, inputs)):
        _box(ax, x, 0, f"$s_{{{t + 1}}}$", _DEC)
        ax.text(x, -1.05, prev, ha="center", va="center", fontsize=11, style="italic")
        _arrow(ax, (x, -0.8), (x, -0.3), shrink=2)
        top = 2.6 if attention else 1.3
        _box(ax, x, top, "softmax", _OUT, w=1.1, h=0.45, fs=10)
        ax.text(x, top + 0.6, word, ha="center", va="center", fontsize=11, style="italic")
        if t:
            _arrow(ax, (dec_x[t - 1] + 0.45, 0), (x - 0.45, 0), shrink=1)
        if not attention:
            _arrow(ax, (x, 0.3), (x, top - 0.22), shrink=2)
    _arrow(ax, (enc_x[-1] + 0.45, 0), (dec_x[0] - 0.45, 0), colour="C3", lw=1.8, shrink=1)
    ax.text((enc_x[-1] + dec_x[0]) / 2, 0.25, "C" if not attention else "state", ha="center", fontsize=11, color="C3")
    if attention:
        t = attend_step
        xa = dec_x[t]
        _box(ax, xa, 1.45, "attention → $c_%d$" % (t + 1), _ATT, w=2.0, h=0.5, fs=10)
        for x in enc_x:                      # every annotation is a key and a value
            _arrow(ax, (x, 0.3), (xa - 0.5, 1.2), colour="C4", lw=0.9, rad=-0.15, shrink=4)
        _arrow(ax, (xa, 0.3), (xa, 1.2), colour="C4", lw=1.4, shrink=2)   # the query s_t
        for x in dec_x:
            _arrow(ax, (x, 0.3) if x != xa else (xa, 1.7), (x, 2.38), shrink=2)
        # at the attended step the state goes to the output layer too, beside the context: [s_t; c_t]
        _arrow(ax, (xa + 0.4, 0.3), (xa + 0.4, 2.38), rad=0.75, shrink=2)
        ax.text(xa - 0.08, 2.22, "$[s_%d; c_%d]$" % (t + 1, t + 1), fontsize=10, ha="right", va="center")
        ax.text(xa - 1.1, 2.0, "query $s_{%d}$, keys $h_1 \\ldots h_%d$" % (t + 1, S), fontsize=10.5,
                ha="right", va="center", color="C4")
    ax.text(sum(enc_x) / S, -1.7, "encoder", ha="center", fontsize=11)
    ax.text(sum(dec_x) / T, -1.7, "decoder", ha="center", fontsize=11)
    ax.set_xlim(enc_x[0] - 0.8, dec_x[-1] + 1.4)
    ax.set_ylim(-2.0, 3.6 if attention else 2.2)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_gnmt_stack(layers: int = 8, residual_from: int = 2, ax=None):
    """GNMT's layout as two stacks of layers: a bidirectional bottom encoder layer, residual
    connections from layer ``residual_from`` up, the bottom decoder layer's output querying the
    top encoder layer, and the context fed to every decoder layer above the bottom. Returns the axes."""
    layers = check_positive_int("layers", layers)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.62 * layers + 2.2), layout="constrained")
    xe, xd, dy = 0.0, 6.4, 0.9
    for l in range(layers):
        y = l * dy
        label = f"{l}: " + ("bi-LSTM → ←" if l == 0 else "LSTM")
        _box(ax, xe, y, label, _ENC, w=2.6, h=0.5, fs=10.5)
        _box(ax, xd, y, f"{l}: LSTM", _DEC, w=2.6, h=0.5, fs=10.5)
        if l:
            _arrow(ax, (xe, y - dy + 0.27), (xe, y - 0.27), shrink=1)
            _arrow(ax, (xd, y - dy + 0.27), (xd, y - 0.27), shrink=1)
        if l >= residual_from:               # x^(l+1) = LSTM(x^(l)) + x^(l): the input skips the layer
            for x in (xe, xd):
                _arrow(ax, (x - 1.32, y - dy + 0.3), (x - 1.32, y + 0.3), colour="C2", lw=1.2, rad=-0.6, shrink=1)
    top = (layers - 1) * dy
    ax.text(xe - 2.2, (residual_from + layers - 1) * dy / 2, "residual\n(+)", color="C2", fontsize=10.5,
            ha="center", va="center")
    ax.text(xe, -0.75, "source pieces", ha="center", fontsize=10.5, style="italic")
    _arrow(ax, (xe, -0.55), (xe, -0.25), shrink=2)
    ax.text(xd, -0.75, "previous target piece", ha="center", fontsize=10.5, style="italic")
    _arrow(ax, (xd, -0.55), (xd, -0.25), shrink=2)
    _box(ax, xd, top + dy, "softmax", _OUT, w=1.6, h=0.45, fs=10.5)
    _arrow(ax, (xd, top + 0.27), (xd, top + dy - 0.25), shrink=1)
    xa, ya = 3.0, top / 2
    _box(ax, xa, ya, "attention", _ATT, w=1.7, h=0.55, fs=10.5)
    _arrow(ax, (xe + 1.3, top), (xa - 0.3, ya + 0.3), colour="C4", lw=1.3, shrink=2)
    ax.text((xe + xa) / 2 + 0.4, (top + ya) / 2 + 0.35, "top encoder\nlayer: keys", fontsize=10, color="C4")
    _arrow(ax, (xd - 1.3, 0.2), (xa + 0.3, ya - 0.3), colour="C4", lw=1.3, shrink=2)
    ax.text(xa - 0.2, ya / 2 - 0.75, "bottom decoder\nlayer: query", fontsize=10, color="C4")
    for l in range(1, layers):               # the context goes to every decoder layer above the bottom
        _arrow(ax, (xa + 0.75, ya), (xd - 1.3, l * dy), colour="C4", lw=0.6, ls="--", shrink=2)
    ax.text(xe, top + dy + 0.05, "encoder", ha="center", fontsize=11.5, weight="bold")
    ax.text(xd - 2.0, top + dy + 0.05, "decoder", ha="center", fontsize=11.5, weight="bold")
    ax.set_xlim(xe - 2.8, xd + 1.6)
    ax.set_ylim(-1.1, top + dy + 0.6)
    ax.axis("off")
    return ax
