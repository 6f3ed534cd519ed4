"""Worker for tests/test_torch_distributed.py: run under torchrun, one process per rank.

    python -m torch.distributed.run --nproc_per_node=2 --standalone tests/torch_ddp_worker.py OUT_DIR [STEPS]
"""
import sys

from lstmlib.torch.distributed import demo

if __name__ == "__main__":
    demo(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60, seq_len=10)
