"""The LSTM variant ablation of Greff et al. (2017), "LSTM: A Search Space Odyssey", in miniature.

Greff et al. trained eight variants of the peephole LSTM ("vanilla", V) 5,400 times on speech,
handwriting and music and found: no variant is significantly better than V; coupling the input
and forget gates (CIFG) or dropping the peepholes (NP) costs nothing significant; removing the
forget gate (NFG) or the output activation (NOAF) hurts most. This script trains the same
variants — every one an option of :class:`lstmlib.torch.LSTM` — on two small tasks with several
seeds, through the runners of :mod:`lstmlib.runners.comparison` (chapter 7 runs a smaller version live):

* the **continual embedded Reber grammar** (Gers et al. 2000): a stream that never resets, so
  the cell must *forget* — the task where NFG should fail (score: fraction of valid next-symbol
  predictions on a 2,000-step stream, 1.0 is perfect);
* the **adding problem**, T = 20 (score: test MSE / MSE of predicting the mean, lower is better),
  which needs no forgetting at all.

The full gate recurrence variant (FGR: every gate also fed the previous step's gates) is not an
option of :mod:`lstmlib.torch` and is left out.

Writes ``chapters/results/variant_ablation.json``; rerun with

    python experiments/variant_ablation.py                 # about an hour on one laptop core
    python experiments/variant_ablation.py --tasks reber --out part1.json   # or split it and
    python experiments/variant_ablation.py --merge part1.json part2.json     # merge the parts
"""
from __future__ import annotations

import time

import torch

from lstmlib.results import make_parser, merge_if_asked, metadata, write_json
from lstmlib.runners.comparison import run_adding, run_continual_reber


#: Greff et al.'s abbreviations -> options of lstmlib.torch.LSTM. V is the peephole LSTM.
VARIANTS = {
    "V": dict(peephole=True),
    "NIG": dict(peephole=True, input_gate=False),
    "NFG": dict(peephole=True, forget_gate=False),
    "NOG": dict(peephole=True, output_gate=False),
    "NIAF": dict(peephole=True, input_activation=False),
    "NOAF": dict(peephole=True, output_activation=False),
    "NP": dict(peephole=False),
    "CIFG": dict(peephole=True, coupled=True),
}

TASKS = {
    "reber": (run_continual_reber, dict(hidden_size=8, steps=250, chunk=30, batch_size=32, lr=1e-2,
                                                    test_len=1000),
              "valid", "higher", "continual embedded Reber (valid predictions)"),
    "adding": (run_adding, dict(seq_len=20, hidden_size=12, steps=500, lr=2e-2),
               "ratio", "lower", "adding T=20 (MSE / trivial MSE)"),
}


def main(argv=None) -> None:
    ap = make_parser(__doc__.splitlines()[0], TASKS, "variant_ablation.json", seeds=3)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = ap.parse_args(argv)
    if merge_if_asked(args):
        return
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    results = {}
    for task in args.tasks:
        runner, kwargs, score, better, label = TASKS[task]
        runs = {}
        for name in args.variants:
            runs[name] = []
            for seed in range(args.seeds):
                r = runner("lstm", seed=seed, **kwargs, **VARIANTS[name])
                print(f"{task:7s} {name:5s} seed {seed}: {score} = {r[score]:.4f} ({r['steps']} steps, {r['seconds']} s)",
                      flush=True)
                runs[name].append(r)
        results[task] = {"label": label, "score": score, "better": better, "settings": kwargs, "runs": runs}
    out = {"description": "Greff et al. 2017 variant ablation in miniature (lstmlib.runners.comparison runners); one entry "
                          "per seed; FGR left out (not an option of lstmlib.torch)",
           "variants": {k: VARIANTS[k] for k in args.variants},
           "meta": metadata(time.perf_counter() - t0), "tasks": results}
    write_json(args.out, out)


if __name__ == "__main__":
    main()
