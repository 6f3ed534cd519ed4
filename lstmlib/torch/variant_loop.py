r"""The time loop for the variants that PyTorch's fused kernels (cuDNN on a GPU) cannot run.

A plain LSTM/GRU/RNN never comes here: :mod:`lstmlib.torch.modules` dispatches it to
``nn.LSTM``/``nn.GRU``/``nn.RNN`` (a residual stack of plain cells: to PyTorch's kernel, one layer
at a time). Peepholes, removed gates, coupled gates and the GRU with the
reset gate *before* the recurrent product need their own loop, written so that each step does as
little as possible:

1. **The input projection is hoisted.** ``x_t W_x + b`` does not depend on ``h_{t-1}``, so all
   ``T`` steps are one matrix product ``(T·B, I) @ (I, 4H)`` before the loop. Only the recurrent
   product ``h_{t-1} W_h`` stays inside, as a single ``addmm`` per step.
2. **One step is a handful of element-wise ops** on the ``(B, 4H)`` pre-activations, split with
   ``chunk`` (views, no copies).
3. **Backends.** ``"handwritten"`` (default) runs an LSTM layer as one autograd node whose forward
   works in place in preallocated buffers and whose backward is written out by hand (the
   derivations of chapters 4 and 6, as in :mod:`lstmlib.reference`); the GRU likewise.
   ``"autograd"`` runs the step under autograd, one node per op (the gate probes use it).
   ``"script"`` puts the step through TorchScript (fuses the element-wise ops on a GPU;
   deprecated upstream, so opt-in). Each backend is tested against the reference on a CPU.
   (A ``torch.compile`` backend was dropped: compiling took longer than a chapter's whole budget
   on a CPU, and it was never measured.)
4. **CUDA graphs** (``cuda_graph=True`` on the modules) capture the whole loop, forward and
   backward, so a small batch is no longer bound by the launch latency of ~10 kernels per step.
   See :func:`graphed`. *Untested on the course's CPU machines*: the tests that exercise capture
   and replay are marked ``gpu`` and skip without a CUDA device, and the speed-ups are not yet
   measured (``benchmarks/RESULTS.md``).

LSTM, book notation (gate order i, f, g, o; row vectors; PyTorch stores ``weight_ih = W_x^T``):

.. math::

    i_t &= σ(x_t W_{xi} + h_{t-1} W_{hi} + b_i + p_i ⊙ c_{t-1}) \\
    f_t &= σ(x_t W_{xf} + h_{t-1} W_{hf} + b_f + p_f ⊙ c_{t-1}) \\
    g_t &= \tanh(x_t W_{xg} + h_{t-1} W_{hg} + b_g) \\
    c_t &= f_t ⊙ c_{t-1} + i_t ⊙ g_t \\
    o_t &= σ(x_t W_{xo} + h_{t-1} W_{ho} + b_o + p_o ⊙ c_t) \\
    h_t &= o_t ⊙ \tanh(c_t)

A removed gate is the constant 1 (its weight block stays in the ``4H`` layout, unused); a removed
activation is the identity; ``coupled`` sets ``i_t = 1 − f_t`` (Greff et al. 2017, "CIFG").

GRU (``z`` update, ``r`` reset, blocks stored r, z, g like PyTorch's r, z, n). The candidate
with the reset applied after the recurrent product (PyTorch, cuDNN), and before it (Cho et al.
2014), then the update:

.. math::

    g_t &= \tanh(x_t W_{xg} + b_{xg} + r_t ⊙ (h_{t-1} W_{hg} + b_{hg})) \\
    g_t &= \tanh(x_t W_{xg} + b_{xg} + (r_t ⊙ h_{t-1}) W_{hg} + b_{hg}) \\
    h_t &= z_t ⊙ h_{t-1} + (1 − z_t) ⊙ g_t
"""
from __future__ import annotations

import warnings
from typing import Optional

import torch

from ..reference.lstm import LSTMOptions  # the one definition of which parts a cell has

__all__ = [
    "BACKENDS",
    "project_inputs",
    "lstm_layer",
    "gru_layer",
    "graphed",
]

BACKENDS = ("handwritten", "autograd", "script")


def project_inputs(x: torch.Tensor, weight_ih: torch.Tensor, *biases: Optional[torch.Tensor]) -> torch.Tensor:
    """``x_t W_x + b`` for every step at once: ``(T, B, I) → (T, B, G·H)``.

    Hoisted out of the loop because it does not depend on the state: one large matrix product
    runs near the machine's peak, ``T`` small ones do not.
    """
    bias = None
    for b in biases:
        if b is not None:
            bias = b if bias is None else bias + b
    seq_len, batch, features = x.shape
    flat = x.reshape(seq_len * batch, features)  # explicit sizes: B = 0 is a valid (empty) batch
    out = torch.addmm(bias, flat, weight_ih.t()) if bias is not None else flat @ weight_ih.t()
    return out.view(seq_len, batch, weight_ih.shape[0])  # (T, B, G·H)


# --------------------------------------------------------------------------------------------
# One step of each cell. Kept free of Python objects other than tensors and bools so that the
# same function can be scripted.
# --------------------------------------------------------------------------------------------
def lstm_step(
    xw_t: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    w_hh_t: torch.Tensor,
    peephole: Optional[torch.Tensor],
    forget_gate: bool,
    input_gate: bool,
    output_gate: bool,
    input_activation: bool,
    output_activation: bool,
    coupled: bool,
):
    """One LSTM step from the hoisted input projection ``xw_t`` (B, 4H); returns h, c, i, f, g, o."""
    pre = torch.addmm(xw_t, h, w_hh_t)  # (B, 4H): x_t W_x + b + h_{t-1} W_h
    a_i, a_f, a_g, a_o = pre.chunk(4, 1)
    if peephole is not None:
        # Peepholes look at the *previous* cell for i and f, and at the *new* cell for o (Gers 2002).
        a_i = a_i + peephole[0] * c
        a_f = a_f + peephole[1] * c
    f = torch.sigmoid(a_f) if forget_gate else torch.ones_like(a_f)
    if coupled:
        i = 1.0 - f
    elif input_gate:
        i = torch.sigmoid(a_i)
    else:
        i = torch.ones_like(a_i)
    g = torch.tanh(a_g) if input_activation else a_g
    c = f * c + i * g
    if peephole is not None:
        a_o = a_o + peephole[2] * c
    o = torch.sigmoid(a_o) if output_gate else torch.ones_like(a_o)
    h = o * torch.tanh(c) if output_activation else o * c
    return h, c, i, f, g, o


def gru_step(
    xw_t: torch.Tensor,
    h: torch.Tensor,
    w_hh_t: torch.Tensor,
    b_hh: Optional[torch.Tensor],
    reset_after: bool,
):
    """One GRU step from the hoisted ``xw_t = x_t W_x + b_x`` (B, 3H); returns h, r, z, g."""
    hidden = h.shape[1]
    x_r, x_z, x_g = xw_t.chunk(3, 1)
    if reset_after:
        hw = h @ w_hh_t if b_hh is None else torch.addmm(b_hh, h, w_hh_t)  # (B, 3H)
        h_r, h_z, h_g = hw.chunk(3, 1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        g = torch.tanh(x_g + r * h_g)
    else:
        # The candidate's recurrent product needs r_t first, so it cannot share the matmul
        # with r and z: two products per step (2H and H columns).
        w_rz, w_g = w_hh_t[:, : 2 * hidden], w_hh_t[:, 2 * hidden :]
        hw = h @ w_rz if b_hh is None else torch.addmm(b_hh[: 2 * hidden], h, w_rz)
        h_r, h_z = hw.chunk(2, 1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        hg = (r * h) @ w_g if b_hh is None else torch.addmm(b_hh[2 * hidden :], r * h, w_g)
        g = torch.tanh(x_g + hg)
    h = g + z * (h - g)  # = z ⊙ h_{t-1} + (1 − z) ⊙ g_t, one op fewer
    return h, r, z, g


# --------------------------------------------------------------------------------------------
# Backends for the step.
# --------------------------------------------------------------------------------------------
_STEP_CACHE: dict = {}


def _steps(backend: str):
    """(lstm_step, gru_step) for a backend, built once per process."""
    if backend in ("handwritten", "autograd"):
        return lstm_step, gru_step
    if backend not in _STEP_CACHE:
        if backend == "script":
            with warnings.catch_warnings():
                # TorchScript is deprecated upstream but still the cheapest fuser to start.
                warnings.simplefilter("ignore", DeprecationWarning)
                _STEP_CACHE[backend] = tuple(torch.jit.script(f) for f in (lstm_step, gru_step))
        else:  # validated by the modules; kept for direct callers
            raise ValueError(f"backend: expected one of {list(BACKENDS)}, got {backend!r}")
    return _STEP_CACHE[backend]


# --------------------------------------------------------------------------------------------
# The default backend: the LSTM layer as one autograd node with a hand-written backward.
# --------------------------------------------------------------------------------------------
class _LSTMSequence(torch.autograd.Function):
    r"""One LSTM layer, one direction, forward in time, as a single autograd node.

    Why: a per-step Python loop under autograd records ~15 nodes per step, and on a CPU at the
    course's sizes that bookkeeping costs more than the arithmetic. Here the forward runs in
    place into preallocated buffers without recording anything, and the backward is the one of
    :mod:`lstmlib.reference.lstm` (the chapter-4 derivation): per step only the element-wise
    chain and ``dh_{t-1} = dA_t W_h^T``; the weight gradients are single products over all steps,

    .. math::  ∂L/∂W_h = \sum_t h_{t-1}^T dA_t, \quad ∂L/∂W_x = \sum_t x_t^T dA_t, \quad ∂L/∂b = \sum_{t,b} dA_t

    where ``dA_t`` (B, 4H) is the gradient of the gates' pre-activations.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, peephole, options):
        T, B, _ = x.shape
        H = h0.shape[1]
        gates = project_inputs(x, weight_ih, bias_ih, bias_hh).contiguous()  # (T, B, 4H): pre-act., then gates
        cells = x.new_empty(T + 1, B, H)  # c_0 … c_T
        hiddens = x.new_empty(T + 1, B, H)  # h_0 … h_T
        squashed = x.new_empty(T, B, H)  # tanh(c_t) (or c_t), reused by the backward
        cells[0] = c0
        hiddens[0] = h0
        w_hh_t = weight_hh.t()
        for t in range(T):
            A, c_prev, c = gates[t], cells[t], cells[t + 1]
            A.addmm_(hiddens[t], w_hh_t)
            i, f, g, o = A[:, :H], A[:, H : 2 * H], A[:, 2 * H : 3 * H], A[:, 3 * H :]
            if peephole is not None:
                i.addcmul_(peephole[0], c_prev)
                f.addcmul_(peephole[1], c_prev)
            A[:, : 2 * H].sigmoid_()  # i and f together: one contiguous block
            if not options.forget_gate:
                f.fill_(1.0)
            if options.coupled:
                torch.neg(f, out=i).add_(1.0)
            elif not options.input_gate:
                i.fill_(1.0)
            if options.input_activation:
                g.tanh_()
            torch.mul(f, c_prev, out=c)
            c.addcmul_(i, g)
            if peephole is not None:
                o.addcmul_(peephole[2], c)
            if options.output_gate:
                o.sigmoid_()
            else:
                o.fill_(1.0)
            if options.output_activation:
                torch.tanh(c, out=squashed[t])
            else:
                squashed[t].copy_(c)
            torch.mul(o, squashed[t], out=hiddens[t + 1])
        ctx.options = options
        ctx.save_for_backward(x, weight_ih, weight_hh, bias_ih, bias_hh, peephole, gates, cells, hiddens, squashed)
        return hiddens[1:].clone(), hiddens[T].clone(), cells[T].clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_hT, d_cT):
        x, weight_ih, weight_hh, bias_ih, bias_hh, peephole, gates, cells, hiddens, squashed = ctx.saved_tensors
        opt = ctx.options
        T, B, H = squashed.shape
        d_gates = torch.zeros_like(gates)  # dA (T, B, 4H); a removed gate's block stays 0
        dh = torch.zeros_like(hiddens[0]) if d_hT is None else d_hT.clone()
        dc = torch.zeros_like(cells[0]) if d_cT is None else d_cT.clone()
        for t in range(T - 1, -1, -1):
            if d_out is not None:
                dh += d_out[t]
            A, dA, c_prev, k = gates[t], d_gates[t], cells[t], squashed[t]
            i, f, g, o = A[:, :H], A[:, H : 2 * H], A[:, 2 * H : 3 * H], A[:, 3 * H :]
            da_i, da_f, da_g, da_o = dA[:, :H], dA[:, H : 2 * H], dA[:, 2 * H : 3 * H], dA[:, 3 * H :]
            dk = dh * o
            dc += dk * (1 - k * k) if opt.output_activation else dk  # dc_t
            if opt.output_gate:
                torch.mul(dh * k, o * (1 - o), out=da_o)
                if peephole is not None:  # o_t looked at c_t
                    dc.addcmul_(da_o, peephole[2])
            torch.mul(dc, i, out=da_g)  # ∂L/∂g, then through tanh below
            if opt.input_activation:
                da_g.mul_(1 - g * g)
            d_i = dc * g
            d_f = dc * c_prev
            if opt.coupled:  # i = 1 − f: the input gate's gradient arrives at f, negated
                d_f -= d_i
            elif opt.input_gate:
                torch.mul(d_i, i * (1 - i), out=da_i)
            if opt.forget_gate:
                torch.mul(d_f, f * (1 - f), out=da_f)
            dc = dc * f  # dc_{t-1}
            if peephole is not None:
                dc.addcmul_(da_i, peephole[0]).addcmul_(da_f, peephole[1])
            dh = dA @ weight_hh  # (B, 4H) @ (4H, H): dh_{t-1}
        flat = d_gates.view(T * B, 4 * H)
        grads = [None] * 9
        if ctx.needs_input_grad[0]:
            grads[0] = (flat @ weight_ih).view(T, B, weight_ih.shape[1])
        grads[1], grads[2] = dh, dc
        if ctx.needs_input_grad[3]:
            grads[3] = flat.t() @ x.reshape(T * B, x.shape[2])
        if ctx.needs_input_grad[4]:
            grads[4] = flat.t() @ hiddens[:-1].reshape(T * B, H)
        if bias_ih is not None or bias_hh is not None:
            db = flat.sum(0)
            grads[5] = db if bias_ih is not None else None
            grads[6] = db if bias_hh is not None else None
        if peephole is not None and ctx.needs_input_grad[7]:
            grads[7] = torch.stack([
                (d_gates[..., :H] * cells[:-1]).sum((0, 1)),  # p_i saw c_{t-1}
                (d_gates[..., H : 2 * H] * cells[:-1]).sum((0, 1)),  # p_f saw c_{t-1}
                (d_gates[..., 3 * H :] * cells[1:]).sum((0, 1)),  # p_o saw c_t
            ])
        return tuple(grads)


class _GRUSequence(torch.autograd.Function):
    r"""One GRU layer, one direction, forward in time, as a single autograd node (see
    :class:`_LSTMSequence` for why). The backward is the one of :mod:`lstmlib.reference.gru`:
    with ``dA`` the gradient of ``h_{t-1} W_h + b_h`` (reset after) — or of its r, z blocks and of
    ``(r ⊙ h_{t-1}) W_{hg} + b_{hg}`` (reset before) — the weight gradients are single products
    over all steps.
    """

    @staticmethod
    def forward(ctx, x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after):
        T, B, _ = x.shape
        H = h0.shape[1]
        gates = project_inputs(x, weight_ih, bias_ih).contiguous()  # (T, B, 3H): x W_x + b_x, then r, z, g
        recurrent = x.new_empty(T, B, H)  # reset after: h W_hg + b_hg (r multiplies it); before: (r ⊙ h) W_hg + b_hg
        hiddens = x.new_empty(T + 1, B, H)
        hiddens[0] = h0
        w_t = weight_hh.t()  # (H, 3H)
        for t in range(T):
            A, h = gates[t], hiddens[t]
            rz, g = A[:, : 2 * H], A[:, 2 * H :]
            rz.addmm_(h, w_t[:, : 2 * H])
            if bias_hh is not None:
                rz.add_(bias_hh[: 2 * H])
            rz.sigmoid_()
            r, z = A[:, :H], A[:, H : 2 * H]
            source = h if reset_after else r * h
            if bias_hh is not None:
                torch.addmm(bias_hh[2 * H :], source, w_t[:, 2 * H :], out=recurrent[t])
            else:
                torch.mm(source, w_t[:, 2 * H :], out=recurrent[t])
            if reset_after:
                g.addcmul_(r, recurrent[t])
            else:
                g.add_(recurrent[t])
            g.tanh_()
            torch.sub(h, g, out=hiddens[t + 1])  # h_t = g + z ⊙ (h_{t-1} − g)
            hiddens[t + 1].mul_(z).add_(g)
        ctx.reset_after = reset_after
        ctx.has_bias = (bias_ih is not None, bias_hh is not None)
        ctx.save_for_backward(x, weight_ih, weight_hh, gates, recurrent, hiddens)
        return hiddens[1:].clone(), hiddens[T].clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_hT):
        x, weight_ih, weight_hh, gates, recurrent, hiddens = ctx.saved_tensors
        T, B, H = recurrent.shape
        d_x_side = torch.empty_like(gates)  # ∂L/∂(x_t W_x + b_x)
        d_h_side = torch.empty_like(gates)  # ∂L/∂(recurrent pre-activations)
        dh = torch.zeros_like(hiddens[0]) if d_hT is None else d_hT.clone()
        w_rz, w_g = weight_hh[: 2 * H], weight_hh[2 * H :]  # (2H, H), (H, H)
        for t in range(T - 1, -1, -1):
            if d_out is not None:
                dh += d_out[t]
            A, h = gates[t], hiddens[t]
            r, z, g = A[:, :H], A[:, H : 2 * H], A[:, 2 * H :]
            dX, dHs = d_x_side[t], d_h_side[t]
            da_g = dX[:, 2 * H :]
            torch.mul(dh * (1 - z), 1 - g * g, out=da_g)  # through h_t = … + (1 − z) g, then tanh
            torch.mul(dh * (h - g), z * (1 - z), out=dX[:, H : 2 * H])  # ∂L/∂a_z
            dh_prev = dh * z
            if ctx.reset_after:
                torch.mul(da_g, r, out=dHs[:, 2 * H :])
                d_r = da_g * recurrent[t]
            else:
                dHs[:, 2 * H :] = da_g
                d_rh = da_g @ w_g  # ∂L/∂(r ⊙ h_{t-1})
                d_r = d_rh * h
                dh_prev.addcmul_(d_rh, r)
            torch.mul(d_r, r * (1 - r), out=dX[:, :H])  # ∂L/∂a_r
            dHs[:, : 2 * H] = dX[:, : 2 * H]  # r and z see x and h through the same sum
            if ctx.reset_after:
                dh = dh_prev + dHs @ weight_hh
            else:
                dh = dh_prev + dHs[:, : 2 * H] @ w_rz
        flat_x = d_x_side.view(T * B, 3 * H)
        flat_h = d_h_side.view(T * B, 3 * H)
        h_prev = hiddens[:-1].reshape(T * B, H)
        grads = [None] * 7
        if ctx.needs_input_grad[0]:
            grads[0] = (flat_x @ weight_ih).view(T, B, weight_ih.shape[1])
        grads[1] = dh
        if ctx.needs_input_grad[2]:
            grads[2] = flat_x.t() @ x.reshape(T * B, x.shape[2])
        if ctx.needs_input_grad[3]:
            if ctx.reset_after:
                grads[3] = flat_h.t() @ h_prev
            else:
                rh = (gates[..., :H] * hiddens[:-1]).reshape(T * B, H)  # what W_hg multiplied
                grads[3] = torch.cat([flat_h[:, : 2 * H].t() @ h_prev, flat_h[:, 2 * H :].t() @ rh])
        if ctx.has_bias[0]:
            grads[4] = flat_x.sum(0)
        if ctx.has_bias[1]:
            grads[5] = flat_h.sum(0)
        return tuple(grads)


def _apply_handwritten(function, *args):
    """``function.apply(*args)``, made safe under ``torch.autocast``.

    The hand-written passes work in place, and in-place ops are not autocast: a bfloat16
    projection meeting float32 weights would fail. Under autocast every floating-point tensor is
    cast to the autocast dtype first (differentiable casts, outside the node), and the node runs
    with autocast off — what ``nn.LSTM`` does too.
    """
    device_type = next(a for a in args if isinstance(a, torch.Tensor)).device.type
    if not torch.is_autocast_enabled(device_type):
        return function.apply(*args)
    dtype = torch.get_autocast_dtype(device_type)
    cast = [a.to(dtype) if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args]
    with torch.autocast(device_type, enabled=False):
        return function.apply(*cast)


# --------------------------------------------------------------------------------------------
# Layers: one direction of one layer, over the whole sequence.
# --------------------------------------------------------------------------------------------
def _scan(step, xw: torch.Tensor, state: tuple, reverse: bool, keep: tuple):
    """Run ``step(xw_t, state) -> (state, values)`` over time; ``state[0]`` is h_t.

    Returns ``(out (T, B, H), final state, gates)``; ``gates`` maps the names in ``keep`` to the
    stacked ``values`` (plus ``"h"``), in the input's time order, or is ``None`` when ``keep`` is
    empty. The reverse direction walks t = T … 1 and its outputs are put back in input order, as
    PyTorch aligns them.
    """
    order = range(xw.shape[0] - 1, -1, -1) if reverse else range(xw.shape[0])
    outs = []
    kept = [[] for _ in keep]
    for t in order:
        state, values = step(xw[t], state)
        outs.append(state[0])
        for store, value in zip(kept, values):
            store.append(value)
    if reverse:
        outs.reverse()
        for store in kept:
            store.reverse()
    out = torch.stack(outs)  # (T, B, H)
    if not keep:
        return out, state, None
    gates = {name: torch.stack(store) for name, store in zip(keep, kept)}
    gates["h"] = out
    return out, state, gates


def lstm_layer(
    x: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: Optional[torch.Tensor],
    bias_hh: Optional[torch.Tensor],
    peephole: Optional[torch.Tensor],
    options: LSTMOptions,
    reverse: bool = False,
    keep_gates: bool = False,
    backend: str = "handwritten",
):
    """Run one LSTM layer in one direction.

    Shapes: ``x`` (T, B, I), ``h0``/``c0`` (B, H), ``weight_ih`` (4H, I), ``weight_hh`` (4H, H),
    biases (4H,), ``peephole`` (3, H) rows p_i, p_f, p_o, or ``None``.

    Returns ``(out (T, B, H), h_T, c_T, gates)`` where ``gates`` is ``None`` or, with
    ``keep_gates``, a dict of (T, B, H) tensors ``i, f, g, o, c, h`` in the original time order.
    """
    peep = peephole if options.peephole else None
    if backend == "handwritten" and not keep_gates:
        if reverse:  # the same cell on the time-reversed sequence, outputs put back in input order
            out, h, c = _apply_handwritten(_LSTMSequence, x.flip(0), h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, peep, options)
            return out.flip(0), h, c, None
        out, h, c = _apply_handwritten(_LSTMSequence, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, peep, options)
        return out, h, c, None
    cell, _ = _steps(backend)
    xw = project_inputs(x, weight_ih, bias_ih, bias_hh)  # (T, B, 4H)
    w_hh_t = weight_hh.t()  # (H, 4H): row-vector form h_{t-1} W_h
    flags = (options.forget_gate, options.input_gate, options.output_gate,
             options.input_activation, options.output_activation, options.coupled)

    def step(xw_t, state):
        h, c, i, f, g, o = cell(xw_t, state[0], state[1], w_hh_t, peep, *flags)
        return (h, c), (i, f, g, o, c)

    out, (h, c), gates = _scan(step, xw, (h0, c0), reverse, tuple("ifgoc") if keep_gates else ())
    return out, h, c, gates


def gru_layer(
    x: torch.Tensor,
    h0: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: Optional[torch.Tensor],
    bias_hh: Optional[torch.Tensor],
    reset_after: bool = True,
    reverse: bool = False,
    keep_gates: bool = False,
    backend: str = "handwritten",
):
    """Run one GRU layer in one direction; returns ``(out (T, B, H), h_T, gates)`` (gates r, z, g, h)."""
    if backend == "handwritten" and not keep_gates:
        if reverse:
            out, h = _apply_handwritten(_GRUSequence, x.flip(0), h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after)
            return out.flip(0), h, None
        out, h = _apply_handwritten(_GRUSequence, x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after)
        return out, h, None
    _, cell = _steps(backend)
    xw = project_inputs(x, weight_ih, bias_ih)  # (T, B, 3H); b_h stays inside (it meets r)
    w_hh_t = weight_hh.t()

    def step(xw_t, state):
        h, r, z, g = cell(xw_t, state[0], w_hh_t, bias_hh, reset_after)
        return (h,), (r, z, g)

    out, (h,), gates = _scan(step, xw, (h0,), reverse, tuple("rzg") if keep_gates else ())
    return out, h, gates


# --------------------------------------------------------------------------------------------
# CUDA graphs.
# --------------------------------------------------------------------------------------------
class _Core(torch.nn.Module):
    """A view of a module's parameters with a forward that bypasses its CUDA-graph switch.

    ``torch.cuda.make_graphed_callables`` tracks the parameters of the ``nn.Module`` it is given.
    Registering the *same* ``Parameter`` objects here (not a copy) means the graph reads and the
    optimizer writes one storage. The core is not a submodule of ``owner``, so the owner's
    ``state_dict`` and ``parameters()`` do not list anything twice.
    """

    def __init__(self, owner: torch.nn.Module, run):
        super().__init__()
        for i, p in enumerate(owner.parameters()):
            self.register_parameter(f"p{i}", p)
        self._run = run

    def forward(self, *tensors):
        return self._run(*tensors)


def _capture_inference(run, sample: tuple):
    """Capture ``run`` without autograd: one graph, static input and output buffers."""
    static_in = tuple(t.detach().clone() for t in sample)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up outside the capture: lazy inits, cuBLAS workspaces
        for _ in range(2):
            run(*static_in)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = run(*static_in)

    def replay(*args):
        for buffer, value in zip(static_in, args):
            if buffer.data_ptr() != value.data_ptr():
                buffer.copy_(value)
        graph.replay()
        # Copies, so that a later call cannot overwrite what the caller still holds.
        return tuple(o.clone() for o in static_out)

    return replay


def graphed(owner: torch.nn.Module, run, sample: tuple, cache: dict):
    """Return ``run`` captured as a CUDA graph for inputs shaped like ``sample`` (cached by shape,
    dtype, grad mode and train/eval mode).

    ``run(*tensors) -> tuple of tensors`` must be a pure function of its arguments and the
    owner's parameters. With gradients enabled, forward and backward are captured together by
    ``torch.cuda.make_graphed_callables`` (its outputs are static buffers, overwritten by the next
    call, as in PyTorch); without, one forward graph is captured. On a CPU this returns ``run``
    unchanged after one warning: graphs are a CUDA feature, and the caller asked for speed, not
    for an error.
    """
    if not all(t.is_cuda for t in sample):
        if not cache.get("_warned"):
            warnings.warn("cuda_graph=True needs CUDA tensors; running the ordinary loop instead", RuntimeWarning, stacklevel=3)
            cache["_warned"] = True
        return run
    grad = torch.is_grad_enabled()
    key = tuple((tuple(t.shape), t.dtype, t.requires_grad) for t in sample) + (grad, owner.training)
    fn = cache.get(key)
    if fn is None:
        if not grad:
            fn = _capture_inference(run, sample)
        else:
            # Graph capture replays fixed memory addresses: the wrapper copies each call's inputs
            # into static buffers cloned from the sample.
            core = _Core(owner, run)
            fn = torch.cuda.make_graphed_callables(
                core, tuple(t.detach().clone().requires_grad_(t.requires_grad) for t in sample),
                allow_unused_input=True,
            )
        cache[key] = fn
    return fn
