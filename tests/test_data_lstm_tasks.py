"""Task generators of chapters 4–5: adding, temporal order, Reber grammars."""
import numpy as np
import pytest

from lstmlib.data.adding import make_adding, trivial_mse
from lstmlib.data.reber import (REBER_SYMBOLS, embedded_reber_string, is_embedded_reber,
                                make_continual_reber, reber_string)
from lstmlib.data.temporal_order import make_temporal_order


@pytest.mark.parametrize("variant", ["sum", "hochreiter"])
def test_adding_targets_are_the_marked_values(variant):
    rng = np.random.default_rng(0)
    x, y = make_adding(200, 30, rng, variant=variant)
    assert x.shape == (30, 200, 2) and y.shape == (200, 1) and x.dtype == np.float32
    markers = x[:, :, 1]
    assert np.all(markers.sum(0) == 2)
    first, second = [np.nonzero(markers[:, b])[0] for b in range(200)][0]
    assert first < 15 <= second  # one marker in each half
    pair = (x[:, :, 0] * markers).sum(0)
    want = pair if variant == "sum" else 0.5 + pair / 4
    np.testing.assert_allclose(y[:, 0], want, rtol=1e-6)


def test_adding_trivial_mse_matches_sampling():
    for variant in ("sum", "hochreiter"):
        _, y = make_adding(50_000, 10, np.random.default_rng(1), variant=variant)
        assert abs(y.var() - trivial_mse(variant)) < 0.05 * trivial_mse(variant)


def test_adding_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="variant"):
        make_adding(4, 10, rng, variant="product")
    with pytest.raises(ValueError, match="seq_len"):
        make_adding(4, 1, rng)
    with pytest.raises(TypeError, match="n"):
        make_adding(2.5, 10, rng)


def test_temporal_order_classes_and_positions():
    x, y, pos = make_temporal_order(300, 50, np.random.default_rng(0))
    assert x.shape == (50, 300, 8) and np.all(x.sum(-1) == 1)
    sym = x.argmax(-1)
    assert np.all(sym[0] == 6) and np.all(sym[-1] == 7)
    for b in range(300):
        relevant = np.nonzero(sym[:, b] >= 4)[0]
        relevant = relevant[sym[relevant, b] < 6]
        assert relevant.tolist() == pos[b].tolist()
        assert 5 <= pos[b, 0] <= 10 and 25 <= pos[b, 1] <= 30
        first, second = sym[relevant, b] - 4
        assert y[b] == 2 * first + second
    assert set(y.tolist()) == {0, 1, 2, 3}


def test_reber_strings_are_grammatical():
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = embedded_reber_string(rng)
        assert is_embedded_reber(s)
        assert reber_string(rng)[0] == "B"
    assert not is_embedded_reber("BTBTXSEPE")  # wrapper symbols differ
    assert not is_embedded_reber("BTBTTTEE")


def test_continual_reber_targets_allowed_and_critical():
    x, y, extra = make_continual_reber(4, 300, np.random.default_rng(0))
    assert x.shape == (300, 4, 7) and y.shape == (300, 4)
    t, b = np.meshgrid(np.arange(300), np.arange(4), indexing="ij")
    assert extra["allowed"][t, b, y].all()  # every actual next symbol is allowed
    crit = extra["critical"]
    assert crit.sum() > 10
    # at a critical step the input is the inner E and the next symbol is T or P, forced
    assert np.all(x[crit].argmax(-1) == REBER_SYMBOLS.index("E"))
    assert np.all(extra["allowed"][crit].sum(-1) == 1)
    stream = "".join(extra["strings"][0])
    assert "".join(REBER_SYMBOLS[k] for k in x[:, 0].argmax(-1)) == stream[:300]
