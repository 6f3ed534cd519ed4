"""Counting tasks of Edwin Chen's "Exploring LSTMs" (see the course's Sources page), for next-character models.

* :func:`make_counting`: ``a^N X b^N .`` — the model must emit as many ``b`` as it read ``a``.
* :func:`make_selective_counting`: ``a``'s with ``X``'s scattered among them, then ``Y``, then
  ``b^N`` where N counts only the ``a``'s (the input gate should close on ``X``).

Each string ends with ``.``. Inputs and targets are ids of :data:`COUNTING_VOCAB`, time-major
``(T, B)``, padded with :data:`lstmlib.data.text.IGNORE_INDEX` targets
(see :func:`lstmlib.data.text.strings_to_batch`).
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int
from .text import CharVocab, strings_to_batch

__all__ = ["COUNTING_VOCAB", "counting_string", "make_counting", "selective_counting_string",
           "make_selective_counting", "count_generated_b"]

#: ``a`` (count up), ``X``/``Y`` (separators or distractors), ``b`` (count down), ``.`` (end).
COUNTING_VOCAB = CharVocab("aXYb.")


def counting_string(n_a: int) -> str:
    """``'a' * n_a + 'X' + 'b' * n_a + '.'``"""
    n_a = check_positive_int("n_a", n_a)
    return "a" * n_a + "X" + "b" * n_a + "."


def _check_range(min_count, max_count):
    min_count = check_positive_int("min_count", min_count)
    max_count = check_positive_int("max_count", max_count)
    if max_count < min_count:
        raise ValueError(f"max_count: expected ≥ min_count = {min_count}, got {max_count}")
    return min_count, max_count


def make_counting(n: int, rng: np.random.Generator, min_count: int = 1, max_count: int = 10):
    """``n`` strings ``a^N X b^N .`` with N uniform in ``[min_count, max_count]``.

    Returns ``(inputs (T, n), targets (T, n), counts (n,))``, ids of :data:`COUNTING_VOCAB`.
    """
    n = check_positive_int("n", n)
    min_count, max_count = _check_range(min_count, max_count)
    counts = rng.integers(min_count, max_count + 1, size=n)
    inputs, targets, _ = strings_to_batch([counting_string(int(k)) for k in counts], COUNTING_VOCAB, ".")
    return inputs, targets, counts.astype(np.int64)


def selective_counting_string(n_a: int, n_x: int, rng: np.random.Generator) -> str:
    """``n_a`` ``a``'s and ``n_x`` ``X``'s in random order (starting with ``a``), ``Y``,
    ``b^n_a``, ``.``."""
    n_a = check_positive_int("n_a", n_a)
    if n_x < 0:
        raise ValueError(f"n_x: expected ≥ 0, got {n_x}")
    rest = np.array(["a"] * (n_a - 1) + ["X"] * int(n_x))
    rng.shuffle(rest)
    return "a" + "".join(rest) + "Y" + "b" * n_a + "."


def make_selective_counting(n: int, rng: np.random.Generator, min_count: int = 1, max_count: int = 10,
                            max_distractors: int = 5):
    """``n`` selective-counting strings; N uniform in ``[min_count, max_count]``, the number of
    ``X`` uniform in ``[0, max_distractors]``.

    Returns ``(inputs (T, n), targets (T, n), counts (n,))``.
    """
    n = check_positive_int("n", n)
    min_count, max_count = _check_range(min_count, max_count)
    counts = rng.integers(min_count, max_count + 1, size=n)
    n_x = rng.integers(0, max_distractors + 1, size=n)
    strings = [selective_counting_string(int(k), int(m), rng) for k, m in zip(counts, n_x)]
    inputs, targets, _ = strings_to_batch(strings, COUNTING_VOCAB, ".")
    return inputs, targets, counts.astype(np.int64)


def count_generated_b(generated: str) -> int:
    """Number of leading ``b``'s in a generated continuation (what the model 'counted')."""
    k = 0
    while k < len(generated) and generated[k] == "b":
        k += 1
    return k
