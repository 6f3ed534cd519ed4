r"""Encoder–decoder (sequence-to-sequence) models, from Sutskever et al. 2014 to GNMT in miniature.

**Encoder.** A stack of recurrent layers reads the source :math:`x_1 … x_S` and leaves
annotations :math:`h_1 … h_S` (the top layer's outputs) and each layer's final state.

**Decoder without attention** (Sutskever, Vinyals & Le 2014; the "context C" of Goodfellow et al. 2016, §10.4): each
decoder layer starts from the final state of the matching encoder layer — that state is the
*only* route from source to target, a fixed-size bottleneck however long the source is — and

.. math::  s_t = \mathrm{LSTM}(s_{t-1}, E[y_{t-1}]), \qquad
           p(y_t \mid y_{<t}, x) = \operatorname{softmax}(W_o s_t + b_o).

**Decoder with attention** (Bahdanau et al. 2014, placed as in Luong et al. 2015 and GNMT): the
bottom decoder layer's output :math:`s^{(0)}_t` queries the annotations
(:mod:`lstmlib.torch.attention`), giving a context :math:`a_t`; every layer above the bottom gets
:math:`[s^{(l-1)}_t; a_t]` as input, and the output layer reads
:math:`\tilde s_t = \tanh(W_c [s^{(L-1)}_t; a_t])`. Because the query is the bottom layer's
*current* output (Bahdanau used the previous state), teacher-forced training runs every layer over
all target steps in one call — much faster on a CPU than a Python loop over steps.

**Options**: ``reverse_source`` (Sutskever's trick: the first source words end up next to the
first target words), ``bidirectional_bottom`` (GNMT: only the bottom encoder layer reads both
ways), ``residual_from=l`` (GNMT: layers ``l, l+1, …`` add their input to their output,
:math:`x^{(l+1)} = \mathrm{LSTM}^{(l)}(x^{(l)}) + x^{(l)}`; Wu et al. start at the third layer,
``l = 2``). :func:`gnmt` builds the GNMT layout.

Training uses **teacher forcing**: the decoder is fed the *true* previous token
(``tgt[:-1]``) and predicts the next (``tgt[1:]``). At test time it must eat its own outputs:
:func:`greedy_decode` takes the arg-max each step; :mod:`lstmlib.torch.beam` keeps several
hypotheses.

Shapes are time-major: ``src (S, B)``, ``tgt (T, B)`` int64 ids, ``logits (T, B, V)``,
attention weights ``(T, B, S)`` in the *original* source order (also with ``reverse_source``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..validate import check_choice, check_nonnegative_int, check_positive_int
from .attention import make_attention
from .modules import set_forget_bias
from .trainer import train

__all__ = ["Seq2Seq", "Memory", "gnmt", "greedy_decode", "train_seq2seq", "TrainLog", "translate"]

PAD, BOS, EOS = 0, 1, 2  # the ids lstmlib.data.translation.Vocab uses


@dataclass
class Memory:
    """What the encoder hands the decoder: annotations ``outputs (S, B, D)`` (original order),
    ``mask (S, B)`` (True at real tokens) and the initial decoder state (one entry per layer)."""

    outputs: torch.Tensor
    mask: torch.Tensor
    init_state: list

    def index_select(self, idx: torch.Tensor) -> "Memory":
        """Pick batch columns ``idx`` (beam search reorders and copies hypotheses)."""
        return Memory(self.outputs.index_select(1, idx), self.mask.index_select(1, idx),
                      [_select_state(s, idx) for s in self.init_state])


def _select_state(state, idx):
    if isinstance(state, tuple):
        return tuple(s.index_select(1, idx) for s in state)
    return state.index_select(1, idx)


def _reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each column's first ``lengths[b]`` entries, leave the padding where it is.
    The same permutation undoes itself, so it also maps reversed outputs back."""
    S = x.shape[0]
    t = torch.arange(S, device=x.device).unsqueeze(1)            # (S, 1)
    L = lengths.to(x.device).unsqueeze(0)                         # (1, B)
    idx = torch.where(t < L, L - 1 - t, t)                        # (S, B)
    if x.dim() == 3:
        idx = idx.unsqueeze(-1).expand_as(x)
    return x.gather(0, idx)


class Seq2Seq(nn.Module):
    """An encoder–decoder with optional attention (see the module docstring).

    Parameters
    ----------
    src_vocab_size, tgt_vocab_size : vocabulary sizes (id 0 is padding, 1 BOS, 2 EOS).
    embed_size, hidden_size : embedding and recurrent layer widths.
    encoder_layers, decoder_layers : stack depths.
    cell : ``"lstm"`` or ``"gru"``.
    attention : ``None``, ``"additive"`` or ``"multiplicative"``.
    reverse_source : feed the source backwards (Sutskever et al. 2014).
    bidirectional_bottom : bottom encoder layer reads both directions (GNMT).
    residual_from : first layer index with a residual connection (``None``: none). Needs the
        layer's input and output widths to match, so with ``bidirectional_bottom`` it must be ≥ 2.
    dropout : dropout on each layer's output during training.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        *,
        embed_size: int = 32,
        hidden_size: int = 64,
        encoder_layers: int = 1,
        decoder_layers: int = 1,
        cell: str = "lstm",
        attention: str | None = None,
        reverse_source: bool = False,
        bidirectional_bottom: bool = False,
        residual_from: int | None = None,
        dropout: float = 0.0,
    ):
        super().__init__()
        V_src = check_positive_int("src_vocab_size", src_vocab_size)
        V_tgt = check_positive_int("tgt_vocab_size", tgt_vocab_size)
        E = check_positive_int("embed_size", embed_size)
        H = check_positive_int("hidden_size", hidden_size)
        self.encoder_layers = check_positive_int("encoder_layers", encoder_layers)
        self.decoder_layers = check_positive_int("decoder_layers", decoder_layers)
        self.cell = check_choice("cell", cell, ("lstm", "gru"))
        self.attention_kind = check_choice("attention", attention, (None, "additive", "multiplicative"))
        self.reverse_source = bool(reverse_source)
        self.bidirectional_bottom = bool(bidirectional_bottom)
        if residual_from is not None:
            residual_from = check_positive_int("residual_from", residual_from)
            if self.bidirectional_bottom and residual_from < 2:
                raise ValueError(
                    f"residual_from: expected ≥ 2 with bidirectional_bottom (layer 1 reads 2H "
                    f"features and writes H, so it cannot add its input), got {residual_from}"
                )
        self.residual_from = residual_from
        self.hidden_size = H
        rnn = nn.LSTM if self.cell == "lstm" else nn.GRU

        self.src_embed = nn.Embedding(V_src, E, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(V_tgt, E, padding_idx=PAD)
        self.encoder = nn.ModuleList()
        for layer in range(self.encoder_layers):
            bidir = self.bidirectional_bottom and layer == 0
            in_size = E if layer == 0 else (2 * H if (self.bidirectional_bottom and layer == 1) else H)
            self.encoder.append(rnn(in_size, H, bidirectional=bidir))
        memory_size = 2 * H if (self.bidirectional_bottom and self.encoder_layers == 1) else H
        self.decoder = nn.ModuleList()
        for layer in range(self.decoder_layers):
            in_size = E if layer == 0 else H + (memory_size if self.attention_kind else 0)
            self.decoder.append(rnn(in_size, H))
        if self.attention_kind:
            width = H if self.attention_kind == "additive" else None  # the multiplicative score has no hidden layer
            self.attention = make_attention(self.attention_kind, H, memory_size, width)
            self.combine = nn.Linear(H + memory_size, H)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(H, V_tgt)
        if self.cell == "lstm":
            # Forget-gate bias 1 (Gers et al. 2000; Jozefowicz et al. 2015): cells start by keeping
            # their content, so early gradients reach back through the sentence.
            for rnn in list(self.encoder) + list(self.decoder):
                set_forget_bias(rnn, 1.0)

    # ------------------------------------------------------------------ helpers
    def _residual(self, layer: int) -> bool:
        return self.residual_from is not None and layer >= self.residual_from

    def _check_src(self, src, src_len):
        if not (isinstance(src, torch.Tensor) and src.dim() == 2 and src.dtype == torch.long):
            raise TypeError(f"src: expected an int64 tensor of shape (S, B), got {getattr(src, 'shape', type(src))}")
        if tuple(src_len.shape) != (src.shape[1],):
            raise ValueError(f"src_len: expected shape ({src.shape[1]},), got {tuple(src_len.shape)}")
        if int(src_len.min()) < 1 or int(src_len.max()) > src.shape[0]:
            raise ValueError(f"src_len: expected lengths in 1…{src.shape[0]}, got {src_len.tolist()}")

    # ------------------------------------------------------------------ encoder
    def encode(self, src: torch.Tensor, src_len: torch.Tensor) -> Memory:
        """Read ``src (S, B)`` with lengths ``src_len (B,)``; return the :class:`Memory`."""
        self._check_src(src, src_len)
        src_len = src_len.cpu()
        if self.reverse_source:
            src = _reverse_within_length(src, src_len)
        x = self.drop(self.src_embed(src))                       # (S, B, E)
        finals = []
        for layer, rnn in enumerate(self.encoder):
            packed = pack_padded_sequence(x, src_len, enforce_sorted=False)
            out, final = rnn(packed)
            out, _ = pad_packed_sequence(out, total_length=src.shape[0])  # (S, B, H or 2H)
            out = self.drop(out)
            if layer >= 1 and self._residual(layer):
                out = out + x
            finals.append(final)
            x = out
        if self.reverse_source:
            x = _reverse_within_length(x, src_len)               # annotations in source order
        mask = (torch.arange(src.shape[0]).unsqueeze(1) < src_len.unsqueeze(0)).to(x.device)

        def merge(state):  # a bidirectional layer's two final states, summed to one (1, B, H)
            return state.sum(0, keepdim=True) if state.shape[0] == 2 else state

        init = []
        for layer in range(self.decoder_layers):
            f = finals[min(layer, len(finals) - 1)]
            init.append(tuple(merge(s) for s in f) if isinstance(f, tuple) else merge(f))
        return Memory(x, mask, init)

    # ------------------------------------------------------------------ decoder
    def _decode(self, y_in: torch.Tensor, state: list, memory: Memory):
        """Run the decoder over ``y_in (T, B)``; return ``(logits (T, B, V), state, attn)``."""
        x = self.drop(self.tgt_embed(y_in))                      # (T, B, E)
        new_state, attn, context = [], None, None
        for layer, rnn in enumerate(self.decoder):
            inp = x if (layer == 0 or context is None) else torch.cat([x, context], dim=-1)
            out, s = rnn(inp, state[layer])
            out = self.drop(out)
            new_state.append(s)
            if layer >= 1 and self._residual(layer):
                out = out + x
            if layer == 0 and self.attention_kind:
                # GNMT: the bottom decoder layer's output queries the top encoder layer
                context, attn = self.attention(out, memory.outputs, memory.mask)  # (T,B,D), (T,B,S)
            x = out
        if self.attention_kind:
            x = torch.tanh(self.combine(torch.cat([x, context], dim=-1)))
        return self.out(x), new_state, attn

    def forward(self, src, src_len, tgt_in):
        """Teacher-forced pass: ``tgt_in (T, B)`` starts with BOS; returns ``(logits (T, B, V),
        attention (T, B, S) or None)``."""
        memory = self.encode(src, src_len)
        logits, _, attn = self._decode(tgt_in, memory.init_state, memory)
        return logits, attn

    def loss(self, src, src_len, tgt) -> torch.Tensor:
        """Mean cross-entropy per target token (padding ignored); ``tgt (T, B)`` is framed
        ``<bos> … <eos>``: inputs ``tgt[:-1]``, targets ``tgt[1:]``."""
        logits, _ = self(src, src_len, tgt[:-1])
        return nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), tgt[1:].reshape(-1), ignore_index=PAD)

    def decode_step(self, tokens: torch.Tensor, state: list, memory: Memory):
        """One decoding step for ``tokens (B,)``: ``(log_probs (B, V), state, attn (B, S) or None)``."""
        logits, state, attn = self._decode(tokens.unsqueeze(0), state, memory)
        return torch.log_softmax(logits[0], dim=-1), state, (None if attn is None else attn[0])

    def describe(self) -> str:
        """A one-line summary for tables."""
        parts = [f"{self.cell.upper()} {self.encoder_layers}+{self.decoder_layers} layers × {self.hidden_size}"]
        parts.append(f"attention={self.attention_kind}")
        if self.reverse_source:
            parts.append("reversed source")
        if self.bidirectional_bottom:
            parts.append("bidirectional bottom")
        if self.residual_from is not None:
            parts.append(f"residual from layer {self.residual_from}")
        return ", ".join(parts)


def gnmt(src_vocab_size: int, tgt_vocab_size: int, *, layers: int = 8, hidden_size: int = 64,
         embed_size: int | None = None, residual: bool = True, attention: str = "additive",
         cell: str = "lstm", dropout: float = 0.0) -> Seq2Seq:
    """GNMT's layout (Wu et al. 2016) at any size: ``layers`` encoder and decoder layers, a
    bidirectional bottom encoder layer, residual connections from the third layer up (layer
    index 2; ``residual=False`` gives the plain stack), additive attention from the bottom decoder
    layer over the top encoder layer. The paper: 8 + 8 layers of 1024 LSTM units."""
    return Seq2Seq(src_vocab_size, tgt_vocab_size, embed_size=embed_size or hidden_size,
                   hidden_size=hidden_size, encoder_layers=layers, decoder_layers=layers, cell=cell,
                   attention=attention, bidirectional_bottom=True,
                   residual_from=2 if residual else None, dropout=dropout)


def _as_tensors(*arrays):
    return [torch.as_tensor(np.asarray(a), dtype=torch.long) for a in arrays]


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src, src_len, max_len: int = 60):
    """Arg-max decoding, all columns at once. Returns ``(ids, attention)``: a list of id lists (each
    ending at EOS, EOS dropped) and a list of ``(len, S)`` attention arrays (``None`` without)."""
    max_len = check_positive_int("max_len", max_len)
    src, src_len = _as_tensors(src, src_len)
    was_training = model.training
    model.eval()
    memory = model.encode(src, src_len)
    B = src.shape[1]
    tokens = torch.full((B,), BOS, dtype=torch.long)
    state = memory.init_state
    steps, attns = [], []
    done = torch.zeros(B, dtype=torch.bool)
    for _ in range(max_len):
        log_probs, state, attn = model.decode_step(tokens, state, memory)
        tokens = log_probs.argmax(-1)
        steps.append(tokens)
        attns.append(attn)
        done |= tokens == EOS
        if bool(done.all()):
            break
    model.train(was_training)
    ids = torch.stack(steps, 1).tolist()                          # (B, L)
    out_ids, out_attn = [], []
    for b in range(B):
        row = ids[b]
        n = row.index(EOS) if EOS in row else len(row)
        out_ids.append(row[:n])
        if attns[0] is None:
            out_attn.append(None)
        else:
            a = torch.stack([attns[t][b] for t in range(min(n + 1, len(attns)))]).numpy()
            out_attn.append(a[:, : int(src_len[b])])
    return out_ids, out_attn


def translate(model: Seq2Seq, data, pairs, *, batch_size: int = 256, max_len: int | None = None):
    """Greedy translations of ``pairs`` (from :class:`lstmlib.data.translation.TranslationData`)
    as token lists, with their attention arrays."""
    hyps, attns = [], []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i : i + batch_size]
        src, src_len, _, _ = data.batch(chunk)
        limit = max_len or int(2 * src.shape[0] + 10)
        ids, att = greedy_decode(model, src, src_len, max_len=limit)
        hyps += [data.tgt_vocab.decode(x) for x in ids]
        attns += att
    return hyps, attns


@dataclass
class TrainLog:
    """Training curve: ``step`` and ``loss`` lists (every ``log_every`` steps, mean over the window),
    plus ``seconds`` of wall time."""

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    seconds: float = 0.0


def _sampled_batches(data, batch_size: int, rng: np.random.Generator):
    """Random teacher-forcing batches ``(src, src_len, tgt)`` as tensors, for ever."""
    while True:
        src, src_len, tgt, _ = data.sample_batch(batch_size, rng)
        yield _as_tensors(src, src_len, tgt)


def _teacher_forced_loss(model, batch):
    return model.loss(*batch)


def train_seq2seq(model: Seq2Seq, data, *, steps: int, batch_size: int = 64, lr: float = 3e-3,
                  clip_norm: float = 1.0, seed: int = 0, log_every: int = 25,
                  time_limit: float | None = None) -> TrainLog:
    """Adam on teacher-forced cross-entropy with random training batches, gradient norm clipped
    (Sutskever et al. clip at 5; small models here are happier at 1), through the course's one
    training loop, :func:`lstmlib.torch.train`. Stops early at ``time_limit`` seconds (a
    notebook's budget), recording how far it got; leaves the model in eval mode."""
    steps = check_positive_int("steps", steps)
    log_every = check_positive_int("log_every", log_every)
    rng = np.random.default_rng(check_nonnegative_int("seed", seed))
    history = train(model, _sampled_batches(data, batch_size, rng), _teacher_forced_loss, steps=steps, lr=lr,
                    optimizer="adam", clip_norm=clip_norm, seed=seed, progress=False, time_limit=time_limit)
    log = TrainLog(seconds=history.seconds)
    for end in range(log_every, len(history.loss) + log_every, log_every):
        window = history.loss[end - log_every:end]  # the last window may be shorter
        log.step.append(history.step[len(window) + end - log_every - 1])
        log.loss.append(float(np.mean(window)))
    model.eval()
    return log
