"""Character tasks of chapter 5 and the standard-library corpus."""
import numpy as np
import pytest

from lstmlib.data.copy_task import COPY_VOCAB, copy_string, make_copy
from lstmlib.data.counting import (COUNTING_VOCAB, count_generated_b, counting_string, make_counting,
                                   make_selective_counting)
from lstmlib.data.state_memory import STATE_VOCAB, make_state_memory, state_memory_string
from lstmlib.data.text import (IGNORE_INDEX, CharVocab, char_windows, code_features, one_hot,
                               stdlib_corpus, stdlib_files, strings_to_batch)


def decode_rows(vocab, inputs, targets):
    """Rebuild each padded string from (inputs, targets)."""
    out = []
    for b in range(inputs.shape[1]):
        n = int((targets[:, b] != IGNORE_INDEX).sum())
        out.append(vocab.decode(inputs[:n, b]) + vocab.decode(targets[n - 1:n, b]))
    return out


def test_vocab_roundtrip_and_errors():
    v = CharVocab("abX")
    assert v.decode(v.encode("aXbba")) == "aXbba"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        v.encode("abc")


def test_strings_to_batch_shifts_and_pads():
    v = CharVocab("ab.")
    x, y, n = strings_to_batch(["ab.", "aaab."], v, ".")
    assert x.shape == (4, 2) and n.tolist() == [2, 4]
    assert y[:, 0].tolist() == [1, 2, IGNORE_INDEX, IGNORE_INDEX]
    assert x[2:, 0].tolist() == [2, 2]


def test_counting_strings():
    x, y, counts = make_counting(50, np.random.default_rng(0), max_count=7)
    strings = decode_rows(COUNTING_VOCAB, x, y)
    for s, k in zip(strings, counts):
        assert s == counting_string(int(k)) == "a" * k + "X" + "b" * k + "."
    assert counts.min() >= 1 and counts.max() <= 7
    assert count_generated_b("bbbb.") == 4 and count_generated_b("ab") == 0


def test_selective_counting_counts_only_a():
    x, y, counts = make_selective_counting(50, np.random.default_rng(1), max_distractors=4)
    for s, k in zip(decode_rows(COUNTING_VOCAB, x, y), counts):
        head, tail = s.split("Y")
        assert head.count("a") == k and head[0] == "a" and set(head) <= {"a", "X"}
        assert tail == "b" * k + "."


def test_state_memory_and_copy():
    x, y, states = make_state_memory(40, np.random.default_rng(2))
    for s, st in zip(decode_rows(STATE_VOCAB, x, y), states):
        assert s[0] == "AB"[st] and s[-2] == "ab"[st] and s.endswith("Y" + "ab"[st] + ".")
    assert state_memory_string("B", 3) == "BxxxYb."
    x, y, bodies = make_copy(40, np.random.default_rng(3), max_len=4)
    for s, body in zip(decode_rows(COPY_VOCAB, x, y), bodies):
        assert s == copy_string(body) and 1 <= len(body) <= 4
    with pytest.raises(ValueError):
        copy_string("abd")


def test_one_hot():
    ids = np.array([[0, 2], [1, 1]])
    oh = one_hot(ids, 3)
    assert oh.shape == (2, 2, 3) and np.all(oh.argmax(-1) == ids) and np.all(oh.sum(-1) == 1)
    with pytest.raises(ValueError):
        one_hot(np.array([3]), 3)


def test_stdlib_corpus_is_deterministic_and_local():
    files = stdlib_files(4)
    assert len(files) == 4 and all(f.endswith(".py") for f in files)
    a, b = stdlib_corpus(20_000), stdlib_corpus(20_000)
    assert a == b and len(a) == 20_000 and a.isascii() and "def " in a


def test_char_windows_targets_are_next_ids():
    ids = np.arange(1000)
    x, y = char_windows(ids, 20, 8, np.random.default_rng(0))
    assert x.shape == (20, 8) and np.all(y == x + 1) and np.all(x[1:] == x[:-1] + 1)


def test_code_features():
    text = 'x = "a#b"  # c\n    if y:\n'
    f = code_features(text)
    s, c = f["inside string"], f["inside comment"]
    assert "".join(ch for ch, v in zip(text, s) if v) == '"a#b"'
    assert "".join(ch for ch, v in zip(text, c) if v) == "# c"
    assert f["column"][text.index("if")] == 4 and f["indentation"][text.index("if")] == 4
    assert f["indentation"][0] == 0
    triple = "'''a\nb'''\nz"
    assert code_features(triple)["inside string"].tolist() == [1] * 9 + [0, 0]


def test_interleaved_split_partitions_blocks():
    from lstmlib.data.text import interleaved_split
    ids = np.arange(10_500)
    train, val = interleaved_split(ids, block_size=100, val_every=10)
    assert len(train) + len(val) == len(ids)
    assert np.array_equal(np.sort(np.concatenate([train, val])), ids)
    assert val[:100].tolist() == list(range(900, 1000))
    with pytest.raises(ValueError):
        interleaved_split(np.arange(50), block_size=100)
