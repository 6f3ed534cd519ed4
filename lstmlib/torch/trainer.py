"""The one training loop of the course: :func:`~lstmlib.torch.train` and the
:class:`~lstmlib.torch.History` it returns.

Every chapter trains through this function, so it does the dull things once and right:

* **seeding** (``seed``) so a re-run draws the same batches and dropout masks;
* **gradient clipping** by the global norm (Pascanu et al. 2013): one long sequence with a large
  gradient would otherwise throw the weights far away — the "exploding gradient" of chapter 3;
* **history** of the loss (every step) and of a metric (every ``eval_every`` steps) for plots;
* **early stopping** when the metric reaches ``target`` (chapters stop as soon as a task is solved,
  which keeps them inside their time budget on a laptop);
* **checkpoints** as plain state dicts that ``torch.load(..., weights_only=True)`` accepts — no
  pickled code, so loading someone's checkpoint cannot run code;
* a **progress bar** (tqdm), quiet in CI, under nbval and in tests;
* **several processes**: started by ``torchrun``, the same call trains with
  ``DistributedDataParallel`` (gloo on CPUs, NCCL on GPUs). Each process draws different batches
  (``batches(step · world_size + rank)``), the gradients are averaged, and every process ends
  with the same weights.
"""
from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Callable, Optional

import torch
from torch import nn

from .. import validate
from ..seeding import seed_everything
from . import distributed
from .device import to_device

__all__ = ["History", "train", "load_checkpoint", "progress_enabled"]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


@dataclass
class History:
    """What happened during :func:`train`.

    ``step``/``loss``: the training loss at every step (this process's batch).
    ``metric_step``/``metric``: ``eval_fn(model)`` every ``eval_every`` steps and at the end.
    ``reached_target``: whether training stopped early because the metric reached ``target``.
    ``seconds``: wall time of the loop.
    """

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    metric_step: list = field(default_factory=list)
    metric: list = field(default_factory=list)
    reached_target: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Plain lists and numbers (JSON- and ``weights_only``-safe)."""
        return asdict(self)

    def plot(self, ax=None, metric_label: str = "metric", log_loss: bool = False):
        """Loss per step (thin) with a moving average (thick) and, on a second y-axis, the metric.

        Returns the loss axis; the metric axis is ``ax.metric_ax`` (``None`` without a metric).
        """
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        ax.plot(self.step, self.loss, color="tab:blue", alpha=0.3, linewidth=0.8)
        if self.loss:
            window = max(1, len(self.loss) // 20)
            kernel = torch.ones(window, dtype=torch.float64) / window
            smooth = torch.nn.functional.conv1d(
                torch.tensor(self.loss, dtype=torch.float64).view(1, 1, -1), kernel.view(1, 1, -1)
            ).flatten()
            ax.plot(self.step[window - 1 :], smooth.tolist(), color="tab:blue", label="loss")
        ax.set_xlabel("step")
        ax.set_ylabel("loss", color="tab:blue")
        if log_loss:
            ax.set_yscale("log")
        ax.metric_ax = None
        if self.metric:
            twin = ax.twinx()
            twin.plot(self.metric_step, self.metric, "o-", color="tab:orange", label=metric_label)
            twin.set_ylabel(metric_label, color="tab:orange")
            ax.metric_ax = twin
        return ax


def progress_enabled(progress: Optional[bool] = None) -> bool:
    """``progress`` if given, else on unless in CI, under nbval or pytest, or not rank 0."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("CI") or os.environ.get("PYTEST_CURRENT_TEST"):
        return False
    if any(k.startswith("NBVAL") for k in os.environ):
        return False
    return distributed.rank() == 0


def _make_optimizer(optimizer, params, lr):
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if callable(optimizer) and not isinstance(optimizer, str):
        return optimizer(params)
    validate.check_choice("optimizer", optimizer, list(OPTIMIZERS))
    return OPTIMIZERS[optimizer](params, lr=lr)


def _batch_source(batches, rank: int, world: int):
    """A function ``step -> batch``: each process gets its own share of the data."""
    if callable(batches):
        return lambda step: batches(step * world + rank)
    try:
        iterator = itertools.islice(iter(batches), rank, None, world)
    except TypeError:
        raise TypeError(
            f"batches: expected a callable step -> batch or an iterable, got {type(batches).__name__}"
        ) from None
    return lambda step: next(iterator)


class _DDP(nn.parallel.DistributedDataParallel):
    """DDP that still answers the wrapped model's attributes (``model.encoder`` in a loss_fn)."""

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)


def _reached(metric: float, target, mode: str) -> bool:
    return target is not None and (metric >= target if mode == "max" else metric <= target)


def train(
    model: nn.Module,
    batches,
    loss_fn: Callable,
    *,
    steps: int,
    lr: float = 1e-2,
    optimizer="adam",
    clip_norm: Optional[float] = 1.0,
    eval_fn: Optional[Callable] = None,
    eval_every: int = 50,
    target: Optional[float] = None,
    mode: str = "max",
    seed: int = 0,
    progress: Optional[bool] = None,
    checkpoint=None,
    time_limit: Optional[float] = None,
) -> History:
    """Train ``model`` for at most ``steps`` optimizer steps and return the :class:`History`.

    Parameters
    ----------
    batches : a callable ``step -> batch`` (preferred: reproducible, and each process of a
        distributed run asks for its own steps) or an iterable of batches. Tensors in a batch
        (tuple, list or dict) are moved to the model's device.
    loss_fn : ``loss_fn(model, batch) -> scalar tensor``. Under ``torchrun`` ``model`` is the
        DDP wrapper (attributes of your model still work).
    optimizer : ``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, an optimizer instance, or a
        callable ``params -> optimizer``.
    clip_norm : clip the global gradient norm to this value (``None``: no clipping).
    eval_fn : ``eval_fn(model) -> float``, called in eval mode without gradients every
        ``eval_every`` steps and after the last step.
    target, mode : stop as soon as the metric is ``>= target`` (``mode="max"``) or ``<= target``
        (``mode="min"``).
    seed : passed to :func:`lstmlib.seed_everything` (plus the process rank under torchrun).
    progress : tqdm bar; ``None`` = on except in CI, nbval, pytest and ranks other than 0.
    checkpoint : a path; after every evaluation and at the end, rank 0 writes
        ``{"model", "optimizer", "step", "history"}`` there (see :func:`load_checkpoint`).
    time_limit : stop after the step during which this many seconds of wall time have passed
        (a notebook's budget); ``history.step`` says how far it got.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a callable (model, batch) -> loss, got {type(loss_fn).__name__}")
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn: expected a callable model -> float, got {type(eval_fn).__name__}")
    steps = validate.check_positive_int("steps", steps)
    eval_every = validate.check_positive_int("eval_every", eval_every)
    validate.check_nonnegative_int("seed", seed)
    validate.check_choice("mode", mode, ["max", "min"])
    if isinstance(optimizer, str):
        lr = validate.check_positive_float("lr", lr)
    if clip_norm is not None:
        clip_norm = validate.check_positive_float("clip_norm", clip_norm)
    if target is not None and (isinstance(target, bool) or not isinstance(target, Real)):
        raise TypeError(f"target: expected a float or None, got {type(target).__name__} {target!r}")
    if time_limit is not None:
        time_limit = validate.check_positive_float("time_limit", time_limit)

    distributed.init_from_env()
    rank, world = distributed.rank(), distributed.world_size()
    seed_everything(seed + rank)

    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model: expected trainable parameters, got none with requires_grad=True")
    device = params[0].device
    net = model
    forward_seen = [False]
    if world > 1:
        net = _DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
        net.register_forward_pre_hook(lambda module, args: forward_seen.__setitem__(0, True))
    opt = _make_optimizer(optimizer, params, lr)
    next_batch = _batch_source(batches, rank, world)

    history = History()
    start = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(total=steps, disable=not progress_enabled(progress), desc="train", leave=False, mininterval=0.5)

    def evaluate(step: int) -> bool:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            value = float(eval_fn(model))
        model.train(was_training)
        # Every process must take the same early-stopping decision, or the others would wait
        # forever in the next all-reduce: rank 0's metric decides.
        value = distributed.broadcast_float(value)
        history.metric_step.append(step)
        history.metric.append(value)
        bar.set_postfix(loss=f"{history.loss[-1]:.4g}", metric=f"{value:.4g}")
        return _reached(value, target, mode)

    model.train()
    step = 0
    try:
        for step in range(1, steps + 1):
            try:
                batch = to_device(next_batch(step - 1), device)
            except StopIteration:
                step -= 1
                break
            forward_seen[0] = False
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net, batch)
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                raise TypeError(f"loss_fn: expected a scalar tensor, got {type(loss).__name__} {getattr(loss, 'shape', '')}")
            loss.backward()
            if world > 1 and not forward_seen[0]:
                # loss_fn called the model's parts, not its forward: DDP's hooks did not run.
                distributed.average_gradients(params)
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(params, clip_norm)
            opt.step()
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"loss: became {value} at step {step} (lower lr or clip_norm)")
            history.step.append(step)
            history.loss.append(value)
            bar.update(1)
            if step % 10 == 0:
                bar.set_postfix(loss=f"{value:.4g}")
            if eval_fn is not None and step % eval_every == 0:
                done = evaluate(step)
                _save(checkpoint, model, opt, step, history, rank)
                if done:
                    history.reached_target = True
                    break
            # rank 0's clock decides, like the metric: every process must stop at the same step
            if time_limit is not None and distributed.broadcast_float(time.perf_counter() - start) > time_limit:
                break
        else:
            step = steps
        if eval_fn is not None and not history.reached_target and (not history.metric_step or history.metric_step[-1] != step):
            history.reached_target = evaluate(step)
    finally:
        bar.close()
    history.seconds = time.perf_counter() - start
    _save(checkpoint, model, opt, step, history, rank)
    return history


def _save(path, model, opt, step, history, rank):
    if path is None or rank != 0:
        return
    path = os.fspath(path)
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "history": history.as_dict()}, tmp)
    os.replace(tmp, path)  # a crash mid-write never leaves a truncated checkpoint


def load_checkpoint(path, model: nn.Module, optimizer: Optional[torch.optim.Optimizer] = None) -> dict:
    """Load a checkpoint written by :func:`train` into ``model`` (and ``optimizer``).

    Uses ``torch.load(..., weights_only=True)``: tensors and plain containers only, no code.
    Returns the whole checkpoint dict (``"step"``, ``"history"``, ...).
    """
    state = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    return state
