"""Comparison tables and seed plots."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstmlib.viz.comparison import comparison_table, plot_seeds, ranking, spread  # noqa: E402


def test_spread():
    s = spread([1.0, 2.0, 3.0])
    assert s == {"mean": 2.0, "sd": 1.0, "min": 1.0, "max": 3.0, "n": 3}
    assert spread([4.0])["sd"] == 0.0


def test_spread_rejects_empty_and_nan():
    with pytest.raises(ValueError, match="values: expected a non-empty list"):
        spread([])
    with pytest.raises(ValueError, match="expected finite scores"):
        spread([1.0, float("nan")])


def test_ranking_direction():
    scores = {"a": [1, 2], "b": [5, 5], "c": [3, 3]}
    assert ranking(scores, "higher") == ["b", "c", "a"]
    assert ranking(scores, "lower") == ["a", "c", "b"]
    with pytest.raises(ValueError, match="better: expected one of"):
        ranking(scores, "up")


def test_comparison_table_bolds_the_best_per_row():
    rows = {"adding": {"rnn": [0.9, 1.0], "lstm": [0.01, 0.03]}, "acc": {"rnn": [0.2, 0.4], "lstm": [0.9, 1.0]}}
    table = comparison_table(rows, better={"adding": "lower", "acc": "higher"}, digits=2)
    lines = table.splitlines()
    assert lines[0] == "| task | rnn | lstm |"
    assert "**0.02 ± 0.01 (0.01–0.03)**" in lines[2] and "0.95 ± 0.07 (0.90–1.00)" in lines[2]
    assert "**0.95 ± 0.07 (0.90–1.00)**" in lines[3] and "(lower is better)" in lines[2]


def test_comparison_table_missing_contender():
    with pytest.raises(ValueError, match=r"rows\['t'\]: missing contender\(s\) \['gru'\]"):
        comparison_table({"t": {"rnn": [1.0]}}, columns=["rnn", "gru"])


def test_plot_seeds_draws_every_seed():
    ax = plot_seeds({"a": [1, 2, 3], "b": [2, 2]}, reference=1.5, reference_label="chance")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    plt.close("all")
