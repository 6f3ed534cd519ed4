r"""Interleaved spirals: a small 2-D classification set that no straight line can separate.

Class ``k`` of ``K`` is an arm of a spiral: its points sit at radius ``r ∈ [0, 1]`` and angle

.. math::   \theta = \frac{2\pi k}{K} + 2\pi\,\text{turns}\cdot r + \varepsilon,
            \qquad \varepsilon \sim \mathcal N(0, \text{noise}^2),

so the arms wind around each other. A linear classifier gets about ``1/K`` of them right; a
network with one hidden layer needs enough hidden units to bend its decision boundary around the
arms — which is what chapter 1 shows. (The set follows the "spiral" toy of Stanford's CS231n
notes; the generator here is our own.)
"""
from __future__ import annotations

import numpy as np

from ..validate import check_positive_float, check_positive_int

__all__ = ["make_spirals"]


def make_spirals(
    n_points: int,
    rng: np.random.Generator,
    *,
    n_classes: int = 3,
    turns: float = 0.75,
    noise: float = 0.2,
    dtype=np.float64,
):
    """Return ``(X, y)``: ``X`` float ``(n_points, 2)`` in about ``[−1, 1]²``, ``y`` int64 ``(n_points,)``.

    Points are split as evenly as possible between the ``n_classes`` arms (the first
    ``n_points % n_classes`` classes get one more) and shuffled.

    Parameters
    ----------
    n_points : total number of points (≥ n_classes).
    rng : a ``numpy.random.Generator``.
    n_classes : number of arms, K ≥ 2.
    turns : how far each arm winds (1.0 = one full turn from centre to rim).
    noise : standard deviation of the angular noise in radians (``0`` allowed).
    """
    n_points = check_positive_int("n_points", n_points)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    n_classes = check_positive_int("n_classes", n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes: expected at least 2, got {n_classes}")
    if n_points < n_classes:
        raise ValueError(f"n_points: expected at least n_classes={n_classes}, got {n_points}")
    turns = check_positive_float("turns", turns)
    noise = check_positive_float("noise", noise, allow_zero=True)

    y = np.arange(n_points) % n_classes
    # Radii start a little away from 0: at the very centre all arms meet and no classifier can
    # tell them apart, which would only add irreducible error to the picture.
    r = rng.uniform(0.1, 1.0, size=n_points)
    theta = 2 * np.pi * y / n_classes + 2 * np.pi * turns * r + noise * rng.standard_normal(n_points)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    order = rng.permutation(n_points)
    return X[order].astype(dtype), y[order].astype(np.int64)
