"""Boundary checks shared by the reference cells (internal; see :mod:`lstmlib.validate`)."""
from __future__ import annotations

import numpy as np

from ..validate import check_float_array


def check_same_dtype(reference_name: str, reference: np.ndarray, **others: np.ndarray) -> None:
    """Refuse mixing float32 and float64: NumPy would silently upcast and the float32 path
    the benchmarks measure would quietly run in float64."""
    for name, value in others.items():
        if value is not None and value.dtype != reference.dtype:
            raise TypeError(
                f"{name}: expected dtype {reference.dtype} (the dtype of {reference_name}), got {value.dtype}"
            )


def check_params(params, shapes: dict, bind: dict, required=None) -> dict:
    """Check a parameter dict: a ``dict`` holding each required name with the given shape spec.

    ``shapes`` maps name → spec (symbols bound through ``bind``); names in ``required`` (default:
    all) must be present, the others are checked only when given.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of numpy arrays, got {type(params).__name__}")
    required = list(shapes) if required is None else required
    missing = [k for k in required if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {sorted(shapes)}, got {sorted(params)} (missing {missing})")
    first = None
    for name, spec in shapes.items():
        if name in params:
            value = check_float_array(f"params['{name}']", params[name], spec, bind=bind)
            if first is None:
                first = (name, value)
            else:
                check_same_dtype(f"params['{first[0]}']", first[1], **{f"params['{name}']": value})
    return params


def check_sequence(x, input_size: int, dtype) -> tuple[int, int]:
    """x must be time-major (T, B, I); returns (T, B)."""
    bind = {"I": input_size}
    x = check_float_array("x", x, ("T", "B", "I"), bind=bind)
    if x.dtype != dtype:
        raise TypeError(f"x: expected dtype {dtype} (the dtype of the parameters), got {x.dtype}")
    return x.shape[0], x.shape[1]


def check_state(name: str, value, batch: int, hidden: int, dtype):
    """An initial state (B, H), or None (zeros)."""
    if value is None:
        return None
    check_float_array(name, value, ("B", "H"), bind={"B": batch, "H": hidden})
    if value.dtype != dtype:
        raise TypeError(f"{name}: expected dtype {dtype} (the dtype of the parameters), got {value.dtype}")
    return value
