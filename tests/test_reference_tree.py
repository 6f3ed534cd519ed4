import numpy as np
import pytest

from lstmlib.reference.tree import init_tree, tree_backward, tree_depth, tree_forward
from lstmlib.reference import gradcheck, numerical_gradient, softmax_cross_entropy, softmax_cross_entropy_backward


@pytest.mark.parametrize("T", [1, 2, 3, 5, 8, 13])
def test_gradients_match_finite_differences(T):
    rng = np.random.default_rng(T)
    params = init_tree(3, 4, 2, rng)
    params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}  # nonzero biases too
    x = rng.normal(size=(T, 5, 3))
    y = rng.integers(0, 2, size=5)

    def loss():
        return softmax_cross_entropy(tree_forward(x, params)[0], y)[0]

    logits, _, cache = tree_forward(x, params)
    _, ce = softmax_cross_entropy(logits, y)
    dx, grads = tree_backward(softmax_cross_entropy_backward(ce), cache)
    assert gradcheck(loss, params, grads) < 1e-6
    num_dx = numerical_gradient(lambda: loss(), x)
    np.testing.assert_allclose(dx, num_dx, atol=1e-7)


def test_depth_is_logarithmic_and_levels_halve():
    assert [tree_depth(T) for T in (1, 2, 3, 4, 5, 64, 65)] == [0, 1, 2, 2, 3, 6, 7]
    rng = np.random.default_rng(0)
    params = init_tree(2, 3, 2, rng)
    _, root, cache = tree_forward(rng.normal(size=(11, 4, 2)), params)
    assert [lv.shape[0] for lv in cache["levels"]] == [11, 6, 3, 2, 1]
    assert len(cache["levels"]) - 1 == tree_depth(11)
    assert root.shape == (4, 3)


def test_two_leaves_by_hand():
    rng = np.random.default_rng(1)
    p = init_tree(2, 3, 2, rng)
    x = rng.normal(size=(2, 1, 2))
    leaves = np.tanh(x @ p["W_leaf"] + p["b_leaf"])
    root = np.tanh(leaves[0] @ p["W_L"] + leaves[1] @ p["W_R"] + p["b"])
    logits, r, _ = tree_forward(x, p)
    np.testing.assert_allclose(r, root)
    np.testing.assert_allclose(logits, root @ p["V"] + p["c"])


def test_order_matters_left_and_right_weights_differ():
    rng = np.random.default_rng(2)
    p = init_tree(1, 4, 2, rng)
    x = rng.normal(size=(4, 1, 1))
    assert not np.allclose(tree_forward(x, p)[0], tree_forward(x[::-1].copy(), p)[0])


def test_errors():
    rng = np.random.default_rng(0)
    p = init_tree(2, 3, 2, rng)
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, 2\)"):
        tree_forward(np.zeros((4, 2, 3)), p)
    with pytest.raises(ValueError, match="missing"):
        tree_forward(np.zeros((4, 2, 2)), {"W_leaf": p["W_leaf"]})
    with pytest.raises(ValueError, match="seq_len"):
        tree_depth(0)
