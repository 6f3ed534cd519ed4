"""Gradient checks (float64, central differences) for every recurrent cell and LSTM option."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstmlib.reference import (
    LSTMOptions, gradcheck, gru_backward, gru_forward, gru_step_backward, gru_step_forward, init_gru,
    init_lstm, init_rnn, leaky_backward, leaky_forward, leaky_step_backward, leaky_step_forward,
    lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward, rnn_backward, rnn_forward,
    rnn_step_backward, rnn_step_forward,
)

TOL = 1e-6
LSTM_VARIANTS = {
    "vanilla": {}, "no_forget_gate_1997": {"forget_gate": False}, "no_input_gate": {"input_gate": False},
    "no_output_gate": {"output_gate": False}, "no_input_activation": {"input_activation": False},
    "no_output_activation": {"output_activation": False}, "peephole": {"peephole": True},
    "coupled": {"coupled": True}, "coupled_peephole": {"coupled": True, "peephole": True},
}


def _perturbed(params, rng):
    """Move away from the init so every term is exercised with order-one values."""
    return {k: v + 0.3 * rng.normal(size=v.shape) for k, v in params.items()}


def _run(cell, x, p, initial, extra):
    if cell == "rnn":
        out, final, cache = rnn_forward(x, p, initial)
    elif cell == "gru":
        out, final, cache = gru_forward(x, p, initial, reset_after=extra)
    else:
        out, final, cache = lstm_forward(x, p, *initial, options=extra)
    return out, final, cache


def _check_sequence(cell, T, B, I, H, extra, seed, with_initial=True):
    rng = np.random.default_rng(seed)
    if cell == "rnn":
        p = init_rnn(I, H, rng)
    elif cell == "gru":
        p = init_gru(I, H, rng)
    else:
        p = init_lstm(I, H, rng, options=extra)
    p = _perturbed(p, rng)
    x = rng.normal(size=(T, B, I))
    n_states = 2 if cell == "lstm" else 1
    states = [rng.normal(size=(B, H)) if with_initial else None for _ in range(n_states)]
    initial = tuple(states) if cell == "lstm" else states[0]
    w_out = rng.normal(size=(T, B, H))
    w_final = [rng.normal(size=(B, H)) for _ in range(n_states)]

    def loss():
        out, final, _ = _run(cell, x, p, initial, extra)
        finals = final if cell == "lstm" else (final,)
        return (out * w_out).sum() + sum((f * w).sum() for f, w in zip(finals, w_final))

    _, _, cache = _run(cell, x, p, initial, extra)
    backward = {"rnn": rnn_backward, "gru": gru_backward, "lstm": lstm_backward}[cell]
    d_final = tuple(w_final) if cell == "lstm" else w_final[0]
    dx, d_initial, grads = backward(w_out, cache, d_final)
    assert set(grads) == set(p)
    check_params, check_grads = {**p, "x": x}, {**grads, "x": dx}
    if with_initial:
        d_init = d_initial if cell == "lstm" else (d_initial,)
        for k, (s, ds) in enumerate(zip(states, d_init)):
            check_params[f"s{k}"], check_grads[f"s{k}"] = s, ds
    assert gradcheck(loss, check_params, check_grads) < TOL


@pytest.mark.parametrize("variant", LSTM_VARIANTS)
def test_lstm_gradcheck_every_option(variant):
    _check_sequence("lstm", 4, 2, 3, 4, LSTMOptions.from_kwargs(**LSTM_VARIANTS[variant]), seed=1)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradcheck_both_reset_placements(reset_after):
    _check_sequence("gru", 4, 2, 3, 4, reset_after, seed=2)


def test_rnn_gradcheck():
    _check_sequence("rnn", 5, 2, 3, 4, None, seed=3)


@settings(max_examples=6, deadline=None)
@given(cell=st.sampled_from(["rnn", "gru", "lstm"]), T=st.integers(1, 4), B=st.integers(1, 3),
       I=st.integers(1, 3), H=st.integers(1, 3), with_initial=st.booleans(), flags=st.integers(0, 127),
       seed=st.integers(0, 2**16))
def test_gradcheck_property_random_shapes_and_options(cell, T, B, I, H, with_initial, flags, seed):
    if cell == "lstm":
        names = ["forget_gate", "input_gate", "output_gate", "input_activation", "output_activation", "peephole", "coupled"]
        kw = {n: bool(flags >> k & 1) != (k < 5) for k, n in enumerate(names)}  # bit set = change the default
        if kw["coupled"]:
            kw["forget_gate"] = kw["input_gate"] = True
        extra = LSTMOptions(**kw)
    else:
        extra = bool(flags & 1)
    _check_sequence(cell, T, B, I, H, extra, seed, with_initial)


def test_leaky_gradcheck_vector_alpha():
    rng = np.random.default_rng(4)
    v, mu0, alpha = rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 3)), rng.uniform(0, 1, 3)
    w, w_final = rng.normal(size=v.shape), rng.normal(size=(2, 3))
    mu, _, cache = leaky_forward(v, alpha, mu0)
    dv, dmu0, grads = leaky_backward(w, cache, w_final)

    def loss():
        mu, mu_T, _ = leaky_forward(v, alpha, mu0)
        return (mu * w).sum() + (mu_T * w_final).sum()

    assert gradcheck(loss, {"v": v, "mu0": mu0, "alpha": alpha}, {"v": dv, "mu0": dmu0, **grads}) < TOL


def test_leaky_is_an_exponential_moving_average():
    v = np.ones((50, 1, 1))
    mu, mu_T, _ = leaky_forward(v, 0.9)
    np.testing.assert_allclose(mu[:, 0, 0], 1 - 0.9 ** np.arange(1, 51))


def test_steps_agree_with_the_unrolled_layer():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 2, 4))
    p_lstm, p_gru, p_rnn = init_lstm(4, 5, rng, LSTMOptions(peephole=True)), init_gru(4, 5, rng), init_rnn(4, 5, rng)
    out, (h_T, c_T), cache = lstm_forward(x, p_lstm, options=LSTMOptions(peephole=True))
    out_g, _, _ = gru_forward(x, p_gru)
    out_r, _, _ = rnn_forward(x, p_rnn)
    h = c = hg = hr = np.zeros((2, 5))
    for t in range(3):
        h, c, step = lstm_step_forward(x[t], h, c, p_lstm, LSTMOptions(peephole=True))
        hg, _ = gru_step_forward(x[t], hg, p_gru)
        hr, _ = rnn_step_forward(x[t], hr, p_rnn)
        np.testing.assert_allclose(step["f"], cache["f"][t])
        np.testing.assert_allclose(h, out[t])
        np.testing.assert_allclose(hg, out_g[t])
        np.testing.assert_allclose(hr, out_r[t])
    np.testing.assert_allclose(c, c_T)


def test_step_backward_gradchecks():
    rng = np.random.default_rng(6)
    x, h0, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    dh, dc = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    p = init_lstm(3, 4, rng)
    _, _, cache = lstm_step_forward(x, h0, c0, p)
    dx, dh0, dc0, grads = lstm_step_backward(dh, dc, cache)
    loss = lambda: sum((a * w).sum() for a, w in zip(lstm_step_forward(x, h0, c0, p)[:2], (dh, dc)))
    assert gradcheck(loss, {**p, "x": x, "h0": h0, "c0": c0}, {**grads, "x": dx, "h0": dh0, "c0": dc0}) < TOL
    for forward, backward, q in ((gru_step_forward, gru_step_backward, init_gru(3, 4, rng)),
                                 (rnn_step_forward, rnn_step_backward, init_rnn(3, 4, rng))):
        _, cache = forward(x, h0, q)
        dx, dh0_, grads = backward(dh, cache)
        loss = lambda: (forward(x, h0, q)[0] * dh).sum()
        assert gradcheck(loss, {**q, "x": x, "h0": h0}, {**grads, "x": dx, "h0": dh0_}) < TOL
    alpha = rng.uniform(0, 1, 4)
    _, cache = leaky_step_forward(h0, c0, alpha)
    dv, dmu, grads = leaky_step_backward(dh, cache)
    loss = lambda: (leaky_step_forward(h0, c0, alpha)[0] * dh).sum()
    assert gradcheck(loss, {"v": h0, "mu": c0, "alpha": alpha}, {"v": dv, "mu": dmu, **grads}) < TOL


def test_removed_gate_is_constant_one_with_zero_weight_gradient():
    rng = np.random.default_rng(7)
    opts = LSTMOptions(forget_gate=False)
    p = init_lstm(3, 4, rng, opts)
    out, _, cache = lstm_forward(rng.normal(size=(5, 2, 3)), p, options=opts)
    assert np.all(cache["f"] == 1.0)
    _, _, grads = lstm_backward(np.ones_like(out), cache)
    assert np.all(grads["W_x"][:, 4:8] == 0) and np.all(grads["W_h"][:, 4:8] == 0)


def test_coupled_input_gate_is_one_minus_forget():
    rng = np.random.default_rng(8)
    p = init_lstm(3, 4, rng, LSTMOptions(coupled=True))
    _, _, cache = lstm_forward(rng.normal(size=(5, 2, 3)), p, options={"coupled": True})
    np.testing.assert_allclose(cache["i"], 1 - cache["f"])


def test_forget_bias_initialisation():
    p = init_lstm(3, 4, np.random.default_rng(0), forget_bias=2.5)
    np.testing.assert_array_equal(p["b"][4:8], 2.5)
    assert np.all(np.abs(p["b"][:4]) <= 0.5) and np.all(np.abs(p["W_h"]) <= 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_runs_in_float32(dtype):
    rng = np.random.default_rng(9)
    p = init_lstm(3, 4, rng, dtype=dtype)
    out, (h, c), cache = lstm_forward(rng.normal(size=(5, 2, 3)).astype(dtype), p)
    dx, (dh0, dc0), grads = lstm_backward(np.ones_like(out), cache)
    assert out.dtype == c.dtype == dx.dtype == dh0.dtype == grads["W_h"].dtype == dtype


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_cells_raise_no_overflow_warning(dtype):
    rng = np.random.default_rng(10)
    x = (1e4 * rng.normal(size=(4, 2, 3))).astype(dtype)  # pre-activations of order ±1e4
    for cell, params, run in (("lstm", init_lstm(3, 4, rng, dtype=dtype), lstm_forward),
                              ("gru", init_gru(3, 4, rng, dtype=dtype), gru_forward),
                              ("rnn", init_rnn(3, 4, rng, dtype=dtype), rnn_forward)):
        out, _, cache = run(x, params)
        assert np.all(np.isfinite(out)) and np.all(np.abs(out) <= 1), cell
        backward = {"lstm": lstm_backward, "gru": gru_backward, "rnn": rnn_backward}[cell]
        dx, _, grads = backward(np.ones_like(out), cache)
        assert np.all(np.isfinite(dx)) and all(np.all(np.isfinite(g)) for g in grads.values()), cell


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "leaky"])
def test_editing_the_output_in_place_leaves_the_gradients_unchanged(cell):
    """``out *= mask`` on a returned output must not reach the cache the backward reads."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 2, 3))
    runs = {
        "rnn": (lambda: rnn_forward(x, p), rnn_backward),
        "gru": (lambda: gru_forward(x, p), gru_backward),
        "lstm": (lambda: lstm_forward(x, p), lstm_backward),
        "leaky": (lambda: leaky_forward(x, 0.5), leaky_backward),
    }
    p = {"rnn": init_rnn, "gru": init_gru, "lstm": init_lstm}.get(cell, lambda *a: None)(3, 3, rng)
    forward, backward = runs[cell]
    d_out = rng.normal(size=(4, 2, 3))
    out, final, cache = forward()
    expected = backward(d_out, cache)
    out, final, cache = forward()
    out *= 0.0
    for state in final if isinstance(final, tuple) else (final,):
        state *= 0.0
    got = backward(d_out, cache)
    np.testing.assert_array_equal(got[0], expected[0])
    for name in expected[2]:
        np.testing.assert_array_equal(got[2][name], expected[2][name])


def test_init_gru_has_no_reset_after():
    """Both placements share the parameters, so the initialisation takes no placement."""
    with pytest.raises(TypeError):
        init_gru(3, 4, np.random.default_rng(0), reset_after=False)
