"""NumPy ground truth: every cell of the course, forward and hand-written backward.

Time-major sequences (T, B, F); row-vector maths x_t W_x + h_{t−1} W_h + b; parameters are plain
``dict[str, np.ndarray]``. Every backward is checked by finite differences (:mod:`.gradcheck`)
and, for RNN/LSTM/GRU, against ``torch.nn`` to 1e−10 in float64 (tests/test_reference_*.py).
"""
from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations_all
from .gradcheck import *  # noqa: F401,F403
from .gradcheck import __all__ as _gradcheck_all
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all

__all__ = [*_activations_all, *_layers_all, *_gradcheck_all]
