"""Weights between :class:`lstmlib.reference.RecurrentStack` and the modules of :mod:`.modules`.

Concordance (``_l{k}`` is the layer, ``_reverse`` the backward direction; reference keys
``l{k}[_reverse].name``):

=====================  =============================================
reference              module
=====================  =============================================
``W_x`` (I, G·H)       ``weight_ih_l{k}`` = W_xᵀ (G·H, I)
``W_h`` (H, G·H)       ``weight_hh_l{k}`` = W_hᵀ (G·H, H)
``b`` (LSTM, RNN)      ``bias_ih_l{k} + bias_hh_l{k}`` (export: bias_ih = b, bias_hh = 0)
``b_x``, ``b_h`` (GRU) ``bias_ih_l{k}``, ``bias_hh_l{k}``
``p_i, p_f, p_o``      rows 0, 1, 2 of ``weight_peephole_l{k}`` (3, H)
=====================  =============================================

The reference is imported lazily: the PyTorch path does not need it to run.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from .modules import GRU, LSTM, RNN, _as_course_module

__all__ = ["from_reference", "to_reference"]

_PEEPHOLES = ("p_i", "p_f", "p_o")


def from_reference(stack, **module_kwargs) -> nn.Module:
    """A :class:`LSTM`/:class:`GRU`/:class:`RNN` with the configuration and weights of ``stack``.

    The dtype follows the stack's arrays (float64 for the parity tests). ``module_kwargs`` go to
    the constructor (``batch_first``, ``backend``, ``device``...).
    """
    from ..reference import RecurrentStack

    if not isinstance(stack, RecurrentStack):
        raise TypeError(f"stack: expected lstmlib.reference.RecurrentStack, got {type(stack).__name__}")
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[
        next(iter(stack.params.values())).dtype
    ]
    kwargs = dict(num_layers=stack.num_layers, bidirectional=stack.bidirectional, residual=stack.residual, dtype=dtype)
    if stack.cell == "lstm":
        kwargs.update(dataclasses.asdict(stack.options))
    elif stack.cell == "gru":
        kwargs["reset_after"] = stack.reset_after
    kwargs.update(module_kwargs)
    cls = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[stack.cell]
    module = cls(stack.input_size, stack.hidden_size, **kwargs)

    state = {}
    peep: dict = {}
    for key, value in stack.params.items():
        prefix, name = key.split(".", 1)
        suffix = "_" + prefix  # "l1_reverse" → "_l1_reverse"
        t = torch.from_numpy(np.ascontiguousarray(value.T if value.ndim == 2 else value))
        if name == "W_x":
            state["weight_ih" + suffix] = t
        elif name == "W_h":
            state["weight_hh" + suffix] = t
        elif name == "b":  # one bias in the reference; PyTorch's two are only ever summed
            state["bias_ih" + suffix] = t
            state["bias_hh" + suffix] = torch.zeros_like(t)
        elif name == "b_x":
            state["bias_ih" + suffix] = t
        elif name == "b_h":
            state["bias_hh" + suffix] = t
        elif name in _PEEPHOLES:
            peep.setdefault("weight_peephole" + suffix, {})[name] = t
        else:
            raise ValueError(f"stack: unexpected parameter {key!r}")
    for key, rows in peep.items():
        state[key] = torch.stack([rows[n] for n in _PEEPHOLES])
    module.load_state_dict(state)
    return module


def to_reference(module: nn.Module):
    """A :class:`lstmlib.reference.RecurrentStack` (float64) with ``module``'s configuration and
    weights. Accepts the course's modules and plain ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (tanh)."""
    from ..reference import RecurrentStack

    if isinstance(module, nn.LSTM):
        cell, module = "lstm", _as_course_module(module, "lstm")
    elif isinstance(module, nn.GRU):
        cell, module = "gru", _as_course_module(module, "gru")
    elif isinstance(module, nn.RNN):
        cell = "rnn"
        if module.nonlinearity != "tanh":
            raise ValueError(f"module: expected nonlinearity 'tanh' (the reference RNN), got {module.nonlinearity!r}")
    else:
        raise TypeError(f"module: expected an LSTM, GRU or RNN module, got {type(module).__name__}")
    kwargs = dict(num_layers=module.num_layers, bidirectional=module.bidirectional,
                  residual=getattr(module, "residual", False), rng=np.random.default_rng(0))
    if cell == "lstm":
        kwargs["options"] = module.options
    if cell == "gru":
        kwargs["reset_after"] = module.reset_after
    stack = RecurrentStack(cell, module.input_size, module.hidden_size, **kwargs)
    for key in stack.params:
        prefix, name = key.split(".", 1)
        suffix = "_" + prefix
        get = lambda kind: getattr(module, kind + suffix, None)
        as_np = lambda t: t.detach().cpu().double().numpy()
        if name == "W_x":
            value = as_np(get("weight_ih")).T
        elif name == "W_h":
            value = as_np(get("weight_hh")).T
        elif name in ("b", "b_x", "b_h"):
            parts = {"b": ("bias_ih", "bias_hh"), "b_x": ("bias_ih",), "b_h": ("bias_hh",)}[name]
            value = sum(as_np(get(p)) for p in parts) if module.bias else np.zeros(stack.params[key].shape)
        else:
            value = as_np(get("weight_peephole"))[_PEEPHOLES.index(name)]
        stack.params[key] = np.ascontiguousarray(value)
    return stack
