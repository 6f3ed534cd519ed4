"""LSTM forward + backward: lstmlib.reference (NumPy) against torch.nn.LSTM on the CPU.

Both run in the same process on the same data, alternating (ours, theirs, ours, …) so that a
change in machine load hits both; the figure is the ratio of the medians, lstmlib / torch
(< 1 means the NumPy reference is faster).

    python benchmarks/reference_vs_torch_cpu.py            # the three shapes of the issue, float32 and float64
    python benchmarks/reference_vs_torch_cpu.py --quick    # tiny shapes, a few seconds (CI smoke run)
    python benchmarks/reference_vs_torch_cpu.py --threads 1   # both libraries on one thread

``--threads`` must be applied before NumPy's BLAS starts, hence the imports inside main().
On a busy machine multi-threaded BLAS and OpenMP spin-wait for each other and timings explode for
both libraries; one thread each is then the fair and stable comparison.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

FULL_SHAPES = [(50, 32, 128, 128), (100, 64, 256, 256), (35, 20, 650, 650)]  # (T, B, I, H)
QUICK_SHAPES = [(10, 4, 16, 16), (20, 8, 32, 32)]
TARGETS = {"float32": 1.5, "float64": 1.0}


def time_once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_shape(T, B, I, H, dtype, repeats, warmup=2):
    """Median seconds of one forward+backward for lstmlib and torch, measured alternately."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    module = torch.nn.LSTM(I, H).to(getattr(torch, dtype))
    params = {  # the same weights in both, so both do the same arithmetic
        "W_x": module.weight_ih_l0.detach().numpy().T.copy(),
        "W_h": module.weight_hh_l0.detach().numpy().T.copy(),
        "b": (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy().copy(),
    }
    x = rng.standard_normal((T, B, I)).astype(dtype)
    d_out = rng.standard_normal((T, B, H)).astype(dtype)
    x_torch, d_out_torch = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(d_out)

    def ours():
        out, _, cache = lstm_forward(x, params)
        lstm_backward(d_out, cache)

    def theirs():
        module.zero_grad(set_to_none=True)
        x_torch.grad = None
        out, _ = module(x_torch)
        out.backward(d_out_torch)

    for _ in range(warmup):
        ours(), theirs()
    times_ours, times_theirs = [], []
    for k in range(repeats):
        pair = (ours, theirs) if k % 2 == 0 else (theirs, ours)  # alternate who goes first
        for fn in pair:
            (times_ours if fn is ours else times_theirs).append(time_once(fn))
    return statistics.median(times_ours), statistics.median(times_theirs)


def main(argv=None):
    global np, torch, lstm_forward, lstm_backward
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny shapes, a few seconds")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per library (≥ 5)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both NumPy's BLAS and torch (default: each library's own; --quick: 1)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default=None, help="only this dtype")
    args = parser.parse_args(argv)
    threads = 1 if args.quick and args.threads is None else args.threads
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    import numpy as np
    import torch

    from lstmlib.reference import lstm_backward, lstm_forward
    if threads is not None:
        torch.set_num_threads(threads)
    shapes = QUICK_SHAPES if args.quick else FULL_SHAPES
    repeats = max(5, args.repeats or (5 if args.quick else 7))
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"python {platform.python_version()}, {platform.machine()}, median of {repeats}")
    print(f"{'T':>4} {'B':>4} {'I=H':>5} {'dtype':>8} {'lstmlib ms':>11} {'torch ms':>9} {'ratio':>6} {'target':>7}")
    results = []
    for dtype in [args.dtype] if args.dtype else ("float32", "float64"):
        for T, B, I, H in shapes:
            ours, theirs = bench_shape(T, B, I, H, dtype, repeats)
            ratio = ours / theirs
            results.append((T, B, H, dtype, ratio))
            # the targets are for the shapes; tiny --quick shapes only measure dispatch overhead
            verdict = "  (smoke)" if args.quick else f" {'≤' + str(TARGETS[dtype]):>6} " + (
                "ok" if ratio <= TARGETS[dtype] else "over")
            print(f"{T:>4} {B:>4} {H:>5} {dtype:>8} {1e3 * ours:>11.2f} {1e3 * theirs:>9.2f} {ratio:>6.2f}{verdict}")
    return results


if __name__ == "__main__":
    main()
