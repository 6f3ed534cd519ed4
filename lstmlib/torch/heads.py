"""Read-out heads: a recurrent module's states → predictions, the one place every chapter and
experiment gets them from.

* :class:`StepClassifier` — one output per step, ``recurrent(x)[0] @ V + c`` → ``(T, B, O)``
  (pattern A of chapter 2, tagging, language models);
* :class:`SequenceClassifier` — one output after the last step, ``recurrent(x)[0][-1] @ V + c``
  → ``(B, O)`` (pattern C: classify or regress a whole sequence);
* :class:`SequenceModel` — a one-layer :class:`~lstmlib.torch.LSTM`/``GRU``/``RNN`` chosen by name
  with a per-step read-out, integer inputs one-hot encoded (the fair comparisons of chapters 6–7).

Each head takes any module returning ``(outputs (T, B, D), final)``, like ``nn.LSTM``.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import validate
from ..validate import check_positive_int
from .modules import GRU, LSTM, RNN

__all__ = ["StepClassifier", "SequenceClassifier", "SequenceModel", "CELLS"]

#: The cells :class:`SequenceModel` builds by name.
CELLS = {"rnn": RNN, "gru": GRU, "lstm": LSTM}


class StepClassifier(nn.Module):
    """Logits at every step: ``recurrent(x)[0] @ V + c`` → ``(T, B, n_classes)``."""

    def __init__(self, recurrent: nn.Module, features: int, n_classes: int):
        super().__init__()
        self.recurrent = recurrent
        self.readout = nn.Linear(check_positive_int("features", features), check_positive_int("n_classes", n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(T, B, n_classes)`` for ``x`` shaped as the recurrent module reads it."""
        return self.readout(self.recurrent(x)[0])


class SequenceClassifier(nn.Module):
    """Logits after the last step only: ``recurrent(x)[0][-1] @ V + c`` → ``(B, n_classes)``.

    >>> from lstmlib.torch import LSTM
    >>> model = SequenceClassifier(LSTM(2, 8, peephole=True), features=8, n_classes=3)
    >>> model(torch.zeros(20, 5, 2)).shape                      # (T, B, I) → (B, n_classes)
    torch.Size([5, 3])
    """

    def __init__(self, recurrent: nn.Module, features: int, n_classes: int):
        super().__init__()
        self.recurrent = recurrent
        self.readout = nn.Linear(check_positive_int("features", features), check_positive_int("n_classes", n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, n_classes)`` from the last step's output of ``x`` (time-major)."""
        return self.readout(self.recurrent(x)[0][-1])


class SequenceModel(nn.Module):
    """A one-layer recurrent net and a linear read-out at every step: ``(T, B, I) → (T, B, O)``.

    Integer inputs ``(T, B)`` are one-hot encoded first (``input_size`` = vocabulary size), so a
    character model and a real-valued task use the same module.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int, **options):
        super().__init__()
        validate.check_choice("cell", cell, CELLS)
        self.cell = cell
        self.input_size = validate.check_positive_int("input_size", input_size)
        self.rnn = CELLS[cell](input_size, validate.check_positive_int("hidden_size", hidden_size), **options)
        self.head = nn.Linear(hidden_size, validate.check_positive_int("output_size", output_size))

    def forward(self, x: torch.Tensor, state=None):
        """``(outputs (T, B, O), final state)`` for ``x`` ``(T, B, I)`` or integer ids ``(T, B)``."""
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, self.input_size).float()
        out, state = self.rnn(x, state)
        return self.head(out), state
