"""The trainer under torchrun: two CPU processes (gloo) end with identical weights, and learn."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("torch_ddp_worker.py")


@pytest.mark.slow
def test_two_ranks_end_identical_and_loss_falls(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
           str(WORKER), str(tmp_path), "40"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    a, b = ranks[0]["state"], ranks[1]["state"]
    assert a.keys() == b.keys()
    for name in a:
        # Same initial weights (DDP broadcasts rank 0's), same averaged gradients, same steps.
        assert torch.equal(a[name], b[name]), name
    for r in ranks:
        losses = r["loss"]
        assert len(losses) == 40
        assert sum(losses[-8:]) / 8 < 0.6 * sum(losses[:8]) / 8
    # The ranks saw different batches (each draws its own steps), so their losses differ.
    assert ranks[0]["loss"][5] != ranks[1]["loss"][5]
