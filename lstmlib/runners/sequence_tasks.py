"""Train a model on a generated sequence task and score it on a fixed test set (chapter 4).

``train_on_task(model, make_task, seq_len, loss=...)`` draws fresh training batches from a task
generator such as :func:`lstmlib.data.adding.make_adding` or
:func:`lstmlib.data.temporal_order.make_temporal_order` (``make_task(n, seq_len, rng)`` returning
``(inputs (T, n, I), targets, ...)``), trains with :func:`lstmlib.torch.train`, and evaluates on
one test set drawn once from its own seed. The plumbing — batches as tensors, the loss, the test
metric — lives here so that a chapter's cell shows only the model and the task.

* ``loss="mse"``: regression; the test metric is the test MSE (lower is better);
* ``loss="cross_entropy"``: classification; the test metric is the accuracy (higher is better).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
from torch import nn

from ..torch import train
from ..torch.trainer import History
from ..validate import check_choice, check_positive_int

__all__ = ["TaskBatches", "train_on_task"]

_LOSSES = ("mse", "cross_entropy")


class TaskBatches:
    """The ``batches`` of :func:`lstmlib.torch.train` for a task generator: at every step,
    ``make_task(batch_size, rng=rng, **task_kw)``'s first two arrays — inputs and targets — as
    tensors, ``batch_size`` fresh sequences drawn from ``rng``."""

    def __init__(self, make_task: Callable, batch_size: int, rng: np.random.Generator, **task_kw):
        self.make_task, self.batch_size, self.rng, self.task_kw = make_task, batch_size, rng, task_kw

    def __call__(self, step: int):
        inputs, targets = self.make_task(self.batch_size, rng=self.rng, **self.task_kw)[:2]
        return torch.from_numpy(inputs), torch.from_numpy(targets)


def _loss(kind: str):
    return nn.functional.mse_loss if kind == "mse" else nn.functional.cross_entropy


class _TestScore:
    """The test metric on a fixed test set: MSE for regression, accuracy for classification."""

    def __init__(self, kind: str, inputs: np.ndarray, targets: np.ndarray):
        self.kind, self.inputs, self.targets = kind, torch.from_numpy(inputs), targets

    def __call__(self, model: nn.Module) -> float:
        out = model(self.inputs)
        if self.kind == "mse":
            return nn.functional.mse_loss(out, torch.from_numpy(self.targets)).item()
        return float((out.argmax(1).numpy() == self.targets).mean())


def train_on_task(model: nn.Module, make_task: Callable, seq_len: int, *, loss: str, steps: int,
                  batch_size: int, seed: int = 0, lr: float = 1e-2, test_size: int = 1000,
                  test_seed: int = 123, eval_every: int = 100, target: Optional[float] = None) -> History:
    """Train ``model`` on ``make_task`` sequences of length ``seq_len``; returns the
    :class:`~lstmlib.torch.trainer.History`, whose ``metric`` is the test MSE (``loss="mse"``) or
    test accuracy (``loss="cross_entropy"``) every ``eval_every`` steps. Training stops early once
    the metric reaches ``target`` (below it for MSE, above it for accuracy)."""
    check_choice("loss", loss, _LOSSES)
    seq_len = check_positive_int("seq_len", seq_len)
    batch_size = check_positive_int("batch_size", batch_size)
    test_inputs, test_targets = make_task(check_positive_int("test_size", test_size), seq_len,
                                          np.random.default_rng(test_seed))[:2]
    batches = TaskBatches(make_task, batch_size, np.random.default_rng(seed), seq_len=seq_len)
    loss_fn = _loss(loss)
    return train(model, batches, lambda m, batch: loss_fn(m(batch[0]), batch[1]), steps=steps, lr=lr,
                 eval_fn=_TestScore(loss, test_inputs, test_targets), eval_every=eval_every, target=target,
                 mode="min" if loss == "mse" else "max", seed=seed, progress=False)
