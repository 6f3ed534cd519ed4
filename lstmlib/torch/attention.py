r"""Attention: a decoder state asks "which source positions matter now?" (chapters 8–9).

The encoder leaves one vector per source position, the *annotations* (keys) :math:`h_1 … h_S`.
For a decoder state (query) :math:`s`, attention scores every position, turns the scores into
weights with a softmax over the source, and returns the weighted average, the *context*:

.. math::

    e_j = \operatorname{score}(s, h_j), \qquad
    \alpha_j = \frac{\exp e_j}{\sum_{k} \exp e_k}, \qquad
    c = \sum_j \alpha_j h_j .

Two scores:

* **additive** (Bahdanau, Cho & Bengio 2014): :math:`e_j = v^\top \tanh(W_q s + W_k h_j)` — a
  one-hidden-layer network (GNMT uses the same, with 1024 hidden units);
* **multiplicative** (Luong, Pham & Manning 2015, "general"): :math:`e_j = s^\top W h_j` — one
  bilinear form, cheaper: the keys are projected once and each query costs one matrix product.

Padding positions (``mask`` False) get weight exactly 0. Shapes are time-major like the rest of
the library: queries ``(T, B, Dq)`` (or ``(B, Dq)`` for one step), keys ``(S, B, Dk)``; weights
come back as ``(T, B, S)`` — row ``t`` is what target step ``t`` looked at.
"""
from __future__ import annotations

import torch
from torch import nn

from ..validate import check_choice, check_positive_int

__all__ = ["AdditiveAttention", "MultiplicativeAttention", "make_attention"]


def _masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    # scores (B, T, S); mask (S, B) with True at real tokens
    if mask is not None:
        scores = scores.masked_fill(~mask.t().unsqueeze(1), float("-inf"))
    return torch.softmax(scores, dim=-1)


class _Attention(nn.Module):
    def score(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None):
        """Return ``(context, weights)``: ``(T, B, Dk)`` and ``(T, B, S)`` (no ``T`` axis when
        ``query`` is ``(B, Dq)``)."""
        single = query.dim() == 2
        if single:
            query = query.unsqueeze(0)
        if query.dim() != 3 or keys.dim() != 3 or query.shape[1] != keys.shape[1]:
            raise ValueError(
                f"query, keys: expected shapes (T, B, Dq) and (S, B, Dk) with the same B, got "
                f"{tuple(query.shape)} and {tuple(keys.shape)}"
            )
        if query.shape[-1] != self.query_size or keys.shape[-1] != self.key_size:
            raise ValueError(
                f"query, keys: expected shapes (T, B, {self.query_size}) and (S, B, {self.key_size}), got "
                f"{tuple(query.shape)} and {tuple(keys.shape)}"
            )
        if keys.shape[0] == 0:
            raise ValueError(f"keys: expected a non-empty source (S ≥ 1), got shape {tuple(keys.shape)}")
        weight_dtype = next(self.parameters()).dtype
        if not torch.is_autocast_enabled(query.device.type):  # autocast casts for us
            for name, x in (("query", query), ("keys", keys)):
                if x.dtype != weight_dtype:
                    raise TypeError(f"{name}: expected dtype {weight_dtype} (the dtype of the attention's "
                                    f"weights), got {x.dtype}")
        if mask is not None and tuple(mask.shape) != tuple(keys.shape[:2]):
            raise ValueError(f"mask: expected shape {tuple(keys.shape[:2])}, got {tuple(mask.shape)}")
        if mask is not None and mask.dtype != torch.bool:
            raise TypeError(f"mask: expected dtype torch.bool (True at real tokens), got {mask.dtype}")
        scores = self.score(query, keys)                     # (B, T, S)
        weights = _masked_softmax(scores, mask)              # (B, T, S)
        context = torch.bmm(weights, keys.transpose(0, 1))   # (B, T, Dk)
        context, weights = context.transpose(0, 1), weights.transpose(0, 1)  # (T, B, ·)
        if single:
            return context[0], weights[0]
        return context, weights


class AdditiveAttention(_Attention):
    r"""Bahdanau's score :math:`e_j = v^\top \tanh(W_q s + W_k h_j)` with ``hidden_size`` units."""

    def __init__(self, query_size: int, key_size: int, hidden_size: int | None = None):
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
        hidden_size = query_size if hidden_size is None else hidden_size
        self.query_proj = nn.Linear(check_positive_int("query_size", query_size), hidden_size, bias=False)
        self.key_proj = nn.Linear(check_positive_int("key_size", key_size),
                                  check_positive_int("hidden_size", hidden_size))
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def score(self, query, keys):
        q = self.query_proj(query).transpose(0, 1).unsqueeze(2)  # (B, T, 1, A)
        k = self.key_proj(keys).transpose(0, 1).unsqueeze(1)     # (B, 1, S, A)
        return self.v(torch.tanh(q + k)).squeeze(-1)             # (B, T, S)


class MultiplicativeAttention(_Attention):
    r"""Luong's "general" score :math:`e_j = s^\top W h_j`."""

    def __init__(self, query_size: int, key_size: int):
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
        self.key_proj = nn.Linear(check_positive_int("key_size", key_size),
                                  check_positive_int("query_size", query_size), bias=False)

    def score(self, query, keys):
        k = self.key_proj(keys).transpose(0, 1)                  # (B, S, Dq)
        return torch.bmm(query.transpose(0, 1), k.transpose(1, 2))  # (B, T, S)


def make_attention(kind: str, query_size: int, key_size: int, hidden_size: int | None = None) -> _Attention:
    """``kind`` in {"additive", "multiplicative"}; ``hidden_size`` is the additive score's width
    (default ``query_size``) and is refused for the multiplicative score, which has none."""
    check_choice("attention", kind, ["additive", "multiplicative"])
    if kind == "additive":
        return AdditiveAttention(query_size, key_size, hidden_size)
    if hidden_size is not None:
        raise ValueError(f"hidden_size: expected None for attention='multiplicative' (the bilinear score "
                         f"has no hidden layer), got {hidden_size!r}")
    return MultiplicativeAttention(query_size, key_size)
