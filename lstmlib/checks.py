"""Self-checks: is a student's implementation right, and if not, what exactly is wrong?

Each ``check_*`` function calls the student's function on several random cases — a generic one
and edge cases (batch 1, hidden size 1, input size 1, saturated gates) — compares the result with
:mod:`lstmlib.reference`, and either prints ``All N checks passed`` or raises
:class:`SelfCheckError` naming the output that differs, the case, the largest absolute error and
where it is, and a diagnosis: the check re-runs the computation under the usual mistakes (gate
blocks in another order, bias left out, σ where tanh belongs, reset gate in the other place, a
sum where a mean belongs, ...) and says which one reproduces the student's numbers.

Student functions take and return plain NumPy arrays (float64 in, anything array-like out):

==================================  ==========================================================
check                               the student's function
==================================  ==========================================================
:func:`check_rnn_step`              ``rnn_step(x_t, h_prev, W_x, W_h, b) -> h``
:func:`check_lstm_step`             ``lstm_step(x_t, h_prev, c_prev, W_x, W_h, b) -> (h, c)``
                                    (optionally ``(h, c, gates)`` with ``gates`` a dict of
                                    ``"i", "f", "g", "o"`` arrays: then each gate is checked)
:func:`check_gru_step`              ``gru_step(x_t, h_prev, W_x, W_h, b_x, b_h) -> h``
                                    (``reset_after=True``: PyTorch's placement; ``False``: Cho's)
:func:`check_lstm_step_backward`    ``lstm_step_backward(dh, dc, x_t, h_prev, c_prev, W_x, W_h, b)
                                    -> (dx, dh_prev, dc_prev, dW_x, dW_h, db)``
:func:`check_softmax_cross_entropy` ``softmax_cross_entropy(logits, targets) -> (loss, dlogits)``
                                    (mean over the N rows)
:func:`check_beam_search_step`      ``beam_search_step(beam_scores, log_probs, beam_size)
                                    -> (scores, beam_ids, token_ids)``
:func:`check_additive_attention`    ``additive_attention(query, keys, W_q, W_k, v, mask)
                                    -> (context, weights)`` (keys time-major (S, B, Dk))
==================================  ==========================================================

Shapes follow the book: a step's input ``x_t`` is (B, I), states are (B, H); row-vector maths
``x_t @ W_x + h_prev @ W_h + b``; LSTM weights ``W_x`` (I, 4H), ``W_h`` (H, 4H), ``b`` (4H,) with
the gate blocks in the order i, f, g, o (like PyTorch); GRU weights ``W_x`` (I, 3H), ``W_h``
(H, 3H), biases ``b_x``, ``b_h`` (3H,) with blocks r, z, g and ``h = z ⊙ h_prev + (1 − z) ⊙ g``.

Usage in a chapter::

    from lstmlib.checks import check_lstm_step
    check_lstm_step(my_lstm_step)     # prints "All 6 checks passed ..." or explains the mistake
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "SelfCheckError",
    "check_rnn_step",
    "check_lstm_step",
    "check_gru_step",
    "check_lstm_step_backward",
    "check_softmax_cross_entropy",
    "check_beam_search_step",
    "check_additive_attention",
]

ATOL = 1e-7  # float64 in; a correct float64 implementation agrees to ~1e-15
RTOL = 1e-6


class SelfCheckError(AssertionError):
    """A self-check failed; the message says what is wrong and, when it can tell, why."""


# ----------------------------------------------------------------------------------------------
# shared machinery
# ----------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One set of inputs for the student's function, with a name the student can recognise."""

    name: str
    args: dict
    extra: dict = field(default_factory=dict)


def _ref():
    # imported lazily so that `import lstmlib.checks` stays cheap and has no cycle
    from lstmlib import reference
    return reference


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # σ without overflow at large |x|


def _shape(a) -> str:
    return "(" + ", ".join(str(d) for d in a.shape) + ("," if len(a.shape) == 1 else "") + ")"


def _call(fn: Callable, case: Case, what: str):
    """Call the student's function on copies of the inputs; report in-place changes and crashes."""
    copies = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.args.items()}
    try:
        result = fn(*copies.values())
    except NotImplementedError:
        raise  # a stub: the student has not written it yet; the plain error says so best
    except Exception as err:  # add where it happened, keep the student's own traceback
        if hasattr(err, "add_note"):
            err.add_note(f"(raised by your {what} in self-check case '{case.name}' with inputs "
                         + ", ".join(f"{k} {_shape(v)}" for k, v in case.args.items() if isinstance(v, np.ndarray))
                         + ")")
        raise
    for k, v in case.args.items():
        if isinstance(v, np.ndarray) and not np.array_equal(copies[k], v, equal_nan=True):
            raise SelfCheckError(
                f"{what}: your function changed its input {k!r} in place (case '{case.name}'). "
                f"Hint: use `a = a + b`, not `a += b`, on arrays you were given.")
    if result is None:
        raise SelfCheckError(f"{what}: your function returned None (is a `return` missing?) "
                             f"in self-check case '{case.name}'.")
    return result


def _describe(value) -> str:
    """What a returned value is, in words a student recognises: its type and, if any, its shape."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {_shape(value)} and dtype {value.dtype}"
    if hasattr(value, "detach") and hasattr(value, "shape"):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:6])
        return f"a dict with keys {keys}" if value else "an empty dict"
    if isinstance(value, (str, bytes)):
        text = value if len(value) <= 30 else value[:27] + "..."
        return f"a {type(value).__name__} ({text!r})"
    if isinstance(value, (list, tuple)):
        lengths = [len(v) if hasattr(v, "__len__") and not isinstance(v, (str, bytes)) else None for v in value[:8]]
        if any(n is not None for n in lengths) and len(set(lengths)) > 1:
            shown = ", ".join("scalar" if n is None else str(n) for n in lengths)
            return (f"a ragged {type(value).__name__} of {len(value)} items whose lengths differ "
                    f"({shown}{', ...' if len(value) > 8 else ''})")
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a value of type {type(value).__name__}"


def _to_array(name: str, value, expected_shape, what: str, case: Case) -> np.ndarray:
    expected = "any shape" if expected_shape is None else tuple(expected_shape)
    if value is None:
        raise SelfCheckError(f"{what}: output {name} is None (is a `return` value missing?) "
                             f"in case '{case.name}'; expected an array of shape {expected}.")
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (dict, str, bytes, set)):
        raise SelfCheckError(f"{what}: output {name} is {_describe(value)} (case '{case.name}'); "
                             f"expected an array of shape {expected}.")
    try:
        arr = np.asarray(value) if not isinstance(value, np.ndarray) else value
    except (TypeError, ValueError):  # a ragged list: NumPy refuses to make an array of it
        raise SelfCheckError(f"{what}: output {name} is {_describe(value)} (case '{case.name}'); "
                             f"expected an array of shape {expected}.") from None
    if arr.dtype.kind not in "fiu":
        got = _describe(value) if arr.dtype.kind == "O" else f"an array of dtype {arr.dtype}"
        raise SelfCheckError(f"{what}: output {name} is {got} (case '{case.name}'); expected real numbers "
                             f"(floats) of shape {expected}.")
    arr = arr.astype(float)
    if expected_shape is None:
        return arr
    if tuple(arr.shape) != expected:
        hint = ""
        B = case.extra.get("B")
        if arr.size == int(np.prod(expected)):
            hint = " Same number of entries: a reshape, transpose or squeeze is off."
        elif len(expected) == 2 and tuple(arr.shape) == (expected[1],):
            hint = " The batch axis is missing: did you sum or average over it, or index one example?"
        elif B and B > 1 and len(expected) >= 1 and expected[0] == B and arr.ndim == len(expected) \
                and arr.shape[0] == 1 and tuple(arr.shape[1:]) == expected[1:]:
            hint = (f" Only one row instead of B = {B}: your code handles a single example; keep the "
                    f"batch axis (axis 0) through every step.")
        raise SelfCheckError(
            f"{what}: output {name} has shape {_shape(arr)}, expected {expected} "
            f"(case '{case.name}').{hint}")
    if not np.all(np.isfinite(arr)):
        raise SelfCheckError(
            f"{what}: output {name} contains NaN or inf (case '{case.name}'). Hint: exp() of a large "
            f"argument overflows; use a numerically stable form (e.g. np.tanh, or subtract the max "
            f"before exponentiating).")
    return arr


def _unpack(result, names, what: str) -> tuple:
    if result is None:
        raise SelfCheckError(f"{what}: your function returned None (is a `return` missing?).")
    if len(names) == 1:
        if isinstance(result, tuple) and len(result) == 1:
            result = result[0]
        if isinstance(result, tuple):
            raise SelfCheckError(f"{what}: expected one array ({names[0]}), got a tuple of {len(result)}.")
        return (result,)
    if isinstance(result, dict):
        raise SelfCheckError(f"{what}: your function returned {_describe(result)}; expected a tuple "
                             f"({', '.join(names)}): `return {', '.join(names)}`.")
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        if isinstance(result, (tuple, list)):
            got = f"a {type(result).__name__} of {len(result)} value(s)"
        else:
            got = f"one value, {_describe(result)}"
        raise SelfCheckError(f"{what}: expected a tuple ({', '.join(names)}), got {got}.")
    return tuple(result)


def _close(got, want) -> bool:
    return bool(np.allclose(got, want, rtol=RTOL, atol=ATOL))


def _error_text(got, want) -> str:
    diff = np.abs(got - want)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    return (f"max abs error {diff.max():.3g}{where} (yours {float(got[idx]):.6g}, "
            f"reference {float(want[idx]):.6g})")


@dataclass
class Mistake:
    """A typical mistake: a description and the outputs it would produce for a case."""

    text: str
    outputs: Callable[[Case], dict]


def _diagnose(mistakes, cases, student_outputs) -> str | None:
    """The first typical mistake that reproduces the student's outputs on every case."""
    for mistake in mistakes:
        ok = True
        for case, got in zip(cases, student_outputs):
            try:
                with np.errstate(all="ignore"):
                    want = mistake.outputs(case)
            except Exception:  # not applicable to this case (shapes, overflow): not this mistake
                ok = False
                break
            if not all(k in got and got[k].shape == np.shape(v) and _close(got[k], v) for k, v in want.items()):
                ok = False
                break
        if ok:
            return mistake.text
    return None


def _run_check(title: str, student_fn, cases, call, reference, mistakes, names, generic_hints):
    """Shared driver: call, compare every output on every case, diagnose, report."""
    if not callable(student_fn):
        raise TypeError(f"student_fn: expected a function, got {type(student_fn).__name__}")
    outputs, wants = [], []
    for case in cases:
        try:
            outputs.append(call(case))
        except NotImplementedError:
            raise
        except SelfCheckError as err:
            raise SelfCheckError(str(err) + _works_for_batch_1(call, cases, case)) from None
        except Exception as err:  # the student's code raised: say whether batch 1 would have worked
            note = _works_for_batch_1(call, cases, case)
            if note and hasattr(err, "add_note"):
                err.add_note(note.strip())
            raise
        wants.append(reference(case))
    failures = []
    for case, got, want in zip(cases, outputs, wants):
        for name in names:
            if name in want and not _close(got[name], want[name]):
                failures.append((case, name, got[name], want[name]))
    if not failures:
        print(f"All {len(cases)} checks passed: {title} on {len(cases)} cases "
              f"({', '.join(c.name for c in cases)}).")
        return
    case, name, got, want = failures[0]
    wrong_outputs = sorted({f[1] for f in failures}, key=names.index)
    wrong_cases = [c.name for c in cases if any(f[0] is c for f in failures)]
    lines = [
        f"{title}: output {name} differs from the reference in case '{case.name}': {_error_text(got, want)}.",
        f"Wrong outputs: {', '.join(wrong_outputs)}; failing cases: {', '.join(wrong_cases)} "
        f"({len(wrong_cases)} of {len(cases)}).",
    ]
    diagnosis = _diagnose(mistakes, cases, outputs)
    worst = max(float(np.max(np.abs(f[2] - f[3]))) for f in failures)
    if diagnosis is None and worst < 1e-4:
        lines.append("Hint: the differences are tiny (at most %.1g): rounding, not a wrong formula — did you "
                     "compute in float32, or approximate a function? The inputs are float64; keep them so." % worst)
    elif diagnosis:
        lines.append(f"Diagnosis: {diagnosis}")
    else:
        hint = generic_hints(failures, cases, outputs, wants)
        if hint:
            lines.append(f"Hint: {hint}")
    if diagnosis is None and _only_batch_1_passes(cases, failures):
        lines.append("Batch axis: the only case that passes has batch size 1. Your code is right for one "
                     "example but mixes up the rows of a batch: look for an index [0], a reshape to (1, -1), "
                     "a sum or mean over axis 0, or a product with the wrong side transposed (B rows in, "
                     "B rows out).")
    raise SelfCheckError("\n".join(lines))


def _only_batch_1_passes(cases, failures) -> bool:
    failing = {id(f[0]) for f in failures}
    passing = [c for c in cases if id(c) not in failing]
    return bool(passing) and all(c.extra.get("B") == 1 for c in passing) and \
        all(c.extra.get("B", 1) > 1 for c in cases if id(c) in failing)


def _works_for_batch_1(call, cases, failed_case) -> str:
    """A note for a case with B > 1 that failed outright: does the batch-1 case go through?"""
    if not failed_case.extra.get("B", 0) > 1:
        return ""
    for case in cases:
        if case.extra.get("B") == 1:
            try:
                with np.errstate(all="ignore"):
                    call(case)
            except Exception:
                return ""
            return (f"\nHint: the same code runs on the batch-1 case: it handles one example but not a batch "
                    f"of B = {failed_case.extra['B']} rows. Keep the batch axis (axis 0) through every step; "
                    f"look for an index [0], a reshape to (1, -1) or a sum over axis 0.")
    return ""


def _edge_hint(wrong_cases, all_cases) -> str | None:
    names = {c.name for c in wrong_cases}
    if names and names <= {"batch 1"}:
        return ("only batch size 1 fails: look for a squeeze(), a sum over the batch axis, or a "
                "shape that only broadcasts when B = 1.")
    if names and names <= {"H = 1"}:
        return "only hidden size 1 fails: look for a squeeze() or an axis that disappears when H = 1."
    if names and names <= {"saturated gates"}:
        return ("only the case with saturated gates fails: an exp() overflows or a sigmoid is "
                "approximated; use np.tanh / a stable σ(x) = ½(1 + tanh(x/2)).")
    return None


# ----------------------------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------------------------

def _shapes():
    # (name, B, I, H, weight scale): generic, the edge cases, and large weights that saturate
    return [("generic", 4, 3, 5, 1.0), ("batch 1", 1, 3, 4, 1.0), ("H = 1", 3, 2, 1, 1.0),
            ("I = 1", 2, 1, 3, 1.0), ("wide", 3, 6, 7, 0.5), ("saturated gates", 3, 4, 3, 12.0)]


def _cell_cases(rng, gates: int, with_c: bool, gru: bool = False):
    cases = []
    for name, B, I, H, scale in _shapes():
        args = {"x_t": rng.normal(size=(B, I)), "h_prev": np.tanh(rng.normal(size=(B, H)))}
        if with_c:
            args["c_prev"] = rng.normal(size=(B, H))
        args["W_x"] = scale * rng.normal(size=(I, gates * H)) / np.sqrt(I)
        args["W_h"] = scale * rng.normal(size=(H, gates * H)) / np.sqrt(H)
        if gru:
            args["b_x"] = scale * rng.normal(size=(gates * H,))
            args["b_h"] = scale * rng.normal(size=(gates * H,))
        else:
            args["b"] = scale * rng.normal(size=(gates * H,))
        cases.append(Case(name, args, {"B": B, "I": I, "H": H}))
    return cases


def _blocks(a, n):
    return np.split(a, n, axis=-1)


# ----------------------------------------------------------------------------------------------
# RNN step
# ----------------------------------------------------------------------------------------------

def check_rnn_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, W_x, W_h, b) -> h`` for h_t = tanh(x_t W_x + h_{t−1} W_h + b).

    Shapes: x_t (B, I), h_prev (B, H), W_x (I, H), W_h (H, H), b (H,); returns h (B, H)."""
    ref = _ref()
    what = "rnn_step"
    cases = _cell_cases(np.random.default_rng(seed), 1, with_c=False)

    def call(case):
        (h,) = _unpack(_call(student_fn, case, what), ["h"], what)
        return {"h": _to_array("h", h, (case.extra["B"], case.extra["H"]), what, case)}

    def reference(case):
        a = case.args
        h, _ = ref.rnn_step_forward(a["x_t"], a["h_prev"], {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]})
        return {"h": h}

    def variant(act=np.tanh, bias=True, W_h_T=False, use_h=True, use_x=True):
        def outputs(case):
            a = case.args
            W_h = a["W_h"].T if W_h_T else a["W_h"]
            z = (a["x_t"] @ a["W_x"] if use_x else 0) + (a["h_prev"] @ W_h if use_h else 0) + (a["b"] if bias else 0)
            return {"h": act(z)}
        return outputs

    mistakes = [
        Mistake("the bias b is missing: h = tanh(x_t W_x + h_prev W_h) reproduces your numbers.", variant(bias=False)),
        Mistake("you used σ (sigmoid) where the book uses tanh.", variant(act=_sig)),
        Mistake("you used ReLU where the book uses tanh.", variant(act=lambda z: np.maximum(z, 0))),
        Mistake("you multiplied by W_h transposed: the book's row-vector convention is h_prev @ W_h "
                "(W_h is (H, H) indexed [from, to]).", variant(W_h_T=True)),
        Mistake("h_prev is ignored: the recurrent term h_prev @ W_h is missing.", variant(use_h=False)),
        Mistake("x_t is ignored: the input term x_t @ W_x is missing.", variant(use_x=False)),
        Mistake("no activation at all: apply tanh to x_t W_x + h_prev W_h + b.", variant(act=lambda z: z)),
    ]

    def hints(failures, cases, outputs, wants):
        return _edge_hint([f[0] for f in failures], cases) or "compare with h_t = tanh(x_t W_x + h_{t−1} W_h + b)."

    _run_check("RNN step (h)", student_fn, cases, call, reference, mistakes, ["h"], hints)


# ----------------------------------------------------------------------------------------------
# LSTM step forward
# ----------------------------------------------------------------------------------------------

_LSTM_GATES = ("i", "f", "g", "o")


def _lstm_variant(order=(0, 1, 2, 3), acts=(_sig, _sig, np.tanh, _sig), bias=True, cell_act=np.tanh,
                  use_f=True, use_i=True, invert_f=False, h_from_c_prev=False, swap_outputs=False):
    """The LSTM step with a typical mistake switched on; ``order[k]`` = block read as gate k."""
    def outputs(case):
        a = case.args
        pre = a["x_t"] @ a["W_x"] + a["h_prev"] @ a["W_h"] + (a["b"] if bias else 0)
        blocks = _blocks(pre, 4)
        i, f, g, o = (acts[k](blocks[order[k]]) for k in range(4))
        if invert_f:
            f = 1 - f
        c = (f * a["c_prev"] if use_f else a["c_prev"]) + (i * g if use_i else g)
        h = o * cell_act(a["c_prev"] if h_from_c_prev else c)
        return {"h": c, "c": h} if swap_outputs else {"h": h, "c": c}
    return outputs


def _order_text(order) -> str:
    # order[k] = block the student read as gate k, so block order[k] holds gate k in their layout
    layout = [None] * 4
    for gate, block in enumerate(order):
        layout[block] = _LSTM_GATES[gate]
    swapped = [f"{_LSTM_GATES[g]} ↔ {_LSTM_GATES[order[g]]}" for g in range(4) if order[g] > g and order[order[g]] == g]
    extra = f" (gates {', '.join(swapped)} swapped)" if swapped else ""
    return (f"your code reads the 4H columns of W_x, W_h and b as gates ({', '.join(layout)}){extra}; "
            f"the book's order is (i, f, g, o) like PyTorch: columns [0:H] input gate, [H:2H] forget "
            f"gate, [2H:3H] candidate, [3H:4H] output gate.")


def check_lstm_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, c_prev, W_x, W_h, b) -> (h, c)`` against
    :func:`lstmlib.reference.lstm_step_forward`.

    Equations (book notation, gate blocks i, f, g, o):
    i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of x_t W_x + h_{t−1} W_h + b;
    c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t).
    Shapes: x_t (B, I), h_prev and c_prev (B, H), W_x (I, 4H), W_h (H, 4H), b (4H,).
    The function may also return ``(h, c, gates)`` with ``gates = {"i": ..., "f": ..., "g": ...,
    "o": ...}`` (each (B, H)); then each gate is compared too and a wrong one is named.
    """
    ref = _ref()
    what = "lstm_step"
    cases = _cell_cases(np.random.default_rng(seed), 4, with_c=True)
    names = ["h", "c", "i", "f", "g", "o"]

    def call(case):
        result = _call(student_fn, case, what)
        gates = {}
        if isinstance(result, (tuple, list)) and len(result) == 3 and isinstance(result[2], dict):
            gates = result[2]
            result = result[:2]
        h, c = _unpack(result, ["h", "c"], what)
        shape = (case.extra["B"], case.extra["H"])
        out = {"h": _to_array("h", h, shape, what, case), "c": _to_array("c", c, shape, what, case)}
        for k in _LSTM_GATES:
            if k in gates:
                out[k] = _to_array(f"gate {k}", gates[k], shape, what, case)
        return out

    def reference_with_gates(case):
        a = case.args
        h, c, cache = ref.lstm_step_forward(a["x_t"], a["h_prev"], a["c_prev"],
                                            {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]})
        return {"h": h, "c": c, **{k: cache[k] for k in _LSTM_GATES}}

    mistakes = []
    for order in itertools.permutations(range(4)):
        if order != (0, 1, 2, 3):
            mistakes.append(Mistake(_order_text(order), _lstm_variant(order=order)))
    mistakes += [
        Mistake("the bias b is missing: your numbers equal the reference with b = 0.", _lstm_variant(bias=False)),
        Mistake("the candidate g uses σ (sigmoid); the book uses tanh for g (it must be able to "
                "subtract from the cell: values in (−1, 1)).", _lstm_variant(acts=(_sig, _sig, _sig, _sig))),
        Mistake("h_t = o ⊙ c_t: tanh of the cell state is missing (h_t = o ⊙ tanh(c_t)).",
                _lstm_variant(cell_act=lambda c: c)),
        Mistake("h_t uses σ(c_t); the book uses tanh(c_t).", _lstm_variant(cell_act=_sig)),
        Mistake("h_t is computed from the old cell state c_{t−1}; use the new one: h_t = o ⊙ tanh(c_t).",
                _lstm_variant(h_from_c_prev=True)),
        Mistake("the forget gate is not applied: c_t = c_{t−1} + i ⊙ g; the book has f ⊙ c_{t−1}.",
                _lstm_variant(use_f=False)),
        Mistake("the input gate is not applied: c_t = f ⊙ c_{t−1} + g; the book has i ⊙ g.",
                _lstm_variant(use_i=False)),
        Mistake("you used (1 − f) ⊙ c_{t−1}: f is a *keep* gate, f = 1 keeps the cell.",
                _lstm_variant(invert_f=True)),
        Mistake("h and c are returned in the wrong order: return (h, c).", _lstm_variant(swap_outputs=True)),
    ]
    for k, gate in enumerate(_LSTM_GATES):
        acts = [_sig, _sig, np.tanh, _sig]
        right = acts[k]
        acts[k] = _sig if right is np.tanh else np.tanh
        wrong_name = "σ" if right is np.tanh else "tanh"
        right_name = "tanh" if right is np.tanh else "σ"
        if gate != "g":
            mistakes.append(Mistake(f"gate {gate} uses {wrong_name}; gates use {right_name} (values in (0, 1)).",
                                    _lstm_variant(acts=tuple(acts))))

    def hints(failures, cases, outputs, wants):
        gate_failures = [f for f in failures if f[1] in _LSTM_GATES]
        if gate_failures:
            case, name, got, want = gate_failures[0]
            return (f"gate {name} is the first wrong gate ({_error_text(got, want)}); "
                    f"it is block {_LSTM_GATES.index(name)} ({['[0:H]', '[H:2H]', '[2H:3H]', '[3H:4H]'][_LSTM_GATES.index(name)]}) "
                    f"of the 4H columns.")
        edge = _edge_hint([f[0] for f in failures], cases)
        if edge:
            return edge
        wrong = {f[1] for f in failures}
        if wrong == {"h"}:
            return "c_t is right but h_t is not: h_t = o ⊙ tanh(c_t), with the output gate o (block [3H:4H])."
        return ("c_t is wrong (so h_t is too): c_t = f ⊙ c_{t−1} + i ⊙ g. Return gates as a third output "
                "(a dict with 'i', 'f', 'g', 'o') and this check will name the first wrong gate.")

    # gates are compared only when the student returns them
    outputs_cache = {}

    def call_cached(case):
        outputs_cache[id(case)] = call(case)
        return outputs_cache[id(case)]

    def reference_filtered(case):
        want = reference_with_gates(case)
        got = outputs_cache[id(case)]
        return {k: v for k, v in want.items() if k in ("h", "c") or k in got}

    _run_check("LSTM step (h, c)", student_fn, cases, call_cached, reference_filtered, mistakes, names, hints)


# ----------------------------------------------------------------------------------------------
# GRU step forward
# ----------------------------------------------------------------------------------------------

_GRU_GATES = ("r", "z", "g")


def _gru_variant(reset_after: bool, order=(0, 1, 2), cand_act=np.tanh, use_bx=True, use_bh=True,
                 swap_z=False, use_r=True):
    def outputs(case):
        a = case.args
        ax = a["x_t"] @ a["W_x"] + (a["b_x"] if use_bx else 0)
        bh = a["b_h"] if use_bh else np.zeros_like(a["b_h"])
        bx_blocks, bh_blocks = _blocks(ax, 3), _blocks(bh, 3)
        W_h_blocks = _blocks(a["W_h"], 3)
        r_blk, z_blk, g_blk = order
        h = a["h_prev"]
        r = _sig(bx_blocks[r_blk] + h @ W_h_blocks[r_blk] + bh_blocks[r_blk])
        z = _sig(bx_blocks[z_blk] + h @ W_h_blocks[z_blk] + bh_blocks[z_blk])
        if not use_r:
            r = np.ones_like(r)
        if reset_after:
            g = cand_act(bx_blocks[g_blk] + r * (h @ W_h_blocks[g_blk] + bh_blocks[g_blk]))
        else:
            g = cand_act(bx_blocks[g_blk] + (r * h) @ W_h_blocks[g_blk] + bh_blocks[g_blk])
        if swap_z:
            z = 1 - z
        return {"h": z * h + (1 - z) * g}
    return outputs


def check_gru_step(student_fn, reset_after: bool = True, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, W_x, W_h, b_x, b_h) -> h`` against
    :func:`lstmlib.reference.gru_step_forward`.

    Equations (book notation; blocks r, z, g of the 3H columns, like PyTorch's r, z, n):
    r = σ(x_t W_xr + b_xr + h_{t−1} W_hr + b_hr), z likewise;
    reset after (``reset_after=True``, PyTorch/cuDNN): g = tanh(x_t W_xg + b_xg + r ⊙ (h_{t−1} W_hg + b_hg));
    reset before (``reset_after=False``, Cho et al. 2014): g = tanh(x_t W_xg + b_xg + (r ⊙ h_{t−1}) W_hg + b_hg);
    h_t = z ⊙ h_{t−1} + (1 − z) ⊙ g.
    Shapes: x_t (B, I), h_prev (B, H), W_x (I, 3H), W_h (H, 3H), b_x and b_h (3H,).
    """
    ref = _ref()
    what = "gru_step"
    cases = _cell_cases(np.random.default_rng(seed), 3, with_c=False, gru=True)
    placement = "after" if reset_after else "before"

    def call(case):
        (h,) = _unpack(_call(student_fn, case, what), ["h"], what)
        return {"h": _to_array("h", h, (case.extra["B"], case.extra["H"]), what, case)}

    def reference(case):
        a = case.args
        params = {k: a[k] for k in ("W_x", "W_h", "b_x", "b_h")}
        h, _ = ref.gru_step_forward(a["x_t"], a["h_prev"], params, reset_after=reset_after)
        return {"h": h}

    other = "before" if reset_after else "after"
    mistakes = [Mistake(
        f"your step applies the reset gate {other} the recurrent product, but this check asked for "
        f"reset_after={reset_after} (reset {placement}): "
        + ("g = tanh(x W_xg + b_xg + r ⊙ (h W_hg + b_hg))." if reset_after
           else "g = tanh(x W_xg + b_xg + (r ⊙ h) W_hg + b_hg)."),
        _gru_variant(not reset_after))]
    for order in itertools.permutations(range(3)):
        if order != (0, 1, 2):
            layout = [None] * 3
            for gate, block in enumerate(order):
                layout[block] = _GRU_GATES[gate]
            mistakes.append(Mistake(
                f"your code reads the 3H columns as ({', '.join(layout)}); the book's order is (r, z, g) "
                f"like PyTorch's (r, z, n): [0:H] reset, [H:2H] update, [2H:3H] candidate.",
                _gru_variant(reset_after, order=order)))
    mistakes += [
        Mistake("you used h_t = (1 − z) ⊙ h_{t−1} + z ⊙ g; the book (and PyTorch) keep the old state "
                "with z: h_t = z ⊙ h_{t−1} + (1 − z) ⊙ g.", _gru_variant(reset_after, swap_z=True)),
        Mistake("the candidate g uses σ; the book uses tanh.", _gru_variant(reset_after, cand_act=_sig)),
        Mistake("both biases are missing (b_x and b_h).", _gru_variant(reset_after, use_bx=False, use_bh=False)),
        Mistake("the input bias b_x is missing.", _gru_variant(reset_after, use_bx=False)),
        Mistake("the recurrent bias b_h is missing.", _gru_variant(reset_after, use_bh=False)),
        Mistake("the reset gate r is computed but never applied to the candidate.", _gru_variant(reset_after, use_r=False)),
    ]

    def hints(failures, cases, outputs, wants):
        return _edge_hint([f[0] for f in failures], cases) or (
            "compare gate by gate with the equations in this function's docstring; r and z use σ, g tanh.")

    _run_check(f"GRU step, reset {placement} (h)", student_fn, cases, call, reference, mistakes, ["h"], hints)


# ----------------------------------------------------------------------------------------------
# LSTM step backward (one step of BPTT)
# ----------------------------------------------------------------------------------------------

_GRAD_NAMES = ["dx", "dh_prev", "dc_prev", "dW_x", "dW_h", "db"]


def _lstm_backward_variant(no_tanh_grad=False, g_sigmoid_grad=False, gates_tanh_grad=False,
                           drop_dh_into_c=False, dW_h_from_h=False, ignore_dc=False, scale=1.0, sign=1.0):
    """One step of LSTM BPTT with a typical mistake switched on (from the forward's values)."""
    def outputs(case):
        a = case.args
        x, h_prev, c_prev, W_x, W_h, b = (a[k] for k in ("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"))
        pre = x @ W_x + h_prev @ W_h + b
        bi, bf, bg, bo = _blocks(pre, 4)
        i, f, g, o = _sig(bi), _sig(bf), np.tanh(bg), _sig(bo)
        c = f * c_prev + i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c
        dh = a["dh"]
        dc = 0 * a["dc"] if ignore_dc else a["dc"]
        do = dh * tanh_c
        through = 0 if drop_dh_into_c else dh * o * (1 if no_tanh_grad else (1 - tanh_c ** 2))
        dct = dc + through
        di, df, dg, dc_prev = dct * g, dct * c_prev, dct * i, dct * f
        sg = (lambda s: 1 - s ** 2) if gates_tanh_grad else (lambda s: s * (1 - s))
        tg = (lambda t: t * (1 - t)) if g_sigmoid_grad else (lambda t: 1 - t ** 2)
        dpre = np.concatenate([di * sg(i), df * sg(f), dg * tg(g), do * sg(o)], axis=-1)
        grads = {"dx": dpre @ W_x.T, "dh_prev": dpre @ W_h.T, "dc_prev": dc_prev,
                 "dW_x": x.T @ dpre, "dW_h": (h if dW_h_from_h else h_prev).T @ dpre, "db": dpre.sum(axis=0)}
        return {k: sign * scale * v if k.startswith(("dW", "db")) else sign * v for k, v in grads.items()}
    return outputs


def check_lstm_step_backward(student_fn, seed: int = 0) -> None:
    """Check one step of LSTM backpropagation through time:
    ``student_fn(dh, dc, x_t, h_prev, c_prev, W_x, W_h, b) -> (dx, dh_prev, dc_prev, dW_x, dW_h, db)``
    against :func:`lstmlib.reference.lstm_step_backward`.

    ``dh`` = ∂L/∂h_t and ``dc`` = ∂L/∂c_t arriving from later steps (both (B, H)); the function
    recomputes the step's forward from its inputs and returns the gradients with respect to
    every input: dx (B, I), dh_prev (B, H), dc_prev (B, H), dW_x (I, 4H), dW_h (H, 4H), db (4H,)
    (weight gradients summed over the batch, not averaged).
    """
    ref = _ref()
    what = "lstm_step_backward"
    rng = np.random.default_rng(seed)
    cases = []
    for case in _cell_cases(rng, 4, with_c=True):
        B, H = case.extra["B"], case.extra["H"]
        args = {"dh": rng.normal(size=(B, H)), "dc": rng.normal(size=(B, H)), **case.args}
        cases.append(Case(case.name, args, case.extra))

    def call(case):
        result = _unpack(_call(student_fn, case, what), _GRAD_NAMES, what)
        B, I, H = case.extra["B"], case.extra["I"], case.extra["H"]
        shapes = [(B, I), (B, H), (B, H), (I, 4 * H), (H, 4 * H), (4 * H,)]
        return {n: _to_array(n, v, s, what, case) for n, v, s in zip(_GRAD_NAMES, result, shapes)}

    def reference(case):
        a = case.args
        _, _, cache = ref.lstm_step_forward(a["x_t"], a["h_prev"], a["c_prev"],
                                            {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]})
        dx, dh_prev, dc_prev, grads = ref.lstm_step_backward(a["dh"], a["dc"], cache)
        return {"dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev,
                "dW_x": grads["W_x"], "dW_h": grads["W_h"], "db": grads["b"]}

    mistakes = [
        Mistake("the gradient dc arriving from the next step is ignored: ∂L/∂c_t = dc + dh ⊙ o ⊙ (1 − tanh²(c_t)).",
                _lstm_backward_variant(ignore_dc=True)),
        Mistake("dh does not flow into the cell: ∂L/∂c_t must include dh ⊙ o ⊙ (1 − tanh²(c_t)).",
                _lstm_backward_variant(drop_dh_into_c=True)),
        Mistake("the derivative of tanh(c_t) is missing: the path from h_t into c_t is dh ⊙ o ⊙ (1 − tanh²(c_t)).",
                _lstm_backward_variant(no_tanh_grad=True)),
        Mistake("the candidate's derivative uses σ' = g(1 − g); g = tanh(·) has derivative 1 − g².",
                _lstm_backward_variant(g_sigmoid_grad=True)),
        Mistake("the gates' derivatives use tanh' = 1 − s²; σ's derivative is s(1 − s).",
                _lstm_backward_variant(gates_tanh_grad=True)),
        Mistake("dW_h uses h_t; the recurrent product was h_{t−1} W_h, so dW_h = h_{t−1}ᵀ · ∂L/∂a.",
                _lstm_backward_variant(dW_h_from_h=True)),
        Mistake("every gradient has the wrong sign.", _lstm_backward_variant(sign=-1.0)),
    ]

    def hints(failures, cases, outputs, wants):
        for case, name, got, want in failures:
            B = case.extra["B"]
            if name in ("dW_x", "dW_h", "db") and B > 1 and _close(got * B, want):
                return (f"{name} is the reference divided by the batch size: a step's backward sums "
                        f"over the batch (the loss already carries any 1/B).")
        # db = Σ_batch ∂L/∂a: its four blocks tell which gate's pre-activation gradient is wrong
        for case, name, got, want in failures:
            if name not in ("db", "dW_x", "dW_h") or case.extra["H"] < 2:
                continue
            H = case.extra["H"]
            bad = [f"{gate} (columns [{k * H}:{(k + 1) * H}])" for k, gate in enumerate(_LSTM_GATES)
                   if not _close(got[..., k * H:(k + 1) * H], want[..., k * H:(k + 1) * H])]
            if 0 < len(bad) < 4:
                return (f"in {name} (case '{case.name}') the gate block(s) {', '.join(bad)} are wrong, the "
                        f"others right: check ∂L/∂(pre-activation) of {'those gates' if len(bad) > 1 else 'that gate'}"
                        f" (dx and dh_prev inherit the error through W_xᵀ, W_hᵀ).")
        wrong = {f[1] for f in failures}
        if wrong <= {"dx", "dh_prev"}:
            return ("the weight gradients are right but dx / dh_prev are not: dx = ∂L/∂a · W_xᵀ, "
                    "dh_prev = ∂L/∂a · W_hᵀ with ∂L/∂a (B, 4H) the gradient of the pre-activations.")
        if wrong == {"dc_prev"}:
            return "only dc_prev is wrong: dc_prev = ∂L/∂c_t ⊙ f."
        return _edge_hint([f[0] for f in failures], cases)

    _run_check("LSTM step backward", student_fn, cases, call, reference, mistakes, _GRAD_NAMES, hints)


# ----------------------------------------------------------------------------------------------
# softmax cross-entropy
# ----------------------------------------------------------------------------------------------

def check_softmax_cross_entropy(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(logits, targets) -> (loss, dlogits)``: the mean cross-entropy over the N
    rows of ``logits`` (N, K) with integer ``targets`` (N,), and its gradient
    ∂L/∂z = (softmax(z) − onehot(t)) / N, against :func:`lstmlib.reference.softmax_cross_entropy`.
    Cases include one row (N = 1), two classes, and logits near 1000 (a naive exp() overflows)."""
    ref = _ref()
    what = "softmax_cross_entropy"
    rng = np.random.default_rng(seed)
    cases = []
    # "large logits": all near 1000, so a naive exp() overflows (inf / inf = NaN) while the
    # probabilities themselves are ordinary; subtracting the row's max fixes it
    for name, N, K, scale, offset in [("generic", 5, 4, 2.0, 0.0), ("batch 1", 1, 6, 2.0, 0.0),
                                      ("two classes", 7, 2, 1.0, 0.0), ("large logits", 4, 5, 3.0, 1000.0),
                                      ("many classes", 3, 50, 3.0, 0.0)]:
        cases.append(Case(name, {"logits": offset + scale * rng.normal(size=(N, K)),
                                 "targets": rng.integers(0, K, size=N)}, {"N": N, "K": K}))

    def call(case):
        loss, d = _unpack(_call(student_fn, case, what), ["loss", "dlogits"], what)
        if loss is None:
            raise SelfCheckError(f"{what}: the loss is None (is a `return` value missing?) (case '{case.name}').")
        try:
            loss = float(np.asarray(loss.detach() if hasattr(loss, "detach") else loss).reshape(()))
        except (TypeError, ValueError):
            raise SelfCheckError(f"{what}: loss must be a single number (the mean over the rows), "
                                 f"got {_describe(loss)} (case '{case.name}').") from None
        if not np.isfinite(loss):
            raise SelfCheckError(
                f"{what}: the loss is {loss} in case '{case.name}'. Hint: exp(1000) overflows; compute "
                f"log-softmax as z − max(z) − log Σ exp(z − max(z)).")
        return {"loss": np.array(loss), "dlogits": _to_array("dlogits", d, (case.extra["N"], case.extra["K"]), what, case)}

    def reference(case):
        loss, cache = ref.softmax_cross_entropy(case.args["logits"], case.args["targets"])
        return {"loss": np.array(loss), "dlogits": ref.softmax_cross_entropy_backward(cache)}

    def variant(loss_sum=False, grad_sum=False, no_onehot=False, loss_sign=1.0):
        def outputs(case):
            want = reference(case)
            N = case.extra["N"]
            d = want["dlogits"] * N  # softmax − onehot
            if no_onehot:
                d = d.copy()
                d[np.arange(N), case.args["targets"]] += 1
            return {"loss": loss_sign * want["loss"] * (N if loss_sum else 1),
                    "dlogits": d if grad_sum else d / N}
        return outputs

    mistakes = [
        Mistake("loss and gradient are sums over the rows; the book averages: divide both by N.",
                variant(loss_sum=True, grad_sum=True)),
        Mistake("the loss is a sum over the rows; the book averages it: divide by N.", variant(loss_sum=True)),
        Mistake("the gradient is not divided by N: ∂L/∂z = (softmax(z) − onehot(t)) / N.", variant(grad_sum=True)),
        Mistake("the gradient misses the −1 at the target class: ∂L/∂z = (softmax(z) − onehot(t)) / N.",
                variant(no_onehot=True)),
        Mistake("the loss has the wrong sign: cross-entropy is −log p(target) ≥ 0.", variant(loss_sign=-1.0)),
    ]

    def hints(failures, cases, outputs, wants):
        case, name, got, want = failures[0]
        if name == "dlogits" and np.allclose(got, -want, atol=ATOL):
            return "dlogits has the wrong sign: ∂L/∂z = +(softmax(z) − onehot(t)) / N."
        if {f[0].name for f in failures} <= {"large logits"}:
            return "only the large logits fail: subtract each row's max before exp()."
        return _edge_hint([f[0] for f in failures], cases)

    _run_check("softmax cross-entropy (loss, dlogits)", student_fn, cases, call, reference, mistakes,
               ["loss", "dlogits"], hints)


# ----------------------------------------------------------------------------------------------
# beam search step
# ----------------------------------------------------------------------------------------------

def beam_search_step_expected(beam_scores, log_probs, beam_size):
    """The step the check expects (the one inside :func:`lstmlib.torch.beam.beam_search`, before
    finished hypotheses are set aside): among all K·V extensions, the ``beam_size`` with the highest
    score ``beam_scores[k] + log_probs[k, v]``, best first; returns (scores, beam_ids, token_ids)."""
    total = beam_scores[:, None] + log_probs  # (K, V)
    flat = total.ravel()
    best = np.argsort(-flat, kind="stable")[:beam_size]
    beam_ids, token_ids = np.divmod(best, log_probs.shape[1])
    return flat[best], beam_ids, token_ids


def check_beam_search_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(beam_scores, log_probs, beam_size) -> (scores, beam_ids, token_ids)``.

    ``beam_scores`` (K,) are the log-probabilities of the K live hypotheses, ``log_probs`` (K, V)
    the model's next-token log-probabilities for each. The step scores every extension
    ``beam_scores[k] + log_probs[k, v]`` and keeps the ``beam_size`` best *over all K·V
    candidates* (not per beam), sorted best first: ``scores`` (beam_size,), and for each the
    hypothesis it extends ``beam_ids`` and the token ``token_ids`` (integer arrays).
    Cases: the first step (K = 1), greedy (beam_size 1), a vocabulary smaller than the beam
    (the survivors must come from several beams), and ``-inf`` for forbidden tokens."""
    what = "beam_search_step"
    rng = np.random.default_rng(seed)

    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    cases = []
    for name, K, V, k in [("generic", 4, 10, 4), ("first step K = 1", 1, 8, 3), ("greedy", 3, 7, 1),
                          ("V < beam", 5, 3, 5), ("forbidden tokens", 3, 6, 3)]:
        lp = log_softmax(2 * rng.normal(size=(K, V)))
        if name == "forbidden tokens":
            lp[:, 0] = -np.inf
        scores = np.sort(-np.abs(rng.normal(size=K)) * 3)[::-1].copy()
        cases.append(Case(name, {"beam_scores": scores, "log_probs": lp, "beam_size": k}, {"k": k, "V": V}))

    def call(case):
        s, b, t = _unpack(_call(student_fn, case, what), ["scores", "beam_ids", "token_ids"], what)
        k = case.extra["k"]
        s = _to_array("scores", s, None, what, case)
        n = s.size
        if n != k:
            K = len(case.args["beam_scores"])
            raise SelfCheckError(
                f"{what}: you returned {n} survivors, expected beam_size = {k} (case '{case.name}', "
                f"K = {K} live beams)." + (" Keep the beam_size best of *all* K·V extensions: one beam "
                                           "may contribute several survivors." if n == min(K, k) else ""))
        out = {"scores": _to_array("scores", s, (k,), what, case)}
        for name, v in (("beam_ids", b), ("token_ids", t)):
            arr = _to_array(name, v, None, what, case)
            if arr.shape != (k,) or not np.all(arr == np.round(arr)):
                raise SelfCheckError(f"{what}: {name} must be {k} integers, got shape {arr.shape} dtype {arr.dtype} "
                                     f"(case '{case.name}').")
            out[name] = arr
        return out

    def reference(case):
        s, b, t = beam_search_step_expected(case.args["beam_scores"], case.args["log_probs"], case.args["beam_size"])
        return {"scores": s, "beam_ids": b.astype(float), "token_ids": t.astype(float)}

    def variant(add_scores=True, per_beam=False, ascending=False, divisor_k=False):
        def outputs(case):
            bs, lp, k = case.args["beam_scores"], case.args["log_probs"], case.args["beam_size"]
            total = (bs[:, None] if add_scores else 0) + lp
            if per_beam:  # the best token of each beam, then the best beams
                tok = total.argmax(axis=1)
                sc = total[np.arange(len(bs)), tok]
                order = np.argsort(-sc, kind="stable")[:k]
                if len(order) < k:
                    raise ValueError
                return {"scores": sc[order], "beam_ids": order.astype(float), "token_ids": tok[order].astype(float)}
            flat = total.ravel()
            best = np.argsort(-flat, kind="stable")[:k]
            if ascending:
                best = best[::-1]
            if divisor_k:
                beam_ids, token_ids = best % len(bs), best // len(bs)
            else:
                beam_ids, token_ids = np.divmod(best, lp.shape[1])
            return {"scores": flat[best] if add_scores else (bs[beam_ids] + lp[beam_ids, token_ids]),
                    "beam_ids": beam_ids.astype(float), "token_ids": token_ids.astype(float)}
        return outputs

    mistakes = [
        Mistake("the hypotheses' scores are not added: rank beam_scores[k] + log_probs[k, v], not log_probs alone.",
                variant(add_scores=False)),
        Mistake("you keep the best token of each beam; keep the beam_size best of *all* K·V extensions "
                "(one beam may contribute several survivors).", variant(per_beam=True)),
        Mistake("the survivors are sorted worst first; return them best first.", variant(ascending=True)),
        Mistake("the flat index is split with K; with the flattened (K, V) array, beam = index // V, token = index % V.",
                variant(divisor_k=True)),
    ]

    def hints(failures, cases, outputs, wants):
        return "rank all K·V values beam_scores[:, None] + log_probs, keep the best beam_size, best first."

    _run_check("beam search step", student_fn, cases, call, reference, mistakes,
               ["scores", "beam_ids", "token_ids"], hints)


# ----------------------------------------------------------------------------------------------
# additive attention (chapter 8)
# ----------------------------------------------------------------------------------------------

def additive_attention_expected(query, keys, W_q, W_k, v, mask, *, squash=np.tanh, softmax_axis=1,
                                use_mask=True, normalise=True):
    """Bahdanau's score e_j = vᵀ tanh(W_q s + W_k h_j) in row-vector form, a softmax over the
    source positions (padding gets weight 0) and the context Σ_j α_j h_j.

    ``query`` (B, Dq), ``keys`` (S, B, Dk) time-major, ``W_q`` (Dq, A), ``W_k`` (Dk, A), ``v`` (A,),
    ``mask`` (S, B) bool, True at real tokens. Returns ``(context (B, Dk), weights (B, S))``.
    The keyword arguments build the typical mistakes the check recognises.
    """
    hidden = squash(query[None] @ W_q + keys @ W_k)           # (S, B, A)
    scores = (hidden @ v).T                                   # (B, S)
    if use_mask:
        scores = np.where(mask.T, scores, -np.inf)
    if normalise:
        shifted = scores - scores.max(axis=softmax_axis, keepdims=True)
        weights = np.exp(shifted)
        weights = weights / weights.sum(axis=softmax_axis, keepdims=True)
    else:
        weights = np.where(np.isfinite(scores), scores, 0.0)
    context = np.einsum("bs,sbd->bd", weights, keys)           # (B, Dk)
    return context, weights


def check_additive_attention(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(query, keys, W_q, W_k, v, mask) -> (context, weights)`` (chapter 8).

    Additive (Bahdanau) attention for one decoder step, in the course's row-vector convention:
    ``e[b, j] = tanh(query[b] @ W_q + keys[j, b] @ W_k) @ v``; ``weights[b]`` is the softmax of
    ``e[b]`` over the source positions j, with weight exactly 0 where ``mask[j, b]`` is False
    (padding); ``context[b] = Σ_j weights[b, j] keys[j, b]``. Shapes: ``query`` (B, Dq),
    ``keys`` (S, B, Dk), ``W_q`` (Dq, A), ``W_k`` (Dk, A), ``v`` (A,), ``mask`` (S, B) bool;
    ``context`` (B, Dk), ``weights`` (B, S). Cases: generic, batch 1, one source position,
    padded sentences, and scores large enough to overflow an unshifted exp()."""
    what = "additive_attention"
    rng = np.random.default_rng(seed)
    cases = []
    for name, B, S, Dq, Dk, A, scale in [("generic", 3, 5, 4, 6, 7, 1.0), ("batch 1", 1, 4, 3, 3, 5, 1.0),
                                         ("one source position", 2, 1, 3, 4, 2, 1.0),
                                         ("padded sentences", 3, 6, 4, 5, 4, 1.0),
                                         ("large scores", 2, 4, 3, 3, 3, 2000.0)]:
        mask = np.ones((S, B), dtype=bool)
        if name == "padded sentences":
            for b, length in enumerate([6, 3, 1]):
                mask[length:, b] = False
        args = {"query": rng.normal(size=(B, Dq)), "keys": rng.normal(size=(S, B, Dk)),
                "W_q": rng.normal(size=(Dq, A)), "W_k": rng.normal(size=(Dk, A)),
                "v": rng.normal(size=A), "mask": mask}
        if scale != 1.0:  # rescale v so the largest score is `scale`: exp() of it overflows unless shifted
            scores = np.tanh(args["query"][None] @ args["W_q"] + args["keys"] @ args["W_k"]) @ args["v"]
            args["v"] = args["v"] * scale / scores.max() if scores.max() > 0 else -args["v"] * scale / scores.min()
        cases.append(Case(name, args, {"B": B, "S": S, "Dk": Dk}))

    def call(case):
        context, weights = _unpack(_call(student_fn, case, what), ["context", "weights"], what)
        B, S, Dk = case.extra["B"], case.extra["S"], case.extra["Dk"]
        return {"context": _to_array("context", context, (B, Dk), what, case),
                "weights": _to_array("weights", weights, (B, S), what, case)}

    def variant(**kw):
        def outputs(case):
            a = case.args
            context, weights = additive_attention_expected(a["query"], a["keys"], a["W_q"], a["W_k"], a["v"],
                                                           a["mask"], **kw)
            if not (np.all(np.isfinite(context)) and np.all(np.isfinite(weights))):
                raise ValueError  # this mistake cannot produce finite outputs here
            return {"context": context, "weights": weights}
        return outputs

    mistakes = [
        Mistake("the mask is ignored: padding positions (mask False) must get weight exactly 0 — set their "
                "scores to -inf before the softmax.", variant(use_mask=False)),
        Mistake("the softmax runs over the batch axis; normalise each sentence's scores over its source "
                "positions (axis 1 of the (B, S) scores).", variant(softmax_axis=0)),
        Mistake("the scores have no tanh: e = vᵀ tanh(W_q s + W_k h_j); without it the score is linear.",
                variant(squash=lambda x: x)),
        Mistake("the raw scores are used as weights: apply a softmax so the weights are positive and sum to 1.",
                variant(normalise=False)),
    ]

    def hints(failures, cases, outputs, wants):
        names = {f[0].name for f in failures}
        if names <= {"large scores"}:
            return "only the large-scores case fails: subtract each row's maximum score before exp()."
        if names <= {"padded sentences"}:
            return "only the padded case fails: look at how you treat positions where mask is False."
        return "check the weights first: each row must be positive, sum to 1 and be 0 on padding."

    _run_check("additive attention", student_fn, cases, call,
               lambda case: variant()(case), mistakes, ["weights", "context"], hints)
