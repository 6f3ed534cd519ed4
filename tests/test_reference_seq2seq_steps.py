"""The NumPy ground truth for chapters 8 and 9 (attention, beam step, GNMT penalties) agrees with
the PyTorch path the chapters train and decode with."""
from __future__ import annotations

import numpy as np
import pytest

from lstmlib.reference.attention import additive_attention
from lstmlib.reference.beam import beam_search_step, coverage_penalty, gnmt_score, length_penalty

torch = pytest.importorskip("torch")


def test_additive_attention_matches_the_torch_module():
    from lstmlib.torch.attention import AdditiveAttention

    rng = np.random.default_rng(0)
    S, B, Dq, Dk, A = 5, 3, 4, 6, 7
    module = AdditiveAttention(Dq, Dk, A).double()
    query, keys = rng.normal(size=(B, Dq)), rng.normal(size=(S, B, Dk))
    mask = np.ones((S, B), dtype=bool)
    mask[3:, 1] = False
    with torch.no_grad():
        module.key_proj.bias.zero_()  # the reference has no bias on the keys' projection
        context_t, weights_t = module(torch.from_numpy(query), torch.from_numpy(keys), torch.from_numpy(mask))
    W_q = module.query_proj.weight.detach().numpy().T
    W_k = module.key_proj.weight.detach().numpy().T
    v = module.v.weight.detach().numpy()[0]
    context, weights = additive_attention(query, keys, W_q, W_k, v, mask)
    assert np.allclose(weights, weights_t.numpy(), atol=1e-12)
    assert np.allclose(context, context_t.numpy(), atol=1e-12)
    assert np.all(weights[1, 3:] == 0.0)


def test_additive_attention_rejects_bad_shapes_and_empty_sentences():
    q, k = np.zeros((2, 3)), np.zeros((4, 2, 3))
    W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"query, keys: expected shapes \(B, Dq\) and \(S, B, Dk\)"):
        additive_attention(q, k[:, :1], W, W, np.zeros(2))
    with pytest.raises(ValueError, match="at least one real token"):
        additive_attention(q, k, W, W, np.zeros(2), np.zeros((4, 2), dtype=bool))


def test_beam_step_keeps_the_best_of_all_extensions():
    scores = np.array([-0.1, -3.0])
    log_probs = np.log(np.array([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05]]))
    s, b, t = beam_search_step(scores, log_probs, 3)
    assert b.tolist() == [0, 0, 0] and t.tolist() == [0, 1, 2]     # beam 1 is too far behind
    assert np.allclose(s, -0.1 + log_probs[0])


def test_penalties_agree_with_the_torch_beam_search():
    from lstmlib.torch import beam as torch_beam

    rng = np.random.default_rng(1)
    attention = rng.dirichlet(np.ones(6), size=9)                    # (|Y|, |X|)
    for alpha, beta in [(0.0, 0.0), (0.2, 0.2), (1.0, 0.5)]:
        assert length_penalty(9, alpha) == torch_beam.length_penalty(9, alpha)
        assert np.isclose(coverage_penalty(attention, beta), torch_beam.coverage_penalty(attention, beta))
        assert np.isclose(gnmt_score(-4.2, 9, attention, alpha, beta),
                          torch_beam.gnmt_score(-4.2, 9, attention, alpha, beta))
