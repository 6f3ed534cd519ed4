"""Reber grammars (Reber 1967; used for LSTM by Hochreiter & Schmidhuber 1997 and, as a
continual stream, by Gers, Schmidhuber & Cummins 2000).

The Reber grammar is a small finite automaton over ``B T P S X V E``::

    state 0 --B--> 1
    state 1 --T--> 2 | --P--> 3
    state 2 --S--> 2 | --X--> 4
    state 3 --T--> 3 | --V--> 5
    state 4 --X--> 3 | --S--> 6
    state 5 --P--> 4 | --V--> 6
    state 6 --E--> end

Each branch is taken with probability 1/2. The *embedded* grammar wraps a Reber string:
``B T <reber> T E`` or ``B P <reber> P E`` — the second-to-last symbol repeats the second one,
so predicting it needs a memory that spans the whole inner string. The *continual* task
concatenates embedded strings without any reset or marker of the boundary: a network without a
way to forget accumulates state until it breaks (Gers et al. 2000).

Sequences are next-symbol prediction, one-hot over :data:`REBER_SYMBOLS`, time-major.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_int

__all__ = ["REBER_SYMBOLS", "REBER_TRANSITIONS", "reber_string", "embedded_reber_string",
           "is_embedded_reber", "make_continual_reber"]

#: The seven symbols of the Reber grammar, in the order of the one-hot encoding.
REBER_SYMBOLS = "BTPSXVE"
#: The automaton between ``B`` (state 0 → 1) and ``E`` (state 6 → end):
#: state → ((symbol, next state), (symbol, next state)), each branch taken with probability 1/2.
REBER_TRANSITIONS = {
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
}


def reber_string(rng: np.random.Generator) -> str:
    """One string of the Reber grammar, e.g. ``'BTSSXXVVE'``."""
    out, state = ["B"], 1
    while state != 6:
        symbol, state = REBER_TRANSITIONS[state][int(rng.integers(0, 2))]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """One string of the embedded Reber grammar: ``B`` (T|P) reber (same T|P) ``E``."""
    wrap = "TP"[int(rng.integers(0, 2))]
    return "B" + wrap + reber_string(rng) + wrap + "E"


def _allowed_next_reber(s: str) -> list[str]:
    """For each position of a Reber string, the set of symbols that may follow it."""
    allowed, state = [], 0
    for ch in s:
        if state == 0:
            state = 1
        elif state == 6:
            state = 7
        else:
            state = dict(REBER_TRANSITIONS[state])[ch]
        if state == 6:
            allowed.append("E")
        elif state == 7:
            allowed.append("")
        else:
            allowed.append("".join(sym for sym, _ in REBER_TRANSITIONS[state]))
    return allowed


def _allowed_next_embedded(s: str) -> list[str]:
    """Allowed next symbols for each position of an embedded Reber string, followed by ``B``
    (the next string of a continual stream)."""
    wrap = s[1]
    inner = _allowed_next_reber(s[2:-2])
    inner[-1] = wrap  # after the inner E comes the repeated wrap symbol: fully determined
    return ["TP", "B"] + inner + ["E", "B"]


def is_embedded_reber(s: str) -> bool:
    """Whether ``s`` is a string of the embedded Reber grammar."""
    if len(s) < 7 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1]:
        return False
    inner = s[2:-2]
    if inner[0] != "B" or inner[-1] != "E":
        return False
    state = 1
    for ch in inner[1:-1]:
        moves = dict(REBER_TRANSITIONS.get(state, ()))
        if ch not in moves:
            return False
        state = moves[ch]
    return state == 6


def make_continual_reber(batch_size: int, seq_len: int, rng: np.random.Generator):
    """``batch_size`` independent continual streams of embedded Reber strings, cut to
    ``seq_len`` + 1 symbols (no resets, no boundary markers besides the grammar's own B/E).

    Returns
    -------
    inputs : (seq_len, batch_size, 7) float32, one-hot of the current symbol.
    targets : (seq_len, batch_size) int64, index of the next symbol.
    extra : dict with
        ``"allowed"`` (seq_len, batch_size, 7) bool — the symbols the grammar allows next;
        ``"critical"`` (seq_len, batch_size) bool — steps whose next symbol is the repeated
        T/P that needs the long-term memory (the inner string's final E);
        ``"strings"`` — for each stream, the embedded strings it is made of.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    seq_len = check_positive_int("seq_len", seq_len)
    index = {c: i for i, c in enumerate(REBER_SYMBOLS)}
    symbols = np.zeros((seq_len + 1, batch_size), dtype=np.int64)
    allowed = np.zeros((seq_len, batch_size, 7), dtype=bool)
    critical = np.zeros((seq_len, batch_size), dtype=bool)
    all_strings = []
    for b in range(batch_size):
        stream, nxt, crit, strings = [], [], [], []
        while len(stream) < seq_len + 1:
            s = embedded_reber_string(rng)
            strings.append(s)
            stream.extend(s)
            nxt.extend(_allowed_next_embedded(s))
            c = [False] * len(s)
            c[-3] = True  # the inner E: next comes the repeated wrap symbol
            crit.extend(c)
        symbols[:, b] = [index[ch] for ch in stream[: seq_len + 1]]
        for t in range(seq_len):
            for ch in nxt[t]:
                allowed[t, b, index[ch]] = True
        critical[:, b] = crit[:seq_len]
        all_strings.append(strings)
    inputs = np.eye(7, dtype=np.float32)[symbols[:-1]]
    targets = symbols[1:]
    return inputs, targets, {"allowed": allowed, "critical": critical, "strings": all_strings}
