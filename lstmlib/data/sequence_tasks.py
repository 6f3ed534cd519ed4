r"""Small sequence tasks for chapter 2, each chosen to suit one recurrent design.

========================  ====================================  =====================================
generator                 what the target is                    which design it suits
========================  ====================================  =====================================
:func:`make_echo`         the symbol seen ``delay`` steps ago   pattern A: an output every step, the
                                                                memory lives in the hidden state
:func:`make_parity`       the parity of the bits so far         pattern B: the last *output* is all
                                                                the state needed (teacher forcing)
:func:`make_majority`     the most frequent symbol              pattern C: one output after the
                                                                whole sequence
:func:`make_peaks`        is ``x_t`` a local maximum?           bidirectional: needs ``x_{t+1}``
:func:`make_delayed_xor`  ``b_t XOR b_{t-delay}``               deep RNNs: a nonlinear function of
                                                                the input and a memory, every step
========================  ====================================  =====================================

All inputs are time-major float arrays ``(T, n, F)``; per-step targets are int ``(T, n)``, one
target per sequence is int ``(n,)``. Symbols are one-hot encoded.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int
from .text import one_hot

__all__ = ["make_echo", "make_parity", "make_majority", "make_peaks", "peaks_causal_bayes_accuracy",
           "make_delayed_xor"]


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def _one_hot(symbols: np.ndarray, n_symbols: int) -> np.ndarray:
    return one_hot(symbols, n_symbols, dtype=np.float64)


def make_echo(n: int, seq_len: int, rng: np.random.Generator, *, delay: int = 2, n_symbols: int = 4):
    """Echo the input ``delay`` steps late: ``y_t = s_{t−delay}`` (and ``y_t = 0`` before that).

    The output at step ``t`` says nothing about ``s_{t−1}``, …, ``s_{t−delay+1}``, which the model
    needs later: the memory must live in a hidden state (pattern A), not in the outputs.
    Returns ``inputs (T, n, n_symbols)`` one-hot and ``targets (T, n)`` int.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    delay, n_symbols = check_positive_int("delay", delay), check_positive_int("n_symbols", n_symbols)
    if delay >= seq_len:
        raise ValueError(f"delay: expected less than seq_len={seq_len}, got {delay}")
    s = _check_rng(rng).integers(0, n_symbols, size=(seq_len, n))
    targets = np.zeros_like(s)
    targets[delay:] = s[:-delay]
    return _one_hot(s, n_symbols), targets


def make_parity(n: int, seq_len: int, rng: np.random.Generator):
    r"""Running parity: ``y_t = b_1 ⊕ … ⊕ b_t`` for random bits ``b_t``.

    Since ``y_t = y_{t−1} ⊕ b_t``, the previous output is a complete state: a network whose only
    recurrence goes from output to hidden (pattern B) can do it, and it can be trained with
    teacher forcing (feeding the true ``y_{t−1}``). Returns ``inputs (T, n, 1)`` (the bits as
    floats) and ``targets (T, n)`` int.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    bits = _check_rng(rng).integers(0, 2, size=(seq_len, n))
    return bits[..., None].astype(np.float64), np.cumsum(bits, axis=0) % 2


def make_majority(n: int, seq_len: int, rng: np.random.Generator, *, n_symbols: int = 3):
    """Which symbol occurs most often? One label per sequence (ties go to the smallest symbol).

    Returns ``inputs (T, n, n_symbols)`` one-hot and ``labels (n,)`` int — a task for pattern C,
    one output after reading everything.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    n_symbols = check_positive_int("n_symbols", n_symbols)
    s = _check_rng(rng).integers(0, n_symbols, size=(seq_len, n))
    x = _one_hot(s, n_symbols)
    return x, x.sum(axis=0).argmax(axis=1)


def make_peaks(n: int, seq_len: int, rng: np.random.Generator):
    r"""Mark the local maxima: ``y_t = 1`` iff ``x_t > x_{t−1}`` and ``x_t > x_{t+1}``, with
    ``x ~ U(0, 1)`` i.i.d. and the neighbours outside the sequence taken as −∞ (so an end point
    only has to beat its one neighbour).

    The answer at ``t`` depends on the *next* input: a causal network must guess, a
    bidirectional one can know. :func:`peaks_causal_bayes_accuracy` gives the best a causal
    model can do. Returns ``inputs (T, n, 1)`` and ``targets (T, n)`` int.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    if seq_len < 2:
        raise ValueError(f"seq_len: expected at least 2 steps, got {seq_len}")
    x = _check_rng(rng).uniform(0.0, 1.0, size=(seq_len, n))
    padded = np.pad(x, ((1, 1), (0, 0)), constant_values=-np.inf)
    peaks = (x > padded[:-2]) & (x > padded[2:])
    return x[..., None], peaks.astype(np.int64)


def peaks_causal_bayes_accuracy(seq_len: int) -> float:
    r"""The best expected accuracy on :func:`make_peaks` of any model that at step ``t`` has seen
    only ``x_1 … x_t``.

    Knowing ``x_{t−1}`` and ``x_t``: if ``x_t < x_{t−1}`` the answer is surely 0; otherwise
    ``P(peak) = P(x_{t+1} < x_t) = x_t``, so the best guess is "peak" iff ``x_t > 1/2`` and the error
    is ``min(x_t, 1 − x_t)``. Averaging over ``x_{t−1} < x_t``:
    ``∫₀¹ x · min(x, 1 − x) dx = 1/8`` for an interior step. The first step has no left
    neighbour, so its error is ``∫₀¹ min(x, 1 − x) dx = 1/4``; the last step needs no future and
    has none. Hence ``1 − (1/4 + (T − 2)/8) / T``.
    """
    seq_len = check_positive_int("seq_len", seq_len)
    if seq_len < 2:
        raise ValueError(f"seq_len: expected at least 2 steps, got {seq_len}")
    return 1.0 - (0.25 + (seq_len - 2) / 8.0) / seq_len


def make_delayed_xor(n: int, seq_len: int, rng: np.random.Generator, *, delay: int = 2):
    r"""``y_t = b_t ⊕ b_{t−delay}`` for random bits (``y_t = b_t`` before ``delay`` steps).

    Every step needs both a memory of ``delay`` bits and a nonlinear (XOR) combination with the
    new input — work that a deeper transition or a stack of layers can share out. Returns
    ``inputs (T, n, 1)`` and ``targets (T, n)`` int.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    delay = check_positive_int("delay", delay)
    if delay >= seq_len:
        raise ValueError(f"delay: expected less than seq_len={seq_len}, got {delay}")
    bits = _check_rng(rng).integers(0, 2, size=(seq_len, n))
    targets = bits.copy()
    targets[delay:] ^= bits[:-delay]
    return bits[..., None].astype(np.float64), targets
