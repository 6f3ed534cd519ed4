"""Corpus BLEU and BLEU by length (lstmlib.metrics)."""
import pytest

pytest.importorskip("sacrebleu")

from lstmlib.metrics import bleu_by_length, corpus_bleu, exact_match


def test_identical_is_100_and_disjoint_is_0():
    refs = ["drei hundert zwei und vierzig , sieben", "ein und zwanzig , acht zehn , null"]
    assert corpus_bleu(refs, refs) == pytest.approx(100.0)
    assert corpus_bleu(["x y z w v", "u t s r q p"], refs) == pytest.approx(0.0, abs=1e-6)
    assert exact_match([r.split() for r in refs], refs) == 1.0


def test_corpus_not_sentence_average():
    import sacrebleu
    hyps = ["a b c d e f", "a b x"]
    refs = ["a b c d e f", "a b c"]
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score
    assert corpus_bleu(hyps, refs) == pytest.approx(expected)
    sentence_mean = sum(sacrebleu.sentence_bleu(h, [r], tokenize="none").score for h, r in zip(hyps, refs)) / 2
    assert corpus_bleu(hyps, refs) != pytest.approx(sentence_mean)


def test_bleu_by_length_buckets():
    refs = ["a b c d e", "a b c d e f g h", "a b c d e f g h i j k"]
    hyps = ["a b c d e", "a b c d e f g h", "q r s t u v w x y z o"]
    rows = bleu_by_length([3, 7, 12], hyps, refs, [1, 5, 10, 20])
    assert [(r["lo"], r["hi"], r["n"]) for r in rows] == [(1, 5, 1), (5, 10, 1), (10, 20, 1)]
    assert rows[0]["bleu"] == pytest.approx(100) and rows[2]["bleu"] < 1
    assert rows[2]["exact"] == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="hypotheses"):
        corpus_bleu(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="edges"):
        bleu_by_length([1], ["a"], ["a"], [5, 1])
