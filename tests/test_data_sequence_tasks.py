import numpy as np
import pytest

from lstmlib.data import sequence_tasks as st


def test_echo():
    x, y = st.make_echo(50, 10, np.random.default_rng(0), delay=3, n_symbols=5)
    assert x.shape == (10, 50, 5) and y.shape == (10, 50)
    s = x.argmax(-1)
    np.testing.assert_array_equal(y[3:], s[:-3])
    assert np.all(y[:3] == 0)
    with pytest.raises(ValueError, match="delay"):
        st.make_echo(5, 3, np.random.default_rng(0), delay=3)


def test_parity_follows_its_own_recurrence():
    x, y = st.make_parity(40, 12, np.random.default_rng(1))
    b = x[..., 0].astype(int)
    assert np.all(y[0] == b[0])
    np.testing.assert_array_equal(y[1:], y[:-1] ^ b[1:])


def test_majority():
    x, y = st.make_majority(200, 9, np.random.default_rng(2), n_symbols=3)
    counts = x.sum(0)
    assert np.all(counts[np.arange(200), y] == counts.max(1))


def test_peaks_and_causal_bound():
    x, y = st.make_peaks(20000, 10, np.random.default_rng(3))
    v = x[..., 0]
    t = 4
    np.testing.assert_array_equal(y[t], (v[t] > v[t - 1]) & (v[t] > v[t + 1]))
    np.testing.assert_array_equal(y[0], v[0] > v[1])
    np.testing.assert_array_equal(y[-1], v[-1] > v[-2])
    # the causal Bayes rule achieves the stated accuracy
    prev = np.vstack([np.full((1, v.shape[1]), -np.inf), v[:-1]])
    guess = (v > prev) & (v > 0.5)
    guess[-1] = v[-1] > v[-2]
    assert abs((guess == y).mean() - st.peaks_causal_bayes_accuracy(10)) < 0.005
    assert st.peaks_causal_bayes_accuracy(2) == pytest.approx(1 - 0.25 / 2)


def test_delayed_xor():
    x, y = st.make_delayed_xor(30, 8, np.random.default_rng(4), delay=2)
    b = x[..., 0].astype(int)
    np.testing.assert_array_equal(y[2:], b[2:] ^ b[:-2])
    np.testing.assert_array_equal(y[:2], b[:2])


@pytest.mark.parametrize("fn", [st.make_echo, st.make_parity, st.make_majority, st.make_peaks, st.make_delayed_xor])
def test_bad_arguments(fn):
    with pytest.raises(ValueError, match="n: expected a positive int"):
        fn(0, 5, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        fn(3, 5, 0)
