r"""One step of beam search, and GNMT's length and coverage penalties, in NumPy (chapter 9).

A beam step extends each of the K live hypotheses by every token of the vocabulary and keeps
the ``beam_size`` best of all K·V extensions by summed log-probability (one hypothesis may
contribute several survivors). Finished hypotheses of different lengths are then compared by
the score of Wu et al. (2016, §7):

    s(Y, X) = log P(Y | X) / lp(Y) + cp(X; Y)
    lp(Y)   = ((5 + len(Y)) / 6)^α
    cp(X;Y) = β Σ_i log min(Σ_j p_ij, 1)

with p_ij the attention of target step j on source word i (``attention`` (len(Y), len(X)), rows are
target steps). The PyTorch beam search (:mod:`lstmlib.torch.beam`) is tested against these.
"""
from __future__ import annotations

import numpy as np

__all__ = ["beam_search_step", "length_penalty", "coverage_penalty", "gnmt_score"]


def beam_search_step(beam_scores: np.ndarray, log_probs: np.ndarray, beam_size: int):
    """Keep the ``beam_size`` best of all K·V extensions ``beam_scores[k] + log_probs[k, v]``,
    best first (ties: lower flat index first). ``beam_scores`` (K,), ``log_probs`` (K, V).
    Returns ``(scores (n,), beam_ids (n,), token_ids (n,))`` with n = min(beam_size, K·V)."""
    beam_scores, log_probs = np.asarray(beam_scores, dtype=float), np.asarray(log_probs, dtype=float)
    if log_probs.ndim != 2 or beam_scores.shape != (log_probs.shape[0],):
        raise ValueError(f"beam_scores, log_probs: expected shapes (K,) and (K, V), got "
                         f"{beam_scores.shape} and {log_probs.shape}")
    total = (beam_scores[:, None] + log_probs).ravel()     # (K·V,)
    best = np.argsort(-total, kind="stable")[:beam_size]
    beam_ids, token_ids = np.divmod(best, log_probs.shape[1])
    return total[best], beam_ids, token_ids


def length_penalty(length: int, alpha: float) -> float:
    """lp(Y) = ((5 + len(Y)) / 6)^α."""
    return ((5.0 + length) / 6.0) ** alpha


def coverage_penalty(attention: np.ndarray | None, beta: float) -> float:
    """cp = β Σ_i log min(Σ_j p_ij, 1) for ``attention`` (len(Y), len(X)) (rows: target steps).
    A source word with no attention at all would give log 0; it is floored at 1e-10. With
    β = 0, or no attention (a model without it), cp = 0."""
    if beta == 0.0 or attention is None:
        return 0.0
    coverage = np.asarray(attention, dtype=np.float64).sum(axis=0)          # (len(X),)
    return float(beta * np.log(np.clip(coverage, 1e-10, 1.0)).sum())


def gnmt_score(log_prob: float, length: int, attention: np.ndarray | None, alpha: float = 0.0,
               beta: float = 0.0) -> float:
    """s(Y, X) = log P(Y|X) / lp(Y) + cp(X; Y)."""
    return log_prob / length_penalty(length, alpha) + coverage_penalty(attention, beta)
