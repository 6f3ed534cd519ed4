"""lstmlib.torch against PyTorch's fused kernels (cuDNN on a GPU), as same-run ratios.

    python benchmarks/gpu_vs_cudnn.py            # on a CUDA machine: the issue's shapes
    python benchmarks/gpu_vs_cudnn.py --cpu      # small shapes on the CPU (CI runs this, < 20 s)

Three questions, each answered by a ratio of times measured in the same run (never a wall-clock
threshold: machines differ, ratios travel):

1. **Dispatch overhead.** A plain ``lstmlib.torch.LSTM`` ÷ ``nn.LSTM``, forward + backward.
   Both run the same kernel; the ratio shows what the subclass costs. Target ≤ 1.05.
2. **Peephole cost.** A peephole LSTM (our loop: hoisted input projection, one ``addmm`` per
   step) ÷ cuDNN's plain LSTM, forward + backward, B=64, H=1024, T=200, bfloat16. Target ≤ 2.0.
   Measured for each backend (``handwritten``: hand-written backward; ``autograd``, ``script``
   on a GPU: a step under autograd) with and without CUDA-graph capture.
3. **Small batch.** B=1, H=256, T=1000, forward time per step, peephole LSTM with
   ``cuda_graph=True`` ÷ cuDNN plain. Target ≤ 1.0 (cuDNN ≈ 11.5 µs/step on an H100; a Python
   loop ≈ 151 µs/step). On a CPU, graphs do not exist and the loop runs as it is.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import sys
import time
import warnings

import torch
from torch import nn

from lstmlib.torch import LSTM


def timer(device: torch.device):
    """``measure(ours, theirs, repeats) -> (median ours, median theirs)`` in seconds.

    The two run alternately (ours, theirs, ours, ...) so that a change in machine load hits both
    sides of the ratio; the device is synchronised around each run.
    """
    def once(fn) -> float:
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    def measure(ours, theirs, repeats: int):
        warmup = min(2, repeats)  # the first call of a scripted step compiles it
        for _ in range(warmup):
            ours()
            theirs()
        pairs = [(once(ours), once(theirs)) for _ in range(repeats)]
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    return measure


def fwd_bwd(model, x):
    def run():
        model.zero_grad(set_to_none=True)
        out, _ = model(x)
        out.float().square().mean().backward()
    return run


def fwd_only(model, x):
    def run():
        with torch.no_grad():
            model(x)
    return run


def make(cls, input_size, hidden, device, dtype, **kw):
    torch.manual_seed(0)
    return cls(input_size, hidden, **kw).to(device=device, dtype=dtype)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true", help="small shapes on the CPU (for CI)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per measurement (median)")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    if args.cpu or not torch.cuda.is_available():
        if not args.cpu:
            print("no CUDA device: running the CPU mode (--cpu)")
        device = torch.device("cpu")
        torch.set_num_threads(1)  # stable ratios on a shared machine; both sides get the same
        big = dict(B=16, H=64, T=40, dtype=torch.float32)
        small = dict(B=1, H=32, T=100, dtype=torch.float32)
        backends = ["handwritten", "autograd"]  # TorchScript is no faster on a CPU
        repeats = args.repeats or 15
    else:
        device = torch.device("cuda")
        big = dict(B=64, H=1024, T=200, dtype=torch.bfloat16)
        small = dict(B=1, H=256, T=1000, dtype=torch.float32)
        backends = ["handwritten", "autograd", "script"]
        repeats = args.repeats or 20
    measure = timer(device)
    graphs = device.type == "cuda"
    if graphs:
        try:  # cuDNN's RNN in bfloat16 needs a recent cuDNN; fall back to float16 and say so
            nn.LSTM(8, 8).to(device, torch.bfloat16)(torch.randn(2, 1, 8, device=device, dtype=torch.bfloat16))
        except RuntimeError as err:
            print(f"note: cuDNN LSTM in bfloat16 failed ({err}); using float16 for section 2")
            big["dtype"] = torch.float16

    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "device": torch.cuda.get_device_name() if device.type == "cuda" else f"CPU ({platform.processor() or platform.machine()}, 1 thread)",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "python": platform.python_version(),
    }
    print(" | ".join(f"{k}: {v}" for k, v in info.items() if v is not None))
    results = {"info": info, "ratios": {}, "seconds": {}}

    def report(name, ours, theirs, target, unit_div=1, unit="ms"):
        ratio = ours / theirs
        results["ratios"][name] = ratio
        results["seconds"][name] = {"ours": ours, "reference": theirs}
        flag = "ok" if ratio <= target else "ABOVE TARGET"
        scale = 1e3 if unit == "ms" else 1e6
        print(f"  {name:<46} {ours / unit_div * scale:9.2f} / {theirs / unit_div * scale:9.2f} {unit}"
              f"  ratio {ratio:6.2f}  (target ≤ {target}: {flag})")

    # 1. plain: subclass dispatch ÷ nn.LSTM
    B, H, T, dtype = big["B"], big["H"], big["T"], big["dtype"]
    x = torch.randn(T, B, H, device=device, dtype=dtype)
    print(f"\n1. plain LSTM, forward + backward, B={B} H={H} T={T} {str(dtype)[6:]}")
    cudnn = make(nn.LSTM, H, H, device, dtype)
    ours = make(LSTM, H, H, device, dtype)
    report("lstmlib.torch.LSTM ÷ nn.LSTM", *measure(fwd_bwd(ours, x), fwd_bwd(cudnn, x), repeats), 1.05)

    # 2. peephole fwd+bwd ÷ the fused plain LSTM
    print(f"\n2. peephole LSTM ÷ fused plain LSTM, forward + backward, B={B} H={H} T={T} {str(dtype)[6:]}")
    for backend in backends:
        for graph in ([False, True] if graphs else [False]):
            model = make(LSTM, H, H, device, dtype, peephole=True, backend=backend, cuda_graph=graph)
            try:
                t, t_ref = measure(fwd_bwd(model, x), fwd_bwd(cudnn, x), repeats)
            except Exception as err:  # one backend failing must not hide the others' figures
                print(f"  peephole [{backend}{', graph' if graph else ''}]: failed: {type(err).__name__}: {err}")
                continue
            report(f"peephole [{backend}{', cuda graph' if graph else ''}] ÷ plain", t, t_ref, 2.0)

    # 3. small batch, per step
    B, H, T, dtype = small["B"], small["H"], small["T"], small["dtype"]
    x = torch.randn(T, B, H, device=device, dtype=dtype)
    print(f"\n3. small batch, forward, per step, B={B} H={H} T={T} {str(dtype)[6:]}")
    cudnn = make(nn.LSTM, H, H, device, dtype)
    for backend in backends:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the CPU's "no CUDA graph" notice
            model = make(LSTM, H, H, device, dtype, peephole=True, backend=backend, cuda_graph=graphs)
            try:
                t, t_ref = measure(fwd_only(model, x), fwd_only(cudnn, x), repeats)
            except Exception as err:
                print(f"  B=1 peephole [{backend}]: failed: {type(err).__name__}: {err}")
                continue
        label = f"B=1: peephole [{backend}{', cuda graph' if graphs else ''}] ÷ plain"
        report(label, t, t_ref, 1.0, unit_div=T, unit="µs/step")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    start = time.perf_counter()
    main(sys.argv[1:])
    print(f"\n(total {time.perf_counter() - start:.1f} s)")
