"""Interleaved spirals: balanced classes, bounded points, and arms that no line separates."""
import numpy as np
import pytest

from lstmlib.data.spirals import make_spirals


def test_shapes_balance_and_range():
    X, y = make_spirals(301, np.random.default_rng(0), n_classes=3)
    assert X.shape == (301, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [101, 100, 100]
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


def test_noise_free_points_lie_on_their_arm():
    X, y = make_spirals(200, np.random.default_rng(1), n_classes=2, turns=0.5, noise=0.0)
    r = np.linalg.norm(X, axis=1)
    theta = np.arctan2(X[:, 1], X[:, 0])
    expected = np.pi * y + 2 * np.pi * 0.5 * r
    assert np.allclose(np.cos(theta - expected), 1.0)


def test_no_linear_classifier_does_well():
    # Least squares on one-hot targets: the best a linear map gets is not far above chance.
    X, y = make_spirals(900, np.random.default_rng(2), n_classes=3, turns=1.0)
    A = np.column_stack([X, np.ones(len(X))])
    W, *_ = np.linalg.lstsq(A, np.eye(3)[y], rcond=None)
    assert np.mean((A @ W).argmax(1) == y) < 0.6


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_classes=1), ValueError, "n_classes: expected at least 2, got 1"),
    (dict(n_points=2), ValueError, "n_points: expected at least n_classes=3, got 2"),
    (dict(turns=0.0), ValueError, "turns: expected a finite float > 0"),
    (dict(rng=None), TypeError, "rng: expected a numpy.random.Generator, got NoneType"),
])
def test_bad_arguments(kwargs, exc, match):
    args = dict(n_points=30, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        make_spirals(**args)
