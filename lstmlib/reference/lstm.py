"""The LSTM cell and its unrolled layer, with hand-written backpropagation through time.

Book notation (gate order i, f, g, o, as in PyTorch), row vectors:

    i_t = σ(x_t W_xi + h_{t−1} W_hi + b_i  [+ p_i ⊙ c_{t−1}])    input gate
    f_t = σ(x_t W_xf + h_{t−1} W_hf + b_f  [+ p_f ⊙ c_{t−1}])    forget gate
    g_t = tanh(x_t W_xg + h_{t−1} W_hg + b_g)                    candidate
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t                               cell state
    o_t = σ(x_t W_xo + h_{t−1} W_ho + b_o  [+ p_o ⊙ c_t])        output gate
    h_t = o_t ⊙ tanh(c_t)                                         hidden state / output

The four gates share one fused product: W_x = [W_xi W_xf W_xg W_xo] (I, 4H), W_h (H, 4H),
b (4H,). PyTorch concordance: W_x = weight_ih_l0ᵀ, W_h = weight_hh_l0ᵀ, b = bias_ih + bias_hh.

Backward, with δ⋅ the gradient of the loss w.r.t. a pre-activation (a gate before σ/tanh):

    ∂c_t  += ∂h_t ⊙ o_t ⊙ (1 − tanh²c_t)  [+ δo_t ⊙ p_o]      δo_t = ∂h_t ⊙ tanh c_t ⊙ o_t(1 − o_t)
    δi_t = ∂c_t ⊙ g_t ⊙ i_t(1 − i_t)      δf_t = ∂c_t ⊙ c_{t−1} ⊙ f_t(1 − f_t)
    δg_t = ∂c_t ⊙ i_t ⊙ (1 − g_t²)        ∂c_{t−1} = ∂c_t ⊙ f_t [+ δi_t ⊙ p_i + δf_t ⊙ p_f]
    ∂h_{t−1} = δ_t W_hᵀ    and, after the loop, ∂W_x = Σ_t x_tᵀ δ_t, ∂W_h = Σ_t h_{t−1}ᵀ δ_t.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..validate import check_options
from ._common import (
    backward_one_step, check_d_out, check_recurrent_params, check_sequence, check_state, check_step_input,
    final_grad, input_grad, project_inputs, reject_unexpected_keys, sum_over_time, uniform_params, zeros_state,
)
from .activations import _sigmoid

__all__ = ["LSTMOptions", "init_lstm", "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]


@dataclass(frozen=True)
class LSTMOptions:
    """Which parts of the cell are present (the variants of Greff et al. 2017 and chapter 7).

    A removed gate is the constant 1 (its weight block stays in the 4H layout, unused, with zero
    gradient); ``coupled`` sets i_t = 1 − f_t; ``input_activation=False`` drops the tanh on g,
    ``output_activation=False`` the tanh on c in h_t; ``peephole`` adds p_i, p_f, p_o (Gers 2002).
    """

    forget_gate: bool = True
    input_gate: bool = True
    output_gate: bool = True
    input_activation: bool = True
    output_activation: bool = True
    peephole: bool = False
    coupled: bool = False

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{field.name}: expected a bool, got {type(value).__name__} {value!r}")
        if self.coupled and not (self.forget_gate and self.input_gate):
            raise ValueError(
                "coupled: expected forget_gate=True and input_gate=True (i = 1 − f replaces the input gate), "
                f"got forget_gate={self.forget_gate}, input_gate={self.input_gate}"
            )

    @classmethod
    def from_kwargs(cls, **kwargs) -> "LSTMOptions":
        """Build options from keywords, refusing unknown names (a typo must not pass silently)."""
        check_options("LSTMOptions", kwargs, [f.name for f in fields(cls)])
        return cls(**kwargs)


def _as_options(options) -> LSTMOptions:
    if options is None:
        return LSTMOptions()
    if isinstance(options, dict):
        return LSTMOptions.from_kwargs(**options)
    if not isinstance(options, LSTMOptions):
        raise TypeError(f"options: expected LSTMOptions, a dict or None, got {type(options).__name__}")
    return options


def init_lstm(input_size: int, hidden_size: int, rng: np.random.Generator, options=None,
              forget_bias: float = 1.0, dtype=np.float64) -> dict:
    """Uniform(−1/√H, 1/√H) weights like PyTorch, then b_f = ``forget_bias``.

    Why 1: with f_t ≈ σ(1) ≈ 0.73 at the start the cell remembers by default, so gradients flow
    back through c from the first update (Gers et al. 2000; Jozefowicz et al. 2015).
    """
    options = _as_options(options)
    params = uniform_params(input_size, hidden_size, 4, rng, ("b",), dtype)
    H = params["W_h"].shape[0]
    params["b"][H:2 * H] = forget_bias
    if options.peephole:
        for name in ("p_i", "p_f", "p_o"):
            params[name] = rng.uniform(-1 / np.sqrt(H), 1 / np.sqrt(H), size=H).astype(dtype)
    return params


def _check(params, options):
    options = _as_options(options)
    peepholes = ("p_i", "p_f", "p_o")
    I, H = check_recurrent_params(params, 4, vectors=peepholes if options.peephole else ())
    allowed = ("W_x", "W_h", "b") + (peepholes if options.peephole else ())
    reject_unexpected_keys(params, allowed, f" for an LSTM with peephole={options.peephole}")
    return options, I, H


def _forward_step(A, h_prev, c_prev, c, tanh_c, h, params, opt, scratch):
    """One step in place. A (B, 4H) holds x_t W_x + b on entry and [i f g o] on exit."""
    H = h.shape[1]
    i, f, g, o = A[:, :H], A[:, H:2 * H], A[:, 2 * H:3 * H], A[:, 3 * H:]
    np.matmul(h_prev, params["W_h"], out=scratch)
    A += scratch
    if opt.peephole:  # the gates look at the cell they control (diagonal weights)
        i += params["p_i"] * c_prev
        f += params["p_f"] * c_prev
    _sigmoid(A[:, :2 * H], out=A[:, :2 * H])  # i, f together: contiguous
    if opt.input_activation:
        np.tanh(g, out=g)
    if not opt.forget_gate:
        f.fill(1.0)
    if opt.coupled:
        np.subtract(1.0, f, out=i)
    elif not opt.input_gate:
        i.fill(1.0)
    np.multiply(f, c_prev, out=c)
    c += i * g
    if opt.peephole:
        o += params["p_o"] * c
    if opt.output_gate:
        _sigmoid(o, out=o)
    else:
        o.fill(1.0)
    if opt.output_activation:
        np.tanh(c, out=tanh_c)
    else:
        tanh_c[...] = c
    np.multiply(o, tanh_c, out=h)


def _sigmoid_gate_delta(delta, upstream, partner, gate, present: bool) -> None:
    """δ = upstream ⊙ partner ⊙ σ'(·), with σ' = gate ⊙ (1 − gate); 0 for a removed (constant) gate."""
    if not present:
        delta.fill(0.0)
        return
    np.multiply(upstream, partner, out=delta)
    delta *= gate * (1 - gate)


def _backward_step(dA, dh, dc, A, c_prev, tanh_c, params, opt):
    """Fill dA (B, 4H) with δ[i f g o]; update dc in place to ∂c_{t−1}. Returns nothing."""
    H = dh.shape[1]
    i, f, g, o = A[:, :H], A[:, H:2 * H], A[:, 2 * H:3 * H], A[:, 3 * H:]
    di, df, dg, do = dA[:, :H], dA[:, H:2 * H], dA[:, 2 * H:3 * H], dA[:, 3 * H:]
    # h_t = o ⊙ tanh c_t: into the output gate, and into c_t through the tanh
    _sigmoid_gate_delta(do, dh, tanh_c, o, opt.output_gate)
    dh_o = dh * o
    dc += dh_o * (1 - tanh_c * tanh_c) if opt.output_activation else dh_o
    if opt.peephole:
        dc += do * params["p_o"]
    # c_t = f ⊙ c_{t−1} + i ⊙ g;  coupled i = 1 − f: the input gate's share reaches f negated
    np.multiply(dc, i, out=dg)
    if opt.input_activation:
        dg *= 1 - g * g
    _sigmoid_gate_delta(df, dc, c_prev - g if opt.coupled else c_prev, f, opt.forget_gate)
    _sigmoid_gate_delta(di, dc, g, i, opt.input_gate and not opt.coupled)
    dc *= f  # now ∂c_{t−1}
    if opt.peephole:
        dc += di * params["p_i"] + df * params["p_f"]


def lstm_forward(x: np.ndarray, params: dict, h0=None, c0=None, options=None):
    """Unroll the LSTM over x (T, B, I): returns (out (T, B, H), (h_T, c_T), cache).

    The cache exposes the per-step gates cache["i"], ["f"], ["g"], ["o"] and the cell states
    cache["c"], cache["tanh_c"], all (T, B, H), for the chapters that look inside the cell.
    """
    options, I, H = _check(params, options)
    T, B = check_sequence(x, I, params["W_x"].dtype)
    dtype = x.dtype
    h0 = zeros_state(check_state("h0", h0, B, H, dtype), B, H, dtype)
    c0 = zeros_state(check_state("c0", c0, B, H, dtype), B, H, dtype)

    gates = project_inputs(x, params["W_x"], params["b"])  # (T, B, 4H), overwritten by [i f g o]
    c, tanh_c, out = (np.empty((T, B, H), dtype) for _ in range(3))
    scratch = np.empty((B, 4 * H), dtype)
    for t in range(T):
        h_prev, c_prev = (h0, c0) if t == 0 else (out[t - 1], c[t - 1])
        _forward_step(gates[t], h_prev, c_prev, c[t], tanh_c[t], out[t], params, options, scratch)
    cache = {"x": x, "h0": h0, "c0": c0, "gates": gates, "c": c, "tanh_c": tanh_c, "h": out,
             "params": params, "options": options}
    cache.update({name: gates[:, :, k * H:(k + 1) * H] for k, name in enumerate("ifgo")})
    # Copies: the backward reads cache["h"] and cache["c"], so an in-place edit of what is
    # returned (out *= mask) must not change the gradients.
    out = out.copy()
    return out, (out[-1], c[-1].copy()), cache


def lstm_backward(d_out: np.ndarray, cache: dict, d_final=None):
    """Backpropagation through time: returns (dx (T, B, I), (dh0, dc0), grads).

    ``d_final`` = (∂L/∂h_T, ∂L/∂c_T) for a loss on the final state (either may be None).
    grads is keyed like params: W_x, W_h, b (and p_i, p_f, p_o with peepholes).
    """
    x, gates, c, tanh_c, out = cache["x"], cache["gates"], cache["c"], cache["tanh_c"], cache["h"]
    params, options, c0 = cache["params"], cache["options"], cache["c0"]
    T, B, H = out.shape
    d_out = check_d_out(d_out, (T, B, H), out.dtype)
    dh_T, dc_T = (None, None) if d_final is None else d_final
    dh, dc = final_grad(dh_T, B, H, out.dtype, "d_final[0]"), final_grad(dc_T, B, H, out.dtype, "d_final[1]")

    d_gates = np.empty_like(gates)  # δ of the pre-activations, (T, B, 4H)
    W_h_T = np.ascontiguousarray(params["W_h"].T)  # BLAS runs ~1.5x faster on it than on the strided view
    for t in range(T - 1, -1, -1):
        dh += d_out[t]
        c_prev = c0 if t == 0 else c[t - 1]
        _backward_step(d_gates[t], dh, dc, gates[t], c_prev, tanh_c[t], params, options)
        np.matmul(d_gates[t], W_h_T, out=dh)  # ∂h_{t−1}, ready for the next iteration
    # weight gradients: one product over the folded time axis each, not T small ones
    grads = {"W_x": sum_over_time(x, d_gates), "W_h": sum_over_time(out, d_gates, cache["h0"]),
             "b": d_gates.sum(axis=(0, 1))}
    if options.peephole:
        c_prev_all = np.concatenate([c0[None], c[:-1]])
        grads["p_i"] = (d_gates[:, :, :H] * c_prev_all).sum(axis=(0, 1))
        grads["p_f"] = (d_gates[:, :, H:2 * H] * c_prev_all).sum(axis=(0, 1))
        grads["p_o"] = (d_gates[:, :, 3 * H:] * c).sum(axis=(0, 1))
    return input_grad(d_gates, params["W_x"]), (dh, dc), grads


def lstm_step_forward(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: dict, options=None):
    """One LSTM step (equations in the module docstring): returns (h_t, c_t, cache).

    cache["i"], ["f"], ["g"], ["o"], ["c"], ["tanh_c"] are the step's values, each (B, H).
    It is the layer with T = 1, so a step and an unrolled sequence can never disagree.

    >>> params = init_lstm(3, 4, np.random.default_rng(0))   # W_x (3, 16), W_h (4, 16), b (16,)
    >>> h, c, cache = lstm_step_forward(np.ones((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), params)
    >>> h.shape, cache["f"].shape
    ((2, 4), (2, 4))
    >>> bool(np.all(np.abs(h) < 1))                           # h = o ⊙ tanh(c)
    True
    """
    check_step_input(x_t)
    out, (h, c), seq_cache = lstm_forward(x_t[None], params, h_prev, c_prev, options)
    cache = {name: seq_cache[name][0] for name in ("i", "f", "g", "o", "c", "tanh_c")}
    cache["sequence"] = seq_cache
    return h, c, cache


def lstm_step_backward(dh: np.ndarray, dc: np.ndarray, cache: dict):
    """Backward of one step: returns (dx_t, dh_prev, dc_prev, grads)."""
    dx, (dh_prev, dc_prev), grads = backward_one_step(lstm_backward, dh, "dh", cache, cache["c"], (None, dc))
    return dx, dh_prev, dc_prev, grads
