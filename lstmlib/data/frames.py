r"""The movie-frames task: label every frame of a film, where the right label depends on the past.

Edwin Chen's "Exploring LSTMs" (see the course's Sources page) motivates recurrent networks with a
film: label each frame with an activity. A frame showing *someone in water* should be labelled
*swimming* if the scene is set on a beach and *bathing* if it is set at home — and the location was
shown only in the scene's first shot (its *establishing shot*), several frames earlier. A
classifier that looks at one frame at a time cannot know where the scene is set; a model that
carries a state from frame to frame can.

The generator
-------------
A film is ``seq_len`` frames long and is cut into scenes. A new scene starts at ``t = 0`` and
after each frame with probability ``cut_prob``. Each scene draws a *setting* (context)
``c ∈ {0, …, C−1}`` uniformly and independently; each frame draws an *object*
``k ∈ {0, …, K−1}`` uniformly and independently. The frame's label (its activity) is

.. math::   y_t = s_t \cdot K + k_t ,

so there are ``C · K`` classes. The frame's feature vector (``F = K + C + n_distractors``) is

* ``[0, K)`` — the one-hot object ``k_t``, always visible;
* ``[K, K + C)`` — the one-hot setting ``s_t``, visible **only** on the scene's first frame
  (zeros elsewhere);
* ``[K + C, F)`` — distractor features that carry no information;

plus Gaussian noise of standard deviation ``noise`` on every feature.

The bound a per-frame classifier cannot beat
--------------------------------------------
A per-frame classifier is any function of ``x_t`` alone. On a scene's first frame it can read the
setting and may be right. On every other frame, ``x_t`` is independent of ``s_t`` (the setting
channel is noise and ``s_t`` is uniform and independent of everything else in the frame), so
whatever it answers is right with probability at most ``1/C``. With ``e`` the expected fraction
of frames that open a scene,

.. math::   e = \frac{1 + (T - 1)\,p_\text{cut}}{T}, \qquad
            \text{accuracy}_\text{per-frame} \le e + (1 - e)\,\frac{1}{C}.

:func:`per_frame_accuracy_bound` returns this number. It is the Bayes accuracy when the objects
are perfectly recognisable (``noise`` small); with more noise any per-frame classifier does worse
still. A model that remembers the last setting it saw can be right on every frame (up to the
noise): the gap between the two is the reason for chapter 2.

With the defaults (``C = 2``, ``T = 20``, ``p_cut = 0.1``) the bound is ``0.5 + 0.5 · 0.145 =
0.5725``.

Example
-------
>>> import numpy as np
>>> frames, labels = make_frames(64, 20, np.random.default_rng(0))
>>> frames.shape, labels.shape                 # time-major: (T, B, F) and (T, B)
((20, 64, 7), (20, 64))
>>> round(per_frame_accuracy_bound(20, n_contexts=2, cut_prob=0.1), 4)
0.5725
"""
from __future__ import annotations

import numpy as np

from ..validate import check_choice, check_nonnegative_int, check_positive_float, check_positive_int, check_probability

__all__ = [
    "make_frames",
    "per_frame_accuracy_bound",
    "activity_names",
    "SETTINGS",
    "OBJECTS",
    "ACTIVITIES",
]

#: Names for the default task (``n_contexts=2``, ``n_objects=3``), after the examples of "Exploring LSTMs".
SETTINGS = ("beach", "home")
OBJECTS = ("in water", "lying down", "food")
#: ``ACTIVITIES[c * K + k]`` is the activity for setting ``c`` and object ``k``.
ACTIVITIES = ("swimming", "sunbathing", "picnic", "bathing", "sleeping", "cooking")


def activity_names(n_contexts: int = 2, n_objects: int = 3) -> tuple[str, ...]:
    """Readable class names: :data:`ACTIVITIES` for the default sizes, ``"c1/k2"`` otherwise."""
    n_contexts = check_positive_int("n_contexts", n_contexts)
    n_objects = check_positive_int("n_objects", n_objects)
    if (n_contexts, n_objects) == (len(SETTINGS), len(OBJECTS)):
        return ACTIVITIES
    return tuple(f"c{c}/k{k}" for c in range(n_contexts) for k in range(n_objects))


def per_frame_accuracy_bound(seq_len: int, n_contexts: int = 2, cut_prob: float = 0.1) -> float:
    r"""The highest expected accuracy of any classifier that sees one frame at a time.

    ``e + (1 − e) / C`` with ``e = (1 + (T − 1) p_cut) / T`` the expected fraction of frames that
    open a scene (see the module docstring for the argument). It is an expectation over films:
    on a finite test set a per-frame classifier's measured accuracy fluctuates around it by about
    ``sqrt(bound (1 − bound) / n_frames)`` (less, since labels on opening frames do not vary).
    """
    seq_len = check_positive_int("seq_len", seq_len)
    n_contexts = check_positive_int("n_contexts", n_contexts)
    cut_prob = check_probability("cut_prob", cut_prob)
    opening = (1.0 + (seq_len - 1) * cut_prob) / seq_len
    return opening + (1.0 - opening) / n_contexts


def make_frames(
    n_sequences: int,
    seq_len: int,
    rng: np.random.Generator,
    *,
    n_contexts: int = 2,
    n_objects: int = 3,
    cut_prob: float = 0.1,
    noise: float = 0.1,
    n_distractors: int = 2,
    dtype=np.float32,
    return_info: bool = False,
):
    r"""Generate ``n_sequences`` films of ``seq_len`` frames with one activity label per frame.

    Parameters
    ----------
    n_sequences : B, the number of films (the batch).
    seq_len : T, frames per film.
    rng : a ``numpy.random.Generator`` (e.g. from :func:`lstmlib.seed_everything`).
    n_contexts : C, the number of settings (shown only on a scene's first frame).
    n_objects : K, the number of objects (shown on every frame).
    cut_prob : probability that a new scene starts after a frame; ``0`` gives one scene per film,
        whose setting must then be remembered from frame 0 to frame T − 1.
    noise : standard deviation of the Gaussian noise added to every feature (``0`` allowed).
    n_distractors : extra features that carry only noise.
    dtype : ``np.float32`` or ``np.float64`` for ``frames``.
    return_info : also return a dict with the hidden variables.

    Returns
    -------
    frames : float array ``(T, B, F)`` with ``F = K + C + n_distractors`` (time-major).
    labels : int64 array ``(T, B)``, ``labels[t, b] = context[t, b] * K + object[t, b]``.
    info : (only with ``return_info``) ``{"context": (T, B) int, "object": (T, B) int,
        "scene_start": (T, B) bool, "bound": float}`` where ``bound`` is
        :func:`per_frame_accuracy_bound` for these settings.
    """
    n_sequences = check_positive_int("n_sequences", n_sequences)
    seq_len = check_positive_int("seq_len", seq_len)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    n_contexts = check_positive_int("n_contexts", n_contexts)
    n_objects = check_positive_int("n_objects", n_objects)
    cut_prob = check_probability("cut_prob", cut_prob)
    noise = check_positive_float("noise", noise, allow_zero=True)
    n_distractors = check_nonnegative_int("n_distractors", n_distractors)
    dtype = np.dtype(dtype)
    check_choice("dtype", dtype, [np.dtype(np.float32), np.dtype(np.float64)])

    T, B, K, C = seq_len, n_sequences, n_objects, n_contexts
    # A scene starts at t = 0 and, independently, after each frame with probability cut_prob.
    scene_start = rng.random((T, B)) < cut_prob
    scene_start[0] = True
    # Each scene draws its setting once; cumsum numbers the scenes so every frame looks its
    # scene's setting up without a Python loop over time.
    scene_id = np.cumsum(scene_start, axis=0) - 1                      # (T, B), 0-based per film
    scene_context = rng.integers(0, C, size=(T, B))                    # enough draws for T scenes
    context = np.take_along_axis(scene_context, scene_id, axis=0)      # (T, B)
    obj = rng.integers(0, K, size=(T, B))                              # (T, B)
    labels = (context * K + obj).astype(np.int64)

    F = K + C + n_distractors
    frames = np.zeros((T, B, F), dtype=np.float64)
    t_idx, b_idx = np.indices((T, B))
    frames[t_idx, b_idx, obj] = 1.0
    # The setting is visible on the establishing shot only — the whole point of the task.
    ts, bs = np.nonzero(scene_start)
    frames[ts, bs, K + context[ts, bs]] = 1.0
    if noise > 0:
        frames += noise * rng.standard_normal(frames.shape)
    frames = frames.astype(dtype)

    if not return_info:
        return frames, labels
    info = {
        "context": context.astype(np.int64),
        "object": obj.astype(np.int64),
        "scene_start": scene_start,
        "bound": per_frame_accuracy_bound(T, C, cut_prob),
    }
    return frames, labels, info
