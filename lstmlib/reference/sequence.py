"""Recurrent layers stacked in depth, run in both directions, with residual links; truncated BPTT.

For layer l and direction d ∈ {→, ←} (index k = l·D + d, PyTorch's order for h_n):

    →  h^l_t = cell(h^{l−1}_t, h^l_{t−1})          t = 1 … T
    ←  h^l_t = cell(h^{l−1}_t, h^l_{t+1})          t = T … 1 (the same cell run on the reversed sequence)
    output of layer l:  y^l_t = [→h^l_t ; ←h^l_t]  (T, B, D·H)
    residual (l ≥ 1):   y^l_t ← y^l_t + y^{l−1}_t  (Wu et al. 2016, GNMT: eases deep stacks)

Backward runs the layers in reverse; a bidirectional layer's input gradient is the sum of both
directions' (the reverse one flipped back in time), and a residual link copies the output's
gradient to the input unchanged.
"""
from __future__ import annotations

import numpy as np

from ..validate import check_choice, check_float_array, check_positive_int
from ._common import check_d_out
from .gru import gru_backward, gru_forward, init_gru
from .lstm import _as_options, init_lstm, lstm_backward, lstm_forward
from .rnn import init_rnn, rnn_backward, rnn_forward

__all__ = ["RecurrentStack", "truncated_bptt"]


class RecurrentStack:
    """``num_layers`` recurrent layers of one cell type, like ``torch.nn.LSTM`` / ``GRU`` / ``RNN``.

    ``params`` is keyed f"l{layer}{'_reverse' if reverse else ''}.{name}", e.g. "l0.W_x",
    "l1_reverse.W_h"; ``forward(x, initial)`` returns (out (T, B, D·H), final, cache) with final
    (num_layers·D, B, H) — a tuple (h, c) for the LSTM — in PyTorch's order.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, residual: bool = False, rng=None, options=None,
                 reset_after: bool = True, dtype=np.float64):
        self.cell = check_choice("cell", cell, ("rnn", "lstm", "gru"))
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        for name, flag in (("bidirectional", bidirectional), ("residual", residual), ("reset_after", reset_after)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name}: expected a bool, got {type(flag).__name__} {flag!r}")
        self.bidirectional, self.residual, self.reset_after = bool(bidirectional), bool(residual), bool(reset_after)
        self.options = _as_options(options) if cell == "lstm" else None
        if options is not None and cell != "lstm":
            raise ValueError(f"options: expected None for cell={cell!r} (LSTM only), got {options!r}")
        rng = np.random.default_rng() if rng is None else rng
        self.params = {}
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.directions * self.hidden_size
            for prefix in self._prefixes(layer):
                if cell == "rnn":
                    p = init_rnn(layer_input, self.hidden_size, rng, dtype)
                elif cell == "gru":
                    p = init_gru(layer_input, self.hidden_size, rng, dtype)
                else:
                    p = init_lstm(layer_input, self.hidden_size, rng, self.options, dtype=dtype)
                self.params.update({f"{prefix}.{k}": v for k, v in p.items()})

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _prefixes(self, layer):
        return [f"l{layer}"] + ([f"l{layer}_reverse"] if self.bidirectional else [])

    def layer_params(self, prefix: str) -> dict:
        """The plain cell parameters of one (layer, direction), e.g. prefix "l1_reverse"."""
        return {k.split(".", 1)[1]: v for k, v in self.params.items() if k.split(".", 1)[0] == prefix}

    def __repr__(self):
        return (f"RecurrentStack({self.cell!r}, {self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"bidirectional={self.bidirectional}, residual={self.residual})")

    # one (layer, direction): the cell functions with the state packed as PyTorch packs it
    def _run_cell(self, x, p, state):
        if self.cell == "lstm":
            return lstm_forward(x, p, *(state if state is not None else (None, None)), options=self.options)
        if self.cell == "gru":
            return gru_forward(x, p, state, self.reset_after)
        return rnn_forward(x, p, state)

    def _backprop_cell(self, d_out, cache, d_state):
        backward = {"rnn": rnn_backward, "gru": gru_backward, "lstm": lstm_backward}[self.cell]
        return backward(d_out, cache, d_state)

    def _split_states(self, states, name, B):
        """(L·D, B, H) arrays (a tuple for the LSTM) → one state per (layer, direction)."""
        n = self.num_layers * self.directions
        if states is None:
            return [None] * n
        parts = states if self.cell == "lstm" else (states,)
        if self.cell == "lstm" and not (isinstance(states, tuple) and len(states) == 2):
            raise TypeError(f"{name}: expected a tuple (h, c) for the LSTM, got {type(states).__name__}")
        for part in parts:
            check_float_array(name, part, (n, B, self.hidden_size))
        return [tuple(part[k] for part in parts) if self.cell == "lstm" else parts[0][k] for k in range(n)]

    def _pack_states(self, per_layer):
        if self.cell == "lstm":
            return tuple(np.stack([s[j] for s in per_layer]) for j in range(2))
        return np.stack(per_layer)

    def forward(self, x: np.ndarray, initial=None):
        """Run every layer over x (T, B, I): returns (out (T, B, D·H), final, cache)."""
        x = check_float_array("x", x, ("T", "B", self.input_size))
        T, B = x.shape[:2]
        initial_states = self._split_states(initial, "initial", B)
        layer_input, caches, finals = x, [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction, prefix in enumerate(self._prefixes(layer)):
                # the reverse direction is the same cell on the time-reversed sequence
                seq = layer_input if direction == 0 else layer_input[::-1]
                out, final, cache = self._run_cell(seq, self.layer_params(prefix), initial_states[len(caches)])
                outputs.append(out if direction == 0 else out[::-1])
                finals.append(final)
                caches.append(cache)
            y = outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=-1)
            if self.residual and layer >= 1:
                y = y + layer_input  # not +=: y may be the cell's own output, which its cache holds
            layer_input = y
        return layer_input, self._pack_states(finals), {"caches": caches, "shape": (T, B), "dtype": x.dtype}

    def backward(self, d_out: np.ndarray, cache: dict, d_final=None):
        """Returns (dx (T, B, I), d_initial (like final), grads keyed like ``params``)."""
        T, B = cache["shape"]
        H, D = self.hidden_size, self.directions
        d_y = check_d_out(d_out, (T, B, D * H), cache["dtype"])
        d_finals = self._split_states(d_final, "d_final", B)
        d_initial, grads = [None] * len(d_finals), {}
        for layer in range(self.num_layers - 1, -1, -1):
            d_input = None
            for direction, prefix in enumerate(self._prefixes(layer)):
                k = layer * D + direction
                d_dir = d_y[..., direction * H:(direction + 1) * H]
                d_dir = d_dir if direction == 0 else d_dir[::-1]
                dx, d_initial[k], g = self._backprop_cell(d_dir, cache["caches"][k], d_finals[k])
                dx = dx if direction == 0 else dx[::-1]
                d_input = dx if d_input is None else d_input + dx
                grads.update({f"{prefix}.{name}": v for name, v in g.items()})
            if self.residual and layer >= 1:
                d_input = d_input + d_y  # the identity path of y = layer(x) + x
            d_y = d_input
        return d_y, self._pack_states(d_initial), grads


def truncated_bptt(stack: RecurrentStack, x: np.ndarray, loss_and_grad, chunk_len: int, initial=None,
                   optimizer=None):
    """Train or evaluate on a long sequence in chunks of ``chunk_len`` steps (Williams & Peng 1990).

    The state is carried from chunk to chunk (so the model sees the whole past) but gradients stop
    at chunk boundaries (so memory and time per update stay bounded). For each chunk:
    ``loss_and_grad(out_chunk, time_slice) -> (loss, d_out_chunk)``; if ``optimizer`` is given its
    ``.step(grads)`` runs after every chunk. Returns (losses per chunk, summed grads, final state).
    """
    if not isinstance(stack, RecurrentStack):
        raise TypeError(f"stack: expected a RecurrentStack, got {type(stack).__name__}")
    if not callable(loss_and_grad):
        raise TypeError(f"loss_and_grad: expected a callable (out, time_slice) -> (loss, d_out), got {type(loss_and_grad).__name__}")
    chunk_len = check_positive_int("chunk_len", chunk_len)
    x = check_float_array("x", x, ("T", "B", stack.input_size))
    state, losses, total = initial, [], {}
    for start in range(0, x.shape[0], chunk_len):
        time_slice = slice(start, min(start + chunk_len, x.shape[0]))
        out, final, cache = stack.forward(x[time_slice], state)
        loss, d_out = loss_and_grad(out, time_slice)
        _, _, grads = stack.backward(d_out, cache)
        for name, g in grads.items():
            total[name] = total[name] + g if name in total else g.copy()
        if optimizer is not None:
            optimizer.step(grads)
        losses.append(float(loss))
        # carry the values, not the graph: the next chunk starts from a constant state
        state = tuple(s.copy() for s in final) if isinstance(final, tuple) else final.copy()
    return losses, total, state
