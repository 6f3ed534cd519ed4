"""The GPU benchmark's CPU mode still runs (so the script cannot rot while no GPU is around)."""
import importlib.util
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_vs_cudnn.py"


def test_cpu_mode_runs_and_reports_every_ratio(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("gpu_vs_cudnn", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    try:
        results = module.main(["--cpu", "--repeats", "1", "--json", str(tmp_path / "r.json")])
    finally:
        torch.set_num_threads(threads)
    names = list(results["ratios"])
    assert names[0] == "lstmlib.torch.LSTM ÷ nn.LSTM"
    assert any(n.startswith("peephole [fused]") for n in names) and len(names) == 5
    assert all(r > 0 for r in results["ratios"].values())
    assert (tmp_path / "r.json").exists() and "ratio" in capsys.readouterr().out
