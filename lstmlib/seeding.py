"""One call that makes a chapter reproducible: Python's, NumPy's and (if present) PyTorch's RNGs."""
from __future__ import annotations

import os
import random

import numpy as np

from .validate import check_nonnegative_int


def seed_everything(seed: int) -> np.random.Generator:
    """Seed ``random``, NumPy's legacy global RNG and PyTorch (CPU and CUDA), and return a fresh
    ``numpy.random.Generator`` seeded with ``seed`` for code that takes an explicit ``rng``.

    Chapters call this once in their set-up cell, so every figure and every asserted number is
    the same on every run.
    """
    seed = check_nonnegative_int("seed", seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    try:
        import torch
    except ImportError:  # the NumPy half of the course runs without PyTorch
        pass
    else:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
    return np.random.default_rng(seed)
