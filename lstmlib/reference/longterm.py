r"""Long-term dependencies in NumPy (chapter 3): Jacobian products, one-unit RNN populations, delays.

Three things live here because no single cell of :mod:`lstmlib.reference` can do them:

1. **Jacobian products through time.** For the vanilla RNN of the book (row-vector convention)

   .. math::  h_t = \tanh(x_t W_x + h_{t-1} W_h + b),

   a change ``dh_{t-1}`` moves ``h_t`` by ``dh_{t-1} J_t`` with the one-step Jacobian

   .. math::  J_t = \frac{\partial h_t}{\partial h_{t-1}} = W_h \, \mathrm{diag}(1 - h_t^2),

   and the gradient that reaches step ``t`` from step ``T`` is multiplied by
   ``J_{t+1} J_{t+2} \cdots J_T``. :func:`jacobian_product_norms` returns the spectral norm of
   that product for every distance ``T − t``. Since ``‖J_t‖ ≤ σ_max(W_h) · γ`` with ``γ = 1``
   for tanh (``1/4`` for σ), the product is bounded by ``(γ σ_max)^{T−t}`` (Pascanu et al. 2013).

2. **Populations of one-unit RNNs.** Bengio et al. (1994) trained a single tanh unit
   ``h_t = tanh(w h_{t-1} + v x_t + b)`` on the latch task, and the experiment is a *probability*
   (the fraction of runs that succeed), so it needs hundreds of independent runs per length.
   :func:`one_unit_rnn_forward` and :func:`one_unit_rnn_backward` treat ``K`` such networks as one
   array computation: the parameters ``w, v, b`` are vectors of length ``K`` and every run trains
   on its own data. Two hundred runs cost about as much as one.

3. **Paths through delay connections.** :func:`delay_path_gradient` shows why skip connections
   through time (``d``-step delays) make gradients decay with ``τ/d`` instead of ``τ``.
"""
from __future__ import annotations

import numpy as np

from ..validate import (
    check_float_array,
    check_nonnegative_int,
    check_positive_float,
    check_positive_int,
)
from .activations import _sigmoid

__all__ = [
    "random_recurrent_matrix",
    "rnn_trajectory",
    "jacobian_product_norms",
    "gradient_norms_by_activation",
    "one_unit_rnn_forward",
    "one_unit_rnn_backward",
    "train_one_unit_rnns",
    "sign_accuracy",
    "random_guess_one_unit_rnns",
    "delay_path_gradient",
]


# --------------------------------------------------------------------------------------------
# 1. Jacobian products of a vanilla RNN
# --------------------------------------------------------------------------------------------
def random_recurrent_matrix(hidden_size: int, spectral_radius: float, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian ``(H, H)`` matrix rescaled so that its largest ``|eigenvalue|`` is ``spectral_radius``.

    For a random Gaussian matrix the spectral radius and the largest singular value differ by a
    factor of about 2 (circular law vs. quarter-circle law), so the chapter reports both.
    """
    hidden_size = check_positive_int("hidden_size", hidden_size)
    spectral_radius = check_positive_float("spectral_radius", spectral_radius)
    W = rng.normal(0.0, 1.0 / np.sqrt(hidden_size), size=(hidden_size, hidden_size))
    return W * (spectral_radius / np.max(np.abs(np.linalg.eigvals(W))))


def rnn_trajectory(W_h: np.ndarray, inputs: np.ndarray, h0: np.ndarray | None = None, activation: str = "tanh") -> np.ndarray:
    """States ``h_1 … h_T`` of ``h_t = φ(u_t + h_{t-1} W_h)`` for already-projected inputs ``u_t``.

    ``inputs`` is ``(T, H)`` (one sequence: ``u_t = x_t W_x + b``); returns ``(T, H)``.
    ``activation`` is ``"tanh"``, ``"sigmoid"`` or ``"linear"`` (the last shows the bound exactly).
    """
    W_h = check_float_array("W_h", W_h, ("H", "H"), bind=(bind := {}))
    inputs = check_float_array("inputs", inputs, ("T", "H"), bind=bind)
    phi = _ACTS[_check_activation(activation)][0]
    h = np.zeros(W_h.shape[0]) if h0 is None else check_float_array("h0", h0, ("H",), bind=bind)
    out = np.empty_like(inputs)
    for t in range(inputs.shape[0]):
        h = phi(inputs[t] + h @ W_h)
        out[t] = h
    return out


_ACTS = {
    # name: (φ, φ' expressed through the output y = φ(a))
    "tanh": (np.tanh, lambda y: 1.0 - y**2),
    "sigmoid": (_sigmoid, lambda y: y * (1.0 - y)),
    "linear": (lambda a: a, lambda y: np.ones_like(y)),
}


def _check_activation(activation):
    if activation not in _ACTS:
        raise ValueError(f"activation: expected one of {sorted(_ACTS)}, got {activation!r}")
    return activation


def jacobian_product_norms(W_h: np.ndarray, states: np.ndarray, activation: str = "tanh") -> np.ndarray:
    r"""Spectral norms ``‖∂h_T/∂h_{T−k}‖₂`` for ``k = 0 … T−1`` along one trajectory.

    ``states`` is ``(T, H)``: ``h_1 … h_T`` from :func:`rnn_trajectory`. Entry ``k`` is the norm of
    ``J_{T−k+1} ⋯ J_T`` (entry 0 is the identity, norm 1), built from the last step backwards the
    way backpropagation builds it.
    """
    W_h = check_float_array("W_h", W_h, ("H", "H"), bind=(bind := {}))
    states = check_float_array("states", states, ("T", "H"), bind=bind)
    dphi = _ACTS[_check_activation(activation)][1]
    T, H = states.shape
    norms = np.empty(T)
    product = np.eye(H)  # ∂h_T/∂h_T
    norms[0] = 1.0
    for k in range(1, T):
        t = T - k  # product becomes J_{t+1} ⋯ J_T, i.e. ∂h_T/∂h_t
        product = (W_h * dphi(states[t])[None, :]) @ product  # J_{t+1} = W_h diag(φ'(h_{t+1}))
        norms[k] = np.linalg.norm(product, 2)
    return norms


def gradient_norms_by_activation(
    spectral_radius: float,
    activations=("linear", "tanh", "sigmoid"),
    *,
    hidden_size: int = 32,
    seq_len: int = 60,
    input_scale: float = 0.1,
    seed: int = 0,
) -> dict:
    r"""``‖∂h_T/∂h_{T−k}‖`` for ``k = 0 … seq_len − 1``, one curve per activation.

    The recurrent matrix is ``ρ Q`` with ``Q`` a random orthogonal matrix, so *every* singular
    value equals ``ρ = spectral_radius``: for linear units the norm is exactly ``ρ^k`` and the
    bound ``(γ ρ)^k`` of Pascanu et al. is tight. Inputs are small Gaussian noise (``input_scale``);
    for σ they are shifted so the units sit at σ(0) = 1/2, where σ' = 1/4 is largest.
    Returns ``{activation: norms (seq_len,)}``.
    """
    spectral_radius = check_positive_float("spectral_radius", spectral_radius)
    hidden_size = check_positive_int("hidden_size", hidden_size)
    seq_len = check_positive_int("seq_len", seq_len)
    rng = np.random.default_rng(check_nonnegative_int("seed", seed))
    Q, _ = np.linalg.qr(rng.normal(size=(hidden_size, hidden_size)))
    W_h = spectral_radius * Q
    noise = rng.normal(0.0, input_scale, size=(seq_len, hidden_size))
    out = {}
    for activation in activations:
        u = noise
        if _check_activation(activation) == "sigmoid":
            u = noise - 0.5 * W_h.sum(axis=0)  # cancels h_{t-1} W_h at h = 1/2: the units sit at σ(0)
        out[activation] = jacobian_product_norms(W_h, rnn_trajectory(W_h, u, activation=activation), activation)
    return out


#: γ, the largest derivative of each activation: ‖J_t‖ ≤ γ σ_max(W_h).
GAMMA = {"linear": 1.0, "tanh": 1.0, "sigmoid": 0.25}


# --------------------------------------------------------------------------------------------
# 2. Populations of one-unit RNNs (Bengio et al. 1994)
# --------------------------------------------------------------------------------------------
def one_unit_rnn_forward(inputs: np.ndarray, w: np.ndarray, v: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Run ``K`` independent one-unit RNNs ``h_t = tanh(w h_{t-1} + v x_t + b)``, ``h_0 = 0``.

    ``inputs``: ``(T, K, n)`` — run ``k`` reads its own ``n`` sequences (``(T, 1, n)`` shares
    them). ``w, v, b``: ``(K,)``. Returns the states ``(T + 1, K, n)`` with ``h_0`` first; the
    backward pass needs all of them.
    """
    inputs = check_float_array("inputs", inputs, ndim=3)
    bind = {}
    w = check_float_array("w", w, ("K",), bind=bind)
    v = check_float_array("v", v, ("K",), bind=bind)
    b = check_float_array("b", b, ("K",), bind=bind)
    if inputs.shape[1] not in (1, bind["K"]):
        raise ValueError(f"inputs: expected shape (T, {bind['K']}, n) or (T, 1, n), got {inputs.shape}")
    return _one_unit_forward(inputs, w, v, b)


def _one_unit_forward(x, w, v, b):
    T, _, n = x.shape
    K = w.shape[0]
    u = v[:, None] * x + b[:, None]  # (T, K, n): the input part, hoisted out of the loop
    w = w[:, None]  # (K, 1): broadcast over the n sequences
    h = np.zeros((T + 1, K, n))
    for t in range(T):
        np.tanh(np.multiply(w, h[t]) + u[t], out=h[t + 1])
    return h


def one_unit_rnn_backward(dh_T: np.ndarray, inputs: np.ndarray, states: np.ndarray, w: np.ndarray) -> dict:
    r"""Backpropagation through time for :func:`one_unit_rnn_forward`, loss on ``h_T`` only.

    With ``a_t = w h_{t-1} + v x_t + b`` and ``δ_t = ∂L/∂a_t``:

    .. math::  δ_t = \frac{∂L}{∂h_t}(1 - h_t^2), \qquad \frac{∂L}{∂h_{t-1}} = w\,δ_t,

    .. math::  \frac{∂L}{∂w} = \sum_t δ_t h_{t-1}, \quad \frac{∂L}{∂v} = \sum_t δ_t x_t,
               \quad \frac{∂L}{∂b} = \sum_t δ_t .

    The factor ``w (1 − h_t²)`` multiplies the error once per step: this is the whole
    vanishing-gradient story in one line. Returns ``{"w", "v", "b"}``, each ``(K,)``.
    """
    T = inputs.shape[0]
    w_col = w[:, None]
    deriv = 1.0 - states[1:] ** 2  # (T, K, n): tanh'(a_t) for every step at once
    delta = np.empty_like(deriv)
    dh = dh_T
    for t in range(T - 1, -1, -1):  # only this recursion is inherently sequential
        np.multiply(dh, deriv[t], out=delta[t])
        dh = delta[t] * w_col
    # the weights are shared over time, so their gradients are sums over the steps
    gw = (delta * states[:-1]).sum(axis=(0, 2))
    gv = (delta * inputs).sum(axis=(0, 2))
    gb = delta.sum(axis=(0, 2))
    return {"w": gw, "v": gv, "b": gb}


def sign_accuracy(h_T: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Fraction of sequences whose final state has the sign of the label, per run: ``(K,)``."""
    return (np.sign(h_T) == labels).mean(axis=-1)


def train_one_unit_rnns(
    inputs: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    *,
    epochs: int = 400,
    lr: float = 0.1,
    init_scale: float = 1.0,
    clip_norm: float | None = None,
):
    r"""Full-batch gradient descent on ``K`` one-unit RNNs at once; loss ``mean_n (h_T − y)²``.

    ``inputs`` ``(T, K, n)``, ``targets`` ``(K, n)``. Weights start at
    ``w, v ~ U(−init_scale, init_scale)``, ``b = 0``. With ``clip_norm``, each run's gradient
    ``(∂w, ∂v, ∂b)`` is rescaled to norm at most ``clip_norm`` (Pascanu et al. 2013) before the
    step. Returns ``(params, losses)`` where ``params = {"w", "v", "b"}`` (each ``(K,)``) and
    ``losses`` is ``(epochs, K)``.
    """
    inputs = check_float_array("inputs", inputs, ("T", "K", "n"), bind=(bind := {}))
    targets = check_float_array("targets", targets, ("K", "n"), bind=bind)
    epochs = check_positive_int("epochs", epochs)
    lr = check_positive_float("lr", lr)
    init_scale = check_positive_float("init_scale", init_scale)
    if clip_norm is not None:
        clip_norm = check_positive_float("clip_norm", clip_norm)
    K, n = targets.shape
    params = {
        "w": rng.uniform(-init_scale, init_scale, K),
        "v": rng.uniform(-init_scale, init_scale, K),
        "b": np.zeros(K),
    }
    losses = np.empty((epochs, K))
    for epoch in range(epochs):
        states = _one_unit_forward(inputs, params["w"], params["v"], params["b"])
        err = states[-1] - targets
        losses[epoch] = (err**2).mean(axis=1)
        grads = one_unit_rnn_backward(2.0 * err / n, inputs, states, params["w"])
        scale = lr
        if clip_norm is not None:  # per run: the runs are independent networks
            norm = np.sqrt(grads["w"] ** 2 + grads["v"] ** 2 + grads["b"] ** 2)
            scale = lr * np.minimum(1.0, clip_norm / (norm + 1e-12))
        for name in params:  # plain gradient descent, as in Bengio et al.
            params[name] -= scale * grads[name]
    return params, losses


def random_guess_one_unit_rnns(
    inputs: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    *,
    n_guesses: int = 100,
    scale: float = 10.0,
):
    r"""Random weight guessing (Hochreiter & Schmidhuber 1997, §5.3): for each of ``K`` runs, draw
    ``n_guesses`` weight triples ``(w, v, b) ~ U(−scale, scale)³`` and keep the one with the
    lowest training loss on that run's sequences. No gradient is ever computed.

    ``inputs`` ``(T, K, n)``, ``targets`` ``(K, n)``. Returns ``params`` ``{"w","v","b"}`` ``(K,)``.
    """
    inputs = check_float_array("inputs", inputs, ("T", "K", "n"), bind=(bind := {}))
    targets = check_float_array("targets", targets, ("K", "n"), bind=bind)
    n_guesses = check_positive_int("n_guesses", n_guesses)
    scale = check_positive_float("scale", scale)
    K, n = targets.shape
    w, v, b = rng.uniform(-scale, scale, size=(3, K, n_guesses, 1))
    # all guesses of run k read run k's sequences: broadcast (K, 1, n) against (K, G, 1)
    h = np.zeros((K, n_guesses, n))
    for t in range(inputs.shape[0]):
        h = np.tanh(w * h + v * inputs[t][:, None, :] + b)
    loss = ((h - targets[:, None, :]) ** 2).mean(axis=2)  # (K, G)
    best = np.argmin(loss, axis=1)
    pick = (np.arange(K), best, 0)
    return {"w": w[pick], "v": v[pick], "b": b[pick]}


# --------------------------------------------------------------------------------------------
# 3. Skip connections through time
# --------------------------------------------------------------------------------------------
def delay_path_gradient(max_distance: int, factor: float, delay: int | None = None, delay_factor: float | None = None) -> np.ndarray:
    r"""Gradient ``g_k = ∂h_T/∂h_{T−k}`` of a *linear* scalar chain with a one-step connection of
    weight ``factor`` and, optionally, a ``delay``-step connection of weight ``delay_factor``:

    .. math::  h_t = λ_1 h_{t-1} + λ_d h_{t-d} \quad⇒\quad g_k = λ_1 g_{k-1} + λ_d g_{k-d}, \; g_0 = 1.

    With ``|λ| < 1`` the sum is dominated by the path with the fewest edges, about ``k/d`` of
    them, so the gradient decays like ``λ^{k/d}`` instead of ``λ^k``. Returns ``g_0 … g_max``.

    >>> delay_path_gradient(4, 0.5)                       # one-step chain: 0.5^k
    array([1.    , 0.5   , 0.25  , 0.125 , 0.0625])
    >>> float(delay_path_gradient(4, 0.5, delay=2, delay_factor=0.5)[4])  # more paths: slower decay
    0.6875
    """
    max_distance = check_nonnegative_int("max_distance", max_distance)
    g = np.zeros(max_distance + 1)
    g[0] = 1.0
    if delay is not None:
        delay = check_positive_int("delay", delay)
        if delay_factor is None:
            raise ValueError("delay_factor: expected a float when delay is given, got None")
    for k in range(1, max_distance + 1):
        g[k] = factor * g[k - 1]
        if delay is not None and k >= delay:
            g[k] += delay_factor * g[k - delay]
    return g
