r"""Beam search with GNMT's length normalisation and coverage penalty (Wu et al. 2016, §7).

Greedy decoding commits to the most likely token at every step; a choice that looks best now can
lead to a poor sentence. Beam search keeps the ``beam_width`` most probable *partial* translations
(by their summed log-probability :math:`\log P(y_{\le t} \mid X)`), extends each by every token,
and keeps the best ``beam_width`` again. A hypothesis that emits ``<eos>`` is finished and leaves
the beam (the beam shrinks by one), so exactly ``beam_width`` hypotheses come out.

Finished hypotheses of different lengths are compared by GNMT's score

.. math::

    s(Y, X) = \frac{\log P(Y \mid X)}{lp(Y)} + cp(X; Y),

    lp(Y) = \left(\frac{5 + |Y|}{6}\right)^{\alpha},

    cp(X; Y) = \beta \sum_{i=1}^{|X|} \log \min\Big(\sum_{j=1}^{|Y|} p_{i,j},\ 1\Big)

where :math:`p_{i,j}` is the attention weight of target step :math:`j` on source word :math:`i`.
Every extra token multiplies the probability by a number below one, so with :math:`\alpha = 0`
short outputs win; :math:`lp` divides that bias away (:math:`\alpha = 1` is roughly a per-token
average). :math:`cp` is 0 when every source word received a total attention of at least 1, and
negative for source words the translation has not covered — it penalises dropped words.
Wu et al. use :math:`\alpha = \beta = 0.2`. Here :math:`|Y|` counts the generated tokens
including ``<eos>``, and the ``<eos>`` step's attention counts towards the coverage.

The search itself ranks *partial* hypotheses by raw log-probability, so ``beam_width=1`` is
exactly greedy decoding, and a beam wide enough to keep every candidate is an exhaustive search
(both are unit-tested). :func:`beam_search` works on any ``step_fn``; :func:`beam_translate`
wraps a :class:`lstmlib.torch.seq2seq.Seq2Seq`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

# GNMT's score is the reference's: one definition, used by the search and by the self-check
from ..reference.beam import coverage_penalty, gnmt_score, length_penalty
from ..validate import check_nonnegative_int, check_positive_float, check_positive_int

__all__ = ["Hypothesis", "length_penalty", "coverage_penalty", "gnmt_score", "beam_search",
           "beam_translate", "beam_translate_corpus"]


@dataclass
class Hypothesis:
    """One output of the beam: ``tokens`` (generated ids, ``<eos>`` included when ``finished``),
    ``log_prob`` = log P(Y|X), GNMT ``score``, ``attention (len, S)`` or ``None``."""

    tokens: list
    log_prob: float
    score: float
    attention: np.ndarray | None
    finished: bool


def beam_search(
    step_fn: Callable,
    init_state,
    reorder: Callable,
    *,
    beam_width: int,
    max_len: int,
    bos: int = 1,
    eos: int = 2,
    alpha: float = 0.0,
    beta: float = 0.0,
) -> list[Hypothesis]:
    """Beam search over ``step_fn(tokens (K,), state) -> (log_probs (K, V), state, attn (K, S) or
    None)``; ``reorder(state, idx)`` picks the states of the surviving hypotheses.

    Returns the ``beam_width`` (or fewer) hypotheses, best GNMT score first. Hypotheses still
    running at ``max_len`` are returned with ``finished=False``.
    """
    beam_width = check_positive_int("beam_width", beam_width)
    max_len = check_positive_int("max_len", max_len)
    check_nonnegative_int("eos", eos)
    alpha = check_positive_float("alpha", alpha, allow_zero=True)
    beta = check_positive_float("beta", beta, allow_zero=True)

    live_tokens: list[list[int]] = [[]]
    live_attn: list[list[np.ndarray]] = [[]]
    live_logp = torch.zeros(1, dtype=torch.float64)
    tokens = torch.tensor([bos], dtype=torch.long)
    state = init_state
    finished: list[Hypothesis] = []

    def make(toks, logp, attn_rows, done):
        attn = np.stack(attn_rows) if attn_rows and attn_rows[0] is not None else None
        return Hypothesis(toks, logp, gnmt_score(logp, len(toks), attn, alpha, beta), attn, done)

    for _ in range(max_len):
        log_probs, state, attn = step_fn(tokens, state)                    # (K, V), (K, S)
        V = log_probs.shape[-1]
        total = (live_logp.unsqueeze(1) + log_probs.double()).reshape(-1)  # (K·V,)
        k = min(beam_width - len(finished), total.numel())
        values, flat = torch.topk(total, k)
        attn_np = None if attn is None else attn.detach().double().numpy()
        keep, new_tokens, new_attn, new_logp = [], [], [], []
        for value, index in zip(values.tolist(), flat.tolist()):
            parent, token = divmod(index, V)
            toks = live_tokens[parent] + [token]
            rows = live_attn[parent] + [None if attn_np is None else attn_np[parent]]
            if token == eos:
                finished.append(make(toks, value, rows, True))
            else:
                keep.append(parent)
                new_tokens.append(toks)
                new_attn.append(rows)
                new_logp.append(value)
        if not keep:
            break
        idx = torch.tensor(keep, dtype=torch.long)
        state = reorder(state, idx)
        tokens = torch.tensor([t[-1] for t in new_tokens], dtype=torch.long)
        live_tokens, live_attn = new_tokens, new_attn
        live_logp = torch.tensor(new_logp, dtype=torch.float64)
    else:
        finished += [make(t, lp, a, False) for t, lp, a in zip(live_tokens, live_logp.tolist(), live_attn)]
    return sorted(finished, key=lambda h: h.score, reverse=True)


@torch.no_grad()
def beam_translate(model, src_ids, *, beam_width: int = 4, alpha: float = 0.0, beta: float = 0.0,
                   max_len: int | None = None) -> list[Hypothesis]:
    """Beam search for one source sentence (``src_ids``: a list of ids, no padding) with a
    :class:`~lstmlib.torch.seq2seq.Seq2Seq`. Returns the hypotheses, best first."""
    from .seq2seq import BOS, EOS  # local: seq2seq imports nothing from here

    src_ids = [int(i) for i in src_ids]
    if not src_ids:
        raise ValueError("src_ids: expected a non-empty list of token ids, got []")
    model.eval()
    src = torch.tensor(src_ids, dtype=torch.long).unsqueeze(1)               # (S, 1)
    memory = model.encode(src, torch.tensor([len(src_ids)]))

    def step_fn(tokens, state):
        dec_state, mem = state
        log_probs, dec_state, attn = model.decode_step(tokens, dec_state, mem)
        return log_probs, (dec_state, mem), attn

    def reorder(state, idx):
        dec_state, mem = state
        from .seq2seq import _select_state
        return [_select_state(s, idx) for s in dec_state], mem.index_select(idx)

    return beam_search(step_fn, (memory.init_state, memory), reorder, beam_width=beam_width,
                       max_len=max_len or 2 * len(src_ids) + 10, bos=BOS, eos=EOS, alpha=alpha, beta=beta)


def beam_translate_corpus(model, data, pairs, *, beam_width: int = 4, alpha: float = 0.0,
                          beta: float = 0.0) -> list[list[str]]:
    """Best beam hypothesis (as target tokens) for each ``(source, target)`` pair."""
    out = []
    for src, _ in pairs:
        best = beam_translate(model, data.src_vocab.encode(src), beam_width=beam_width, alpha=alpha,
                              beta=beta)[0]
        out.append(data.tgt_vocab.decode(best.tokens))
    return out
