"""Activation functions and their derivatives, written so that they never overflow.

    σ(x) = 1 / (1 + e^{−x}) = (1 + tanh(x/2)) / 2        σ'(x) = σ(x) (1 − σ(x))
    tanh(x)                                             tanh'(x) = 1 − tanh(x)²
    relu(x) = max(0, x)                                 relu'(x) = [x > 0]
    softmax(x)_k = e^{x_k − m} / Σ_j e^{x_j − m},  m = max_j x_j

The recurrent cells reuse the forward value in the backward pass (``*_grad_from_output``): the
derivative of σ and tanh is a function of the output, so nothing else has to be cached.

Public functions validate their argument; the ``_``-prefixed kernels below are what the cells
call inside their time loops, where inputs are already trusted and a buffer may be reused.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_float_array

__all__ = [
    "sigmoid", "tanh", "relu", "sigmoid_grad_from_output", "tanh_grad_from_output", "relu_grad",
    "softmax", "log_softmax", "ACTIVATIONS",
]


def _sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1/(1+exp(-x)) overflows exp for x < -709 (float64) or -88 (float32); the tanh identity
    # is bounded for every x, and one tanh is cheaper than exp + divide + select.
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)  # the shift keeps exp() ≤ 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid σ(x) = 1/(1 + e^{−x}), computed as (1 + tanh(x/2))/2 (no overflow)."""
    return _sigmoid(check_float_array("x", x))


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, tanh(x) = 2σ(2x) − 1."""
    return np.tanh(check_float_array("x", x))


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit max(0, x)."""
    return np.maximum(check_float_array("x", x), 0)


def sigmoid_grad_from_output(y: np.ndarray) -> np.ndarray:
    """σ'(x) written with y = σ(x): y (1 − y)."""
    y = check_float_array("y", y)
    return y * (1 - y)


def tanh_grad_from_output(y: np.ndarray) -> np.ndarray:
    """tanh'(x) written with y = tanh(x): 1 − y²."""
    y = check_float_array("y", y)
    return 1 - y * y


def relu_grad(x: np.ndarray) -> np.ndarray:
    """relu'(x) = 1 where x > 0 else 0 (the subgradient 0 is used at x = 0)."""
    x = check_float_array("x", x)
    return (x > 0).astype(x.dtype)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_k = e^{x_k} / Σ_j e^{x_j} along ``axis``, shifted by the max so exp never overflows."""
    return np.exp(log_softmax(x, axis))


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_k = x_k − m − log Σ_j e^{x_j − m} with m = max_j x_j."""
    x = check_float_array("x", x)
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis: expected an int in [{-x.ndim}, {x.ndim - 1}], got {axis!r}")
    return _log_softmax(x, int(axis))


def _sigmoid_prime(x):
    return sigmoid_grad_from_output(sigmoid(x))


def _tanh_prime(x):
    return tanh_grad_from_output(tanh(x))


#: name → (f, f'), both functions of the pre-activation x; chapter 1 plots them side by side.
ACTIVATIONS = {
    "sigmoid": (sigmoid, _sigmoid_prime),
    "tanh": (tanh, _tanh_prime),
    "relu": (relu, relu_grad),
}
