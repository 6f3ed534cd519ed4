"""Activations and feed-forward layers of lstmlib.reference: values, gradients, stability."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstmlib.reference import (
    ACTIVATIONS, activation_backward, activation_forward, dense_backward, dense_forward,
    embedding_backward, embedding_forward, gradcheck, log_softmax, numerical_gradient, relu,
    relu_grad, sigmoid, sigmoid_grad_from_output, softmax, softmax_cross_entropy,
    softmax_cross_entropy_backward, tanh, tanh_grad_from_output,
)

TOL = 1e-6


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_at_extremes(dtype):
    x = np.array([-1e4, -800.0, -100.0, 0.0, 100.0, 800.0, 1e4], dtype=dtype)
    y = sigmoid(x)
    assert y.dtype == dtype and np.all(np.isfinite(y))
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5
    assert np.all(np.diff(y) >= 0)


def test_sigmoid_matches_definition_in_safe_range():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_derivatives_match_finite_differences(name):
    f, fprime = ACTIVATIONS[name]
    x = np.linspace(-4, 4, 81) + 0.013  # avoid relu's kink at exactly 0
    numeric = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(fprime(x), numeric, atol=1e-8)


def test_grad_from_output_helpers():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(sigmoid_grad_from_output(sigmoid(x)), ACTIVATIONS["sigmoid"][1](x))
    np.testing.assert_allclose(tanh_grad_from_output(tanh(x)), 1 / np.cosh(x) ** 2)
    np.testing.assert_array_equal(relu_grad(x), (x > 0).astype(float))
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.floats(-1e3, 1e3))
def test_softmax_rows_sum_to_one_and_are_shift_invariant(n, k, shift):
    x = np.random.default_rng(n * 10 + k).normal(size=(n, k)) * 50
    p = softmax(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(x + shift), p, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(x, axis=0)).sum(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_layer_gradcheck(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    w = rng.normal(size=x.shape)
    y, cache = activation_forward(name, x)
    dx = activation_backward(w, cache)
    assert gradcheck(lambda: (activation_forward(name, x)[0] * w).sum(), {"x": x}, {"x": dx}) < TOL


@pytest.mark.parametrize("lead", [(6,), (3, 2)])
def test_dense_gradcheck(lead):
    rng = np.random.default_rng(1)
    p = {"x": rng.normal(size=lead + (4,)), "W": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    w = rng.normal(size=lead + (3,))
    y, cache = dense_forward(p["x"], p["W"], p["b"])
    np.testing.assert_allclose(y, p["x"] @ p["W"] + p["b"])
    dx, grads = dense_backward(w, cache)
    loss = lambda: (dense_forward(p["x"], p["W"], p["b"])[0] * w).sum()
    assert gradcheck(loss, p, {"x": dx, **grads}) < TOL


def test_softmax_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(2)
    logits, targets = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    loss, cache = softmax_cross_entropy(logits, targets)
    expected = -np.mean(np.log(softmax(logits))[np.arange(5), targets])
    assert loss == pytest.approx(expected, rel=1e-12)
    dlogits = softmax_cross_entropy_backward(cache)
    assert gradcheck(lambda: softmax_cross_entropy(logits, targets)[0], {"z": logits}, {"z": dlogits}) < TOL
    # uniform logits over K classes cost log K
    assert softmax_cross_entropy(np.zeros((3, 7)), np.arange(3))[0] == pytest.approx(np.log(7))


def test_embedding_gradient_accumulates_repeated_ids():
    rng = np.random.default_rng(3)
    E = rng.normal(size=(6, 3))
    ids = np.array([[1, 2], [1, 5], [0, 1]])
    y, cache = embedding_forward(ids, E)
    assert y.shape == (3, 2, 3)
    np.testing.assert_array_equal(y[1, 0], E[1])
    w = rng.normal(size=y.shape)
    grads = embedding_backward(w, cache)
    np.testing.assert_allclose(grads["E"][1], w[0, 0] + w[1, 0] + w[2, 1])
    assert gradcheck(lambda: (embedding_forward(ids, E)[0] * w).sum(), {"E": E}, grads) < TOL


def test_numerical_gradient_accepts_f_of_x_and_closure():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: (v ** 3).sum(), x), 3 * x ** 2, rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda: (x ** 2).sum(), x), 2 * x, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after perturbation


def test_gradcheck_detects_a_wrong_gradient():
    x = np.array([0.5, 1.5])
    assert gradcheck(lambda: (x ** 2).sum(), {"x": x}, {"x": 2 * x}) < TOL
    assert gradcheck(lambda: (x ** 2).sum(), {"x": x}, {"x": x}) > 0.4
