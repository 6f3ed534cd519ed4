"""lstmlib.torch.train: learning, history, clipping, seeding, early stopping, checkpoints, errors."""
import time

import pytest
import torch
from torch import nn

from lstmlib.torch import History, LSTM, load_checkpoint, train
from lstmlib.torch.trainer import progress_enabled

from torch_testing import one_thread  # noqa: F401  (autouse: one intra-op thread)


class LastStep(nn.Module):
    """Reads a sequence with an LSTM and predicts a number from the last state."""

    def __init__(self, **lstm_kw):
        super().__init__()
        self.lstm = LSTM(1, 8, **lstm_kw)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(self.lstm(x)[0][-1]).squeeze(-1)


def first_value_batch(step):
    """Remember the first of 6 values: a task an LSTM learns in a few dozen steps."""
    g = torch.Generator().manual_seed(step)
    x = torch.rand(6, 16, 1, generator=g) * 2 - 1
    return x, x[0, :, 0]


def mse(model, batch):
    x, y = batch
    return nn.functional.mse_loss(model(x), y)


def neg_mse(model):
    return -float(mse(model, first_value_batch(10_000)))


def test_loss_falls_and_history_is_complete():
    torch.manual_seed(0)
    h = train(LastStep(), first_value_batch, mse, steps=60, lr=2e-2, eval_fn=neg_mse, eval_every=20)
    assert h.step == list(range(1, 61)) and len(h.loss) == 60
    assert h.metric_step == [20, 40, 60]
    assert sum(h.loss[-10:]) < 0.5 * sum(h.loss[:10])
    assert h.metric[-1] > h.metric[0]
    assert not h.reached_target and h.seconds > 0


def test_same_seed_same_run_and_iterables_work():
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = LastStep(peephole=True, dropout=0.0)
        runs.append(train(model, (first_value_batch(s) for s in range(100)), mse, steps=8, seed=3).loss)
    assert runs[0] == runs[1]
    torch.manual_seed(0)
    short = train(LastStep(), [first_value_batch(0)] * 3, mse, steps=10)
    assert short.step == [1, 2, 3]  # an iterable that runs out ends training


def test_early_stopping_on_target():
    torch.manual_seed(0)
    h = train(LastStep(), first_value_batch, mse, steps=400, lr=2e-2, eval_fn=neg_mse, eval_every=10, target=-0.05)
    assert h.reached_target and h.metric[-1] >= -0.05
    assert h.step[-1] == h.metric_step[-1] < 400
    torch.manual_seed(0)
    h = train(LastStep(), first_value_batch, mse, steps=20, eval_fn=lambda m: 5.0, eval_every=10, target=6.0, mode="min")
    assert h.reached_target and h.step[-1] == 10


def test_clipping_bounds_the_update():
    """With SGD and lr=1, one step moves the weights by exactly the clipped gradient."""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    big = (torch.full((4, 3), 100.0), torch.zeros(4, 1))
    train(model, lambda s: big, mse, steps=1, lr=1.0, optimizer="sgd", clip_norm=0.5)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert torch.linalg.vector_norm(after - before).item() == pytest.approx(0.5, rel=1e-5)


def test_checkpoint_loads_with_weights_only(tmp_path):
    torch.manual_seed(0)
    model = LastStep(peephole=True)
    path = tmp_path / "ckpt.pt"
    h = train(model, first_value_batch, mse, steps=12, eval_fn=neg_mse, eval_every=5, checkpoint=path)
    fresh = LastStep(peephole=True)
    opt = torch.optim.Adam(fresh.parameters())
    state = load_checkpoint(path, fresh, opt)
    assert state["step"] == 12 and state["history"]["loss"] == h.loss
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        assert torch.equal(a, b)
    assert opt.state_dict()["state"]  # Adam's moments came back too
    assert not (tmp_path / "ckpt.pt.tmp").exists()


def test_history_plot_draws_loss_and_metric():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = History(step=[1, 2, 3, 4], loss=[4.0, 3.0, 2.0, 1.0], metric_step=[2, 4], metric=[0.5, 0.9])
    fig, ax = plt.subplots()
    assert h.plot(ax) is ax and ax.metric_ax is not None
    assert len(ax.lines) == 2 and len(ax.metric_ax.lines) == 1
    plt.close(fig)


def test_progress_is_quiet_in_ci_and_tests(monkeypatch):
    assert progress_enabled(True) and not progress_enabled(False)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("CI", raising=False)
    for key in [k for k in __import__("os").environ if k.startswith("NBVAL")]:
        monkeypatch.delenv(key)
    assert progress_enabled(None)
    monkeypatch.setenv("NBVAL_KERNEL_NAME", "python3")
    assert not progress_enabled(None)
    monkeypatch.delenv("NBVAL_KERNEL_NAME")
    monkeypatch.setenv("CI", "true")
    assert not progress_enabled(None)


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"steps": 0}, ValueError, "steps: expected a positive int, got 0"),
        ({"steps": 5, "mode": "up"}, ValueError, r"mode: expected one of \['max', 'min'\], got 'up'"),
        ({"steps": 5, "optimizer": "lbfgs"}, ValueError, r"optimizer: expected one of \['adam', 'adamw', 'sgd', 'rmsprop'\], got 'lbfgs'"),
        ({"steps": 5, "lr": -1.0}, ValueError, "lr: expected a finite float > 0, got -1.0"),
        ({"steps": 5, "clip_norm": 0.0}, ValueError, "clip_norm: expected a finite float > 0, got 0.0"),
        ({"steps": 5, "target": "high"}, TypeError, "target: expected a float or None, got str 'high'"),
    ],
)
def test_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        train(nn.Linear(1, 1), first_value_batch, mse, **kwargs)


def test_bad_callables_and_losses():
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got function"):
        train(mse, first_value_batch, mse, steps=1)
    with pytest.raises(TypeError, match="batches: expected a callable step -> batch or an iterable, got int"):
        train(nn.Linear(1, 1), 3, mse, steps=1)
    with pytest.raises(TypeError, match="loss_fn: expected a scalar tensor, got float"):
        train(LastStep(), first_value_batch, lambda m, b: 1.0, steps=1)
    with pytest.raises(FloatingPointError, match="loss: became nan at step 1"):
        train(LastStep(), first_value_batch, lambda m, b: m(b[0]).sum() * float("nan"), steps=1)


def slow_mse(model, batch):
    time.sleep(0.05)
    return mse(model, batch)


def test_time_limit_stops_after_the_step_that_crosses_it():
    torch.manual_seed(0)
    h = train(LastStep(), first_value_batch, slow_mse, steps=100, time_limit=0.12)
    assert 2 <= len(h.step) <= 6 and h.step == list(range(1, len(h.step) + 1))
    with pytest.raises(ValueError, match="time_limit: expected"):
        train(LastStep(), first_value_batch, mse, steps=1, time_limit=0)


def test_seq2seq_trains_through_the_one_loop(monkeypatch):
    """train_seq2seq is lstmlib.torch.train with sampled batches and windowed logging."""
    from lstmlib.data.translation import load_number_translation
    from lstmlib.torch import seq2seq

    calls = []
    real_train = seq2seq.train
    monkeypatch.setattr(seq2seq, "train", lambda *a, **kw: calls.append(kw) or real_train(*a, **kw))
    data = load_number_translation(100, 10, 10, max_numbers=2, max_value=99, seed=0)
    model = seq2seq.Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), embed_size=4, hidden_size=8)
    log = seq2seq.train_seq2seq(model, data, steps=7, batch_size=8, log_every=3)
    assert len(calls) == 1 and calls[0]["steps"] == 7
    assert log.step == [3, 6, 7] and len(log.loss) == 3 and not model.training
