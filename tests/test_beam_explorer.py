"""The chapter 9 beam explorer is bound to the model it was built with, not to later training."""
import pytest

torch = pytest.importorskip("torch")

from lstmlib.data.translation import load_number_translation
from lstmlib.torch.beam import beam_translate
from lstmlib.torch.seq2seq import Seq2Seq, train_seq2seq
from lstmlib.viz.beam_explorer import BeamExplorer


@pytest.fixture(scope="module")
def setup():
    data = load_number_translation(300, 20, 20, max_numbers=2, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), embed_size=8, hidden_size=16, attention="additive")
    train_seq2seq(model, data, steps=15, batch_size=32, lr=1e-2, seed=0)
    return data, model


def test_training_the_original_does_not_change_the_explorer(setup):
    data, model = setup
    sample, sentence = data.test[:8], data.test[0][0]
    explorer = BeamExplorer(model, data, sample, sentence)
    before = (explorer.translations(3, 0.0, 0.0), explorer.bleu(3, 0.0, 0.0),
              [h.tokens for h in explorer.beam(3, 0.0, 0.0)])
    train_seq2seq(model, data, steps=60, batch_size=32, lr=1e-2, seed=1)     # the chapter trains on
    changed = [data.tgt_vocab.decode(beam_translate(model, data.src_vocab.encode(s), beam_width=3)[0].tokens)
               for s, _ in sample]
    assert changed != before[0], "the test needs training that changes the model's outputs"
    explorer._best.clear()                                   # decode again from the explorer's copy
    after = (explorer.translations(3, 0.0, 0.0), explorer.bleu(3, 0.0, 0.0),
             [h.tokens for h in explorer.beam(3, 0.0, 0.0)])
    assert after == before


def test_cache_agrees_with_a_fresh_decode_of_the_frozen_copy(setup):
    data, model = setup
    explorer = BeamExplorer(model, data, data.test[:5], data.test[1][0])
    cached = explorer.translations(2, 0.2, 0.2)
    fresh = [data.tgt_vocab.decode(beam_translate(explorer.model, data.src_vocab.encode(s), beam_width=2,
                                                  alpha=0.2, beta=0.2)[0].tokens) for s, _ in data.test[:5]]
    assert cached == fresh
    assert explorer.length_ratio(2, 0.2, 0.2) > 0
    assert not any(p.requires_grad for p in explorer.model.parameters())
    assert explorer.model is not model


def test_empty_sample_is_refused(setup):
    data, model = setup
    with pytest.raises(ValueError, match="sample: expected at least one"):
        BeamExplorer(model, data, [], ["one"])
