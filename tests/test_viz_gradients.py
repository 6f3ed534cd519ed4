import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lstmlib.reference import longterm
from lstmlib.viz import gradients as gviz


def test_gradient_norm_figures_draw_one_curve_and_bound_per_activation():
    ax = gviz.plot_gradient_norms(0.9, seq_len=20)
    assert len(ax.get_lines()) == 2 * 3 + 1  # curve + bound per activation, and the line at 1
    fig, axes = gviz.gradient_norm_small_multiples((0.5, 2.0), ncols=2)
    assert len(axes) == 2
    plt.close("all")


def test_sigmoid_bound_is_a_quarter():
    curves = longterm.gradient_norms_by_activation(3.0, ("sigmoid",), seq_len=30)
    assert curves["sigmoid"][-1] <= 0.75 ** 29 * (1 + 1e-9)


def test_leaky_memory_matches_alpha_powers():
    trace, grad = gviz.leaky_memory(0.9, steps=30)
    np.testing.assert_allclose(trace / trace[0], 0.9 ** np.arange(30))
    np.testing.assert_allclose(grad, 0.9 ** np.arange(30))
    with pytest.raises(ValueError, match="alpha"):
        gviz.leaky_memory(1.5)
    fig, axes = gviz.leaky_small_multiples((0.5, 0.9))
    assert len(axes) == 2
    plt.close("all")


def test_widgets_build():
    pytest.importorskip("ipywidgets")
    assert gviz.gradient_norm_widget() is not None
    assert gviz.leaky_widget() is not None
    plt.close("all")


def test_success_and_cliff_plots():
    ax = gviz.plot_success_curves([2, 5], {"a": [1.0, 0.5]}, runs={"a": 10}, reference={"ref": [1.0, 0.4]})
    assert ax.get_xscale() == "log"
    w = np.linspace(1, 2, 50)
    axes = gviz.plot_loss_cliff(w, w**2, 2 * w)
    assert axes[1].get_yscale() == "log"
    plt.close("all")
