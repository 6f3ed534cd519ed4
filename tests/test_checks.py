"""Self-checks: correct student code passes; each typical mistake fails with the right diagnosis."""
from __future__ import annotations

import numpy as np
import pytest

from lstmlib.checks import (
    SelfCheckError, check_beam_search_step, check_gru_step, check_lstm_step, check_lstm_step_backward,
    check_rnn_step, check_softmax_cross_entropy,
)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------- LSTM forward, as a student writes it

def make_lstm_step(order="ifgo", bias=True, g_act=np.tanh, cell_act=np.tanh, return_gates=False,
                   squeeze=False, inplace=False):
    def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):
        z = x_t @ W_x + h_prev @ W_h
        if bias:
            if inplace:
                b += 0.0
                z += b
            else:
                z = z + b
        H = h_prev.shape[1]
        blocks = {name: z[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
        i, f, g, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), g_act(blocks["g"]), sigmoid(blocks["o"])
        c = f * c_prev + i * g
        h = o * cell_act(c)
        if squeeze:
            h, c = h.squeeze(), c.squeeze()
        if return_gates:
            return h, c, {"i": i, "f": f, "g": g, "o": o}
        return h, c
    return lstm_step


def test_correct_lstm_step_passes(capsys):
    check_lstm_step(make_lstm_step())
    assert capsys.readouterr().out.startswith("All 6 checks passed: LSTM step (h, c)")
    check_lstm_step(make_lstm_step(return_gates=True))


@pytest.mark.parametrize("order, swapped", [("fig" "o", "i ↔ f"), ("ifog", "g ↔ o"), ("gfio", "i ↔ g")])
def test_lstm_gate_order_swapped_is_diagnosed(order, swapped):
    with pytest.raises(SelfCheckError) as info:
        check_lstm_step(make_lstm_step(order=order))
    msg = str(info.value)
    assert "Diagnosis" in msg and f"({', '.join(order)})" in msg and swapped in msg
    assert "max abs error" in msg and "case 'generic'" in msg


def test_lstm_missing_bias_is_diagnosed():
    with pytest.raises(SelfCheckError, match="the bias b is missing"):
        check_lstm_step(make_lstm_step(bias=False))


def test_lstm_sigmoid_candidate_is_diagnosed():
    with pytest.raises(SelfCheckError, match="candidate g uses σ"):
        check_lstm_step(make_lstm_step(g_act=sigmoid))


def test_lstm_missing_cell_tanh_is_diagnosed():
    with pytest.raises(SelfCheckError, match="tanh of the cell state is missing"):
        check_lstm_step(make_lstm_step(cell_act=lambda c: c))


def test_lstm_wrong_gate_is_named_when_gates_are_returned():
    def bad_candidate(z):  # an error no typical-mistake model knows
        return np.tanh(z) * 0.9
    with pytest.raises(SelfCheckError) as info:
        check_lstm_step(make_lstm_step(g_act=bad_candidate, return_gates=True))
    assert "gate g is the first wrong gate" in str(info.value) and "[2H:3H]" in str(info.value)


def test_lstm_squeeze_fails_on_edge_cases_with_shape_message():
    with pytest.raises(SelfCheckError, match=r"shape \(3,\), expected \(1, 3\)|shape \(4,\), expected \(1, 4\)|squeeze"):
        check_lstm_step(make_lstm_step(squeeze=True))


def test_lstm_in_place_change_of_inputs_is_reported():
    with pytest.raises(SelfCheckError, match="changed its input 'b' in place"):
        def sneaky(x_t, h_prev, c_prev, W_x, W_h, b):
            b *= 2
            return make_lstm_step()(x_t, h_prev, c_prev, W_x, W_h, b / 2)
        check_lstm_step(sneaky)


def test_stub_raises_not_implemented_unchanged():
    def stub(x_t, h_prev, c_prev, W_x, W_h, b):
        raise NotImplementedError("write me")
    with pytest.raises(NotImplementedError, match="write me"):
        check_lstm_step(stub)


def test_student_crash_gets_a_note_about_the_case():
    def crash(x_t, h_prev, c_prev, W_x, W_h, b):
        return x_t @ W_h  # shapes do not match
    with pytest.raises(ValueError) as info:
        check_lstm_step(crash)
    assert any("self-check case 'generic'" in note for note in getattr(info.value, "__notes__", []))


def test_non_callable_is_refused():
    with pytest.raises(TypeError, match="student_fn: expected a function"):
        check_lstm_step("lstm_step")


# ---------------------------------------------------------------- RNN

def make_rnn_step(act=np.tanh, bias=True, transpose=False):
    def rnn_step(x_t, h_prev, W_x, W_h, b):
        return act(x_t @ W_x + h_prev @ (W_h.T if transpose else W_h) + (b if bias else 0))
    return rnn_step


def test_rnn_step_correct_and_mistakes(capsys):
    check_rnn_step(make_rnn_step())
    assert "All 6 checks passed" in capsys.readouterr().out
    with pytest.raises(SelfCheckError, match="bias b is missing"):
        check_rnn_step(make_rnn_step(bias=False))
    with pytest.raises(SelfCheckError, match="σ"):
        check_rnn_step(make_rnn_step(act=sigmoid))
    with pytest.raises(SelfCheckError, match="W_h transposed"):
        check_rnn_step(make_rnn_step(transpose=True))


# ---------------------------------------------------------------- GRU, both reset placements

def make_gru_step(reset_after=True, order="rzg", swap_z=False, bias_h=True, g_act=np.tanh):
    def gru_step(x_t, h_prev, W_x, W_h, b_x, b_h):
        H = h_prev.shape[1]
        blk = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(order)}
        b_h = b_h if bias_h else np.zeros_like(b_h)
        r = sigmoid(x_t @ W_x[:, blk["r"]] + b_x[blk["r"]] + h_prev @ W_h[:, blk["r"]] + b_h[blk["r"]])
        z = sigmoid(x_t @ W_x[:, blk["z"]] + b_x[blk["z"]] + h_prev @ W_h[:, blk["z"]] + b_h[blk["z"]])
        if reset_after:
            g = g_act(x_t @ W_x[:, blk["g"]] + b_x[blk["g"]] + r * (h_prev @ W_h[:, blk["g"]] + b_h[blk["g"]]))
        else:
            g = g_act(x_t @ W_x[:, blk["g"]] + b_x[blk["g"]] + (r * h_prev) @ W_h[:, blk["g"]] + b_h[blk["g"]])
        if swap_z:
            return (1 - z) * h_prev + z * g
        return z * h_prev + (1 - z) * g
    return gru_step


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_both_placements(reset_after, capsys):
    check_gru_step(make_gru_step(reset_after), reset_after=reset_after)
    assert "All 6 checks passed" in capsys.readouterr().out
    with pytest.raises(SelfCheckError, match=f"reset_after={reset_after}"):
        check_gru_step(make_gru_step(not reset_after), reset_after=reset_after)
    with pytest.raises(SelfCheckError, match=r"\(z, r, g\)"):
        check_gru_step(make_gru_step(reset_after, order="zrg"), reset_after=reset_after)
    with pytest.raises(SelfCheckError, match="keep the old state"):
        check_gru_step(make_gru_step(reset_after, swap_z=True), reset_after=reset_after)
    with pytest.raises(SelfCheckError, match="recurrent bias b_h is missing"):
        check_gru_step(make_gru_step(reset_after, bias_h=False), reset_after=reset_after)
    with pytest.raises(SelfCheckError, match="candidate g uses σ"):
        check_gru_step(make_gru_step(reset_after, g_act=sigmoid), reset_after=reset_after)


# ---------------------------------------------------------------- LSTM step backward

def make_lstm_backward(tanh_grad=True, ignore_dc=False, mean=False, bad_f_block=False):
    def backward(dh, dc, x_t, h_prev, c_prev, W_x, W_h, b):
        H = h_prev.shape[1]
        z = x_t @ W_x + h_prev @ W_h + b
        i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
        c = f * c_prev + i * g
        tc = np.tanh(c)
        dct = (0 if ignore_dc else dc) + dh * o * ((1 - tc ** 2) if tanh_grad else 1)
        da = np.concatenate([dct * g * i * (1 - i),
                             dct * c_prev * f * (1 - f) * (2.0 if bad_f_block else 1.0),
                             dct * i * (1 - g ** 2),
                             dh * tc * o * (1 - o)], axis=1)
        scale = 1 / x_t.shape[0] if mean else 1
        return (da @ W_x.T, da @ W_h.T, dct * f, scale * x_t.T @ da, scale * h_prev.T @ da, scale * da.sum(0))
    return backward


def test_lstm_backward_correct_and_mistakes(capsys):
    check_lstm_step_backward(make_lstm_backward())
    assert "All 6 checks passed: LSTM step backward" in capsys.readouterr().out
    with pytest.raises(SelfCheckError, match="derivative of tanh"):
        check_lstm_step_backward(make_lstm_backward(tanh_grad=False))
    with pytest.raises(SelfCheckError, match="dc arriving from the next step is ignored"):
        check_lstm_step_backward(make_lstm_backward(ignore_dc=True))
    with pytest.raises(SelfCheckError, match="divided by the batch size"):
        check_lstm_step_backward(make_lstm_backward(mean=True))
    with pytest.raises(SelfCheckError) as info:
        check_lstm_step_backward(make_lstm_backward(bad_f_block=True))
    assert "gate block(s) f" in str(info.value)


# ---------------------------------------------------------------- softmax cross-entropy

def make_softmax_ce(stable=True, reduce="mean", onehot=True):
    def softmax_ce(logits, targets):
        z = logits - logits.max(axis=1, keepdims=True) if stable else logits
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            n = np.arange(len(targets))
            losses = -np.log(p[n, targets])
        d = p.copy()
        if onehot:
            d[n, targets] -= 1
        if reduce == "mean":
            return losses.mean(), d / len(targets)
        return losses.sum(), d
    return softmax_ce


def test_softmax_cross_entropy_correct_and_mistakes(capsys):
    check_softmax_cross_entropy(make_softmax_ce())
    assert "All 5 checks passed" in capsys.readouterr().out
    with pytest.raises(SelfCheckError, match="subtract|NaN|max"):
        check_softmax_cross_entropy(make_softmax_ce(stable=False))
    with pytest.raises(SelfCheckError, match="sums over the rows"):
        check_softmax_cross_entropy(make_softmax_ce(reduce="sum"))
    with pytest.raises(SelfCheckError, match="misses the −1"):
        check_softmax_cross_entropy(make_softmax_ce(onehot=False))


# ---------------------------------------------------------------- beam search step

def make_beam_step(add_scores=True, per_beam=False):
    def beam_step(beam_scores, log_probs, beam_size):
        total = log_probs + (beam_scores[:, None] if add_scores else 0)
        if per_beam:
            tok = total.argmax(1)
            best = np.argsort(-total[np.arange(len(tok)), tok])[:beam_size]
            return total[best, tok[best]], best, tok[best]
        flat = np.argsort(-total, axis=None)[:beam_size]
        beam, token = np.unravel_index(flat, total.shape)
        return beam_scores[beam] + log_probs[beam, token], beam, token
    return beam_step


def test_beam_search_step_correct_and_mistakes(capsys):
    check_beam_search_step(make_beam_step())
    assert "All 5 checks passed" in capsys.readouterr().out
    with pytest.raises(SelfCheckError, match="scores are not added"):
        check_beam_search_step(make_beam_step(add_scores=False))
    with pytest.raises(SelfCheckError, match="best token of each beam|all"):
        check_beam_search_step(make_beam_step(per_beam=True))


def test_float32_is_accepted_and_tiny_errors_are_called_rounding(capsys):
    def float32_step(x_t, h_prev, c_prev, W_x, W_h, b):
        return make_lstm_step()(*[a.astype(np.float32) for a in (x_t, h_prev, c_prev, W_x, W_h, b)])
    check_lstm_step(float32_step)  # float32 arithmetic is right to ~1e-7
    assert "All 6 checks passed" in capsys.readouterr().out

    def approximate_step(x_t, h_prev, c_prev, W_x, W_h, b):
        h, c = make_lstm_step()(x_t, h_prev, c_prev, W_x, W_h, b)
        return h * (1 + 2e-5), c
    with pytest.raises(SelfCheckError, match="rounding, not a wrong formula"):
        check_lstm_step(approximate_step)


# ----------------------------------------------------------------------------------------------
# additive attention (chapter 8)
# ----------------------------------------------------------------------------------------------

def _attention(query, keys, W_q, W_k, v, mask, *, use_tanh=True, use_mask=True, axis=1, shift=True):
    pre = query[None] @ W_q + keys @ W_k
    e = ((np.tanh(pre) if use_tanh else pre) @ v).T                # (B, S)
    if use_mask:
        e = np.where(mask.T, e, -np.inf)
    if shift:
        e = e - e.max(axis=axis, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(e)
        w = w / w.sum(axis=axis, keepdims=True)
    return np.einsum("bs,sbd->bd", w, keys), w


def test_additive_attention_accepts_a_correct_implementation(capsys):
    from lstmlib.checks import check_additive_attention

    check_additive_attention(_attention)
    assert "All 5 checks passed" in capsys.readouterr().out


def test_additive_attention_accepts_the_library_module():
    """The course's own torch module, given the same weights, passes the student check."""
    import torch

    from lstmlib.checks import check_additive_attention
    from lstmlib.torch.attention import AdditiveAttention

    def via_module(query, keys, W_q, W_k, v, mask):
        att = AdditiveAttention(query.shape[1], keys.shape[2], hidden_size=W_q.shape[1]).double()
        params = dict(att.named_parameters())
        assert set(params) >= {"query_proj.weight", "key_proj.weight", "v.weight"}, sorted(params)
        with torch.no_grad():
            for p in params.values():
                p.zero_()
            params["query_proj.weight"].copy_(torch.from_numpy(W_q.T))
            params["key_proj.weight"].copy_(torch.from_numpy(W_k.T))
            params["v.weight"].copy_(torch.from_numpy(v[None]))
            context, weights = att(torch.from_numpy(query), torch.from_numpy(keys), torch.from_numpy(mask))
        return context.numpy(), weights.numpy()

    check_additive_attention(via_module)


@pytest.mark.parametrize("mistake, words", [
    (dict(use_mask=False), "mask is ignored"),
    (dict(axis=0), "batch axis"),
    (dict(use_tanh=False), "no tanh"),
])
def test_additive_attention_names_the_mistake(mistake, words):
    from lstmlib.checks import SelfCheckError, check_additive_attention

    with pytest.raises(SelfCheckError, match=words):
        check_additive_attention(lambda *args: _attention(*args, **mistake))


def test_additive_attention_catches_an_unshifted_softmax():
    from lstmlib.checks import SelfCheckError, check_additive_attention

    with pytest.raises(SelfCheckError, match="large scores"):
        check_additive_attention(lambda *args: _attention(*args, shift=False))


# ----------------------------------------------------------------------------------------------
# the commonest slips: a missing return, a wrong kind of value, code right only for batch 1
# ----------------------------------------------------------------------------------------------

def _all_checks():
    import lstmlib.checks as checks
    return {name: getattr(checks, name) for name in checks.__all__ if name.startswith("check_")}


@pytest.mark.parametrize("name", sorted(_all_checks()))
def test_a_missing_return_is_called_a_missing_return(name):
    def forgot_return(*args):
        _ = args  # the body computed something and never returned it
    with pytest.raises(SelfCheckError, match=r"returned None \(is a `return` missing\?\)"):
        _all_checks()[name](forgot_return)


JUNK = {
    "a dict": ({"h": 1.0, "c": 2.0}, "a dict with keys 'h', 'c'"),
    "a string": ("h, c", "a str ('h, c')"),
    "a ragged list": ([[1.0, 2.0], [3.0]], "ragged list of 2 items whose lengths differ (2, 1)"),
    "a set": ({1.0, 2.0}, "set"),
    "complex numbers": (np.ones((2, 2), dtype=complex), "dtype complex128"),
}


@pytest.mark.parametrize("junk", sorted(JUNK))
@pytest.mark.parametrize("name", sorted(_all_checks()))
def test_any_returned_value_gets_a_self_check_message_never_a_crash(name, junk):
    """Whatever a student returns — whole or as one element of the tuple — the checker answers
    with a SelfCheckError, never a TypeError/ValueError of its own."""
    value, words = JUNK[junk]

    def whole(*args):
        return value

    def as_every_element(*args):
        return (value,) * 8  # more elements than any check expects: the count is reported

    def as_elements(n):
        def fn(*args):
            return (value,) * n
        return fn

    for fn in [whole, as_every_element] + [as_elements(n) for n in (2, 3, 6)]:
        with pytest.raises(SelfCheckError):
            _all_checks()[name](fn)


@pytest.mark.parametrize("junk", sorted(JUNK))
def test_the_message_shows_the_type_or_shape_received(junk):
    value, words = JUNK[junk]

    def returns_junk_for_c(x_t, h_prev, c_prev, W_x, W_h, b):
        return make_lstm_step()(x_t, h_prev, c_prev, W_x, W_h, b)[0], value
    with pytest.raises(SelfCheckError) as info:
        check_lstm_step(returns_junk_for_c)
    assert "output c is" in str(info.value) and words in str(info.value)


def test_a_dict_instead_of_a_tuple_is_named():
    def dict_step(x_t, h_prev, c_prev, W_x, W_h, b):
        h, c = make_lstm_step()(x_t, h_prev, c_prev, W_x, W_h, b)
        return {"h": h, "c": c}
    with pytest.raises(SelfCheckError, match=r"returned a dict with keys 'h', 'c'; expected a tuple \(h, c\)"):
        check_lstm_step(dict_step)


def test_none_as_one_output_is_named():
    def half_done(x_t, h_prev, c_prev, W_x, W_h, b):
        h, _ = make_lstm_step()(x_t, h_prev, c_prev, W_x, W_h, b)
        return h, None
    with pytest.raises(SelfCheckError, match=r"output c is None \(is a `return` value missing\?\)"):
        check_lstm_step(half_done)


def test_code_for_one_example_gets_the_batch_axis_hint():
    """Right for B = 1, wrong for a batch, in the three ways it usually happens."""
    def first_row_only(x_t, h_prev, W_x, W_h, b):  # returns (1, H) for every batch
        return np.tanh(x_t[:1] @ W_x + h_prev[:1] @ W_h + b)

    def crashes_on_a_batch(x_t, h_prev, W_x, W_h, b):  # a reshape that only works for one row
        return np.tanh(x_t.reshape(-1) @ W_x + h_prev.reshape(-1) @ W_h + b).reshape(1, -1)

    def mixes_rows(x_t, h_prev, W_x, W_h, b):  # the recurrent term summed over the batch
        return np.tanh(x_t @ W_x + (h_prev @ W_h).sum(axis=0, keepdims=True) + b)

    with pytest.raises(SelfCheckError, match=r"Only one row instead of B = 4") as info:
        check_rnn_step(first_row_only)
    assert "runs on the batch-1 case" in str(info.value)
    with pytest.raises(ValueError) as info:
        check_rnn_step(crashes_on_a_batch)
    assert any("runs on the batch-1 case" in note for note in info.value.__notes__)
    with pytest.raises(SelfCheckError, match=r"Batch axis: the only case that passes has batch size 1"):
        check_rnn_step(mixes_rows)


def test_a_right_answer_is_not_given_the_batch_hint(capsys):
    with pytest.raises(SelfCheckError) as info:
        check_rnn_step(make_rnn_step(bias=False))
    assert "Batch axis" not in str(info.value) and "batch-1" not in str(info.value)
