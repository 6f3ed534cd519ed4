"""State memory task (after Edwin Chen's "Exploring LSTMs"; see the course's Sources page): ``A x…x Y a`` or ``B x…x Y b``.

The first symbol (``A`` or ``B``) must be remembered across 1–10 ``x``'s; after the separator
``Y`` the model emits its lower-case copy. Next-character ids over :data:`STATE_VOCAB`,
time-major ``(T, B)``.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int
from .text import CharVocab, strings_to_batch

__all__ = ["STATE_VOCAB", "state_memory_string", "make_state_memory"]

#: The state-memory task's characters (``.`` pads a finished string).
STATE_VOCAB = CharVocab("ABxYab.")


def state_memory_string(state: str, n_x: int) -> str:
    """``state`` ∈ {'A', 'B'} followed by ``n_x`` x's, ``Y``, the lower-case state, ``.``."""
    if state not in ("A", "B"):
        raise ValueError(f"state: expected 'A' or 'B', got {state!r}")
    n_x = check_positive_int("n_x", n_x)
    return state + "x" * n_x + "Y" + state.lower() + "."


def make_state_memory(n: int, rng: np.random.Generator, min_x: int = 1, max_x: int = 10):
    """``n`` strings with a random state and ``min_x``–``max_x`` x's.

    Returns ``(inputs (T, n), targets (T, n), states (n,))`` with ``states`` 0 for A, 1 for B.
    """
    n = check_positive_int("n", n)
    min_x, max_x = check_positive_int("min_x", min_x), check_positive_int("max_x", max_x)
    if max_x < min_x:
        raise ValueError(f"max_x: expected ≥ min_x = {min_x}, got {max_x}")
    states = rng.integers(0, 2, size=n)
    n_x = rng.integers(min_x, max_x + 1, size=n)
    strings = [state_memory_string("AB"[s], int(k)) for s, k in zip(states, n_x)]
    inputs, targets, _ = strings_to_batch(strings, STATE_VOCAB, ".")
    return inputs, targets, states.astype(np.int64)
