"""Beam search (lstmlib.torch.beam): width 1 is greedy, a wide beam is exhaustive, GNMT's length
normalisation and coverage penalty do what Wu et al. (2016) say."""
import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstmlib.torch.beam import (beam_search, beam_translate, coverage_penalty, gnmt_score,
                                length_penalty)
from lstmlib.torch.seq2seq import EOS, Seq2Seq, greedy_decode

BOS_T, EOS_T, V, S = 1, 2, 4, 3


def toy_model(prefix):
    """A fixed random 'language model': log-probs (V,) and attention (S,) for a prefix."""
    seed = hash(tuple(prefix)) % (2**32)
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=V) * 1.5
    logits[BOS_T] = -30.0           # never emit BOS
    logits[EOS_T] += 0.3
    log_probs = logits - np.logaddexp.reduce(logits)
    att = rng.random(S) + 0.05
    return log_probs, att / att.sum()


def toy_step(tokens, state):
    # state: the tokens fed before this step; the model conditions on everything fed (BOS first)
    new = [p + [int(t)] for p, t in zip(state, tokens)]
    outs = [toy_model(p) for p in new]
    lp = torch.tensor(np.stack([o[0] for o in outs]))
    att = torch.tensor(np.stack([o[1] for o in outs]))
    return lp, new, att


def toy_reorder(state, idx):
    return [list(state[i]) for i in idx.tolist()]


def run_toy(width, max_len, alpha=0.0, beta=0.0):
    return beam_search(toy_step, [[]], toy_reorder, beam_width=width, max_len=max_len, bos=BOS_T,
                       eos=EOS_T, alpha=alpha, beta=beta)


def brute_force(max_len, alpha, beta):
    """Every output the beam could produce: sequences ending in EOS within max_len, and the
    unfinished sequences of length max_len; each scored from scratch."""
    out = []
    for length in range(1, max_len + 1):
        for body in itertools.product(range(V), repeat=length):
            if EOS_T in body[:-1]:
                continue
            if body[-1] != EOS_T and length < max_len:
                continue
            prefix, logp, rows = [BOS_T], 0.0, []
            for t in body:
                lp, att = toy_model(list(prefix))
                logp += lp[t]
                rows.append(att)
                prefix.append(t)
            out.append((list(body), gnmt_score(logp, length, np.stack(rows), alpha, beta), logp))
    return out


def greedy_toy(max_len):
    prefix = [BOS_T]
    for _ in range(max_len):
        lp, _ = toy_model(prefix)
        t = int(np.argmax(lp))
        prefix.append(t)
        if t == EOS_T:
            break
    return prefix[1:]


@pytest.mark.parametrize("max_len", [1, 3, 6])
def test_width_one_is_greedy_on_toy(max_len):
    hyps = run_toy(1, max_len)
    assert len(hyps) == 1
    assert hyps[0].tokens == greedy_toy(max_len)


@pytest.mark.parametrize("alpha,beta", [(0.0, 0.0), (0.2, 0.2), (1.0, 0.0), (0.0, 1.0)])
def test_wide_beam_matches_brute_force(alpha, beta):
    max_len = 3
    everything = brute_force(max_len, alpha, beta)
    hyps = run_toy(10_000, max_len, alpha, beta)        # wide enough never to prune
    assert len(hyps) == len(everything)
    best = max(everything, key=lambda x: x[1])
    assert hyps[0].tokens == best[0]
    assert hyps[0].score == pytest.approx(best[1], abs=1e-9)
    by_tokens = {tuple(t): (s, lp) for t, s, lp in everything}
    for h in hyps:                                       # every score agrees, not just the best
        s, lp = by_tokens[tuple(h.tokens)]
        assert h.score == pytest.approx(s, abs=1e-9)
        assert h.log_prob == pytest.approx(lp, abs=1e-9)
        assert h.finished == (h.tokens[-1] == EOS_T)


def short_or_long_step(tokens, state):
    """EOS now with p = 0.45, or five tokens 'a' (p 0.55 · 0.9^4 ≈ 0.36) then EOS."""
    rows = []
    for prefix in state:
        n = len(prefix)  # tokens fed before this step's input = tokens generated so far
        if n == 0:
            p = {0: 0.55, EOS_T: 0.45}
        elif n < 5:
            p = {0: 0.9, EOS_T: 0.1}
        else:
            p = {0: 1e-6, EOS_T: 1 - 1e-6}
        rows.append([math.log(p.get(t, 1e-12)) for t in range(V)])
    new = [p + [int(t)] for p, t in zip(state, tokens)]
    return torch.tensor(rows), new, None


def test_without_length_normalisation_beam_prefers_short():
    run = lambda alpha: beam_search(short_or_long_step, [[]], toy_reorder, beam_width=4, max_len=8,
                                    bos=BOS_T, eos=EOS_T, alpha=alpha)[0]
    assert run(0.0).tokens == [EOS_T]                     # the empty translation wins
    assert run(1.0).tokens == [0, 0, 0, 0, 0, EOS_T]      # normalised: the long one wins
    assert len(run(1.0).tokens) > len(run(0.0).tokens)


def test_length_and_coverage_penalties():
    assert length_penalty(1, 0.0) == 1.0
    assert length_penalty(1, 0.7) == pytest.approx(1.0)   # ((5+1)/6)^α = 1
    assert length_penalty(7, 1.0) == pytest.approx(2.0)
    full = np.array([[0.5, 0.5], [0.6, 0.6]])              # both words covered ≥ 1
    assert coverage_penalty(full, 0.2) == 0.0
    half = np.array([[0.9, 0.1]])                          # second word covered 0.1
    assert coverage_penalty(half, 1.0) == pytest.approx(math.log(0.9) + math.log(0.1))
    assert coverage_penalty(half, 0.0) == 0.0
    assert gnmt_score(-2.0, 7, None, alpha=1.0) == pytest.approx(-1.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="beam_width"):
        run_toy(0, 3)
    with pytest.raises(ValueError, match="alpha"):
        run_toy(2, 3, alpha=-0.1)
    with pytest.raises(TypeError, match="max_len"):
        run_toy(2, 2.5)


@pytest.mark.parametrize("attention", [None, "additive", "multiplicative"])
def test_width_one_equals_greedy_on_a_model(attention):
    torch.manual_seed(0)
    model = Seq2Seq(7, 9, embed_size=8, hidden_size=12, attention=attention, decoder_layers=2,
                    encoder_layers=2)
    model.eval()
    src = [4, 5, 6, 4, 3]
    hyp = beam_translate(model, src, beam_width=1, max_len=12)[0]
    ids, _ = greedy_decode(model, np.array(src)[:, None], np.array([len(src)]), max_len=12)
    body = hyp.tokens[:-1] if hyp.finished else hyp.tokens
    assert body == ids[0]


def test_model_beam_log_prob_matches_teacher_forcing():
    torch.manual_seed(1)
    model = Seq2Seq(7, 9, embed_size=8, hidden_size=12, attention="additive")
    model.eval()
    src = [3, 4, 5, 6]
    for h in beam_translate(model, src, beam_width=3, max_len=6):
        tgt = torch.tensor([1] + h.tokens).unsqueeze(1)
        with torch.no_grad():
            logits, attn = model(torch.tensor(src).unsqueeze(1), torch.tensor([4]), tgt[:-1])
        lp = torch.log_softmax(logits[:, 0], -1).gather(1, tgt[1:]).sum().item()
        assert h.log_prob == pytest.approx(lp, abs=1e-5)
        np.testing.assert_allclose(h.attention, attn[:, 0].numpy(), atol=1e-6)
