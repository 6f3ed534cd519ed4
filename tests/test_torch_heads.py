"""lstmlib.torch.heads: the read-out heads every chapter and experiment builds on."""
import pytest
import torch
from torch import nn

from lstmlib.torch import GRU, LSTM
from lstmlib.torch.heads import SequenceModel, StepModel

from torch_testing import one_thread  # noqa: F401  (autouse: one intra-op thread)


def test_step_model_one_hot_equals_float_input_and_carries_state():
    torch.manual_seed(0)
    model = StepModel(LSTM(5, 6), 5)
    ids = torch.randint(0, 5, (7, 3))
    logits, state = model(ids)
    torch.testing.assert_close(logits, model(nn.functional.one_hot(ids, 5).float())[0])
    first, mid = model(ids[:4])
    second, _ = model(ids[4:], mid)
    torch.testing.assert_close(torch.cat([first, second]), logits)


def test_step_model_with_an_encoder_and_a_bidirectional_rnn():
    embedding = nn.Embedding(11, 4)
    model = StepModel(GRU(4, 6, bidirectional=True), 11, encoder=embedding)
    assert model.head.in_features == 12
    assert model(torch.zeros(5, 2, dtype=torch.long))[0].shape == (5, 2, 11)
    with pytest.raises(TypeError, match="recurrent: expected an nn.Module"):
        StepModel("lstm", 3)


def test_sequence_model_is_a_step_model_with_the_cell_by_name():
    model = SequenceModel("gru", 4, 6, 2, reset_after=False)
    assert isinstance(model, StepModel) and model.cell == "gru" and model.rnn.variant == "reset-before"
    with pytest.raises(ValueError, match=r"cell: expected one of \['rnn', 'gru', 'lstm'\], got 'tcn'"):
        SequenceModel("tcn", 4, 6, 2)
