"""Feed-forward pieces: dense layer, activation layer, softmax cross-entropy, embedding.

Every layer is a pair ``*_forward(...) -> (y, cache)`` / ``*_backward(dy, cache) -> gradients``:

    dense        y = x W + b                      ∂L/∂x = δ Wᵀ,  ∂L/∂W = xᵀ δ,  ∂L/∂b = Σ_n δ_n
    activation   y = φ(x)                         ∂L/∂x = δ ⊙ φ'(x)
    softmax CE   L = −(1/N) Σ_n log softmax(z_n)_{t_n}      ∂L/∂z = (softmax(z) − onehot(t)) / N
    embedding    y = E[ids]                       ∂L/∂E[v] = Σ_{n: ids_n = v} δ_n

(row-vector convention: a batch of inputs is the rows of x, so x W rather than W x).
"""
from __future__ import annotations

import numpy as np

from ..validate import check_array, check_choice, check_float_array
from ._common import check_same_dtype
from .activations import _log_softmax, _sigmoid

__all__ = [
    "dense_forward", "dense_backward", "activation_forward", "activation_backward",
    "softmax_cross_entropy", "softmax_cross_entropy_backward", "embedding_forward", "embedding_backward",
]


def dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Affine layer y = x W + b for x of shape (..., I), W (I, O), b (O,); returns (y, cache)."""
    bind = {}
    W = check_float_array("W", W, ("I", "O"), bind=bind)
    b = check_float_array("b", b, ("O",), bind=bind)
    x = check_float_array("x", x, ndim=None)
    if x.ndim < 1:
        raise ValueError(f"x: expected shape (..., {bind['I']}), got a 0-dimensional array")
    check_float_array("x", x, (None,) * (x.ndim - 1) + ("I",), bind=bind)
    check_same_dtype("x", x, W=W, b=b)
    return x @ W + b, (x, W)


def dense_backward(dy: np.ndarray, cache):
    """Gradients of the affine layer: returns (dx, {"W": dW, "b": db})."""
    x, W = cache
    dy = check_float_array("dy", dy, x.shape[:-1] + (W.shape[1],))
    x2, dy2 = x.reshape(-1, x.shape[-1]), dy.reshape(-1, dy.shape[-1])  # fold leading axes into N
    return dy @ W.T, {"W": x2.T @ dy2, "b": dy2.sum(axis=0)}


def activation_forward(name: str, x: np.ndarray):
    """y = φ(x) for φ in {"sigmoid", "tanh", "relu"}; the cache keeps what φ' needs."""
    check_choice("name", name, ("sigmoid", "tanh", "relu"))
    x = check_float_array("x", x)
    if name == "sigmoid":
        y = _sigmoid(x)
        return y, (name, y)  # σ' = y(1 − y): keep the output
    if name == "tanh":
        y = np.tanh(x)
        return y, (name, y)  # tanh' = 1 − y²: keep the output
    return np.maximum(x, 0), (name, x)  # relu' = [x > 0]: keep the input


def activation_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dx = dy ⊙ φ'(x), with φ' taken from the cached output (σ, tanh) or input (relu)."""
    name, saved = cache
    dy = check_float_array("dy", dy, saved.shape)
    if name == "sigmoid":
        return dy * saved * (1 - saved)
    if name == "tanh":
        return dy * (1 - saved * saved)
    return dy * (saved > 0)


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy L = −(1/N) Σ_n log softmax(z_n)[t_n] of logits (N, K), targets int (N,)."""
    bind = {}
    logits = check_float_array("logits", logits, ("N", "K"), bind=bind)
    targets = check_array("targets", targets, ("N",), dtype="int", bind=bind)
    if targets.min() < 0 or targets.max() >= bind["K"]:
        bad = targets[(targets < 0) | (targets >= bind["K"])][0]
        raise ValueError(f"targets: expected class ids in [0, {bind['K'] - 1}], got {bad}")
    log_probs = _log_softmax(logits, axis=-1)
    n = np.arange(len(targets))
    loss = -log_probs[n, targets].mean()
    return loss, (log_probs, targets)


def softmax_cross_entropy_backward(cache, dloss: float = 1.0) -> np.ndarray:
    """∂L/∂z = dloss · (softmax(z) − onehot(t)) / N."""
    log_probs, targets = cache
    dlogits = np.exp(log_probs)
    dlogits[np.arange(len(targets)), targets] -= 1
    dlogits *= dloss / len(targets)
    return dlogits


def embedding_forward(ids: np.ndarray, E: np.ndarray):
    """Look up rows of the embedding table: y = E[ids], ids int of any shape, E (V, D)."""
    E = check_float_array("E", E, ("V", "D"))
    ids = check_array("ids", ids, dtype="int")
    if ids.min() < 0 or ids.max() >= E.shape[0]:
        bad = ids[(ids < 0) | (ids >= E.shape[0])][0]
        raise ValueError(f"ids: expected token ids in [0, {E.shape[0] - 1}], got {bad}")
    return E[ids], (ids, E.shape)


def embedding_backward(dy: np.ndarray, cache) -> dict:
    """∂L/∂E: scatter-add each row of dy into the row of E it was read from."""
    ids, E_shape = cache
    dy = check_float_array("dy", dy, ids.shape + (E_shape[1],))
    dE = np.zeros(E_shape, dtype=dy.dtype)
    np.add.at(dE, ids.ravel(), dy.reshape(-1, E_shape[1]))  # repeated ids must accumulate
    return {"E": dE}
