"""Several processes, one model: the bits of ``torch.distributed`` the trainer needs.

``torchrun --nproc_per_node=N script.py`` starts N copies of a script and sets ``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``... in their environments. :func:`init_from_env` turns that into a
process group (gloo on CPUs, NCCL on GPUs); without those variables everything here is a no-op,
so the same script runs alone or under ``torchrun`` unchanged.

:func:`demo` is the demonstration used by the tests (``tests/torch_ddp_worker.py``)::

    python -m torch.distributed.run --nproc_per_node=2 --standalone tests/torch_ddp_worker.py OUT_DIR

Each rank trains a small peephole LSTM on the adding problem and writes its final weights and
losses to ``OUT_DIR/rank{r}.pt``.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = ["init_from_env", "rank", "world_size", "broadcast_float", "average_gradients", "demo"]


def init_from_env() -> bool:
    """Join the process group described by torchrun's environment; True when distributed."""
    if dist.is_available() and dist.is_initialized():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return False
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    return True


def _active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank (0 when not distributed)."""
    return dist.get_rank() if _active() else int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Number of processes (1 when not distributed)."""
    return dist.get_world_size() if _active() else 1


def _device() -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")


def broadcast_float(value: float, src: int = 0) -> float:
    """Rank ``src``'s value on every rank (identity when not distributed)."""
    if not _active():
        return value
    t = torch.tensor([value], dtype=torch.float64, device=_device())
    dist.broadcast(t, src)
    return float(t.item())


def average_gradients(params) -> None:
    """Replace each gradient by its mean over the processes (what DDP does during backward)."""
    if not _active():
        return
    n = dist.get_world_size()
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad.div_(n)


def demo(out_dir: str, steps: int = 60, seq_len: int = 20) -> None:
    """Train a small LSTM on the adding problem with :func:`lstmlib.torch.train`."""
    from torch import nn

    from .modules import LSTM
    from .trainer import train

    torch.set_num_threads(1)  # two processes on a two-core machine

    class Adder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = LSTM(2, 16, peephole=True)
            self.head = nn.Linear(16, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[-1]).squeeze(-1)

    torch.manual_seed(1234 + rank())  # different initial weights: DDP must broadcast rank 0's
    model = Adder()

    def batch(step):
        g = torch.Generator().manual_seed(step)
        values = torch.rand(seq_len, 32, 1, generator=g)
        marks = torch.zeros(seq_len, 32, 1)
        idx = torch.stack([torch.randperm(seq_len, generator=g)[:2] for _ in range(32)], dim=1)  # (2, B)
        marks.scatter_(0, idx.unsqueeze(-1), 1.0)
        return torch.cat([values, marks], dim=2), (values * marks).sum(dim=(0, 2))

    history = train(model, batch, lambda m, b: nn.functional.mse_loss(m(b[0]), b[1]), steps=steps, lr=1e-2, progress=False)
    os.makedirs(out_dir, exist_ok=True)
    torch.save({"state": model.state_dict(), "loss": history.loss}, os.path.join(out_dir, f"rank{rank()}.pt"))
    if _active():
        dist.destroy_process_group()

