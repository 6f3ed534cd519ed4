"""Several processes, one model: the bits of ``torch.distributed`` the trainer needs.

``torchrun --nproc_per_node=N script.py`` starts N copies of a script and sets ``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``... in their environments. :func:`init_from_env` turns that into a
process group (gloo on CPUs, NCCL on GPUs); without those variables everything here is a no-op,
so the same script runs alone or under ``torchrun`` unchanged.

:func:`lstmlib.torch.train` calls these; nothing here imports the trainer. The test suite runs
two ranks on a CPU (``tests/torch_ddp_worker.py``)::

    python -m torch.distributed.run --nproc_per_node=2 --standalone tests/torch_ddp_worker.py OUT_DIR
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = ["init_from_env", "rank", "world_size", "broadcast_float", "average_gradients"]


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
