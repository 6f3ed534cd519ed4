"""Finite-difference gradient checks, used by the tests and by the chapters.

Central differences, in float64:

    ∂L/∂θ_k ≈ (L(θ + ε e_k) − L(θ − ε e_k)) / (2ε)     error O(ε²) + round-off O(u·|L|/ε)

With ε = 1e−6 both terms are ≈ 1e−10 for losses of order one, so a correct backward pass
agrees to a relative error far below 1e−6 and a wrong one (a missing term, a transposed
weight) is off by order one.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..validate import check_float_array, check_positive_float

__all__ = ["numerical_gradient", "relative_error", "gradcheck"]


def _as_loss_of(f, x):
    """Accept f(x) or f() (a closure that reads x in place)."""
    try:
        takes_argument = len(inspect.signature(f).parameters) > 0
    except (TypeError, ValueError):  # builtins without a signature
        takes_argument = True
    return (lambda: f(x)) if takes_argument else f


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f`` with respect to the float64 array ``x``.

    ``x`` is perturbed in place one entry at a time (and restored), so ``f`` may be ``f(x)`` or
    a closure ``f()`` that reads ``x``.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable returning a scalar loss, got {type(f).__name__}")
    x = check_float_array("x", x)
    if x.dtype != np.float64:
        raise TypeError(f"x: expected a float64 array (finite differences need it), got dtype {x.dtype}")
    eps = check_positive_float("eps", eps)
    loss = _as_loss_of(f, x)
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)  # views: writing flat writes x
    if not np.shares_memory(flat, x):
        raise ValueError("x: expected a contiguous array that can be perturbed in place, got a strided view")
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        up = float(loss())
        flat[k] = saved - eps
        down = float(loss())
        flat[k] = saved
        flat_grad[k] = (up - down) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max_k |a_k − n_k| / max(|a_k|, |n_k|, 1e−3 · max_j |n_j|).

    The floor relative to the array's own scale stops the round-off of an entry that is almost
    zero (say 1e−9) from dominating; an array that is zero in both is an exact match.
    """
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic: expected shape {numeric.shape}, got {analytic.shape}")
    scale = 1e-3 * max(np.abs(numeric).max(initial=0.0), np.abs(analytic).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    denominator = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), scale)
    return float((np.abs(analytic - numeric) / denominator).max())


def gradcheck(f, params: dict, grads: dict, eps: float = 1e-6) -> float:
    """Largest relative error between ``grads`` and finite differences of ``f()`` over ``params``.

    ``f()`` takes no argument: it computes the scalar loss from the arrays in ``params``, which
    are perturbed in place. Every key of ``grads`` must be a key of ``params``.
    """
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(f"params, grads: expected dicts, got {type(params).__name__}, {type(grads).__name__}")
    missing = sorted(set(grads) - set(params))
    if missing:
        raise ValueError(f"grads: expected keys among params {sorted(params)}, got extra {missing}")
    worst = 0.0
    for name, analytic in grads.items():
        numeric = numerical_gradient(lambda: f(), params[name], eps)
        worst = max(worst, relative_error(analytic, numeric))
    return worst
