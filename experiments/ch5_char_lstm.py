"""A larger character-level LSTM on the Python standard library's sources (chapter 5).

Chapter 5 trains a small one-layer model live; this script trains the larger model whose
recorded results the chapter shows next to it: a 2-layer LSTM (embedding 32, 128 units per
layer) on the first 400 000 characters of :func:`lstmlib.data.text.stdlib_corpus` (every tenth
block of 2000 characters held out for validation, :func:`lstmlib.data.text.interleaved_split`), with random windows of 100 characters, batches of 32, Adam 5e-3, forget bias 1.

It writes ``chapters/results/ch5_char_lstm.json`` (a few tens of kB, no weights):

* ``settings``, ``machine``, ``cpu_seconds``; the validation loss (bits per character) during
  training;
* ``samples``: generated code at temperatures 0.5, 1.0 (seeded);
* ``units``: for each layer, the units of ``h`` and of ``tanh(c)`` that correlate best with the
  features of :func:`lstmlib.data.text.code_features` on 5000 validation characters;
* ``snippet``: 600 validation characters with the activations of the best unit per feature, for
  the coloured-text figures;
* ``saturation``: fraction of left-saturated (< 0.1) and right-saturated (> 0.9) gate values per
  gate and layer (Karpathy, Johnson & Fei-Fei 2015, figure 3).

Run from the repository root (about 3 CPU minutes on one core at the default 2500 steps):

    python experiments/ch5_char_lstm.py [--steps 2500] [--threads 1]
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstmlib import seed_everything
from lstmlib.data.text import CharVocab, char_windows, code_features, interleaved_split, stdlib_corpus
from lstmlib.results import RESULTS_DIR, metadata, write_json
from lstmlib.torch import LSTM, lstm_gates
from lstmlib.torch.heads import StepModel
from lstmlib.viz.coloured_text import find_units

OUT = RESULTS_DIR / "ch5_char_lstm.json"


def char_lstm(vocab_size: int, hidden: int = 128, layers: int = 2, embed: int = 32) -> StepModel:
    """Embedding → LSTM stack (forget bias 1) → linear read-out over the vocabulary."""
    embedding = nn.Embedding(vocab_size, embed)  # built first: the initialisation order of the record
    return StepModel(LSTM(embed, hidden, num_layers=layers, forget_bias=1.0), vocab_size, encoder=embedding)


def sample(model, vocab, prime, length, temperature, gen):
    ids = torch.from_numpy(vocab.encode(prime))[:, None]
    with torch.no_grad():
        logits, hx = model(ids)
        out = []
        for _ in range(length):
            p = torch.softmax(logits[-1, 0] / temperature, dim=-1)
            k = int(torch.multinomial(p, 1, generator=gen))
            out.append(vocab.chars[k])
            logits, hx = model(torch.tensor([[k]]), hx)
    return prime + "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--chars", type=int, default=400_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = seed_everything(0)

    text = stdlib_corpus(args.chars)
    vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)
    train_ids, val_ids = interleaved_split(ids)  # every 10th block of 2000 characters
    model = char_lstm(len(vocab), args.hidden, args.layers)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    val_x = torch.from_numpy(val_ids[:20_001])

    def val_bits():
        model.eval()
        with torch.no_grad():
            chunks = val_x[: (len(val_x) - 1) // 100 * 100 + 1]
            x = chunks[:-1].reshape(-1, 100).T  # (100, N) consecutive windows
            y = chunks[1:].reshape(-1, 100).T
            logits, _ = model(x)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        model.train()
        return float(loss) / np.log(2)

    curve = []
    t0 = time.process_time()
    for step in range(1, args.steps + 1):
        x, y = map(torch.from_numpy, char_windows(train_ids, 100, 32, rng))
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 250 == 0 or step == args.steps:
            curve.append((step, val_bits()))
            print(f"step {step}: val {curve[-1][1]:.3f} bits/char, {time.process_time() - t0:.0f} s CPU", flush=True)
    cpu = time.process_time() - t0
    model.eval()

    probe_text = vocab.decode(val_ids[:5000])
    probe = lstm_gates(model.rnn, model.encoder(torch.from_numpy(val_ids[:5000])[:, None]))
    feats = code_features(probe_text)
    units, saturation = [], []
    for layer in range(args.layers):
        h = probe["h"][layer][:, 0].numpy()
        tc = np.tanh(probe["c"][layer][:, 0].numpy())
        units.append({"h": find_units(h, feats), "tanh_c": find_units(tc, feats)})
        saturation.append({g: {"left": float((probe[g][layer] < 0.1).float().mean()),
                               "right": float((probe[g][layer] > 0.9).float().mean())} for g in "ifo"})
    snippet_len = 600
    snippet = {"text": probe_text[:snippet_len], "units": {}}
    for name in feats:
        best_layer = max(range(args.layers), key=lambda l: abs(units[l]["h"][name][0][1]))
        unit, corr = units[best_layer]["h"][name][0]
        acts = probe["h"][best_layer][:snippet_len, 0, unit].numpy()
        snippet["units"][name] = {"layer": best_layer, "unit": unit, "correlation": corr,
                                  "h": [round(float(a), 3) for a in acts]}
    gen = torch.Generator().manual_seed(0)
    samples = {str(t): sample(model, vocab, "def ", 400, t, gen) for t in (0.5, 1.0)}

    result = {
        "description": "2-layer character LSTM on Python standard-library sources (chapter 5)",
        "meta": metadata(cpu),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
        "corpus": {"chars": len(text), "vocab": len(vocab), "python": platform.python_version()},
        "val_bits_per_char": curve,
        "samples": samples,
        "units": units,
        "saturation": saturation,
        "snippet": snippet,
    }
    write_json(args.out, result)


if __name__ == "__main__":
    main()
