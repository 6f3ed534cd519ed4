"""lstmlib.torch modules: PyTorch's conventions, the variants' behaviour, and each bad input's error."""
import warnings

import pytest
import torch
from torch import nn

from lstmlib.torch import GRU, LSTM, RNN, default_device, lstm_gates, to_device

from torch_testing import one_thread  # noqa: F401  (autouse: one intra-op thread)

gpu = pytest.mark.gpu
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_peephole_parameters_named_and_shaped():
    m = LSTM(4, 6, num_layers=2, bidirectional=True, peephole=True)
    shapes = dict((n, tuple(p.shape)) for n, p in m.named_parameters())
    assert shapes["weight_ih_l0"] == (24, 4) and shapes["weight_hh_l1_reverse"] == (24, 6)
    assert shapes["weight_peephole_l0"] == (3, 6) and shapes["weight_peephole_l1_reverse"] == (3, 6)
    assert len(shapes) == 4 * 4 + 4


@pytest.mark.parametrize("kw", [{}, {"peephole": True}, {"residual": True, "num_layers": 2}])
def test_batch_first_and_unbatched_agree_with_time_major(kw):
    torch.manual_seed(0)
    tm = LSTM(3, 5, **kw)
    bf = LSTM(3, 5, batch_first=True, **kw)
    bf.load_state_dict(tm.state_dict())
    x = torch.randn(7, 2, 3)
    out, (h, c) = tm(x)
    out_bf, (h_bf, c_bf) = bf(x.transpose(0, 1))
    torch.testing.assert_close(out_bf, out.transpose(0, 1))
    torch.testing.assert_close(h_bf, h)
    out_1, (h_1, c_1) = tm(x[:, 0])  # unbatched (T, I), like nn.LSTM
    torch.testing.assert_close(out_1, out[:, 0])
    torch.testing.assert_close(c_1, c[:, 0])


def test_initial_state_is_used_and_chunks_chain():
    """Running T steps at once equals two chunks with the state carried over (for a variant)."""
    torch.manual_seed(0)
    m = LSTM(3, 4, peephole=True, coupled=True)
    x = torch.randn(8, 2, 3)
    out, state = m(x)
    first, mid = m(x[:5])
    second, end = m(x[5:], mid)
    torch.testing.assert_close(torch.cat([first, second]), out)
    torch.testing.assert_close(end[1], state[1])


def test_forget_bias_added_to_forget_block_only():
    torch.manual_seed(0)
    a = LSTM(3, 4)
    torch.manual_seed(0)
    b = LSTM(3, 4, forget_bias=1.0)
    delta = b.bias_ih_l0 - a.bias_ih_l0
    assert torch.allclose(delta[4:8], torch.ones(4)) and torch.count_nonzero(delta) == 4
    assert torch.equal(a.bias_hh_l0, b.bias_hh_l0)


def test_removed_gates_and_activations_follow_the_equations():
    torch.manual_seed(0)
    x = torch.randn(6, 2, 3)
    m = LSTM(3, 4, input_gate=False, output_gate=False, output_activation=False)
    g = lstm_gates(m, x)
    assert torch.all(g["i"][0] == 1) and torch.all(g["o"][0] == 1)
    torch.testing.assert_close(g["h"][0], g["c"][0])  # h = o ⊙ c with o = 1
    m = LSTM(3, 4, coupled=True)
    g = lstm_gates(m, x)
    torch.testing.assert_close(g["i"][0], 1 - g["f"][0])
    m = LSTM(3, 4, input_activation=False)
    g = lstm_gates(m, x * 100)
    assert g["g"][0].abs().max() > 1  # no tanh squashing the candidate


def test_variant_names_and_dispatch():
    assert LSTM(2, 3).is_plain and LSTM(2, 3).variant == "plain"
    assert LSTM(2, 3, cuda_graph=True).is_plain  # plain models already run one fused kernel
    assert LSTM(2, 3, peephole=True, forget_gate=False).variant == "peephole+no-forget-gate"
    assert GRU(2, 3, reset_after=False).variant == "reset-before"
    assert RNN(2, 3, num_layers=2, residual=True).variant == "residual"
    assert "variant='coupled'" in repr(LSTM(2, 3, coupled=True))
    assert isinstance(LSTM(2, 3, peephole=True), nn.LSTM)


def test_dropout_between_layers_only_in_training():
    torch.manual_seed(0)
    m = LSTM(3, 4, num_layers=2, peephole=True, dropout=0.5)
    x = torch.randn(5, 2, 3)
    m.eval()
    torch.testing.assert_close(m(x)[0], m(x)[0])
    m.train()
    assert not torch.equal(m(x)[0], m(x)[0])
    torch.testing.assert_close(lstm_gates(m, x)["h"][1], lstm_gates(m, x)["h"][1])  # probes: no dropout


def test_cuda_graph_on_cpu_warns_once_and_runs_the_loop():
    torch.manual_seed(0)
    m = LSTM(3, 4, peephole=True, cuda_graph=True)
    ref = LSTM(3, 4, peephole=True)
    ref.load_state_dict(m.state_dict())
    x = torch.randn(5, 2, 3)
    with pytest.warns(RuntimeWarning, match="cuda_graph"):
        out, _ = m(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m(x)
    torch.testing.assert_close(out, ref(x)[0])


def test_default_device_and_to_device():
    assert default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    batch = to_device((torch.ones(2), {"y": torch.zeros(1)}, 3), torch.device("cpu"))
    assert isinstance(batch, tuple) and batch[2] == 3 and batch[1]["y"].shape == (1,)


@pytest.mark.parametrize("make", [lambda: LSTM(8, 16, peephole=True), lambda: GRU(8, 16, reset_after=False)], ids=["lstm", "gru"])
def test_autocast_bfloat16_runs_and_stays_close(make):
    """The in-place hand-written passes cast their inputs under autocast instead of failing."""
    torch.manual_seed(0)
    m = make()
    x = torch.randn(10, 4, 8)
    ref, _ = m(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _ = m(x)
    assert out.dtype == torch.bfloat16 and (out.float() - ref).abs().max() < 5e-2
    out.float().sum().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in m.parameters())


# ---------------------------------------------------------------- bad inputs, exact messages
@pytest.mark.parametrize(
    "make,error,message",
    [
        (lambda: LSTM(0, 3), ValueError, "input_size: expected a positive int, got 0"),
        (lambda: LSTM(2, 3.0), TypeError, "hidden_size: expected a positive int, got float 3.0"),
        (lambda: LSTM(2, 3, dropout=1.5), ValueError, r"dropout: expected a float in \[0, 1\], got 1.5"),
        (lambda: LSTM(2, 3, coupled=True, input_gate=False), ValueError, "coupled: expected forget_gate=True and input_gate=True"),
        (lambda: LSTM(2, 3, forget_bias="1"), TypeError, "forget_bias: expected a finite float, got '1'"),
        (lambda: LSTM(2, 3, backend="jit"), ValueError, r"backend: expected one of \['handwritten', 'autograd', 'script'\], got 'jit'"),
        (lambda: GRU(2, 3, reset_after="False"), TypeError, "reset_after: expected a bool, got str 'False'"),
        (lambda: LSTM(2, 3, peephole=1), TypeError, "peephole: expected a bool, got int 1"),
        (lambda: RNN(2, 3, nonlinearity="sigmoid"), ValueError, r"nonlinearity: expected one of \['tanh', 'relu'\], got 'sigmoid'"),
    ],
)
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_forward_errors_name_the_argument():
    m = LSTM(4, 3, peephole=True)
    with pytest.raises(ValueError, match=r"input: expected shape \(T, B, 4\), got \(5, 2, 3\)"):
        m(torch.randn(5, 2, 3))
    with pytest.raises(TypeError, match="input: expected a floating-point tensor, got dtype torch.int64"):
        m(torch.ones(5, 2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="input: expected a torch.Tensor, got ndarray"):
        import numpy as np

        m(np.ones((5, 2, 4)))
    with pytest.raises(ValueError, match=r"c_0: expected shape \(1, 2, 3\), got \(1, 3, 3\)"):
        m(torch.randn(5, 2, 4), (torch.zeros(1, 2, 3), torch.zeros(1, 3, 3)))
    with pytest.raises(TypeError, match=r"hx: expected a tuple \(h_0, c_0\), got Tensor"):
        m(torch.randn(5, 2, 4), torch.zeros(1, 2, 3))
    with pytest.raises(TypeError, match="got PackedSequence"):
        packed = nn.utils.rnn.pack_sequence([torch.randn(3, 4), torch.randn(2, 4)])
        m(packed)
    with pytest.raises(TypeError, match="module: expected lstmlib.torch.LSTM or nn.LSTM, got GRU"):
        lstm_gates(nn.GRU(4, 3), torch.randn(5, 2, 4))


# ---------------------------------------------------------------- GPU (skipped without CUDA)
@gpu
@needs_cuda
@pytest.mark.parametrize("kw", [{}, {"peephole": True}, {"peephole": True, "cuda_graph": True}])
def test_gpu_matches_cpu(kw):
    torch.manual_seed(0)
    cpu = LSTM(8, 16, num_layers=2, dtype=torch.float64, **kw)
    dev = LSTM(8, 16, num_layers=2, dtype=torch.float64, device="cuda", **kw)
    dev.load_state_dict(cpu.state_dict())
    x = torch.randn(12, 4, 8, dtype=torch.float64)
    out_cpu, _ = cpu(x)
    out_cpu.square().sum().backward()
    for _ in range(2):  # the second call replays the captured graph
        dev.zero_grad()
        out_dev, _ = dev(x.cuda())
        out_dev.square().sum().backward()
        torch.testing.assert_close(out_dev.cpu(), out_cpu, rtol=0, atol=1e-10)
        for (name, p), q in zip(cpu.named_parameters(), dev.parameters()):
            torch.testing.assert_close(q.grad.cpu(), p.grad, rtol=0, atol=1e-9, msg=name)


@gpu
@needs_cuda
def test_gpu_inference_graph_replays_fresh_outputs():
    torch.manual_seed(0)
    m = LSTM(8, 16, peephole=True, cuda_graph=True, device="cuda").eval()
    ref = LSTM(8, 16, peephole=True, device="cuda").eval()
    ref.load_state_dict(m.state_dict())
    x1, x2 = torch.randn(2, 30, 1, 8, device="cuda")
    with torch.no_grad():
        out1, _ = m(x1)
        out2, _ = m(x2)  # replay: must not overwrite out1
        torch.testing.assert_close(out1, ref(x1)[0])
        torch.testing.assert_close(out2, ref(x2)[0])


@gpu
@needs_cuda
def test_gpu_bfloat16_peephole_runs_and_is_close():
    torch.manual_seed(0)
    m = LSTM(32, 64, peephole=True, device="cuda")
    x = torch.randn(20, 8, 32, device="cuda")
    ref, _ = m(x)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out, _ = m(x)
    assert (out.float() - ref).abs().max() < 5e-2


def _every_kind():
    return [LSTM(3, 4), LSTM(3, 4, peephole=True), LSTM(3, 4, coupled=True), LSTM(3, 4, forget_gate=False),
            GRU(3, 4), GRU(3, 4, reset_after=False), RNN(3, 4),
            LSTM(3, 4, num_layers=2, residual=True), GRU(3, 4, num_layers=2, residual=True, bidirectional=True)]


@pytest.mark.parametrize("model", _every_kind(), ids=lambda m: f"{type(m).__name__}-{m.variant}")
def test_every_model_names_bad_inputs_like_the_reference(model):
    """Plain and variant alike: argument, expected and received shape or dtype — never PyTorch's
    ``mat1 and mat2 must have the same dtype`` or a reshape error from inside the loop."""
    with pytest.raises(ValueError, match=r"input: expected shape \(T, B, 3\), got \(5, 2, 2\)"):
        model(torch.randn(5, 2, 2))
    with pytest.raises(TypeError, match=r"input: expected dtype torch.float32 \(the dtype of the model's weights\), "
                                        r"got torch.float64"):
        model(torch.randn(5, 2, 3, dtype=torch.float64))  # what torch.from_numpy gives
    with pytest.raises(ValueError, match=r"input: expected a non-empty sequence \(T ≥ 1\), got shape \(0, 2, 3\)"):
        model(torch.randn(0, 2, 3))
    n = model.num_layers * model.num_directions
    h0 = torch.zeros(n, 2, 4, dtype=torch.float64)
    hx = (h0, torch.zeros(n, 2, 4)) if isinstance(model, nn.LSTM) else h0
    with pytest.raises(TypeError, match=r"h_0: expected dtype torch.float32 \(the dtype of the input\), got torch.float64"):
        model(torch.randn(5, 2, 3), hx)


@pytest.mark.parametrize("model", _every_kind(), ids=lambda m: f"{type(m).__name__}-{m.variant}")
def test_empty_batch_behaves_like_nn(model):
    """B = 0 is a valid batch for nn.LSTM: empty outputs of the right shapes, and a backward."""
    out, state = model(torch.randn(5, 0, 3))
    assert out.shape == (5, 0, model.num_directions * 4)
    for s in state if isinstance(state, tuple) else (state,):
        assert s.shape == (model.num_layers * model.num_directions, 0, 4)
    out.sum().backward()


@pytest.mark.parametrize("make,base", [(LSTM, nn.LSTM), (GRU, nn.GRU), (RNN, nn.RNN)])
def test_residual_stack_equals_nn_layers_in_a_module_list(make, base):
    """A residual stack of plain cells is PyTorch's one-layer modules with skips (GNMT), and its
    state dict holds only its own parameters (the one-layer templates are not registered)."""
    torch.manual_seed(0)
    model = make(3, 4, num_layers=3, residual=True, bidirectional=True)
    layers = nn.ModuleList(base(3 if k == 0 else 8, 4, bidirectional=True) for k in range(3))
    for k, layer in enumerate(layers):
        layer.load_state_dict({name: getattr(model, name.replace("_l0", f"_l{k}", 1))
                               for name in layer.state_dict()})
    x = torch.randn(6, 2, 3)
    out, _ = model(x)
    expected = x
    for k, layer in enumerate(layers):
        y = layer(expected)[0]
        expected = y + expected if k > 0 else y
    torch.testing.assert_close(out, expected)
    assert set(model.state_dict()) == set(base(3, 4, num_layers=3, bidirectional=True).state_dict())
    out.sum().backward()
    assert model.weight_hh_l2_reverse.grad is not None
    torch.testing.assert_close(model.double()(x.double())[0], expected.double(), atol=1e-6, rtol=1e-6)


def test_set_forget_bias_sets_the_sum_the_gate_sees():
    from lstmlib.torch import set_forget_bias

    m = set_forget_bias(nn.LSTM(3, 4, num_layers=2, bidirectional=True), 1.0)
    for suffix in ("_l0", "_l1_reverse"):
        total = getattr(m, "bias_ih" + suffix) + getattr(m, "bias_hh" + suffix)
        assert torch.equal(total[4:8], torch.ones(4))
    with pytest.raises(TypeError, match="module: expected an nn.LSTM, got GRU"):
        set_forget_bias(nn.GRU(3, 4))
    with pytest.raises(ValueError, match="module: expected an LSTM with biases"):
        set_forget_bias(nn.LSTM(3, 4, bias=False))
