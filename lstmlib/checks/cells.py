"""Self-checks for the cells of chapters 1–7 and 10: one step forward (RNN, LSTM, GRU), one LSTM
step backward, softmax cross-entropy. Expected values come from :mod:`lstmlib.reference`; the
mistake models (gate order, missing bias, σ for tanh, …) are written out here, next to the check
that recognises them.
"""
from __future__ import annotations

import itertools

import numpy as np

from lstmlib import reference as ref

from .harness import (
    ATOL, Case, Mistake, SelfCheckError, _blocks, _call, _cell_cases, _close, _describe, _edge_hint,
    _error_text, _run_check, _sig, _to_array, _unpack,
)

__all__ = ["check_rnn_step", "check_lstm_step", "check_gru_step", "check_lstm_step_backward",
           "check_softmax_cross_entropy", "check_dense_backward", "check_rnn_bptt", "check_rnn_jacobian",
           "check_clip_grad_norm", "check_softmax_with_temperature", "check_peephole_lstm_step",
           "check_coupled_lstm_step", "check_lstm_step_cost"]


# ----------------------------------------------------------------------------------------------
# RNN step
# ----------------------------------------------------------------------------------------------

def check_rnn_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, W_x, W_h, b) -> h`` for h_t = tanh(x_t W_x + h_{t−1} W_h + b).

    Shapes: x_t (B, I), h_prev (B, H), W_x (I, H), W_h (H, H), b (H,); returns h (B, H)."""
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
# dense layer backward (chapter 1)
# ----------------------------------------------------------------------------------------------

def _dense_backward_variant(db_mean=False, sign=1.0):
    def outputs(case):
        a = case.args
        N = a["X"].shape[0]
        dX, dW, db = a["dY"] @ a["W"].T, a["X"].T @ a["dY"], a["dY"].sum(axis=0)
        if db_mean:
            dW, db = dW / N, db / N
        return {"dX": sign * dX, "dW": sign * dW, "db": sign * db}
    return outputs


def check_dense_backward(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(dY, X, W) -> (dX, dW, db)``, the backward pass of the dense layer
    Y = X W + b, against :func:`lstmlib.reference.dense_backward`: dX = dY Wᵀ, dW = Xᵀ dY,
    db = Σ_rows dY. Shapes: ``X`` (N, I), ``W`` (I, O), ``dY`` (N, O) = ∂L/∂Y; returns dX (N, I),
    dW (I, O), db (O,) (summed over the N rows: the loss already carries any 1/N)."""
    what = "dense_backward"
    rng = np.random.default_rng(seed)
    cases = []
    for name, N, I, O in [("generic", 5, 3, 4), ("batch 1", 1, 4, 3), ("one output", 6, 3, 1),
                          ("one input", 4, 1, 5), ("square W", 4, 4, 4)]:
        cases.append(Case(name, {"dY": rng.normal(size=(N, O)), "X": rng.normal(size=(N, I)),
                                 "W": rng.normal(size=(I, O))}, {"B": N, "I": I, "O": O}))

    def call(case):
        dX, dW, db = _unpack(_call(student_fn, case, what), ["dX", "dW", "db"], what)
        N, I, O = case.extra["B"], case.extra["I"], case.extra["O"]
        return {"dX": _to_array("dX", dX, (N, I), what, case), "dW": _to_array("dW", dW, (I, O), what, case),
                "db": _to_array("db", db, (O,), what, case)}

    def reference(case):
        a = case.args
        _, cache = ref.dense_forward(a["X"], a["W"], np.zeros(a["W"].shape[1]))
        dX, grads = ref.dense_backward(a["dY"], cache)
        return {"dX": dX, "dW": grads["W"], "db": grads["b"]}

    def transposed(case):
        a = case.args
        return {"dX": a["dY"] @ a["W"], "dW": a["dY"].T @ a["X"], "db": a["dY"].sum(axis=0)}

    mistakes = [
        Mistake("dW and db are averaged over the rows; the layer's backward sums them (the loss already "
                "divides by N): dW = Xᵀ dY, db = Σ_rows dY.", _dense_backward_variant(db_mean=True)),
        Mistake("the products are transposed: dX = dY Wᵀ (N, I) and dW = Xᵀ dY (I, O) — check the shapes "
                "of each factor.", transposed),
        Mistake("every gradient has the wrong sign.", _dense_backward_variant(sign=-1.0)),
    ]

    def hints(failures, cases, outputs, wants):
        wrong = {f[1] for f in failures}
        if wrong == {"db"}:
            return "only db is wrong: db = Σ over the rows of dY (axis 0), one number per output."
        if wrong == {"dX"}:
            return "only dX is wrong: dX = dY Wᵀ."
        return _edge_hint([f[0] for f in failures], cases)

    _run_check("dense layer backward (dX, dW, db)", student_fn, cases, call, reference, mistakes,
               ["dX", "dW", "db"], hints)


# ----------------------------------------------------------------------------------------------
# backpropagation through time for the RNN (chapter 2)
# ----------------------------------------------------------------------------------------------

_BPTT_NAMES = ["dx", "dh0", "dW_x", "dW_h", "db"]


def _rnn_bptt_variant(carry=True, tanh_grad=True, dW_h_from_h=False, carry_transposed=True, batch_mean=False):
    """BPTT for h_t = tanh(x_t W_x + h_{t−1} W_h + b) with a typical mistake switched on."""
    def outputs(case):
        a = case.args
        x, h0, W_x, W_h, b, d_out = a["x"], a["h0"], a["W_x"], a["W_h"], a["b"], a["d_out"]
        states, h = [], h0
        for x_t in x:
            h = np.tanh(x_t @ W_x + h @ W_h + b)
            states.append(h)
        dx = np.zeros_like(x)
        dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
        dh = np.zeros_like(h0)
        for t in range(len(x) - 1, -1, -1):
            total = d_out[t] + (dh if carry else 0.0)
            delta = total * (1 - states[t] ** 2) if tanh_grad else total
            h_prev = h0 if t == 0 else states[t - 1]
            dW_x += x[t].T @ delta
            dW_h += (states[t] if dW_h_from_h else h_prev).T @ delta
            db += delta.sum(axis=0)
            dx[t] = delta @ W_x.T
            dh = delta @ (W_h.T if carry_transposed else W_h)
        scale = 1.0 / len(h0) if batch_mean else 1.0
        return {"dx": dx, "dh0": dh, "dW_x": scale * dW_x, "dW_h": scale * dW_h, "db": scale * db}
    return outputs


def check_rnn_bptt(student_fn, seed: int = 0) -> None:
    """Check hand-written backpropagation through time for the tanh RNN:
    ``student_fn(d_out, x, h0, W_x, W_h, b) -> (dx, dh0, dW_x, dW_h, db)`` against
    :func:`lstmlib.reference.rnn_backward`.

    The forward is h_t = tanh(x_t W_x + h_{t−1} W_h + b) for t = 1 … T from ``h0``; ``d_out``
    (T, B, H) holds ∂L/∂h_t arriving from the outputs at every step. Backwards, with
    δ_t = ∂L/∂a_t: δ_t = (d_out[t] + δ_{t+1} W_hᵀ) ⊙ (1 − h_t²), dW_x = Σ_t x_tᵀ δ_t,
    dW_h = Σ_t h_{t−1}ᵀ δ_t, db = Σ_t Σ_batch δ_t, dx_t = δ_t W_xᵀ, dh0 = δ_1 W_hᵀ.
    Shapes: ``x`` (T, B, I), ``h0`` (B, H), ``W_x`` (I, H), ``W_h`` (H, H), ``b`` (H,).
    """
    what = "rnn_bptt"
    rng = np.random.default_rng(seed)
    cases = []
    for name, T, B, I, H in [("generic", 6, 3, 2, 4), ("batch 1", 5, 1, 3, 3), ("T = 1", 1, 2, 3, 4),
                             ("H = 1", 7, 2, 2, 1), ("long", 15, 2, 2, 3)]:
        args = {"d_out": rng.normal(size=(T, B, H)), "x": rng.normal(size=(T, B, I)),
                "h0": np.tanh(rng.normal(size=(B, H))), "W_x": rng.normal(size=(I, H)) / np.sqrt(I),
                "W_h": rng.normal(size=(H, H)) / np.sqrt(H), "b": 0.5 * rng.normal(size=H)}
        cases.append(Case(name, args, {"T": T, "B": B, "I": I, "H": H}))

    def call(case):
        result = _unpack(_call(student_fn, case, what), _BPTT_NAMES, what)
        T, B, I, H = (case.extra[k] for k in ("T", "B", "I", "H"))
        shapes = [(T, B, I), (B, H), (I, H), (H, H), (H,)]
        return {n: _to_array(n, v, s, what, case) for n, v, s in zip(_BPTT_NAMES, result, shapes)}

    def reference(case):
        a = case.args
        _, _, cache = ref.rnn_forward(a["x"], {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]}, a["h0"])
        dx, dh0, grads = ref.rnn_backward(a["d_out"], cache)
        return {"dx": dx, "dh0": dh0, "dW_x": grads["W_x"], "dW_h": grads["W_h"], "db": grads["b"]}

    mistakes = [
        Mistake("the gradient from later steps is dropped: δ_t must include δ_{t+1} W_hᵀ, not only "
                "d_out[t] — that carried term is what makes it *through time*.", _rnn_bptt_variant(carry=False)),
        Mistake("the derivative of tanh is missing: δ_t = (d_out[t] + δ_{t+1} W_hᵀ) ⊙ (1 − h_t²).",
                _rnn_bptt_variant(tanh_grad=False)),
        Mistake("dW_h uses h_t; the product at step t was h_{t−1} W_h, so dW_h = Σ_t h_{t−1}ᵀ δ_t "
                "(with h0 at the first step).", _rnn_bptt_variant(dW_h_from_h=True)),
        Mistake("the gradient is carried back with W_h instead of W_hᵀ: row-vector maths h_{t−1} W_h "
                "sends δ_t back as δ_t W_hᵀ.", _rnn_bptt_variant(carry_transposed=False)),
        Mistake("the weight gradients are averaged over the batch; BPTT sums them (the loss already "
                "carries any 1/B).", _rnn_bptt_variant(batch_mean=True)),
    ]

    def hints(failures, cases, outputs, wants):
        names = {f[0].name for f in failures}
        if names and "T = 1" not in names:
            return ("T = 1 passes but longer sequences fail: the single step is right, the carrying "
                    "through time is not — check δ_{t+1} W_hᵀ and that the loop runs from t = T down to 1.")
        return _edge_hint([f[0] for f in failures], cases)

    _run_check("RNN backpropagation through time", student_fn, cases, call, reference, mistakes,
               _BPTT_NAMES, hints)


# ----------------------------------------------------------------------------------------------
# the step's Jacobian and gradient clipping (chapter 3)
# ----------------------------------------------------------------------------------------------

def _jacobian_variant(transpose=False, derivative="h_t", on_rows=False):
    def outputs(case):
        a = case.args
        h = np.tanh(a["x_t"] @ a["W_x"] + a["h_prev"] @ a["W_h"] + a["b"])
        slope = {"h_t": 1 - h ** 2, "h_prev": 1 - a["h_prev"] ** 2, "none": np.ones_like(h),
                 "tanh twice": 1 - np.tanh(h) ** 2}[derivative]
        if on_rows:
            if a["W_h"].shape[0] != slope.shape[1]:
                raise ValueError
            J = slope[:, :, None] * a["W_h"][None]
        else:
            J = a["W_h"][None] * slope[:, None, :]
        return {"J": np.swapaxes(J, 1, 2) if transpose else J}
    return outputs


def check_rnn_jacobian(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, W_x, W_h, b) -> J``, the Jacobian of one tanh RNN step,
    J[b, i, j] = ∂h_t[b, j] / ∂h_prev[b, i] = W_h[i, j] (1 − h_t[b, j]²), shape (B, H, H).

    Row-vector convention: row i says how h_t moves when h_prev[i] moves, so a gradient row δ
    goes back as δ Jᵀ and a product of these matrices over many steps is what vanishes or
    explodes. Expected values come from :func:`lstmlib.reference.rnn_step_backward`, run once per
    unit vector."""
    what = "rnn_jacobian"
    cases = _cell_cases(np.random.default_rng(seed), 1, with_c=False)

    def call(case):
        (J,) = _unpack(_call(student_fn, case, what), ["J"], what)
        B, H = case.extra["B"], case.extra["H"]
        return {"J": _to_array("J", J, (B, H, H), what, case)}

    def reference(case):
        a = case.args
        h, cache = ref.rnn_step_forward(a["x_t"], a["h_prev"], {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]})
        B, H = h.shape
        J = np.empty((B, H, H))
        for j in range(H):  # ∂h_t[:, j]/∂h_prev is the backward of a unit gradient on unit j
            unit = np.zeros((B, H))
            unit[:, j] = 1.0
            _, dh_prev, _ = ref.rnn_step_backward(unit, cache)
            J[:, :, j] = dh_prev
        return {"J": J}

    mistakes = [
        Mistake("your J is transposed: in the book's row-vector convention J[b, i, j] = ∂h_t[j]/∂h_prev[i] "
                "= W_h[i, j] (1 − h_t[j]²) — the derivative scales the columns.", _jacobian_variant(transpose=True)),
        Mistake("the tanh derivative is missing: J = W_h diag(1 − h_t²), not W_h.", _jacobian_variant(derivative="none")),
        Mistake("the tanh derivative is taken at h_prev; it belongs to this step's output: 1 − h_t².",
                _jacobian_variant(derivative="h_prev")),
        Mistake("tanh is applied twice: h_t is already tanh(a_t), so tanh'(a_t) = 1 − h_t², not 1 − tanh(h_t)².",
                _jacobian_variant(derivative="tanh twice")),
        Mistake("the derivative scales the rows of W_h; it belongs to the columns (unit j of h_t): "
                "J[b] = W_h * (1 − h_t[b]²)[None, :].", _jacobian_variant(on_rows=True)),
    ]

    def hints(failures, cases, outputs, wants):
        return _edge_hint([f[0] for f in failures], cases) or (
            "estimate J by central differences with your own rnn_step and compare entry by entry.")

    _run_check("RNN step Jacobian", student_fn, cases, call, reference, mistakes, ["J"], hints)


_CLIP_KEYS = ("W_x", "W_h", "b")


def _clip_variant(mode):
    def outputs(case):
        grads, max_norm = case.args["grads"], case.args["max_norm"]
        if mode == "per array":
            return {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-12)) for k, g in grads.items()}
        if mode == "element-wise":
            return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
        total = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
        if mode == "always":
            return {k: g * max_norm / total for k, g in grads.items()}
        if mode == "squared norm":
            return {k: g * min(1.0, max_norm / total ** 2) for k, g in grads.items()}
        raise ValueError(mode)
    return outputs


def check_clip_grad_norm(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(grads, max_norm) -> clipped`` against
    :func:`lstmlib.reference.clip_grad_norm`: ``grads`` is a dict of arrays keyed like the
    parameters (``W_x``, ``W_h``, ``b``); the result is a dict with the same keys in which every
    array is scaled by min(1, max_norm / ‖g‖), with ‖g‖ the *global* norm over all arrays
    together (Pascanu et al. 2013). The direction of the update is kept; the input dict is not
    changed."""
    what = "clip_grad_norm"
    rng = np.random.default_rng(seed)
    cases = []
    for name, I, H, factor in [("far above the threshold", 3, 4, 8.0), ("just above", 2, 5, 1.3),
                               ("below the threshold", 3, 3, 0.4), ("H = 1", 2, 1, 5.0),
                               ("unequal sizes", 6, 2, 3.0), ("all zero", 2, 2, 0.0)]:
        grads = {"W_x": rng.normal(size=(I, H)), "W_h": rng.normal(size=(H, H)), "b": 0.1 * rng.normal(size=H)}
        norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
        max_norm = 1.5
        grads = {k: g * factor * max_norm / norm for k, g in grads.items()}
        cases.append(Case(name, {"grads": grads, "max_norm": max_norm}, {"I": I, "H": H}))

    def call(case):
        result = _call(student_fn, case, what)
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict):
            result = result[0]  # (clipped, norm) like the reference: the norm is not checked
        if not isinstance(result, dict):
            raise SelfCheckError(f"{what}: expected a dict of arrays with keys {', '.join(_CLIP_KEYS)}, got "
                                 f"{_describe(result)} (case '{case.name}').")
        if set(result) != set(_CLIP_KEYS):
            raise SelfCheckError(f"{what}: the result has keys {sorted(result)}; expected the same keys as "
                                 f"grads, {sorted(_CLIP_KEYS)} (case '{case.name}').")
        return {k: _to_array(k, result[k], case.args["grads"][k].shape, what, case) for k in _CLIP_KEYS}

    def reference(case):
        clipped, _ = ref.clip_grad_norm(case.args["grads"], case.args["max_norm"])
        return clipped

    mistakes = [
        Mistake("each array is clipped by its own norm; clipping uses the global norm over all arrays "
                "together, so the direction of the whole update is kept.", _clip_variant("per array")),
        Mistake("you clipped every entry to [−max_norm, max_norm]; that changes the update's direction. "
                "Scale all arrays by one factor min(1, max_norm / ‖g‖).", _clip_variant("element-wise")),
        Mistake("you rescale even when the norm is already below max_norm; the factor is min(1, max_norm / ‖g‖).",
                _clip_variant("always")),
        Mistake("the norm is missing its square root: ‖g‖ = sqrt(Σ g²).", _clip_variant("squared norm")),
    ]

    def hints(failures, cases, outputs, wants):
        names = {f[0].name for f in failures}
        if names <= {"all zero"}:
            return "only the all-zero gradient fails: avoid dividing by a zero norm (nothing needs clipping)."
        return "‖g‖ = sqrt of the sum of squares of every entry of every array; factor = min(1, max_norm / ‖g‖)."

    _run_check("gradient clipping by global norm", student_fn, cases, call, reference, mistakes,
               list(_CLIP_KEYS), hints)


# ----------------------------------------------------------------------------------------------
# softmax with a temperature (chapter 5)
# ----------------------------------------------------------------------------------------------

def check_softmax_with_temperature(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(logits, tau) -> probs``: softmax(logits / τ) over the last axis, for
    ``logits`` (N, V) and a temperature τ > 0, against :func:`lstmlib.reference.softmax`. Cases
    include τ < 1 (sharper), τ > 1 (flatter), one row, and logits large enough that exp() of
    them overflows unless each row's maximum is subtracted first."""
    what = "softmax_with_temperature"
    rng = np.random.default_rng(seed)
    cases = []
    for name, N, V, tau, scale, offset in [("generic", 4, 6, 1.0, 2.0, 0.0), ("cold τ = 0.3", 3, 5, 0.3, 2.0, 0.0),
                                           ("hot τ = 2", 3, 7, 2.0, 2.0, 0.0), ("batch 1", 1, 8, 0.8, 2.0, 0.0),
                                           ("large logits", 3, 5, 0.5, 3.0, 800.0)]:
        cases.append(Case(name, {"logits": offset + scale * rng.normal(size=(N, V)), "tau": tau},
                          {"B": N, "V": V}))

    def call(case):
        (p,) = _unpack(_call(student_fn, case, what), ["probs"], what)
        return {"probs": _to_array("probs", p, (case.extra["B"], case.extra["V"]), what, case)}

    def reference(case):
        return {"probs": ref.softmax(case.args["logits"] / case.args["tau"], axis=-1)}

    def variant(times=False, axis=-1, no_tau=False):
        def outputs(case):
            z = case.args["logits"]
            if not no_tau:
                z = z * case.args["tau"] if times else z / case.args["tau"]
            return {"probs": ref.softmax(z, axis=axis)}
        return outputs

    mistakes = [
        Mistake("you multiplied the logits by τ; divide them: softmax(z / τ) (τ < 1 sharpens, τ > 1 flattens).",
                variant(times=True)),
        Mistake("the temperature is ignored: use softmax(z / τ).", variant(no_tau=True)),
        Mistake("the softmax runs over the rows (axis 0); normalise each row over the vocabulary (the last axis).",
                variant(axis=0)),
    ]

    def hints(failures, cases, outputs, wants):
        if {f[0].name for f in failures} <= {"large logits"}:
            return "only the large logits fail: subtract each row's maximum before exp()."
        return "each row must be positive and sum to 1; divide the logits by τ before the softmax."

    _run_check("softmax with temperature", student_fn, cases, call, reference, mistakes, ["probs"], hints)


# ----------------------------------------------------------------------------------------------
# the peephole LSTM step (chapter 7)
# ----------------------------------------------------------------------------------------------

def _hc_caller(student_fn, what: str):
    """``call`` for a step that returns (h, c), both (B, H)."""
    def call(case):
        h, c = _unpack(_call(student_fn, case, what), ["h", "c"], what)
        shape = (case.extra["B"], case.extra["H"])
        return {"h": _to_array("h", h, shape, what, case), "c": _to_array("c", c, shape, what, case)}
    return call


def _lstm_variant_reference(case, params, options):
    a = case.args
    h, c, _ = ref.lstm_step_forward(a["x_t"], a["h_prev"], a["c_prev"], params, options=options)
    return {"h": h, "c": c}


def _peephole_variant(output_sees="c", use_input_peeps=True, use_output_peep=True, swap_if=False):
    def outputs(case):
        a = case.args
        p_i, p_f, p_o = a["p"]
        if swap_if:
            p_i, p_f = p_f, p_i
        c_prev = a["c_prev"]
        pre = a["x_t"] @ a["W_x"] + a["h_prev"] @ a["W_h"] + a["b"]
        a_i, a_f, a_g, a_o = _blocks(pre, 4)
        if use_input_peeps:
            a_i, a_f = a_i + p_i * c_prev, a_f + p_f * c_prev
        c = _sig(a_f) * c_prev + _sig(a_i) * np.tanh(a_g)
        if use_output_peep:
            a_o = a_o + p_o * (c if output_sees == "c" else c_prev)
        return {"h": _sig(a_o) * np.tanh(c), "c": c}
    return outputs


def check_peephole_lstm_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, c_prev, W_x, W_h, b, p) -> (h, c)``, one step of the
    peephole LSTM (Gers & Schmidhuber 2000; chapter 7), against
    :func:`lstmlib.reference.lstm_step_forward` with ``LSTMOptions(peephole=True)``.

    ``p`` (3, H) holds the diagonal peephole weights (p_i, p_f, p_o): the input and forget gates
    add p_i ⊙ c_{t−1} and p_f ⊙ c_{t−1} to their pre-activations, the output gate adds p_o ⊙ c_t —
    the *new* cell. Other shapes and the gate order i, f, g, o as in :func:`check_lstm_step`."""
    what = "peephole lstm_step"
    rng = np.random.default_rng(seed)
    cases = []
    for case in _cell_cases(rng, 4, with_c=True):
        H = case.extra["H"]
        p = rng.normal(size=(3, H)) * (3.0 if case.name == "saturated gates" else 1.0)
        cases.append(Case(case.name, {**case.args, "p": p}, case.extra))

    def reference(case):
        a = case.args
        params = {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"], "p_i": a["p"][0], "p_f": a["p"][1], "p_o": a["p"][2]}
        return _lstm_variant_reference(case, params, ref.LSTMOptions(peephole=True))

    mistakes = [
        Mistake("the output gate peeks at the old cell c_{t−1}; it sees the new one: o = σ(… + p_o ⊙ c_t), "
                "so it is computed after the cell update.", _peephole_variant(output_sees="c_prev")),
        Mistake("the peepholes are ignored: your numbers are those of the plain LSTM.",
                _peephole_variant(use_input_peeps=False, use_output_peep=False)),
        Mistake("the output gate has no peephole: add p_o ⊙ c_t to its pre-activation.",
                _peephole_variant(use_output_peep=False)),
        Mistake("the input and forget gates have no peepholes: add p_i ⊙ c_{t−1} and p_f ⊙ c_{t−1}.",
                _peephole_variant(use_input_peeps=False)),
        Mistake("p_i and p_f are swapped: row 0 of p belongs to the input gate, row 1 to the forget gate.",
                _peephole_variant(swap_if=True)),
    ]

    def hints(failures, cases, outputs, wants):
        return _edge_hint([f[0] for f in failures], cases) or (
            "first make it pass check_lstm_step with the peepholes left out (the gate order, σ and tanh), "
            "then add p_i ⊙ c_{t−1}, p_f ⊙ c_{t−1} and p_o ⊙ c_t.")

    _run_check("peephole LSTM step (h, c)", student_fn, cases, _hc_caller(student_fn, what), reference, mistakes,
               ["h", "c"], hints)


# ----------------------------------------------------------------------------------------------
# what a step costs (chapter 10)
# ----------------------------------------------------------------------------------------------

def check_lstm_step_cost(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(batch, input_size, hidden_size, bytes_per_value) -> (flops, bytes)`` for
    one LSTM step's two matrix products, equation (ch10-intensity): FLOPs = 2·B·4H(I + H) (a
    multiply and an add per weight and sequence), bytes = s·4H(I + H) (every weight read once per
    step; states and biases are ignored). Expected values from
    :func:`lstmlib.reference.cost.lstm_step_flops` and :func:`~lstmlib.reference.cost.lstm_step_bytes`."""
    from lstmlib.reference import cost  # the cost model of one step (plotted by lstmlib.viz.roofline)

    what = "lstm_step_cost"
    cases = [Case(name, {"batch": B, "input_size": I, "hidden_size": H, "bytes_per_value": s}, {})
             for name, B, I, H, s in [("the chapter's step", 64, 1024, 1024, 4), ("bf16", 64, 1024, 1024, 2),
                                      ("batch 1", 1, 256, 512, 4), ("I ≠ H", 8, 32, 100, 4), ("tiny", 3, 1, 1, 8)]]

    def call(case):
        flops, nbytes = _unpack(_call(student_fn, case, what), ["flops", "bytes"], what)
        return {"flops": _to_array("flops", flops, (), what, case), "bytes": _to_array("bytes", nbytes, (), what, case)}

    def reference(case):
        a = case.args
        return {"flops": np.array(cost.lstm_step_flops(a["batch"], a["input_size"], a["hidden_size"])),
                "bytes": np.array(cost.lstm_step_bytes(a["input_size"], a["hidden_size"], a["bytes_per_value"]))}

    def variant(mult_adds=False, gates=4, recurrent_only=False, bytes_times_batch=False, bytes_in_values=False):
        def outputs(case):
            B, I, H, s = (case.args[k] for k in ("batch", "input_size", "hidden_size", "bytes_per_value"))
            inputs = H if recurrent_only else I + H
            weights = gates * H * inputs
            flops = (1 if mult_adds else 2) * B * weights
            nbytes = (1 if bytes_in_values else s) * weights * (B if bytes_times_batch else 1)
            return {"flops": np.array(float(flops)), "bytes": np.array(float(nbytes))}
        return outputs

    mistakes = [
        Mistake("you counted multiply–adds; a FLOP count counts the multiply and the add: 2·B·4H(I + H).",
                variant(mult_adds=True)),
        Mistake("the four gates are missing: W_x and W_h have 4H columns (i, f, g, o).", variant(gates=1)),
        Mistake("only the recurrent product h W_h is counted; the input product x W_x is in the step too: (I + H).",
                variant(recurrent_only=True)),
        Mistake("the bytes grow with the batch; the weights are read once per step for all B sequences — "
                "that reuse is what the intensity 2B/s measures.", variant(bytes_times_batch=True)),
        Mistake("the bytes count values, not bytes: multiply by s = bytes_per_value.", variant(bytes_in_values=True)),
    ]

    def hints(failures, cases, outputs, wants):
        return "FLOPs = 2·B·4H·(I + H), bytes = s·4H·(I + H); their ratio is the intensity 2B/s."

    _run_check("LSTM step cost (flops, bytes)", student_fn, cases, call, reference, mistakes, ["flops", "bytes"], hints)


def _coupled_variant(kind):
    def outputs(case):
        a = case.args
        a_i, a_f, a_g, a_o = _blocks(a["x_t"] @ a["W_x"] + a["h_prev"] @ a["W_h"] + a["b"], 4)
        if kind == "from input block":
            i = _sig(a_i)
            f = 1 - i
        elif kind == "uncoupled":
            i, f = _sig(a_i), _sig(a_f)
        elif kind == "i equals f":
            i = f = _sig(a_f)
        else:
            raise ValueError(kind)
        c = f * a["c_prev"] + i * np.tanh(a_g)
        return {"h": _sig(a_o) * np.tanh(c), "c": c}
    return outputs


def check_coupled_lstm_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(x_t, h_prev, c_prev, W_x, W_h, b) -> (h, c)``, one step of the LSTM with
    coupled input and forget gates (CIFG, Greff et al. 2017; chapter 7): i_t = 1 − f_t, so the
    cell writes exactly as much as it forgets. Same shapes and 4H layout as
    :func:`check_lstm_step`; the input gate's block [0:H] is present but unused. Expected values
    from :func:`lstmlib.reference.lstm_step_forward` with ``LSTMOptions(coupled=True)``."""
    what = "coupled lstm_step"
    cases = _cell_cases(np.random.default_rng(seed), 4, with_c=True)

    def reference(case):
        a = case.args
        return _lstm_variant_reference(case, {"W_x": a["W_x"], "W_h": a["W_h"], "b": a["b"]},
                                       ref.LSTMOptions(coupled=True))

    mistakes = [
        Mistake("you computed the input gate from its block and set f = 1 − i; CIFG keeps the forget gate "
                "(block [H:2H]) and derives i = 1 − f from it.", _coupled_variant("from input block")),
        Mistake("the gates are not coupled: your numbers are those of the plain LSTM. Set i = 1 − f.",
                _coupled_variant("uncoupled")),
        Mistake("you set i = f; the coupling is i = 1 − f (write as much as is forgotten).", _coupled_variant("i equals f")),
    ]

    def hints(failures, cases, outputs, wants):
        return _edge_hint([f[0] for f in failures], cases) or (
            "compute f, g, o as in the plain LSTM (blocks [H:2H], [2H:3H], [3H:4H]), then i = 1 − f.")

    _run_check("coupled-gate LSTM step (h, c)", student_fn, cases, _hc_caller(student_fn, what), reference,
               mistakes, ["h", "c"], hints)
