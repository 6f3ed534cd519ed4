r"""A recursive (tree) network over a sequence, with its hand-written backward pass (NumPy).

Goodfellow, Bengio & Courville (2016, *Deep Learning*, §10.6): instead of a chain, combine the sequence along a
**balanced binary tree**. Leaves embed the inputs; every internal node merges its two children
with the *same* weights; the root summarises the whole sequence:

.. math::

    \ell_t = \tanh(x_t W_\text{leaf} + b_\text{leaf})                         \qquad\text{(leaves)}

    n = \tanh(n_\text{left} W_L + n_\text{right} W_R + b)                     \qquad\text{(each internal node)}

    o = n_\text{root} V + c                                                   \qquad\text{(output)}

Level by level, neighbours are paired (0,1), (2,3), …; an odd node out moves up unchanged.
A sequence of length τ is reduced in ``ceil(log2 τ)`` levels, so the longest path from an input
to the output crosses ``O(log τ)`` nonlinearities instead of the chain RNN's τ — and the
gradient is multiplied by ``O(log τ)`` Jacobians instead of τ (chapter 3).

Parameters are a dict ``{"W_leaf" (I, H), "b_leaf" (H,), "W_L" (H, H), "W_R" (H, H), "b" (H,),
"V" (H, K), "c" (K,)}``; inputs are time-major ``(T, B, I)``.
"""
from __future__ import annotations

import math

import numpy as np

from ..validate import check_float_array, check_positive_int

__all__ = ["init_tree", "tree_depth", "tree_forward", "tree_backward"]

_NAMES = ("W_leaf", "b_leaf", "W_L", "W_R", "b", "V", "c")


def tree_depth(seq_len: int) -> int:
    """Number of merge levels for ``seq_len`` leaves: ``ceil(log2 seq_len)``."""
    seq_len = check_positive_int("seq_len", seq_len)
    return math.ceil(math.log2(seq_len)) if seq_len > 1 else 0


def init_tree(input_size: int, hidden_size: int, output_size: int, rng: np.random.Generator) -> dict:
    """Uniform(−1/√H, 1/√H) weights like the course's RNNs; biases zero."""
    I, H, K = (check_positive_int(n, v) for n, v in
               (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
    s = 1.0 / np.sqrt(H)
    u = lambda *shape: rng.uniform(-s, s, size=shape)  # noqa: E731
    return {"W_leaf": u(I, H), "b_leaf": np.zeros(H), "W_L": u(H, H), "W_R": u(H, H), "b": np.zeros(H),
            "V": u(H, K), "c": np.zeros(K)}


def _check_params(params: dict) -> dict:
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    missing = [n for n in _NAMES if n not in params]
    if missing:
        raise ValueError(f"params: missing {missing}; expected keys {list(_NAMES)}")
    bind = {}
    check_float_array("params['W_leaf']", params["W_leaf"], ("I", "H"), bind=bind)
    check_float_array("params['b_leaf']", params["b_leaf"], ("H",), bind=bind)
    check_float_array("params['W_L']", params["W_L"], ("H", "H"), bind=bind)
    check_float_array("params['W_R']", params["W_R"], ("H", "H"), bind=bind)
    check_float_array("params['b']", params["b"], ("H",), bind=bind)
    check_float_array("params['V']", params["V"], ("H", "K"), bind=bind)
    check_float_array("params['c']", params["c"], ("K",), bind=bind)
    return bind


def tree_forward(x: np.ndarray, params: dict):
    """Reduce ``x`` (T, B, I) along a balanced binary tree: returns ``(logits (B, K), root (B, H), cache)``.

    ``cache["levels"]`` lists the node states level by level, leaves first: shapes
    ``(T, B, H)``, ``(ceil(T/2), B, H)``, …, ``(1, B, H)``.
    """
    bind = _check_params(params)
    x = check_float_array("x", x, ("T", "B", bind["I"]))
    leaves = np.tanh(x @ params["W_leaf"] + params["b_leaf"])  # (T, B, H)
    levels = [leaves]
    while levels[-1].shape[0] > 1:
        prev = levels[-1]
        pairs = prev.shape[0] // 2
        # all merges of one level at once: left children are the even nodes, right the odd ones
        merged = np.tanh(prev[0:2 * pairs:2] @ params["W_L"] + prev[1:2 * pairs:2] @ params["W_R"] + params["b"])
        if prev.shape[0] % 2:  # the odd node out moves up unchanged
            merged = np.concatenate([merged, prev[-1:]], axis=0)
        levels.append(merged)
    root = levels[-1][0]
    logits = root @ params["V"] + params["c"]
    return logits, root, {"x": x, "levels": levels, "params": params}


def tree_backward(d_logits: np.ndarray, cache: dict):
    """Backward of :func:`tree_forward`: returns ``(dx (T, B, I), grads)`` keyed like the params.

    Walking down the tree, a node's gradient ``δ = d_node ⊙ (1 − node²)`` flows to its children as
    ``δ W_Lᵀ`` and ``δ W_Rᵀ``; the shared weights collect ``Σ leftᵀ δ`` and ``Σ rightᵀ δ`` over
    every merge, exactly as an RNN's weights collect over time.
    """
    params, levels, x = cache["params"], cache["levels"], cache["x"]
    root = levels[-1][0]
    d_logits = check_float_array("d_logits", d_logits, (root.shape[0], params["V"].shape[1]))
    grads = {n: np.zeros_like(params[n]) for n in _NAMES}
    grads["V"] = root.T @ d_logits
    grads["c"] = d_logits.sum(axis=0)
    d_level = (d_logits @ params["V"].T)[None]  # (1, B, H)
    for depth in range(len(levels) - 1, 0, -1):
        out, prev = levels[depth], levels[depth - 1]
        pairs = prev.shape[0] // 2
        delta = d_level[:pairs] * (1.0 - out[:pairs] ** 2)  # (pairs, B, H)
        left, right = prev[0:2 * pairs:2], prev[1:2 * pairs:2]
        grads["W_L"] += np.einsum("pbi,pbj->ij", left, delta)
        grads["W_R"] += np.einsum("pbi,pbj->ij", right, delta)
        grads["b"] += delta.sum(axis=(0, 1))
        d_prev = np.zeros_like(prev)
        d_prev[0:2 * pairs:2] = delta @ params["W_L"].T
        d_prev[1:2 * pairs:2] = delta @ params["W_R"].T
        if prev.shape[0] % 2:
            d_prev[-1] = d_level[pairs]
        d_level = d_prev
    delta = d_level * (1.0 - levels[0] ** 2)  # leaves
    grads["W_leaf"] = np.einsum("tbi,tbj->ij", x, delta)
    grads["b_leaf"] = delta.sum(axis=(0, 1))
    return delta @ params["W_leaf"].T, grads
