"""Cell diagram, memory plots and coloured text (chapters 4–5)."""
import math

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lstmlib.viz.cell_diagram import (GATE_SCENARIOS, STATIC_GATE_SCENARIOS, draw_cell, gate_small_multiples, gate_sliders,
                                      half_life, memory_small_multiples, memory_trace, memory_widget)
from lstmlib.viz.coloured_text import activation_colour, coloured_text, coloured_text_html, find_units


def test_draw_cell_values_and_labels():
    fig, ax = plt.subplots()
    out = draw_cell(f=0.5, i=1.0, g=-0.4, o=0.5, c_prev=2.0, ax=ax)
    assert out["c"] == pytest.approx(0.6) and out["h"] == pytest.approx(0.5 * math.tanh(0.6))
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "+0.60" in texts and "-0.40" in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="f"):
        draw_cell(f=1.5)


def test_small_multiples_match_scenarios():
    fig, results = gate_small_multiples()
    assert set(results) == set(STATIC_GATE_SCENARIOS) and len(results) == 3
    assert fig.get_size_inches()[0] <= 6.5, "one diagram per row, as wide as the book's column"
    assert results["hide (o=0)"] == {"c": 1.5, "h": 0.0}
    plt.close(fig)
    fig, results = gate_small_multiples(GATE_SCENARIOS, ncols=2)
    assert results["erase (f=0, i=0)"]["c"] == 0.0
    plt.close(fig)


def test_memory_trace_and_half_life():
    c, from_c0 = memory_trace(0.9, 0.0, 0.0, 1.0, steps=50)
    np.testing.assert_allclose(c, 0.9 ** np.arange(51))
    assert c[round(half_life(0.9))] == pytest.approx(0.5, abs=0.05)
    c, _ = memory_trace(0.5, 1.0, 0.5, 0.0, steps=60)
    assert c[-1] == pytest.approx(0.5 / (1 - 0.5))  # fixed point i g / (1 - f)
    assert half_life(1.0) == math.inf and half_life(0.0) == 0.0
    fig, lives = memory_small_multiples(((0.5, 0.0, 0.0), (0.99, 0.0, 0.0)))
    assert lives[0] == pytest.approx(1.0)
    plt.close(fig)
    fig, _ = memory_small_multiples()      # the default has a panel with an input: its plateau is drawn
    labels = [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    assert any("plateau" in label and "5.0" in label for label in labels)
    plt.close(fig)


def test_widgets_build():
    pytest.importorskip("ipywidgets")
    assert len(gate_sliders().children) >= 5
    assert len(memory_widget().children) >= 4
    plt.close("all")


def test_activation_colours():
    assert activation_colour(-1) == "rgb(178,24,43)"
    assert activation_colour(0) == "rgb(255,255,255)"
    assert activation_colour(1) == "rgb(33,102,172)"
    assert activation_colour(5) == activation_colour(1)  # clipped


def test_coloured_text_html_escapes_and_shapes():
    html = coloured_text_html("<a>\n", {"u": [-1, 0, 1, 0.5]})
    assert "&lt;" in html and "&gt;" in html and "↵" in html and html.count("<span") >= 4
    assert coloured_text("ab", [0.1, -0.1])._repr_html_().startswith("<div")
    with pytest.raises(ValueError, match="expected shape"):
        coloured_text_html("abc", [0.0, 1.0])


def test_find_units_recovers_a_planted_unit():
    rng = np.random.default_rng(0)
    feature = rng.normal(size=500)
    acts = rng.normal(size=(500, 6))
    acts[:, 4] = -feature + 0.1 * rng.normal(size=500)
    acts[:, 2] = 0.0  # a dead unit must not break the search
    best = find_units(acts, {"f": feature}, top=2)["f"]
    assert best[0][0] == 4 and best[0][1] < -0.9


def test_lstm_chain_draws_one_cell_per_step_and_validates_steps():
    import matplotlib.pyplot as plt
    import pytest

    from lstmlib.viz.lstm_chain import draw_lstm_chain

    ax = draw_lstm_chain(steps=3)
    labels = [t.get_text() for t in ax.texts]
    for gate in "figo":
        assert labels.count(gate) == 3, f"gate {gate} drawn once per step"
    assert {"$x_{t-1}$", "$x_{t}$", "$x_{t+1}$", "$h_{t+1}$"} <= set(labels)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="steps"):
        draw_lstm_chain(steps=0)


def test_reber_grammar_drawing_follows_the_generator_table():
    import matplotlib.pyplot as plt

    from lstmlib.data.reber import REBER_TRANSITIONS
    from lstmlib.viz.reber import draw_reber_grammar

    ax = draw_reber_grammar()
    letters = [t.get_text() for t in ax.texts if t.get_text() in set("BTPSXVE")]
    expected = ["B", "E"] + [symbol for branches in REBER_TRANSITIONS.values() for symbol, _ in branches]
    assert sorted(letters) == sorted(expected)     # one labelled arrow per transition of the grammar
    plt.close(ax.figure)
