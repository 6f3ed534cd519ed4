"""Temporal order (Hochreiter & Schmidhuber 1997, experiment 6a).

A sequence of random distractor symbols {a, b, c, d} starts with ``B`` and ends with ``E``.
Two relevant symbols, each ``X`` or ``Y``, appear at random times ``t1`` in [0.1T, 0.2T] and
``t2`` in [0.5T, 0.6T]. The class is their order: XX → 0, XY → 1, YX → 2, YY → 3. Chance
accuracy is 0.25; the model must keep the first symbol across ~0.3T noisy steps.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int

__all__ = ["TEMPORAL_ORDER_SYMBOLS", "TEMPORAL_ORDER_CLASSES", "make_temporal_order"]

#: One-hot channel order of the inputs.
TEMPORAL_ORDER_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "B", "E")
#: Class index → the two relevant symbols in order.
TEMPORAL_ORDER_CLASSES = ("XX", "XY", "YX", "YY")


def make_temporal_order(n: int, seq_len: int, rng: np.random.Generator):
    """``n`` sequences of length ``seq_len`` (≥ 10).

    Returns ``(inputs (seq_len, n, 8) float32 one-hot, targets (n,) int64 class,
    positions (n, 2) int64 the times t1, t2)``.
    """
    n = check_positive_int("n", n)
    seq_len = check_positive_int("seq_len", seq_len)
    if seq_len < 10:
        raise ValueError(f"seq_len: expected ≥ 10, got {seq_len}")
    T = seq_len
    symbols = rng.integers(0, 4, size=(T, n))  # distractors a..d
    symbols[0] = 6  # B
    symbols[-1] = 7  # E
    lo1, hi1 = max(1, int(0.1 * T)), max(2, int(0.2 * T))
    lo2, hi2 = int(0.5 * T), max(int(0.5 * T) + 1, int(0.6 * T))
    t1 = rng.integers(lo1, hi1 + 1, size=n)
    t2 = rng.integers(lo2, min(hi2, T - 2) + 1, size=n)
    first = rng.integers(0, 2, size=n)  # 0: X, 1: Y
    second = rng.integers(0, 2, size=n)
    cols = np.arange(n)
    symbols[t1, cols] = 4 + first
    symbols[t2, cols] = 4 + second
    inputs = np.eye(8, dtype=np.float32)[symbols]
    targets = (2 * first + second).astype(np.int64)
    return inputs, targets, np.stack([t1, t2], axis=1).astype(np.int64)
