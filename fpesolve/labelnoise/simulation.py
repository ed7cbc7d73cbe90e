r"""Label-noise SGD (Algorithm 1 of Damian, Ma & Lee, and its heavy-ball variant, Eq. (5)).

One step draws a minibatch :math:`\mathcal B_k` of ``B`` indices (uniformly,
with replacement as in the paper unless told otherwise) and fresh label noise
:math:`\epsilon_i` (:math:`\pm\sigma` with equal probability, ``"two-point"``,
as in the paper; or :math:`N(0,\sigma^2)`, ``"gaussian"``), and moves

.. math::

    \theta_{k+1}=\theta_k-\frac{\eta}{B}\sum_{i\in\mathcal B_k}
        \big(f_i(\theta_k)-y_i-\epsilon_i\big)\nabla f_i(\theta_k)
        +\beta(\theta_k-\theta_{k-1}),\qquad \theta_{-1}=\theta_0 .

All ``n_walkers`` runs advance together (numpy, :math:`O(mnd)` per step), which
suits the small models of :mod:`fpesolve.labelnoise.models`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .._util.deprecation import renamed_keyword
from .._util.progress import progress_bar
from .._util.random import RNGLike, as_generator
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from ._params import checked_label_noise_std, checked_momentum, checked_noise_kind
from .models import SquaredLossModel
from .regularizer import regularizer_from_eigenvalues

__all__ = ["LabelNoiseSGDResult", "simulate_label_noise_sgd"]


# ---------------------------------------------------------------------------- shared pieces
def record_schedule(n_iterations: int, record_every: int) -> np.ndarray:
    """Iterations ``0, record_every, 2 record_every, ...`` and ``n_iterations`` itself.

    Parameters
    ----------
    n_iterations : int
        The number of SGD iterations of the run.
    record_every : int
        The spacing of the records, in iterations.

    Returns
    -------
    ndarray of int
        The sorted iterations at which the state is recorded (0 and
        ``n_iterations`` always included).

    Examples
    --------
    >>> record_schedule(10, 4).tolist()
    [0, 4, 8, 10]
    """
    return np.unique(np.concatenate((np.arange(0, n_iterations + 1, record_every), [n_iterations])))


def starts(theta0, dim: int, n_walkers: Optional[int]) -> np.ndarray:
    """Starting points of shape ``(m, d)`` from one start (repeated ``n_walkers`` times) or ``m`` starts.

    Parameters
    ----------
    theta0 : array_like, shape ``(d,)`` or ``(m, d)``
        One start or ``m`` starts.
    dim : int
        The model's number of parameters ``d``.
    n_walkers : int, optional
        How many times to repeat a single start (default 1); with ``m`` starts
        it must equal ``m`` if given.

    Returns
    -------
    ndarray, shape ``(m, d)``
        A float copy of the starts.

    Raises
    ------
    ValueError
        For a shape that does not match ``dim``, ``n_walkers`` disagreeing with
        the number of starts, or non-finite starts.

    Examples
    --------
    >>> starts([1.0, 2.0], 2, 3).tolist()
    [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]
    """
    theta = np.asarray(theta0, dtype=float)
    if theta.ndim <= 1:
        theta = np.tile(theta.reshape(1, -1), (1 if n_walkers is None else positive_int(n_walkers, "n_walkers"), 1))
    elif n_walkers is not None and positive_int(n_walkers, "n_walkers") != theta.shape[0]:
        raise ValueError(f"`n_walkers` = {n_walkers} disagrees with the {theta.shape[0]} starts in `theta0`")
    if theta.ndim != 2 or theta.shape[1] != dim:
        raise ValueError(f"`theta0` must have shape ({dim},) or (m, {dim}), got {np.shape(theta0)}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("`theta0` must be finite")
    return theta.copy()


def batch_draws(rng: np.random.Generator, m: int, n: int, batch_size: int, replacement: bool,
                label_noise_std: float, noise: str) -> Tuple[np.ndarray, np.ndarray]:
    """One step's minibatch indices ``(m, B)`` and label noise ``(m, B)`` (zeros when ``label_noise_std == 0``).

    Parameters
    ----------
    rng : numpy.random.Generator
        The random numbers.
    m : int
        The number of walkers.
    n : int
        The number of samples.
    batch_size : int
        :math:`B` (at most ``n`` without replacement).
    replacement : bool
        Whether indices are drawn with replacement (independently, uniformly
        from ``0 .. n-1``) or without (a random ``B``-subset per walker; the
        whole set in order when ``B == n``).
    label_noise_std : float
        :math:`\\sigma\\ge0`, in units of the labels.
    noise : {"two-point", "gaussian"}
        :math:`\\epsilon=\\pm\\sigma` with equal probability, or :math:`N(0,\\sigma^2)`.

    Returns
    -------
    idx : ndarray of int, shape ``(m, B)``
        The minibatch of each walker.
    eps : ndarray, shape ``(m, B)``
        The label noise added to each drawn label.

    Examples
    --------
    >>> import numpy as np
    >>> idx, eps = batch_draws(np.random.default_rng(0), 2, 5, 3, True, 0.5, "two-point")
    >>> idx.shape, sorted(set(np.abs(eps).ravel().tolist()))
    ((2, 3), [0.5])
    """
    if replacement:
        idx = rng.integers(0, n, size=(m, batch_size))
    elif batch_size == n:
        idx = np.broadcast_to(np.arange(n), (m, n))
    else:
        idx = np.argsort(rng.random((m, n)), axis=1)[:, :batch_size]
    if label_noise_std > 0.0:
        if noise == "two-point":
            eps = label_noise_std * (2.0 * rng.integers(0, 2, size=(m, batch_size)) - 1.0)
        else:
            eps = label_noise_std * rng.standard_normal((m, batch_size))
    else:
        eps = np.zeros((m, batch_size))
    return idx, eps


def _record_curvature(model: SquaredLossModel, theta: np.ndarray, eta: float, beta: float):
    """Loss, R (+inf beyond the step-size edge) and tr H for ``theta`` of shape ``(m, d)``."""
    loss = model.loss(theta)
    h = np.linalg.eigvalsh(model.hessian(theta))
    rho = eta / (1.0 + beta)
    defined = np.all(0.5 * rho * h < 1.0, axis=1)
    R = np.full(theta.shape[0], np.inf)
    if defined.any():
        R[defined] = regularizer_from_eigenvalues(h[defined], eta, beta)
    return loss, R, h.sum(axis=1)


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class LabelNoiseSGDResult(Result):
    r"""Recorded label-noise SGD paths of ``m`` independent walkers.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        Iteration numbers :math:`k` of the records (0 and the last included).
    theta : ndarray, shape ``(r, m, d)``
        The recorded parameters of each walker.
    loss : ndarray, shape ``(r, m)``
        Clean training loss :math:`L(\theta_k)`.
    regularizer : ndarray, shape ``(r, m)``
        :math:`R(\theta_k)` with the run's :math:`\eta,\beta`; ``+inf`` where
        some Hessian eigenvalue is at or beyond :math:`2(1+\beta)/\eta`
        (counted in ``n_beyond_edge``).
    trace_hessian : ndarray, shape ``(r, m)``
        :math:`\operatorname{tr}\nabla^2L(\theta_k)`.
    eta, label_noise_std, momentum, lam : float
        Step, label-noise standard deviation :math:`\sigma`, heavy-ball
        :math:`\beta`, :math:`\lambda=\eta\sigma^2/(B(1-\beta))`.
    batch_size : int
        :math:`B`.
    noise : str
        ``"two-point"`` or ``"gaussian"``.
    replacement : bool
        Whether minibatches were drawn with replacement.
    model_name : str
        The model's ``name``.

    Examples
    --------
    The product model from the unbalanced zero-loss point :math:`(u, v) =
    (2, 1/2)`: label noise (:math:`\lambda=\eta\sigma^2/B=0.025`) drives the
    walkers along the minimisers :math:`uv=1` toward the balanced point, where
    :math:`R` is smallest (:math:`R(2, 1/2)\approx1.42`,
    :math:`R(1, 1)\approx0.62`):

    >>> from fpesolve.labelnoise import product_model, simulate_label_noise_sgd
    >>> r = simulate_label_noise_sgd(product_model(), [2.0, 0.5], 0.1, 0.5, 1000, n_walkers=10,
    ...                              record_every=500, rng=0)
    >>> r.iterations.tolist(), r.theta.shape, r.lam
    ([0, 500, 1000], (3, 10, 2), 0.025)
    >>> round(float(r.regularizer[0].mean()), 4), bool(r.regularizer[-1].mean() < 0.7)
    (1.4245, True)
    """

    iterations: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    regularizer: np.ndarray
    trace_hessian: np.ndarray
    eta: float
    label_noise_std: float
    momentum: float
    lam: float
    batch_size: int
    noise: str
    replacement: bool
    model_name: str = ""

    @property
    def final_theta(self) -> np.ndarray:
        """:math:`\\theta` after the last step, shape ``(m, d)``."""
        return self.theta[-1]

    @property
    def n_walkers(self) -> int:
        """Number of independent walkers ``m``."""
        return self.theta.shape[1]

    @property
    def n_runs(self) -> int:
        """Deprecated name of :attr:`n_walkers`."""
        warnings.warn("`n_runs` was renamed `n_walkers` in fpesolve 0.2", FutureWarning, stacklevel=2)
        return self.n_walkers

    @property
    def sigma(self) -> float:
        """Deprecated name of :attr:`label_noise_std` (``sigma`` is the gradient-noise variance in the glossary)."""
        warnings.warn("`sigma` was renamed `label_noise_std` in fpesolve 0.2", FutureWarning, stacklevel=2)
        return self.label_noise_std

    @property
    def n_beyond_edge(self) -> int:
        """Number of records where :math:`R` is undefined (``+inf``)."""
        return int(np.sum(~np.isfinite(self.regularizer)))

    def summary(self) -> str:
        """The run's settings and the mean loss, :math:`\\operatorname{tr}H` and :math:`R` at the first and last record.

        Returns
        -------
        str
            Four lines (a fifth counts the records beyond the step-size edge,
            where :math:`R` is undefined and left out of the mean).
        """
        finite = np.isfinite(self.regularizer)

        def mean_r(row):
            return f"{np.mean(self.regularizer[row][finite[row]]):.4g}" if finite[row].any() else "undefined"

        return (f"label-noise SGD on {self.model_name!r}: {self.n_walkers} walkers x {int(self.iterations[-1])} "
                f"iterations, eta={self.eta:g}, label_noise_std={self.label_noise_std:g} ({self.noise}), "
                f"B={self.batch_size}, beta={self.momentum:g}, lambda={self.lam:.4g}\n"
                f"  mean loss  {np.mean(self.loss[0]):.4g} -> {np.mean(self.loss[-1]):.4g}\n"
                f"  mean tr H  {np.mean(self.trace_hessian[0]):.4g} -> {np.mean(self.trace_hessian[-1]):.4g}\n"
                f"  mean R     {mean_r(0)} -> {mean_r(-1)}"
                + (f"\n  R undefined (beyond the step-size edge) at {self.n_beyond_edge} records"
                   if self.n_beyond_edge else ""))


# ---------------------------------------------------------------------------- simulator
@renamed_keyword("sigma", "label_noise_std")
@renamed_keyword("steps", "n_iterations")
@renamed_keyword("runs", "n_walkers")
@renamed_keyword("seed", "rng")
def simulate_label_noise_sgd(model: SquaredLossModel, theta0, eta: float, label_noise_std: float,
                             n_iterations: int, *, batch_size: int = 1, momentum: float = 0.0,
                             n_walkers: Optional[int] = None, noise: str = "two-point", replacement: bool = True,
                             record_every: int = 1, rng: RNGLike = None, progress=None) -> LabelNoiseSGDResult:
    r"""Run label-noise SGD (Algorithm 1; heavy ball if ``momentum > 0``) for ``m`` independent walkers at once.

    Parameters
    ----------
    model : SquaredLossModel
    theta0 : array_like, shape ``(d,)`` or ``(m, d)``
        Start(s); a single start is repeated ``n_walkers`` times.
    eta : float
        Learning rate :math:`\eta>0`.
    label_noise_std : float
        Label-noise standard deviation :math:`\sigma\ge0` (``0``: plain minibatch SGD).
    n_iterations : int
        Number of SGD iterations.
    batch_size : int
        :math:`B\ge1` (``<= n`` without replacement).
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`, with :math:`\theta_{-1}=\theta_0`.
    n_walkers : int, optional
        Number of independent walkers when ``theta0`` is a single vector (default 1).
    noise : {"two-point", "gaussian"}
        :math:`\epsilon_i=\pm\sigma` (the paper) or :math:`N(0,\sigma^2)`
        (``"rademacher"``, the 0.1 spelling of ``"two-point"``, warns).
    replacement : bool
        Minibatch indices drawn with replacement (the paper's
        :math:`\mathcal B\subset[n]^B`) or without.
    record_every : int
        Record loss, :math:`R` and :math:`\operatorname{tr}H` every this many
        iterations (plus the last); each record costs one Hessian per walker.
    rng : None, int or numpy.random.Generator
        Random numbers (see :func:`fpesolve._util.random.as_generator`).
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    LabelNoiseSGDResult
        The recorded paths, loss, :math:`R` and :math:`\operatorname{tr}H`.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``batch_size < 1`` (or ``> n`` without replacement),
        ``label_noise_std < 0``, a bad ``momentum`` or ``noise``, and for
        non-finite model outputs or iterates (naming the iteration).
    TypeError
        When ``model`` is not a :class:`~fpesolve.labelnoise.models.SquaredLossModel`.

    Notes
    -----
    The 0.1 keywords ``sigma``, ``steps``, ``runs`` and ``seed`` still work with
    a ``FutureWarning``.

    Examples
    --------
    Plain SGD (``label_noise_std=0``) does not move from a zero-loss point;
    label noise does:

    >>> from fpesolve.labelnoise import product_model
    >>> m = product_model()
    >>> plain = simulate_label_noise_sgd(m, [4.0, 0.25], 0.05, 0.0, 100, rng=0)
    >>> bool(abs(plain.final_theta - [4.0, 0.25]).max() < 1e-12)
    True
    >>> noisy = simulate_label_noise_sgd(m, [4.0, 0.25], 0.05, 0.5, 100, n_walkers=3, rng=0)
    >>> noisy.final_theta.shape, bool(abs(noisy.final_theta - [4.0, 0.25]).max() > 1e-3)
    ((3, 2), True)
    """
    if not isinstance(model, SquaredLossModel):
        raise TypeError(f"`model` must be a SquaredLossModel, got {type(model).__name__}")
    eta = positive_float(eta, "eta", "the learning rate must be positive")
    sigma = checked_label_noise_std(label_noise_std)
    n_iterations = positive_int(n_iterations, "n_iterations")
    batch_size = positive_int(batch_size, "batch_size")
    beta = checked_momentum(momentum)
    record_every = positive_int(record_every, "record_every")
    noise = checked_noise_kind(noise)
    n, d = model.n, model.dim
    if not replacement and batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n} (without replacement)")
    theta = starts(theta0, d, n_walkers)
    m = theta.shape[0]
    gen = as_generator(rng)
    lam = eta * sigma ** 2 / (batch_size * (1.0 - beta))

    record_at = record_schedule(n_iterations, record_every)
    thetas = np.empty((record_at.size, m, d))
    losses = np.empty((record_at.size, m))
    regs = np.empty((record_at.size, m))
    traces = np.empty((record_at.size, m))
    rows = np.arange(m)[:, None]
    previous = theta.copy()
    r = 0
    with progress_bar(progress, n_iterations, "label-noise SGD") as bar:
        for k in range(n_iterations + 1):
            try:
                if r < record_at.size and record_at[r] == k:
                    thetas[r] = theta
                    losses[r], regs[r], traces[r] = _record_curvature(model, theta, eta, beta)
                    r += 1
                if k == n_iterations:
                    break
                f, J = model.evaluate(theta)
            except ValueError as exc:
                raise ValueError(f"at iteration {k}: {exc}") from None
            idx, eps = batch_draws(gen, m, n, batch_size, replacement, sigma, noise)
            residual = (f - model.labels)[rows, idx] - eps
            g = np.einsum("mb,mbd->md", residual, J[rows, idx]) / batch_size
            new = theta - eta * g
            if beta > 0.0:
                new += beta * (theta - previous)
            if not np.all(np.isfinite(new)):
                walker = int(np.flatnonzero(~np.all(np.isfinite(new), axis=1))[0])
                raise ValueError(f"label-noise SGD diverged at iteration {k + 1} (walker {walker}); lower `eta` below "
                                 f"the step-size edge 2(1+beta)/lambda_max of the Hessian")
            previous, theta = theta, new
            bar.update(1)
    return LabelNoiseSGDResult(iterations=record_at, theta=thetas, loss=losses, regularizer=regs,
                               trace_hessian=traces, eta=eta, label_noise_std=sigma, momentum=beta, lam=lam,
                               batch_size=batch_size, noise=noise, replacement=bool(replacement),
                               model_name=model.name)
