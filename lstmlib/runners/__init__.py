"""Train-and-score helpers the chapters call: the plumbing a student need not read.

They may import every other part of :mod:`lstmlib` (data, reference, torch); :mod:`lstmlib.viz`
may import them, never the reverse. Import the submodule you need:

* :mod:`.comparison` — the fair comparisons of recurrent cells (chapters 6 and 7);
* :mod:`.latch` — the latch sweep over one-unit RNN populations (chapter 3);
* :mod:`.sequence_tasks` — train a model on a generated task and score it on a fixed test set
  (chapter 4).
"""
