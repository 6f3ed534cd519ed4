"""Encoder–decoder models (lstmlib.torch.seq2seq) and attention (lstmlib.torch.attention)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstmlib.torch.attention import AdditiveAttention, MultiplicativeAttention, make_attention
from lstmlib.torch.seq2seq import (EOS, Seq2Seq, _reverse_within_length, gnmt, greedy_decode,
                                   train_seq2seq)

torch.set_num_threads(1)
CONFIGS = [
    dict(),
    dict(attention="additive"),
    dict(attention="multiplicative", reverse_source=True),
    dict(attention="additive", encoder_layers=3, decoder_layers=3, bidirectional_bottom=True, residual_from=2),
    dict(cell="gru", attention="additive", encoder_layers=2, decoder_layers=2, residual_from=1),
    dict(reverse_source=True, encoder_layers=2, decoder_layers=2),
]


def batch(lengths, V=9, seed=0):
    g = torch.Generator().manual_seed(seed)
    S = max(lengths)
    src = torch.zeros(S, len(lengths), dtype=torch.long)
    for b, n in enumerate(lengths):
        src[:n, b] = torch.randint(3, V, (n,), generator=g)
    return src, torch.tensor(lengths)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_shapes_and_attention_rows(cfg):
    torch.manual_seed(0)
    model = Seq2Seq(9, 11, embed_size=6, hidden_size=8, **cfg).eval()
    src, src_len = batch([5, 2, 4])
    tgt = torch.randint(3, 11, (7, 3))
    with torch.no_grad():
        logits, attn = model(src, src_len, tgt)
    assert logits.shape == (7, 3, 11)
    if cfg.get("attention"):
        assert attn.shape == (7, 3, 5)
        torch.testing.assert_close(attn.sum(-1), torch.ones(7, 3))
        assert attn[:, 1, 2:].abs().max().item() == 0.0         # padding gets no attention
    else:
        assert attn is None


@pytest.mark.parametrize("cfg", CONFIGS)
def test_padding_does_not_change_results(cfg):
    # a sentence alone and the same sentence padded next to a longer one: same logits
    torch.manual_seed(0)
    model = Seq2Seq(9, 11, embed_size=6, hidden_size=8, **cfg).eval()
    src, src_len = batch([3, 6])
    tgt = torch.randint(3, 11, (4, 2))
    with torch.no_grad():
        both, _ = model(src, src_len, tgt)
        alone, _ = model(src[:3, :1], src_len[:1], tgt[:, :1])
    torch.testing.assert_close(both[:, 0], alone[:, 0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_step_by_step_equals_teacher_forcing(cfg):
    torch.manual_seed(1)
    model = Seq2Seq(9, 11, embed_size=6, hidden_size=8, **cfg).eval()
    src, src_len = batch([4, 6, 1], seed=2)
    tgt = torch.randint(3, 11, (5, 3))
    with torch.no_grad():
        full, _ = model(src, src_len, tgt)
        memory = model.encode(src, src_len)
        state, steps = memory.init_state, []
        for t in range(5):
            lp, state, _ = model.decode_step(tgt[t], state, memory)
            steps.append(lp)
    torch.testing.assert_close(torch.stack(steps), torch.log_softmax(full, -1), atol=1e-5, rtol=1e-5)


def test_reverse_source_is_the_same_model_on_a_reversed_sentence():
    torch.manual_seed(0)
    fwd = Seq2Seq(9, 11, embed_size=6, hidden_size=8).eval()
    rev = Seq2Seq(9, 11, embed_size=6, hidden_size=8, reverse_source=True).eval()
    rev.load_state_dict(fwd.state_dict())
    src, src_len = batch([5, 3])
    flipped = _reverse_within_length(src, src_len)
    assert flipped[:3, 1].tolist() == src[:3, 1].flip(0).tolist() and flipped[3:, 1].eq(0).all()
    tgt = torch.randint(3, 11, (4, 2))
    with torch.no_grad():
        torch.testing.assert_close(rev(src, src_len, tgt)[0], fwd(flipped, src_len, tgt)[0])


def test_reversed_attention_is_reported_in_source_order():
    torch.manual_seed(0)
    a = Seq2Seq(9, 11, embed_size=6, hidden_size=8, attention="additive").eval()
    src, src_len = batch([5])
    with torch.no_grad():
        m = a.encode(src, src_len)
    assert m.outputs.shape == (5, 1, 8) and m.mask.all()


def test_gnmt_layout():
    model = gnmt(9, 11, layers=4, hidden_size=8, embed_size=6)
    assert model.encoder[0].bidirectional and not model.encoder[1].bidirectional
    assert model.residual_from == 2 and model.attention_kind == "additive"
    assert len(model.encoder) == len(model.decoder) == 4
    plain = gnmt(9, 11, layers=4, hidden_size=8, residual=False)
    assert plain.residual_from is None
    src, src_len = batch([4, 2])
    loss = model.loss(src, src_len, torch.randint(1, 11, (5, 2)))
    loss.backward()
    assert all(p.grad is not None for n, p in model.named_parameters() if "embed" not in n)


def test_residual_layers_add_their_input():
    torch.manual_seed(0)
    res = Seq2Seq(9, 11, embed_size=8, hidden_size=8, encoder_layers=2, decoder_layers=2, residual_from=1)
    plain = Seq2Seq(9, 11, embed_size=8, hidden_size=8, encoder_layers=2, decoder_layers=2)
    plain.load_state_dict(res.state_dict())
    src, src_len = batch([4])
    with torch.no_grad():
        d = res.encode(src, src_len).outputs - plain.encode(src, src_len).outputs
        layer0, _ = plain.encoder[0](plain.src_embed(src))
    torch.testing.assert_close(d, layer0)


def test_lstm_forget_bias_starts_at_one():
    model = Seq2Seq(9, 11, embed_size=6, hidden_size=8)
    b = model.encoder[0].bias_ih_l0 + model.encoder[0].bias_hh_l0
    assert torch.all(b[8:16] == 1.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(9, 11, attention="dot-product-please")
    with pytest.raises(ValueError, match="residual_from"):
        Seq2Seq(9, 11, bidirectional_bottom=True, residual_from=1, encoder_layers=3)
    with pytest.raises(ValueError, match="cell"):
        Seq2Seq(9, 11, cell="rnn")
    with pytest.raises(TypeError, match="hidden_size"):
        Seq2Seq(9, 11, hidden_size=8.0)
    model = Seq2Seq(9, 11, embed_size=6, hidden_size=8)
    src, src_len = batch([3, 2])
    with pytest.raises(ValueError, match="src_len"):
        model.encode(src, torch.tensor([3, 2, 1]))
    with pytest.raises(ValueError, match="src_len"):
        model.encode(src, torch.tensor([4, 2]))
    with pytest.raises(TypeError, match="src"):
        model.encode(src.float(), src_len)
    with pytest.raises(ValueError, match="mask"):
        AdditiveAttention(4, 4)(torch.randn(2, 4), torch.randn(3, 2, 4), torch.ones(2, 3, dtype=torch.bool))


def test_attention_scores_match_their_formulas():
    torch.manual_seed(0)
    q, k = torch.randn(2, 5), torch.randn(3, 2, 4)
    add = AdditiveAttention(5, 4, 6)
    ctx, w = add(q, k)
    e = (torch.tanh(q @ add.query_proj.weight.T + (k @ add.key_proj.weight.T + add.key_proj.bias))
         @ add.v.weight.T).squeeze(-1)                                         # (S, B)
    torch.testing.assert_close(w, torch.softmax(e, 0).T)
    torch.testing.assert_close(ctx, (w.T.unsqueeze(-1) * k).sum(0))
    mul = make_attention("multiplicative", 5, 4)
    _, w = mul(q, k)
    e = torch.einsum("bd,sbd->sb", q, k @ mul.key_proj.weight.T)
    torch.testing.assert_close(w, torch.softmax(e, 0).T)


def test_greedy_decode_stops_at_eos_and_training_learns():
    from lstmlib.data.translation import load_number_translation
    data = load_number_translation(600, 20, 40, max_numbers=2, max_value=99, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), embed_size=16, hidden_size=32,
                    attention="additive")
    log = train_seq2seq(model, data, steps=120, batch_size=32, lr=1e-2, log_every=20)
    assert log.loss[-1] < 0.5 * log.loss[0]
    src, src_len, _, _ = data.batch(data.test[:8])
    ids, attn = greedy_decode(model, src, src_len, max_len=15)
    assert all(EOS not in row for row in ids)
    assert all(a.shape[1] == n for a, n in zip(attn, src_len))


def test_multiplicative_attention_refuses_a_hidden_size_it_would_ignore():
    with pytest.raises(ValueError, match=r"hidden_size: expected None for attention='multiplicative'.*got 8"):
        make_attention("multiplicative", 5, 4, 8)
    with pytest.raises(TypeError):
        MultiplicativeAttention(5, 4, 8)
    assert make_attention("additive", 5, 4, 8).v.in_features == 8


@pytest.mark.parametrize("kind", ["additive", "multiplicative"])
def test_attention_names_bad_inputs(kind):
    att = make_attention(kind, 5, 4)
    q, k = torch.randn(2, 5), torch.randn(3, 2, 4)
    with pytest.raises(ValueError, match=r"query, keys: expected shapes \(T, B, 5\) and \(S, B, 4\), got \(1, 2, 5\) and \(3, 2, 6\)"):
        att(q, torch.randn(3, 2, 6))
    with pytest.raises(TypeError, match=r"query: expected dtype torch.float32 \(the dtype of the attention's weights\), got torch.float64"):
        att(q.double(), k)
    with pytest.raises(ValueError, match=r"keys: expected a non-empty source \(S ≥ 1\), got shape \(0, 2, 4\)"):
        att(q, torch.randn(0, 2, 4))
    with pytest.raises(TypeError, match="mask: expected dtype torch.bool"):
        att(q, k, torch.ones(3, 2))
