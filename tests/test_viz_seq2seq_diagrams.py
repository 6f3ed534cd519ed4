"""Architecture drawings of chapters 8 and 9 (lstmlib.viz.seq2seq_diagrams)."""
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from lstmlib.viz.seq2seq_diagrams import draw_encoder_decoder, draw_gnmt_stack


def _texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("attention", [False, True])
def test_encoder_decoder_labels_every_state_and_word(attention):
    ax = draw_encoder_decoder(attention, source=("a", "b", "c"), target=("x", "y"))
    texts = _texts(ax)
    assert {"$h_{1}$", "$h_{2}$", "$h_{3}$", "$s_{1}$", "$s_{2}$", "a", "b", "c", "x", "y", "<bos>"} <= set(texts)
    assert any("attention" in t for t in texts) == attention
    assert ("C" in texts) == (not attention)                     # the bottleneck is drawn only without attention
    plt.close("all")


def test_gnmt_stack_has_one_box_per_layer_and_a_bidirectional_bottom():
    ax = draw_gnmt_stack(layers=4, residual_from=2)
    texts = _texts(ax)
    assert sum(bool(re.match(r"\d+: ", t)) for t in texts) == 8   # 4 encoder + 4 decoder layers
    assert any("bi-LSTM" in t for t in texts) and "softmax" in texts and "attention" in texts
    plt.close("all")


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="layers"):
        draw_gnmt_stack(layers=0)
    with pytest.raises(ValueError, match="len\\(source\\)"):
        draw_encoder_decoder(source=())
