"""Timing tasks (Gers et al. 2002): generators and scores."""
import numpy as np
import pytest

from lstmlib.data.timing import (make_spike_delay, make_timed_spikes, score_spike_delay, score_timed_spikes,
                                 spike_times)


def test_timed_spikes_without_input_spike_every_period():
    x, y = make_timed_spikes(3, 35, 10)
    assert x.shape == y.shape == (35, 3, 1) and x.dtype == y.dtype == np.float32
    assert not x.any()
    for b in range(3):
        np.testing.assert_array_equal(np.flatnonzero(y[:, b, 0]), [9, 19, 29])


def test_timed_spikes_random_phase_starts_at_the_trigger():
    x, y = make_timed_spikes(50, 60, 7, np.random.default_rng(1), random_phase=True)
    for b in range(50):
        (t0,) = np.flatnonzero(x[:, b, 0])
        assert 0 <= t0 < 7
        np.testing.assert_array_equal(np.flatnonzero(y[:, b, 0]), np.arange(t0 + 7, 60, 7))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n=0, seq_len=20, period=5), ValueError, "n: expected a positive int, got 0"),
    (dict(n=1, seq_len=20, period=1), ValueError, "period: expected an int ≥ 2"),
    (dict(n=1, seq_len=4, period=5), ValueError, "seq_len: expected at least one period (5 steps), got 4"),
    (dict(n=1.0, seq_len=20, period=5), TypeError, "n: expected a positive int, got float"),
])
def test_timed_spikes_bad_input(kwargs, error, message):
    with pytest.raises(error) as info:
        make_timed_spikes(**kwargs)
    assert message in str(info.value)


def test_timed_spikes_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator, got int"):
        make_timed_spikes(1, 20, 5, 0, random_phase=True)


def test_spike_delay_targets_are_the_scaled_intervals():
    x, y, m = make_spike_delay(40, 120, 4, 12, np.random.default_rng(0))
    assert x.shape == y.shape == m.shape == (120, 40, 1)
    for b in range(40):
        spikes = np.flatnonzero(x[:, b, 0])
        assert spikes[0] < 12 and len(spikes) >= 3
        delays = np.diff(spikes)
        assert delays.min() >= 4 and delays.max() <= 12
        np.testing.assert_array_equal(np.flatnonzero(m[:, b, 0]), spikes[1:])  # first spike unscored
        np.testing.assert_allclose(y[spikes[1:], b, 0], delays / 12, rtol=1e-6)
        assert not y[m[:, b, 0] == 0, b, 0].any()


def test_spike_delay_uses_every_delay_in_range():
    x, y, m = make_spike_delay(200, 100, 3, 6, np.random.default_rng(0))
    got = set(np.round(y[m > 0] * 6).astype(int).tolist())
    assert got == {3, 4, 5, 6}


@pytest.mark.parametrize("args, message", [
    ((5, 100, 8, 6), "min_delay: expected ≤ max_delay=6, got 8"),
    ((5, 20, 2, 10), "seq_len: expected more than 2·max_delay=20 steps"),
])
def test_spike_delay_bad_input(args, message):
    with pytest.raises(ValueError) as info:
        make_spike_delay(*args, rng=np.random.default_rng(0))
    assert message in str(info.value)


def test_spike_times_counts_a_long_spike_once():
    y = np.zeros((10, 2))
    y[[2, 3, 4, 8], 0] = 1.0
    y[5, 1] = 0.7
    got = spike_times(y)
    np.testing.assert_array_equal(got[0], [2, 8])
    np.testing.assert_array_equal(got[1], [5])


def test_score_timed_spikes_perfect_shifted_and_silent():
    _, y = make_timed_spikes(1, 45, 10)  # spikes at 9, 19, 29, 39
    assert score_timed_spikes(y, y) == {"solved": 1.0, "timing_error": 0.0, "step_accuracy": 1.0}
    late = np.roll(y, 1, axis=0)  # every spike one step late
    s = score_timed_spikes(late, y)
    assert s["solved"] == 0.0 and s["timing_error"] == 1.0
    silent = score_timed_spikes(np.zeros_like(y), y)
    assert silent["solved"] == 0.0 and silent["timing_error"] == 45.0  # missing spikes cost T
    assert silent["step_accuracy"] == pytest.approx(41 / 45)


def test_score_timed_spikes_shape_mismatch():
    with pytest.raises(ValueError, match="targets: expected shape"):
        score_timed_spikes(np.zeros((10, 2)), np.zeros((10, 3)))


def test_score_spike_delay():
    x, y, m = make_spike_delay(8, 60, 2, 10, np.random.default_rng(3))
    s = score_spike_delay(y, y, m, 10)
    assert s == {"timing_error": 0.0, "within_tolerance": 1.0, "solved": 1.0}
    off = y + m * 0.07  # every scored prediction 0.7 steps too long
    s = score_spike_delay(off, y, m, 10)
    assert s["timing_error"] == pytest.approx(0.7, abs=1e-5) and s["within_tolerance"] == 0.0
    off_unscored = y + (1 - m) * 0.5  # errors where nothing is scored do not count
    assert score_spike_delay(off_unscored, y, m, 10)["solved"] == 1.0


def test_score_spike_delay_needs_a_scored_step():
    z = np.zeros((30, 1, 1), np.float32)
    with pytest.raises(ValueError, match="mask: expected at least one scored step"):
        score_spike_delay(z, z, z, 10)
