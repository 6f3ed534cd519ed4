"""Shared plotting helpers: they draw what they are given, and refuse malformed input clearly."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstmlib.viz.plots import (  # noqa: E402
    class_cmap, plot_curves, plot_decision_boundary, plot_functions, plot_label_timeline, small_multiples,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_functions_draws_each_pair_on_both_axes():
    ax_f, ax_d = plot_functions({"square": (np.square, lambda x: 2 * x), "id": (lambda x: x, np.ones_like)})
    assert [l.get_label() for l in ax_f.get_lines()][:2] == ["square", "id"]  # then the axis lines
    x, dy = ax_d.get_lines()[0].get_data()
    assert np.allclose(dy, 2 * x)
    with pytest.raises(TypeError, match=r"functions\['bad'\]: expected a pair"):
        plot_functions({"bad": (np.square,)})


def test_decision_boundary_colours_the_plane_by_prediction():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [0.5, 0.5]])
    y = np.array([0, 1, 1])
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, grid_size=20, title="t")
    mesh = ax.collections[0]
    values = np.asarray(mesh.get_array()).reshape(20, 20)
    assert values[:, 0].max() == 0 and values[:, -1].min() == 1  # left half class 0, right half 1
    assert ax.get_title() == "t"
    # scores (N, K) are accepted and arg-maxed
    plot_decision_boundary(lambda P: np.column_stack([-P[:, 0], P[:, 0]]), X, y, grid_size=10)
    with pytest.raises(ValueError, match="predict: expected an output of shape"):
        plot_decision_boundary(lambda P: np.zeros(3, dtype=int), X, y, grid_size=10)
    with pytest.raises(ValueError, match=r"y: expected shape \(N=3,\)"):
        plot_decision_boundary(lambda P: P[:, 0] > 0, X, np.array([0, 1]))


def test_small_multiples_one_panel_per_setting_and_hides_the_rest():
    seen = []
    fig, axes = small_multiples([1, 2, 3, 4], lambda ax, p: seen.append(p) or ax.plot([p]), ncols=3,
                                titles=list("abcd"))
    assert seen == [1, 2, 3, 4] and len(axes) == 4
    assert [a.get_title() for a in axes] == list("abcd")
    assert sum(a.get_visible() for a in fig.axes) == 4 and len(fig.axes) == 6
    with pytest.raises(ValueError, match="titles: expected 4 titles, got 1"):
        small_multiples([1, 2, 3, 4], lambda ax, p: None, titles=["x"])
    with pytest.raises(ValueError, match="panels: expected at least one panel"):
        small_multiples([], lambda ax, p: None)


def test_label_timeline_and_curves():
    ax = plot_label_timeline({"true": np.array([0, 1, 2, 1]), "pred": np.array([0, 1, 1, 1])},
                             marks=np.array([True, False, True, False]), class_names=["a", "b", "c"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["true", "pred"]
    with pytest.raises(ValueError, match=r"rows\['pred'\]: expected shape \(T=4,\)"):
        plot_label_timeline({"true": np.array([0, 1, 2, 1]), "pred": np.array([0, 1])})
    ax = plot_label_timeline({"true": np.array([0, 1, 1])}, colours=["red", "blue"])
    assert ax.images[0].get_cmap().colors == ["red", "blue"]
    with pytest.raises(ValueError, match=r"rows: expected class ids in \[0, 1\]"):
        plot_label_timeline({"true": np.array([0, 2])}, colours=["red", "blue"])
    ax = plot_curves({"loss": [3, 2, 1]}, hlines={"bound": 1.5})
    assert len(ax.get_lines()) == 2
    assert class_cmap(10).N == 10
