"""Tables and figures for comparisons over several seeds (chapters 6 and 7).

One seed is an anecdote: two training runs of the same model can differ more than two models do.
So every comparison in the course keeps *all* seeds, and these helpers show the spread:

* :func:`spread` — mean, standard deviation, min and max of one contender's scores;
* :func:`comparison_table` — a Markdown table "mean ± sd (min–max)", one row per task, one
  column per contender, the best mean in bold;
* :func:`plot_seeds` — one row per contender, every seed a dot, the mean a vertical bar, and an
  optional reference line (e.g. the vanilla LSTM's mean, or chance).

Inputs are plain dicts ``{contender: [score per seed]}`` (or ``{row: {contender: [...]}}`` for the
table), as the JSON files in ``chapters/results/`` store them.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..validate import check_choice

__all__ = ["spread", "comparison_table", "plot_seeds", "ranking"]


def _scores(name: str, values) -> np.ndarray:
    a = np.asarray(list(values), dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name}: expected a non-empty list of scores (one per seed), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: expected finite scores, got {a.tolist()}")
    return a


def spread(values: Sequence[float]) -> dict:
    """``{"mean", "sd", "min", "max", "n"}`` of a list of per-seed scores (sd with ddof=1; 0 for one seed)."""
    a = _scores("values", values)
    return {"mean": float(a.mean()), "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "min": float(a.min()), "max": float(a.max()), "n": int(a.size)}


def ranking(scores: Mapping[str, Sequence[float]], better: str = "higher") -> list[str]:
    """Contenders sorted best first by their mean score."""
    check_choice("better", better, ("higher", "lower"))
    means = {k: spread(v)["mean"] for k, v in scores.items()}
    return sorted(means, key=means.get, reverse=(better == "higher"))


def comparison_table(rows: Mapping[str, Mapping[str, Sequence[float]]], better: Mapping[str, str] | str = "higher",
                     digits: int = 3, columns: Sequence[str] | None = None) -> str:
    """A Markdown table: one row per task, one column per contender, cells "mean ± sd (min–max)".

    ``better`` is ``"higher"``/``"lower"`` for all rows or a dict per row; the best mean of a row
    is set in bold. Display it in a notebook with ``IPython.display.Markdown``.
    """
    if not rows:
        raise ValueError("rows: expected at least one row, got none")
    columns = list(columns) if columns is not None else list(next(iter(rows.values())))
    lines = ["| task | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for row, scores in rows.items():
        b = better if isinstance(better, str) else better[row]
        missing = [c for c in columns if c not in scores]
        if missing:
            raise ValueError(f"rows[{row!r}]: missing contender(s) {missing}")
        best = ranking({c: scores[c] for c in columns}, b)[0]
        cells = []
        for c in columns:
            s = spread(scores[c])
            text = f"{s['mean']:.{digits}f} ± {s['sd']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"
            cells.append(f"**{text}**" if c == best else text)
        lines.append(f"| {row} ({b} is better) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_seeds(scores: Mapping[str, Sequence[float]], ax=None, *, xlabel: str = "score", title: str | None = None,
               reference: float | None = None, reference_label: str | None = None, colors: Mapping[str, str] | None = None,
               log: bool = False):
    """Dot plot: contenders top to bottom in the given order, each seed a dot, the mean a bar."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.45 * len(scores) + 1.0))
    names = list(scores)
    rng = np.random.default_rng(0)  # a fixed jitter so overlapping seeds stay visible
    for k, name in enumerate(names):
        a = _scores(f"scores[{name!r}]", scores[name])
        color = (colors or {}).get(name, "C0")
        y = k + rng.uniform(-0.12, 0.12, size=a.size)
        ax.scatter(a, y, s=22, color=color, alpha=0.8, zorder=3)
        ax.plot([a.mean()] * 2, [k - 0.3, k + 0.3], color=color, lw=2.5, zorder=2)
    if reference is not None:
        ax.axvline(reference, color="0.5", ls="--", lw=1, label=reference_label)
        if reference_label:
            ax.legend(loc="best", fontsize=10, frameon=False)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    if log:
        ax.set_xscale("log")
    if title:
        ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax
