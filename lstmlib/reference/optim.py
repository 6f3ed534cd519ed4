"""Optimisers that update a parameter dict in place, and clipping by global norm::

    SGD with momentum:  v ← μ v + g;             θ ← θ − η v
    Adam:               m ← β₁ m + (1 − β₁) g;   s ← β₂ s + (1 − β₂) g²
                        θ ← θ − η m̂ / (√ŝ + ε),  m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)
    clipping:           g ← g · min(1, max_norm / ‖g‖),  ‖g‖ = √(Σ over every array of Σ g²)

Clipping by the norm of all gradients together keeps the update's direction and only bounds its
length — the remedy for exploding gradients in RNNs (Pascanu et al. 2013).
"""
from __future__ import annotations

import numpy as np

from ..validate import check_float_array, check_positive_float, check_probability

__all__ = ["SGD", "Adam", "clip_grad_norm"]


def _check_grads(params: dict, grads) -> dict:
    if not isinstance(grads, dict):
        raise TypeError(f"grads: expected a dict keyed like params, got {type(grads).__name__}")
    unknown = sorted(set(grads) - set(params))
    if unknown:
        raise ValueError(f"grads: expected keys among params {sorted(params)}, got unknown {unknown}")
    for name, g in grads.items():
        check_float_array(f"grads['{name}']", g, params[name].shape)
    return grads


class _Optimizer:
    def __init__(self, params: dict, lr: float):
        if not isinstance(params, dict):
            raise TypeError(f"params: expected a dict of numpy arrays, got {type(params).__name__}")
        for name, p in params.items():
            check_float_array(f"params['{name}']", p)
        self.params, self.lr = params, check_positive_float("lr", lr)


class SGD(_Optimizer):
    """Stochastic gradient descent, with heavy-ball momentum μ (0 = plain SGD), PyTorch's form."""

    def __init__(self, params: dict, lr: float, momentum: float = 0.0):
        super().__init__(params, lr)
        self.momentum = check_probability("momentum", momentum)
        self.velocity = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads: dict) -> None:
        for name, g in _check_grads(self.params, grads).items():
            v = self.velocity[name]
            v *= self.momentum
            v += g
            self.params[name] -= self.lr * v


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, PyTorch's defaults."""

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas: expected a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(check_probability(f"betas[{k}]", b) for k, b in enumerate(betas))
        self.eps = check_positive_float("eps", eps)
        self.t = 0
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.s = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads: dict) -> None:
        grads = _check_grads(self.params, grads)
        self.t += 1
        beta1, beta2 = self.betas
        for name, g in grads.items():
            m, s = self.m[name], self.s[name]
            m *= beta1
            m += (1 - beta1) * g
            s *= beta2
            s += (1 - beta2) * g * g
            m_hat = m / (1 - beta1 ** self.t)
            s_hat = s / (1 - beta2 ** self.t)
            self.params[name] -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


def clip_grad_norm(grads: dict, max_norm: float):
    """Scale every gradient by min(1, max_norm / ‖g‖); returns (clipped copy, ‖g‖ before clipping)."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads: expected a dict of numpy arrays, got {type(grads).__name__}")
    max_norm = check_positive_float("max_norm", max_norm)
    total_norm = float(np.sqrt(sum(float((check_float_array(f"grads['{k}']", g) ** 2).sum()) for k, g in grads.items())))
    scale = min(1.0, max_norm / (total_norm + 1e-12))
    return {name: g * scale for name, g in grads.items()}, total_norm
