"""Where tensors live: the default device and moving a batch there."""
from __future__ import annotations

import torch

__all__ = ["default_device", "to_device"]


def default_device() -> torch.device:
    """``cuda`` when a GPU is visible, else ``cpu`` — the one place the course decides this."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    """Move every tensor in a (nested) tuple, list or dict to ``device``; other values pass through.

    ``non_blocking`` lets a host-to-GPU copy overlap with compute when the source is pinned.
    """
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch
