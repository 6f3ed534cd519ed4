"""Generate Timed Spikes with the original LSTM's truncated gradient (chapter 7's open question).

Gers, Schraudolph & Schmidhuber (2002) found that only the peephole LSTM learns GTS. They trained
with the original LSTM's *truncated* gradient: errors flow back through time along the cell
state (and, with peepholes, from the cell into the gates), never through the recurrent
connections from h_{t-1}. Chapter 7's runs used full backpropagation through time, and there the
plain LSTM learned the rhythm more often than the peephole LSTM. This script tests whether the
truncation explains the difference: the same small LSTM, with and without peepholes, trained with
full BPTT and with h_{t-1} detached where it enters the gates and the candidate (one line:
``h.detach()``), at more than one period.

The cell is written out here (20 lines) because the truncation has to sit inside the step loop.
Training and scoring follow :func:`lstmlib.runners.comparison.run_timed_spikes`: no input, one training
sequence of ``train_periods`` periods, binary cross-entropy with the spikes weighted ``period``×,
Adam, evaluation every 50 steps on a test run ``test_periods`` periods long, stopping when solved.
Writes ``chapters/results/gts_truncated.json``; rerun with

    python experiments/gts_truncated.py                       # periods 5 and 10, 2 seeds (~5 CPU min)
    python experiments/gts_truncated.py --periods 10 20 --seeds 4 --out more.json   # a fuller test

The defaults train on 10 periods for at most 1200 steps, the setting in which chapter 7's record
("gts long") saw the plain LSTM solve every seed with full BPTT.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

from lstmlib import seed_everything
from lstmlib.results import RESULTS_DIR, metadata, write_json
from lstmlib.data.timing import make_timed_spikes, score_timed_spikes



class ClockLSTM(nn.Module):
    """One LSTM layer (gate blocks i, f, g, o), optional peepholes, a linear read-out; ``truncate``
    detaches h_{t-1} where it enters the gates, so gradients reach the past only through c."""

    def __init__(self, hidden_size: int, peephole: bool, truncate: bool):
        super().__init__()
        H = hidden_size
        bound = 1.0 / H ** 0.5
        self.W_x = nn.Parameter(torch.empty(1, 4 * H).uniform_(-bound, bound))
        self.W_h = nn.Parameter(torch.empty(H, 4 * H).uniform_(-bound, bound))
        self.b = nn.Parameter(torch.empty(4 * H).uniform_(-bound, bound))
        self.p = nn.Parameter(torch.empty(3, H).uniform_(-bound, bound)) if peephole else None
        self.head = nn.Linear(H, 1)
        self.H, self.truncate = H, truncate

    def forward(self, x):                                   # x (T, B, 1) -> logits (T, B, 1)
        T, B, _ = x.shape
        h = c = x.new_zeros(B, self.H)
        outputs = []
        for t in range(T):
            h_in = h.detach() if self.truncate else h       # the truncation: no gradient through h_{t-1}
            a = x[t] @ self.W_x + h_in @ self.W_h + self.b  # (B, 4H)
            a_i, a_f, a_g, a_o = a.split(self.H, dim=1)
            if self.p is not None:
                a_i, a_f = a_i + self.p[0] * c, a_f + self.p[1] * c
            c = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
            if self.p is not None:
                a_o = a_o + self.p[2] * c
            h = torch.sigmoid(a_o) * torch.tanh(c)
            outputs.append(h)
        return self.head(torch.stack(outputs))


def run_one(period, peephole, truncate, seed, *, hidden_size, steps, lr, train_periods, test_periods):
    seed_everything(seed)
    model = ClockLSTM(hidden_size, peephole, truncate)
    x, y = (torch.from_numpy(a) for a in make_timed_spikes(1, train_periods * period, period))
    test_x, test_y = make_timed_spikes(1, test_periods * period, period)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    weight = torch.tensor(float(period))
    start, scores, step, out = time.process_time(), None, 0, None
    for step in range(1, steps + 1):
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y, pos_weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps:
            with torch.no_grad():
                out = torch.sigmoid(model(torch.from_numpy(test_x))).numpy()
            scores = score_timed_spikes(out, test_y)
            if scores["solved"] == 1.0:
                break
    return {"period": period, "peephole": peephole, "truncate": truncate, "seed": seed, "steps": step,
            "cpu_s": round(time.process_time() - start, 2), **{k: float(v) for k, v in scores.items()},
            "test_output": [round(float(v), 3) for v in out[:, 0, 0]]}   # for plotting a run


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", nargs="+", type=int, default=[5, 10])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--hidden-size", type=int, default=4)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--train-periods", type=int, default=10)
    ap.add_argument("--test-periods", type=int, default=30)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR / "gts_truncated.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    settings = dict(hidden_size=args.hidden_size, steps=args.steps, lr=args.lr,
                    train_periods=args.train_periods, test_periods=args.test_periods)
    runs = []
    for period in args.periods:
        for truncate in (False, True):
            for peephole in (True, False):
                for seed in range(args.seeds):
                    r = run_one(period, peephole, truncate, seed, **settings)
                    print(f"F={period:3d} {'peephole' if peephole else 'plain   '} "
                          f"{'truncated' if truncate else 'full BPTT'} seed {seed}: solved {r['solved']:.0f} "
                          f"timing error {r['timing_error']:6.1f} steps {r['steps']:5d} cpu {r['cpu_s']:.1f}s", flush=True)
                    runs.append(r)
    record = {"description": "Generate Timed Spikes, LSTM with/without peepholes, full BPTT vs truncated gradient",
              "meta": metadata(round(sum(r["cpu_s"] for r in runs), 1)),
              "settings": {**settings, "periods": args.periods, "seeds": args.seeds},
              "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, record)
    print(f"wrote {args.out} ({record['meta']['seconds']} CPU s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
