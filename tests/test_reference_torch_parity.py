"""Parity with torch.nn.LSTM / GRU / RNN in float64: outputs, final states and every gradient."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstmlib.reference import RecurrentStack, from_torch, to_torch_state_dict  # noqa: E402

TOL = 1e-10
MODULES = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
CASES = list(itertools.product(["lstm", "gru", "rnn"], [1, 2, 3], [False, True], [1, 3], [False, True]))


def _close(ours, theirs, what):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape, what
    assert np.max(np.abs(ours - theirs), initial=0.0) <= TOL, what


def _torch_name(key):
    """'l1_reverse.W_x' → ('weight_ih_l1_reverse', transpose?)."""
    prefix, name = key.split(".")
    suffix = "_l" + prefix[1:]
    return {"W_x": ["weight_ih"], "W_h": ["weight_hh"], "b": ["bias_ih", "bias_hh"],
            "b_x": ["bias_ih"], "b_h": ["bias_hh"]}[name], suffix


@pytest.mark.parametrize("cell,num_layers,bidirectional,batch,with_initial", CASES)
def test_forward_and_all_gradients_match_torch(cell, num_layers, bidirectional, batch, with_initial):
    seed = CASES.index((cell, num_layers, bidirectional, batch, with_initial))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    T, I, H = 5, 3, 4
    module = MODULES[cell](I, H, num_layers=num_layers, bidirectional=bidirectional).double()
    with torch.no_grad():  # make bias_hh differ from zero so the b = b_ih + b_hh sum is exercised
        for p in module.parameters():
            p.add_(0.2 * torch.randn_like(p))
    stack = from_torch(module)
    n, D = num_layers * (2 if bidirectional else 1), 2 if bidirectional else 1

    x = rng.normal(size=(T, batch, I))
    states = [rng.normal(size=(n, batch, H)) for _ in range(2 if cell == "lstm" else 1)] if with_initial else None
    w_out = rng.normal(size=(T, batch, D * H))
    w_final = [rng.normal(size=(n, batch, H)) for _ in range(2 if cell == "lstm" else 1)]

    # PyTorch
    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in states] if with_initial else None
    hx = None if not with_initial else (tuple(states_t) if cell == "lstm" else states_t[0])
    out_t, final_t = module(x_t, hx)
    finals_t = final_t if cell == "lstm" else (final_t,)
    loss = (out_t * torch.tensor(w_out)).sum() + sum((f * torch.tensor(w)).sum() for f, w in zip(finals_t, w_final))
    loss.backward()

    # reference
    initial = None if not with_initial else (tuple(states) if cell == "lstm" else states[0])
    out, final, cache = stack.forward(x, initial)
    d_final = tuple(w_final) if cell == "lstm" else w_final[0]
    dx, d_initial, grads = stack.backward(w_out, cache, d_final)

    _close(out, out_t, "output")
    for ours, theirs in zip(final if cell == "lstm" else (final,), finals_t):
        _close(ours, theirs, "final state")
    _close(dx, x_t.grad, "input gradient")
    if with_initial:
        for ours, theirs in zip(d_initial if cell == "lstm" else (d_initial,), states_t):
            _close(ours, theirs.grad, "initial-state gradient")
    torch_params = dict(module.named_parameters())
    assert set(grads) == set(stack.params)
    checked = 0
    for key, g in grads.items():
        names, suffix = _torch_name(key)
        for name in names:  # the one reference bias receives what both PyTorch biases receive
            theirs = torch_params[name + suffix].grad
            _close(g.T if g.ndim == 2 else g, theirs, key)
            checked += 1
    assert checked == len(torch_params)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_state_dict_round_trip(cell):
    stack = RecurrentStack(cell, 3, 4, num_layers=2, bidirectional=True, rng=np.random.default_rng(0))
    module = MODULES[cell](3, 4, num_layers=2, bidirectional=True).double()
    module.load_state_dict(to_torch_state_dict(stack))
    back = from_torch(module)
    for key, value in stack.params.items():
        np.testing.assert_array_equal(back.params[key], value)
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    np.testing.assert_allclose(stack.forward(x)[0], module(torch.tensor(x))[0].detach().numpy(), atol=TOL)
    from_state = from_torch(module.state_dict(), cell=cell)
    np.testing.assert_array_equal(from_state.params["l1_reverse.W_h"], stack.params["l1_reverse.W_h"])


def test_from_torch_refuses_what_it_cannot_represent():
    with pytest.raises(ValueError, match=r"module: expected nn.RNN with nonlinearity 'tanh', got 'relu'"):
        from_torch(torch.nn.RNN(2, 3, nonlinearity="relu"))
    with pytest.raises(ValueError, match=r"cell: expected 'lstm', 'gru' or 'rnn' with a state dict, got None"):
        from_torch(torch.nn.LSTM(2, 3).state_dict())
    with pytest.raises(TypeError, match=r"module_or_state_dict: expected nn.LSTM.*got Linear"):
        from_torch(torch.nn.Linear(2, 3))
    stack = RecurrentStack("gru", 2, 3, reset_after=False, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"stack: expected reset_after=True.*got False"):
        to_torch_state_dict(stack)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_module_without_biases_loads_as_zero_biases(cell):
    torch.manual_seed(0)
    module = MODULES[cell](3, 4, bias=False).double()
    stack = from_torch(module)
    assert all(np.all(v == 0) for k, v in stack.params.items() if ".b" in k)
    x = np.random.default_rng(2).normal(size=(5, 2, 3))
    _close(stack.forward(x)[0], module(torch.tensor(x))[0], "output without biases")


def _course_modules():
    from lstmlib.torch import GRU, LSTM, RNN

    return {
        "peephole": LSTM(3, 4, peephole=True),
        "coupled": LSTM(3, 4, coupled=True),
        "no-forget-gate": LSTM(3, 4, forget_gate=False),
        "no-output-activation": LSTM(3, 4, output_activation=False),
        "reset-before": GRU(3, 4, reset_after=False),
        "residual": LSTM(3, 4, num_layers=2, residual=True),
        "residual ": RNN(3, 4, num_layers=2, residual=True),
    }


@pytest.mark.parametrize("tag", list(_course_modules()))
def test_from_torch_refuses_course_variants_and_points_to_to_reference(tag):
    """A variant dropped on the way would come back as a plain model with other outputs."""
    module = _course_modules()[tag]
    with pytest.raises(ValueError, match=rf"got variant '{tag.strip()}'; use lstmlib.torch.to_reference\(module\)"):
        from_torch(module)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_from_torch_reproduces_plain_course_modules_exactly(cell):
    from lstmlib.torch import GRU, LSTM, RNN

    torch.manual_seed(0)
    kw = {"forget_bias": 1.0} if cell == "lstm" else {}
    module = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[cell](3, 4, num_layers=2, bidirectional=True, **kw).double()
    x = np.random.default_rng(3).normal(size=(5, 2, 3))
    _close(from_torch(module).forward(x)[0], module(torch.tensor(x))[0], f"plain course {cell}")


def test_from_torch_names_the_peephole_in_a_state_dict():
    from lstmlib.torch import LSTM

    with pytest.raises(ValueError, match=r"got 'weight_peephole_l0' \(peephole=True.*lstmlib.torch.to_reference"):
        from_torch(LSTM(3, 4, peephole=True).state_dict(), cell="lstm")
