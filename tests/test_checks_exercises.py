"""The self-checks added for the chapters' second exercises: a right answer passes, and each typical
mistake is named (the mistake is written here the way a student writes it, not by the checker's model)."""
from __future__ import annotations

import numpy as np
import pytest

from lstmlib.checks import (
    SelfCheckError, check_clip_grad_norm, check_dense_backward, check_gnmt_score, check_lstm_step_cost,
    check_masked_cross_entropy, check_peephole_lstm_step, check_rnn_bptt, check_rnn_jacobian,
    check_softmax_with_temperature,
)


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def passes(check, fn, capsys):
    check(fn)
    out = capsys.readouterr().out
    assert out.startswith("All ") and "checks passed" in out, out


def names_mistake(check, fn, words):
    with pytest.raises(SelfCheckError) as info:
        check(fn)
    assert words in str(info.value), str(info.value)


# ---------------------------------------------------------------- chapter 1: dense backward

def dense_backward(dY, X, W, mean=False, transposed=False):
    dX, dW, db = dY @ W.T, X.T @ dY, dY.sum(axis=0)
    if mean:
        dW, db = dW / len(X), dY.mean(axis=0)
    if transposed:
        return dX, dY.T @ X, db
    return dX, dW, db


def test_dense_backward(capsys):
    passes(check_dense_backward, dense_backward, capsys)
    names_mistake(check_dense_backward, lambda dY, X, W: dense_backward(dY, X, W, mean=True), "averaged over the rows")
    names_mistake(check_dense_backward, lambda dY, X, W: dense_backward(dY, X, W, transposed=True),
                  "Same number of entries")


# ---------------------------------------------------------------- chapter 2: BPTT

def rnn_bptt(d_out, x, h0, W_x, W_h, b, carry=True, h_t_for_dW_h=False):
    hs, h = [], h0
    for x_t in x:
        h = np.tanh(x_t @ W_x + h @ W_h + b)
        hs.append(h)
    dx, dW_x, dW_h, db = np.zeros_like(x), np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(len(x))):
        delta = (d_out[t] + (dh_next if carry else 0)) * (1 - hs[t] ** 2)
        dW_x += x[t].T @ delta
        dW_h += (hs[t] if h_t_for_dW_h else (hs[t - 1] if t else h0)).T @ delta
        db += delta.sum(axis=0)
        dx[t] = delta @ W_x.T
        dh_next = delta @ W_h.T
    return dx, dh_next, dW_x, dW_h, db


def test_rnn_bptt(capsys):
    passes(check_rnn_bptt, rnn_bptt, capsys)
    names_mistake(check_rnn_bptt, lambda *a: rnn_bptt(*a, carry=False), "gradient from later steps is dropped")
    names_mistake(check_rnn_bptt, lambda *a: rnn_bptt(*a, h_t_for_dW_h=True), "dW_h uses h_t")


# ---------------------------------------------------------------- chapter 3: Jacobian, clipping

def rnn_jacobian(x_t, h_prev, W_x, W_h, b, transpose=False, slope=True):
    h = np.tanh(x_t @ W_x + h_prev @ W_h + b)
    J = W_h[None] * ((1 - h ** 2)[:, None, :] if slope else np.ones((len(h), 1, 1)))
    return np.swapaxes(J, 1, 2) if transpose else J


def test_rnn_jacobian(capsys):
    passes(check_rnn_jacobian, rnn_jacobian, capsys)
    names_mistake(check_rnn_jacobian, lambda *a: rnn_jacobian(*a, transpose=True), "your J is transposed")
    names_mistake(check_rnn_jacobian, lambda *a: rnn_jacobian(*a, slope=False), "tanh derivative is missing")


def clip_grad_norm(grads, max_norm, per_array=False, elementwise=False):
    if elementwise:
        return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
    if per_array:
        return {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-12)) for k, g in grads.items()}
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}


def test_clip_grad_norm(capsys):
    passes(check_clip_grad_norm, clip_grad_norm, capsys)
    names_mistake(check_clip_grad_norm, lambda g, m: clip_grad_norm(g, m, per_array=True), "its own norm")
    names_mistake(check_clip_grad_norm, lambda g, m: clip_grad_norm(g, m, elementwise=True), "clipped every entry")

    def in_place(grads, max_norm):
        for g in grads.values():
            g *= 0.5
        return grads
    names_mistake(check_clip_grad_norm, in_place, "changed its input 'grads' in place")
    names_mistake(check_clip_grad_norm, lambda g, m: [g], "expected a dict of arrays")


# ---------------------------------------------------------------- chapter 5: temperature

def softmax_t(logits, tau, times=False):
    z = logits * tau if times else logits / tau
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def test_softmax_with_temperature(capsys):
    passes(check_softmax_with_temperature, softmax_t, capsys)
    names_mistake(check_softmax_with_temperature, lambda z, t: softmax_t(z, t, times=True), "multiplied the logits by τ")

    def naive(z, tau):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(z / tau) / np.exp(z / tau).sum(axis=-1, keepdims=True)
    names_mistake(check_softmax_with_temperature, naive, "NaN or inf")


# ---------------------------------------------------------------- chapter 7: peephole step

def peephole_step(x_t, h_prev, c_prev, W_x, W_h, b, p, output_sees_old=False):
    H = h_prev.shape[1]
    a = x_t @ W_x + h_prev @ W_h + b
    a_i, a_f, a_g, a_o = (a[:, k * H:(k + 1) * H] for k in range(4))
    c = sigmoid(a_f + p[1] * c_prev) * c_prev + sigmoid(a_i + p[0] * c_prev) * np.tanh(a_g)
    o = sigmoid(a_o + p[2] * (c_prev if output_sees_old else c))
    return o * np.tanh(c), c


def test_peephole_lstm_step(capsys):
    passes(check_peephole_lstm_step, peephole_step, capsys)
    names_mistake(check_peephole_lstm_step, lambda *a: peephole_step(*a, output_sees_old=True),
                  "output gate peeks at the old cell")


# ---------------------------------------------------------------- chapter 8: masked loss

def masked_ce(logits, targets, mask, per_sentence=False, ignore_mask=False):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    if ignore_mask:
        return nll.mean()
    if per_sentence:
        return ((nll * mask).sum(axis=0) / mask.sum(axis=0)).mean()
    return (nll * mask).sum() / mask.sum()


def test_masked_cross_entropy(capsys):
    passes(check_masked_cross_entropy, masked_ce, capsys)
    names_mistake(check_masked_cross_entropy, lambda *a: masked_ce(*a, ignore_mask=True), "the mask is ignored")
    names_mistake(check_masked_cross_entropy, lambda *a: masked_ce(*a, per_sentence=True), "each sentence is averaged first")


# ---------------------------------------------------------------- chapter 9: GNMT score

def gnmt(log_prob, length, attention, alpha, beta, plain_lp=False, cap=True):
    lp = length ** alpha if plain_lp else ((5 + length) / 6) ** alpha
    coverage = attention.sum(axis=0)
    if cap:
        coverage = np.minimum(coverage, 1.0)
    return log_prob / lp + beta * np.log(np.maximum(coverage, 1e-10)).sum()


def test_gnmt_score(capsys):
    passes(check_gnmt_score, gnmt, capsys)
    names_mistake(check_gnmt_score, lambda *a: gnmt(*a, plain_lp=True), "|Y|^α")
    names_mistake(check_gnmt_score, lambda *a: gnmt(*a, cap=False), "the coverage has no cap")


# ---------------------------------------------------------------- chapter 10: cost

def cost(batch, input_size, hidden_size, bytes_per_value, mult_adds=False, bytes_per_batch=False):
    weights = 4 * hidden_size * (input_size + hidden_size)
    flops = (1 if mult_adds else 2) * batch * weights
    return flops, bytes_per_value * weights * (batch if bytes_per_batch else 1)


def test_lstm_step_cost(capsys):
    passes(check_lstm_step_cost, cost, capsys)
    names_mistake(check_lstm_step_cost, lambda *a: cost(*a, mult_adds=True), "counted multiply–adds")
    names_mistake(check_lstm_step_cost, lambda *a: cost(*a, bytes_per_batch=True), "the bytes grow with the batch")


def coupled_step(x_t, h_prev, c_prev, W_x, W_h, b, from_input=False):
    H = h_prev.shape[1]
    a = x_t @ W_x + h_prev @ W_h + b
    if from_input:
        i = sigmoid(a[:, :H])
        f = 1 - i
    else:
        f = sigmoid(a[:, H:2 * H])
        i = 1 - f
    c = f * c_prev + i * np.tanh(a[:, 2 * H:3 * H])
    return sigmoid(a[:, 3 * H:]) * np.tanh(c), c


def test_coupled_lstm_step(capsys):
    from lstmlib.checks import check_coupled_lstm_step

    passes(check_coupled_lstm_step, coupled_step, capsys)
    names_mistake(check_coupled_lstm_step, lambda *a: coupled_step(*a, from_input=True), "derives i = 1 − f")
