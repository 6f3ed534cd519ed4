"""The adding problem (Hochreiter & Schmidhuber 1997, experiment 4).

Every step carries two inputs: a value and a marker. Exactly two steps are marked, one in each
half of the sequence; the target, given once at the end, is a function of the two marked values.
Everything between them is distraction, so the model must keep two numbers for up to ``T`` steps.

Variants
--------
``"sum"`` (the common modern variant): values ~ U[0, 1], target ``X1 + X2``. Predicting the
mean, 1, for every sequence gives MSE = Var(X1 + X2) = 2/12 ≈ 0.167 — the trivial baseline.

``"hochreiter"`` (the paper): values ~ U[−1, 1], target ``0.5 + (X1 + X2) / 4``; a sequence
counts as solved when the absolute error is below 0.04. Trivial MSE = 2·(1/3)/16 ≈ 0.042.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_choice, check_positive_int

__all__ = ["make_adding", "trivial_mse"]


def make_adding(n: int, seq_len: int, rng: np.random.Generator, variant: str = "sum"):
    """``n`` adding-problem sequences of length ``seq_len`` (≥ 2).

    Returns ``(inputs (seq_len, n, 2) float32, targets (n, 1) float32)``; channel 0 holds the
    values, channel 1 the markers (1.0 on the two marked steps, else 0.0).
    """
    n = check_positive_int("n", n)
    seq_len = check_positive_int("seq_len", seq_len)
    check_choice("variant", variant, ("sum", "hochreiter"))
    if seq_len < 2:
        raise ValueError(f"seq_len: expected ≥ 2 (one marker in each half), got {seq_len}")
    if variant == "sum":
        values = rng.uniform(0.0, 1.0, size=(seq_len, n))
    else:
        values = rng.uniform(-1.0, 1.0, size=(seq_len, n))
    half = seq_len // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, seq_len, size=n)
    markers = np.zeros((seq_len, n))
    cols = np.arange(n)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    pair = values[first, cols] + values[second, cols]
    target = pair if variant == "sum" else 0.5 + pair / 4.0
    inputs = np.stack([values, markers], axis=-1).astype(np.float32)
    return inputs, target[:, None].astype(np.float32)


def trivial_mse(variant: str = "sum") -> float:
    """MSE of always predicting the target's mean: 1/6 for ``"sum"``, 1/24 for ``"hochreiter"``."""
    check_choice("variant", variant, ("sum", "hochreiter"))
    return 2.0 / 12.0 if variant == "sum" else 2.0 * (1.0 / 3.0) / 16.0
