"""Plotting helpers shared by the chapters: functions and their derivatives, decision boundaries,
small-multiples grids (the static counterpart of a widget), label timelines and training curves.

Every helper draws into a Matplotlib ``Axes`` it is given (or creates one) and returns what it
drew on, so a chapter can compose them and add its own caption. None of them knows about LSTMs:
chapter-specific figures live in their own ``lstmlib.viz`` module.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from ..validate import check_array, check_float_array, check_positive_int

__all__ = [
    "CLASS_COLOURS",
    "class_cmap",
    "plot_functions",
    "plot_decision_boundary",
    "small_multiples",
    "plot_label_timeline",
    "plot_curves",
]

#: Colour-blind-safe qualitative palette (Okabe & Ito 2008), one colour per class.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def class_cmap(n_classes: int) -> ListedColormap:
    """A discrete colour map with one :data:`CLASS_COLOURS` entry per class (cycled past 8)."""
    n_classes = check_positive_int("n_classes", n_classes)
    return ListedColormap([CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(n_classes)])


def _new_axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3.2))
    return ax


def plot_functions(
    functions: Mapping[str, tuple[Callable, Callable]],
    x: np.ndarray | None = None,
    axes: Sequence | None = None,
    derivative_label: str = "derivative",
):
    """Plot each ``name → (f, f')`` pair: the functions on the left axes, derivatives on the right.

    Made for activation functions (``lstmlib.reference.ACTIVATIONS``) but any pair of
    vectorised callables works. Returns the two axes.
    """
    if not functions:
        raise ValueError("functions: expected at least one name → (f, f') pair, got none")
    x = np.linspace(-5.0, 5.0, 401) if x is None else check_float_array("x", x, (None,))
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    ax_f, ax_d = axes
    for k, (name, pair) in enumerate(functions.items()):
        if len(pair) != 2 or not all(callable(g) for g in pair):
            raise TypeError(f"functions[{name!r}]: expected a pair (f, f') of callables")
        f, df = pair
        colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
        ax_f.plot(x, f(x), color=colour, label=name)
        ax_d.plot(x, df(x), color=colour, label=name)
    for ax, title in ((ax_f, "function"), (ax_d, derivative_label)):
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.set_xlabel("x")
        ax.set_title(title)
        ax.legend(frameon=False)
    return ax_f, ax_d


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax=None,
    *,
    n_classes: int | None = None,
    grid_size: int = 150,
    padding: float = 0.15,
    title: str | None = None,
    point_size: float = 10.0,
):
    """Colour the plane by the class ``predict`` assigns, and scatter the labelled points on top.

    ``predict`` maps points ``(N, 2)`` to class ids ``(N,)`` or to scores/probabilities
    ``(N, K)`` (the arg-max is taken). Returns the axes.
    """
    bind = {}
    X = check_float_array("X", X, ("N", 2), bind=bind)
    y = check_array("y", y, ("N",), dtype="int", bind=bind)
    n_classes = int(y.max()) + 1 if n_classes is None else check_positive_int("n_classes", n_classes)
    grid_size = check_positive_int("grid_size", grid_size)
    ax = _new_axes(ax)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * (hi - lo)
    gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid_size),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid_size))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(X.dtype)
    out = np.asarray(predict(grid))
    if out.ndim == 2:
        out = out.argmax(axis=1)
    if out.shape != (grid.shape[0],):
        raise ValueError(f"predict: expected an output of shape ({grid.shape[0]},) or "
                         f"({grid.shape[0]}, K) for {grid.shape[0]} grid points, got {out.shape}")
    cmap = class_cmap(n_classes)
    ax.pcolormesh(gx, gy, out.reshape(gx.shape), cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5,
                  alpha=0.3, shading="auto", rasterized=True)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5,
               s=point_size, edgecolors="white", linewidths=0.3)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    if title is not None:
        ax.set_title(title)
    return ax


def small_multiples(
    panels: Sequence,
    draw: Callable,
    *,
    ncols: int = 3,
    panel_size: tuple[float, float] = (3.0, 3.0),
    titles: Sequence[str] | None = None,
    suptitle: str | None = None,
    **subplot_kw,
):
    """A grid of small plots, one per entry of ``panels``: ``draw(ax, panel)`` fills each.

    The static counterpart of an interactive control: lay out the settings a slider would
    visit, side by side. Unused cells of the last row are hidden. Returns ``(fig, axes)`` with
    ``axes`` a flat list of the used axes.
    """
    panels = list(panels)
    if not panels:
        raise ValueError("panels: expected at least one panel, got none")
    ncols = min(check_positive_int("ncols", ncols), len(panels))
    nrows = -(-len(panels) // ncols)
    if titles is not None and len(titles) != len(panels):
        raise ValueError(f"titles: expected {len(panels)} titles, got {len(titles)}")
    fig, grid = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False, **subplot_kw)
    flat = list(grid.ravel())
    for i, (ax, panel) in enumerate(zip(flat, panels)):
        draw(ax, panel)
        if titles is not None:
            ax.set_title(titles[i])
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    if suptitle is not None:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, flat[: len(panels)]


def plot_label_timeline(
    rows: Mapping[str, np.ndarray],
    ax=None,
    *,
    n_classes: int | None = None,
    colours: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    marks: np.ndarray | None = None,
):
    """Draw discrete labels over time as coloured strips, one strip per named row.

    ``rows`` maps a row name (``"true"``, ``"per-frame net"``, ...) to an int array ``(T,)``.
    ``colours`` gives one colour per class (default :data:`CLASS_COLOURS`); related classes can
    share a hue so that "right object, wrong setting" reads at a glance. ``marks`` (bool
    ``(T,)``) puts a tick above the time steps to highlight (e.g. scene cuts). Returns the axes.
    """
    if not rows:
        raise ValueError("rows: expected at least one named row of labels, got none")
    bind = {}
    arrays = [check_array(f"rows[{name!r}]", np.asarray(v), ("T",), dtype="int", bind=bind)
              for name, v in rows.items()]
    T = bind["T"]
    if colours is not None:
        n_classes = len(colours)
    elif n_classes is None:
        n_classes = max(int(a.max()) for a in arrays) + 1
    if max(int(a.max()) for a in arrays) >= n_classes or min(int(a.min()) for a in arrays) < 0:
        raise ValueError(f"rows: expected class ids in [0, {n_classes - 1}]")
    ax = _new_axes(ax)
    cmap = class_cmap(n_classes) if colours is None else ListedColormap(list(colours))
    ax.imshow(np.stack(arrays), aspect="auto", cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5,
              interpolation="nearest", extent=(-0.5, T - 0.5, len(arrays) - 0.5, -0.5))
    ax.set_yticks(range(len(arrays)), list(rows))
    ax.set_xlabel("frame t")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if marks is not None:
        marks = check_array("marks", np.asarray(marks), (T,), dtype="any")
        ts = np.nonzero(marks)[0]
        ax.scatter(ts, np.full(len(ts), -0.75), marker="v", color="black", s=18, clip_on=False)
    if class_names is not None:
        from matplotlib.patches import Patch
        handles = [Patch(color=cmap(k), label=name) for k, name in enumerate(class_names)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=10)
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ax=None,
    *,
    xlabel: str = "step",
    ylabel: str = "",
    hlines: Mapping[str, float] | None = None,
    logy: bool = False,
):
    """Plot named series (loss, accuracy, ...) against their index; ``hlines`` adds labelled
    horizontal reference lines (a bound, chance level). Returns the axes."""
    ax = _new_axes(ax)
    for k, (name, values) in enumerate(curves.items()):
        ax.plot(np.asarray(values, dtype=float), color=CLASS_COLOURS[k % len(CLASS_COLOURS)], label=name)
    for name, level in (hlines or {}).items():
        ax.axhline(level, color="0.3", ls="--", lw=1)
        ax.annotate(name, (0, level), xytext=(2, 3), textcoords="offset points", fontsize=10, color="0.3")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    return ax
