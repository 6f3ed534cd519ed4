"""Chapter 3's latch experiment (Bengio, Simard & Frasconi 1994) as one call.

:func:`latch_sweep` draws latch data (:mod:`lstmlib.data.latch`) for populations of one-unit
RNNs, trains them by gradient descent and by random weight guessing
(:mod:`lstmlib.reference.longterm`) and scores them: the plumbing behind the chapter's curve.
"""
from __future__ import annotations

import numpy as np

from ..data.latch import latch_runs_data
from ..reference.longterm import one_unit_rnn_forward, random_guess_one_unit_rnns, sign_accuracy, train_one_unit_rnns
from ..validate import check_positive_int

__all__ = ["latch_sweep"]


def latch_sweep(
    lengths,
    rng: np.random.Generator,
    *,
    n_runs: int = 200,
    n_train: int = 40,
    n_test: int = 400,
    epochs: int = 400,
    lr: float = 0.1,
    n_guesses: int = 100,
    guess_scale: float = 10.0,
    success_threshold: float = 0.95,
    n_informative: int = 1,
    noise_var: float = 0.2,
) -> dict:
    """Bengio et al.'s experiment: P(success) against the sequence length, for gradient descent
    and for random weight guessing, each with ``n_runs`` independent runs per length.

    A run *succeeds* when its network classifies at least ``success_threshold`` of ``n_test``
    fresh sequences correctly (the sign of ``h_T``). Returns a dict of lists keyed
    ``"lengths"``, ``"gradient_descent"``, ``"random_guessing"`` (success fractions) and
    ``"final_loss"`` (median training loss of gradient descent).
    """
    lengths = [check_positive_int("lengths[i]", T) for T in lengths]
    n_runs = check_positive_int("n_runs", n_runs)
    result = {"lengths": lengths, "gradient_descent": [], "random_guessing": [], "final_loss": []}
    for T in lengths:
        x, y, _ = latch_runs_data(n_runs, n_train, T, rng, n_informative, noise_var)
        x_test, _, labels_test = latch_runs_data(n_runs, n_test, T, rng, n_informative, noise_var)
        params, losses = train_one_unit_rnns(x, y, rng, epochs=epochs, lr=lr)
        h_T = one_unit_rnn_forward(x_test, params["w"], params["v"], params["b"])[-1]
        result["gradient_descent"].append(float((sign_accuracy(h_T, labels_test) >= success_threshold).mean()))
        result["final_loss"].append(float(np.median(losses[-1])))
        guess = random_guess_one_unit_rnns(x, y, rng, n_guesses=n_guesses, scale=guess_scale)
        h_T = one_unit_rnn_forward(x_test, guess["w"], guess["v"], guess["b"])[-1]
        result["random_guessing"].append(float((sign_accuracy(h_T, labels_test) >= success_threshold).mean()))
    return result
