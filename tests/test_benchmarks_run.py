"""The benchmark scripts' small modes run in CI so they never rot. Their speed is *not* asserted
here (speed claims live in benchmarks/RESULTS.md as same-run ratios); only that they run and
print a ratio for every shape."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("script, flag", [("reference_vs_torch_cpu.py", "--quick"), ("gpu_vs_cudnn.py", "--cpu")])
def test_benchmark_small_mode_runs_and_prints_ratios(script, flag):
    run = subprocess.run([sys.executable, str(BENCH / script), flag], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"ratio|÷", run.stdout, re.I), f"{script} {flag} printed no ratio:\n{run.stdout[-2000:]}"
    assert re.search(r"\d+\.\d+", run.stdout), f"{script} {flag} printed no figures:\n{run.stdout[-2000:]}"
