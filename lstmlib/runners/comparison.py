"""Train-and-score runners for comparing recurrent cells (chapters 6 and 7).

A comparison is only fair when every contender gets the same task, the same budget and the same
yardstick. Each ``run_<task>(cell, ..., seed)`` here builds a :class:`~lstmlib.torch.heads.SequenceModel`
(:mod:`lstmlib.torch.heads`), trains it with :func:`lstmlib.torch.train` and returns a small dict of
plain floats (the task's score, the parameter count, the seconds it took). The chapters call
them with small settings live; the scripts in ``experiments/`` call the *same* functions with
more seeds and steps and write JSON that the chapters plot.

``cell`` is ``"rnn"``, ``"gru"`` or ``"lstm"``; ``options`` are passed to the module
(``peephole=True``, ``forget_gate=False``, ``coupled=True``, ``reset_after=False``, ...).
Sizes are given either as ``hidden_size`` or as a parameter ``budget``
(:func:`hidden_size_for_budget` picks the largest hidden size that fits — Chung et al. 2014's
"comparable number of parameters").
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from .. import validate
from ..data.adding import make_adding, trivial_mse
from ..data.counting import COUNTING_VOCAB, make_counting
from ..data.reber import make_continual_reber
from ..data.text import IGNORE_INDEX, CharVocab, char_windows, stdlib_corpus
from ..data.timing import make_spike_delay, make_timed_spikes, score_spike_delay, score_timed_spikes
from ..seeding import seed_everything
from ..torch import train
from ..torch.heads import CELLS, SequenceModel

__all__ = [
    "count_parameters",
    "hidden_size_for_budget",
    "run_adding",
    "run_counting",
    "run_char",
    "run_continual_reber",
    "run_timed_spikes",
    "run_spike_delay",
]


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters. A removed gate's weight block stays in the ``4H`` layout (unused,
    zero gradient, see :mod:`lstmlib.torch.modules`) and is still counted here."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def hidden_size_for_budget(cell: str, input_size: int, output_size: int, budget: int, **options) -> int:
    """The largest hidden size whose :class:`~lstmlib.torch.heads.SequenceModel` has at most ``budget`` parameters.

    Per hidden unit an RNN has one block of weights, a GRU three, an LSTM four, so at the same
    budget the RNN gets about twice the LSTM's units.
    """
    validate.check_choice("cell", cell, CELLS)
    budget = validate.check_positive_int("budget", budget)

    def size(h):
        # counted from a real module so the formula can never drift from the library
        return count_parameters(SequenceModel(cell, input_size, h, output_size, **options))

    if size(1) > budget:
        raise ValueError(f"budget: expected at least {size(1)} parameters for a {cell} with one unit, got {budget}")
    lo, hi = 1, 2
    while size(hi) <= budget:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if size(mid) <= budget else (lo, mid)
    return lo


def _build(cell, input_size, output_size, hidden_size, budget, seed, options):
    if (hidden_size is None) == (budget is None):
        raise ValueError("hidden_size, budget: expected exactly one of them, got "
                         f"hidden_size={hidden_size!r}, budget={budget!r}")
    if hidden_size is None:
        hidden_size = hidden_size_for_budget(cell, input_size, output_size, budget, **options)
    seed_everything(seed)  # the initial weights depend on the seed only
    model = SequenceModel(cell, input_size, hidden_size, output_size, **options)
    return model, hidden_size


def _summary(model, hidden_size, history, t0, **scores) -> dict:
    return {"params": count_parameters(model), "hidden_size": hidden_size, "steps": len(history.step),
            "seconds": round(time.perf_counter() - t0, 2), **{k: float(v) for k, v in scores.items()}}


# ---------------------------------------------------------------------------------------------
# The adding problem (chapter 4): remember two marked values across the whole sequence.
# ---------------------------------------------------------------------------------------------
def run_adding(cell: str, seq_len: int, *, hidden_size=None, budget=None, steps=600, batch_size=64,
               lr=1e-2, seed=0, n_test=1000, **options) -> dict:
    """Adding problem, variant ``"sum"`` (values U[0, 1], target X1 + X2), read-out at the last step.

    Scores: ``mse`` on fresh test sequences, ``ratio`` = mse / trivial mse (predicting the mean
    gives 1.0; below 0.1 the model clearly uses both marked values) and ``solved`` = fraction of
    test sequences with ``|error| < 0.08`` (Hochreiter & Schmidhuber's 0.04 on their scale
    0.5 + (X1' + X2')/4 with X' = 2X − 1, which is (X1 + X2)/2: half of ours).
    """
    t0 = time.perf_counter()
    seq_len = validate.check_positive_int("seq_len", seq_len)
    model, hidden_size = _build(cell, 2, 1, hidden_size, budget, seed, options)
    rng = np.random.default_rng(10_000 + seed)
    test_x, test_y = (torch.from_numpy(a) for a in make_adding(n_test, seq_len, np.random.default_rng(99)))

    def batch(step):
        return tuple(torch.from_numpy(a) for a in make_adding(batch_size, seq_len, rng))

    def loss_fn(m, b):
        return nn.functional.mse_loss(m(b[0])[0][-1], b[1])

    def mse(m):
        return nn.functional.mse_loss(m(test_x)[0][-1], test_y).item()

    history = train(model, batch, loss_fn, steps=steps, lr=lr, eval_fn=mse, eval_every=100,
                    target=0.01 * trivial_mse(), mode="min", seed=seed, progress=False)
    with torch.no_grad():
        err = (model(test_x)[0][-1] - test_y).abs()
    test_mse = float((err ** 2).mean())
    return _summary(model, hidden_size, history, t0, mse=test_mse, ratio=test_mse / trivial_mse(),
                    solved=float((err < 0.08).float().mean()))


# ---------------------------------------------------------------------------------------------
# Counting a^N X b^N (chapter 5): emit exactly as many b's as a's were read.
# ---------------------------------------------------------------------------------------------
def _counting_scores(model, inputs, targets, counts):
    """Fraction of strings whose whole predictable part (every step after X) is right."""
    with torch.no_grad():
        pred = model(torch.from_numpy(inputs))[0].argmax(-1).numpy()  # (T, B)
    T = np.arange(inputs.shape[0])[:, None]
    after_x = (T >= counts[None, :]) & (targets != IGNORE_INDEX)  # step N reads X, predicts b
    correct = (pred == targets) | ~after_x
    return float(correct.all(axis=0).mean())


def run_counting(cell: str, *, hidden_size=None, budget=None, steps=600, batch_size=64, lr=1e-2,
                 seed=0, max_count=12, **options) -> dict:
    """Next-character model on ``a^N X b^N .`` with N ∈ [1, ``max_count``].

    Score: ``accuracy`` = fraction of test strings (every N once, several times) whose every
    prediction after ``X`` is right — the model emits exactly N b's and then the end mark.
    The a's themselves are unpredictable (N is random), so they are not scored.
    """
    t0 = time.perf_counter()
    V = len(COUNTING_VOCAB)
    model, hidden_size = _build(cell, V, V, hidden_size, budget, seed, options)
    rng = np.random.default_rng(10_000 + seed)
    test = make_counting(8 * max_count, np.random.default_rng(99), 1, max_count)

    def batch(step):
        x, y, _ = make_counting(batch_size, rng, 1, max_count)
        return torch.from_numpy(x), torch.from_numpy(y)

    def loss_fn(m, b):
        logits = m(b[0])[0]
        return nn.functional.cross_entropy(logits.reshape(-1, V), b[1].reshape(-1), ignore_index=IGNORE_INDEX)

    history = train(model, batch, loss_fn, steps=steps, lr=lr, eval_fn=lambda m: _counting_scores(m, *test),
                    eval_every=100, target=1.0, seed=seed, progress=False)
    return _summary(model, hidden_size, history, t0, accuracy=_counting_scores(model, *test))


# ---------------------------------------------------------------------------------------------
# A character model of Python source (chapter 5's corpus).
# ---------------------------------------------------------------------------------------------
def run_char(cell: str, *, hidden_size=None, budget=None, steps=400, batch_size=32, seq_len=64,
             lr=1e-2, seed=0, corpus_chars=120_000, **options) -> dict:
    """Next-character model on standard-library Python source (the last 10 % held out).

    Score: ``bpc`` = validation bits per character (lower is better; a uniform guess over the
    vocabulary is log2 V ≈ 6.5 bits, a unigram model about 4.7).
    """
    t0 = time.perf_counter()
    text = stdlib_corpus(corpus_chars)
    vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)
    split = int(0.9 * len(ids))
    train_ids, val_ids = ids[:split], ids[split:]
    V = len(vocab)
    model, hidden_size = _build(cell, V, V, hidden_size, budget, seed, options)
    rng = np.random.default_rng(10_000 + seed)
    val = tuple(torch.from_numpy(a) for a in char_windows(val_ids, seq_len, 256, np.random.default_rng(99)))

    def batch(step):
        return tuple(torch.from_numpy(a) for a in char_windows(train_ids, seq_len, batch_size, rng))

    def loss_fn(m, b):
        return nn.functional.cross_entropy(m(b[0])[0].reshape(-1, V), b[1].reshape(-1))

    def bpc(m):
        return loss_fn(m, val).item() / np.log(2)

    history = train(model, batch, loss_fn, steps=steps, lr=lr, seed=seed, progress=False)
    model.eval()
    with torch.no_grad():
        score = bpc(model)
    return _summary(model, hidden_size, history, t0, bpc=score)


# ---------------------------------------------------------------------------------------------
# Continual embedded Reber grammar (Gers et al. 2000): a stream that never resets.
# ---------------------------------------------------------------------------------------------
def run_continual_reber(cell: str, *, hidden_size=None, budget=None, steps=400, batch_size=32,
                        chunk=40, lr=1e-2, seed=0, test_len=2000, return_model=False, **options):
    """Next-symbol prediction on continual embedded Reber streams, trained statefully: the state
    is carried from one chunk of the stream to the next (truncated BPTT), never reset.

    Scores on a fresh stream of ``test_len`` steps, also run without reset:
    ``valid`` = fraction of steps whose predicted symbol is one the grammar allows next;
    ``critical`` = accuracy at the steps that need the long memory (the repeated T/P).
    With ``return_model=True`` returns ``(scores, model)``, e.g. to probe the cell state.
    """
    t0 = time.perf_counter()
    model, hidden_size = _build(cell, 7, 7, hidden_size, budget, seed, options)
    rng = np.random.default_rng(10_000 + seed)
    stream_x, stream_y, _ = make_continual_reber(batch_size, steps * chunk, rng)
    stream_x, stream_y = torch.from_numpy(stream_x), torch.from_numpy(stream_y)
    carry = {"state": None}

    def batch(step):
        sl = slice(step * chunk, (step + 1) * chunk)
        return stream_x[sl], stream_y[sl]

    def detach(state):
        if state is None:
            return None
        return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

    def loss_fn(m, b):
        logits, state = m(b[0], carry["state"])
        carry["state"] = detach(state)  # truncated BPTT: keep the state, drop its history
        return nn.functional.cross_entropy(logits.reshape(-1, 7), b[1].reshape(-1))

    history = train(model, batch, loss_fn, steps=steps, lr=lr, seed=seed, progress=False)
    x, y, extra = make_continual_reber(64, test_len, np.random.default_rng(99))
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x))[0].argmax(-1).numpy()
    valid = np.take_along_axis(extra["allowed"], pred[..., None], -1)[..., 0]
    crit = extra["critical"]
    scores = _summary(model, hidden_size, history, t0, valid=valid.mean(), critical=(pred == y)[crit].mean())
    return (scores, model) if return_model else scores


# ---------------------------------------------------------------------------------------------
# Timing (Gers, Schraudolph & Schmidhuber 2002).
# ---------------------------------------------------------------------------------------------
def run_timed_spikes(cell: str = "lstm", *, period=10, hidden_size=4, steps=800, lr=1e-2, seed=0,
                     train_periods=6, test_periods=30, gate_bias=None, return_model=False, **options):
    """Generate Timed Spikes: no input, a spike every ``period`` steps.

    Trained on one sequence of ``train_periods`` periods (binary cross-entropy with the spikes
    weighted ``period``× so that "never spike" is not a cheap optimum), tested on a run
    ``test_periods`` periods long — the rhythm must keep going, not only fit the training window.
    Scores (see :func:`lstmlib.data.timing.score_timed_spikes`): ``solved`` (1.0 if every test
    step is right), ``timing_error`` (steps), ``step_accuracy``. ``gate_bias=(b_i, b_f, b_o)``
    sets the LSTM's initial input, forget and output gate biases (Gers et al. 2002 used
    (0, −2, +2): output open, forget gate leaning towards "reset"). With ``return_model=True``
    returns ``(scores, model)``.
    """
    t0 = time.perf_counter()
    period = validate.check_positive_int("period", period)
    model, hidden_size = _build(cell, 1, 1, hidden_size, None, seed, options)
    if gate_bias is not None:
        if cell != "lstm" or len(gate_bias) != 3:
            raise ValueError(f"gate_bias: expected three biases (i, f, o) for an lstm, got {gate_bias!r} for {cell!r}")
        with torch.no_grad():  # blocks i, f, g, o of bias_ih; bias_hh zeroed so the sum is exact
            for block, value in zip((0, 1, 3), gate_bias):
                model.rnn.bias_ih_l0[block * hidden_size:(block + 1) * hidden_size] = float(value)
                model.rnn.bias_hh_l0[block * hidden_size:(block + 1) * hidden_size] = 0.0
    x, y = (torch.from_numpy(a) for a in make_timed_spikes(1, train_periods * period, period))
    test_x, test_y = make_timed_spikes(1, test_periods * period, period)
    weight = torch.tensor(float(period))

    def loss_fn(m, b):
        return nn.functional.binary_cross_entropy_with_logits(m(b[0])[0], b[1], pos_weight=weight)

    def solved(m):
        return score_timed_spikes(torch.sigmoid(m(torch.from_numpy(test_x))[0]).numpy(), test_y)["solved"]

    history = train(model, lambda step: (x, y), loss_fn, steps=steps, lr=lr, eval_fn=solved,
                    eval_every=50, target=1.0, seed=seed, progress=False)
    with torch.no_grad():
        out = torch.sigmoid(model(torch.from_numpy(test_x))[0]).numpy()
    scores = _summary(model, hidden_size, history, t0, **score_timed_spikes(out, test_y))
    return (scores, model) if return_model else scores


def run_spike_delay(cell: str = "lstm", *, min_delay=5, max_delay=15, hidden_size=4, steps=600,
                    batch_size=32, seq_len=80, lr=1e-2, seed=0, **options) -> dict:
    """Measure Spike Delay: at each spike, output the interval since the previous one.

    Trained with the squared error at the spikes only (the mask); scores on fresh sequences (see
    :func:`lstmlib.data.timing.score_spike_delay`): ``timing_error`` (mean ``|error|`` in steps),
    ``within_tolerance`` (fraction of spikes whose rounded prediction is exact), ``solved``.
    """
    t0 = time.perf_counter()
    model, hidden_size = _build(cell, 1, 1, hidden_size, None, seed, options)
    rng = np.random.default_rng(10_000 + seed)
    test = make_spike_delay(256, seq_len, min_delay, max_delay, np.random.default_rng(99))
    test_x = torch.from_numpy(test[0])

    def batch(step):
        return tuple(torch.from_numpy(a) for a in make_spike_delay(batch_size, seq_len, min_delay, max_delay, rng))

    def loss_fn(m, b):
        out = m(b[0])[0]
        return ((out - b[1]) ** 2 * b[2]).sum() / b[2].sum()

    def within(m):
        return score_spike_delay(m(test_x)[0].numpy(), test[1], test[2], max_delay)["within_tolerance"]

    history = train(model, batch, loss_fn, steps=steps, lr=lr, eval_fn=within, eval_every=100,
                    target=0.99, seed=seed, progress=False)
    with torch.no_grad():
        out = model(test_x)[0].numpy()
    return _summary(model, hidden_size, history, t0, **score_spike_delay(out, test[1], test[2], max_delay))
