"""Character data: a small vocabulary class, padding of string tasks, and a character corpus
taken from the Python standard library that is installed on the machine (nothing downloaded).

Chapter 5 trains next-character models. Two kinds of data feed them:

* short synthetic strings (``aaaXbbb``, ``AxxxYa``, ...) from :mod:`lstmlib.data.counting`,
  :mod:`lstmlib.data.state_memory` and :mod:`lstmlib.data.copy_task`, padded into a batch by
  :func:`strings_to_batch`;
* real source code, :func:`stdlib_corpus`, cut into training windows by :func:`char_windows`.

Sequences are time-major like everywhere in the course: ids of shape ``(T, B)``.
Targets that must not count in the loss hold :data:`IGNORE_INDEX` (PyTorch's default
``ignore_index`` of ``nn.CrossEntropyLoss``).
"""
from __future__ import annotations

import os
import sysconfig
from typing import Sequence

import numpy as np

from ..validate import check_array, check_positive_int

__all__ = [
    "IGNORE_INDEX",
    "CharVocab",
    "strings_to_batch",
    "one_hot",
    "stdlib_corpus",
    "stdlib_files",
    "PREFERRED_MODULES",
    "char_windows",
    "code_features",
    "interleaved_split",
]

#: Target value that a loss must skip (padding after a string has ended).
IGNORE_INDEX = -100

#: Standard-library modules tried first, in this order (plain, readable, long-lived code with
#: indentation, strings, comments and docstrings). Missing ones are skipped, so the corpus is the
#: same on every machine with the same Python version.
PREFERRED_MODULES = (
    "textwrap.py", "string.py", "bisect.py", "heapq.py", "fnmatch.py", "glob.py", "shlex.py",
    "colorsys.py", "keyword.py", "graphlib.py", "sched.py", "queue.py", "copy.py",
    "dataclasses.py", "functools.py", "argparse.py", "calendar.py", "difflib.py", "csv.py",
    "configparser.py", "pprint.py", "statistics.py", "fractions.py", "inspect.py",
)


class CharVocab:
    """A character vocabulary: ``encode`` a string into int ids and ``decode`` ids back.

    >>> v = CharVocab("abX")
    >>> v.encode("aXb").tolist(), v.decode([2, 0])
    ([0, 2, 1], 'Xa')
    """

    def __init__(self, chars: str | Sequence[str]):
        chars = list(dict.fromkeys(chars))  # keep first occurrences, in order
        if not chars:
            raise ValueError("chars: expected at least one character, got none")
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        """The sorted set of characters of ``text``."""
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({''.join(self.chars)!r})"

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"text: characters {unknown} are not in the vocabulary {self.chars}")
        return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).ravel())


def strings_to_batch(strings: Sequence[str], vocab: CharVocab, pad: str):
    """Pad next-character strings into a time-major batch.

    For a string ``s`` the input at step ``t`` is ``s[t]`` and the target is ``s[t + 1]``;
    after the string ends the input repeats ``pad`` and the target is :data:`IGNORE_INDEX`.

    Returns ``(inputs (T, B) int64, targets (T, B) int64, lengths (B,) int64)`` where
    ``T = max(len(s)) - 1`` and ``lengths[b] = len(strings[b]) - 1`` (the number of scored steps).
    """
    if len(strings) == 0:
        raise ValueError("strings: expected at least one string, got none")
    lengths = np.array([len(s) - 1 for s in strings], dtype=np.int64)
    if lengths.min() < 1:
        raise ValueError("strings: every string needs at least 2 characters (an input and a target)")
    T, B = int(lengths.max()), len(strings)
    pad_id = vocab.encode(pad)[0]
    inputs = np.full((T, B), pad_id, dtype=np.int64)
    targets = np.full((T, B), IGNORE_INDEX, dtype=np.int64)
    for b, s in enumerate(strings):
        ids = vocab.encode(s)
        inputs[: len(s) - 1, b] = ids[:-1]
        targets[: len(s) - 1, b] = ids[1:]
    return inputs, targets, lengths


def one_hot(ids, size: int, dtype=np.float32) -> np.ndarray:
    """``ids`` of any shape → one-hot array of shape ``ids.shape + (size,)``."""
    size = check_positive_int("size", size)
    ids = check_array("ids", np.asarray(ids), dtype="int")
    if ids.min() < 0 or ids.max() >= size:
        raise ValueError(f"ids: expected values in [0, {size - 1}], got [{ids.min()}, {ids.max()}]")
    return np.eye(size, dtype=dtype)[ids]


def stdlib_files(max_files: int = 8) -> list[str]:
    """Paths of up to ``max_files`` modules of the installed standard library, chosen
    deterministically: :data:`PREFERRED_MODULES` first, then the remaining top-level modules in
    alphabetical order."""
    max_files = check_positive_int("max_files", max_files)
    root = sysconfig.get_paths()["stdlib"]
    present = sorted(f for f in os.listdir(root) if f.endswith(".py"))
    order = [m for m in PREFERRED_MODULES if m in present]
    order += [m for m in present if m not in order and not m.startswith("_")]
    return [os.path.join(root, m) for m in order[:max_files]]


def stdlib_corpus(max_chars: int = 200_000, max_files: int = 24, ascii_only: bool = True) -> str:
    """Concatenated source of standard-library modules (see :func:`stdlib_files`), cut to
    ``max_chars`` characters. With ``ascii_only`` non-ASCII characters become ``?`` and tabs
    four spaces, which keeps the vocabulary under 100 characters."""
    max_chars = check_positive_int("max_chars", max_chars)
    parts, total = [], 0
    for path in stdlib_files(max_files):
        with open(path, encoding="utf-8", errors="replace") as fh:
            src = fh.read()
        if ascii_only:
            src = src.replace("\t", "    ").encode("ascii", "replace").decode("ascii")
        parts.append(src)
        total += len(src)
        if total >= max_chars:
            break
    if not parts:
        raise RuntimeError("no standard-library .py files found under " + sysconfig.get_paths()["stdlib"])
    return "".join(parts)[:max_chars]


def char_windows(ids: np.ndarray, seq_len: int, batch_size: int, rng: np.random.Generator):
    """Random training windows from a long id sequence.

    Returns ``(inputs (seq_len, batch_size), targets (seq_len, batch_size))`` int64 where
    ``targets[t] = inputs[t + 1]`` within the corpus (next-character prediction).
    """
    ids = check_array("ids", np.asarray(ids), ndim=1, dtype="int")
    seq_len = check_positive_int("seq_len", seq_len)
    batch_size = check_positive_int("batch_size", batch_size)
    if len(ids) < seq_len + 2:
        raise ValueError(f"ids: expected at least seq_len + 2 = {seq_len + 2} ids, got {len(ids)}")
    starts = rng.integers(0, len(ids) - seq_len - 1, size=batch_size)
    idx = starts[None, :] + np.arange(seq_len)[:, None]  # (T, B)
    return ids[idx].astype(np.int64), ids[idx + 1].astype(np.int64)


def code_features(text: str) -> dict[str, np.ndarray]:
    """Per-character features of Python source, for the search for interpretable units
    (Karpathy, Johnson & Fei-Fei 2015). For each character of ``text``, as float arrays:

    * ``"inside string"`` — 1 inside a quoted string (single-line ``'…'``/``"…"`` and triple-quoted
      ``'''…'''``/``\"\"\"…\"\"\"``), quotes included, else 0;
    * ``"inside comment"`` — 1 from ``#`` (outside strings) to the end of the line;
    * ``"indentation"`` — the number of leading spaces of the current line;
    * ``"column"`` — the position within the line (0 at the first character).

    A small lexer, good enough for plots: escapes are honoured, f-string nesting is not.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    n = len(text)
    inside_string, inside_comment = np.zeros(n), np.zeros(n)
    indentation, column = np.zeros(n), np.zeros(n)
    quote = None  # the open delimiter: ', ", ''' or """
    comment, col, indent, leading = False, 0, 0, True
    k = 0
    while k < n:
        ch = text[k]
        step = 1
        if quote is not None:
            inside_string[k] = 1
            if ch == "\\":
                step = 2
            elif text.startswith(quote, k):
                step = len(quote)
                inside_string[k:k + step] = 1  # the closing quote belongs to the string
                quote = None
            elif ch == "\n" and len(quote) == 1:  # unterminated single-line string
                quote = None
        elif comment:
            inside_comment[k] = ch != "\n"
            comment = ch != "\n"
        elif ch == "#":
            comment = True
            inside_comment[k] = 1
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, k) else ch
            step = len(quote)
            inside_string[k:k + step] = 1
        for j in range(k, min(k + step, n)):
            c = text[j]
            if j > k and quote is not None:
                inside_string[j] = 1
            if leading and c == " ":
                indent += 1
            elif leading and c != "\n":
                leading = False
            column[j], indentation[j] = col, indent
            if c == "\n":
                col, indent, leading = 0, 0, True
            else:
                col += 1
        k += step
    return {"inside string": inside_string, "inside comment": inside_comment,
            "indentation": indentation, "column": column}


def interleaved_split(ids, block_size: int = 2000, val_every: int = 10):
    """Split a corpus into training and validation ids by blocks: every ``val_every``-th block of
    ``block_size`` ids goes to validation, the rest to training (each part concatenated).

    Why not simply the last 10 %: the standard-library corpus is a few files in a row, so its
    tail is one file whose style (say, mostly docstring prose) the model has never seen, and the
    validation loss would measure that file rather than how well the model learned Python.
    """
    ids = check_array("ids", np.asarray(ids), ndim=1, dtype="int")
    block_size = check_positive_int("block_size", block_size)
    val_every = check_positive_int("val_every", val_every)
    if val_every < 2 or len(ids) < val_every * block_size:
        raise ValueError(f"ids: expected at least val_every·block_size = {val_every * block_size} ids "
                         f"and val_every ≥ 2, got {len(ids)} ids and val_every = {val_every}")
    blocks = [ids[k:k + block_size] for k in range(0, len(ids), block_size)]
    val = [b for j, b in enumerate(blocks) if j % val_every == val_every - 1]
    train = [b for j, b in enumerate(blocks) if j % val_every != val_every - 1]
    return np.concatenate(train), np.concatenate(val)
