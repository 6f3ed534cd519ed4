"""Timing tasks of Gers, Schraudolph & Schmidhuber (2002), where *when* matters, not *what*.

Two tasks, both with spikes (a 1 among 0s) as the only events:

* **Generate Timed Spikes** (GTS) — :func:`make_timed_spikes`. No input at all (a column of
  zeros); the target is a spike every ``period`` steps. The network must keep time on its own:
  a cell that ramps up and is reset when it reaches a threshold. Deciding "threshold reached"
  needs the gates to *see* the cell state — the peephole connections — because with the output
  gate closed the recurrent output ``h`` tells the gates nothing about ``c``.
* **Measure Spike Delay** (MSD) — :func:`make_spike_delay`. Spikes arrive at random intervals;
  at each spike (except the first) the target is the interval since the previous spike, scaled
  to (0, 1]. Here the input itself marks the events, and a plain forget-gate LSTM can do it:
  Gers et al. found peepholes *not* required.

Sequences are time-major, ``(T, B, 1)`` float32, like every generator in :mod:`lstmlib.data`.
:func:`score_timed_spikes` and :func:`score_spike_delay` turn a network's outputs into the
success criterion and the timing error in steps, so chapters and scripts measure the same way.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_float_array, check_positive_float, check_positive_int

__all__ = [
    "make_timed_spikes",
    "make_spike_delay",
    "spike_times",
    "score_timed_spikes",
    "score_spike_delay",
]


def _check_rng(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def make_timed_spikes(n: int, seq_len: int, period: int, rng=None, *, random_phase: bool = False):
    """Generate Timed Spikes (GTS): ``n`` sequences of ``seq_len`` steps.

    Without ``random_phase`` the input is all zeros and the target is 1 at steps
    ``period − 1, 2·period − 1, …`` (a spike every ``period`` steps, counting from the start)
    and 0 elsewhere — every sequence is the same, the network starts from a zero state and must
    generate the rhythm by itself. With ``random_phase=True`` a single trigger spike in the input
    at a random step ``t0 < period`` starts the clock: target spikes at ``t0 + k·period``
    (k ≥ 1); the network then also has to wait for the trigger.

    Returns
    -------
    inputs : (T, n, 1) float32
    targets : (T, n, 1) float32, 0/1
    """
    n = check_positive_int("n", n)
    seq_len = check_positive_int("seq_len", seq_len)
    period = check_positive_int("period", period)
    if period < 2:
        raise ValueError(f"period: expected an int ≥ 2 (a spike every step is no rhythm), got {period}")
    if seq_len < period:
        raise ValueError(f"seq_len: expected at least one period ({period} steps), got {seq_len}")
    inputs = np.zeros((seq_len, n, 1), dtype=np.float32)
    targets = np.zeros((seq_len, n, 1), dtype=np.float32)
    if random_phase:
        rng = _check_rng(rng)
        start = rng.integers(0, period, size=n)
        inputs[start, np.arange(n), 0] = 1.0
    else:
        start = np.full(n, -1)  # the clock starts "just before" step 0
    for b in range(n):
        targets[start[b] + period :: period, b, 0] = 1.0
    return inputs, targets


def make_spike_delay(n: int, seq_len: int, min_delay: int, max_delay: int, rng=None):
    """Measure Spike Delay (MSD): ``n`` sequences of ``seq_len`` steps.

    The input has spikes separated by delays drawn uniformly from ``{min_delay, …, max_delay}``
    (the first spike at a random step ``< max_delay``). At each spike after the first, the
    target is ``delay / max_delay`` — the interval since the previous spike, scaled into (0, 1];
    the mask marks those steps, the only ones where the output is scored.

    Returns
    -------
    inputs : (T, n, 1) float32 spike train
    targets : (T, n, 1) float32, scaled delays at the scored steps, 0 elsewhere
    mask : (T, n, 1) float32, 1 where a target is defined
    """
    n = check_positive_int("n", n)
    seq_len = check_positive_int("seq_len", seq_len)
    min_delay = check_positive_int("min_delay", min_delay)
    max_delay = check_positive_int("max_delay", max_delay)
    if min_delay > max_delay:
        raise ValueError(f"min_delay: expected ≤ max_delay={max_delay}, got {min_delay}")
    if seq_len <= 2 * max_delay:
        raise ValueError(f"seq_len: expected more than 2·max_delay={2 * max_delay} steps so every sequence "
                         f"has a scored spike, got {seq_len}")
    rng = _check_rng(rng)
    inputs = np.zeros((seq_len, n, 1), dtype=np.float32)
    targets = np.zeros((seq_len, n, 1), dtype=np.float32)
    mask = np.zeros((seq_len, n, 1), dtype=np.float32)
    for b in range(n):
        t = int(rng.integers(0, max_delay))
        inputs[t, b, 0] = 1.0
        while True:
            delay = int(rng.integers(min_delay, max_delay + 1))
            t += delay
            if t >= seq_len:
                break
            inputs[t, b, 0] = 1.0
            targets[t, b, 0] = delay / max_delay
            mask[t, b, 0] = 1.0
    return inputs, targets, mask


def spike_times(y, threshold: float = 0.5) -> list[np.ndarray]:
    """Steps where a ``(T, B)`` or ``(T, B, 1)`` output crosses ``threshold`` upwards — one
    array of step indices per sequence. A spike that stays high for several steps counts once."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 3 and y.shape[-1] == 1:
        y = y[..., 0]
    y = check_float_array("y", y, ("T", "B"))
    above = y > threshold
    rising = above & ~np.vstack([np.zeros((1, y.shape[1]), bool), above[:-1]])
    return [np.flatnonzero(rising[:, b]) for b in range(y.shape[1])]


def score_timed_spikes(outputs, targets, threshold: float = 0.5) -> dict:
    """Score GTS outputs against targets (both ``(T, B[, 1])``).

    A sequence is **solved** when the output is on the right side of ``threshold`` at *every*
    step (above at each target spike, below everywhere else) — Gers et al.'s criterion, an
    exact rhythm. The **timing error** compares the k-th emitted spike with the k-th target
    spike, in steps; each missing or extra spike counts as an error of ``T`` steps (the sequence
    length), so a silent network cannot look precise.

    Returns a dict: ``solved`` (fraction of sequences), ``timing_error`` (mean ``|Δt|`` in steps over
    target spikes), ``step_accuracy`` (fraction of steps on the right side of the threshold).
    """
    threshold = check_positive_float("threshold", threshold)
    out = np.asarray(outputs, dtype=np.float64)
    tgt = np.asarray(targets, dtype=np.float64)
    out = out[..., 0] if out.ndim == 3 else out
    tgt = tgt[..., 0] if tgt.ndim == 3 else tgt
    bind: dict = {}
    check_float_array("outputs", out, ("T", "B"), bind=bind)
    check_float_array("targets", tgt, ("T", "B"), bind=bind)
    correct = (out > threshold) == (tgt > 0.5)
    solved = correct.all(axis=0)
    errors = []
    T = out.shape[0]
    for emitted, wanted in zip(spike_times(out, threshold), spike_times(tgt, 0.5)):
        k = min(len(emitted), len(wanted))
        errors.extend(np.abs(emitted[:k] - wanted[:k]).tolist())
        # a missing or extra spike is as bad as being off by the distance to the sequence end
        errors.extend([float(T)] * abs(len(emitted) - len(wanted)))
    return {
        "solved": float(solved.mean()),
        "timing_error": float(np.mean(errors)) if errors else 0.0,
        "step_accuracy": float(correct.mean()),
    }


def score_spike_delay(outputs, targets, mask, max_delay: int, tolerance: float = 0.5) -> dict:
    """Score MSD outputs: the predicted delay is ``output · max_delay`` steps.

    Returns a dict: ``timing_error`` (mean ``|predicted − true delay|`` in steps over scored
    spikes), ``within_tolerance`` (fraction of scored spikes with error < ``tolerance`` steps —
    0.5 means the rounded prediction is the exact delay) and ``solved`` (fraction of sequences
    where every scored spike is within tolerance).
    """
    max_delay = check_positive_int("max_delay", max_delay)
    tolerance = check_positive_float("tolerance", tolerance)
    bind: dict = {}
    out = np.asarray(outputs, dtype=np.float64)
    tgt = np.asarray(targets, dtype=np.float64)
    msk = np.asarray(mask, dtype=np.float64)
    check_float_array("outputs", out, ("T", "B", 1), bind=bind)
    check_float_array("targets", tgt, ("T", "B", 1), bind=bind)
    check_float_array("mask", msk, ("T", "B", 1), bind=bind)
    scored = msk > 0
    if not scored.any():
        raise ValueError("mask: expected at least one scored step, got none")
    err = np.abs(out - tgt) * max_delay
    ok = (err < tolerance) | ~scored
    return {
        "timing_error": float(err[scored].mean()),
        "within_tolerance": float((err[scored] < tolerance).mean()),
        "solved": float(ok.all(axis=(0, 2)).mean()),
    }
