"""RecurrentStack (residual, bidirectional, LSTM options), truncated BPTT and the optimisers."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstmlib.reference import (
    SGD, Adam, LSTMOptions, RecurrentStack, clip_grad_norm, gradcheck, truncated_bptt,
)

TOL = 1e-6


def _stack_gradcheck(stack, T, B, seed, with_initial=True):
    rng = np.random.default_rng(seed)
    for k in stack.params:
        stack.params[k] = stack.params[k] + 0.2 * rng.normal(size=stack.params[k].shape)
    n, H = stack.num_layers * stack.directions, stack.hidden_size
    x = rng.normal(size=(T, B, stack.input_size))
    parts = 2 if stack.cell == "lstm" else 1
    states = [rng.normal(size=(n, B, H)) for _ in range(parts)]
    initial = (tuple(states) if parts == 2 else states[0]) if with_initial else None
    w_out = rng.normal(size=(T, B, stack.directions * H))
    w_final = [rng.normal(size=(n, B, H)) for _ in range(parts)]

    def loss():
        out, final, _ = stack.forward(x, initial)
        finals = final if parts == 2 else (final,)
        return (out * w_out).sum() + sum((f * w).sum() for f, w in zip(finals, w_final))

    _, _, cache = stack.forward(x, initial)
    dx, d_initial, grads = stack.backward(w_out, cache, tuple(w_final) if parts == 2 else w_final[0])
    params, analytic = {**stack.params, "x": x}, {**grads, "x": dx}
    if with_initial:
        for k, (s, d) in enumerate(zip(states, d_initial if parts == 2 else (d_initial,))):
            params[f"s{k}"], analytic[f"s{k}"] = s, d
    assert gradcheck(loss, params, analytic) < TOL


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_residual_bidirectional_stack_gradcheck(cell):
    stack = RecurrentStack(cell, 3, 2, num_layers=2, bidirectional=True, residual=True, rng=np.random.default_rng(0))
    _stack_gradcheck(stack, T=3, B=2, seed=1)


def test_stack_with_lstm_options_and_reset_before():
    opts = LSTMOptions(peephole=True, coupled=True)
    _stack_gradcheck(RecurrentStack("lstm", 2, 3, num_layers=2, bidirectional=True, options=opts,
                                    rng=np.random.default_rng(2)), T=3, B=2, seed=3)
    _stack_gradcheck(RecurrentStack("gru", 2, 3, num_layers=2, reset_after=False,
                                    rng=np.random.default_rng(4)), T=3, B=2, seed=5)


@settings(max_examples=5, deadline=None)
@given(cell=st.sampled_from(["rnn", "gru", "lstm"]), layers=st.integers(1, 2), bidirectional=st.booleans(),
       residual=st.booleans(), T=st.integers(1, 3), B=st.integers(1, 2), with_initial=st.booleans(),
       seed=st.integers(0, 1000))
def test_stack_gradcheck_property(cell, layers, bidirectional, residual, T, B, with_initial, seed):
    stack = RecurrentStack(cell, 2, 2, num_layers=layers, bidirectional=bidirectional, residual=residual,
                           rng=np.random.default_rng(seed))
    _stack_gradcheck(stack, T, B, seed, with_initial)


def test_residual_adds_the_layer_input():
    rng = np.random.default_rng(6)
    plain = RecurrentStack("rnn", 3, 3, num_layers=2, rng=np.random.default_rng(7))
    res = RecurrentStack("rnn", 3, 3, num_layers=2, residual=True, rng=np.random.default_rng(7))
    x = rng.normal(size=(4, 2, 3))
    out_plain, _, cache = plain.forward(x)
    out_res, _, _ = res.forward(x)
    layer0 = cache["caches"][0]["h"]
    # layer 1 sees the same input in both (layer 0 has no residual); only the output differs by it
    np.testing.assert_allclose(out_res, out_plain + layer0)


def test_truncated_bptt_carries_state_but_not_gradient():
    rng = np.random.default_rng(8)
    stack = RecurrentStack("lstm", 2, 3, rng=np.random.default_rng(9))
    x = rng.normal(size=(10, 2, 2))
    target = rng.normal(size=(10, 2, 3))

    def loss_and_grad(out, time_slice):
        diff = out - target[time_slice]
        return 0.5 * (diff ** 2).sum(), diff

    losses, grads, final = truncated_bptt(stack, x, loss_and_grad, chunk_len=4)
    assert len(losses) == 3
    full_out, full_final, cache = stack.forward(x)
    np.testing.assert_allclose(final[0], full_final[0], atol=1e-12)  # the state was carried
    np.testing.assert_allclose(sum(losses), 0.5 * ((full_out - target) ** 2).sum())
    _, _, full_grads = stack.backward(full_out - target, cache)
    assert not np.allclose(grads["l0.W_h"], full_grads["l0.W_h"])  # truncation drops cross-chunk terms
    # with a chunk as long as the sequence it is plain BPTT
    _, grads_one_chunk, _ = truncated_bptt(stack, x, loss_and_grad, chunk_len=10)
    np.testing.assert_allclose(grads_one_chunk["l0.W_h"], full_grads["l0.W_h"])


def test_sgd_momentum_accumulates_a_geometric_series():
    params = {"w": np.zeros(2)}
    g, lr, mu = np.array([1.0, -2.0]), 0.1, 0.9
    opt = SGD(params, lr=lr, momentum=mu)
    for _ in range(5):
        opt.step({"w": g})
    # after n steps with a constant gradient: w = −lr g Σ_{k=1..n} (1 − μ^k)/(1 − μ)
    expected = -lr * g * sum((1 - mu ** k) / (1 - mu) for k in range(1, 6))
    np.testing.assert_allclose(params["w"], expected, rtol=1e-12)


def test_adam_first_step_moves_each_weight_by_lr_against_its_gradient_sign():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]])}
    opt = Adam(params, lr=0.01)
    opt.step({"w": np.array([[1e-3, -5.0], [2.0, -1e-2]])})
    np.testing.assert_allclose(params["w"], [[0.99, 2.01], [2.99, 4.01]], rtol=1e-6)


def test_clip_grad_norm_keeps_direction_and_bounds_length():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    same, _ = clip_grad_norm(grads, 10.0)
    np.testing.assert_array_equal(same["a"], grads["a"])


def test_training_with_adam_reduces_the_loss():
    rng = np.random.default_rng(11)
    stack = RecurrentStack("gru", 1, 8, rng=np.random.default_rng(12))
    x = rng.normal(size=(6, 16, 1))
    target = np.cumsum(x, axis=0) / 3  # a running sum: needs memory
    opt = Adam(stack.params, lr=0.02)
    losses = []
    for _ in range(60):
        out, _, cache = stack.forward(x)
        diff = out[..., :1] - target
        losses.append(float((diff ** 2).mean()))
        d_out = np.zeros_like(out)
        d_out[..., :1] = 2 * diff / diff.size
        grads = clip_grad_norm(stack.backward(d_out, cache)[2], 1.0)[0]
        opt.step(grads)
    assert losses[-1] < 0.5 * losses[0]
