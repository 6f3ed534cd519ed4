"""Comparison runners: fair sizing and what a run reports."""
import pytest
import torch

from lstmlib.runners.comparison import count_parameters, hidden_size_for_budget, run_spike_delay
from lstmlib.torch.heads import SequenceModel


@pytest.mark.parametrize("cell, blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_parameter_count_matches_the_block_formula(cell, blocks):
    I, H, O = 5, 7, 3
    model = SequenceModel(cell, I, H, O)
    assert count_parameters(model) == blocks * H * (I + H + 2) + (H + 1) * O


def test_peepholes_add_three_vectors():
    plain = count_parameters(SequenceModel("lstm", 2, 6, 1))
    assert count_parameters(SequenceModel("lstm", 2, 6, 1, peephole=True)) == plain + 3 * 6


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("budget", [200, 1000, 25_000])
def test_hidden_size_for_budget_is_the_largest_that_fits(cell, budget):
    H = hidden_size_for_budget(cell, 4, 2, budget)
    assert count_parameters(SequenceModel(cell, 4, H, 2)) <= budget
    assert count_parameters(SequenceModel(cell, 4, H + 1, 2)) > budget


def test_equal_budget_gives_the_rnn_more_units():
    sizes = [hidden_size_for_budget(c, 2, 1, 1000) for c in ("rnn", "gru", "lstm")]
    assert sizes[0] > sizes[1] > sizes[2]


def test_budget_too_small():
    with pytest.raises(ValueError, match="budget: expected at least"):
        hidden_size_for_budget("lstm", 10, 10, 50)


def test_unknown_cell_and_option():
    with pytest.raises(ValueError, match="cell: expected one of"):
        SequenceModel("transformer", 2, 4, 1)
    with pytest.raises(TypeError):
        SequenceModel("lstm", 2, 4, 1, peeophole=True)


def test_sequence_model_one_hot_and_float_inputs():
    model = SequenceModel("gru", 5, 4, 5)
    ids = torch.randint(0, 5, (7, 3))
    out_ids, _ = model(ids)
    out_float, _ = model(torch.nn.functional.one_hot(ids, 5).float())
    assert out_ids.shape == (7, 3, 5)
    torch.testing.assert_close(out_ids, out_float)


def test_run_reports_scores_and_size():
    r = run_spike_delay("lstm", steps=3, hidden_size=3, seq_len=40, min_delay=3, max_delay=8, peephole=True)
    assert set(r) == {"params", "hidden_size", "steps", "seconds", "timing_error", "within_tolerance", "solved"}
    assert r["hidden_size"] == 3 and r["steps"] == 3 and r["timing_error"] > 0


def test_run_needs_exactly_one_size():
    with pytest.raises(ValueError, match="hidden_size, budget: expected exactly one"):
        run_spike_delay("lstm", hidden_size=None, steps=1)


def test_timed_spikes_gate_bias_sets_the_initial_gates():
    from lstmlib.runners.comparison import run_timed_spikes
    _, model = run_timed_spikes("lstm", hidden_size=2, steps=1, lr=1e-3, train_periods=2, test_periods=2,
                                gate_bias=(0.0, -2.0, 2.0), return_model=True, peephole=True)
    bias = (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach()
    # one Adam step of lr 1e-3 moves bias_ih and bias_hh by ~1e-3 each
    torch.testing.assert_close(bias[2:4], torch.full((2,), -2.0), atol=3e-3, rtol=0)
    torch.testing.assert_close(bias[6:8], torch.full((2,), 2.0), atol=3e-3, rtol=0)
    with pytest.raises(ValueError, match="gate_bias: expected three biases"):
        run_timed_spikes("gru", hidden_size=2, steps=1, gate_bias=(0.0, 1.0, 2.0))
