"""The vanilla (Elman) RNN cell and its unrolled layer, with backpropagation through time.

Book notation (Goodfellow, Bengio & Courville 2016, §10.2, call them U, W, b; here W_x = U, W_h = W),
row vectors:

    a_t = x_t W_x + h_{t−1} W_h + b          (B, H)
    h_t = tanh(a_t)
    y_t = h_t V + c                          (the read-out is a dense layer: layers.dense_forward)

Backward through time, with δ_t = ∂L/∂a_t:

    δ_t = (∂L/∂h_t from the output + δ_{t+1} W_hᵀ) ⊙ (1 − h_t²)
    ∂W_x = Σ_t x_tᵀ δ_t,   ∂W_h = Σ_t h_{t−1}ᵀ δ_t,   ∂b = Σ_t Σ_batch δ_t,   ∂x_t = δ_t W_xᵀ

The factor W_hᵀ diag(1 − h_t²) repeated T times is why the gradient vanishes or explodes
(chapter 3). PyTorch concordance: W_x = weight_ih_l0ᵀ, W_h = weight_hh_l0ᵀ, b = bias_ih + bias_hh.
"""
from __future__ import annotations

import numpy as np

from ._common import (
    backward_one_step, check_d_out, check_recurrent_params, check_sequence, check_state, check_step_input,
    final_grad, input_grad, project_inputs, reject_unexpected_keys, sum_over_time, uniform_params, zeros_state,
)

__all__ = ["init_rnn", "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]


def init_rnn(input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64) -> dict:
    """W_x (I, H), W_h (H, H), b (H,) from Uniform(−1/√H, 1/√H), as PyTorch does."""
    return uniform_params(input_size, hidden_size, 1, rng, ("b",), dtype)


def _check(params):
    I, H = check_recurrent_params(params, 1)
    reject_unexpected_keys(params, ("W_x", "W_h", "b"))
    return I, H


def rnn_forward(x: np.ndarray, params: dict, h0=None):
    """Unroll over x (T, B, I): returns (out (T, B, H), h_T, cache)."""
    I, H = _check(params)
    T, B = check_sequence(x, I, params["W_x"].dtype)
    h0 = zeros_state(check_state("h0", h0, B, H, x.dtype), B, H, x.dtype)
    out = project_inputs(x, params["W_x"], params["b"])  # holds a_t, then h_t, in place
    scratch = np.empty((B, H), x.dtype)
    for t in range(T):
        np.matmul(h0 if t == 0 else out[t - 1], params["W_h"], out=scratch)
        out[t] += scratch
        np.tanh(out[t], out=out[t])
    cache = {"x": x, "h0": h0, "h": out, "params": params}
    out = out.copy()  # the backward reads cache["h"]: an in-place edit of the output must not reach it
    return out, out[-1], cache


def rnn_backward(d_out: np.ndarray, cache: dict, d_final=None):
    """Returns (dx (T, B, I), dh0 (B, H), grads {"W_x", "W_h", "b"})."""
    x, out, params = cache["x"], cache["h"], cache["params"]
    T, B, H = out.shape
    d_out = check_d_out(d_out, (T, B, H), out.dtype)
    dh = final_grad(d_final, B, H, out.dtype)
    d_pre = np.empty_like(out)  # δ_t, (T, B, H)
    W_h_T = np.ascontiguousarray(params["W_h"].T)  # BLAS runs ~1.5x faster on it than on the strided view
    for t in range(T - 1, -1, -1):
        dh += d_out[t]
        np.multiply(out[t], out[t], out=d_pre[t])
        np.subtract(1.0, d_pre[t], out=d_pre[t])
        d_pre[t] *= dh
        np.matmul(d_pre[t], W_h_T, out=dh)
    grads = {"W_x": sum_over_time(x, d_pre), "W_h": sum_over_time(out, d_pre, cache["h0"]),
             "b": d_pre.sum(axis=(0, 1))}
    return input_grad(d_pre, params["W_x"]), dh, grads


def rnn_step_forward(x_t: np.ndarray, h_prev: np.ndarray, params: dict):
    """One step h_t = tanh(x_t W_x + h_{t−1} W_h + b): returns (h_t, cache) (the layer with T = 1)."""
    check_step_input(x_t)
    _, h, seq_cache = rnn_forward(x_t[None], params, h_prev)
    return h, {"h": h, "sequence": seq_cache}


def rnn_step_backward(dh: np.ndarray, cache: dict):
    """Backward of one step: returns (dx_t, dh_prev, grads)."""
    return backward_one_step(rnn_backward, dh, "dh", cache, cache["h"])
