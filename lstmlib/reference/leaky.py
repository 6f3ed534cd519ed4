"""The leaky unit: an exponential moving average, the simplest cell with a tunable memory.

Book notation (Goodfellow et al. §10.9.1):

    μ_t = α μ_{t−1} + (1 − α) v_t          α ∈ [0, 1] a scalar or one value per unit (H,)

α near 1 remembers for about 1/(1 − α) steps; α = 0 forgets at once. The LSTM's forget gate is
this α made input-dependent (chapter 4). Backward:

    ∂μ_{t−1} = α ∂μ_t,   ∂v_t = (1 − α) ∂μ_t,   ∂α = Σ_t (μ_{t−1} − v_t) ⊙ ∂μ_t
"""
from __future__ import annotations

from numbers import Real

import numpy as np

from ..validate import check_float_array, check_probability
from ._common import backward_one_step, check_d_out, check_state, final_grad, zeros_state

__all__ = ["leaky_step_forward", "leaky_step_backward", "leaky_forward", "leaky_backward"]


def _check_alpha(alpha, H: int, dtype):
    if isinstance(alpha, Real) and not isinstance(alpha, bool):
        return np.asarray(check_probability("alpha", alpha), dtype=dtype)
    alpha = check_float_array("alpha", alpha, (H,))
    if alpha.min() < 0 or alpha.max() > 1:
        raise ValueError(f"alpha: expected values in [0, 1], got range [{alpha.min()}, {alpha.max()}]")
    return alpha


def leaky_forward(v: np.ndarray, alpha, mu0=None):
    """Run the leaky unit over v (T, B, H): returns (mu (T, B, H), mu_T, cache)."""
    v = check_float_array("v", v, ("T", "B", "H"))
    T, B, H = v.shape
    alpha = _check_alpha(alpha, H, v.dtype)
    mu0 = zeros_state(check_state("mu0", mu0, B, H, v.dtype), B, H, v.dtype)
    mu = (1 - alpha) * v  # the input part of every step, hoisted
    mu[0] += alpha * mu0
    for t in range(1, T):
        mu[t] += alpha * mu[t - 1]
    cache = {"v": v, "alpha": alpha, "mu0": mu0, "mu": mu}
    mu = mu.copy()  # the backward reads cache["mu"]: an in-place edit of the output must not reach it
    return mu, mu[-1], cache


def leaky_backward(d_out: np.ndarray, cache: dict, d_final=None):
    """Returns (dv (T, B, H), dmu0 (B, H), {"alpha": dalpha}) with dalpha shaped like alpha."""
    v, alpha, mu0, mu = cache["v"], cache["alpha"], cache["mu0"], cache["mu"]
    T, B, H = mu.shape
    d_out = check_d_out(d_out, (T, B, H), mu.dtype)
    d_mu = np.empty_like(mu)  # total ∂L/∂μ_t
    carry = final_grad(d_final, B, H, mu.dtype)
    for t in range(T - 1, -1, -1):
        d_mu[t] = d_out[t] + carry
        carry = alpha * d_mu[t]
    mu_prev = np.concatenate([mu0[None], mu[:-1]])
    d_alpha = ((mu_prev - v) * d_mu).sum(axis=(0, 1))
    return (1 - alpha) * d_mu, carry, {"alpha": d_alpha.sum() if alpha.ndim == 0 else d_alpha}


def leaky_step_forward(v_t: np.ndarray, mu_prev: np.ndarray, alpha):
    """One step μ_t = α μ_{t−1} + (1 − α) v_t for v_t (B, H): returns (mu_t, cache)."""
    v_t = check_float_array("v_t", v_t, ("B", "H"))
    mu_prev = check_float_array("mu_prev", mu_prev, v_t.shape)
    _, mu, seq_cache = leaky_forward(v_t[None], alpha, mu_prev)
    return mu, {"mu": mu, "sequence": seq_cache}


def leaky_step_backward(dmu: np.ndarray, cache: dict):
    """Backward of one step: returns (dv_t, dmu_prev, {"alpha": dalpha})."""
    return backward_one_step(leaky_backward, dmu, "dmu", cache, cache["mu"])
