"""lstmlib: the library behind the LSTM course.

* :mod:`lstmlib.reference` — NumPy ground truth: every cell of the course, forward and
  hand-written backward, checked by finite differences and against PyTorch.
* :mod:`lstmlib.torch` — the same models as PyTorch modules (CPU or GPU), a trainer, seq2seq.
* :mod:`lstmlib.data` — the task generators the chapters train on (nothing is downloaded).
* :mod:`lstmlib.viz` — figures, coloured text, widgets and their static counterparts.
* :mod:`lstmlib.checks` — self-checks for students' implementations; :mod:`lstmlib.student`
  writes the student version of a chapter.
* :mod:`lstmlib.metrics` — BLEU (through sacrebleu) and exact match for the translation chapters.
* Chapter-specific pieces: :mod:`lstmlib.longterm` (gradient norms and the latch sweep, chapter 3),
  :mod:`lstmlib.recursive` (tree networks) and :mod:`lstmlib.deep_rnn` (chapter 2),
  :mod:`lstmlib.tasks` (the fair comparison runners of chapters 6 and 7).

Layering, with no back-edges: ``validate → reference | torch → data → viz → chapters``.
"""
from .seeding import seed_everything

__version__ = "0.1.0"
__all__ = ["seed_everything", "__version__"]
