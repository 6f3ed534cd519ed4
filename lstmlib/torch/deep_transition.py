r"""Chapter 2's deep recurrent networks (PyTorch), in the three ways of Pascanu et al. (2014)
and Goodfellow, Bengio & Courville (2016, §10.5):

(a) **stacked state** — several recurrent layers, each reading the sequence of states of the one
    below: use :class:`lstmlib.torch.RNN` with ``num_layers > 1``;
(b) **deep transition** — an MLP between ``h_{t-1}`` and ``h_t``:
    :class:`DeepTransitionRNN`,

    .. math::  z_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad h_t = \tanh(z_t W_z + b_z),

    which doubles the number of nonlinearities between two consecutive states (and so the
    shortest path between distant steps);
(c) **deep transition with a skip** (Pascanu et al. 2014): ``skip=True`` adds ``h_{t-1} W_s`` inside
    the second tanh, so a path of length one survives next to the deep one.

The read-out heads that turn its states into predictions are in :mod:`lstmlib.torch.heads`.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..validate import check_positive_int

__all__ = ["DeepTransitionRNN"]


class DeepTransitionRNN(nn.Module):
    """A one-layer RNN whose hidden-to-hidden transition is a two-layer MLP (optionally with a skip).

    ``forward(x (T, B, I), h0=None) -> (outputs (T, B, H), h_T (1, B, H))`` like ``nn.RNN``.
    """

    def __init__(self, input_size: int, hidden_size: int, skip: bool = False):
        super().__init__()
        I, H = check_positive_int("input_size", input_size), check_positive_int("hidden_size", hidden_size)
        self.hidden_size = H
        self.skip = bool(skip)
        self.W_x = nn.Parameter(torch.empty(I, H))
        self.W_h = nn.Parameter(torch.empty(H, H))
        self.b = nn.Parameter(torch.zeros(H))
        self.W_z = nn.Parameter(torch.empty(H, H))
        self.b_z = nn.Parameter(torch.zeros(H))
        self.W_s = nn.Parameter(torch.empty(H, H)) if self.skip else None
        bound = 1.0 / math.sqrt(H)
        for p in (self.W_x, self.W_h, self.W_z) + ((self.W_s,) if self.skip else ()):
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        """``(outputs (T, B, H), h_T (1, B, H))`` for ``x`` ``(T, B, I)``, like ``nn.RNN``."""
        if x.dim() != 3 or x.shape[-1] != self.W_x.shape[0]:
            raise ValueError(f"x: expected shape (T, B, {self.W_x.shape[0]}), got {tuple(x.shape)}")
        T, B, _ = x.shape
        if T == 0:
            raise ValueError(f"x: expected a non-empty sequence (T ≥ 1), got shape {tuple(x.shape)}")
        if x.dtype != self.W_x.dtype:
            raise TypeError(f"x: expected dtype {self.W_x.dtype} (the dtype of the model's weights), got {x.dtype}")
        if h0 is not None:
            if tuple(h0.shape) != (1, B, self.hidden_size):
                raise ValueError(f"h0: expected shape (1, {B}, {self.hidden_size}), got {tuple(h0.shape)}")
            if h0.dtype != x.dtype:
                raise TypeError(f"h0: expected dtype {x.dtype} (the dtype of the input), got {h0.dtype}")
        h = x.new_zeros(B, self.hidden_size) if h0 is None else h0[0]
        u = x @ self.W_x + self.b  # (T, B, H): input projection hoisted out of the loop
        outs = []
        for t in range(T):
            z = torch.tanh(u[t] + h @ self.W_h)
            a = z @ self.W_z + self.b_z
            if self.skip:
                a = a + h @ self.W_s
            h = torch.tanh(a)
            outs.append(h)
        out = torch.stack(outs)
        return out, out[-1:]
