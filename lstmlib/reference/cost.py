"""The cost of one LSTM step: FLOPs, bytes of weights and arithmetic intensity (chapter 10).

One LSTM step (book notation, gate blocks i, f, g, o) multiplies the batch's inputs and states by
all four gates' weights at once: ``x_t W_x`` with ``W_x`` (I, 4H) and ``h_{t−1} W_h`` with ``W_h``
(H, 4H). For a batch of ``B``

    FLOPs  = 2 · B · 4H · (I + H)            (a multiply and an add per weight and sequence)
    bytes ≥ s · 4H · (I + H)                 (every weight read once per step; s bytes a value)
    I      ≈ 2B / s  =  B / 2 in fp32,  B in bf16

``recurrent_only`` counts only ``h_{t−1} W_h``, the product that must run step by step (the input
product can be hoisted out of the loop). The element-wise work (σ, tanh, the cell update: about
10 operations per unit) is small beside the products and is left out. This is the reference the
chapter 10 self-check compares with; :mod:`lstmlib.viz.roofline` plots it.
"""
from __future__ import annotations

from ..validate import check_positive_int

__all__ = ["lstm_step_flops", "lstm_step_bytes", "lstm_step_intensity"]


def lstm_step_flops(batch: int, input_size: int, hidden_size: int, recurrent_only: bool = False) -> float:
    """FLOPs of one LSTM step's two products: 2·B·4H·(I + H) (``recurrent_only``: 2·B·4H·H)."""
    B = check_positive_int("batch", batch)
    H = check_positive_int("hidden_size", hidden_size)
    I = 0 if recurrent_only else check_positive_int("input_size", input_size)
    return 2.0 * B * 4 * H * (I + H)


def lstm_step_bytes(input_size: int, hidden_size: int, bytes_per_value: int = 4, recurrent_only: bool = False) -> float:
    """Bytes of weights one LSTM step reads: s·4H·(I + H) (``recurrent_only``: s·4H·H)."""
    H = check_positive_int("hidden_size", hidden_size)
    I = 0 if recurrent_only else check_positive_int("input_size", input_size)
    s = check_positive_int("bytes_per_value", bytes_per_value)
    return float(s * 4 * H * (I + H))


def lstm_step_intensity(batch: int, input_size: int, hidden_size: int, bytes_per_value: int = 4,
                        recurrent_only: bool = False) -> float:
    """Arithmetic intensity (FLOP/byte) of one step: 2B / s — B/2 in fp32, B in bf16."""
    return (lstm_step_flops(batch, input_size, hidden_size, recurrent_only)
            / lstm_step_bytes(input_size, hidden_size, bytes_per_value, recurrent_only))
