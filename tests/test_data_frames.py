"""The movie-frames task: shapes, the label rule, and the per-frame accuracy bound it documents."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lstmlib.data.frames import ACTIVITIES, activity_names, make_frames, per_frame_accuracy_bound


def _decode(frames, n_objects=3, n_contexts=2):
    """Read object and (on scene openings) setting off noisy frames, as a perfect eye would."""
    obj = frames[..., :n_objects].argmax(-1)
    cue = frames[..., n_objects:n_objects + n_contexts]
    opening = cue.max(-1) > 0.5
    return obj, cue.argmax(-1), opening


def test_shapes_dtypes_and_label_rule():
    frames, labels, info = make_frames(5, 7, np.random.default_rng(0), n_contexts=3, n_objects=4,
                                       n_distractors=1, return_info=True)
    assert frames.shape == (7, 5, 4 + 3 + 1) and frames.dtype == np.float32
    assert labels.shape == (7, 5) and labels.dtype == np.int64
    assert np.array_equal(labels, info["context"] * 4 + info["object"])
    assert info["scene_start"][0].all()  # every film opens with an establishing shot
    assert labels.min() >= 0 and labels.max() < 12


def test_setting_is_constant_within_a_scene_and_visible_only_at_its_start():
    frames, _, info = make_frames(50, 30, np.random.default_rng(1), noise=0.0, return_info=True)
    ctx, start = info["context"], info["scene_start"]
    assert np.all((ctx[1:] == ctx[:-1]) | start[1:])
    cue = frames[..., 3:5]
    assert np.array_equal(cue.max(-1) == 1.0, start)
    assert np.array_equal(cue.argmax(-1)[start], ctx[start])
    assert np.all(frames[..., 5:] == 0.0)  # distractors carry nothing without noise


def test_same_seed_same_films_and_float64_option():
    a = make_frames(4, 6, np.random.default_rng(3), dtype=np.float64)
    b = make_frames(4, 6, np.random.default_rng(3), dtype=np.float64)
    assert a[0].dtype == np.float64
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize("cut_prob", [0.0, 0.1, 0.5])
def test_bound_is_the_accuracy_of_the_best_per_frame_rule(cut_prob):
    # The Bayes per-frame rule: read the setting when shown, otherwise guess (setting 0).
    frames, labels = make_frames(4000, 20, np.random.default_rng(2), cut_prob=cut_prob)
    obj, cue, opening = _decode(frames)
    acc = np.mean(np.where(opening, cue, 0) * 3 + obj == labels)
    bound = per_frame_accuracy_bound(20, 2, cut_prob)
    n = labels.size
    assert abs(acc - bound) < 4 * np.sqrt(0.25 / n)
    # Any other guess for the hidden setting does no better (here: always setting 1).
    acc1 = np.mean(np.where(opening, cue, 1) * 3 + obj == labels)
    assert acc1 < bound + 4 * np.sqrt(0.25 / n)


def test_a_model_with_memory_gets_every_frame_right():
    frames, labels = make_frames(500, 25, np.random.default_rng(4), cut_prob=0.05)
    obj, cue, opening = _decode(frames)
    remembered = np.zeros(labels.shape[1], dtype=int)
    correct = 0
    for t in range(labels.shape[0]):
        remembered = np.where(opening[t], cue[t], remembered)
        correct += np.sum(remembered * 3 + obj[t] == labels[t])
    assert correct == labels.size


def test_bound_formula():
    assert per_frame_accuracy_bound(20, 2, 0.1) == pytest.approx(0.5725)
    assert per_frame_accuracy_bound(1, 4, 0.3) == pytest.approx(1.0)  # a one-frame film shows its setting
    assert per_frame_accuracy_bound(10, 4, 0.0) == pytest.approx(0.1 + 0.9 / 4)
    assert per_frame_accuracy_bound(10, 1, 0.0) == pytest.approx(1.0)  # one setting: nothing to remember


def test_activity_names():
    assert activity_names() == ACTIVITIES and len(ACTIVITIES) == 6
    assert activity_names(2, 2) == ("c0/k0", "c0/k1", "c1/k0", "c1/k1")


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_sequences=0), ValueError, "n_sequences: expected a positive int, got 0"),
    (dict(seq_len=2.5), TypeError, "seq_len: expected a positive int"),
    (dict(cut_prob=1.5), ValueError, r"cut_prob: expected a float in \[0, 1\], got 1.5"),
    (dict(noise=-0.1), ValueError, "noise: expected a finite float ≥ 0"),
    (dict(n_contexts=0), ValueError, "n_contexts: expected a positive int, got 0"),
    (dict(n_distractors=-1), ValueError, "n_distractors: expected a non-negative int"),
    (dict(dtype=np.int32), ValueError, "dtype: expected one of"),
    (dict(rng=0), TypeError, "rng: expected a numpy.random.Generator, got int"),
])
def test_bad_arguments(kwargs, exc, match):
    args = dict(n_sequences=2, seq_len=3, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        make_frames(**args)


@settings(max_examples=40, deadline=None)
@given(B=st.integers(1, 6), T=st.integers(1, 12), C=st.integers(1, 4), K=st.integers(1, 4),
       cut=st.sampled_from([0.0, 0.2, 1.0]), D=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_properties_over_random_sizes(B, T, C, K, cut, D, seed):
    frames, labels, info = make_frames(B, T, np.random.default_rng(seed), n_contexts=C, n_objects=K,
                                       cut_prob=cut, n_distractors=D, noise=0.0, return_info=True)
    assert frames.shape == (T, B, K + C + D) and labels.shape == (T, B)
    assert np.array_equal(labels, info["context"] * K + info["object"])
    assert np.array_equal(frames[..., :K].argmax(-1), info["object"])
    start = info["scene_start"]
    assert start[0].all() and (cut < 1.0 or start.all()) and (cut > 0.0 or start.sum() == B)
    assert np.all((info["context"][1:] == info["context"][:-1]) | start[1:])
    assert np.array_equal(frames[..., K:K + C].sum(-1) == 1.0, start)
    assert 0.0 < per_frame_accuracy_bound(T, C, cut) <= 1.0
