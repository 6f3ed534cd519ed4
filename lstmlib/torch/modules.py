r"""The course's recurrent models as PyTorch modules: ``LSTM``, ``GRU``, ``RNN``.

They *are* ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (subclasses): same constructor arguments, same
``(T, B, F)`` input (or ``batch_first``), same ``(out, (h_n, c_n))`` result and the same parameter
names and shapes (``weight_ih_l0`` (4H, I), ``weight_hh_l0`` (4H, H), ``bias_ih_l0``,
``bias_hh_l0``, ``..._reverse``). A state dict of a plain model loads into ``nn.LSTM`` and back.

What they add are the variants studied in the course:

============================  ==============================================================
``peephole=True``             ``p_i ⊙ c_{t-1}``, ``p_f ⊙ c_{t-1}``, ``p_o ⊙ c_t`` (Gers 2002);
                              extra parameter ``weight_peephole_l{k}`` (3, H), rows p_i, p_f, p_o
``forget_gate=False``…        a removed gate is the constant 1 (same for input/output gate)
``input_activation=False``    g_t without tanh; ``output_activation=False``: h_t = o_t ⊙ c_t
``coupled=True``              i_t = 1 − f_t (Greff et al. 2017, "CIFG")
``residual=True``             layer l ≥ 1 adds its input to its output (Wu et al. 2016, GNMT)
``reset_after=False``         GRU with r_t applied before the recurrent product (Cho 2014)
============================  ==============================================================

Dispatch: a configuration that PyTorch can run itself (every option at its default) calls the
parent's ``forward`` — PyTorch's fused CPU kernel or cuDNN — unchanged. Anything else runs the loop
in :mod:`lstmlib.torch.variant_loop` (input projection hoisted, one ``addmm`` per step). ``model.variant``
says which configuration a model is, ``model.is_plain`` whether it dispatches to PyTorch.

Equations (book notation) are in :mod:`lstmlib.torch.variant_loop`; the NumPy twins with hand-written
backward passes are in :mod:`lstmlib.reference`, and the tests hold the two equal to 1e-10.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import nn

from .. import validate
from . import variant_loop
from .variant_loop import LSTMOptions

__all__ = ["LSTM", "GRU", "RNN", "lstm_gates", "gru_gates", "set_forget_bias", "check_tensor"]


def check_tensor(name: str, x, shape, bind: Optional[dict] = None) -> torch.Tensor:
    """The tensor twin of :func:`lstmlib.validate.check_float_array`: a floating-point
    ``torch.Tensor`` of the given shape spec (ints, ``None`` or symbols bound in ``bind``)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}")
    bind = {} if bind is None else bind
    expected = [bind.get(d, d) if isinstance(d, str) else d for d in shape]
    ok = x.dim() == len(shape) and all(
        not isinstance(want, int) or got == want for want, got in zip(expected, x.shape)
    )
    if not ok:
        shown = [f"{d}={bind[d]}" if isinstance(d, str) and d in bind else d for d in shape]
        raise ValueError(f"{name}: expected shape {validate.describe_shape(shown)}, got {tuple(x.shape)}")
    for want, got in zip(shape, x.shape):
        if isinstance(want, str) and want not in bind:
            bind[want] = got
    return x


class _Recurrent:
    """What LSTM, GRU and RNN share: input/state handling, the layer stack, CUDA graphs.

    A mixin placed before ``nn.RNNBase`` in the bases; subclasses define ``_n_states`` (2 for the
    LSTM's (h, c), 1 otherwise) and, where the cell has variants or can be probed,
    ``_layer(layer, direction, x, states, keep_gates)`` (the loop of :mod:`.variant_loop`).
    """

    _n_states = 1

    def _init_common(self, residual, cuda_graph, backend):
        self.residual = bool(residual)
        self.cuda_graph = bool(cuda_graph)
        self.backend = validate.check_choice("backend", backend, variant_loop.BACKENDS)
        self._graphs: dict = {}
        self._templates: dict = {}  # one-layer modules on the meta device, see _one_layer_module

    def _apply(self, fn, *args, **kwargs):
        # .to(), .half(), .cuda() may give the parameters new storage; captured graphs would
        # keep reading the old one.
        self._graphs = {}
        return super()._apply(fn, *args, **kwargs)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _variant_tags(self) -> list:
        return ["residual"] if self.residual else []

    @property
    def variant(self) -> str:
        """``"plain"`` or the non-default options joined by ``+``, e.g. ``"peephole+coupled"``."""
        tags = self._variant_tags()
        return "+".join(tags) if tags else "plain"

    @property
    def is_plain(self) -> bool:
        """True when the forward pass is PyTorch's own (fused CPU kernel or cuDNN).

        ``cuda_graph`` does not change this: a plain model already runs as one fused kernel per
        layer, and the graph is for the loop that the variants need.
        """
        return not self._variant_tags()

    def _cell_is_custom(self) -> bool:
        """True when the cell itself (not just the stacking) needs the loop of :mod:`.variant_loop`."""
        return False

    def extra_repr(self) -> str:
        return super().extra_repr() + f", variant={self.variant!r}"

    # ---------------------------------------------------------------- inputs and states
    def _prepare(self, input, hx):
        """Validate; return time-major ``x`` (T, B, I), the list of initial states, and
        whether the input was unbatched (T, I)."""
        if isinstance(input, nn.utils.rnn.PackedSequence):
            raise TypeError(
                f"input: expected a torch.Tensor for variant {self.variant!r}, got PackedSequence "
                "(pad the batch; only plain models accept packed sequences)"
            )
        bind = {}
        if isinstance(input, torch.Tensor) and input.dim() == 2:
            x = check_tensor("input", input, ("T", self.input_size), bind).unsqueeze(1)
            unbatched = True
        else:
            spec = ("B", "T", self.input_size) if self.batch_first else ("T", "B", self.input_size)
            x = check_tensor("input", input, spec, bind)
            if self.batch_first:
                x = x.transpose(0, 1)
            unbatched = False
        if x.shape[0] == 0:
            raise ValueError(f"input: expected a non-empty sequence (T ≥ 1), got shape {tuple(input.shape)}")
        weight_dtype = self.weight_ih_l0.dtype
        if x.dtype != weight_dtype:
            raise TypeError(
                f"input: expected dtype {weight_dtype} (the dtype of the model's weights), got {x.dtype} "
                f"(convert the input with .to({weight_dtype}) or the model with .to({x.dtype}))"
            )
        batch = x.shape[1]
        n = self.num_layers * self.num_directions
        if hx is None:
            states = [x.new_zeros(n, batch, self.hidden_size) for _ in range(self._n_states)]
        else:
            given = list(hx) if self._n_states == 2 else [hx]
            if self._n_states == 2 and (not isinstance(hx, (tuple, list)) or len(given) != 2):
                raise TypeError(f"hx: expected a tuple (h_0, c_0), got {type(hx).__name__}")
            names = ("h_0", "c_0")[: self._n_states]
            states = []
            for name, s in zip(names, given):
                if unbatched:
                    s = check_tensor(name, s, (n, self.hidden_size)).unsqueeze(1)
                else:
                    s = check_tensor(name, s, (n, batch, self.hidden_size))
                if s.dtype != x.dtype:
                    raise TypeError(f"{name}: expected dtype {x.dtype} (the dtype of the input), got {s.dtype}")
                states.append(s)
        return x, states, unbatched

    def _finish(self, out, finals, unbatched):
        if unbatched:
            out = out.squeeze(1)
            finals = [f.squeeze(1) for f in finals]
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, (tuple(finals) if self._n_states == 2 else finals[0])

    # ---------------------------------------------------------------- the stack
    def _layer_weights(self, layer: int, direction: int):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return (
            getattr(self, "weight_ih" + suffix),
            getattr(self, "weight_hh" + suffix),
            getattr(self, "bias_ih" + suffix) if self.bias else None,
            getattr(self, "bias_hh" + suffix) if self.bias else None,
        )

    def _unroll(self, x, states, keep_gates: bool = False):
        """Run the stack on time-major ``x``; returns ``(out, finals, gates_per_layer)``."""
        D = self.num_directions
        finals = [[] for _ in states]
        gates_per_layer = []
        layer_in = x
        for layer in range(self.num_layers):
            if self._cell_is_custom() or keep_gates:
                outs, layer_gates = [], []
                for d in range(D):
                    idx = layer * D + d
                    out_d, fin_d, gates_d = self._layer(layer, d, layer_in, [s[idx] for s in states], keep_gates)
                    outs.append(out_d)
                    layer_gates.append(gates_d)
                    for k, f in enumerate(fin_d):
                        finals[k].append(f)
                out = outs[0] if D == 1 else torch.cat(outs, dim=2)  # (T, B, D·H)
                if keep_gates:
                    gates_per_layer.append(
                        {k: torch.cat([g[k] for g in layer_gates], dim=2) for k in layer_gates[0]}
                    )
            else:  # residual stack of plain cells: PyTorch's kernel, one layer at a time
                sl = slice(layer * D, (layer + 1) * D)
                out, fin = self._plain_layers(layer_in, [s[sl] for s in states], layer)
                for k, f in enumerate(fin):
                    finals[k].extend(f.unbind(0))
            if self.residual and layer > 0:
                out = out + layer_in  # sizes agree: every layer ≥ 1 maps D·H → D·H
            if self.dropout and self.training and not keep_gates and layer < self.num_layers - 1:
                out = nn.functional.dropout(out, self.dropout, training=True)
            layer_in = out
        return layer_in, [torch.stack(f) for f in finals], gates_per_layer

    def _one_layer_module(self, layer: int) -> nn.Module:
        """A one-layer ``nn.LSTM``/``GRU``/``RNN`` shaped like ``layer`` of this stack, on the
        ``meta`` device (no storage): a template that :meth:`_plain_layers` calls with this
        layer's own parameters. Kept out of the registered submodules, so ``state_dict()`` and
        ``parameters()`` list nothing twice."""
        input_size = self.input_size if layer == 0 else self.num_directions * self.hidden_size
        key = (input_size, self.bias, self.bidirectional)
        templates = self._templates
        if key not in templates:
            base = type(self).__mro__[type(self).__mro__.index(_Recurrent) + 1]  # nn.LSTM, nn.GRU or nn.RNN
            kwargs = {"nonlinearity": self.nonlinearity} if base is nn.RNN else {}
            templates[key] = base(input_size, self.hidden_size, 1, bias=self.bias,
                                  bidirectional=self.bidirectional, device="meta", **kwargs)
        return templates[key]

    def _plain_layers(self, x, states, layer):
        """One layer (both directions) on PyTorch's own kernel, through public API: the template
        of :meth:`_one_layer_module` run by ``torch.func.functional_call`` with this layer's
        parameters (``weight_ih_l{layer}`` → the template's ``weight_ih_l0``...)."""
        template = self._one_layer_module(layer)
        params = {name: getattr(self, name.replace("_l0", f"_l{layer}", 1))
                  for name, _ in template.named_parameters()}
        hx = (states[0], states[1]) if self._n_states == 2 else states[0]
        out, final = torch.func.functional_call(template, params, (x, hx))
        return out, (tuple(final) if self._n_states == 2 else (final,))

    def forward(self, input, hx=None):
        if self.is_plain:
            if not isinstance(input, nn.utils.rnn.PackedSequence):
                self._prepare(input, hx)  # the same errors as the variants, before PyTorch's own
            return super().forward(input, hx)
        x, states, unbatched = self._prepare(input, hx)
        if self.cuda_graph:
            def run(x, *states):
                out, finals, _ = self._unroll(x, list(states))
                return (out, *finals)

            results = variant_loop.graphed(self, run, (x, *states), self._graphs)(x, *states)
            out, finals = results[0], list(results[1:])
        else:
            out, finals, _ = self._unroll(x, states)
        return self._finish(out, finals, unbatched)


def _check_common(input_size, hidden_size, num_layers, dropout, **flags):
    validate.check_positive_int("input_size", input_size)
    validate.check_positive_int("hidden_size", hidden_size)
    validate.check_positive_int("num_layers", num_layers)
    validate.check_probability("dropout", dropout)
    for name, flag in flags.items():  # a truthy string such as "False" must not switch a path on
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: expected a bool, got {type(flag).__name__} {flag!r}")


class LSTM(_Recurrent, nn.LSTM):
    r"""``nn.LSTM`` with the course's variants (see the module docstring for the options).

    ``forward(input, hx=None) -> (output, (h_n, c_n))`` exactly like ``nn.LSTM``.

    ``forget_bias`` is *added* to the forget-gate block of ``bias_ih`` after PyTorch's uniform
    initialisation: 1.0 makes ``f_t ≈ σ(1) ≈ 0.73`` at the start, so the cell remembers by default
    and gradients flow through time from the first step (Gers et al. 2000; Jozefowicz et al. 2015).
    The default 0.0 leaves the initialisation identical to ``nn.LSTM`` under the same seed.
    """

    _n_states = 2

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        residual: bool = False,
        peephole: bool = False,
        forget_gate: bool = True,
        input_gate: bool = True,
        output_gate: bool = True,
        input_activation: bool = True,
        output_activation: bool = True,
        coupled: bool = False,
        forget_bias: float = 0.0,
        dropout: float = 0.0,
        cuda_graph: bool = False,
        device=None,
        dtype=None,
        backend: str = "handwritten",
    ):
        _check_common(input_size, hidden_size, num_layers, dropout, bias=bias, batch_first=batch_first,
                      bidirectional=bidirectional, residual=residual, cuda_graph=cuda_graph)
        if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float)) or not math.isfinite(forget_bias):
            raise TypeError(f"forget_bias: expected a finite float, got {forget_bias!r}")
        # Checks each flag is a bool and that coupled has both gates to couple.
        self.options = LSTMOptions(
            forget_gate=forget_gate, input_gate=input_gate, output_gate=output_gate,
            input_activation=input_activation, output_activation=output_activation,
            peephole=peephole, coupled=coupled,
        )
        self.forget_bias = float(forget_bias)
        nn.LSTM.__init__(
            self, input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first,
            dropout=float(dropout), bidirectional=bidirectional, device=device, dtype=dtype,
        )
        self._init_common(residual, cuda_graph, backend)
        if self.options.peephole:
            factory = {"device": device, "dtype": dtype}
            for layer in range(num_layers):
                for d in range(self.num_directions):
                    self.register_parameter(
                        self._peephole_name(layer, d), nn.Parameter(torch.empty(3, hidden_size, **factory))
                    )
            self._init_peepholes()

    @staticmethod
    def _peephole_name(layer: int, direction: int) -> str:
        return f"weight_peephole_l{layer}" + ("_reverse" if direction else "")

    def _init_peepholes(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith("weight_peephole"):
                    p.uniform_(-bound, bound)

    def reset_parameters(self) -> None:
        super().reset_parameters()  # uniform(−1/√H, 1/√H) on every parameter, peepholes included
        fb = getattr(self, "forget_bias", 0.0)
        if fb and self.bias:
            H = self.hidden_size
            with torch.no_grad():
                for name, p in self.named_parameters():
                    if name.startswith("bias_ih"):
                        p[H : 2 * H] += fb

    def _variant_tags(self) -> list:
        f = self.options
        tags = ["peephole"] if f.peephole else []
        tags += [f"no-{name.replace('_', '-')}" for name in ("forget_gate", "input_gate", "output_gate", "input_activation", "output_activation") if not getattr(f, name)]
        if f.coupled:
            tags.append("coupled")
        return tags + super()._variant_tags()

    def _cell_is_custom(self) -> bool:
        return self.options != LSTMOptions()

    def _layer(self, layer, direction, x, states, keep_gates):
        w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
        peep = getattr(self, self._peephole_name(layer, direction)) if self.options.peephole else None
        out, h, c, gates = variant_loop.lstm_layer(
            x, states[0], states[1], w_ih, w_hh, b_ih, b_hh, peep, self.options,
            reverse=bool(direction), keep_gates=keep_gates, backend=self.backend,
        )
        return out, (h, c), gates



class GRU(_Recurrent, nn.GRU):
    r"""``nn.GRU`` with the reset gate's placement as an option and residual stacks.

    ``reset_after=True`` (default) is PyTorch's/cuDNN's GRU and dispatches to ``nn.GRU``;
    ``reset_after=False`` applies r_t to h_{t-1} before the recurrent product (Cho et al. 2014).
    Parameters as ``nn.GRU``: ``weight_ih_l0`` (3H, I), blocks r, z, g (PyTorch's r, z, n).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        residual: bool = False,
        reset_after: bool = True,
        dropout: float = 0.0,
        cuda_graph: bool = False,
        device=None,
        dtype=None,
        backend: str = "handwritten",
    ):
        _check_common(input_size, hidden_size, num_layers, dropout, bias=bias, batch_first=batch_first,
                      bidirectional=bidirectional, residual=residual, reset_after=reset_after, cuda_graph=cuda_graph)
        self.reset_after = reset_after
        nn.GRU.__init__(
            self, input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first,
            dropout=float(dropout), bidirectional=bidirectional, device=device, dtype=dtype,
        )
        self._init_common(residual, cuda_graph, backend)

    def _variant_tags(self) -> list:
        return ([] if self.reset_after else ["reset-before"]) + super()._variant_tags()

    def _cell_is_custom(self) -> bool:
        return not self.reset_after

    def _layer(self, layer, direction, x, states, keep_gates):
        w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
        out, h, gates = variant_loop.gru_layer(
            x, states[0], w_ih, w_hh, b_ih, b_hh, self.reset_after,
            reverse=bool(direction), keep_gates=keep_gates, backend=self.backend,
        )
        return out, (h,), gates



class RNN(_Recurrent, nn.RNN):
    r"""``nn.RNN`` (Elman: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``) with residual stacks."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
        residual: bool = False,
        dropout: float = 0.0,
        cuda_graph: bool = False,
        device=None,
        dtype=None,
        backend: str = "handwritten",
    ):
        _check_common(input_size, hidden_size, num_layers, dropout, bias=bias, batch_first=batch_first,
                      bidirectional=bidirectional, residual=residual, cuda_graph=cuda_graph)
        validate.check_choice("nonlinearity", nonlinearity, ["tanh", "relu"])
        nn.RNN.__init__(
            self, input_size, hidden_size, num_layers, nonlinearity=nonlinearity, bias=bias,
            batch_first=batch_first, dropout=float(dropout), bidirectional=bidirectional,
            device=device, dtype=dtype,
        )
        self._init_common(residual, cuda_graph, backend)



def set_forget_bias(module: nn.LSTM, value: float = 1.0) -> nn.LSTM:
    """Set the forget-gate bias of every layer and direction of an ``nn.LSTM`` to ``value``.

    The gate sees ``bias_ih + bias_hh``: the forget block (rows H…2H, gate order i, f, g, o) of
    ``bias_ih`` becomes ``value`` and that of ``bias_hh`` 0. With 1, ``f_t ≈ σ(1) ≈ 0.73`` at the
    start: cells keep their content and early gradients reach far back (Gers et al. 2000;
    Jozefowicz et al. 2015). (:class:`LSTM`'s ``forget_bias`` instead *adds* to PyTorch's
    initialisation.) Returns ``module``.
    """
    if not isinstance(module, nn.LSTM):
        raise TypeError(f"module: expected an nn.LSTM, got {type(module).__name__}")
    if not module.bias:
        raise ValueError("module: expected an LSTM with biases (bias=True), got bias=False")
    H = module.hidden_size
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith("bias_ih"):
                p[H : 2 * H].fill_(float(value))
            elif name.startswith("bias_hh"):
                p[H : 2 * H].zero_()
    return module


# ------------------------------------------------------------------------------------ probing
def _as_course_module(module, kind):
    """Accept a course module or a plain ``nn.LSTM``/``nn.GRU``; the latter is probed through a
    course twin built by the constructor with a copy of its weights (probes need no gradients)."""
    course, base = {"lstm": (LSTM, nn.LSTM), "gru": (GRU, nn.GRU)}[kind]
    if isinstance(module, course):
        return module
    if isinstance(module, base) and type(module) is base:
        if getattr(module, "proj_size", 0):
            raise ValueError(f"module: expected proj_size=0, got {module.proj_size}")
        weight = module.weight_ih_l0
        twin = course(module.input_size, module.hidden_size, module.num_layers, bias=module.bias,
                      batch_first=module.batch_first, bidirectional=module.bidirectional,
                      dropout=module.dropout, device=weight.device, dtype=weight.dtype)
        twin.load_state_dict(module.state_dict())
        return twin.train(module.training)
    raise TypeError(f"module: expected lstmlib.torch.{course.__name__} or nn.{base.__name__}, got {type(module).__name__}")


def _probe(module, x, hx):
    with torch.no_grad():
        x_tm, states, unbatched = module._prepare(x, hx)
        _, _, gates = module._unroll(x_tm, states, keep_gates=True)
    out = {}
    for layer_gates in gates:
        for k, v in layer_gates.items():
            if unbatched:
                v = v.squeeze(1)
            elif module.batch_first:
                v = v.transpose(0, 1)
            out.setdefault(k, []).append(v)
    return out


def lstm_gates(module, x, hx=None) -> dict:
    """Probe an LSTM: the per-step gate values of every layer, for plots (chapter 5).

    ``module`` is an :class:`LSTM` (any variant) or a plain ``nn.LSTM``; ``x`` and ``hx`` as for
    its forward. Returns ``{"i", "f", "g", "o", "c", "h"}`` → list over layers of tensors shaped
    like the output, (T, B, D·H) (both directions concatenated as in the output). A removed gate
    shows as ones; ``"h"`` is each layer's cell output, before a residual link adds the layer's
    input. Runs without gradients and without dropout (the loop of
    :mod:`lstmlib.torch.variant_loop`, which the tests hold equal to PyTorch's kernels).
    """
    return _probe(_as_course_module(module, "lstm"), x, hx)


def gru_gates(module, x, hx=None) -> dict:
    """Probe a GRU like :func:`lstm_gates`: ``{"r", "z", "g", "h"}`` → list over layers."""
    return _probe(_as_course_module(module, "gru"), x, hx)
