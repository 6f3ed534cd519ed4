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


def check_recurrent_params(params, n_gates: int, biases=("b",), vectors=()) -> tuple[int, int]:
    """Check W_x (I, n·H), W_h (H, n·H), each bias (n·H,) and each vector (H,); return (I, H).

    H is read from W_h's first axis, so a W_h of the wrong width is reported against it.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of numpy arrays, got {type(params).__name__}")
    W_h = params.get("W_h")
    if W_h is None:
        raise ValueError(f"params: expected a key 'W_h', got keys {sorted(params)}")
    W_h = check_float_array("params['W_h']", W_h, ndim=2)
    H = W_h.shape[0]
    shapes = {"W_x": ("I", n_gates * H), "W_h": (H, n_gates * H)}
    shapes.update({name: (n_gates * H,) for name in biases})
    shapes.update({name: (H,) for name in vectors})
    bind = {}
    check_params(params, shapes, bind)
    return bind["I"], H


def reject_unexpected_keys(params: dict, allowed, context: str = "") -> None:
    """A key the cell does not use (a peephole weight on a plain LSTM) is refused, not ignored."""
    stray = sorted(set(params) - set(allowed))
    if stray:
        raise ValueError(f"params: expected keys {sorted(allowed)}{context}, got unexpected {stray}")


def project_inputs(x: np.ndarray, W_x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x_t W_x + b for every t at once, (T, B, I) → (T, B, G).

    Hoisted out of the time loop: the input part of every gate does not depend on h_{t−1}, so one
    (T·B, I) × (I, G) product replaces T small ones (and it is the one BLAS runs fastest).
    """
    T, B, I = x.shape
    out = x.reshape(T * B, I) @ W_x
    out += b
    return out.reshape(T, B, -1)


def sum_over_time(inputs: np.ndarray, d_pre: np.ndarray, first_input=None) -> np.ndarray:
    """Σ_t inputs_tᵀ d_pre_t as ONE matrix product over the folded (T·B) axis, (I, G).

    With ``first_input`` given, inputs are (first_input, inputs[0], …, inputs[T−2]): the
    recurrent weights see h_{t−1}, which is h0 at t = 0 and the previous output after.
    """
    T, B, G = d_pre.shape
    if first_input is None:
        return inputs.reshape(T * B, -1).T @ d_pre.reshape(T * B, G)
    grad = first_input.T @ d_pre[0]
    if T > 1:
        grad += inputs[:-1].reshape((T - 1) * B, -1).T @ d_pre[1:].reshape((T - 1) * B, G)
    return grad


def input_grad(d_pre: np.ndarray, W_x: np.ndarray) -> np.ndarray:
    """∂L/∂x_t = δ_t W_xᵀ for every t at once, (T, B, G) → (T, B, I)."""
    T, B, G = d_pre.shape
    return (d_pre.reshape(T * B, G) @ np.ascontiguousarray(W_x.T)).reshape(T, B, -1)


def zeros_state(value, batch: int, hidden: int, dtype) -> np.ndarray:
    """The initial state to use: the given one, or zeros (the PyTorch default)."""
    return np.zeros((batch, hidden), dtype=dtype) if value is None else value


def check_d_out(d_out, shape, dtype, name="d_out"):
    d_out = check_float_array(name, d_out, shape)
    if d_out.dtype != dtype:
        raise TypeError(f"{name}: expected dtype {dtype} (the dtype of the forward pass), got {d_out.dtype}")
    return d_out


def check_step_input(x_t, name="x_t"):
    """A single step's input: (B, I)."""
    return check_float_array(name, x_t, ("B", "I"))


def uniform_params(input_size, hidden_size, n_gates, rng, biases, dtype) -> dict:
    """W_x (I, n·H), W_h (H, n·H) and each bias (n·H,) drawn from Uniform(−k, k), k = 1/√H.

    PyTorch's default for nn.RNN/LSTM/GRU: keeps h_{t−1} W_h of order one whatever H is.
    """
    from ..validate import check_choice, check_positive_int

    I = check_positive_int("input_size", input_size)
    H = check_positive_int("hidden_size", hidden_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (lstmlib.seed_everything), got {type(rng).__name__}")
    dtype = np.dtype(check_choice("dtype", np.dtype(dtype) if isinstance(dtype, (type, str, np.dtype)) else dtype,
                                  [np.dtype(np.float32), np.dtype(np.float64)]))
    k = 1.0 / np.sqrt(H)
    shapes = {"W_x": (I, n_gates * H), "W_h": (H, n_gates * H), **{b: (n_gates * H,) for b in biases}}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}


def final_grad(value, batch: int, hidden: int, dtype, name: str = "d_final") -> np.ndarray:
    """∂L/∂(final state) as a fresh (B, H) array the backward loop may update in place: zeros for None."""
    if value is None:
        return np.zeros((batch, hidden), dtype)
    return check_d_out(value, (batch, hidden), dtype, name).copy()


def backward_one_step(sequence_backward, d_state, name: str, cache: dict, state: np.ndarray, d_final=None):
    """A step's backward as its layer's backward with T = 1 (the step forward ran the layer on x_t[None])."""
    d_state = check_d_out(d_state, state.shape, state.dtype, name)
    dx, d_prev, grads = sequence_backward(d_state[None], cache["sequence"], d_final)
    return dx[0], d_prev, grads
