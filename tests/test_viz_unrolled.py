import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from lstmlib.viz.unrolled import KINDS, draw_all, draw_graph


def _texts(ax):
    return {t.get_text() for t in ax.texts}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_draws(kind):
    ax = draw_graph(kind, steps=3)
    assert ax.patches and ax.get_title()
    plt.close("all")


def test_patterns_differ_where_they_should():
    a, b, c = draw_graph("A", 3), draw_graph("B", 3), draw_graph("C", 3)
    assert "$W_h$" in _texts(a) and "R" in _texts(b) and "R" not in _texts(a)
    # pattern C has a single output node, after the last step
    assert {t for t in _texts(c) if t.startswith("o")} == {"o3"}
    assert {t for t in _texts(a) if t.startswith("o")} == {"o1", "o2", "o3"}
    tree = draw_graph("tree", steps=8)
    assert sum(t == "n" for t in (x.get_text() for x in tree.texts)) == 7  # 8 leaves → 7 merges
    plt.close("all")


def test_draw_all_and_errors():
    fig, axes = draw_all(("folded", "A"), steps=2)
    assert len(axes) == 2
    with pytest.raises(ValueError, match="kind"):
        draw_graph("D")
    plt.close("all")
