"""Read-out heads: a recurrent module's states → predictions, the one place every chapter and
experiment gets them from.

* :class:`StepClassifier` — one output per step, ``recurrent(x)[0] @ V + c`` → ``(T, B, O)``
  (pattern A of chapter 2, tagging, language models);
* :class:`SequenceClassifier` — one output after the last step, ``recurrent(x)[0][-1] @ V + c``
  → ``(B, O)`` (pattern C: classify or regress a whole sequence);
* :class:`StepModel` — a per-step read-out that carries the recurrent state, with an optional
  input encoder (one-hot by default for integer ids, or an ``nn.Embedding``): next-symbol and
  character models;
* :class:`SequenceModel` — a :class:`StepModel` whose one-layer :class:`~lstmlib.torch.LSTM`/
  ``GRU``/``RNN`` is chosen by name (the fair comparisons of chapters 6–7).

Each head takes any module returning ``(outputs (T, B, D), final)``, like ``nn.LSTM``.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import validate
from ..validate import check_positive_int
from .modules import GRU, LSTM, RNN

__all__ = ["StepClassifier", "SequenceClassifier", "StepModel", "SequenceModel", "CELLS"]

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


class StepModel(nn.Module):
    """A recurrent module with a linear read-out at every step that carries its state:
    ``forward(x, state=None) -> (logits (T, B, O), final state)`` — a next-symbol or language model.

    The input goes through ``encoder`` first when one is given (e.g. an ``nn.Embedding``);
    without one, integer ids ``(T, B)`` are one-hot encoded to the recurrent module's
    ``input_size`` and float inputs ``(T, B, I)`` are used as they are. The parts are
    ``model.encoder``, ``model.rnn`` (probe it with :func:`lstmlib.torch.lstm_gates`) and
    ``model.head``. Build the encoder before the recurrent module if the order of the random
    initialisation matters.

    >>> from lstmlib.torch import LSTM
    >>> model = StepModel(LSTM(7, 12, forget_bias=1.0), 7)
    >>> logits, (h, c) = model(torch.zeros(30, 4, dtype=torch.long))   # ids (T, B)
    >>> logits.shape, h.shape
    (torch.Size([30, 4, 7]), torch.Size([1, 4, 12]))
    """

    def __init__(self, recurrent: nn.Module, output_size: int, encoder: nn.Module | None = None):
        super().__init__()
        if not isinstance(recurrent, nn.Module):
            raise TypeError(f"recurrent: expected an nn.Module such as lstmlib.torch.LSTM, got {type(recurrent).__name__}")
        self.encoder = encoder
        self.rnn = recurrent
        directions = 2 if getattr(recurrent, "bidirectional", False) else 1
        self.head = nn.Linear(directions * recurrent.hidden_size, check_positive_int("output_size", output_size))

    def forward(self, x: torch.Tensor, state=None):
        """``(logits (T, B, O), final state)`` for ``x`` ``(T, B, I)`` or integer ids ``(T, B)``."""
        if self.encoder is not None:
            x = self.encoder(x)
        elif not x.is_floating_point():
            x = nn.functional.one_hot(x, self.rnn.input_size).float()
        out, state = self.rnn(x, state)
        return self.head(out), state


class SequenceModel(StepModel):
    """A :class:`StepModel` whose one-layer recurrent net is chosen by name: ``cell`` in
    ``"rnn"``, ``"gru"``, ``"lstm"``, ``options`` for its constructor (``peephole=True``...).
    Integer inputs ``(T, B)`` are one-hot encoded (``input_size`` = vocabulary size), so a
    character model and a real-valued task use the same module (the comparisons of chapters 6–7).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int, **options):
        validate.check_choice("cell", cell, CELLS)
        input_size = validate.check_positive_int("input_size", input_size)
        recurrent = CELLS[cell](input_size, validate.check_positive_int("hidden_size", hidden_size), **options)
        super().__init__(recurrent, output_size)
        self.cell = cell
        self.input_size = input_size
