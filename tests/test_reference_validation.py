"""Bad inputs are refused at the boundary with a message naming argument, expectation and value."""
import re

import numpy as np
import pytest

from lstmlib.reference import (
    Adam, LSTMOptions, RecurrentStack, clip_grad_norm, dense_forward, embedding_forward, gru_forward,
    init_gru, init_lstm, init_rnn, leaky_forward, lstm_backward, lstm_forward, numerical_gradient,
    rnn_forward, sigmoid, softmax_cross_entropy,
)

rng = np.random.default_rng(0)
P = init_lstm(3, 4, rng)                      # W_x (3, 16), W_h (4, 16), b (16,)
X = rng.normal(size=(5, 2, 3))                # (T, B, I)


def _with(params, **changes):
    return {**params, **changes}


def _nan_x():
    x = X.copy()
    x[2, 1, 0] = np.nan
    return x


def _backward_with_bad_d_out():
    out, _, cache = lstm_forward(X, P)
    lstm_backward(np.ones((5, 2, 3)), cache)


BAD_INPUTS = {
    "x_wrong_ndim": (lambda: lstm_forward(X[0], P), ValueError,
                     "x: expected 3 dimensions with shape (T, B, I), got 2 dimensions with shape (2, 3)"),
    "x_wrong_feature_size": (lambda: lstm_forward(rng.normal(size=(5, 2, 7)), P), ValueError,
                             "x: expected shape (T, B, I=3), got (5, 2, 7) (axis 2 has size 7, expected 3)"),
    "x_integer_dtype": (lambda: lstm_forward(np.ones((5, 2, 3), dtype=int), P), TypeError,
                        "x: expected a float32 or float64 array, got dtype int64"),
    "x_object_dtype": (lambda: rnn_forward(np.empty((5, 2, 3), dtype=object), init_rnn(3, 4, rng)), TypeError,
                       "x: expected a float32 or float64 array, got dtype object"),
    "x_a_list": (lambda: gru_forward(X.tolist(), init_gru(3, 4, rng)), TypeError,
                 "x: expected a numpy.ndarray, got list"),
    "x_has_nan": (lambda: lstm_forward(_nan_x(), P), ValueError,
                  "x: expected finite values, got NaN at index"),
    "weight_has_inf": (lambda: lstm_forward(X, _with(P, W_h=np.full((4, 16), np.inf))), ValueError,
                       "params['W_h']: expected finite values, got inf at index"),
    "W_h_wrong_width": (lambda: lstm_forward(X, _with(P, W_h=np.zeros((4, 12)))), ValueError,
                        "params['W_h']: expected shape (4, 16), got (4, 12)"),
    "bias_wrong_size": (lambda: lstm_forward(X, _with(P, b=np.zeros(12))), ValueError,
                        "params['b']: expected shape (16,), got (12,)"),
    "missing_param": (lambda: lstm_forward(X, {"W_x": P["W_x"], "W_h": P["W_h"]}), ValueError,
                      "params: expected keys ['W_h', 'W_x', 'b'], got ['W_h', 'W_x'] (missing ['b'])"),
    "peephole_weights_without_option": (lambda: lstm_forward(X, _with(P, p_i=np.zeros(4))), ValueError,
                                        "params: expected keys ['W_h', 'W_x', 'b'] for an LSTM with peephole=False, got unexpected ['p_i']"),
    "h0_wrong_shape": (lambda: lstm_forward(X, P, h0=np.zeros((3, 4))), ValueError,
                       "h0: expected shape (B=2, H=4), got (3, 4) (axis 0 has size 3, expected 2)"),
    "c0_other_dtype": (lambda: lstm_forward(X, P, c0=np.zeros((2, 4), np.float32)), TypeError,
                       "c0: expected dtype float64 (the dtype of the parameters), got float32"),
    "x_float32_params_float64": (lambda: lstm_forward(X.astype(np.float32), P), TypeError,
                                 "x: expected dtype float64 (the dtype of the parameters), got float32"),
    "hidden_size_zero": (lambda: init_lstm(3, 0, rng), ValueError, "hidden_size: expected a positive int, got 0"),
    "input_size_negative": (lambda: init_rnn(-3, 4, rng), ValueError, "input_size: expected a positive int, got -3"),
    "num_layers_float": (lambda: RecurrentStack("lstm", 3, 4, num_layers=2.5), TypeError,
                         "num_layers: expected a positive int, got float 2.5"),
    "unknown_option_name": (lambda: LSTMOptions.from_kwargs(peeophole=True), ValueError,
                            "LSTMOptions: unknown option(s) ['peeophole']; expected some of"),
    "option_not_bool": (lambda: LSTMOptions(peephole="yes"), TypeError, "peephole: expected a bool, got str 'yes'"),
    "options_wrong_type": (lambda: lstm_forward(X, P, options=3), TypeError,
                           "options: expected LSTMOptions, a dict or None, got int"),
    "coupled_without_forget_gate": (lambda: LSTMOptions(coupled=True, forget_gate=False), ValueError,
                                    "coupled: expected forget_gate=True and input_gate=True"),
    "unknown_cell": (lambda: RecurrentStack("lsmt", 3, 4), ValueError,
                     "cell: expected one of ['rnn', 'lstm', 'gru'], got 'lsmt'"),
    "stack_initial_wrong_layers": (lambda: RecurrentStack("gru", 3, 4, num_layers=2, rng=rng).forward(X, np.zeros((1, 2, 4))),
                                   ValueError, "initial: expected shape (2, 2, 4), got (1, 2, 4)"),
    "lstm_stack_initial_not_tuple": (lambda: RecurrentStack("lstm", 3, 4, rng=rng).forward(X, np.zeros((1, 2, 4))),
                                     TypeError, "initial: expected a tuple (h, c) for the LSTM, got ndarray"),
    "bidirectional_not_bool": (lambda: RecurrentStack("rnn", 3, 4, bidirectional=1), TypeError,
                               "bidirectional: expected a bool, got int 1"),
    "d_out_wrong_shape": (_backward_with_bad_d_out, ValueError, "d_out: expected shape (5, 2, 4), got (5, 2, 3)"),
    "targets_out_of_range": (lambda: softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 4, 1])), ValueError,
                             "targets: expected class ids in [0, 3], got 4"),
    "targets_float": (lambda: softmax_cross_entropy(np.zeros((3, 4)), np.zeros(3)), TypeError,
                      "targets: expected an integer array, got dtype float64"),
    "dense_size_mismatch": (lambda: dense_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3)), ValueError,
                            "x: expected shape (?, I=4), got (2, 5)"),
    "embedding_negative_id": (lambda: embedding_forward(np.array([1, -1]), np.zeros((5, 2))), ValueError,
                              "ids: expected token ids in [0, 4], got -1"),
    "alpha_above_one": (lambda: leaky_forward(X, 1.5), ValueError, "alpha: expected a float in [0, 1], got 1.5"),
    "clip_negative_norm": (lambda: clip_grad_norm({"w": np.ones(2)}, -1.0), ValueError,
                           "max_norm: expected a finite float > 0, got -1.0"),
    "adam_zero_lr": (lambda: Adam({"w": np.ones(2)}, lr=0.0), ValueError, "lr: expected a finite float > 0, got 0.0"),
    "gradcheck_float32": (lambda: numerical_gradient(lambda: 0.0, np.ones(3, np.float32)), TypeError,
                          "x: expected a float64 array (finite differences need it), got dtype float32"),
    "sigmoid_of_a_scalar": (lambda: sigmoid(0.5), TypeError, "x: expected a numpy.ndarray, got float"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_with_a_precise_message(case):
    call, error, message = BAD_INPUTS[case]
    with pytest.raises(error, match="^" + re.escape(message)) as info:
        call()
    text = str(info.value)
    assert "expected" in text and ("got" in text or "unknown" in text)


def test_there_are_at_least_twenty_bad_inputs():
    assert len(BAD_INPUTS) >= 20
