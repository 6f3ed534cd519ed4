"""Chapter 3's preview: the latch task (Bengio et al. 1994) for a small LSTM, under the same budget
as the one-unit RNN (40 training sequences, 400 full-batch epochs, success = ≥ 95 % correct
signs on 400 fresh sequences). Each run is its own small PyTorch model, so this is too slow for
the notebook (about 5 minutes on 2 busy CPU cores); the notebook plots the JSON it writes.

    python experiments/latch_lstm.py            # writes chapters/results/latch_lstm.json
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lstmlib import seed_everything
from lstmlib.data.latch import make_latch
from lstmlib.results import RESULTS_DIR, metadata, write_json
from lstmlib.torch import LSTM
from lstmlib.torch.heads import SequenceClassifier

LENGTHS = [2, 5, 10, 20, 40, 80]
RUNS = 20
HIDDEN = 4
CONFIG = dict(hidden_size=HIDDEN, forget_bias=2.0, optimizer="adam", lr=0.05, epochs=400, n_train=40, n_test=400)


def one_run(seq_len: int, seed: int) -> bool:
    rng = seed_everything(seed)
    x, y, _ = make_latch(CONFIG["n_train"], seq_len, rng)
    x_test, _, labels_test = make_latch(CONFIG["n_test"], seq_len, rng)
    model = SequenceClassifier(LSTM(1, HIDDEN, forget_bias=CONFIG["forget_bias"]), HIDDEN, 1)
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
    X = torch.tensor(x, dtype=torch.float32)
    Y = torch.tensor(y, dtype=torch.float32)
    for _ in range(CONFIG["epochs"]):
        pred = torch.tanh(model(X))[:, 0]  # the same ±0.8 targets as the one-unit RNN
        loss = ((pred - Y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = model(torch.tensor(x_test, dtype=torch.float32))[:, 0].numpy()
    return bool((np.sign(pred) == labels_test).mean() >= 0.95)


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # --help only
    torch.set_num_threads(1)
    start = time.perf_counter()
    success = []
    for T in LENGTHS:
        wins = [one_run(T, 1000 * T + r) for r in range(RUNS)]
        success.append(float(np.mean(wins)))
        print(f"T={T}: {success[-1]:.2f}  ({time.perf_counter() - start:.0f} s)", flush=True)
    write_json(RESULTS_DIR / "latch_lstm.json", {
        "description": "latch task for a small LSTM: success against sequence length (chapter 3)",
        "meta": metadata(time.perf_counter() - start),
        "lengths": LENGTHS, "runs_per_length": RUNS, "success": success, "config": CONFIG})


if __name__ == "__main__":
    main()
