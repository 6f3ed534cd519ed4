"""Bengio, Simard & Frasconi's (1994) latch task, also called the two-sequence problem.

A sequence belongs to one of two classes. Its first ``n_informative`` inputs carry the class
(+1 or −1); every later input is Gaussian noise with mean 0 and variance ``noise_var`` (0.2 in
the paper), which says nothing about the class. The target, ``±target`` (±0.8), is given only
after the last step. To solve the task a network must *latch* the first input: store one bit
and keep it safe from ``seq_len − n_informative`` steps of noise.

The task is easy for a network that already has the right weights: a one-unit tanh RNN with a
recurrent weight w > 1 has two stable states, ±h*, and the first input pushes it into one of
them. What is hard is *finding* those weights by gradient descent when the distance between the
informative input and the target grows (chapter 3).

Shapes follow the course's time-major convention: inputs ``(T, n, 1)``.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_float, check_positive_int

__all__ = ["make_latch", "latch_runs_data"]


def make_latch(
    n: int,
    seq_len: int,
    rng: np.random.Generator,
    *,
    n_informative: int = 1,
    noise_var: float = 0.2,
    target: float = 0.8,
):
    """Draw ``n`` latch sequences of length ``seq_len``.

    Parameters
    ----------
    n : number of sequences (batch size B).
    seq_len : T, the number of steps; the target comes after step T.
    rng : a ``numpy.random.Generator`` (e.g. from :func:`lstmlib.seed_everything`).
    n_informative : how many leading steps carry the class (1 ≤ n_informative ≤ T).
    noise_var : variance of the Gaussian noise on the remaining steps (0.2 in Bengio et al.).
    target : magnitude of the target; tanh outputs cannot reach ±1, so the paper uses ±0.8.

    Returns
    -------
    inputs : float64 array ``(T, n, 1)``; ``inputs[:n_informative, b, 0] == labels[b]``.
    targets : float64 array ``(n,)``, ``target * labels``.
    labels : float64 array ``(n,)`` of ±1, the class of each sequence.
    """
    n = check_positive_int("n", n)
    seq_len = check_positive_int("seq_len", seq_len)
    n_informative = check_positive_int("n_informative", n_informative)
    if n_informative > seq_len:
        raise ValueError(
            f"n_informative: expected at most seq_len={seq_len} informative steps, got {n_informative}"
        )
    noise_var = check_positive_float("noise_var", noise_var, allow_zero=True)
    target = check_positive_float("target", target)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")

    labels = rng.choice(np.array([-1.0, 1.0]), size=n)
    inputs = rng.normal(0.0, np.sqrt(noise_var), size=(seq_len, n, 1))
    inputs[:n_informative, :, 0] = labels  # the class, then nothing but noise
    return inputs, target * labels, labels


def latch_runs_data(n_runs: int, n: int, seq_len: int, rng: np.random.Generator, n_informative: int = 1,
                    noise_var: float = 0.2):
    """Latch data for a population: ``n`` sequences per run, laid out ``(T, n_runs, n)``.

    Returns ``(inputs (T, K, n), targets (K, n), labels (K, n))`` from
    :func:`make_latch`; run ``k`` owns its own sequences.
    """
    n_runs = check_positive_int("n_runs", n_runs)
    x, y, labels = make_latch(n_runs * n, seq_len, rng, n_informative=n_informative, noise_var=noise_var)
    # (T, K·n, 1) → (T, K, n): run k owns sequences k·n … k·n + n − 1
    return x[:, :, 0].reshape(seq_len, n_runs, n), y.reshape(n_runs, n), labels.reshape(n_runs, n)
