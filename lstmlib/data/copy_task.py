"""Copy task (after Edwin Chen's "Exploring LSTMs"; see the course's Sources page): a string over {a, b, c}, the separator ``X``, the same string.

``baaXbaa.`` — after ``X`` every character is determined by the first half, so a model that
predicts it must have stored the string. Next-character ids over :data:`COPY_VOCAB`,
time-major ``(T, B)``.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int
from .text import CharVocab, strings_to_batch

__all__ = ["COPY_VOCAB", "copy_string", "make_copy"]

#: The copy task's characters, the content symbols a, b, c, the recall marker X and the pad ``.``.
COPY_VOCAB = CharVocab("abcX.")


def copy_string(body: str) -> str:
    """``body + 'X' + body + '.'`` for a non-empty ``body`` over {a, b, c}."""
    if not body or set(body) - set("abc"):
        raise ValueError(f"body: expected a non-empty string over 'abc', got {body!r}")
    return body + "X" + body + "."


def make_copy(n: int, rng: np.random.Generator, min_len: int = 1, max_len: int = 5):
    """``n`` copy strings whose first half has a length uniform in ``[min_len, max_len]``.

    Returns ``(inputs (T, n), targets (T, n), bodies)`` where ``bodies`` is the list of
    first halves, and a mask of the scored copy steps is ``inputs`` at or after ``X``.
    """
    n = check_positive_int("n", n)
    min_len, max_len = check_positive_int("min_len", min_len), check_positive_int("max_len", max_len)
    if max_len < min_len:
        raise ValueError(f"max_len: expected ≥ min_len = {min_len}, got {max_len}")
    lengths = rng.integers(min_len, max_len + 1, size=n)
    bodies = ["".join("abc"[j] for j in rng.integers(0, 3, size=k)) for k in lengths]
    inputs, targets, _ = strings_to_batch([copy_string(s) for s in bodies], COPY_VOCAB, ".")
    return inputs, targets, bodies
