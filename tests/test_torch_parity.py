"""lstmlib.torch against lstmlib.reference (every variant) and torch.nn (plain), float64 on a CPU.

Outputs, final states and every gradient (input, initial state, each parameter) agree to 1e-10.
"""
import copy

import numpy as np
import pytest
import torch
from torch import nn

from lstmlib.reference import RecurrentStack
from lstmlib.torch import GRU, LSTM, RNN, from_reference, lstm_gates, gru_gates, to_reference
from lstmlib.torch import variant_loop

from torch_testing import one_thread  # noqa: F401  (autouse: one intra-op thread)

TOL = 1e-10
T, B, I, H = 5, 3, 4, 3

LSTM_VARIANTS = [
    {},
    {"peephole": True},
    {"forget_gate": False},
    {"input_gate": False},
    {"output_gate": False},
    {"input_activation": False},
    {"output_activation": False},
    {"coupled": True},
    {"peephole": True, "coupled": True, "output_activation": False},
]
STACKS = [
    {"num_layers": 1, "bidirectional": False, "residual": False},
    {"num_layers": 3, "bidirectional": True, "residual": True},
]


def _grads_as_reference(module):
    """The module's parameter gradients, keyed and shaped like the reference's ``params``.

    A copy of the module whose parameters hold the gradients goes through ``to_reference``; for
    the LSTM/RNN, whose reference has one bias ``b = b_ih + b_hh``, ∂L/∂b = ∂L/∂b_ih, so the copy's
    ``bias_hh`` is zeroed to keep the sum equal to it.
    """
    holder = copy.deepcopy(module)
    with torch.no_grad():
        for (name, p), q in zip(holder.named_parameters(), module.parameters()):
            if name.startswith("bias_hh") and not isinstance(module, nn.GRU):
                p.zero_()
            else:
                p.copy_(q.grad)
    return to_reference(holder).params


def _check_against_reference(stack, module, rng):
    n = stack.num_layers * stack.directions
    x = rng.normal(size=(T, B, stack.input_size))
    h0 = rng.normal(size=(n, B, H))
    c0 = rng.normal(size=(n, B, H))
    lstm = stack.cell == "lstm"
    initial = (h0, c0) if lstm else h0
    out, final, cache = stack.forward(x, initial)
    d_out = rng.normal(size=out.shape)
    d_final = (rng.normal(size=(n, B, H)), rng.normal(size=(n, B, H))) if lstm else rng.normal(size=(n, B, H))
    dx, d_initial, grads = stack.backward(d_out, cache, d_final)

    xt = torch.tensor(x, requires_grad=True)
    states = [torch.tensor(s, requires_grad=True) for s in ((h0, c0) if lstm else (h0,))]
    out_t, final_t = module(xt, tuple(states) if lstm else states[0])
    finals_t = final_t if lstm else (final_t,)
    finals = final if lstm else (final,)
    d_finals = d_final if lstm else (d_final,)
    loss = (out_t * torch.from_numpy(d_out)).sum() + sum((f * torch.from_numpy(d)).sum() for f, d in zip(finals_t, d_finals))
    loss.backward()

    np.testing.assert_allclose(out_t.detach().numpy(), out, rtol=0, atol=TOL)
    for f_t, f in zip(finals_t, finals):
        np.testing.assert_allclose(f_t.detach().numpy(), f, rtol=0, atol=TOL)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=0, atol=TOL)
    for s, d in zip(states, d_initial if lstm else (d_initial,)):
        np.testing.assert_allclose(s.grad.numpy(), d, rtol=0, atol=TOL)
    torch_grads = _grads_as_reference(module)
    assert torch_grads.keys() == grads.keys()
    for key in grads:
        np.testing.assert_allclose(torch_grads[key], grads[key], rtol=0, atol=TOL, err_msg=key)


@pytest.mark.parametrize("stack_kw", STACKS, ids=["1layer", "3layer-bi-residual"])
@pytest.mark.parametrize("options", LSTM_VARIANTS, ids=lambda o: "+".join(o) or "plain")
def test_lstm_matches_reference(options, stack_kw):
    rng = np.random.default_rng(0)
    stack = RecurrentStack("lstm", I, H, rng=rng, options=options, **stack_kw)
    module = from_reference(stack)
    assert module.variant == "+".join(
        [t for t in (["peephole"] if options.get("peephole") else [])]
        + [f"no-{k.replace('_', '-')}" for k in ("forget_gate", "input_gate", "output_gate", "input_activation", "output_activation") if options.get(k) is False]
        + (["coupled"] if options.get("coupled") else [])
        + (["residual"] if stack_kw["residual"] else [])
    ) or "plain"
    _check_against_reference(stack, module, rng)


@pytest.mark.parametrize("stack_kw", STACKS, ids=["1layer", "3layer-bi-residual"])
@pytest.mark.parametrize("reset_after", [True, False], ids=["reset-after", "reset-before"])
def test_gru_matches_reference(reset_after, stack_kw):
    rng = np.random.default_rng(1)
    stack = RecurrentStack("gru", I, H, rng=rng, reset_after=reset_after, **stack_kw)
    module = from_reference(stack)
    assert module.is_plain == (reset_after and not stack_kw["residual"])
    _check_against_reference(stack, module, rng)


@pytest.mark.parametrize("stack_kw", STACKS, ids=["1layer", "3layer-bi-residual"])
def test_rnn_matches_reference(stack_kw):
    rng = np.random.default_rng(2)
    stack = RecurrentStack("rnn", I, H, rng=rng, **stack_kw)
    _check_against_reference(stack, from_reference(stack), rng)


@pytest.mark.parametrize("backend", ["autograd", "script"])
@pytest.mark.parametrize("options", [{"peephole": True}, {"coupled": True, "output_activation": False}], ids=["peephole", "coupled"])
def test_step_backends_match_reference(backend, options):
    """The per-step loops under autograd (eager and TorchScript) agree with the reference too."""
    rng = np.random.default_rng(3)
    stack = RecurrentStack("lstm", I, H, rng=rng, options=options, bidirectional=True)
    _check_against_reference(stack, from_reference(stack, backend=backend), rng)


@pytest.mark.parametrize("backend", ["autograd", "script"])
@pytest.mark.parametrize("reset_after", [True, False], ids=["reset-after", "reset-before"])
def test_gru_step_backends_match_reference(reset_after, backend):
    rng = np.random.default_rng(5)
    stack = RecurrentStack("gru", I, H, rng=rng, reset_after=reset_after, bidirectional=True)
    _check_against_reference(stack, from_reference(stack, backend=backend), rng)


def _plain_pairs():
    yield "lstm", LSTM, nn.LSTM, {}
    yield "gru", GRU, nn.GRU, {}
    yield "rnn-relu", RNN, nn.RNN, {"nonlinearity": "relu"}


@pytest.mark.parametrize("name,ours,theirs,kw", list(_plain_pairs()), ids=lambda v: v if isinstance(v, str) else "")
def test_plain_models_equal_torch_nn(name, ours, theirs, kw):
    """Same seed → same initial weights; same forward and gradients; state dicts interchange."""
    torch.manual_seed(0)
    a = ours(I, H, num_layers=2, bidirectional=True, dtype=torch.float64, **kw)
    torch.manual_seed(0)
    b = theirs(I, H, num_layers=2, bidirectional=True, dtype=torch.float64, **kw)
    assert a.is_plain and a.variant == "plain"
    assert a.state_dict().keys() == b.state_dict().keys()
    x = torch.randn(T, B, I, dtype=torch.float64)
    out_a, _ = a(x)
    out_b, _ = b(x)
    assert torch.equal(out_a, out_b)
    c = theirs(I, H, num_layers=2, bidirectional=True, dtype=torch.float64, **kw)
    c.load_state_dict(a.state_dict())
    assert torch.equal(c(x)[0], out_a)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fused_loop_equals_torch_kernel_for_plain_cells(cell):
    """The loop of lstmlib.torch.variant_loop with the plain cell equals nn.LSTM/nn.GRU, gradients too."""
    torch.manual_seed(0)
    ref = (nn.LSTM if cell == "lstm" else nn.GRU)(I, H, dtype=torch.float64)
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64)
    c0 = torch.randn(B, H, dtype=torch.float64)
    w = [ref.weight_ih_l0, ref.weight_hh_l0, ref.bias_ih_l0, ref.bias_hh_l0]
    if cell == "lstm":
        out, h, c, _ = variant_loop.lstm_layer(x, h0, c0, *w, None, variant_loop.LSTMOptions())
        out_ref, (h_ref, c_ref) = ref(x, (h0[None], c0[None]))
        torch.testing.assert_close(c, c_ref[0], rtol=0, atol=TOL)
    else:
        out, h, _ = variant_loop.gru_layer(x, h0, *w)
        out_ref, h_ref = ref(x, h0[None])
    torch.testing.assert_close(out, out_ref, rtol=0, atol=TOL)
    torch.testing.assert_close(h, h_ref[0], rtol=0, atol=TOL)
    g = torch.autograd.grad(out.square().sum(), [x, *w])
    g_ref = torch.autograd.grad(out_ref.square().sum(), [x, *w])
    for a, b in zip(g, g_ref):
        torch.testing.assert_close(a, b, rtol=0, atol=TOL)


def test_gates_probe_matches_reference_cache():
    """lstm_gates returns the reference's per-step gates, for nn.LSTM and for a variant."""
    rng = np.random.default_rng(4)
    for options in ({}, {"peephole": True, "forget_gate": False}):
        stack = RecurrentStack("lstm", I, H, rng=rng, options=options)
        x = rng.normal(size=(T, B, I))
        _, _, cache = stack.forward(x)
        layer_cache = cache["caches"][0]
        module = from_reference(stack)
        probes = [lstm_gates(module, torch.from_numpy(x))]
        if not options:
            plain = nn.LSTM(I, H, dtype=torch.float64)
            plain.load_state_dict(module.state_dict())
            probes.append(lstm_gates(plain, torch.from_numpy(x)))
        for gates in probes:
            for k in "ifgoc":
                np.testing.assert_allclose(gates[k][0].numpy(), layer_cache[k], rtol=0, atol=TOL, err_msg=k)
        if options:
            assert torch.all(probes[0]["f"][0] == 1.0)  # a removed gate is the constant 1


def test_gru_gates_probe_and_residual_h():
    torch.manual_seed(0)
    gru = GRU(I, H, num_layers=3, residual=True, reset_after=False)
    x = torch.randn(T, B, I)
    gates = gru_gates(gru, x)
    assert set(gates) == {"r", "z", "g", "h"} and len(gates["h"]) == 3
    # The probe's h is each layer's cell output; a residual stack adds them up.
    torch.testing.assert_close(gates["h"][0] + gates["h"][1] + gates["h"][2], gru(x)[0])
    assert torch.all((gates["z"][1] > 0) & (gates["z"][1] < 1))


def test_to_reference_of_plain_nn_modules():
    torch.manual_seed(0)
    for module in (nn.LSTM(I, H, 2), nn.GRU(I, H, bidirectional=True), nn.RNN(I, H)):
        stack = to_reference(module)
        x = np.random.default_rng(0).normal(size=(T, B, I)).astype(np.float32)
        out_ref, _, _ = stack.forward(x.astype(np.float64))
        out, _ = module(torch.from_numpy(x))
        np.testing.assert_allclose(out.detach().numpy(), out_ref, atol=1e-5)
