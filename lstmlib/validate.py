"""Argument checks shared by every public function of ``lstmlib``.

The course's rule: bad input is stopped at the boundary, once, with a message that names the
argument, what was expected and what was received, e.g.::

    ValueError: x: expected shape (T, B, 32), got (5, 3, 16)

Inner loops then trust their inputs. NumPy would otherwise broadcast a wrong shape silently or
turn a bad value into NaNs several steps later, where nobody can tell where it came from.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "check_array",
    "check_float_array",
    "check_positive_int",
    "check_nonnegative_int",
    "check_probability",
    "check_positive_float",
    "check_choice",
    "check_options",
    "describe_shape",
]

#: A dimension in a shape spec: a fixed size, ``None`` (any size) or a symbol such as ``"T"``
#: that names the dimension in the message (and must agree wherever the same symbol is reused
#: within one call of :func:`check_array` through ``bind``).
Dim = "int | str | None"


def describe_shape(spec: Sequence) -> str:
    """Render a shape spec as the reader sees it: ``(T, B, 32)``."""
    parts = ["?" if d is None else str(d) for d in spec]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _describe_dtype(x) -> str:
    return str(getattr(x, "dtype", type(x).__name__))


def check_array(
    name: str,
    x,
    shape: Sequence | None = None,
    *,
    ndim: int | None = None,
    dtype: str = "float",
    finite: bool = True,
    bind: dict | None = None,
) -> np.ndarray:
    """Check that ``x`` is a NumPy array of the expected kind and shape, and return it.

    Parameters
    ----------
    name : the argument's name, used in the message.
    shape : expected shape; each entry is an ``int`` (exact), ``None`` (any) or a symbol
        (``"T"``, ``"B"``, ...). Symbols found in ``bind`` must match the bound size; new symbols
        are bound, so later checks in the same call can require the same size.
    ndim : expected number of dimensions, when no full shape is given.
    dtype : ``"float"`` (float32/float64; integer, bool, complex and object arrays are refused),
        ``"int"`` (any integer dtype) or ``"any"``.
    finite : refuse NaN and infinity (floats only).

    Raises
    ------
    TypeError : not an array, or the wrong dtype kind.
    ValueError : wrong ndim or shape, zero-size dimension where a size is needed, NaN or inf.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name}: expected a numpy.ndarray, got {type(x).__name__}")
    if dtype == "float":
        if x.dtype.kind != "f" or x.dtype == np.float16:
            raise TypeError(f"{name}: expected a float32 or float64 array, got dtype {x.dtype}")
    elif dtype == "int":
        if x.dtype.kind not in "iu":
            raise TypeError(f"{name}: expected an integer array, got dtype {x.dtype}")
    elif dtype != "any":
        raise ValueError(f"dtype: expected 'float', 'int' or 'any', got {dtype!r}")

    if shape is not None:
        if x.ndim != len(shape):
            raise ValueError(
                f"{name}: expected {len(shape)} dimensions with shape {describe_shape(shape)}, "
                f"got {x.ndim} dimensions with shape {tuple(x.shape)}"
            )
        bind = {} if bind is None else bind
        expected = []
        for want in shape:
            if isinstance(want, str) and want in bind:
                expected.append(bind[want])
            else:
                expected.append(want)
        for axis, (want, got) in enumerate(zip(expected, x.shape)):
            if isinstance(want, Integral) and not isinstance(want, bool) and got != want:
                shown = [s if not (isinstance(s, str) and s in bind) else f"{s}={bind[s]}" for s in shape]
                raise ValueError(
                    f"{name}: expected shape {describe_shape(shown)}, got {tuple(x.shape)} "
                    f"(axis {axis} has size {got}, expected {want})"
                )
        for want, got in zip(shape, x.shape):
            if isinstance(want, str) and want not in bind:
                bind[want] = got
    elif ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimensions, got {x.ndim} with shape {tuple(x.shape)}")

    if x.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {tuple(x.shape)}")
    if finite and x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        bad = "NaN" if np.isnan(x).any() else "inf"
        raise ValueError(f"{name}: expected finite values, got {bad} at index {tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])}")
    return x


def check_float_array(name: str, x, shape: Sequence | None = None, **kwargs) -> np.ndarray:
    """:func:`check_array` with ``dtype="float"`` (the common case).

    >>> check_float_array("x", np.zeros((5, 2, 3)), ("T", "B", 4))
    Traceback (most recent call last):
    ...
    ValueError: x: expected shape (T, B, 4), got (5, 2, 3) (axis 2 has size 3, expected 4)
    """
    return check_array(name, x, shape, dtype="float", **kwargs)


def check_positive_int(name: str, value) -> int:
    """A size such as ``hidden_size``: a Python or NumPy integer ≥ 1 (``bool`` refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return int(value)


def check_nonnegative_int(name: str, value) -> int:
    """A count that may be zero, e.g. a seed."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name}: expected a non-negative int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {value}")
    return int(value)


def check_positive_float(name: str, value, allow_zero: bool = False) -> float:
    """A rate or a norm: a finite real number > 0 (or ≥ 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a float, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: expected a finite float {bound}, got {value}")
    return value


def check_probability(name: str, value, *, open_interval: bool = False) -> float:
    """A number in [0, 1] (or (0, 1))."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a float in [0, 1], got {type(value).__name__} {value!r}")
    value = float(value)
    lo_ok = value > 0 if open_interval else value >= 0
    hi_ok = value < 1 if open_interval else value <= 1
    if not (lo_ok and hi_ok):
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name}: expected a float in {interval}, got {value}")
    return value


def check_choice(name: str, value, allowed: Iterable):
    """One of a fixed set of values, e.g. ``nonlinearity`` in ``{'tanh', 'relu'}``."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")
    return value


def check_options(name: str, given: dict, known: Iterable[str]) -> dict:
    """Refuse unknown option names instead of ignoring a typo such as ``peeophole=True``."""
    known = sorted(known)
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{name}: unknown option(s) {unknown}; expected some of {known}")
    return given
