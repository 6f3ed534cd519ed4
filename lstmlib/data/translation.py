"""A translation task generated offline: lists of numbers written out in words, from one language
into another (chapters 8–9).

A *sentence* is a comma-separated list of ``k`` numbers (``k`` drawn from 1 … ``max_numbers``),
each written out by the well-kept package ``num2words``::

    source (en): three hundred and forty two , seven , sixteen
    target (de): drei hundert zwei und vierzig , sieben , sech zehn

Why this task:

* **Variable length.** ``k`` sets the length, from one token to about 45, so BLEU can be plotted
  against source length (Bahdanau et al. 2014, Fig. 2).
* **Reordering.** German puts units before tens ("zwei und vierzig" = two-and-forty), so the
  alignment between source and target words crosses; an attention heatmap shows it.
* **Nothing is downloaded**, and the answer is known exactly, so BLEU measures the model only.

German writes a number as one compound word (``dreihundertzweiundvierzig``). We split it into
its morphemes (``drei hundert zwei und vierzig``) — a hand-made miniature of the word pieces GNMT
uses (Wu et al. 2016) — so that source and target are both sequences of small units.
Other languages split on spaces and hyphens. ``"digits"`` writes the digits one token each.

Splits are fixed by a seed and disjoint: no test sentence appears in training.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ..validate import check_choice, check_nonnegative_int, check_positive_int

__all__ = [
    "LANGUAGES",
    "Vocab",
    "number_to_tokens",
    "split_german",
    "make_translation",
    "TranslationData",
    "load_number_translation",
    "pad_batch",
]

#: The languages a sentence can be written in, ``"digits"`` or a ``num2words`` code we tokenise.
LANGUAGES = ("digits", "en", "de", "fr", "es", "it")

SEPARATOR = ","

# German number morphemes. Longest match first, so "sechzig" wins over "sech" + ..., and
# "eins" (final one: "hunderteins") over "ein" ("einundzwanzig").
_GERMAN_MORPHEMES = sorted(
    [
        "null", "eins", "ein", "eine", "zwei", "drei", "vier", "fünf", "sechs", "sech", "sieben",
        "sieb", "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig", "vierzig",
        "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig", "hundert", "tausend", "und",
        "million", "millionen",
    ],
    key=len,
    reverse=True,
)


def split_german(word: str) -> list[str]:
    """Split a German number word into morphemes: ``"dreihundertzweiundvierzig"`` →
    ``["drei", "hundert", "zwei", "und", "vierzig"]`` (greedy longest match; the pieces
    concatenate back to the word)."""
    word = word.lower()
    pieces, pos = [], 0
    while pos < len(word):
        for m in _GERMAN_MORPHEMES:
            if word.startswith(m, pos):
                pieces.append(m)
                pos += len(m)
                break
        else:
            raise ValueError(f"word: cannot split German number word {word!r} at position {pos}")
    return pieces


def number_to_tokens(n: int, lang: str) -> list[str]:
    """One number written out in ``lang`` as a list of tokens (see the module docstring)."""
    check_nonnegative_int("n", n)
    check_choice("lang", lang, LANGUAGES)
    return list(_number_to_tokens(int(n), lang))


@lru_cache(maxsize=None)  # num2words takes ~0.1 ms a call; a data set asks for the same numbers often
def _number_to_tokens(n: int, lang: str) -> tuple[str, ...]:
    if lang == "digits":
        return tuple(str(n))
    from num2words import num2words  # imported lazily: only this task needs it

    text = num2words(n, lang=lang).lower()
    tokens = [t for t in re.split(r"[\s\-,]+", text) if t]
    if lang == "de":
        tokens = [piece for t in tokens for piece in split_german(t)]
    return tuple(tokens)


def _sample_numbers(count: int, max_value: int, rng: np.random.Generator) -> np.ndarray:
    # Draw the number of digits uniformly first: uniform over 0…999 would make nearly every number
    # a five-word "x hundred and y z", and lengths would vary only through k.
    n_digits = rng.integers(1, len(str(max_value)) + 1, size=count)
    lo = np.where(n_digits == 1, 0, 10 ** (n_digits - 1))
    hi = np.minimum(max_value, 10**n_digits - 1)
    return rng.integers(lo, hi + 1)


def make_translation(
    n: int,
    *,
    source: str = "en",
    target: str = "de",
    min_numbers: int = 1,
    max_numbers: int = 8,
    max_value: int = 999,
    rng: np.random.Generator | None = None,
) -> tuple[list[list[str]], list[list[str]], np.ndarray]:
    """Generate ``n`` sentence pairs.

    Returns ``(sources, targets, numbers_per_sentence)``: two lists of token lists and an int
    array ``(n,)`` with ``k`` for each pair. Token lists have different lengths, so they are
    lists, not arrays; :func:`pad_batch` turns a batch into a padded ``(T, B)`` array.
    """
    n = check_positive_int("n", n)
    check_choice("source", source, LANGUAGES)
    check_choice("target", target, LANGUAGES)
    min_numbers = check_positive_int("min_numbers", min_numbers)
    max_numbers = check_positive_int("max_numbers", max_numbers)
    max_value = check_nonnegative_int("max_value", max_value)
    if min_numbers > max_numbers:
        raise ValueError(f"min_numbers: expected ≤ max_numbers={max_numbers}, got {min_numbers}")
    rng = np.random.default_rng() if rng is None else rng
    sources, targets = [], []
    ks = rng.integers(min_numbers, max_numbers + 1, size=n)
    all_numbers = _sample_numbers(int(ks.sum()), max_value, rng).tolist()
    starts = np.concatenate([[0], np.cumsum(ks)])
    for j in range(n):
        numbers = all_numbers[starts[j] : starts[j + 1]]
        src, tgt = [], []
        for i, x in enumerate(numbers):
            if i:
                src.append(SEPARATOR)
                tgt.append(SEPARATOR)
            src += _number_to_tokens(x, source)
            tgt += _number_to_tokens(x, target)
        sources.append(src)
        targets.append(tgt)
    return sources, targets, ks.astype(np.int64)


class Vocab:
    """A token ↔ id table with four special tokens: ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2,
    ``<unk>`` = 3. Build it from training sentences with :meth:`build`."""

    PAD, BOS, EOS, UNK = 0, 1, 2, 3
    SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")

    def __init__(self, tokens: Iterable[str]):
        self.itos: list[str] = list(self.SPECIALS)
        for t in tokens:
            if t not in self.itos:
                self.itos.append(t)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]]) -> "Vocab":
        """All tokens seen in ``sentences``, sorted (so the ids do not depend on the data order)."""
        return cls(sorted({t for s in sentences for t in s}))

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {' '.join(self.itos[4:14])} …)"

    def encode(self, tokens: Sequence[str], *, bos: bool = False, eos: bool = False) -> list[int]:
        """Token list → id list (unknown tokens → ``<unk>``), optionally framed by BOS/EOS."""
        ids = [self.stoi.get(t, self.UNK) for t in tokens]
        return ([self.BOS] if bos else []) + ids + ([self.EOS] if eos else [])

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Id list → token list, stopping at the first ``<eos>`` and skipping ``<pad>``/``<bos>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.EOS:
                break
            if i in (self.PAD, self.BOS):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else "<unk>")
        return out


def pad_batch(id_lists: Sequence[Sequence[int]], pad: int = Vocab.PAD) -> tuple[np.ndarray, np.ndarray]:
    """Pad id lists into a time-major ``(T, B)`` int64 array; also return the lengths ``(B,)``."""
    if len(id_lists) == 0:
        raise ValueError("id_lists: expected at least one sequence, got none")
    lengths = np.array([len(s) for s in id_lists], dtype=np.int64)
    if lengths.min() < 1:
        raise ValueError("id_lists: expected non-empty sequences, got one of length 0")
    out = np.full((int(lengths.max()), len(id_lists)), pad, dtype=np.int64)
    for b, s in enumerate(id_lists):
        out[: len(s), b] = s
    return out, lengths


@dataclass
class TranslationData:
    """Fixed train/valid/test splits of sentence pairs and the two vocabularies.

    Each split is a list of ``(source_tokens, target_tokens)`` pairs; ``src_vocab`` and
    ``tgt_vocab`` are built from the training split.
    """

    train: list = field(repr=False)
    valid: list = field(repr=False)
    test: list = field(repr=False)
    src_vocab: Vocab
    tgt_vocab: Vocab
    source: str = "en"
    target: str = "de"

    def __repr__(self) -> str:
        return (
            f"TranslationData({self.source}→{self.target}: train {len(self.train)}, "
            f"valid {len(self.valid)}, test {len(self.test)}; "
            f"{len(self.src_vocab)} source / {len(self.tgt_vocab)} target tokens)"
        )

    def batch(self, pairs: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Encode and pad pairs: ``(src (S, B), src_len (B,), tgt (T, B), tgt_len (B,))``.
        Targets are framed ``<bos> … <eos>``; sources are not."""
        src, src_len = pad_batch([self.src_vocab.encode(s) for s, _ in pairs])
        tgt, tgt_len = pad_batch([self.tgt_vocab.encode(t, bos=True, eos=True) for _, t in pairs])
        return src, src_len, tgt, tgt_len

    def sample_batch(self, batch_size: int, rng: np.random.Generator, split: str = "train"):
        """A random training batch (with replacement), encoded as in :meth:`batch`."""
        pairs = getattr(self, check_choice("split", split, ("train", "valid", "test")))
        idx = rng.integers(0, len(pairs), size=check_positive_int("batch_size", batch_size))
        return self.batch([pairs[i] for i in idx])


def load_number_translation(
    n_train: int = 20000,
    n_valid: int = 500,
    n_test: int = 1000,
    *,
    source: str = "en",
    target: str = "de",
    min_numbers: int = 1,
    max_numbers: int = 8,
    max_value: int = 999,
    seed: int = 0,
) -> TranslationData:
    """The course's translation data set: seeded, disjoint train/valid/test splits.

    Test and validation sentences are drawn first and removed from the training pool, so a model
    cannot score by memorising. The same arguments give the same splits on every machine.
    """
    for name, v in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test)):
        check_positive_int(name, v)
    rng = np.random.default_rng(check_nonnegative_int("seed", seed))
    kw = dict(source=source, target=target, min_numbers=min_numbers, max_numbers=max_numbers,
              max_value=max_value)
    seen: set = set()
    splits = []
    for size in (n_test, n_valid, n_train):
        pairs: list = []
        attempts = 0
        while len(pairs) < size:
            attempts += 1
            if attempts > 50:
                raise ValueError(
                    f"n_train/n_valid/n_test: only {len(pairs)} distinct sentences found for a split "
                    f"of {size}; allow more numbers per sentence or a larger max_value"
                )
            srcs, tgts, _ = make_translation(size - len(pairs), rng=rng, **kw)
            for s, t in zip(srcs, tgts):
                key = " ".join(s)
                if key not in seen:
                    seen.add(key)
                    pairs.append((s, t))
        splits.append(pairs)
    test, valid, train = splits
    src_vocab = Vocab.build(s for s, _ in train)
    tgt_vocab = Vocab.build(t for _, t in train)
    return TranslationData(train, valid, test, src_vocab, tgt_vocab, source, target)
