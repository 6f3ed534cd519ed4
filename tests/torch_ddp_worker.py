"""Worker for tests/test_torch_distributed.py: run under torchrun, one process per rank.

    python -m torch.distributed.run --nproc_per_node=2 --standalone tests/torch_ddp_worker.py OUT_DIR [STEPS]

Trains a small peephole LSTM on the adding problem with :func:`lstmlib.torch.train` and saves
each rank's final weights and losses to ``OUT_DIR/rank{r}.pt``.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

from lstmlib.data.adding import make_adding
from lstmlib.torch import LSTM, train
from lstmlib.torch.distributed import rank
from lstmlib.torch.heads import SequenceClassifier


def adding_batch(step: int, seq_len: int):
    """Step ``step``'s batch: each rank asks for its own steps, so the ranks see different data."""
    inputs, targets = make_adding(32, seq_len, np.random.default_rng(step))
    return torch.from_numpy(inputs), torch.from_numpy(targets)


def mse(model, batch):
    return nn.functional.mse_loss(model(batch[0]), batch[1])


def main(out_dir: str, steps: int = 60, seq_len: int = 10) -> None:
    torch.set_num_threads(1)  # two processes on a two-core machine
    torch.manual_seed(1234 + rank())  # different initial weights: DDP must broadcast rank 0's
    model = SequenceClassifier(LSTM(2, 16, peephole=True), 16, 1)
    history = train(model, lambda step: adding_batch(step, seq_len), mse, steps=steps, lr=1e-2, progress=False)
    os.makedirs(out_dir, exist_ok=True)
    torch.save({"state": model.state_dict(), "loss": history.loss}, os.path.join(out_dir, f"rank{rank()}.pt"))
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60)
