"""Self-checks for the sequence-to-sequence chapters (8 and 9): additive attention and one step of
beam search. Expected values come from :mod:`lstmlib.reference.attention` and
:mod:`lstmlib.reference.beam`; the mistake models are written out here.
"""
from __future__ import annotations

import numpy as np

from lstmlib import reference as ref
from lstmlib.reference import attention as ref_attention
from lstmlib.reference import beam as ref_beam

from .harness import (
    Case, Mistake, SelfCheckError, _call, _run_check, _to_array, _unpack,
)

__all__ = ["check_beam_search_step", "check_additive_attention", "check_masked_cross_entropy", "check_gnmt_score"]


# ----------------------------------------------------------------------------------------------
# beam search step
# ----------------------------------------------------------------------------------------------

def check_beam_search_step(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(beam_scores, log_probs, beam_size) -> (scores, beam_ids, token_ids)``.

    ``beam_scores`` (K,) are the log-probabilities of the K live hypotheses, ``log_probs`` (K, V)
    the model's next-token log-probabilities for each. The step scores every extension
    ``beam_scores[k] + log_probs[k, v]`` and keeps the ``beam_size`` best *over all K·V
    candidates* (not per beam), sorted best first: ``scores`` (beam_size,), and for each the
    hypothesis it extends ``beam_ids`` and the token ``token_ids`` (integer arrays).
    Cases: the first step (K = 1), greedy (beam_size 1), a vocabulary smaller than the beam
    (the survivors must come from several beams), and ``-inf`` for forbidden tokens."""
    what = "beam_search_step"
    rng = np.random.default_rng(seed)

    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    cases = []
    for name, K, V, k in [("generic", 4, 10, 4), ("first step K = 1", 1, 8, 3), ("greedy", 3, 7, 1),
                          ("V < beam", 5, 3, 5), ("forbidden tokens", 3, 6, 3)]:
        lp = log_softmax(2 * rng.normal(size=(K, V)))
        if name == "forbidden tokens":
            lp[:, 0] = -np.inf
        scores = np.sort(-np.abs(rng.normal(size=K)) * 3)[::-1].copy()
        cases.append(Case(name, {"beam_scores": scores, "log_probs": lp, "beam_size": k}, {"k": k, "V": V}))

    def call(case):
        s, b, t = _unpack(_call(student_fn, case, what), ["scores", "beam_ids", "token_ids"], what)
        k = case.extra["k"]
        s = _to_array("scores", s, None, what, case)
        n = s.size
        if n != k:
            K = len(case.args["beam_scores"])
            raise SelfCheckError(
                f"{what}: you returned {n} survivors, expected beam_size = {k} (case '{case.name}', "
                f"K = {K} live beams)." + (" Keep the beam_size best of *all* K·V extensions: one beam "
                                           "may contribute several survivors." if n == min(K, k) else ""))
        out = {"scores": _to_array("scores", s, (k,), what, case)}
        for name, v in (("beam_ids", b), ("token_ids", t)):
            arr = _to_array(name, v, None, what, case)
            if arr.shape != (k,) or not np.all(arr == np.round(arr)):
                raise SelfCheckError(f"{what}: {name} must be {k} integers, got shape {arr.shape} dtype {arr.dtype} "
                                     f"(case '{case.name}').")
            out[name] = arr
        return out

    def reference(case):
        s, b, t = ref_beam.beam_search_step(case.args["beam_scores"], case.args["log_probs"], case.args["beam_size"])
        return {"scores": s, "beam_ids": b.astype(float), "token_ids": t.astype(float)}

    def variant(add_scores=True, per_beam=False, ascending=False, divisor_k=False):
        def outputs(case):
            bs, lp, k = case.args["beam_scores"], case.args["log_probs"], case.args["beam_size"]
            total = (bs[:, None] if add_scores else 0) + lp
            if per_beam:  # the best token of each beam, then the best beams
                tok = total.argmax(axis=1)
                sc = total[np.arange(len(bs)), tok]
                order = np.argsort(-sc, kind="stable")[:k]
                if len(order) < k:
                    raise ValueError
                return {"scores": sc[order], "beam_ids": order.astype(float), "token_ids": tok[order].astype(float)}
            flat = total.ravel()
            best = np.argsort(-flat, kind="stable")[:k]
            if ascending:
                best = best[::-1]
            if divisor_k:
                beam_ids, token_ids = best % len(bs), best // len(bs)
            else:
                beam_ids, token_ids = np.divmod(best, lp.shape[1])
            return {"scores": flat[best] if add_scores else (bs[beam_ids] + lp[beam_ids, token_ids]),
                    "beam_ids": beam_ids.astype(float), "token_ids": token_ids.astype(float)}
        return outputs

    mistakes = [
        Mistake("the hypotheses' scores are not added: rank beam_scores[k] + log_probs[k, v], not log_probs alone.",
                variant(add_scores=False)),
        Mistake("you keep the best token of each beam; keep the beam_size best of *all* K·V extensions "
                "(one beam may contribute several survivors).", variant(per_beam=True)),
        Mistake("the survivors are sorted worst first; return them best first.", variant(ascending=True)),
        Mistake("the flat index is split with K; with the flattened (K, V) array, beam = index // V, token = index % V.",
                variant(divisor_k=True)),
    ]

    def hints(failures, cases, outputs, wants):
        return "rank all K·V values beam_scores[:, None] + log_probs, keep the best beam_size, best first."

    _run_check("beam search step", student_fn, cases, call, reference, mistakes,
               ["scores", "beam_ids", "token_ids"], hints)


# ----------------------------------------------------------------------------------------------
# additive attention (chapter 8)
# ----------------------------------------------------------------------------------------------

def _attention_mistake(query, keys, W_q, W_k, v, mask, *, squash=np.tanh, softmax_axis=1,
                       use_mask=True, normalise=True):
    """Additive attention with a typical mistake switched on (the right one is
    :func:`lstmlib.reference.attention.additive_attention`)."""
    hidden = squash(query[None] @ W_q + keys @ W_k)           # (S, B, A)
    scores = (hidden @ v).T                                   # (B, S)
    if use_mask:
        scores = np.where(mask.T, scores, -np.inf)
    if normalise:
        shifted = scores - scores.max(axis=softmax_axis, keepdims=True)
        weights = np.exp(shifted)
        weights = weights / weights.sum(axis=softmax_axis, keepdims=True)
    else:
        weights = np.where(np.isfinite(scores), scores, 0.0)
    context = np.einsum("bs,sbd->bd", weights, keys)           # (B, Dk)
    return context, weights


def check_additive_attention(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(query, keys, W_q, W_k, v, mask) -> (context, weights)`` (chapter 8).

    Additive (Bahdanau) attention for one decoder step, in the course's row-vector convention:
    ``e[b, j] = tanh(query[b] @ W_q + keys[j, b] @ W_k) @ v``; ``weights[b]`` is the softmax of
    ``e[b]`` over the source positions j, with weight exactly 0 where ``mask[j, b]`` is False
    (padding); ``context[b] = Σ_j weights[b, j] keys[j, b]``. Shapes: ``query`` (B, Dq),
    ``keys`` (S, B, Dk), ``W_q`` (Dq, A), ``W_k`` (Dk, A), ``v`` (A,), ``mask`` (S, B) bool;
    ``context`` (B, Dk), ``weights`` (B, S). Cases: generic, batch 1, one source position,
    padded sentences, and scores large enough to overflow an unshifted exp()."""
    what = "additive_attention"
    rng = np.random.default_rng(seed)
    cases = []
    for name, B, S, Dq, Dk, A, scale in [("generic", 3, 5, 4, 6, 7, 1.0), ("batch 1", 1, 4, 3, 3, 5, 1.0),
                                         ("one source position", 2, 1, 3, 4, 2, 1.0),
                                         ("padded sentences", 3, 6, 4, 5, 4, 1.0),
                                         ("large scores", 2, 4, 3, 3, 3, 2000.0)]:
        mask = np.ones((S, B), dtype=bool)
        if name == "padded sentences":
            for b, length in enumerate([6, 3, 1]):
                mask[length:, b] = False
        args = {"query": rng.normal(size=(B, Dq)), "keys": rng.normal(size=(S, B, Dk)),
                "W_q": rng.normal(size=(Dq, A)), "W_k": rng.normal(size=(Dk, A)),
                "v": rng.normal(size=A), "mask": mask}
        if scale != 1.0:  # rescale v so the largest score is `scale`: exp() of it overflows unless shifted
            scores = np.tanh(args["query"][None] @ args["W_q"] + args["keys"] @ args["W_k"]) @ args["v"]
            args["v"] = args["v"] * scale / scores.max() if scores.max() > 0 else -args["v"] * scale / scores.min()
        cases.append(Case(name, args, {"B": B, "S": S, "Dk": Dk}))

    def call(case):
        context, weights = _unpack(_call(student_fn, case, what), ["context", "weights"], what)
        B, S, Dk = case.extra["B"], case.extra["S"], case.extra["Dk"]
        return {"context": _to_array("context", context, (B, Dk), what, case),
                "weights": _to_array("weights", weights, (B, S), what, case)}

    def reference(case):
        a = case.args
        context, weights = ref_attention.additive_attention(a["query"], a["keys"], a["W_q"], a["W_k"], a["v"],
                                                            a["mask"])
        return {"context": context, "weights": weights}

    def variant(**kw):
        def outputs(case):
            a = case.args
            context, weights = _attention_mistake(a["query"], a["keys"], a["W_q"], a["W_k"], a["v"],
                                                  a["mask"], **kw)
            if not (np.all(np.isfinite(context)) and np.all(np.isfinite(weights))):
                raise ValueError  # this mistake cannot produce finite outputs here
            return {"context": context, "weights": weights}
        return outputs

    mistakes = [
        Mistake("the mask is ignored: padding positions (mask False) must get weight exactly 0 — set their "
                "scores to -inf before the softmax.", variant(use_mask=False)),
        Mistake("the softmax runs over the batch axis; normalise each sentence's scores over its source "
                "positions (axis 1 of the (B, S) scores).", variant(softmax_axis=0)),
        Mistake("the scores have no tanh: e = vᵀ tanh(W_q s + W_k h_j); without it the score is linear.",
                variant(squash=lambda x: x)),
        Mistake("the raw scores are used as weights: apply a softmax so the weights are positive and sum to 1.",
                variant(normalise=False)),
    ]

    def hints(failures, cases, outputs, wants):
        names = {f[0].name for f in failures}
        if names <= {"large scores"}:
            return "only the large-scores case fails: subtract each row's maximum score before exp()."
        if names <= {"padded sentences"}:
            return "only the padded case fails: look at how you treat positions where mask is False."
        return "check the weights first: each row must be positive, sum to 1 and be 0 on padding."

    _run_check("additive attention", student_fn, cases, call, reference, mistakes, ["weights", "context"], hints)


# ----------------------------------------------------------------------------------------------
# the teacher-forced loss over padded target sentences (chapter 8)
# ----------------------------------------------------------------------------------------------

def _scalar(name, value, what, case) -> np.ndarray:
    arr = _to_array(name, value, None, what, case)
    if arr.size != 1:
        raise SelfCheckError(f"{what}: {name} must be a single number, got an array of shape {arr.shape} "
                             f"(case '{case.name}').")
    if not np.isfinite(arr).all():
        raise SelfCheckError(f"{what}: {name} is {float(arr.reshape(()))} in case '{case.name}'. Hint: exp() of "
                             f"large logits overflows; compute log-softmax as z − max(z) − log Σ exp(z − max(z)).")
    return arr.reshape(())


def check_masked_cross_entropy(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(logits, targets, mask) -> loss``, the teacher-forced training loss of a
    decoder on a padded batch: the mean of −log softmax(logits[t, b])[targets[t, b]] over the real
    target tokens (``mask[t, b]`` True) only. Shapes: ``logits`` (T, B, V), ``targets`` (T, B)
    integers, ``mask`` (T, B) bool. Expected values from
    :func:`lstmlib.reference.softmax_cross_entropy` on the real tokens."""
    what = "masked_cross_entropy"
    rng = np.random.default_rng(seed)
    cases = []
    for name, T, lengths, V, offset in [("padded batch", 6, [6, 4, 2], 5, 0.0), ("no padding", 4, [4, 4], 7, 0.0),
                                        ("batch 1", 5, [3], 4, 0.0), ("unequal lengths", 8, [8, 1, 5, 3], 6, 0.0),
                                        ("large logits", 4, [4, 2], 5, 900.0)]:
        B = len(lengths)
        mask = np.arange(T)[:, None] < np.array(lengths)[None, :]
        targets = rng.integers(3, V, size=(T, B))
        targets[~mask] = 0  # <pad>
        cases.append(Case(name, {"logits": offset + 2 * rng.normal(size=(T, B, V)), "targets": targets, "mask": mask},
                          {"B": B}))

    def call(case):
        (loss,) = _unpack(_call(student_fn, case, what), ["loss"], what)
        return {"loss": _scalar("loss", loss, what, case)}

    def token_losses(case):
        a = case.args
        return -np.take_along_axis(ref.log_softmax(a["logits"], axis=-1), a["targets"][..., None], axis=-1)[..., 0]

    def reference(case):
        a = case.args
        loss, _ = ref.softmax_cross_entropy(a["logits"][a["mask"]], a["targets"][a["mask"]])
        return {"loss": np.array(loss)}

    def variant(kind):
        def outputs(case):
            nll, mask = token_losses(case), case.args["mask"]
            if kind == "no mask":
                return {"loss": np.array(nll.mean())}
            if kind == "all positions":
                return {"loss": np.array((nll * mask).sum() / mask.size)}
            if kind == "sum":
                return {"loss": np.array((nll * mask).sum())}
            if kind == "per sentence":
                return {"loss": np.array(((nll * mask).sum(axis=0) / mask.sum(axis=0)).mean())}
            if kind == "sum over time":
                return {"loss": np.array((nll * mask).sum() / mask.shape[1])}
            raise ValueError(kind)
        return outputs

    mistakes = [
        Mistake("the mask is ignored: padding positions are scored as if they were words. Average over the "
                "real tokens only (mask True).", variant("no mask")),
        Mistake("padding is zeroed but still counted: divide by the number of real tokens, mask.sum(), not T·B.",
                variant("all positions")),
        Mistake("the loss is a sum; the course averages over the real tokens.", variant("sum")),
        Mistake("each sentence is averaged first, then the sentences: short sentences weigh as much as long "
                "ones. Average over all real tokens at once.", variant("per sentence")),
        Mistake("the loss is summed over time and averaged over the batch; average over the real tokens.",
                variant("sum over time")),
    ]

    def hints(failures, cases, outputs, wants):
        if {f[0].name for f in failures} <= {"large logits"}:
            return "only the large logits fail: subtract each row's max before exp()."
        return "loss = Σ over real tokens of −log p(target) / number of real tokens."

    _run_check("masked cross-entropy (loss)", student_fn, cases, call, reference, mistakes, ["loss"], hints)


# ----------------------------------------------------------------------------------------------
# GNMT's length and coverage penalties (chapter 9)
# ----------------------------------------------------------------------------------------------

def check_gnmt_score(student_fn, seed: int = 0) -> None:
    """Check ``student_fn(log_prob, length, attention, alpha, beta) -> score``, GNMT's score of a
    finished hypothesis (Wu et al. 2016, §7) against :func:`lstmlib.reference.beam.gnmt_score`:
    :math:`s = \log P / lp + cp`, :math:`lp = ((5 + |Y|)/6)^\alpha`,
    :math:`cp = \beta \sum_i \log \min(\sum_j p_{ij}, 1)`, with ``attention`` of shape
    ``(len_Y, len_X)``: row j is target step j's attention over the source words."""
    what = "gnmt_score"
    rng = np.random.default_rng(seed)
    cases = []
    for name, Y, X, alpha, beta, logp in [("the paper's α = β = 0.2", 7, 5, 0.2, 0.2, -4.3),
                                          ("no penalties", 4, 3, 0.0, 0.0, -2.0),
                                          ("length only, α = 1", 9, 4, 1.0, 0.0, -6.1),
                                          ("coverage only, β = 0.5", 6, 4, 0.0, 0.5, -3.2),
                                          ("a word never attended", 5, 6, 0.6, 0.3, -5.0),
                                          ("one target token", 1, 3, 0.2, 0.2, -0.7)]:
        attention = rng.dirichlet(np.full(X, 0.7), size=Y)
        if name == "a word never attended":
            attention[:, 0] = 0.0
            attention /= attention.sum(axis=1, keepdims=True)
        cases.append(Case(name, {"log_prob": logp, "length": Y, "attention": attention, "alpha": alpha,
                                 "beta": beta}, {}))

    def call(case):
        (score,) = _unpack(_call(student_fn, case, what), ["score"], what)
        arr = _to_array("score", score, None, what, case)
        if arr.size != 1:
            raise SelfCheckError(f"{what}: the score must be a single number, got an array of shape {arr.shape} "
                                 f"(case '{case.name}').")
        return {"score": arr.reshape(())}

    def reference(case):
        a = case.args
        return {"score": np.array(ref_beam.gnmt_score(a["log_prob"], a["length"], a["attention"], a["alpha"], a["beta"]))}

    def variant(lp="gnmt", divide=True, cap=True, axis=0, use_beta=True):
        def outputs(case):
            a = case.args
            Y, alpha = a["length"], a["alpha"]
            penalty = {"gnmt": ((5 + Y) / 6) ** alpha, "plain": Y ** alpha, "no six": (5 + Y) ** alpha}[lp]
            coverage = a["attention"].sum(axis=axis)
            if cap:
                coverage = np.minimum(coverage, 1.0)
            with np.errstate(divide="ignore"):
                cp = np.log(np.clip(coverage, 1e-10, None)).sum() * (a["beta"] if use_beta else 1.0)
            base = a["log_prob"] / penalty if divide else a["log_prob"] * penalty
            return {"score": np.array(base + cp)}
        return outputs

    mistakes = [
        Mistake("the length penalty is |Y|^α; GNMT's is ((5 + |Y|)/6)^α.", variant(lp="plain")),
        Mistake("the length penalty misses the division by 6: lp = ((5 + |Y|)/6)^α.", variant(lp="no six")),
        Mistake("log P is multiplied by lp; GNMT divides: log P / lp.", variant(divide=False)),
        Mistake("the coverage has no cap: words attended more than once must not earn a bonus — "
                "log min(Σ_j p_ij, 1).", variant(cap=False)),
        Mistake("the coverage sums each target step's row; it sums the attention each *source word* received: "
                "the columns, Σ over target steps j (axis 0 of (|Y|, |X|)).", variant(axis=1)),
        Mistake("the coverage penalty is not multiplied by β.", variant(use_beta=False)),
    ]

    def hints(failures, cases, outputs, wants):
        names = {f[0].name for f in failures}
        if names <= {"a word never attended"}:
            return "only the case with an unattended word fails: log 0 = −inf; floor the coverage at 1e-10."
        return "s = log P / ((5 + |Y|)/6)^α + β Σ_i log min(Σ_j p_ij, 1)."

    _run_check("GNMT score", student_fn, cases, call, reference, mistakes, ["score"], hints)
