"""Finite-difference gradient checks, used by the tests and by the chapters.

Central differences, in float64:

    ∂L/∂θ_k ≈ (L(θ + ε e_k) − L(θ − ε e_k)) / (2ε)     error O(ε²) + round-off O(u·‖L‖/ε)

The two error terms balance near ε = u^{1/3} ≈ 6e−6 (u = 2.2e−16, float64), hence the default
ε = 1e−5: a correct backward pass then agrees to a relative error of about 1e−8 (at ε = 1e−6
round-off alone reaches 1e−6 on small entries), and a wrong one (a missing term, a transposed
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


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
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


def relative_error(analytic: np.ndarray, numeric: np.ndarray, scale: float | None = None) -> float:
    """``max_k |a_k − n_k| / max(|a_k|, |n_k|, 1e−3 · scale)``, ``scale = max_j |n_j|`` unless given.

    The floor stops an entry that is almost zero (say 1e−9, where finite differences carry an
    absolute round-off of ~1e−11) from dominating: such an entry is compared against the gradient's
    overall scale instead. An array that is zero in both is an exact match.
    """
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"analytic: expected shape {numeric.shape}, got {analytic.shape}")
    if scale is None:
        scale = max(np.abs(numeric).max(initial=0.0), np.abs(analytic).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    denominator = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-3 * scale)
    return float((np.abs(analytic - numeric) / denominator).max())


def gradcheck(f, params: dict, grads: dict, eps: float = 1e-5) -> float:
    """Largest relative error between ``grads`` and finite differences of ``f()`` over ``params``.

    ``f()`` takes no argument: it computes the scalar loss from the arrays in ``params``, which
    are perturbed in place. Every key of ``grads`` must be a key of ``params``. The floor of
    :func:`relative_error` uses the largest gradient entry over all arrays, so a parameter whose
    whole gradient is tiny (a first layer under a saturated second) is judged on the loss's scale.
    """
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(f"params, grads: expected dicts, got {type(params).__name__}, {type(grads).__name__}")
    missing = sorted(set(grads) - set(params))
    if missing:
        raise ValueError(f"grads: expected keys among params {sorted(params)}, got extra {missing}")
    numeric = {name: numerical_gradient(lambda: f(), params[name], eps) for name in grads}
    scale = max(max(np.abs(numeric[k]).max(), np.abs(np.asarray(grads[k])).max()) for k in grads) if grads else 0.0
    return max((relative_error(grads[k], numeric[k], scale) for k in grads), default=0.0)
