r"""Additive (Bahdanau) attention for one decoder step, in NumPy: the ground truth for chapter 8.

Row-vector form of Bahdanau et al. (2015), eq. (6) of the book's chapter 8:

    e[b, j]   = tanh(query[b] W_q + keys[j, b] W_k) v          (B, S)  scores
    α[b, :]   = softmax_j(e[b, :]), with α[b, j] = 0 where mask[j, b] is False (padding)
    ctx[b]    = Σ_j α[b, j] keys[j, b]                         (B, Dk)

Keys are time-major like every sequence in the course: ``keys`` (S, B, Dk). The softmax
subtracts each row's maximum, so scores of any size give finite weights.
PyTorch concordance (:class:`lstmlib.torch.attention.AdditiveAttention`): ``W_q`` =
``query_proj.weight``ᵀ, ``W_k`` = ``key_proj.weight``ᵀ (with ``key_proj.bias`` = 0), ``v`` =
``v.weight[0]``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["additive_attention"]


def additive_attention(query: np.ndarray, keys: np.ndarray, W_q: np.ndarray, W_k: np.ndarray,
                       v: np.ndarray, mask: np.ndarray | None = None):
    """One step of additive attention: returns ``(context (B, Dk), weights (B, S))``.

    ``query`` (B, Dq), ``keys`` (S, B, Dk), ``W_q`` (Dq, A), ``W_k`` (Dk, A), ``v`` (A,),
    ``mask`` (S, B) bool, True at real tokens (``None``: no padding). Every row needs at least
    one real token."""
    query, keys = np.asarray(query), np.asarray(keys)
    if query.ndim != 2 or keys.ndim != 3 or keys.shape[1] != query.shape[0]:
        raise ValueError(f"query, keys: expected shapes (B, Dq) and (S, B, Dk), got {query.shape} and {keys.shape}")
    S, B, _ = keys.shape
    if mask is None:
        mask = np.ones((S, B), dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (S, B):
        raise ValueError(f"mask: expected shape ({S}, {B}), got {mask.shape}")
    if not mask.any(axis=0).all():
        raise ValueError("mask: every sentence needs at least one real token (a column of mask is all False)")
    hidden = np.tanh(query[None] @ W_q + keys @ W_k)          # (S, B, A)
    scores = np.where(mask.T, (hidden @ v).T, -np.inf)        # (B, S); padding can never be chosen
    shifted = scores - scores.max(axis=1, keepdims=True)      # exp() ≤ 1: no overflow
    weights = np.exp(shifted)
    weights /= weights.sum(axis=1, keepdims=True)
    context = np.einsum("bs,sbd->bd", weights, keys)          # (B, Dk)
    return context, weights
