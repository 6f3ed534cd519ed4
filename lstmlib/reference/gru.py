"""The GRU cell and its unrolled layer, with the reset gate before or after the recurrent product.

Book notation (Cho et al. 2014; gate blocks in the order r, z, g = PyTorch's r, z, n):

    r_t = σ(x_t W_xr + b_xr + h_{t−1} W_hr + b_hr)        reset gate
    z_t = σ(x_t W_xz + b_xz + h_{t−1} W_hz + b_hz)        update gate
    g_t = tanh(x_t W_xg + b_xg + r_t ⊙ (h_{t−1} W_hg + b_hg))   reset AFTER  (PyTorch, cuDNN)
    g_t = tanh(x_t W_xg + b_xg + (r_t ⊙ h_{t−1}) W_hg + b_hg)   reset BEFORE (Cho et al. 2014)
    h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ g_t

Reset-after lets the hidden product h_{t−1} W_h be done for all three blocks at once (one matmul
per step instead of two), which is why cuDNN chose it. PyTorch concordance: W_x = weight_ih_l0ᵀ,
W_h = weight_hh_l0ᵀ, b_x = bias_ih_l0, b_h = bias_hh_l0.

Backward, with δ the gradient w.r.t. a pre-activation and u_t = h_{t−1} W_hg + b_hg (after):

    δg = ∂h ⊙ (1 − z) ⊙ (1 − g²)      δz = ∂h ⊙ (h_{t−1} − g) ⊙ z(1 − z)
    after:  δr = δg ⊙ u_t ⊙ r(1 − r);  the hidden side of block g receives δg ⊙ r
    before: ∂(r ⊙ h_{t−1}) = δg W_hgᵀ;  δr = ∂(r ⊙ h_{t−1}) ⊙ h_{t−1} ⊙ r(1 − r)
    ∂h_{t−1} = ∂h ⊙ z + (hidden-side δ) W_hᵀ   [+ ∂(r ⊙ h_{t−1}) ⊙ r before]
"""
from __future__ import annotations

import numpy as np

from ._common import (
    backward_one_step, check_d_out, check_recurrent_params, check_sequence, check_state, check_step_input,
    final_grad, input_grad, project_inputs, reject_unexpected_keys, sum_over_time, uniform_params, zeros_state,
)
from .activations import _sigmoid

__all__ = ["init_gru", "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward"]


def init_gru(input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64) -> dict:
    """W_x (I, 3H), W_h (H, 3H), b_x, b_h (3H,) from Uniform(−1/√H, 1/√H), as PyTorch does.

    Both placements of the reset gate use the same parameters; ``reset_after`` is an argument of
    :func:`gru_forward`, not of the initialisation.
    """
    return uniform_params(input_size, hidden_size, 3, rng, ("b_x", "b_h"), dtype)


def _check_reset_after(reset_after):
    if not isinstance(reset_after, (bool, np.bool_)):
        raise TypeError(f"reset_after: expected a bool, got {type(reset_after).__name__} {reset_after!r}")


def _check(params, reset_after):
    _check_reset_after(reset_after)
    I, H = check_recurrent_params(params, 3, biases=("b_x", "b_h"))
    reject_unexpected_keys(params, ("W_x", "W_h", "b_x", "b_h"))
    return I, H


def gru_forward(x: np.ndarray, params: dict, h0=None, reset_after: bool = True):
    """Unroll over x (T, B, I): returns (out (T, B, H), h_T, cache); cache["r"], ["z"], ["g"] (T, B, H)."""
    I, H = _check(params, reset_after)
    T, B = check_sequence(x, I, params["W_x"].dtype)
    h0 = zeros_state(check_state("h0", h0, B, H, x.dtype), B, H, x.dtype)
    W_h, b_h = params["W_h"], params["b_h"]
    gates = project_inputs(x, params["W_x"], params["b_x"])  # (T, B, 3H) → [r z g] in place
    hidden = np.empty_like(gates)  # after: h_{t−1} W_h + b_h;  before: its r,z part and (r⊙h) W_hg + b_hg
    reset_h = np.empty((T, B, H), x.dtype) if not reset_after else None
    out = np.empty((T, B, H), x.dtype)
    for t in range(T):
        h_prev = h0 if t == 0 else out[t - 1]
        rz, g, u = gates[t, :, :2 * H], gates[t, :, 2 * H:], hidden[t, :, 2 * H:]
        if reset_after:
            np.matmul(h_prev, W_h, out=hidden[t])
            hidden[t] += b_h
            rz += hidden[t, :, :2 * H]
            _sigmoid(rz, out=rz)
            g += rz[:, :H] * u
        else:
            np.matmul(h_prev, W_h[:, :2 * H], out=hidden[t, :, :2 * H])
            hidden[t, :, :2 * H] += b_h[:2 * H]
            rz += hidden[t, :, :2 * H]
            _sigmoid(rz, out=rz)
            np.multiply(rz[:, :H], h_prev, out=reset_h[t])
            np.matmul(reset_h[t], W_h[:, 2 * H:], out=u)
            u += b_h[2 * H:]
            g += u
        np.tanh(g, out=g)
        z = rz[:, H:]
        np.subtract(h_prev, g, out=out[t])  # h_t = g + z ⊙ (h_{t−1} − g)
        out[t] *= z
        out[t] += g
    cache = {"x": x, "h0": h0, "gates": gates, "hidden": hidden, "reset_h": reset_h, "h": out,
             "params": params, "reset_after": reset_after}
    cache.update({name: gates[:, :, k * H:(k + 1) * H] for k, name in enumerate("rzg")})
    out = out.copy()  # the backward reads cache["h"]: an in-place edit of the output must not reach it
    return out, out[-1], cache


def gru_backward(d_out: np.ndarray, cache: dict, d_final=None):
    """Returns (dx (T, B, I), dh0 (B, H), grads {"W_x", "W_h", "b_x", "b_h"})."""
    x, gates, hidden, out = cache["x"], cache["gates"], cache["hidden"], cache["h"]
    params, reset_after, h0 = cache["params"], cache["reset_after"], cache["h0"]
    T, B, H = out.shape
    d_out = check_d_out(d_out, (T, B, H), out.dtype)
    dh = final_grad(d_final, B, H, out.dtype)
    W_h = params["W_h"]
    # contiguous transposes: BLAS runs ~1.5x faster on them than on strided views
    W_h_T, W_hrz_T, W_hg_T = (np.ascontiguousarray(w.T) for w in (W_h, W_h[:, :2 * H], W_h[:, 2 * H:]))
    d_input_side = np.empty_like(gates)  # δ[r z g] of the pre-activations: what x_t W_x + b_x receives
    # after: the hidden product's block g receives δg ⊙ r, not δg; before: the same as the input side
    d_hidden_side = np.empty_like(gates) if reset_after else d_input_side
    for t in range(T - 1, -1, -1):
        dh += d_out[t]
        h_prev = h0 if t == 0 else out[t - 1]
        r, z, g = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
        dr, dz, dg = d_input_side[t, :, :H], d_input_side[t, :, H:2 * H], d_input_side[t, :, 2 * H:]
        np.subtract(1.0, z, out=dg)
        dg *= dh
        dg *= 1 - g * g
        np.subtract(h_prev, g, out=dz)
        dz *= dh
        dz *= z * (1 - z)
        dh *= z  # the direct path h_t = z ⊙ h_{t−1} + …
        if reset_after:
            np.multiply(dg, hidden[t, :, 2 * H:], out=dr)
            dr *= r * (1 - r)
            d_hidden_side[t, :, :2 * H] = d_input_side[t, :, :2 * H]
            np.multiply(dg, r, out=d_hidden_side[t, :, 2 * H:])
            dh += d_hidden_side[t] @ W_h_T
        else:
            d_reset_h = dg @ W_hg_T  # ∂(r ⊙ h_{t−1})
            np.multiply(d_reset_h, h_prev, out=dr)
            dr *= r * (1 - r)
            dh += d_reset_h * r
            dh += d_input_side[t, :, :2 * H] @ W_hrz_T
    grads = {"W_x": sum_over_time(x, d_input_side), "b_x": d_input_side.sum(axis=(0, 1)),
             "b_h": d_hidden_side.sum(axis=(0, 1))}
    if reset_after:
        grads["W_h"] = sum_over_time(out, d_hidden_side, h0)
    else:
        grads["W_h"] = np.concatenate(
            [sum_over_time(out, d_input_side[:, :, :2 * H], h0),
             sum_over_time(cache["reset_h"], d_input_side[:, :, 2 * H:])], axis=1)
    return input_grad(d_input_side, params["W_x"]), dh, grads


def gru_step_forward(x_t: np.ndarray, h_prev: np.ndarray, params: dict, reset_after: bool = True):
    """One GRU step (equations in the module docstring): returns (h_t, cache) with cache["r"], ["z"], ["g"] (B, H)."""
    check_step_input(x_t)
    _, h, seq_cache = gru_forward(x_t[None], params, h_prev, reset_after)
    cache = {name: seq_cache[name][0] for name in ("r", "z", "g")}
    cache.update(h=h, sequence=seq_cache)
    return h, cache


def gru_step_backward(dh: np.ndarray, cache: dict):
    """Backward of one step: returns (dx_t, dh_prev, grads)."""
    return backward_one_step(gru_backward, dh, "dh", cache, cache["h"])
