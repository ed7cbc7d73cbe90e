r"""Label-noise SGD (Algorithm 1 of Damian, Ma & Lee, and its heavy-ball variant) and worked models.

A model is the squared loss of per-sample outputs :math:`f_i(\theta)`,
:math:`\theta\in\mathbb R^d`,

.. math:: L(\theta)=\frac1n\sum_{i=1}^n\tfrac12\big(f_i(\theta)-y_i\big)^2 .

One step of label-noise SGD draws a minibatch :math:`\mathcal B_k` of ``B``
indices (uniformly, with replacement as in the paper unless told otherwise)
and fresh label noise :math:`\epsilon_i` (:math:`\pm\sigma` with equal
probability as in the paper, or :math:`N(0,\sigma^2)`), and moves

.. math::

    \theta_{k+1}=\theta_k-\frac{\eta}{B}\sum_{i\in\mathcal B_k}
        \big(f_i(\theta_k)-y_i-\epsilon_i\big)\nabla f_i(\theta_k)
        +\beta(\theta_k-\theta_{k-1}),\qquad \theta_{-1}=\theta_0 .

With :math:`\sigma=0` this is plain minibatch SGD (heavy ball if
:math:`\beta>0`).  Times here are always iterations :math:`k`.  See
:mod:`fpesolve.labelnoise.regularizer` for :math:`R`, :math:`\lambda` and :math:`S`.

Model functions are vectorised over independent parameter vectors: they take
``theta`` of shape ``(m, d)`` and return outputs ``(m, n)``, output gradients
``(m, n, d)`` and (optionally) output Hessians ``(m, n, d, d)``.  Every step
evaluates all ``n`` samples for all ``m`` runs (cost :math:`O(mnd)` per step),
which suits the small models this module is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.validation import positive_float, positive_int
from ..core.landscape import Landscape
from .regularizer import (RegularizedStationaryPoint, _lam, _momentum, _sigma, regularized_gradient,
                          regularized_stationary_point, regularizer_from_eigenvalues,
                          regularizer_weight_matrix,
                          implicit_regularizer)

__all__ = ["SquaredLossModel", "LabelNoiseSGDResult", "RegularizedTrajectory", "simulate_label_noise_sgd",
           "regularized_trajectory", "product_model", "sparse_regression_model", "quadratic_1d_model"]

SeedLike = Union[None, int, np.random.Generator]


@dataclass(frozen=True, eq=False)
class SquaredLossModel:
    r"""Squared loss :math:`L=\frac1n\sum_i\frac12(f_i(\theta)-y_i)^2` of per-sample outputs.

    Parameters
    ----------
    outputs : callable
        ``theta`` of shape ``(m, d)`` to :math:`f_i` of shape ``(m, n)``.
    output_grads : callable
        ``theta`` to :math:`\nabla f_i`, shape ``(m, n, d)``.
    labels : array_like, shape ``(n,)``
        Clean labels :math:`y_i`.
    dim : int
        :math:`d`.
    output_hessians : callable, optional
        ``theta`` to :math:`\nabla^2 f_i`, shape ``(m, n, d, d)``; gives the
        exact Hessian :math:`\nabla^2L=G+\frac1n\sum_i(f_i-y_i)\nabla^2f_i`
        with the Gauss–Newton matrix :math:`G=\frac1n\sum_i\nabla f_i\nabla f_i^T`.
        Without it the Hessian is a central difference of :math:`\nabla L`.
    name : str
    """

    outputs: Callable[[np.ndarray], np.ndarray]
    output_grads: Callable[[np.ndarray], np.ndarray]
    labels: np.ndarray
    dim: int
    output_hessians: Optional[Callable[[np.ndarray], np.ndarray]] = None
    name: str = "model"

    def __post_init__(self):
        y = np.atleast_1d(np.asarray(self.labels, dtype=float))
        if y.ndim != 1 or not np.all(np.isfinite(y)):
            raise ValueError("`labels` must be a finite 1D array")
        object.__setattr__(self, "labels", y)
        object.__setattr__(self, "dim", positive_int(self.dim, "dim"))
        if not (callable(self.outputs) and callable(self.output_grads)):
            raise TypeError("`outputs` and `output_grads` must be callables")

    @property
    def n(self) -> int:
        """Number of samples."""
        return self.labels.size

    def _thetas(self, theta) -> Tuple[np.ndarray, bool]:
        arr = np.asarray(theta, dtype=float)
        single = arr.ndim <= 1
        arr = np.atleast_2d(arr.reshape(1, -1) if single else arr)
        if arr.ndim != 2 or arr.shape[1] != self.dim:
            raise ValueError(f"`theta` must have shape ({self.dim},) or (m, {self.dim}) for model {self.name!r}, "
                             f"got {np.shape(theta)}")
        return arr, single

    def _checked(self, values, shape, what: str, theta: np.ndarray) -> np.ndarray:
        out = np.asarray(values, dtype=float)
        if out.shape != shape:
            raise ValueError(f"model {self.name!r}: `{what}` must return shape {shape}, got {out.shape}")
        bad = ~np.isfinite(out)
        if bad.any():
            run = int(np.unravel_index(int(np.flatnonzero(bad)[0]), out.shape)[0])
            raise ValueError(f"model {self.name!r}: `{what}` returned a non-finite value at theta = "
                             f"{np.array2string(theta[run], precision=6)}; the iterate may have diverged "
                             f"(lower `eta`) or the model is undefined there")
        return out

    def evaluate(self, theta) -> Tuple[np.ndarray, np.ndarray]:
        """Checked outputs ``(m, n)`` and output gradients ``(m, n, d)`` at ``theta`` of shape ``(m, d)``."""
        arr, _ = self._thetas(theta)
        m = arr.shape[0]
        f = self._checked(self.outputs(arr), (m, self.n), "outputs", arr)
        J = self._checked(self.output_grads(arr), (m, self.n, self.dim), "output_grads", arr)
        return f, J

    def _ret(self, value: np.ndarray, single: bool):
        if single:
            value = value[0]
            return float(value) if np.ndim(value) == 0 else value
        return value

    def loss(self, theta):
        r""":math:`L(\theta)`: float for ``(d,)`` input, shape ``(m,)`` for ``(m, d)``."""
        arr, single = self._thetas(theta)
        f = self._checked(self.outputs(arr), (arr.shape[0], self.n), "outputs", arr)
        return self._ret(0.5 * np.mean((f - self.labels) ** 2, axis=1), single)

    def grad(self, theta):
        r""":math:`\nabla L(\theta)=\frac1n\sum_i(f_i-y_i)\nabla f_i`."""
        arr, single = self._thetas(theta)
        f, J = self.evaluate(arr)
        return self._ret(np.einsum("mn,mnd->md", f - self.labels, J) / self.n, single)

    def gauss_newton(self, theta):
        r"""Gauss–Newton matrix :math:`G(\theta)=\frac1n\sum_i\nabla f_i\nabla f_i^T`.

        :math:`\eta^2\sigma^2G/B` is the covariance of the label-noise part of one step."""
        arr, single = self._thetas(theta)
        _, J = self.evaluate(arr)
        return self._ret(np.einsum("mni,mnj->mij", J, J) / self.n, single)

    def hessian(self, theta):
        r""":math:`\nabla^2L(\theta)`, shape ``(d, d)`` or ``(m, d, d)`` (exact if ``output_hessians`` is given)."""
        arr, single = self._thetas(theta)
        m, d = arr.shape
        if self.output_hessians is not None:
            f, J = self.evaluate(arr)
            Hf = self._checked(self.output_hessians(arr), (m, self.n, d, d), "output_hessians", arr)
            H = np.einsum("mni,mnj->mij", J, J) / self.n + np.einsum("mn,mnij->mij", f - self.labels, Hf) / self.n
        else:
            steps = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(arr))
            H = np.empty((m, d, d))
            for k in range(d):
                e = np.zeros((m, d))
                e[:, k] = steps[:, k]
                H[:, :, k] = (self.grad(arr + e) - self.grad(arr - e)) / (2.0 * steps[:, k:k + 1])
        return self._ret(0.5 * (H + np.swapaxes(H, 1, 2)), single)

    # ------------------------------------------------------------ regularised loss
    def regularizer(self, theta, eta: float, momentum: float = 0.0):
        r""":math:`R(\theta)` of :mod:`fpesolve.labelnoise.regularizer` (``eta = 0``: :math:`\operatorname{tr}\nabla^2L/4`)."""
        arr, single = self._thetas(theta)
        return self._ret(np.atleast_1d(implicit_regularizer(self.hessian(arr), eta, momentum)), single)

    def _hess1(self, t):
        return self.hessian(np.asarray(t, dtype=float))

    def regularized_loss(self, theta, eta: float, lam: float, momentum: float = 0.0):
        r""":math:`L+\lambda R` (vectorised like :meth:`loss`)."""
        arr, single = self._thetas(theta)
        return self._ret(self.loss(arr) + float(lam) * np.atleast_1d(self.regularizer(arr, eta, momentum)), single)

    def regularized_grad(self, theta, eta: float, lam: float, momentum: float = 0.0) -> np.ndarray:
        r""":math:`\nabla(L+\lambda R)` at one ``theta`` of shape ``(d,)``; :math:`\nabla R` uses
        central differences of the (exact) Hessian, see :func:`fpesolve.labelnoise.regularizer.regularizer_gradient`."""
        theta = np.asarray(theta, dtype=float).reshape(-1)
        if theta.size != self.dim or not np.all(np.isfinite(theta)):
            raise ValueError(f"`theta` must be a finite vector of shape ({self.dim},), got {theta!r}")
        lam = _lam(lam)
        if lam == 0.0:
            return regularized_gradient(self.grad, self._hess1, theta, eta, lam, momentum)
        # one batched Hessian call for theta and theta +- h_k e_k (same central differences as
        # fpesolve.labelnoise.regularizer.regularizer_gradient, step eps^(1/3) max(1, |theta_k|))
        d = self.dim
        steps = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(theta))
        shifts = np.diag(steps)
        points = np.vstack((theta[None, :], theta + shifts, theta - shifts))
        H = self.hessian(points)
        T = (H[1:d + 1] - H[d + 1:]) / (2.0 * steps[:, None, None])
        W = regularizer_weight_matrix(H[0], eta, momentum)
        return self.grad(theta) + lam * np.einsum("kij,ij->k", T, W)

    def stationary_point(self, theta0, eta: float, lam: float, momentum: float = 0.0,
                         gtol: float = 1e-9) -> RegularizedStationaryPoint:
        r"""The stationary point of :math:`L+\lambda R` near ``theta0`` (see
        :func:`fpesolve.labelnoise.regularizer.regularized_stationary_point`)."""
        return regularized_stationary_point(self.loss, self.grad, self._hess1, theta0, eta, lam, momentum, gtol=gtol)

    def landscape(self, domain: Tuple[float, float], *, label_noise: float = 0.0, batch_size: int = 1,
                  replacement: bool = True, name: Optional[str] = None) -> Landscape:
        r"""The 1D :class:`~fpesolve.core.landscape.Landscape` of this model (``dim == 1`` only).

        Built with :meth:`Landscape.from_model`, whose gradient-noise variance is
        :math:`\Sigma=s^2_{\mathrm{minibatch}}+\sigma^2\frac1n\sum_if_i'^2/B`
        (``label_noise`` is the variance :math:`\sigma^2`).  With
        ``batch_size == n`` and ``replacement=False`` the minibatch part vanishes.
        """
        if self.dim != 1:
            raise ValueError(f"`landscape` needs a one-parameter model, {self.name!r} has dim = {self.dim}")

        def outputs(x):
            return self.outputs(np.asarray(x, dtype=float).reshape(-1, 1)).T

        def output_grads(x):
            return self.output_grads(np.asarray(x, dtype=float).reshape(-1, 1))[:, :, 0].T

        hess = None
        if self.output_hessians is not None:
            def hess(x):
                return self.output_hessians(np.asarray(x, dtype=float).reshape(-1, 1))[:, :, 0, 0].T

        return Landscape.from_model(outputs, output_grads, self.labels, domain, output_hessians=hess,
                                    label_noise=label_noise, batch_size=batch_size, replacement=replacement,
                                    name=name or f"{self.name} (label noise {label_noise:g}, B={batch_size})")


# ---------------------------------------------------------------------------- results
def _record_curvature(model: SquaredLossModel, theta: np.ndarray, eta: float, beta: float):
    """Loss, R (+inf beyond the step-size edge) and tr H for ``theta`` of shape ``(m, d)``."""
    loss = model.loss(theta)
    H = model.hessian(theta)
    h = np.linalg.eigvalsh(H)
    rho = eta / (1.0 + beta)
    defined = np.all(0.5 * rho * h < 1.0, axis=1)
    R = np.full(theta.shape[0], np.inf)
    if defined.any():
        R[defined] = regularizer_from_eigenvalues(h[defined], eta, beta)
    return loss, R, h.sum(axis=1)


@dataclass(frozen=True, eq=False)
class LabelNoiseSGDResult:
    r"""Recorded label-noise SGD paths of ``m`` independent runs.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        Iteration numbers :math:`k` of the records (0 and the last step included).
    theta : ndarray, shape ``(r, m, d)``
    loss : ndarray, shape ``(r, m)``
        Clean training loss :math:`L(\theta_k)`.
    regularizer : ndarray, shape ``(r, m)``
        :math:`R(\theta_k)` with the run's :math:`\eta,\beta`; ``+inf`` where
        some Hessian eigenvalue is at or beyond :math:`2(1+\beta)/\eta`
        (counted in ``n_beyond_edge``).
    trace_hessian : ndarray, shape ``(r, m)``
        :math:`\operatorname{tr}\nabla^2L(\theta_k)`.
    eta, sigma, momentum, lam : float
        Step, label-noise standard deviation, heavy-ball :math:`\beta`,
        :math:`\lambda=\eta\sigma^2/(B(1-\beta))`.
    batch_size : int
    noise : str
        ``"rademacher"`` or ``"gaussian"``.
    replacement : bool
    """

    iterations: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    regularizer: np.ndarray
    trace_hessian: np.ndarray
    eta: float
    sigma: float
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
    def n_runs(self) -> int:
        return self.theta.shape[1]

    @property
    def n_beyond_edge(self) -> int:
        """Number of records where :math:`R` is undefined (``+inf``)."""
        return int(np.sum(~np.isfinite(self.regularizer)))

    def summary(self) -> str:
        first, last = 0, -1
        return (f"label-noise SGD on {self.model_name!r}: {self.n_runs} runs x {int(self.iterations[-1])} iterations, "
                f"eta={self.eta:g}, sigma={self.sigma:g} ({self.noise}), B={self.batch_size}, beta={self.momentum:g}, "
                f"lambda={self.lam:.4g}\n"
                f"  mean loss  {np.mean(self.loss[first]):.4g} -> {np.mean(self.loss[last]):.4g}\n"
                f"  mean tr H  {np.mean(self.trace_hessian[first]):.4g} -> {np.mean(self.trace_hessian[last]):.4g}\n"
                f"  mean R     {np.mean(self.regularizer[first]):.4g} -> {np.mean(self.regularizer[last]):.4g}"
                + (f"\n  R undefined (beyond the step-size edge) at {self.n_beyond_edge} records"
                   if self.n_beyond_edge else ""))

    __str__ = summary


def _rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"`seed` must be None, an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


def simulate_label_noise_sgd(model: SquaredLossModel, theta0, eta: float, sigma: float, steps: int, *,
                             batch_size: int = 1, momentum: float = 0.0, runs: Optional[int] = None,
                             noise: str = "rademacher", replacement: bool = True, record_every: int = 1,
                             seed: SeedLike = None) -> LabelNoiseSGDResult:
    r"""Run label-noise SGD (Algorithm 1; heavy ball if ``momentum > 0``) for ``m`` independent runs at once.

    Parameters
    ----------
    model : SquaredLossModel
    theta0 : array_like, shape ``(d,)`` or ``(m, d)``
        Start(s); a single start is repeated ``runs`` times.
    eta : float
        Learning rate :math:`\eta>0`.
    sigma : float
        Label-noise standard deviation :math:`\sigma\ge0` (``0``: plain minibatch SGD).
    steps : int
        Number of iterations.
    batch_size : int
        :math:`B\ge1` (``<= n`` without replacement).
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`, with :math:`\theta_{-1}=\theta_0`.
    runs : int, optional
        Number of independent runs when ``theta0`` is a single vector (default 1).
    noise : {"rademacher", "gaussian"}
        :math:`\epsilon_i=\pm\sigma` (the paper) or :math:`N(0,\sigma^2)`.
    replacement : bool
        Minibatch indices drawn with replacement (the paper's
        :math:`\mathcal B\subset[n]^B`) or without.
    record_every : int
        Record loss, :math:`R` and :math:`\operatorname{tr}H` every this many
        iterations (plus the last); each record costs one Hessian per run.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    LabelNoiseSGDResult

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``batch_size < 1`` (or ``> n`` without replacement),
        ``sigma < 0``, a bad ``momentum``, and for non-finite model outputs
        or iterates (naming the iteration).
    """
    if not isinstance(model, SquaredLossModel):
        raise TypeError(f"`model` must be a SquaredLossModel, got {type(model).__name__}")
    eta = positive_float(eta, "eta", "the learning rate must be positive")
    sigma = _sigma(sigma)
    steps = positive_int(steps, "steps")
    batch_size = positive_int(batch_size, "batch_size")
    beta = _momentum(momentum)
    record_every = positive_int(record_every, "record_every")
    if noise not in ("rademacher", "gaussian"):
        raise ValueError(f"`noise` must be 'rademacher' or 'gaussian', got {noise!r}")
    n, d = model.n, model.dim
    if not replacement and batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n} (without replacement)")
    theta = np.asarray(theta0, dtype=float)
    if theta.ndim <= 1:
        theta = np.tile(theta.reshape(1, -1), (1 if runs is None else positive_int(runs, "runs"), 1))
    elif runs is not None and positive_int(runs, "runs") != theta.shape[0]:
        raise ValueError(f"`runs` = {runs} disagrees with the {theta.shape[0]} starts in `theta0`")
    if theta.ndim != 2 or theta.shape[1] != d:
        raise ValueError(f"`theta0` must have shape ({d},) or (m, {d}), got {np.shape(theta0)}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("`theta0` must be finite")
    theta = theta.copy()
    m = theta.shape[0]
    rng = _rng(seed)
    lam = eta * sigma ** 2 / (batch_size * (1.0 - beta))

    record_at = np.unique(np.concatenate((np.arange(0, steps + 1, record_every), [steps])))
    thetas = np.empty((record_at.size, m, d))
    losses = np.empty((record_at.size, m))
    regs = np.empty((record_at.size, m))
    traces = np.empty((record_at.size, m))
    rows = np.arange(m)[:, None]
    full_batch = (not replacement) and batch_size == n
    previous = theta.copy()
    r = 0
    for k in range(steps + 1):
        try:
            if r < record_at.size and record_at[r] == k:
                thetas[r] = theta
                losses[r], regs[r], traces[r] = _record_curvature(model, theta, eta, beta)
                r += 1
            if k == steps:
                break
            f, J = model.evaluate(theta)
        except ValueError as exc:
            raise ValueError(f"at iteration {k}: {exc}") from None
        if replacement:
            idx = rng.integers(0, n, size=(m, batch_size))
        elif full_batch:
            idx = np.broadcast_to(np.arange(n), (m, n))
        else:
            idx = np.argsort(rng.random((m, n)), axis=1)[:, :batch_size]
        residual = (f - model.labels)[rows, idx]
        if sigma > 0.0:
            if noise == "rademacher":
                residual = residual - sigma * (2.0 * rng.integers(0, 2, size=(m, batch_size)) - 1.0)
            else:
                residual = residual - sigma * rng.standard_normal((m, batch_size))
        g = np.einsum("mb,mbd->md", residual, J[rows, idx]) / batch_size
        new = theta - eta * g
        if beta > 0.0:
            new += beta * (theta - previous)
        if not np.all(np.isfinite(new)):
            run = int(np.flatnonzero(~np.all(np.isfinite(new), axis=1))[0])
            raise ValueError(f"label-noise SGD diverged at iteration {k + 1} (run {run}); lower `eta` below the "
                             f"step-size edge 2(1+beta)/lambda_max of the Hessian")
        previous, theta = theta, new
    return LabelNoiseSGDResult(iterations=record_at, theta=thetas, loss=losses, regularizer=regs,
                               trace_hessian=traces, eta=eta, sigma=sigma, momentum=beta, lam=lam,
                               batch_size=batch_size, noise=noise, replacement=bool(replacement),
                               model_name=model.name)


@dataclass(frozen=True, eq=False)
class RegularizedTrajectory:
    r"""Gradient descent :math:`\Phi_k` on :math:`L+\lambda R` (Eq. (2), or Eq. (7) with momentum).

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
    theta : ndarray, shape ``(r, d)``
    loss, regularizer, trace_hessian : ndarray, shape ``(r,)``
    eta, lam, momentum, regularizer_eta : float
        ``regularizer_eta`` is the step inside :math:`R` (``0``: :math:`\operatorname{tr}H/4`).
    """

    iterations: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    regularizer: np.ndarray
    trace_hessian: np.ndarray
    eta: float
    lam: float
    momentum: float
    regularizer_eta: float

    def summary(self) -> str:
        return (f"GD on L + lambda R (eta={self.eta:g}, lambda={self.lam:.4g}, beta={self.momentum:g}, R with "
                f"eta={self.regularizer_eta:g}): {int(self.iterations[-1])} iterations, theta "
                f"{np.array2string(self.theta[0], precision=4)} -> {np.array2string(self.theta[-1], precision=6)}, "
                f"tr H {self.trace_hessian[0]:.4g} -> {self.trace_hessian[-1]:.4g}")

    __str__ = summary


def regularized_trajectory(model: SquaredLossModel, theta0, eta: float, lam: float, steps: int, *,
                           momentum: float = 0.0, regularizer_eta: Optional[float] = None,
                           record_every: int = 1) -> RegularizedTrajectory:
    r"""The paper's reference path :math:`\Phi_{k+1}=\Phi_k-\eta\nabla(L+\lambda R)(\Phi_k)+\beta(\Phi_k-\Phi_{k-1})`.

    Parameters
    ----------
    model : SquaredLossModel
    theta0 : array_like, shape ``(d,)``
    eta, lam : float
        Step and :math:`\lambda` (use :func:`~fpesolve.labelnoise.regularizer.regularization_strength`).
    steps : int
    momentum : float
    regularizer_eta : float, optional
        Step inside :math:`R` (default ``eta``; ``0`` gives the small-step
        regulariser :math:`\operatorname{tr}H/4`).
    record_every : int
    """
    eta = positive_float(eta, "eta")
    steps = positive_int(steps, "steps")
    beta = _momentum(momentum)
    record_every = positive_int(record_every, "record_every")
    r_eta = eta if regularizer_eta is None else float(regularizer_eta)
    theta = np.asarray(theta0, dtype=float).reshape(-1).copy()
    if theta.size != model.dim or not np.all(np.isfinite(theta)):
        raise ValueError(f"`theta0` must be a finite vector of shape ({model.dim},), got {np.shape(theta0)}")
    record_at = np.unique(np.concatenate((np.arange(0, steps + 1, record_every), [steps])))
    out = np.empty((record_at.size, model.dim))
    previous = theta.copy()
    r = 0
    for k in range(steps + 1):
        if record_at[r] == k:
            out[r] = theta
            r += 1
        if k == steps:
            break
        new = theta - eta * model.regularized_grad(theta, r_eta, lam, beta)
        if beta > 0.0:
            new += beta * (theta - previous)
        if not np.all(np.isfinite(new)):
            raise ValueError(f"gradient descent on L + lambda R diverged at iteration {k + 1}; lower `eta`")
        previous, theta = theta, new
    loss = model.loss(out)
    H = model.hessian(out)
    R = np.atleast_1d(implicit_regularizer(H, r_eta, beta))
    return RegularizedTrajectory(iterations=record_at, theta=out, loss=loss, regularizer=R,
                                 trace_hessian=np.trace(H, axis1=1, axis2=2), eta=eta, lam=float(lam),
                                 momentum=beta, regularizer_eta=r_eta)


# ---------------------------------------------------------------------------- worked models
def _features(x, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=float))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite")
    return arr


def product_model(x: Sequence[float] = (0.5, 1.0, 1.5), c: float = 1.0) -> SquaredLossModel:
    r"""The two-parameter product model :math:`f(x;u,v)=uvx` with labels :math:`y_i=cx_i`.

    :math:`L=\frac{m_2}{2}(uv-c)^2` with :math:`m_2=\frac1n\sum_ix_i^2`; the
    minimisers are the hyperbola :math:`uv=c`, where
    :math:`\nabla^2L=m_2\begin{pmatrix}v^2&c\\c&u^2\end{pmatrix}` has eigenvalues
    :math:`0` and :math:`m_2(u^2+v^2)`, so :math:`R` is smallest at
    :math:`|u|=|v|=\sqrt{|c|}`.  Every SGD step preserves the sign of
    :math:`u^2-v^2` and multiplies it by :math:`1-\eta^2g^2` (:math:`g` the
    batch's scalar residual-times-feature), so label noise shrinks it
    geometrically while noise-free SGD at a minimiser does not move.
    """
    xs = _features(x, "x")
    c = float(c)

    def outputs(theta):
        return (theta[:, 0] * theta[:, 1])[:, None] * xs[None, :]

    def output_grads(theta):
        return np.stack((theta[:, 1:2] * xs[None, :], theta[:, 0:1] * xs[None, :]), axis=-1)

    def output_hessians(theta):
        H = np.zeros((theta.shape[0], xs.size, 2, 2))
        H[:, :, 0, 1] = xs
        H[:, :, 1, 0] = xs
        return H

    return SquaredLossModel(outputs, output_grads, c * xs, 2, output_hessians, name=f"product u v x (c={c:g})")


def sparse_regression_model(features, beta_star) -> SquaredLossModel:
    r"""Quadratically parametrised linear regression :math:`f(x;\theta)=\sum_j\theta_j^2x_j`, :math:`y=X\beta^*`.

    The model realises :math:`\beta=\theta\odot\theta\ge0`.  At a zero-loss
    point :math:`\nabla^2L=G` and :math:`\operatorname{tr}\nabla^2L/4=\sum_j
    w_j\theta_j^2=\sum_jw_j\beta_j` with :math:`w_j=\frac1n\sum_iX_{ij}^2`: the
    small-step regulariser is a weighted :math:`\ell_1` norm of
    :math:`\beta`, so label-noise SGD is driven toward a sparse interpolant
    (HaoChen et al.).  With columns normalised to :math:`w_j=1` it is the
    :math:`\ell_1` norm, whose minimiser on :math:`\{X\beta=y,\beta\ge0\}` is
    :math:`\beta^*` whenever that linear program has :math:`\beta^*` as its
    unique solution.

    Parameters
    ----------
    features : array_like, shape ``(n, d)``
    beta_star : array_like, shape ``(d,)``, non-negative
    """
    X = np.asarray(features, dtype=float)
    b = np.asarray(beta_star, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != b.size or not np.all(np.isfinite(X)) or not np.all(np.isfinite(b)):
        raise ValueError(f"`features` must be a finite (n, d) array and `beta_star` a finite (d,) vector, "
                         f"got {X.shape} and {b.shape}")
    if np.any(b < 0):
        raise ValueError("`beta_star` must be non-negative (the model realises beta = theta**2)")
    n, d = X.shape

    def outputs(theta):
        return (theta ** 2) @ X.T

    def output_grads(theta):
        return 2.0 * theta[:, None, :] * X[None, :, :]

    def output_hessians(theta):
        H = np.zeros((theta.shape[0], n, d, d))
        idx = np.arange(d)
        H[:, :, idx, idx] = 2.0 * X[None, :, :]
        return H

    return SquaredLossModel(outputs, output_grads, X @ b, d, output_hessians,
                            name=f"quadratic sparse regression (n={n}, d={d})")


def quadratic_1d_model(x: Sequence[float] = (0.5, 1.0, 1.5), c: float = 1.0) -> SquaredLossModel:
    r"""A one-parameter model :math:`f(x;\theta)=x\theta^2` with labels :math:`y_i=cx_i` (:math:`c>0`).

    :math:`L=\frac{m_2}{2}(\theta^2-c)^2`, minimum :math:`\theta^*=\sqrt c`
    with :math:`H=4m_2c` and :math:`L'''=12m_2\sqrt c`; the label-noise
    variance :math:`\sigma^2\frac1n\sum_if_i'^2/B=4m_2\sigma^2\theta^2/B` is
    positive on :math:`\theta>0`.  Use :meth:`SquaredLossModel.landscape`
    for its Fokker–Planck landscape.
    """
    xs = _features(x, "x")
    c = positive_float(c, "c")

    def outputs(theta):
        return theta[:, 0:1] ** 2 * xs[None, :]

    def output_grads(theta):
        return (2.0 * theta[:, 0:1] * xs[None, :])[:, :, None]

    def output_hessians(theta):
        return np.broadcast_to(2.0 * xs[None, :, None, None], (theta.shape[0], xs.size, 1, 1)).copy()

    return SquaredLossModel(outputs, output_grads, c * xs, 1, output_hessians, name=f"x theta^2 (c={c:g})")
