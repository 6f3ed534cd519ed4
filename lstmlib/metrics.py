"""Translation metrics: corpus BLEU (via ``sacrebleu``, the reference implementation) and BLEU by
source-length bucket, the measure of Bahdanau et al. (2014), Fig. 2.

BLEU (Papineni et al. 2002) is computed over a whole *corpus*: n-gram precisions (n = 1…4) are
pooled over all sentences, their geometric mean is taken and multiplied by a brevity penalty
for hypotheses shorter than the references. Averaging per-sentence BLEU would give a different
(and noisier) number — so we never do that, and we let ``sacrebleu`` do the counting.

Inputs are token lists (or space-joined strings); with ``tokenize="none"`` sacrebleu splits on
spaces only, so the tokens the model produced are the tokens that are scored.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["corpus_bleu", "bleu_by_length", "exact_match"]


def _join(sentences) -> list[str]:
    return [s if isinstance(s, str) else " ".join(s) for s in sentences]


def corpus_bleu(hypotheses: Sequence, references: Sequence, *, tokenize: str = "none") -> float:
    """Corpus BLEU in 0…100 of ``hypotheses`` against one reference each."""
    import sacrebleu  # imported lazily: only the translation chapters need it

    if len(hypotheses) != len(references):
        raise ValueError(
            f"hypotheses: expected as many as references ({len(references)}), got {len(hypotheses)}")
    if len(hypotheses) == 0:
        raise ValueError("hypotheses: expected at least one sentence, got none")
    return float(sacrebleu.corpus_bleu(_join(hypotheses), [_join(references)], tokenize=tokenize).score)


def exact_match(hypotheses: Sequence, references: Sequence) -> float:
    """Fraction of hypotheses identical to their reference (a stricter, easier-to-read score)."""
    if len(hypotheses) != len(references):
        raise ValueError(
            f"hypotheses: expected as many as references ({len(references)}), got {len(hypotheses)}")
    return float(np.mean([h == r for h, r in zip(_join(hypotheses), _join(references))]))


def bleu_by_length(source_lengths: Sequence[int], hypotheses: Sequence, references: Sequence,
                   edges: Sequence[int]) -> list[dict]:
    """Corpus BLEU per source-length bucket ``[edges[i], edges[i+1])``.

    Returns one dict per non-empty bucket: ``{"lo", "hi", "n", "bleu", "exact"}``. Buckets with
    few sentences are noisy; report ``n`` next to the score.
    """
    lengths = np.asarray(source_lengths)
    if not (len(lengths) == len(hypotheses) == len(references)):
        raise ValueError(
            f"source_lengths, hypotheses, references: expected equal lengths, got "
            f"{len(lengths)}, {len(hypotheses)}, {len(references)}")
    edges = list(edges)
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"edges: expected at least two increasing bucket edges, got {edges}")
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        idx = np.flatnonzero((lengths >= lo) & (lengths < hi))
        if len(idx) == 0:
            continue
        hyp = [hypotheses[i] for i in idx]
        ref = [references[i] for i in idx]
        rows.append({"lo": int(lo), "hi": int(hi), "n": int(len(idx)),
                     "bleu": corpus_bleu(hyp, ref), "exact": exact_match(hyp, ref)})
    return rows
