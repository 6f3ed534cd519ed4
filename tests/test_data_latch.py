import numpy as np
import pytest

from lstmlib.data.latch import make_latch


def test_shapes_and_content():
    rng = np.random.default_rng(0)
    x, y, labels = make_latch(500, 12, rng, n_informative=3)
    assert x.shape == (12, 500, 1) and y.shape == (500,) and labels.shape == (500,)
    assert x.dtype == np.float64
    assert set(np.unique(labels)) == {-1.0, 1.0}
    np.testing.assert_array_equal(x[:3, :, 0], np.broadcast_to(labels, (3, 500)))
    np.testing.assert_allclose(y, 0.8 * labels)
    noise = x[3:, :, 0]
    assert abs(noise.mean()) < 0.02 and abs(noise.var() - 0.2) < 0.02
    # the noise carries no information about the class
    assert abs(np.corrcoef(noise.mean(axis=0), labels)[0, 1]) < 0.15


def test_both_classes_balanced_and_reproducible():
    a = make_latch(2000, 5, np.random.default_rng(3))
    b = make_latch(2000, 5, np.random.default_rng(3))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert 0.45 < (a[2] > 0).mean() < 0.55


def test_zero_noise_and_custom_target():
    x, y, labels = make_latch(10, 4, np.random.default_rng(1), noise_var=0.0, target=0.5)
    assert np.all(x[1:] == 0.0)
    np.testing.assert_allclose(y, 0.5 * labels)


@pytest.mark.parametrize(
    "kwargs, exc, msg",
    [
        (dict(n=0), ValueError, "n: expected a positive int"),
        (dict(seq_len=2.5), TypeError, "seq_len: expected a positive int"),
        (dict(n_informative=6), ValueError, "n_informative: expected at most seq_len=5"),
        (dict(noise_var=-1.0), ValueError, "noise_var"),
        (dict(target=0.0), ValueError, "target"),
        (dict(rng=0), TypeError, "rng: expected a numpy.random.Generator"),
    ],
)
def test_bad_arguments(kwargs, exc, msg):
    args = dict(n=4, seq_len=5, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(exc, match=msg):
        make_latch(args.pop("n"), args.pop("seq_len"), args.pop("rng"), **args)
