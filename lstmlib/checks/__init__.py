"""Self-checks: is a student's implementation right, and if not, what exactly is wrong?

Each ``check_*`` function calls the student's function on several random cases — a generic one
and edge cases (batch 1, hidden size 1, input size 1, saturated gates) — compares the result with
:mod:`lstmlib.reference`, and either prints ``All N checks passed`` or raises
:class:`SelfCheckError` naming the output that differs, the case, the largest absolute error and
where it is, and a diagnosis: the check re-runs the computation under the usual mistakes (gate
blocks in another order, bias left out, σ where tanh belongs, reset gate in the other place, a
sum where a mean belongs, ...) and says which one reproduces the student's numbers.

Student functions take and return plain NumPy arrays (float64 in, anything array-like out):

* :func:`check_dense_backward` (chapter 1): ``dense_backward(dY, X, W) -> (dX, dW, db)``
* :func:`check_softmax_cross_entropy` (chapter 1): ``softmax_cross_entropy(logits, targets) ->
  (loss, dlogits)`` (mean over the N rows)
* :func:`check_rnn_step` (chapter 2): ``rnn_step(x_t, h_prev, W_x, W_h, b) -> h``
* :func:`check_rnn_bptt` (chapter 2): ``rnn_bptt(d_out, x, h0, W_x, W_h, b) -> (dx, dh0, dW_x, dW_h,
  db)``
* :func:`check_rnn_jacobian` (chapter 3): ``rnn_jacobian(x_t, h_prev, W_x, W_h, b) -> J``, J of
  shape (B, H, H)
* :func:`check_clip_grad_norm` (chapter 3): ``clip_grad_norm(grads, max_norm) -> clipped`` (dicts of
  arrays)
* :func:`check_lstm_step` (chapter 4, 5, 10): ``lstm_step(x_t, h_prev, c_prev, W_x, W_h, b) -> (h,
  c)`` (or ``(h, c, gates)`` with ``gates`` a dict of ``"i", "f", "g", "o"`` arrays: then each gate
  is checked)
* :func:`check_lstm_step_backward` (chapter 4): ``lstm_step_backward(dh, dc, x_t, h_prev, c_prev,
  W_x, W_h, b) -> (dx, dh_prev, dc_prev, dW_x, dW_h, db)``
* :func:`check_softmax_with_temperature` (chapter 5): ``softmax_with_temperature(logits, tau) ->
  probs``
* :func:`check_gru_step` (chapter 6): ``gru_step(x_t, h_prev, W_x, W_h, b_x, b_h) -> h``
  (``reset_after=True``: PyTorch's placement; ``False``: Cho's)
* :func:`check_peephole_lstm_step` (chapter 7): ``lstm_step(x_t, h_prev, c_prev, W_x, W_h, b, p) ->
  (h, c)``, peepholes ``p`` (3, H)
* :func:`check_coupled_lstm_step` (chapter 7): ``lstm_step(x_t, h_prev, c_prev, W_x, W_h, b) -> (h,
  c)`` with i = 1 − f
* :func:`check_additive_attention` (chapter 8): ``additive_attention(query, keys, W_q, W_k, v, mask)
  -> (context, weights)``, keys time-major (S, B, Dk)
* :func:`check_masked_cross_entropy` (chapter 8): ``masked_cross_entropy(logits, targets, mask) ->
  loss`` (teacher forcing on padded targets)
* :func:`check_beam_search_step` (chapter 9): ``beam_search_step(beam_scores, log_probs, beam_size)
  -> (scores, beam_ids, token_ids)``
* :func:`check_gnmt_score` (chapter 9): ``gnmt_score(log_prob, length, attention, alpha, beta) ->
  score``
* :func:`check_lstm_step_cost` (chapter 10): ``lstm_step_cost(batch, input_size, hidden_size,
  bytes_per_value) -> (flops, bytes)``

A student's slip gets a self-check message, never a crash of the checker: a function that returns
``None`` is told that a ``return`` is probably missing; a dict, a string or a ragged list is
described (type, keys, lengths); code that is right only for batch size 1 gets a hint about the
batch axis.

Shapes follow the book: a step's input ``x_t`` is (B, I), states are (B, H); row-vector maths
``x_t @ W_x + h_prev @ W_h + b``; LSTM weights ``W_x`` (I, 4H), ``W_h`` (H, 4H), ``b`` (4H,) with
the gate blocks in the order i, f, g, o (like PyTorch); GRU weights ``W_x`` (I, 3H), ``W_h``
(H, 3H), biases ``b_x``, ``b_h`` (3H,) with blocks r, z, g and ``h = z ⊙ h_prev + (1 − z) ⊙ g``.

The package has three parts: :mod:`~lstmlib.checks.harness` (calling the student's function,
reading what it returned, comparing, diagnosing), :mod:`~lstmlib.checks.cells` (the cell checks)
and :mod:`~lstmlib.checks.seq2seq` (attention and beam search). Every expected value comes from
:mod:`lstmlib.reference`.

Usage in a chapter::

    from lstmlib.checks import check_lstm_step
    check_lstm_step(my_lstm_step)     # prints "All 6 checks passed ..." or explains the mistake
"""
from .cells import (
    check_clip_grad_norm, check_coupled_lstm_step, check_dense_backward, check_gru_step, check_lstm_step, check_lstm_step_backward,
    check_lstm_step_cost, check_peephole_lstm_step, check_rnn_bptt, check_rnn_jacobian, check_rnn_step,
    check_softmax_cross_entropy, check_softmax_with_temperature,
)
from .harness import SelfCheckError
from .seq2seq import check_additive_attention, check_beam_search_step, check_gnmt_score, check_masked_cross_entropy

__all__ = [
    "SelfCheckError",
    # cells (chapters 1-7, 10)
    "check_dense_backward",
    "check_softmax_cross_entropy",
    "check_rnn_step",
    "check_rnn_bptt",
    "check_rnn_jacobian",
    "check_clip_grad_norm",
    "check_lstm_step",
    "check_lstm_step_backward",
    "check_softmax_with_temperature",
    "check_gru_step",
    "check_peephole_lstm_step",
    "check_coupled_lstm_step",
    "check_lstm_step_cost",
    # sequence to sequence (chapters 8, 9)
    "check_additive_attention",
    "check_masked_cross_entropy",
    "check_beam_search_step",
    "check_gnmt_score",
]
