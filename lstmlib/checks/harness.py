"""The machinery every self-check shares: call the student's function safely, read what it
returned, compare it with the reference, find the typical mistake that explains the difference.

A check builds a list of ``Case`` (named inputs), a ``call`` that runs the student's function
on one case and turns its return value into a dict of float arrays (``_call``, ``_unpack``,
``_to_array``: a missing ``return``, a dict, a string, a ragged list, a wrong shape each get a
:class:`~lstmlib.checks.SelfCheckError` that says what was received), a ``reference`` giving the expected arrays
(from :mod:`lstmlib.reference`), and a list of ``Mistake`` models; ``_run_check`` does the
rest. Nothing here raises anything but :class:`~lstmlib.checks.SelfCheckError` because of what a student returned;
an exception raised *inside* the student's function is re-raised with a note naming the case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["SelfCheckError", "Case", "Mistake", "ATOL", "RTOL"]

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


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # σ without overflow at large |x|


def _shape(a) -> str:
    return "(" + ", ".join(str(d) for d in a.shape) + ("," if len(a.shape) == 1 else "") + ")"


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):  # a dict of arrays, e.g. gradients keyed like the parameters
        return {k: _copy(v) for k, v in value.items()}
    return value


def _same(given, original) -> bool:
    """Is what the student was given (and may have changed) still equal to the original?"""
    if isinstance(original, np.ndarray):
        return isinstance(given, np.ndarray) and given.shape == original.shape and \
            bool(np.array_equal(given, original, equal_nan=True))
    if isinstance(original, dict):
        return isinstance(given, dict) and given.keys() == original.keys() and \
            all(_same(given[k], original[k]) for k in original)
    return True


def _call(fn: Callable, case: Case, what: str):
    """Call the student's function on copies of the inputs; report in-place changes and crashes."""
    copies = {k: _copy(v) for k, v in case.args.items()}
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
        if not _same(copies[k], v):
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


