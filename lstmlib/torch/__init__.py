"""The PyTorch path of the course: the same models as :mod:`lstmlib.reference`, as ``nn.Module``\\ s.

* :class:`LSTM`, :class:`GRU`, :class:`RNN` — subclasses of ``nn.LSTM``/``nn.GRU``/``nn.RNN`` with
  the course's variants; plain configurations run PyTorch's fused kernels (cuDNN on a GPU).
* :func:`lstm_gates`, :func:`gru_gates` — per-step gate values for plots; :func:`set_forget_bias`.
* :func:`train` and :class:`History` — the trainer every chapter uses (also under ``torchrun``).
* :func:`from_reference`, :func:`to_reference` — convert to and from ``lstmlib.reference`` stacks.
* :func:`default_device`, :func:`to_device`.

Submodules to import when you need them: :mod:`.heads` (read-out heads), :mod:`.variant_loop`
(the time loop of the variants), :mod:`.deep_transition` (chapter 2), :mod:`.seq2seq`,
:mod:`.attention`, :mod:`.beam` (chapters 8–9), :mod:`.distributed`.
"""
from .device import default_device, to_device
from .modules import GRU, LSTM, RNN, gru_gates, lstm_gates, set_forget_bias
from .interop import from_reference, to_reference
from .trainer import History, load_checkpoint, train

__all__ = ["LSTM", "GRU", "RNN", "lstm_gates", "gru_gates", "set_forget_bias", "default_device", "to_device",
           "train", "History", "load_checkpoint", "from_reference", "to_reference"]
