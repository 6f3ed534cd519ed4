"""Neuron colouring (Karpathy, Johnson & Fei-Fei 2015; Edwin Chen's "Exploring LSTMs"):
each character of a text gets the background colour of one unit's activation when that
character was read — red for −1, white for 0, blue for +1.

The result is an HTML object: Jupyter shows it through ``_repr_html_`` and Jupyter Book keeps
the same ``text/html`` output in the built page, so the static book shows exactly what the
notebook shows (no JavaScript, inline styles only).
"""
from __future__ import annotations

import html
from typing import Mapping, Sequence

import numpy as np

from ..validate import check_array

__all__ = ["activation_colour", "coloured_text_html", "ColouredText", "coloured_text", "find_units"]


#: End colours (those of matplotlib's RdBu): −1 and +1; 0 is white.
RED = (178, 24, 43)
BLUE = (33, 102, 172)


def activation_colour(value: float, vmin: float = -1.0, vmax: float = 1.0) -> str:
    """CSS ``rgb(...)`` for ``value``: red at ``vmin``, white halfway, blue at ``vmax``
    (linear in between; values outside the range are clipped)."""
    if not vmax > vmin:
        raise ValueError(f"vmax: expected > vmin = {vmin}, got {vmax}")
    s = 2.0 * (float(np.clip(value, vmin, vmax)) - vmin) / (vmax - vmin) - 1.0  # in [-1, 1]
    end = RED if s < 0 else BLUE
    r, g, b = (round(255 + abs(s) * (e - 255)) for e in end)
    return f"rgb({r},{g},{b})"


def _row_html(text: str, values: np.ndarray, vmin: float, vmax: float) -> str:
    spans = []
    for ch, v in zip(text, values):
        shown = "↵\n" if ch == "\n" else ("·" if ch == " " else ch)
        # dark text on light colours, white text on strong ones
        fg = "#fff" if abs(2.0 * (float(v) - vmin) / (vmax - vmin) - 1.0) > 0.6 else "#000"
        spans.append(
            f'<span style="background:{activation_colour(v, vmin, vmax)};color:{fg}" '
            f'title="{float(v):+.3f}">{html.escape(shown)}</span>'
        )
    return "".join(spans)


def coloured_text_html(text: str, rows: Mapping[str, Sequence[float]] | Sequence[float],
                       vmin: float = -1.0, vmax: float = 1.0, title: str | None = None,
                       show_scale: bool = True) -> str:
    """HTML that colours ``text`` by one or several activation traces.

    ``rows`` is either one sequence of ``len(text)`` values or a mapping label → values (one
    coloured copy of the text per label, e.g. ``{"cell 2": c[:, 0, 2], "hidden 2": h[:, 0, 2]}``).
    Spaces show as ``·`` and newlines as ``↵`` so that whitespace-tracking units are visible.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not isinstance(rows, Mapping):
        rows = {"": rows}
    parts = ['<div style="font-family:monospace;font-size:13px;line-height:1.5">']
    if title:
        parts.append(f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(title)}</div>')
    for label, values in rows.items():
        values = check_array(f"rows[{label!r}]", np.asarray(values, dtype=float), (len(text),))
        if label:
            parts.append(f'<div style="color:#555;margin-top:6px">{html.escape(str(label))}</div>')
        parts.append(f'<div style="white-space:pre-wrap;word-break:break-all">'
                     f'{_row_html(text, values, vmin, vmax)}</div>')
    if show_scale:
        ticks = np.linspace(vmin, vmax, 9)
        scale = "".join(
            f'<span style="background:{activation_colour(t, vmin, vmax)};padding:0 6px">&nbsp;</span>'
            for t in ticks)
        parts.append(f'<div style="margin-top:6px;color:#555">{vmin:+g} {scale} {vmax:+g}</div>')
    parts.append("</div>")
    return "".join(parts)


class ColouredText:
    """Displayable coloured text: ``ColouredText(text, rows)`` as the last line of a cell shows
    it in Jupyter and in the built book. ``.html`` holds the markup."""

    def __init__(self, text: str, rows, vmin: float = -1.0, vmax: float = 1.0,
                 title: str | None = None, show_scale: bool = True):
        self.html = coloured_text_html(text, rows, vmin, vmax, title, show_scale)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # plain-text fallback, e.g. in a terminal
        return f"<ColouredText: {len(self.html)} characters of HTML>"


def coloured_text(text: str, rows, vmin: float = -1.0, vmax: float = 1.0, title: str | None = None,
                  show_scale: bool = True) -> ColouredText:
    """Shorthand for :class:`ColouredText`."""
    return ColouredText(text, rows, vmin, vmax, title, show_scale)


def find_units(activations, features: Mapping[str, Sequence[float]], top: int = 3) -> dict:
    """Search for interpretable units: for each feature, the units whose activation correlates
    most (in absolute value) with it.

    ``activations`` (T, H) — one unit per column, e.g. ``h[:, 0, :]`` of a probe;
    ``features`` — name → (T,) array, e.g. :func:`lstmlib.data.text.code_features`.
    Returns name → list of ``(unit, correlation)`` for the ``top`` best units, best first
    (the sign says whether the unit rises or falls with the feature; constant units are skipped).
    """
    acts = check_array("activations", np.asarray(activations, dtype=float), ndim=2)
    T = acts.shape[0]
    a = acts - acts.mean(0)
    a_norm = np.sqrt((a ** 2).sum(0))
    out = {}
    for name, f in features.items():
        f = check_array(f"features[{name!r}]", np.asarray(f, dtype=float), (T,))
        d = f - f.mean()
        denom = a_norm * np.sqrt((d ** 2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.where(denom > 0, (d @ a) / np.where(denom > 0, denom, 1.0), 0.0)
        order = np.argsort(-np.abs(corr))[:top]
        out[name] = [(int(j), float(corr[j])) for j in order]
    return out
