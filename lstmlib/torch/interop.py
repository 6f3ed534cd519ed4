"""Weights between :class:`lstmlib.reference.RecurrentStack` and the modules of :mod:`.modules`.

The names map through the library's one concordance table, in
:mod:`lstmlib.reference.torch_interop` (:func:`~lstmlib.reference.state_arrays` and
:func:`~lstmlib.reference.load_state_arrays`); this module adds what the table
cannot know, the configuration: the variant options, ``reset_after`` and ``residual`` travel
with the weights in both directions.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from ..reference import RecurrentStack
from ..reference.torch_interop import load_state_arrays, state_arrays
from .modules import GRU, LSTM, RNN, _as_course_module

__all__ = ["from_reference", "to_reference"]

_TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def from_reference(stack, **module_kwargs) -> nn.Module:
    """A :class:`LSTM`/:class:`GRU`/:class:`RNN` with the configuration and weights of ``stack``.

    The dtype follows the stack's arrays (float64 for the parity tests). ``module_kwargs`` go to
    the constructor (``batch_first``, ``backend``, ``device``...).

    >>> stack = RecurrentStack("lstm", 3, 4, options={"peephole": True}, rng=np.random.default_rng(0))
    >>> model = from_reference(stack)
    >>> model.variant, model.weight_peephole_l0.shape
    ('peephole', torch.Size([3, 4]))
    >>> x = np.random.default_rng(1).normal(size=(5, 2, 3))
    >>> float(abs(model(torch.from_numpy(x))[0].detach().numpy() - stack.forward(x)[0]).max()) < 1e-12
    True
    """
    if not isinstance(stack, RecurrentStack):
        raise TypeError(f"stack: expected lstmlib.reference.RecurrentStack, got {type(stack).__name__}")
    dtype = _TORCH_DTYPE[next(iter(stack.params.values())).dtype]
    kwargs = dict(num_layers=stack.num_layers, bidirectional=stack.bidirectional, residual=stack.residual, dtype=dtype)
    if stack.cell == "lstm":
        kwargs.update(dataclasses.asdict(stack.options))
    elif stack.cell == "gru":
        kwargs["reset_after"] = stack.reset_after
    kwargs.update(module_kwargs)
    module = {"lstm": LSTM, "gru": GRU, "rnn": RNN}[stack.cell](stack.input_size, stack.hidden_size, **kwargs)
    module.load_state_dict({key: torch.from_numpy(value) for key, value in state_arrays(stack).items()})
    return module


def to_reference(module: nn.Module):
    """A :class:`lstmlib.reference.RecurrentStack` (float64) with ``module``'s configuration and
    weights. Accepts the course's modules and plain ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (tanh).

    >>> to_reference(GRU(3, 4, num_layers=2, reset_after=False))
    RecurrentStack('gru', 3, 4, num_layers=2, bidirectional=False, residual=False)
    """
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
    arrays = {key: value.detach().cpu().double().numpy() for key, value in module.state_dict().items()}
    return load_state_arrays(stack, arrays)
