"""Weights exchange between :class:`~lstmlib.reference.RecurrentStack` and PyTorch's recurrent modules: the one
concordance table of the library (:mod:`lstmlib.torch.interop` uses it for the course's own modules).

Concordance (``_l{k}`` is the layer, ``_reverse`` the backward direction; reference keys
``l{k}[_reverse].name``):

========================  ====================================================================
reference                 PyTorch
========================  ====================================================================
``W_x`` (I, G·H)          ``weight_ih_l{k}`` = W_xᵀ (G·H, I)
``W_h`` (H, G·H)          ``weight_hh_l{k}`` = W_hᵀ (G·H, H)
``b`` (LSTM, RNN)         ``bias_ih_l{k} + bias_hh_l{k}`` (export: bias_ih = b, bias_hh = 0)
``b_x``, ``b_h`` (GRU)    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (both needed: b_hn sits inside r ⊙ (…))
``p_i, p_f, p_o``         rows 0, 1, 2 of ``weight_peephole_l{k}`` (3, H) (``lstmlib.torch.LSTM`` only)
========================  ====================================================================

Gate blocks keep PyTorch's order (i, f, g, o and r, z, n), so no reordering is needed.
PyTorch is imported lazily: the rest of lstmlib.reference runs without it.
"""
from __future__ import annotations

import re

import numpy as np

from ..validate import check_choice
from .sequence import RecurrentStack

__all__ = ["from_torch", "to_torch_state_dict", "state_arrays", "load_state_arrays"]

_KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh|weight_peephole)_l(\d+)(_reverse)?$")
_PEEPHOLES = ("p_i", "p_f", "p_o")
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _module_cell(module):
    import torch.nn as nn

    for cls, cell in ((nn.LSTM, "lstm"), (nn.GRU, "gru"), (nn.RNN, "rnn")):
        if isinstance(module, cls):
            if cell == "rnn" and module.nonlinearity != "tanh":
                raise ValueError(f"module: expected nn.RNN with nonlinearity 'tanh', got {module.nonlinearity!r}")
            if getattr(module, "proj_size", 0):
                raise ValueError(f"module: expected proj_size=0, got {module.proj_size}")
            # lstmlib.torch's modules subclass nn.LSTM/GRU/RNN; their variants have no place in a
            # plain state dict, and dropping them would give a model that computes something else.
            variant = getattr(module, "variant", "plain")
            if variant != "plain":
                raise ValueError(
                    f"module: expected a plain {type(module).__name__} (from_torch reads only PyTorch's own "
                    f"weights), got variant {variant!r}; use lstmlib.torch.to_reference(module), "
                    "which carries every option"
                )
            return cell
    raise TypeError(f"module_or_state_dict: expected nn.LSTM, nn.GRU, nn.RNN or a state dict, got {type(module).__name__}")


def state_arrays(stack: RecurrentStack) -> dict:
    """``stack.params`` under PyTorch's names (the table above), as NumPy arrays: what
    ``load_state_dict`` of the matching module takes once each array is a tensor."""
    state, peepholes = {}, {}
    for key, value in stack.params.items():
        prefix, name = key.split(".", 1)
        suffix = "_" + prefix  # "l1_reverse" → "_l1_reverse"
        if name in ("W_x", "W_h"):
            state[("weight_ih" if name == "W_x" else "weight_hh") + suffix] = np.ascontiguousarray(value.T)
        elif name == "b":  # one bias in the reference; PyTorch's two are only ever summed
            state["bias_ih" + suffix] = value.copy()
            state["bias_hh" + suffix] = np.zeros_like(value)
        elif name in ("b_x", "b_h"):
            state[("bias_ih" if name == "b_x" else "bias_hh") + suffix] = value.copy()
        elif name in _PEEPHOLES:
            peepholes.setdefault("weight_peephole" + suffix, {})[name] = value
        else:
            raise ValueError(f"stack: unexpected parameter {key!r}")
    for key, rows in peepholes.items():
        state[key] = np.stack([rows[name] for name in _PEEPHOLES])
    return state


def load_state_arrays(stack: RecurrentStack, state: dict) -> RecurrentStack:
    """Fill ``stack.params`` from arrays under PyTorch's names (the inverse of :func:`state_arrays`);
    a missing bias (a module built with ``bias=False``) is zero. Returns ``stack``."""
    arrays = {}
    for key, value in state.items():
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"state_dict: expected keys like 'weight_ih_l0', got {key!r}")
        kind, layer, rev = match.groups()
        arrays[(kind, f"l{layer}{rev or ''}")] = value
    for key, target in stack.params.items():
        prefix, name = key.split(".", 1)
        get = lambda kind: arrays.get((kind, prefix))
        zeros = np.zeros(target.shape, target.dtype)
        if name in ("W_x", "W_h"):
            found = get("weight_ih" if name == "W_x" else "weight_hh")
            value = None if found is None else found.T
        elif name in ("b", "b_x", "b_h"):
            parts = {"b": ("bias_ih", "bias_hh"), "b_x": ("bias_ih",), "b_h": ("bias_hh",)}[name]
            value = sum((get(p) for p in parts if get(p) is not None), zeros)
        else:
            found = get("weight_peephole")
            value = None if found is None else found[_PEEPHOLES.index(name)]
        if value is None:
            raise ValueError(f"state_dict: expected the weights of {key!r}, got none")
        if value.shape != target.shape:
            raise ValueError(f"state_dict: expected {key} of shape {target.shape}, got {value.shape}")
        stack.params[key] = np.ascontiguousarray(value, dtype=target.dtype)
    return stack


def from_torch(module_or_state_dict, cell: str | None = None, dtype=np.float64) -> RecurrentStack:
    """A :class:`RecurrentStack` holding the weights of a PyTorch recurrent module or state dict.

    ``cell`` is read from the module's type; a bare state dict needs it ("lstm", "gru", "rnn").
    Sizes, layers and directions are read from the weight shapes and key names; a bare state dict
    carries no configuration and is read as PyTorch's plain module. A variant of
    :mod:`lstmlib.torch` (peepholes, coupled gates, reset-before GRU, residual stack...) is
    refused with a ``ValueError``: use :func:`lstmlib.torch.to_reference`, which carries it.

    >>> import torch
    >>> from_torch(torch.nn.LSTM(3, 4, num_layers=2))
    RecurrentStack('lstm', 3, 4, num_layers=2, bidirectional=False, residual=False)
    >>> from lstmlib.torch import GRU
    >>> from_torch(GRU(3, 4, reset_after=False))
    Traceback (most recent call last):
    ...
    ValueError: module: expected a plain GRU (from_torch reads only PyTorch's own weights), got variant 'reset-before'; use lstmlib.torch.to_reference(module), which carries every option
    """
    import torch

    if isinstance(module_or_state_dict, torch.nn.Module):
        found = _module_cell(module_or_state_dict)
        if cell is not None and cell != found:
            raise ValueError(f"cell: expected {found!r} (the module's type) or None, got {cell!r}")
        cell, state = found, module_or_state_dict.state_dict()
    elif isinstance(module_or_state_dict, dict):
        if cell is None:
            raise ValueError("cell: expected 'lstm', 'gru' or 'rnn' with a state dict, got None")
        state = module_or_state_dict
    else:
        raise TypeError(f"module_or_state_dict: expected nn.LSTM, nn.GRU, nn.RNN or a state dict, "
                        f"got {type(module_or_state_dict).__name__}")
    check_choice("cell", cell, list(_GATES))
    arrays = {key: value.detach().cpu().numpy().astype(dtype) for key, value in state.items()}
    shapes = {}
    for key in arrays:
        match = _KEY.match(key)
        if match is not None and match.group(1) == "weight_peephole":
            raise ValueError(f"state_dict: expected the keys of a plain nn.LSTM, got {key!r} (peephole=True, "
                             "which a plain stack cannot carry); use lstmlib.torch.to_reference(module)")
        if match is None:
            raise ValueError(f"state_dict: expected keys like 'weight_ih_l0', got {key!r}")
        shapes[match.groups()] = arrays[key].shape
    num_layers = 1 + max(int(layer) for _, layer, _ in shapes)
    bidirectional = any(rev for _, _, rev in shapes)
    G_H, input_size = shapes[("weight_ih", "0", None)]
    stack = RecurrentStack(cell, input_size, G_H // _GATES[cell], num_layers, bidirectional,
                           rng=np.random.default_rng(0), dtype=dtype)
    return load_state_arrays(stack, arrays)


def to_torch_state_dict(stack: RecurrentStack) -> dict:
    """The state dict that ``nn.LSTM/GRU/RNN(input_size, hidden_size, num_layers, bidirectional=…)``
    loads with ``load_state_dict``. Variants PyTorch has no module for are refused (the course's
    :func:`lstmlib.torch.from_reference` builds a module that has them)."""
    import torch

    if not isinstance(stack, RecurrentStack):
        raise TypeError(f"stack: expected a RecurrentStack, got {type(stack).__name__}")
    if stack.residual:
        raise ValueError("stack: expected residual=False (nn.LSTM/GRU/RNN have no residual links), got True")
    if stack.cell == "lstm" and stack.options != type(stack.options)():
        raise ValueError(f"stack: expected default LSTMOptions (nn.LSTM has no variants), got {stack.options}")
    if stack.cell == "gru" and not stack.reset_after:
        raise ValueError("stack: expected reset_after=True (nn.GRU applies the reset after W_hn), got False")
    return {key: torch.from_numpy(value) for key, value in state_arrays(stack).items()}
