"""The number-translation task (lstmlib.data.translation): tokenisation, splits, vocabulary."""
import numpy as np
import pytest

pytest.importorskip("num2words")

from lstmlib.data.translation import (LANGUAGES, Vocab, load_number_translation, make_translation,
                                      number_to_tokens, pad_batch, split_german)


@pytest.mark.parametrize("n,en,de", [
    (0, ["zero"], ["null"]),
    (1, ["one"], ["eins"]),
    (16, ["sixteen"], ["sech", "zehn"]),
    (17, ["seventeen"], ["sieb", "zehn"]),
    (21, ["twenty", "one"], ["ein", "und", "zwanzig"]),
    (42, ["forty", "two"], ["zwei", "und", "vierzig"]),
    (342, ["three", "hundred", "and", "forty", "two"], ["drei", "hundert", "zwei", "und", "vierzig"]),
])
def test_known_numbers(n, en, de):
    assert number_to_tokens(n, "en") == en
    assert number_to_tokens(n, "de") == de


def test_german_split_round_trips():
    from num2words import num2words
    for n in range(0, 100_000, 37):
        word = num2words(n, lang="de").lower().replace(" ", "")
        assert "".join(split_german(word)) == word


def test_digits_and_other_languages():
    assert number_to_tokens(407, "digits") == ["4", "0", "7"]
    assert number_to_tokens(97, "fr") == ["quatre", "vingt", "dix", "sept"]
    for lang in LANGUAGES:
        assert number_to_tokens(123, lang)


def test_make_translation_shapes_and_reproducibility():
    a = make_translation(50, max_numbers=5, rng=np.random.default_rng(3))
    b = make_translation(50, max_numbers=5, rng=np.random.default_rng(3))
    assert a[0] == b[0] and a[1] == b[1] and (a[2] == b[2]).all()
    src, tgt, ks = a
    assert len(src) == len(tgt) == 50 and ks.shape == (50,)
    assert ks.min() >= 1 and ks.max() <= 5
    for s, t, k in zip(src, tgt, ks):
        assert s.count(",") == t.count(",") == k - 1   # k numbers, k − 1 separators on both sides


def test_lengths_vary_widely():
    src, _, _ = make_translation(500, max_numbers=8, rng=np.random.default_rng(0))
    lengths = [len(s) for s in src]
    assert min(lengths) <= 2 and max(lengths) >= 35


def test_splits_fixed_and_disjoint():
    d1 = load_number_translation(300, 50, 80, max_numbers=3, seed=5)
    d2 = load_number_translation(300, 50, 80, max_numbers=3, seed=5)
    assert d1.train == d2.train and d1.test == d2.test
    train = {" ".join(s) for s, _ in d1.train}
    test = {" ".join(s) for s, _ in d1.test}
    valid = {" ".join(s) for s, _ in d1.valid}
    assert len(train) == 300 and len(test) == 80 and len(valid) == 50
    assert not (train & test) and not (train & valid) and not (valid & test)
    d3 = load_number_translation(300, 50, 80, max_numbers=3, seed=6)
    assert d3.test != d1.test


def test_vocab_round_trip_and_batch():
    d = load_number_translation(200, 20, 20, max_numbers=3, seed=0)
    s, t = d.train[0]
    assert d.src_vocab.decode(d.src_vocab.encode(s)) == s
    assert d.tgt_vocab.decode(d.tgt_vocab.encode(t, bos=True, eos=True)) == t
    assert d.src_vocab.encode(["no-such-word"]) == [Vocab.UNK]
    src, src_len, tgt, tgt_len = d.batch(d.train[:5])
    assert src.shape == (src_len.max(), 5) and tgt.shape == (tgt_len.max(), 5)
    assert (tgt[0] == Vocab.BOS).all()
    assert all(tgt[tgt_len[b] - 1, b] == Vocab.EOS for b in range(5))
    assert src.dtype == np.int64


def test_pad_batch():
    out, lengths = pad_batch([[5, 6, 7], [8]])
    np.testing.assert_array_equal(out, [[5, 8], [6, 0], [7, 0]])
    np.testing.assert_array_equal(lengths, [3, 1])
    with pytest.raises(ValueError, match="id_lists"):
        pad_batch([])


def test_bad_arguments():
    with pytest.raises(ValueError, match="lang"):
        number_to_tokens(3, "klingon")
    with pytest.raises(ValueError, match="min_numbers"):
        make_translation(5, min_numbers=4, max_numbers=2)
    with pytest.raises(TypeError, match="n"):
        make_translation(2.5)
    with pytest.raises(ValueError, match="distinct"):
        load_number_translation(500, 10, 10, max_numbers=1, max_value=20)
