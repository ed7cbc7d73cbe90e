r"""The implicit regulariser of label-noise SGD (Damian, Ma & Lee, Theorem 1 and Section 5).

Label-noise SGD with step :math:`\eta`, label-noise standard deviation
:math:`\sigma` and batch size :math:`B` follows, to leading order in

.. math:: \lambda = \frac{\eta\sigma^2}{B}\quad\Big(\text{heavy ball: }\ \lambda=\frac{\eta\sigma^2}{B(1-\beta)}\Big),

gradient descent on the regularised loss :math:`\tilde L = L + \lambda R` with

.. math::

    R(\theta) = -\frac{1}{2\rho}\,\operatorname{tr}\log\Big(1-\frac{\rho}{2}\nabla^2L(\theta)\Big)
              = \sum_i r(h_i), \qquad
    r(h) = -\frac{1}{2\rho}\log\Big(1-\frac{\rho h}{2}\Big)
         = \frac{h}{4}+\frac{\rho h^2}{16}+\frac{\rho^2h^3}{48}+\dots,

where :math:`h_i` are the Hessian's eigenvalues and :math:`\rho=\eta/(1+\beta)`
(:math:`\rho=\eta` without momentum).  As :math:`\eta\to0`,
:math:`R\to\operatorname{tr}\nabla^2L/4`.

Where the formulas come from (and the one place we differ from the paper)
-------------------------------------------------------------------------
Linearised at a zero-loss point, the fluctuation :math:`\xi` in a Hessian
eigendirection with eigenvalue :math:`h` is the AR process
:math:`\xi_{k+1}=(1-\eta h)\xi_k+\beta(\xi_k-\xi_{k-1})+e_k` with
:math:`\operatorname{Var}e_k=\eta^2\sigma^2h/B` (label noise on a Gauss–Newton
Hessian :math:`G=h`).  Its stationary variance is (AR(2) formula)

.. math:: \operatorname{Var}\xi=\frac{\eta\sigma^2}{B(1-\beta)}\cdot\frac{1}{2-\eta h/(1+\beta)}
          =\lambda\cdot 2r'(h),

and the averaged third-order Taylor term :math:`\tfrac12\nabla^3L[\mathrm{E}\,\xi\xi^T]`
equals :math:`\lambda\nabla R`.  For :math:`\beta=0` this is the paper's
Eq. (1).  For momentum the paper's Eq. (6) prints
:math:`R=+\frac{1+\beta}{2\eta}\operatorname{tr}\log(\dots)`, whose sign is a
slip (it would be negative and *favour* sharp minima, and it does not reduce
to Eq. (1) at :math:`\beta=0`); we use the minus sign derived above, i.e. the
:math:`\beta=0` regulariser evaluated at the effective step
:math:`\rho=\eta/(1+\beta)`.  The simulations in ``tests/test_label_noise.py``
confirm it.

Domain of definition
--------------------
* :math:`\rho h/2\ge1` (i.e. :math:`h\ge 2(1+\beta)/\eta`, the step-size
  stability edge): :math:`R=+\infty` there; every function raises
  ``ValueError`` naming the offending eigenvalue.
* :math:`h<0` (negative curvature): the logarithm is *defined*
  (:math:`1-\rho h/2>1`) and, by default (``negative_curvature="continue"``),
  the same formula is returned.  Each such term is finite and negative, lies
  in :math:`(h/4, 0)` and equals the series above; it keeps
  :math:`\tilde L` smooth through inflection points.  It is an analytic
  continuation: the derivation (a stationary fluctuation covariance) needs
  :math:`0<\eta h<2(1+\beta)`.  Pass ``negative_curvature="raise"`` to refuse
  negative eigenvalues instead.
* ``eta == 0`` is accepted by the regulariser functions and means the limit
  :math:`R=\operatorname{tr}\nabla^2L/4` (the regulariser of Blanc et al. and
  of the SDE, which cannot see the discrete-time correction).

Derivatives
-----------
:math:`\partial_kR=\operatorname{tr}[W\,\partial_k\nabla^2L]` with
:math:`W=r'(\nabla^2L)=\tfrac12(2-\rho\nabla^2L)^{-1}` evaluated exactly
from the eigen-decomposition; the third-derivative tensor
:math:`\partial_k\nabla^2L` comes from the caller (``hessian_derivative``)
or, by default, from second-order central differences of the Hessian with
step :math:`\epsilon^{1/3}\max(1,|\theta_k|)` (relative error
:math:`\sim10^{-10}`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy import linalg, optimize

from .._util.validation import positive_float, positive_int

__all__ = [
    "regularization_strength", "regularizer_from_eigenvalues", "regularizer_derivative", "implicit_regularizer",
    "regularizer_weight_matrix", "regularizer_gradient", "regularized_loss", "regularized_gradient",
    "regularized_stationary_point", "RegularizedStationaryPoint", "noise_fixed_point",
]

HessianFunction = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------- parameters
def _momentum(momentum) -> float:
    try:
        beta = float(momentum)
    except (TypeError, ValueError):
        raise TypeError(f"`momentum` must be a real number, got {momentum!r}") from None
    if not (math.isfinite(beta) and 0.0 <= beta < 1.0):
        raise ValueError(f"`momentum` (heavy-ball beta) must lie in [0, 1), got {momentum!r}")
    return beta


def _eta_allow_zero(eta) -> float:
    try:
        value = float(eta)
    except (TypeError, ValueError):
        raise TypeError(f"`eta` must be a real number, got {eta!r}") from None
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"`eta` must be a finite number >= 0 (0 means the limit R = tr H / 4), got {eta!r}")
    return value


def regularization_strength(eta: float, sigma: float, batch_size: int, momentum: float = 0.0) -> float:
    r"""The regularisation strength :math:`\lambda=\eta\sigma^2/(B(1-\beta))`.

    Parameters
    ----------
    eta : float
        Learning rate :math:`\eta>0`.
    sigma : float
        Label-noise standard deviation :math:`\sigma\ge0` (labels are
        perturbed by :math:`\pm\sigma`, variance :math:`\sigma^2`).
    batch_size : int
        :math:`B\ge1`.
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`; momentum multiplies :math:`\lambda`
        by :math:`1/(1-\beta)` (Section 5.1).

    Returns
    -------
    float
        :math:`\lambda` (units of loss per unit of :math:`R`, i.e. of
        :math:`\theta^2`-scaled curvature).
    """
    eta = positive_float(eta, "eta", "the learning rate must be positive")
    sigma = _sigma(sigma)
    batch_size = positive_int(batch_size, "batch_size")
    beta = _momentum(momentum)
    return eta * sigma ** 2 / (batch_size * (1.0 - beta))


def _sigma(sigma) -> float:
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise TypeError(f"`sigma` must be a real number, got {sigma!r}") from None
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"`sigma` (label-noise standard deviation) must be a finite number >= 0, got {sigma!r}")
    return value


# ---------------------------------------------------------------------------- R from eigenvalues
def _checked_half_rho_h(eigenvalues, eta: float, momentum: float, negative_curvature: str):
    h = np.asarray(eigenvalues, dtype=float)
    if not np.all(np.isfinite(h)):
        raise ValueError("Hessian eigenvalues must be finite; got a non-finite value")
    if negative_curvature not in ("continue", "raise"):
        raise ValueError(f"`negative_curvature` must be 'continue' or 'raise', got {negative_curvature!r}")
    if negative_curvature == "raise" and np.any(h < 0.0):
        bad = float(h[h < 0.0].min())
        raise ValueError(f"Hessian eigenvalue {bad!r} is negative and `negative_curvature='raise'`; R is derived "
                         f"for 0 < eta*h < 2(1+beta) (pass negative_curvature='continue' for the analytic continuation)")
    rho = eta / (1.0 + momentum)
    x = 0.5 * rho * h
    if np.any(x >= 1.0):
        bad = float(h[x >= 1.0].max())
        raise ValueError(
            f"Hessian eigenvalue {bad!r} is at or beyond the step-size edge 2(1+beta)/eta = {2.0 / rho!r} "
            f"(eta*h/(2(1+beta)) = {0.5 * rho * bad!r} >= 1): the regulariser R is +infinite there. "
            f"Lower `eta` or start where the curvature is below 2(1+beta)/eta")
    return h, rho, x


def regularizer_from_eigenvalues(eigenvalues, eta: float, momentum: float = 0.0, *,
                                 negative_curvature: str = "continue") -> np.ndarray:
    r"""Sum of :math:`r(h_i)=-\frac{1}{2\rho}\log(1-\rho h_i/2)` over the last axis, :math:`\rho=\eta/(1+\beta)`.

    Parameters
    ----------
    eigenvalues : array_like, shape ``(..., d)``
        Hessian eigenvalues :math:`h_i`.
    eta : float
        Learning rate; ``0`` gives the limit :math:`\sum_i h_i/4`.
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`.
    negative_curvature : {"continue", "raise"}
        What to do with :math:`h_i<0` (see the module notes): return the
        formula's finite, negative value, or raise ``ValueError``.

    Returns
    -------
    ndarray, shape ``(...)``
        :math:`R`, evaluated with ``log1p`` so that it is accurate to
        round-off for :math:`\rho h\to0` and finite up to the edge.

    Raises
    ------
    ValueError
        If some :math:`\rho h_i/2\ge1`, naming the eigenvalue and the edge
        :math:`2(1+\beta)/\eta`.
    """
    eta = _eta_allow_zero(eta)
    beta = _momentum(momentum)
    h, rho, x = _checked_half_rho_h(eigenvalues, eta, beta, negative_curvature)
    if rho == 0.0:
        return np.sum(h, axis=-1) / 4.0
    # -log1p(-x)/(2 rho) = (h/4) * (-log1p(-x)/x); the ratio is 1 at x = 0 and computed without 0/0.
    safe = np.where(x == 0.0, 0.5, x)
    ratio = np.where(x == 0.0, 1.0, -np.log1p(-safe) / safe)
    return np.sum(0.25 * h * ratio, axis=-1)


def regularizer_derivative(eigenvalues, eta: float, momentum: float = 0.0) -> np.ndarray:
    r"""Elementwise :math:`r'(h)=\frac{1}{2(2-\rho h)}` (``1/4`` at :math:`\rho=0`).

    :math:`2\lambda r'(h)` is the stationary fluctuation variance of label-noise
    SGD in an eigendirection of curvature :math:`h`.  Raises like
    :func:`regularizer_from_eigenvalues` at the edge.
    """
    eta = _eta_allow_zero(eta)
    beta = _momentum(momentum)
    h, rho, _ = _checked_half_rho_h(eigenvalues, eta, beta, "continue")
    return 0.5 / (2.0 - rho * h)


def _symmetric(hessian, name: str = "hessian") -> np.ndarray:
    H = np.asarray(hessian, dtype=float)
    if H.ndim < 2 or H.shape[-1] != H.shape[-2]:
        raise ValueError(f"`{name}` must be a square matrix (or a stack of them), got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError(f"`{name}` contains a non-finite entry")
    scale = max(1.0, float(np.max(np.abs(H)))) if H.size else 1.0
    asym = float(np.max(np.abs(H - np.swapaxes(H, -1, -2)))) if H.size else 0.0
    if asym > 1e-8 * scale:
        raise ValueError(f"`{name}` must be symmetric; max |H - H^T| = {asym:.3g}")
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def implicit_regularizer(hessian, eta: float, momentum: float = 0.0, *,
                         negative_curvature: str = "continue") -> np.ndarray:
    r""":math:`R=-\frac{1}{2\rho}\operatorname{tr}\log(1-\frac{\rho}{2}H)` from a symmetric Hessian.

    Parameters
    ----------
    hessian : array_like, shape ``(..., d, d)``
        :math:`\nabla^2L(\theta)` (a stack is evaluated elementwise).
    eta, momentum, negative_curvature
        As in :func:`regularizer_from_eigenvalues`.

    Returns
    -------
    ndarray or float
        :math:`R` for each matrix.
    """
    H = _symmetric(hessian)
    value = regularizer_from_eigenvalues(np.linalg.eigvalsh(H), eta, momentum,
                                         negative_curvature=negative_curvature)
    return float(value) if np.ndim(value) == 0 else value


def regularizer_weight_matrix(hessian, eta: float, momentum: float = 0.0) -> np.ndarray:
    r""":math:`W=r'(H)=\tfrac12(2-\rho H)^{-1}`, so that :math:`\partial_kR=\operatorname{tr}[W\partial_kH]`.

    Computed from the eigen-decomposition of ``hessian`` (shape ``(d, d)``).
    """
    H = _symmetric(hessian)
    h, V = np.linalg.eigh(H)
    w = regularizer_derivative(h, eta, momentum)
    return (V * w) @ V.T


def _fd_steps(theta: np.ndarray) -> np.ndarray:
    return np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(theta))


def _hessian_derivative_fd(hessian: HessianFunction, theta: np.ndarray) -> np.ndarray:
    """``T[k] = d H / d theta_k`` by central differences, shape ``(d, d, d)``."""
    d = theta.size
    steps = _fd_steps(theta)
    out = np.empty((d, d, d))
    for k in range(d):
        e = np.zeros(d)
        e[k] = steps[k]
        plus = np.asarray(hessian(theta + e), dtype=float)
        minus = np.asarray(hessian(theta - e), dtype=float)
        out[k] = (plus - minus) / (2.0 * steps[k])
    return out


def _theta(theta) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(theta, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"`theta` must be a vector of shape (d,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`theta` must be finite, got {arr!r}")
    return arr


def _hessian_at(hessian: HessianFunction, theta: np.ndarray) -> np.ndarray:
    H = _symmetric(np.asarray(hessian(theta), dtype=float))
    if H.shape != (theta.size, theta.size):
        raise ValueError(f"`hessian` must return shape (d, d) = ({theta.size}, {theta.size}), got {H.shape}")
    return H


def regularizer_gradient(hessian: HessianFunction, theta, eta: float, momentum: float = 0.0, *,
                         hessian_derivative: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> np.ndarray:
    r""":math:`\nabla R(\theta)`, with :math:`\partial_kR=\operatorname{tr}[\tfrac12(2-\rho H)^{-1}\partial_kH]`.

    Parameters
    ----------
    hessian : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla^2L(\theta)`, shape ``(d, d)``.
    theta : array_like, shape ``(d,)``
    eta, momentum
        As in :func:`regularizer_from_eigenvalues` (``eta = 0``: gradient of
        :math:`\operatorname{tr}H/4`).
    hessian_derivative : callable, optional
        ``theta`` to the tensor ``T[k, i, j]`` :math:`=\partial_k\partial_i\partial_jL`.
        Without it, ``T`` comes from central differences of ``hessian``
        (``2 d`` Hessian evaluations, relative error ~1e-10).

    Returns
    -------
    ndarray, shape ``(d,)``
    """
    theta = _theta(theta)
    W = regularizer_weight_matrix(_hessian_at(hessian, theta), eta, momentum)
    if hessian_derivative is not None:
        T = np.asarray(hessian_derivative(theta), dtype=float)
        if T.shape != (theta.size,) * 3:
            raise ValueError(f"`hessian_derivative` must return shape (d, d, d), got {T.shape}")
    else:
        T = _hessian_derivative_fd(hessian, theta)
    return np.einsum("kij,ij->k", T, W)


def regularized_loss(loss: Callable[[np.ndarray], float], hessian: HessianFunction, theta, eta: float, lam: float,
                     momentum: float = 0.0) -> float:
    r""":math:`\tilde L(\theta)=L(\theta)+\lambda R(\theta)`.

    ``eta`` sets the regulariser (``0`` for :math:`\operatorname{tr}H/4`);
    ``lam`` is :math:`\lambda\ge0` (see :func:`regularization_strength`).
    """
    theta = _theta(theta)
    lam = _lam(lam)
    return float(loss(theta)) + lam * float(implicit_regularizer(_hessian_at(hessian, theta), eta, momentum))


def _lam(lam) -> float:
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise TypeError(f"`lam` must be a real number, got {lam!r}") from None
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"`lam` (regularisation strength lambda) must be a finite number >= 0, got {lam!r}")
    return value


def regularized_gradient(grad: Callable[[np.ndarray], np.ndarray], hessian: HessianFunction, theta, eta: float,
                         lam: float, momentum: float = 0.0, *,
                         hessian_derivative: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> np.ndarray:
    r""":math:`\nabla\tilde L=\nabla L+\lambda\nabla R`.

    See :func:`regularizer_gradient` for how :math:`\nabla R` is computed.
    """
    theta = _theta(theta)
    lam = _lam(lam)
    g = np.asarray(grad(theta), dtype=float).reshape(theta.shape)
    if lam == 0.0:
        return g
    return g + lam * regularizer_gradient(hessian, theta, eta, momentum, hessian_derivative=hessian_derivative)


# ---------------------------------------------------------------------------- stationary points
@dataclass(frozen=True)
class RegularizedStationaryPoint:
    r"""A stationary point of :math:`\tilde L=L+\lambda R`.

    Attributes
    ----------
    theta : ndarray, shape ``(d,)``
    loss, regularizer, regularized_loss : float
        :math:`L`, :math:`R`, :math:`L+\lambda R` at ``theta``.
    gradient_norm : float
        :math:`\|\nabla\tilde L(\theta)\|_2` (finite-difference third derivatives unless given).
    hessian_eigenvalues : ndarray
        Eigenvalues of :math:`\nabla^2L(\theta)`.
    eta, lam, momentum : float
        The parameters of :math:`\tilde L`.
    converged : bool
        Whether ``gradient_norm <= gtol``.
    message : str
    """

    theta: np.ndarray
    loss: float
    regularizer: float
    regularized_loss: float
    gradient_norm: float
    hessian_eigenvalues: np.ndarray
    eta: float
    lam: float
    momentum: float
    converged: bool
    message: str

    def summary(self) -> str:
        theta = np.array2string(self.theta, precision=10)
        return (f"stationary point of L + lambda R (eta={self.eta:g}, lambda={self.lam:g}, beta={self.momentum:g}): "
                f"theta={theta}, L={self.loss:.6g}, R={self.regularizer:.6g}, L+lambda R={self.regularized_loss:.10g}, "
                f"|grad|={self.gradient_norm:.2e}, converged={self.converged} ({self.message})")

    __str__ = summary


def regularized_stationary_point(loss: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                                 hessian: HessianFunction, theta0, eta: float, lam: float, momentum: float = 0.0, *,
                                 hessian_derivative: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                                 gtol: float = 1e-9) -> RegularizedStationaryPoint:
    r"""A stationary point of :math:`L+\lambda R` near ``theta0``.

    Minimises :math:`\tilde L` by BFGS from ``theta0`` (infinite where
    :math:`R` is undefined, so the search stays below the step-size edge),
    then polishes :math:`\nabla\tilde L=0` with Powell's hybrid root finder.
    Pass ``theta0`` at (or near) a minimiser of :math:`L`; the result is the
    nearby minimum of :math:`\tilde L` (a saddle is only returned if the
    polish step lands on one, which ``hessian_eigenvalues`` would show).

    Parameters
    ----------
    loss, grad, hessian : callable
        :math:`L`, :math:`\nabla L` (shape ``(d,)``), :math:`\nabla^2L` (shape ``(d, d)``).
    theta0 : array_like, shape ``(d,)``
    eta, lam, momentum
        The regulariser's step (``0``: :math:`\operatorname{tr}H/4`),
        :math:`\lambda`, :math:`\beta`.
    hessian_derivative : callable, optional
        Exact third derivatives (see :func:`regularizer_gradient`).
    gtol : float
        Tolerance on :math:`\|\nabla\tilde L\|` for ``converged``.
    """
    theta0 = _theta(theta0)
    eta = _eta_allow_zero(eta)
    lam = _lam(lam)
    beta = _momentum(momentum)
    gtol = positive_float(gtol, "gtol")

    def f(t):
        try:
            return regularized_loss(loss, hessian, t, eta, lam, beta)
        except ValueError:
            return np.inf

    def g(t):
        return regularized_gradient(grad, hessian, t, eta, lam, beta, hessian_derivative=hessian_derivative)

    res = optimize.minimize(f, theta0, jac=g, method="BFGS", options={"gtol": 0.1 * gtol, "maxiter": 2000})
    theta = np.asarray(res.x, dtype=float)
    message = f"BFGS: {res.message}"
    gnorm = float(np.linalg.norm(g(theta)))
    if not gnorm <= 0.1 * gtol:
        root = optimize.root(g, theta, method="hybr", options={"xtol": 1e-14})
        if np.all(np.isfinite(root.x)):
            r_norm = float(np.linalg.norm(g(root.x)))
            if r_norm < gnorm:
                theta, gnorm = np.asarray(root.x, dtype=float), r_norm
                message += f"; polished by root finding: {root.message}"
    H = _hessian_at(hessian, theta)
    R = float(implicit_regularizer(H, eta, beta))
    L = float(loss(theta))
    return RegularizedStationaryPoint(theta=theta, loss=L, regularizer=R, regularized_loss=L + lam * R,
                                      gradient_norm=gnorm, hessian_eigenvalues=np.linalg.eigvalsh(H), eta=eta,
                                      lam=lam, momentum=beta, converged=bool(gnorm <= gtol), message=message)


# ---------------------------------------------------------------------------- fixed point S (Proposition 5)
def noise_fixed_point(hessian, sigma, eta: float, lam: float, *, method: str = "eigen",
                      rank_tol: Optional[float] = None, rtol: float = 1e-13, max_iter: int = 1_000_000) -> np.ndarray:
    r"""The fixed point :math:`S` of :math:`S\leftarrow(I-\eta H)S(I-\eta H)+\eta\lambda\Sigma` on the span of :math:`H`.

    This is the stationary covariance of :math:`\xi_{k+1}=(I-\eta H)\xi_k+\epsilon_k`,
    :math:`\operatorname{Cov}\epsilon_k=\eta\lambda\Sigma` (Proposition 5).
    Restricted to the span of :math:`H`: with :math:`P` the orthogonal
    projector onto :math:`\operatorname{range}(H)`, ``S`` solves the equation
    with :math:`\Sigma` replaced by :math:`P\Sigma P` and satisfies
    :math:`S=PSP` (the paper assumes :math:`\Sigma\preceq CH`, so that
    :math:`P\Sigma P=\Sigma`; any part of :math:`\Sigma` outside the span
    would make the iteration grow without bound and is discarded).
    For label noise at a zero-loss point :math:`\Sigma=H` and
    :math:`S=\lambda P(2-\eta H)^{-1}=2\lambda\,r'(H)P`.

    Parameters
    ----------
    hessian : array_like, shape ``(d, d)``
        Symmetric :math:`H`; on its range every eigenvalue must satisfy
        :math:`0<\eta h<2` (else no fixed point exists: ``ValueError``).
    sigma : array_like, shape ``(d, d)``
        Symmetric noise covariance :math:`\Sigma` (per unit :math:`\eta\lambda`).
    eta : float
        Step :math:`\eta>0`.
    lam : float
        :math:`\lambda\ge0`.
    method : {"eigen", "lyapunov", "iteration"}
        ``"eigen"``: in the eigenbasis of :math:`H`,
        :math:`S_{ij}=\eta\lambda\Sigma_{ij}/(a_i+a_j-a_ia_j)` with
        :math:`a_i=\eta h_i` (no cancellation).  ``"lyapunov"``:
        ``scipy.linalg.solve_discrete_lyapunov`` on an orthonormal basis of
        the range (``scipy.linalg.orth``).  ``"iteration"``: the fixed-point
        iteration itself from :math:`S=0`, stopped when the update is below
        ``rtol`` times :math:`\|S\|`; it contracts by
        :math:`\max_i(1-\eta h_i)^2` per step.
    rank_tol : float, optional
        Eigenvalues with :math:`|h|\le` ``rank_tol`` count as zero; default
        ``d * eps * max|h|``.
    rtol, max_iter
        Stopping rule of ``"iteration"`` (``RuntimeError`` if not met).

    Returns
    -------
    ndarray, shape ``(d, d)``
    """
    H = _symmetric(hessian)
    Sig = _symmetric(sigma, "sigma")
    if H.ndim != 2 or Sig.shape != H.shape:
        raise ValueError(f"`hessian` and `sigma` must be (d, d) matrices of one shape, got {H.shape} and {Sig.shape}")
    eta = positive_float(eta, "eta")
    lam = _lam(lam)
    d = H.shape[0]
    h, V = np.linalg.eigh(H)
    scale = float(np.max(np.abs(h))) if d else 0.0
    tol = d * np.finfo(float).eps * scale if rank_tol is None else float(rank_tol)
    keep = np.abs(h) > tol
    a = eta * h[keep]
    if np.any((a <= 0.0) | (a >= 2.0)):
        bad = float(h[keep][(a <= 0.0) | (a >= 2.0)][0])
        raise ValueError(f"no fixed point: Hessian eigenvalue {bad!r} gives |1 - eta*h| = {abs(1.0 - eta * bad)!r} >= 1 "
                         f"(need 0 < eta*h < 2 on the span of H, i.e. h in (0, {2.0 / eta!r}))")
    U = V[:, keep]
    if method == "eigen":
        Sr = eta * lam * (U.T @ Sig @ U) / (a[:, None] + a[None, :] - a[:, None] * a[None, :])
        S = U @ Sr @ U.T
    elif method == "lyapunov":
        Q = linalg.orth(H, rcond=tol / scale if scale > 0 else None) if keep.any() else np.zeros((d, 0))
        if Q.shape[1] != int(keep.sum()):
            Q = U
        A = Q.T @ (np.eye(d) - eta * H) @ Q
        Sr = linalg.solve_discrete_lyapunov(A, eta * lam * (Q.T @ Sig @ Q))
        S = Q @ Sr @ Q.T
    elif method == "iteration":
        P = U @ U.T
        A = np.eye(d) - eta * H
        Q = eta * lam * (P @ Sig @ P)
        S = np.zeros((d, d))
        max_iter = positive_int(max_iter, "max_iter")
        for _ in range(max_iter):
            new = A @ S @ A + Q
            if np.max(np.abs(new - S)) <= rtol * max(np.max(np.abs(new)), np.finfo(float).tiny):
                S = new
                break
            S = new
        else:
            raise RuntimeError(f"the fixed-point iteration did not reach rtol={rtol:g} in {max_iter} steps "
                               f"(contraction factor {float(np.max((1.0 - a) ** 2)):.6g} per step); use method='eigen'")
        S = P @ S @ P
    else:
        raise ValueError(f"`method` must be 'eigen', 'lyapunov' or 'iteration', got {method!r}")
    return 0.5 * (S + S.T)
