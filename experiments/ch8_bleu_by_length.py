"""BLEU against source length, without and with attention (Bahdanau et al. 2014, Fig. 2, in miniature).

Data: :func:`lstmlib.data.translation.load_number_translation` — English number words → German
number morphemes, 1–8 numbers per sentence (sources of 1 to about 45 tokens), 20 000 training
pairs, 1 000 test pairs, seed 0. Models (all one-layer LSTMs, 32-d embeddings, 64 units, the same
training budget): ``encdec`` (the fixed-size context of Sutskever et al. 2014), ``encdec_reversed``
(the same with the source fed backwards) and ``attention`` (Bahdanau et al.'s additive score, placed as in
Luong et al. 2015: the decoder's current output is the query, the context goes to the output layer
only, the encoder is one-directional — chapter 8 explains the difference from RNNsearch).
Greedy decoding; corpus BLEU per source-length bucket with ``sacrebleu`` (:mod:`lstmlib.metrics`).

Chapter 8 plots ``chapters/results/ch8_bleu_by_length.json``. Rerun with

    python experiments/ch8_bleu_by_length.py --model encdec --steps 4800            # one model per process
    python experiments/ch8_bleu_by_length.py --model encdec_reversed --steps 4800   # (in parallel)
    python experiments/ch8_bleu_by_length.py --model attention
    python experiments/ch8_bleu_by_length.py --merge

The recorded file trains the attention model for the default 1200 steps (it has converged by
then) and the two models without attention for ``--steps 4800``: at 1200 they are still far from
converged, and a comparison at an equal *budget* would mix the bottleneck with under-training.
About 2 CPU minutes per 1200 steps on one core (torch, 1 thread).
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from lstmlib import seed_everything
from lstmlib.data.translation import load_number_translation
from lstmlib.metrics import bleu_by_length, corpus_bleu, exact_match
from lstmlib.results import PARTS_DIR, RESULTS_DIR, combined_meta, metadata, write_json
from lstmlib.torch.seq2seq import Seq2Seq, train_seq2seq, translate

OUT = RESULTS_DIR / "ch8_bleu_by_length.json"
MODELS = {
    "encdec": dict(attention=None),
    "encdec_reversed": dict(attention=None, reverse_source=True),
    "attention": dict(attention="additive"),
}
DATA = dict(n_train=20000, n_valid=500, n_test=1000, max_numbers=8, seed=0)
EDGES = [1, 6, 11, 16, 21, 26, 31, 36, 41, 50]


def run(name: str, steps: int) -> dict:
    seed_everything(0)
    data = load_number_translation(**DATA)
    model = Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), embed_size=32, hidden_size=64, **MODELS[name])
    cpu = time.process_time()
    log = train_seq2seq(model, data, steps=steps, batch_size=64, lr=3e-3, log_every=50, seed=0)
    hyps, _ = translate(model, data, data.test)
    refs = [t for _, t in data.test]
    lengths = [len(s) for s, _ in data.test]
    return {
        "model": name, "description": model.describe(), "steps": steps, "batch_size": 64,
        "curve": {"step": log.step, "loss": log.loss},
        "test_bleu": corpus_bleu(hyps, refs), "test_exact": exact_match(hyps, refs),
        "by_length": bleu_by_length(lengths, hyps, refs, EDGES),
        "examples": [{"src": " ".join(s), "ref": " ".join(r), "hyp": " ".join(h)}
                     for (s, _), r, h in list(zip(data.test, refs, hyps))[:5]],
        "meta": metadata(time.process_time() - cpu),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS))
    p.add_argument("--steps", type=int, default=1200)
    p.add_argument("--merge", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    PARTS_DIR.mkdir(exist_ok=True)
    if args.model:
        result = run(args.model, args.steps)
        (PARTS_DIR / f"ch8_{args.model}.json").write_text(json.dumps(result, indent=1))
        print(args.model, "BLEU", round(result["test_bleu"], 1),
              [(r["lo"], round(r["bleu"], 1)) for r in result["by_length"]])
    if args.merge:
        models = {}
        for name in MODELS:
            part = PARTS_DIR / f"ch8_{name}.json"
            if part.exists():
                models[name] = json.loads(part.read_text())
        write_json(OUT, {"description": "BLEU by source length without/with attention (ch. 8)",
                         "meta": combined_meta(m["meta"] for m in models.values()),
                         "data": DATA, "edges": EDGES, "models": models})


if __name__ == "__main__":
    main()
