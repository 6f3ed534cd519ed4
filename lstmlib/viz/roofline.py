"""The roofline model (Williams, Waterman & Patterson 2009) for one LSTM step, and its plot.

A kernel that does ``F`` floating-point operations while moving ``Q`` bytes from memory has the
*arithmetic intensity* ``I = F / Q`` (FLOP per byte). On a machine with peak compute ``P``
(FLOP/s) and memory bandwidth ``β`` (byte/s) it cannot run faster than

    attainable(I) = min(P, β · I)

— a slanted "bandwidth roof" up to the ridge point ``I* = P / β``, then a flat "compute roof".

One LSTM step's FLOPs, bytes and intensity I ≈ 2B / s come from :mod:`lstmlib.reference.cost`
(re-exported here for the plots): because the recurrent product cannot start before ``h_{t−1}``
exists, the weights are read again at every step (unless they stay on chip: the persistent RNNs of
Diamos et al. 2016).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..reference.cost import lstm_step_bytes, lstm_step_flops, lstm_step_intensity
from ..validate import check_positive_float, check_positive_int

__all__ = ["Roof", "Point", "lstm_step_flops", "lstm_step_bytes", "lstm_step_intensity",
           "attainable", "plot_roofline"]


def attainable(intensity, peak_flops: float, bandwidth: float):
    """The roofline: min(P, β · I) in FLOP/s, for an intensity (FLOP/byte) or an array of them."""
    peak_flops = check_positive_float("peak_flops", peak_flops)
    bandwidth = check_positive_float("bandwidth", bandwidth)
    return np.minimum(peak_flops, bandwidth * np.asarray(intensity, dtype=float))


@dataclass(frozen=True)
class Roof:
    """A machine's roof: peak FLOP/s and bytes/s, with a name and a source for the legend."""

    name: str
    peak_flops: float
    bandwidth: float
    color: str = "k"
    linestyle: str = "-"

    @property
    def ridge(self) -> float:
        """The intensity (FLOP/byte) where the bandwidth roof meets the compute roof."""
        return self.peak_flops / self.bandwidth


@dataclass(frozen=True)
class Point:
    """A measured (or recorded) kernel: its intensity, its achieved FLOP/s and a label."""

    label: str
    intensity: float
    flops: float
    color: str = "C0"
    marker: str = "o"


def plot_roofline(roofs, points, ax=None, intensity_range=(0.1, 4096.0), annotate=False, title=None):
    """Log–log roofline: one line per :class:`Roof`, one marker per :class:`Point`.

    Points with the same label share one legend entry (a sweep over batch sizes, say); each is
    annotated with its intensity when ``annotate``. The legend sits outside, right of the axes.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 5.0), layout="constrained")
    lo, hi = intensity_range
    xs = np.logspace(np.log10(lo), np.log10(hi), 200)
    for roof in roofs:
        ax.loglog(xs, attainable(xs, roof.peak_flops, roof.bandwidth), color=roof.color,
                  linestyle=roof.linestyle, lw=1.5, label=f"roof: {roof.name}")
        if lo < roof.ridge < hi:
            ax.axvline(roof.ridge, color=roof.color, lw=0.6, ls=":")
    seen = set()
    for p in points:
        label = None if p.label in seen else p.label
        seen.add(p.label)
        ax.loglog([p.intensity], [p.flops], linestyle="none", marker=p.marker, color=p.color,
                  markersize=7, markeredgecolor="k", markeredgewidth=0.5, label=label)
        if annotate:
            ax.annotate(f"{p.intensity:g}", (p.intensity, p.flops), textcoords="offset points",
                        xytext=(4, -10), fontsize=9, color=p.color)
    ax.set_xlabel("arithmetic intensity (FLOP / byte of weights)")
    ax.set_ylabel("achieved FLOP/s")
    ax.set_xlim(lo, hi)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if title:
        ax.set_title(title)
    return ax
