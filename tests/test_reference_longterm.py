import numpy as np
import pytest

from lstmlib.data.latch import latch_runs_data, make_latch
from lstmlib.reference import longterm as lt
from lstmlib.runners.latch import latch_sweep


def _loss(inputs, targets, w, v, b):
    h = lt.one_unit_rnn_forward(inputs, w, v, b)
    return ((h[-1] - targets) ** 2).sum()


def test_one_unit_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    T, K, n = 7, 3, 5
    x = rng.normal(size=(T, K, n))
    y = rng.normal(size=(K, n))
    w, v, b = rng.normal(size=(3, K))
    h = lt.one_unit_rnn_forward(x, w, v, b)
    grads = lt.one_unit_rnn_backward(2 * (h[-1] - y), x, h, w)
    params = {"w": w, "v": v, "b": b}
    eps = 1e-6
    for name, p in params.items():
        for k in range(K):
            old = p[k]
            p[k] = old + eps
            up = _loss(x, y, **params)
            p[k] = old - eps
            down = _loss(x, y, **params)
            p[k] = old
            assert grads[name][k] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-9)


def test_runs_are_independent_and_shared_inputs_broadcast():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 1, 4))
    w, v, b = rng.normal(size=(3, 5))
    h = lt.one_unit_rnn_forward(x, w, v, b)
    for k in range(5):
        hk = lt.one_unit_rnn_forward(x, w[k:k + 1], v[k:k + 1], b[k:k + 1])
        np.testing.assert_allclose(h[:, k], hk[:, 0])
    with pytest.raises(ValueError, match="inputs: expected shape"):
        lt.one_unit_rnn_forward(rng.normal(size=(6, 3, 4)), w, v, b)


def test_latch_weights_solve_the_task_and_gradient_descent_learns_short_ones():
    rng = np.random.default_rng(2)
    x, y, labels = make_latch(200, 50, rng)
    x = x[:, :, 0][:, None, :]
    # a bistable unit: w > 1 gives two stable states, v = 1 writes the first input, and noise (std 0.45) rarely overcomes w h* ≈ 1.9
    h = lt.one_unit_rnn_forward(x, np.array([2.0]), np.array([1.0]), np.array([0.0]))
    assert lt.sign_accuracy(h[-1], labels)[0] > 0.97
    # short sequences: gradient descent succeeds in most runs
    res = latch_sweep([2], rng, n_runs=40, epochs=200)
    assert res["gradient_descent"][0] >= 0.9


def test_latch_sweep_shape_of_the_curve():
    res = latch_sweep([2, 40], np.random.default_rng(0), n_runs=60)
    gd, rg = res["gradient_descent"], res["random_guessing"]
    assert gd[0] >= 0.9 and gd[1] <= 0.2
    assert rg[1] >= 0.7  # the long task is easy for guessing


def test_jacobian_norms_match_finite_differences_and_bound():
    rng = np.random.default_rng(3)
    H, T = 4, 6
    W = lt.random_recurrent_matrix(H, 1.3, rng)
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(1.3)
    u = rng.normal(size=(T, H))
    states = lt.rnn_trajectory(W, u)
    norms = lt.jacobian_product_norms(W, states)
    # finite-difference Jacobian ∂h_T/∂h_{T-k} for k = 3: perturb h_{T-3} and rerun
    k = 3
    t = T - k  # index of h_{t} in states is t-1
    J = np.empty((H, H))
    eps = 1e-6
    for i in range(H):
        for sign in (+1, -1):
            h = states[t - 1].copy()
            h[i] += sign * eps
            out = lt.rnn_trajectory(W, u[t:], h0=h)[-1]
            J[i] = out / (2 * eps) if sign > 0 else J[i] - out / (2 * eps)
    assert norms[k] == pytest.approx(np.linalg.norm(J, 2), rel=1e-5)
    assert norms[0] == 1.0
    smax = np.linalg.norm(W, 2)
    assert np.all(norms <= smax ** np.arange(T) + 1e-12)


def test_linear_activation_reaches_the_bound_for_a_scaled_orthogonal_matrix():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    norms = lt.jacobian_product_norms(0.9 * Q, rng.normal(size=(10, 5)), activation="linear")
    np.testing.assert_allclose(norms, 0.9 ** np.arange(10))
    with pytest.raises(ValueError, match="activation"):
        lt.jacobian_product_norms(Q, rng.normal(size=(3, 5)), activation="relu6")


def test_delay_path_gradient():
    g1 = lt.delay_path_gradient(40, 0.5)
    np.testing.assert_allclose(g1, 0.5 ** np.arange(41))
    g = lt.delay_path_gradient(40, 0.5, delay=8, delay_factor=0.5)
    assert g[40] > 0.5 ** 5 and g[40] > 1e6 * g1[40]
    with pytest.raises(ValueError, match="delay_factor"):
        lt.delay_path_gradient(5, 0.5, delay=2)


def test_validation_messages():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"targets: expected shape \(K=3, n=4\)"):
        lt.train_one_unit_rnns(np.zeros((5, 3, 4)), np.zeros((3, 5)), rng)
    with pytest.raises(TypeError, match="W_h: expected a float32 or float64 array"):
        lt.jacobian_product_norms(np.eye(3, dtype=int), np.zeros((4, 3)))


def test_clipping_bounds_every_runs_step():
    rng = np.random.default_rng(5)
    x, y, _ = latch_runs_data(6, 10, 8, rng)
    p0, _ = lt.train_one_unit_rnns(x, y, np.random.default_rng(0), epochs=1, lr=1.0)
    p1, _ = lt.train_one_unit_rnns(x, y, np.random.default_rng(0), epochs=1, lr=1.0, clip_norm=1e-3)
    # same initial weights (same seed); one clipped step moves each run by at most lr · clip_norm
    init = np.random.default_rng(0)
    w0, v0 = init.uniform(-1, 1, 6), init.uniform(-1, 1, 6)
    step = np.sqrt((p1["w"] - w0) ** 2 + (p1["v"] - v0) ** 2 + p1["b"] ** 2)
    assert np.all(step <= 1e-3 + 1e-12)
    assert not np.allclose(p0["w"], p1["w"])
    with pytest.raises(ValueError, match="clip_norm"):
        lt.train_one_unit_rnns(x, y, rng, clip_norm=0.0)
