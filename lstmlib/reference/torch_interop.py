"""Weights exchange between :class:`RecurrentStack` and ``torch.nn.LSTM`` / ``GRU`` / ``RNN``.

Concordance (k = layer, suffix "_reverse" for the backward direction):

    weight_ih_l{k} = W_xᵀ   (G·H, I)      weight_hh_l{k} = W_hᵀ   (G·H, H)
    LSTM, RNN:  b = bias_ih_l{k} + bias_hh_l{k}   (export: bias_ih = b, bias_hh = 0)
    GRU:        b_x = bias_ih_l{k},  b_h = bias_hh_l{k}   (both needed: b_hn sits inside r ⊙ (…))

Gate blocks keep PyTorch's order (i, f, g, o and r, z, n), so no reordering is needed.
PyTorch is imported lazily: the rest of lstmlib.reference runs without it.
"""
from __future__ import annotations

import re

import numpy as np

from ..validate import check_choice
from .sequence import RecurrentStack

__all__ = ["from_torch", "to_torch_state_dict"]

_KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$")
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


def from_torch(module_or_state_dict, cell: str | None = None, dtype=np.float64) -> RecurrentStack:
    """A :class:`RecurrentStack` holding the weights of a PyTorch recurrent module or state dict.

    ``cell`` is read from the module's type; a bare state dict needs it ("lstm", "gru", "rnn").
    Sizes, layers and directions are read from the weight shapes and key names.
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
    tensors = {}
    for key, value in state.items():
        match = _KEY.match(key)
        if match is None:
            raise ValueError(f"state_dict: expected keys like 'weight_ih_l0', got {key!r}")
        tensors[match.groups()] = value.detach().cpu().numpy().astype(dtype)
    num_layers = 1 + max(int(layer) for _, layer, _ in tensors)
    bidirectional = any(rev for _, _, rev in tensors)
    G_H, input_size = tensors[("weight_ih", "0", None)].shape
    hidden_size = G_H // _GATES[cell]
    stack = RecurrentStack(cell, input_size, hidden_size, num_layers, bidirectional,
                           rng=np.random.default_rng(0), dtype=dtype)
    for layer in range(num_layers):
        for rev in (None, "_reverse") if bidirectional else (None,):
            prefix = f"l{layer}{rev or ''}"
            get = lambda kind: tensors.get((kind, str(layer), rev))
            params = {"W_x": get("weight_ih").T.copy(), "W_h": get("weight_hh").T.copy()}
            zeros = np.zeros(G_H, dtype)  # bias=False modules have no bias tensors
            b_ih = get("bias_ih") if get("bias_ih") is not None else zeros
            b_hh = get("bias_hh") if get("bias_hh") is not None else zeros
            if cell == "gru":
                params.update(b_x=b_ih.copy(), b_h=b_hh.copy())
            else:
                params["b"] = b_ih + b_hh
            for name, value in params.items():
                target = stack.params[f"{prefix}.{name}"]
                if target.shape != value.shape:
                    raise ValueError(f"state_dict: expected {prefix}.{name} of shape {target.shape}, got {value.shape}")
                stack.params[f"{prefix}.{name}"] = value
    return stack


def to_torch_state_dict(stack: RecurrentStack) -> dict:
    """The state dict that ``nn.LSTM/GRU/RNN(input_size, hidden_size, num_layers, bidirectional=…)``
    loads with ``load_state_dict``. Variants PyTorch has no module for are refused."""
    import torch

    if not isinstance(stack, RecurrentStack):
        raise TypeError(f"stack: expected a RecurrentStack, got {type(stack).__name__}")
    if stack.residual:
        raise ValueError("stack: expected residual=False (nn.LSTM/GRU/RNN have no residual links), got True")
    if stack.cell == "lstm" and stack.options != type(stack.options)():
        raise ValueError(f"stack: expected default LSTMOptions (nn.LSTM has no variants), got {stack.options}")
    if stack.cell == "gru" and not stack.reset_after:
        raise ValueError("stack: expected reset_after=True (nn.GRU applies the reset after W_hn), got False")
    state = {}
    for key, value in stack.params.items():
        prefix, name = key.split(".", 1)
        layer, rev = prefix[1:].split("_", 1) if "_" in prefix else (prefix[1:], None)
        suffix = f"_l{layer}" + ("_reverse" if rev else "")
        as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        if name in ("W_x", "W_h"):
            state[("weight_ih" if name == "W_x" else "weight_hh") + suffix] = as_tensor(value.T)
        elif name == "b":  # one bias in the reference; PyTorch's two are only ever summed
            state["bias_ih" + suffix] = as_tensor(value)
            state["bias_hh" + suffix] = as_tensor(np.zeros_like(value))
        else:
            state[("bias_ih" if name == "b_x" else "bias_hh") + suffix] = as_tensor(value)
    return state
