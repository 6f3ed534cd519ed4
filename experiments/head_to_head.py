"""Head-to-head: tanh RNN vs GRU vs LSTM at an equal parameter budget (chapter 6).

Chung, Gulcehre, Cho & Bengio (2014) compared the three cells "with a comparable number of
parameters" and found the GRU and the LSTM comparable, both well ahead of the tanh RNN. This
script repeats the comparison in miniature on four tasks of earlier chapters, several seeds each,
with the runners of :mod:`lstmlib.runners.comparison` (the same functions chapter 6 calls live with smaller
settings):

* the adding problem at two lengths (score: test MSE / MSE of predicting the mean);
* counting ``a^N X b^N``, N ≤ 25 (score: fraction of strings whose b-count and end are exact);
* a character model of Python source (score: validation bits per character).

Every run of a task gets the same parameter budget, steps, batch size and learning rate.
Writes ``chapters/results/head_to_head.json``; rerun with

    python experiments/head_to_head.py            # tens of minutes on a laptop CPU
    python experiments/head_to_head.py --tasks "adding T=20" --out part1.json   # or in parts,
    python experiments/head_to_head.py --merge part1.json part2.json ...         # then merge
    python experiments/head_to_head.py --cells lstm --lstm-forget-bias 1 \
        --out chapters/results/head_to_head_lstm_fb1.json    # the LSTM with forget-gate bias 1

The main record's LSTM starts with PyTorch's forget-gate bias 0; Jozefowicz et al. (2015)
recommend 1, which the last command runs.
"""
from __future__ import annotations

import time

import torch

from lstmlib.results import make_parser, merge_if_asked, metadata, write_json
from lstmlib.runners.comparison import run_adding, run_char, run_counting

CELLS = ("rnn", "gru", "lstm")

#: task name -> (runner, keyword arguments, score name, "lower" or "higher" is better)
TASKS = {
    "adding T=20": (run_adding, dict(seq_len=20, budget=1000, steps=1000, lr=1e-2), "ratio", "lower"),
    "adding T=50": (run_adding, dict(seq_len=50, budget=1000, steps=1000, lr=1e-2), "ratio", "lower"),
    "counting N≤25": (run_counting, dict(budget=1500, steps=1000, lr=1e-2, max_count=25), "accuracy", "higher"),
    "char (Python source)": (run_char, dict(budget=25000, steps=400, lr=5e-3), "bpc", "lower"),
}



def main(argv=None) -> None:
    ap = make_parser(__doc__.splitlines()[0], TASKS, "head_to_head.json", seeds=3)
    ap.add_argument("--cells", nargs="*", default=list(CELLS), choices=CELLS)
    ap.add_argument("--lstm-forget-bias", type=float, default=0.0,
                    help="initial forget-gate bias of the LSTM (PyTorch's default 0; 1 recommended)")
    args = ap.parse_args(argv)
    if merge_if_asked(args):
        return
    torch.set_num_threads(1)  # tiny models: one thread is fastest and leaves the others free
    t0 = time.perf_counter()
    results = {}
    for task in args.tasks:
        runner, kwargs, score, better = TASKS[task]
        runs = {}
        for cell in args.cells:
            runs[cell] = []
            options = {"forget_bias": args.lstm_forget_bias} if cell == "lstm" and args.lstm_forget_bias else {}
            for seed in range(args.seeds):
                r = runner(cell, seed=seed, **kwargs, **options)
                print(f"{task:22s} {cell:5s} seed {seed}: {score} = {r[score]:.4f} "
                      f"(H={r['hidden_size']}, {r['params']} params, {r['steps']} steps, {r['seconds']} s)", flush=True)
                runs[cell].append(r)
        settings = {**kwargs, "lstm_forget_bias": args.lstm_forget_bias}
        results[task] = {"score": score, "better": better, "settings": settings, "runs": runs}
    out = {"description": "RNN vs GRU vs LSTM at an equal parameter budget (lstmlib.runners.comparison runners); "
                          "one entry per seed", "meta": metadata(time.perf_counter() - t0), "tasks": results}
    write_json(args.out, out)


if __name__ == "__main__":
    main()
