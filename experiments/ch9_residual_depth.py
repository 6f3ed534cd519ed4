"""Deep stacks with and without residual connections (Wu et al. 2016, §3.1, in miniature).

GNMT's layout (:func:`lstmlib.torch.seq2seq.gnmt`: bidirectional bottom encoder layer, additive
attention from the bottom decoder layer over the top encoder layer) with ``--layers`` encoder and
decoder layers of 64 LSTM units, trained with and without residual connections from the third
layer up, on the same data and budget, for several seeds (the seed sets the initial weights and
the order of the training batches; the data are the same for every run). Wu et al.: plain stacks
"work well up to 4 layers, barely with 6 layers, and very poorly beyond 8". With 2 layers there
is no third layer, so "residual" only exists from 4 layers up.

Data: English → German number words, 1–4 numbers per sentence, 10 000 training pairs, seed 0.
Chapter 9 plots ``chapters/results/ch9_residual_depth.json``. Rerun the grid (plain 2, 4, 6, 8
layers; residual 4, 6, 8; seeds 0–2), two runs at a time on two cores, then merge:

    for seed in 0 1 2; do for run in "2 no" "4 no" "4 yes" "6 no" "6 yes" "8 no" "8 yes"; do
        set -- $run; echo "--layers $1 --residual $2 --seed $seed"; done; done |
      xargs -P 2 -L 1 python experiments/ch9_residual_depth.py
    python experiments/ch9_residual_depth.py --merge

From about 16 CPU seconds (2 layers) to about 42 (8 layers) per run (torch, 1 thread); the
grid took about 5 minutes on two cores.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from lstmlib import seed_everything
from lstmlib.data.translation import load_number_translation
from lstmlib.metrics import corpus_bleu, exact_match
from lstmlib.results import PARTS_DIR, RESULTS_DIR, combined_meta, metadata, write_json
from lstmlib.torch.seq2seq import gnmt, train_seq2seq, translate

OUT = RESULTS_DIR / "ch9_residual_depth.json"
DATA = dict(n_train=10000, n_valid=300, n_test=300, max_numbers=4, seed=0)


def run(layers: int, residual: bool, steps: int, seed: int) -> dict:
    seed_everything(seed)
    data = load_number_translation(**DATA)   # its own seed: the same data for every run
    model = gnmt(len(data.src_vocab), len(data.tgt_vocab), layers=layers, hidden_size=64,
                 embed_size=32, residual=residual)
    cpu = time.process_time()
    log = train_seq2seq(model, data, steps=steps, batch_size=64, lr=3e-3, log_every=20, seed=seed)
    hyps, _ = translate(model, data, data.test)
    refs = [t for _, t in data.test]
    return {"layers": layers, "residual": residual, "seed": seed, "description": model.describe(), "steps": steps,
            "curve": {"step": log.step, "loss": log.loss},
            "test_bleu": corpus_bleu(hyps, refs), "test_exact": exact_match(hyps, refs),
            "meta": metadata(time.process_time() - cpu)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--residual", choices=["yes", "no"])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--merge", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    PARTS_DIR.mkdir(exist_ok=True)
    if args.residual:
        if args.residual == "yes" and args.layers < 3:
            p.error("residual connections start at the third layer: --residual yes needs --layers 3 or more")
        res = run(args.layers, args.residual == "yes", args.steps, args.seed)
        name = f"ch9_L{args.layers}_{args.residual}_s{args.seed}.json"
        (PARTS_DIR / name).write_text(json.dumps(res, indent=1))
        print(args.layers, args.residual, "seed", args.seed, "BLEU", round(res["test_bleu"], 1), "loss", res["curve"]["loss"][-1])
    if args.merge:
        runs = [json.loads(f.read_text()) for f in sorted(PARTS_DIR.glob("ch9_L*.json"))]
        write_json(OUT, {"description": "GNMT-style stacks of 2-8 layers with/without residual connections, 3 seeds (ch. 9)",
                         "meta": combined_meta(r["meta"] for r in runs), "data": DATA, "runs": runs})


if __name__ == "__main__":
    main()
