"""lstmlib.runners.sequence_tasks: the chapter 4 runner trains, scores on a fixed test set, and
rejects a loss it does not know."""
import pytest
import torch

from lstmlib import seed_everything
from lstmlib.data.adding import make_adding
from lstmlib.data.temporal_order import make_temporal_order
from lstmlib.runners.sequence_tasks import train_on_task
from lstmlib.torch import LSTM
from lstmlib.torch.heads import SequenceClassifier


def _model(inputs, outputs):
    seed_everything(0)
    return SequenceClassifier(LSTM(inputs, 4, forget_bias=1.0), 4, outputs)


def test_regression_is_scored_by_test_mse_and_is_reproducible():
    runs = [train_on_task(_model(2, 1), make_adding, 10, loss="mse", steps=20, batch_size=8,
                          test_size=50, eval_every=10) for _ in range(2)]
    assert runs[0].metric_step == [10, 20]
    assert runs[0].metric == runs[1].metric                      # same seeds, same numbers
    assert all(0 < m < 1 for m in runs[0].metric)                # an MSE on targets in [0, 2]


def test_classification_is_scored_by_accuracy():
    hist = train_on_task(_model(8, 4), make_temporal_order, 20, loss="cross_entropy", steps=10,
                         batch_size=8, test_size=40, eval_every=10)
    assert hist.metric and all(0.0 <= m <= 1.0 for m in hist.metric)


def test_unknown_loss_is_named():
    with pytest.raises(ValueError, match="loss"):
        train_on_task(_model(2, 1), make_adding, 10, loss="l1", steps=1, batch_size=2)
