"""lstmlib: the library behind the LSTM course.

* :mod:`lstmlib.reference` — NumPy ground truth: every cell of the course, forward and
  hand-written backward, checked by finite differences and against PyTorch; also the
  chapter-specific references :mod:`lstmlib.reference.longterm` (Jacobian products and one-unit
  RNN populations, chapter 3) and :mod:`lstmlib.reference.tree` (the recursive network, chapter 2).
* :mod:`lstmlib.torch` — the same models as PyTorch modules (CPU or GPU): plain ones on PyTorch's
  kernels, variants on :mod:`lstmlib.torch.variant_loop`; read-out heads
  (:mod:`lstmlib.torch.heads`), deep-transition RNNs (:mod:`lstmlib.torch.deep_transition`),
  a trainer, seq2seq, attention, beam search, interop with the reference.
* :mod:`lstmlib.data` — the task generators the chapters train on (nothing is downloaded).
* :mod:`lstmlib.runners` — the train-and-score helpers chapters call (cell comparisons of chapters
  6–7, the latch sweep of chapter 3): plumbing a student need not read.
* :mod:`lstmlib.viz` — figures, coloured text, widgets and their static counterparts.
* :mod:`lstmlib.results` — the recorded experiments (one metadata schema) and ``load_results``.
* :mod:`lstmlib.checks` — self-checks for students' implementations; :mod:`lstmlib.student`
  writes the student version of a chapter.
* :mod:`lstmlib.metrics` — BLEU (through sacrebleu) and exact match for the translation chapters.

Layering, with no back-edges (import-linter contracts in ``pyproject.toml``):
``validate → reference → torch | data → runners → viz → chapters``.
"""
from .seeding import seed_everything

__version__ = "0.2.0"
__all__ = ["seed_everything", "__version__"]
