"""How far does an LSTM (and a GRU) reach? The adding problem's success against sequence length.

Article 002 claims that LSTMs and GRUs "remember sequences of the order of 100 steps, not 1000".
This script trains small models on the adding problem (:mod:`lstmlib.data.adding`, variant
``"sum"``: values U[0, 1], target X1 + X2) at several lengths and seeds with the *same* training
budget per run, and records for each run the test MSE and the fraction of test sequences solved
with Hochreiter & Schmidhuber's tolerance (|error| < 0.04 on their scale 0.5 + (X1' + X2')/4 with
X' = 2X − 1 in [−1, 1]; that target is (X1 + X2)/2, half of ours, so the tolerance is |error| < 0.08
on the "sum" scale). An earlier version used 0.16, twice too loose; its record is kept in
``adding_reach.json`` and the re-run with 0.08 is in ``adding_reach_tol008.json``. A run succeeds when at least 90 % of the test sequences
are solved. Training stops early once a run succeeds, so short lengths cost little.

Chapter 10 plots ``chapters/results/adding_reach.json``; rerun with

    python experiments/adding_reach.py --jobs 3                                  # ~10 CPU minutes (594 s here)
    python experiments/adding_reach.py --jobs 3 --append --lengths 1000 --seeds-longest 3   # +2 seeds at T = 1000 (524 s)

Three seeds per length; the first command runs one at the longest length (a failing run at
T = 1000 costs 1500 × 1000 steps; PyTorch's GRU is about 4× slower than its LSTM on a CPU core),
the second adds two more there.

The models are plain ``torch.nn.LSTM`` / ``torch.nn.GRU`` (what ``lstmlib.torch``'s plain
configuration dispatches to) with a linear read-out of the last hidden state; the LSTM's
forget-gate bias starts at 1 (Jozefowicz et al. 2015).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from lstmlib import seed_everything
from lstmlib.data.adding import make_adding, trivial_mse

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.08  # |error| on the "sum" scale ≡ 0.04 on the paper's scale, whose target is ours ÷ 2
SOLVED_FRACTION = 0.9


class Reader(torch.nn.Module):
    """A recurrent layer and a linear read-out of its last hidden state."""

    def __init__(self, cell: str, hidden_size: int):
        super().__init__()
        layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        self.rnn = layer(2, hidden_size)
        self.head = torch.nn.Linear(hidden_size, 1)
        if cell == "lstm":
            with torch.no_grad():  # forget-gate block is the second quarter (i, f, g, o)
                h = hidden_size
                self.rnn.bias_ih_l0[h:2 * h].fill_(1.0)
                self.rnn.bias_hh_l0[h:2 * h].zero_()

    def forward(self, x):  # x (T, B, 2) -> (B, 1)
        out, _ = self.rnn(x)
        return self.head(out[-1])


def evaluate(model, x, y) -> tuple[float, float]:
    with torch.no_grad():
        err = model(x) - y
    return float((err ** 2).mean()), float((err.abs() < TOLERANCE).float().mean())


def run_one(cell: str, seq_len: int, seed: int, *, hidden: int, steps: int, batch: int, lr: float,
            eval_every: int, n_test: int) -> dict:
    rng = seed_everything(seed)
    model = Reader(cell, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    x_test, y_test = (torch.from_numpy(a) for a in make_adding(n_test, seq_len, np.random.default_rng(10_000 + seed)))
    start = time.process_time()
    history = []
    solved_at = None
    for step in range(1, steps + 1):
        x, y = (torch.from_numpy(a) for a in make_adding(batch, seq_len, rng))
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % eval_every == 0 or step == steps:
            mse, solved = evaluate(model, x_test, y_test)
            history.append([step, round(mse, 5), round(solved, 4)])
            if solved >= SOLVED_FRACTION:
                solved_at = step
                break
    mse, solved = history[-1][1], history[-1][2]
    return {
        "cell": cell, "seq_len": seq_len, "seed": seed, "success": solved_at is not None,
        "steps": history[-1][0], "sequences_seen": history[-1][0] * batch, "test_mse": mse,
        "solved_fraction": solved, "cpu_s": round(time.process_time() - start, 2), "history": history,
    }


def _task(job):
    (cell, seq_len, seed), settings = job
    torch.set_num_threads(settings["threads"])
    kwargs = {k: v for k, v in settings.items() if k != "threads"}
    return run_one(cell, seq_len, seed, **kwargs)


def _report(r: dict) -> dict:
    print(f"{r['cell']:4s} T={r['seq_len']:5d} seed={r['seed']} success={r['success']!s:5s} steps={r['steps']:4d} "
          f"mse={r['test_mse']:.4f} solved={r['solved_fraction']:.2f} cpu={r['cpu_s']:.1f}s", flush=True)
    return r


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    p.add_argument("--lengths", nargs="+", type=int, default=[50, 100, 200, 400, 1000])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--steps", type=int, default=1500, help="training budget per run (batches)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--n-test", type=int, default=512)
    p.add_argument("--seeds-longest", type=int, default=1,
                   help="seeds at the longest length (each failing run there costs the most)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    p.add_argument("--out", type=Path, default=ROOT / "chapters" / "results" / "adding_reach.json")
    p.add_argument("--append", action="store_true",
                   help="keep the runs already in --out and add the missing ones (e.g. more seeds)")
    args = p.parse_args(argv)
    longest = max(args.lengths)
    # longest first, so that parallel workers finish together
    tasks = [(cell, seq_len, seed) for seq_len in sorted(args.lengths, reverse=True) for cell in args.cells
             for seed in range(args.seeds_longest if seq_len == longest else args.seeds)]
    old_record = json.loads(args.out.read_text()) if args.append and args.out.exists() else None
    previous = old_record["runs"] if old_record else []
    done = {(r["cell"], r["seq_len"], r["seed"]) for r in previous}
    tasks = [t for t in tasks if t not in done]
    settings = dict(hidden=args.hidden, steps=args.steps, batch=args.batch, lr=args.lr,
                    eval_every=args.eval_every, n_test=args.n_test, threads=args.threads)
    runs = []
    if args.jobs > 1:
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            for r in pool.imap_unordered(_task, [(t, settings) for t in tasks]):
                runs.append(_report(r))
    else:
        for t in tasks:
            runs.append(_report(_task((t, settings))))
    runs = previous + runs
    runs.sort(key=lambda r: (r["seq_len"], r["cell"], r["seed"]))
    record = {
        "what": "adding problem (variant 'sum'): success against sequence length, same budget per run",
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
        "success_rule": f"fraction of {args.n_test} test sequences with |error| < {TOLERANCE} is >= {SOLVED_FRACTION}",
        "trivial_mse": trivial_mse("sum"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
                    "threads": args.threads},
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "total_cpu_s": round(sum(r["cpu_s"] for r in runs), 1),
        "runs": runs,
    }
    if old_record:  # the first call's settings describe the sweep; later calls are listed
        record["settings"] = old_record["settings"]
        record["date"] = old_record["date"]
        record["appended"] = old_record.get("appended", []) + [{
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
            "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "new_runs": len(runs) - len(previous)}]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out} ({record['total_cpu_s']} CPU s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
