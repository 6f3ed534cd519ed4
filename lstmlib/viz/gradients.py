"""Chapter 3's figures: gradient norms against distance in time, the latch sweep, the loss cliff
and the memory of leaky units — each as a plot function, a small-multiples grid (the static page)
and, where a slider helps, an ``ipywidgets`` control (the live notebook).

All numbers come from :mod:`lstmlib.reference` (:mod:`lstmlib.reference.longterm`); this module draws.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..reference.longterm import GAMMA, gradient_norms_by_activation
from ..validate import check_positive_float, check_probability
from .plots import CLASS_COLOURS, small_multiples

__all__ = [
    "plot_gradient_norms",
    "gradient_norm_small_multiples",
    "gradient_norm_widget",
    "plot_success_curves",
    "plot_loss_cliff",
    "leaky_memory",
    "plot_leaky_memory",
    "leaky_small_multiples",
    "leaky_widget",
]

_ACT_COLOURS = {"linear": "0.45", "tanh": CLASS_COLOURS[0], "sigmoid": CLASS_COLOURS[1]}


def _axes(ax, size=(4.5, 3.2)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_gradient_norms(spectral_radius: float, ax=None, *, seq_len: int = 60, activations=("linear", "tanh", "sigmoid"),
                        legend: bool = True):
    """‖∂h_T/∂h_{T−k}‖ against k (log scale) for ``W_h = ρ Q``, with the bound (γρ)^k dashed."""
    rho = check_positive_float("spectral_radius", spectral_radius)
    ax = _axes(ax)
    curves = gradient_norms_by_activation(rho, activations, seq_len=seq_len)
    k = np.arange(seq_len)
    for name, norms in curves.items():
        colour = _ACT_COLOURS.get(name, "k")
        ax.semilogy(k, np.maximum(norms, 1e-300), color=colour, label=name)
        ax.semilogy(k, np.maximum((GAMMA[name] * rho) ** k, 1e-300), color=colour, ls="--", lw=0.8)
    ax.axhline(1.0, color="0.7", lw=0.8)
    ax.set_ylim(1e-12, 1e12)
    ax.set_xlabel(r"distance $T - t$")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|$")
    ax.set_title(rf"$\rho = \sigma_{{\max}}(W_h) = {rho:g}$")
    if legend:
        ax.legend(frameon=False, fontsize=10, title=r"dashed: $(\gamma\rho)^{T-t}$", title_fontsize=10)
    return ax


def gradient_norm_small_multiples(radii: Sequence[float] = (0.5, 0.9, 1.0, 1.2, 2.0, 5.0), ncols: int = 2):
    """The static counterpart of :func:`gradient_norm_widget`: one panel per ρ, two to a row (the
    figure is 9 in wide, so its 10-pt text stays above 9 px at the book's width)."""
    fig, axes = small_multiples(list(radii), lambda ax, r: plot_gradient_norms(r, ax, legend=False), ncols=ncols,
                                panel_size=(4.5, 2.8))
    axes[0].legend(frameon=False)
    return fig, axes


def _slider(draw, name: str, label: str, value: float, lo: float, hi: float, step: float):
    """``ipywidgets.interactive`` around ``draw(value)`` with one float slider."""
    import ipywidgets as widgets

    def show(**kw):
        draw(kw[name])
        plt.show()

    slider = widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=label, continuous_update=False)
    return widgets.interactive(show, **{name: slider})


def gradient_norm_widget():
    """A slider for ρ (0.3 … 6) redrawing :func:`plot_gradient_norms`. Needs ``ipywidgets``."""
    return _slider(plot_gradient_norms, "spectral_radius", "ρ", 0.9, 0.3, 6.0, 0.1)


def plot_success_curves(lengths: Sequence[int], curves: Mapping[str, Sequence[float]], ax=None, *,
                        runs: Mapping[str, int] | None = None, reference: Mapping[str, Sequence[float]] | None = None):
    """Fraction of successful runs against sequence length (log x). ``runs`` adds ± one binomial
    standard error; ``reference`` draws published/earlier numbers as open markers."""
    ax = _axes(ax, (5.5, 3.5))
    for i, (name, success) in enumerate(curves.items()):
        p = np.asarray(success, dtype=float)
        xs = np.asarray(lengths[: len(p)])
        colour = CLASS_COLOURS[i % len(CLASS_COLOURS)]
        ax.plot(xs, p, "o-", color=colour, label=name)
        if runs and name in runs:
            se = np.sqrt(p * (1 - p) / runs[name])
            ax.fill_between(xs, np.clip(p - se, 0, 1), np.clip(p + se, 0, 1), color=colour, alpha=0.15, lw=0)
    for name, success in (reference or {}).items():
        ax.plot(lengths[: len(success)], success, "s", mfc="none", color="0.4", label=name)
    ax.set_xscale("log")
    ax.set_xticks(list(lengths), [str(t) for t in lengths])
    ax.minorticks_off()
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(r"sequence length $T$")
    ax.set_ylabel("fraction of runs that succeed")
    ax.legend(frameon=False, fontsize=10, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_loss_cliff(w: np.ndarray, loss: np.ndarray, grad: np.ndarray, axes=None, *, paths: Mapping | None = None):
    """Left: the loss along one weight, with optional training ``paths`` (name → (w_steps, loss_steps)).
    Right: ``|∂L/∂w|`` on a log scale — the wall of the cliff is where it is huge."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_l, ax_g = axes
    ax_l.plot(w, loss, color="k", lw=1.2)
    for i, (name, (ws, ls)) in enumerate((paths or {}).items()):
        ax_l.plot(ws, ls, "o-", ms=3, lw=0.8, color=CLASS_COLOURS[(i + 1) % len(CLASS_COLOURS)], label=name)
    ax_l.set_xlim(w.min(), w.max())
    ax_l.set_xlabel(r"recurrent weight $w$")
    ax_l.set_ylabel("loss")
    if paths:
        ax_l.legend(frameon=False, fontsize=10)
    ax_g.semilogy(w, np.abs(grad) + 1e-12, color=CLASS_COLOURS[5])
    ax_g.set_xlabel(r"recurrent weight $w$")
    ax_g.set_ylabel(r"$|\partial L / \partial w|$")
    return axes


def leaky_memory(alpha: float, steps: int = 60):
    """Run a leaky unit μ_t = α μ_{t−1} + (1 − α) v_t on a unit impulse (v_0 = 1, then 0) with
    :func:`lstmlib.reference.leaky_forward`; returns (μ_t, ∂μ_T/∂μ_t = α^(T−t)) over ``steps``."""
    from ..reference import leaky_forward

    alpha = check_probability("alpha", alpha)
    v = np.zeros((steps, 1, 1))
    v[0] = 1.0
    mu, _, _ = leaky_forward(v, alpha)
    return mu[:, 0, 0], alpha ** np.arange(steps)


def plot_leaky_memory(alpha: float, ax=None, *, steps: int = 60, legend: bool = True):
    """The trace of an impulse in a leaky unit and its gradient, with the time constant 1/(1 − α)."""
    ax = _axes(ax)
    mu, grad = leaky_memory(alpha, steps)
    ax.plot(mu / max(mu[0], 1e-12), color=CLASS_COLOURS[0], label=r"$\mu_t / \mu_0$ (memory of $v_0$)")
    ax.plot(grad, color=CLASS_COLOURS[1], ls="--", label=r"$\partial \mu_T / \partial \mu_{T-k} = \alpha^k$")
    if alpha < 1:
        tau = 1.0 / (1.0 - alpha)
        if tau < steps:
            ax.axvline(tau, color="0.6", lw=0.8)
            ax.annotate(r"$1/(1-\alpha)$", (tau, 0.9), xytext=(3, 0), textcoords="offset points", fontsize=10)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel(r"steps $k$")
    ax.set_title(rf"$\alpha = {alpha:g}$")
    if legend:
        ax.legend(frameon=False, fontsize=10)
    return ax


def leaky_small_multiples(alphas: Sequence[float] = (0.0, 0.5, 0.8, 0.9, 0.97, 0.99), ncols: int = 2):
    """The static counterpart of :func:`leaky_widget`: one panel per α, two to a row (9 in wide,
    readable at the book's width)."""
    fig, axes = small_multiples(list(alphas), lambda ax, a: plot_leaky_memory(a, ax, legend=False), ncols=ncols,
                                panel_size=(4.5, 2.6))
    axes[0].legend(*axes[0].get_legend_handles_labels(), frameon=False)
    return fig, axes


def leaky_widget():
    """A slider for α redrawing :func:`plot_leaky_memory`. Needs ``ipywidgets``."""
    return _slider(plot_leaky_memory, "alpha", "α", 0.9, 0.0, 1.0, 0.01)
