"""Peepholes and timing: the two tasks of Gers, Schraudolph & Schmidhuber (2002), several seeds.

* **Generate Timed Spikes** (GTS): no input, a spike every ``period`` steps. Gers et al.: only
  the peephole LSTM learns it.
* **Measure Spike Delay** (MSD): at each input spike, output the interval since the previous one.
  Gers et al.: peepholes are not required.

Each seed trains an LSTM with and without peepholes (everything else equal, same initial weights
apart from the peephole vector) through :func:`lstmlib.runners.comparison.run_timed_spikes` and
:func:`lstmlib.runners.comparison.run_spike_delay` — the functions chapter 7 runs live with fewer steps.
Writes ``chapters/results/timing_tasks.json``. The recorded file holds the default settings
(tasks ``gts`` and ``msd``) plus four more GTS configurations, made in parts and merged:

    python experiments/timing_tasks.py --tasks gts msd                      # ~15 CPU minutes
    python experiments/timing_tasks.py --tasks gts --name "gts H=1" --set hidden_size=1 lr=0.03 steps=800
    python experiments/timing_tasks.py --tasks gts --name "gts H=2" --set hidden_size=2 lr=0.03 steps=800
    python experiments/timing_tasks.py --tasks gts --name "gts Gers init" \
        --set hidden_size=2 lr=0.03 steps=800 gate_bias=0,-2,2
    python experiments/timing_tasks.py --tasks gts --name "gts long" \
        --set hidden_size=4 lr=0.01 steps=2000 train_periods=10
    # each with --out partN.json (optionally split further with --peephole / --first-seed --seeds 1),
    python experiments/timing_tasks.py --merge part1.json part2.json ...   # then merge in that order
"""
from __future__ import annotations

import time

import torch

from lstmlib.results import make_parser, merge_if_asked, metadata, write_json
from lstmlib.runners.comparison import run_spike_delay, run_timed_spikes


TASKS = {
    "gts": (run_timed_spikes, dict(period=10, hidden_size=4, steps=500, lr=1e-2, train_periods=5, test_periods=30)),
    "msd": (run_spike_delay, dict(min_delay=5, max_delay=15, hidden_size=4, steps=400, batch_size=32, seq_len=50,
                                  lr=1e-2)),
}


def main(argv=None) -> None:
    ap = make_parser(__doc__.splitlines()[0], TASKS, "timing_tasks.json", seeds=4)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first_seed … first_seed + seeds − 1")
    ap.add_argument("--peephole", choices=["yes", "no", "both"], default="both")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="override a setting of the chosen tasks, e.g. --set hidden_size=1 lr=0.03")
    ap.add_argument("--name", help="store the task under this name (e.g. 'gts H=1')")
    args = ap.parse_args(argv)
    if merge_if_asked(args):
        return
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    variants = {"yes": ["peephole"], "no": ["no peephole"], "both": ["peephole", "no peephole"]}[args.peephole]
    results = {}
    for task in args.tasks:
        runner, kwargs = TASKS[task]
        kwargs = dict(kwargs)
        for item in args.set:
            key, value = item.split("=", 1)
            if "," in value:  # a tuple, e.g. gate_bias=0,-2,2
                kwargs[key] = [float(v) for v in value.split(",")]
            else:
                kwargs[key] = type(kwargs[key])(float(value)) if key in kwargs else float(value)
        runs = {}
        for name in variants:
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            runs[name] = [runner("lstm", seed=s, peephole=(name == "peephole"), **kwargs) for s in seeds]
            for s, r in enumerate(runs[name], start=args.first_seed):
                print(task, name, s, {k: round(v, 3) for k, v in r.items()}, flush=True)
        results[args.name or task] = {"settings": kwargs, "runs": runs}
    out = {"description": "Gers et al. 2002 timing tasks, LSTM with and without peepholes; one entry per seed",
           "meta": metadata(time.perf_counter() - t0), "tasks": results}
    write_json(args.out, out)


if __name__ == "__main__":
    main()
