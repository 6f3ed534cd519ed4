import pytest
import torch

from lstmlib.torch.deep_transition import DeepTransitionRNN
from lstmlib.torch.heads import SequenceClassifier, StepClassifier
from lstmlib.torch import RNN


@pytest.mark.parametrize("skip", [False, True])
def test_deep_transition_matches_its_equations(skip):
    torch.manual_seed(0)
    m = DeepTransitionRNN(3, 4, skip=skip).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    out, h_T = m(x)
    assert out.shape == (5, 2, 4) and h_T.shape == (1, 2, 4)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(5):
        z = torch.tanh(x[t] @ m.W_x + h @ m.W_h + m.b)
        a = z @ m.W_z + m.b_z + (h @ m.W_s if skip else 0)
        h = torch.tanh(a)
        torch.testing.assert_close(out[t], h)
    torch.testing.assert_close(h_T[0], h)
    assert (m.W_s is not None) == skip


def test_gradcheck_deep_transition():
    torch.manual_seed(1)
    m = DeepTransitionRNN(2, 3, skip=True).double()
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda inp: m(inp)[0].sum(), (x,))


def test_heads_shapes_and_errors():
    step = StepClassifier(RNN(3, 5, bidirectional=True), 10, 4)
    seq = SequenceClassifier(DeepTransitionRNN(3, 5), 5, 2)
    x = torch.randn(7, 2, 3)
    assert step(x).shape == (7, 2, 4)
    assert seq(x).shape == (2, 2)
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, 3\)"):
        DeepTransitionRNN(3, 5)(torch.randn(7, 2, 4))
    with pytest.raises(ValueError, match="hidden_size"):
        DeepTransitionRNN(3, 0)


def test_deep_transition_names_bad_inputs_and_accepts_an_empty_batch():
    m = DeepTransitionRNN(3, 4, skip=True)
    with pytest.raises(ValueError, match=r"x: expected shape \(T, B, 3\), got \(5, 2, 2\)"):
        m(torch.zeros(5, 2, 2))
    with pytest.raises(TypeError, match="x: expected dtype torch.float32 .* got torch.float64"):
        m(torch.zeros(5, 2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"x: expected a non-empty sequence \(T ≥ 1\)"):
        m(torch.zeros(0, 2, 3))
    with pytest.raises(TypeError, match="h0: expected dtype torch.float32"):
        m(torch.zeros(5, 2, 3), torch.zeros(1, 2, 4, dtype=torch.float64))
    out, h = m(torch.zeros(5, 0, 3))
    assert out.shape == (5, 0, 4) and h.shape == (1, 0, 4)
