"""NumPy ground truth: every cell of the course, forward and hand-written backward.

Time-major sequences (T, B, F); row-vector maths x_t W_x + h_{t−1} W_h + b; parameters are plain
``dict[str, np.ndarray]``. Every backward is checked by finite differences (:func:`gradcheck`)
and, for RNN/LSTM/GRU, against ``torch.nn`` to 1e−10 in float64 (tests/test_reference_*.py).
"""
from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations_all
from .gradcheck import *  # noqa: F401,F403
from .gradcheck import __all__ as _gradcheck_all
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all

from .gru import *  # noqa: F401,F403
from .gru import __all__ as _gru_all
from .leaky import *  # noqa: F401,F403
from .leaky import __all__ as _leaky_all
from .lstm import *  # noqa: F401,F403
from .lstm import __all__ as _lstm_all
from .optim import *  # noqa: F401,F403
from .optim import __all__ as _optim_all
from .rnn import *  # noqa: F401,F403
from .rnn import __all__ as _rnn_all
from .sequence import *  # noqa: F401,F403
from .sequence import __all__ as _sequence_all
from .torch_interop import *  # noqa: F401,F403
from .torch_interop import __all__ as _torch_interop_all

__all__ = [*_activations_all, *_layers_all, *_gradcheck_all, *_rnn_all, *_lstm_all, *_gru_all, *_leaky_all,
           *_sequence_all, *_optim_all, *_torch_interop_all]
