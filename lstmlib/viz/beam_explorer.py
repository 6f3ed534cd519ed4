"""The beam-search explorer of chapter 9: sliders for beam width, α and β, bound to one frozen model.

A widget that decodes with "the model" and caches its results must know *which* model: chapter 9
shows an early, unsure model to make beam search matter, and later trains it on. If the widget
kept a reference to that model and a cache keyed only by ``(width, α, β)``, a reader who ran all
cells would see cached BLEU from the early model beside translations from the trained one.
:class:`BeamExplorer` therefore takes a *deep copy* of the model when it is built (evaluation
mode, gradients off), decodes only with that copy, and owns its cache: training the original
afterwards cannot change what the explorer shows.
"""
from __future__ import annotations

import copy

from ..metrics import corpus_bleu
from ..torch.beam import beam_translate, coverage_penalty, length_penalty

__all__ = ["BeamExplorer"]


class BeamExplorer:
    """Beam search on a frozen copy of ``model`` for the test ``sample`` and one ``sentence``.

    ``data`` is the :class:`~lstmlib.data.translation.TranslationData` the model was trained on,
    ``sample`` a list of ``(source tokens, target tokens)`` pairs scored with corpus BLEU, and
    ``sentence`` a list of source tokens whose whole beam :meth:`show` prints.
    """

    def __init__(self, model, data, sample, sentence):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.data = data
        self.sample = list(sample)
        if not self.sample:
            raise ValueError("sample: expected at least one (source, target) pair, got none")
        self.references = [target for _, target in self.sample]
        self.sentence = list(sentence)
        self.src_ids = data.src_vocab.encode(self.sentence)
        self._best = {}

    def hypotheses(self, width: int, alpha: float, beta: float) -> list:
        """The best :class:`~lstmlib.torch.beam.Hypothesis` for every sample sentence (cached)."""
        key = (int(width), float(alpha), float(beta))
        if key not in self._best:
            self._best[key] = [beam_translate(self.model, self.data.src_vocab.encode(src), beam_width=key[0],
                                              alpha=key[1], beta=key[2])[0] for src, _ in self.sample]
        return self._best[key]

    def translations(self, width: int, alpha: float, beta: float) -> list[list[str]]:
        """The best output of every sample sentence, as target tokens."""
        return [self.data.tgt_vocab.decode(h.tokens) for h in self.hypotheses(width, alpha, beta)]

    def bleu(self, width: int, alpha: float, beta: float) -> float:
        """Corpus BLEU of :meth:`translations` against the sample's references."""
        return corpus_bleu(self.translations(width, alpha, beta), self.references)

    def length_ratio(self, width: int, alpha: float, beta: float) -> float:
        """Total output length ÷ total reference length (tokens)."""
        words = self.translations(width, alpha, beta)
        return sum(map(len, words)) / sum(map(len, self.references))

    def beam(self, width: int, alpha: float, beta: float) -> list:
        """Every hypothesis the beam returns for ``sentence``, best first."""
        return beam_translate(self.model, self.src_ids, beam_width=int(width), alpha=float(alpha), beta=float(beta))

    def show(self, beam_width: int = 4, alpha: float = 0.2, beta: float = 0.2, top: int = 6) -> None:
        """Print the sample's BLEU and the top hypotheses for ``sentence`` with their scores."""
        print(f"BLEU on the {len(self.sample)} sentences: {self.bleu(beam_width, alpha, beta):.1f}")
        for h in self.beam(beam_width, alpha, beta)[:top]:
            words = " ".join(self.data.tgt_vocab.decode(h.tokens))
            print(f"score {h.score:7.3f}  log P {h.log_prob:7.3f}  lp {length_penalty(len(h.tokens), alpha):5.2f}"
                  f"  cp {coverage_penalty(h.attention, beta):6.3f}  {words}")

    def widget(self, max_width: int = 16):
        """An ``ipywidgets.interactive`` over :meth:`show`, or ``None`` without ipywidgets."""
        try:
            import ipywidgets as widgets
        except ImportError:
            return None
        return widgets.interactive(self.show, beam_width=widgets.IntSlider(4, 1, max_width),
                                   alpha=widgets.FloatSlider(0.2, min=0, max=2, step=0.1),
                                   beta=widgets.FloatSlider(0.2, min=0, max=1, step=0.1),
                                   top=widgets.fixed(6))
