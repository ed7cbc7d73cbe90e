r"""The fluctuation covariance :math:`S` and the regulariser :math:`R_S=\langle S,\nabla^2L\rangle` (Proposition 5).

Linearised at a reference point :math:`\theta^*` with Hessian :math:`H`, the
fluctuation of SGD around its regularised path is the Ornstein–Uhlenbeck
recursion (Eq. (4))

.. math:: \xi_{k+1}=(I-\eta H)\xi_k+\epsilon^*_k,\qquad \operatorname{Cov}\epsilon^*_k=Q=\eta\lambda\Sigma(\theta^*),

whose stationary covariance :math:`S=\lim_k\mathrm E\,\xi_k\xi_k^T` is the
unique fixed point of :math:`S\leftarrow(I-\eta H)S(I-\eta H)+Q` on the span
of :math:`H` (Proposition 5).  The second-order Taylor term of the gradient,
averaged over the fluctuation, is :math:`\tfrac12\nabla^3L[S]=\tfrac12\nabla R_S`
with

.. math:: R_S(\theta)=\langle S,\nabla^2L(\theta)\rangle\quad(S\text{ held fixed}).

**Constants.**  Proposition 5 writes the regularised loss as
:math:`L+\lambda R_S`; with its :math:`S` (which already contains the factor
:math:`\lambda` through :math:`Q=\eta\lambda\Sigma`) that is a factor
:math:`2\lambda` too weak: the drift that cancels the averaged Taylor term
(Proposition 3) is :math:`\tfrac12\nabla^3L[S]`.  fpesolve therefore runs
gradient descent on

.. math:: \tilde L_S=L+\tfrac12R_S=L+\tfrac12\langle S,\nabla^2L\rangle ,

which for label noise at a zero-loss point (:math:`\Sigma=G=H`,
:math:`S=\lambda(2-\eta H)^{-1}P`) has the same gradient at :math:`\theta^*`
as :math:`L+\lambda R` along the span of :math:`H` (the flat directions,
where :math:`\xi` does not fluctuate, are excluded by :math:`P`).
:func:`fpesolve.labelnoise.coupling.couple_label_noise_sgd` shows by simulation
that the literal :math:`L+\lambda R_S` does not follow SGD while
:math:`L+\tfrac12R_S` does.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from scipy import linalg

from .._util.errors import ConvergenceError
from .._util.validation import positive_float, positive_int
from ._params import checked_lam, checked_symmetric, checked_theta
from .regularizer import HessianFunction, _hessian_at, hessian_derivative_fd

__all__ = ["fluctuation_covariance", "noise_fixed_point", "covariance_regularizer", "covariance_regularizer_gradient",
           "FIXED_POINT_METHODS"]


def _eigen(H, Q, eta, U, a, d, tol, scale, rtol, max_iter):
    Sr = (U.T @ Q @ U) / (a[:, None] + a[None, :] - a[:, None] * a[None, :])
    return U @ Sr @ U.T


def _lyapunov(H, Q, eta, U, a, d, tol, scale, rtol, max_iter):
    B = linalg.orth(H, rcond=tol / scale if scale > 0 else None) if a.size else np.zeros((d, 0))
    if B.shape[1] != a.size:
        B = U
    A = B.T @ (np.eye(d) - eta * H) @ B
    Sr = linalg.solve_discrete_lyapunov(A, B.T @ Q @ B)
    return B @ Sr @ B.T


def _iteration(H, Q, eta, U, a, d, tol, scale, rtol, max_iter):
    P = U @ U.T
    A = np.eye(d) - eta * H
    Qp = P @ Q @ P
    S = np.zeros((d, d))
    for _ in range(max_iter):
        new = A @ S @ A + Qp
        if np.max(np.abs(new - S)) <= rtol * max(np.max(np.abs(new)), np.finfo(float).tiny):
            return P @ new @ P
        S = new
    raise ConvergenceError(f"the fixed-point iteration did not reach rtol={rtol:g} in {max_iter} steps "
                           f"(contraction factor {float(np.max((1.0 - a) ** 2)):.6g} per step); use method='eigen'")


#: how :func:`fluctuation_covariance` solves the fixed-point equation
FIXED_POINT_METHODS = {
    "eigen": _eigen,          # S_ij = Q_ij / (a_i + a_j - a_i a_j) in the eigenbasis of H, a = eta h (no cancellation)
    "lyapunov": _lyapunov,    # scipy.linalg.solve_discrete_lyapunov on an orthonormal basis of range(H)
    "iteration": _iteration,  # the fixed-point iteration itself from S = 0 (contracts by max (1 - eta h)^2)
}


def fluctuation_covariance(hessian, step_covariance, eta: float, *, method: str = "eigen",
                           rank_tol: Optional[float] = None, rtol: float = 1e-13,
                           max_iter: int = 1_000_000) -> np.ndarray:
    r"""The fixed point :math:`S` of :math:`S\leftarrow(I-\eta H)S(I-\eta H)+Q` on the span of :math:`H`.

    This is the stationary covariance of the linearised fluctuation
    :math:`\xi_{k+1}=(I-\eta H)\xi_k+\epsilon_k` with
    :math:`\operatorname{Cov}\epsilon_k=Q` (Eq. (4) and Proposition 5, where
    :math:`Q=\eta\lambda\Sigma`; :func:`noise_fixed_point` takes
    :math:`\Sigma` and :math:`\lambda`).  Restricted to the span of
    :math:`H`: with :math:`P` the orthogonal projector onto
    :math:`\operatorname{range}(H)`, ``S`` solves the equation with :math:`Q`
    replaced by :math:`PQP` and satisfies :math:`S=PSP` (the paper assumes
    :math:`\Sigma\preceq CH`, so that :math:`PQP=Q`; a part of :math:`Q`
    outside the span makes :math:`\xi` a random walk there and is discarded).

    Parameters
    ----------
    hessian : array_like, shape ``(d, d)``
        Symmetric :math:`H`; on its range every eigenvalue must satisfy
        :math:`0<\eta h<2` (else no fixed point exists: ``ValueError``).
    step_covariance : array_like, shape ``(d, d)``
        Symmetric covariance :math:`Q` of the noise of one step (units of
        :math:`\theta^2`), e.g. from
        :meth:`~fpesolve.labelnoise.models.SquaredLossModel.step_noise_covariance`.
    eta : float
        Step :math:`\eta>0`.
    method : {"eigen", "lyapunov", "iteration"}
        A key of :data:`FIXED_POINT_METHODS`.  ``"eigen"``: in the eigenbasis
        of :math:`H`, :math:`S_{ij}=Q_{ij}/(a_i+a_j-a_ia_j)` with
        :math:`a_i=\eta h_i` (no cancellation).  ``"lyapunov"``:
        ``scipy.linalg.solve_discrete_lyapunov`` on an orthonormal basis of the
        range.  ``"iteration"``: the fixed-point iteration from :math:`S=0`,
        stopped when the update is below ``rtol`` times :math:`\|S\|`.
    rank_tol : float, optional
        Eigenvalues with :math:`|h|\le` ``rank_tol`` count as zero; default
        ``d * eps * max|h|``.
    rtol, max_iter
        Stopping rule of ``"iteration"``.

    Returns
    -------
    ndarray, shape ``(d, d)``
        :math:`S`, symmetric positive semi-definite, :math:`S=PSP`.

    Raises
    ------
    ValueError
        If an eigenvalue of :math:`H` on its range has :math:`\eta h\notin(0,2)`
        (no stationary fluctuation exists), for shapes that disagree, or an
        unknown ``method`` (the message lists the methods).
    ConvergenceError
        If ``method="iteration"`` misses ``rtol`` in ``max_iter`` steps.

    Examples
    --------
    One direction: :math:`S=Q/(1-(1-\eta h)^2)`.

    >>> round(float(fluctuation_covariance([[2.0]], [[0.01]], 0.1)[0, 0]), 12)  # 0.01 / (1 - 0.8**2)
    0.027777777778
    """
    H = checked_symmetric(hessian)
    Q = checked_symmetric(step_covariance, "step_covariance")
    if H.ndim != 2 or Q.shape != H.shape:
        raise ValueError(f"`hessian` and `step_covariance` must be (d, d) matrices of one shape, got {H.shape} "
                         f"and {Q.shape}")
    eta = positive_float(eta, "eta")
    if method not in FIXED_POINT_METHODS:
        raise ValueError(f"`method` must be one of {', '.join(repr(k) for k in FIXED_POINT_METHODS)}, got {method!r}")
    max_iter = positive_int(max_iter, "max_iter")
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
    S = FIXED_POINT_METHODS[method](H, Q, eta, V[:, keep], a, d, tol, scale, rtol, max_iter)
    return 0.5 * (S + S.T)


def noise_fixed_point(hessian, sigma, eta: float, lam: float, *, method: str = "eigen",
                      rank_tol: Optional[float] = None, rtol: float = 1e-13, max_iter: int = 1_000_000) -> np.ndarray:
    r"""Proposition 5's :math:`S`: the fixed point of :math:`S\leftarrow(I-\eta H)S(I-\eta H)+\eta\lambda\Sigma` on span :math:`H`.

    :func:`fluctuation_covariance` with :math:`Q=\eta\lambda\Sigma`.  For label
    noise at a zero-loss point :math:`\Sigma=G=H` and
    :math:`S=\lambda P(2-\eta H)^{-1}=2\lambda\,r'(H)P`.

    Parameters
    ----------
    hessian : array_like, shape ``(d, d)``
        Symmetric :math:`H` (on its range :math:`0<\eta h<2`).
    sigma : array_like, shape ``(d, d)``
        Symmetric noise covariance :math:`\Sigma` per unit :math:`\eta\lambda`.
    eta : float
        Step :math:`\eta>0`.
    lam : float
        :math:`\lambda\ge0`.
    method, rank_tol, rtol, max_iter
        As in :func:`fluctuation_covariance`.

    Returns
    -------
    ndarray, shape ``(d, d)``

    Raises
    ------
    ValueError, ConvergenceError
        As :func:`fluctuation_covariance`; ``ValueError`` for ``lam < 0``.

    Examples
    --------
    Label noise at a zero-loss point: :math:`S=\lambda/(2-\eta h)`.

    >>> float(noise_fixed_point([[4.0]], [[4.0]], 0.25, 0.01)[0, 0])  # 0.01 / (2 - 1)
    0.01
    """
    lam = checked_lam(lam)
    eta = positive_float(eta, "eta")
    Sig = checked_symmetric(sigma, "sigma")
    return fluctuation_covariance(hessian, eta * lam * Sig, eta, method=method, rank_tol=rank_tol, rtol=rtol,
                                  max_iter=max_iter)


def covariance_regularizer(hessian, S) -> float:
    r""":math:`R_S=\langle S,\nabla^2L\rangle=\operatorname{tr}(S\,\nabla^2L)` for a fixed symmetric ``S``.

    Parameters
    ----------
    hessian : array_like, shape ``(d, d)`` or ``(m, d, d)``
        :math:`\nabla^2L(\theta)`.
    S : array_like, shape ``(d, d)``
        The fluctuation covariance (e.g. :func:`noise_fixed_point` at a
        reference point).

    Returns
    -------
    float or ndarray of shape ``(m,)``

    Raises
    ------
    ValueError
        For non-symmetric or mismatched shapes.

    Examples
    --------
    >>> covariance_regularizer([[2.0, 0.0], [0.0, 1.0]], [[0.5, 0.1], [0.1, 0.2]])
    1.2
    """
    H = checked_symmetric(hessian)
    Sm = checked_symmetric(S, "S")
    if Sm.ndim != 2 or H.shape[-2:] != Sm.shape:
        raise ValueError(f"`S` must have the Hessian's shape (d, d) = {H.shape[-2:]}, got {Sm.shape}")
    value = np.einsum("...ij,ij->...", H, Sm)
    return float(value) if np.ndim(value) == 0 else value


def covariance_regularizer_gradient(hessian: HessianFunction, theta, S, *,
                                    hessian_derivative: Optional[Callable[[np.ndarray], np.ndarray]] = None
                                    ) -> np.ndarray:
    r""":math:`\nabla R_S(\theta)=\nabla^3L(\theta)[S]`, i.e. :math:`\partial_kR_S=\sum_{ij}S_{ij}\,\partial_k\partial_i\partial_jL`.

    Parameters
    ----------
    hessian : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla^2L(\theta)`.
    theta : array_like, shape ``(d,)``
    S : array_like, shape ``(d, d)``
        Held fixed (it belongs to the reference point, not to ``theta``).
    hessian_derivative : callable, optional
        Exact third derivatives ``T[k, i, j]``; default central differences of
        ``hessian`` (:func:`~fpesolve.labelnoise.regularizer.hessian_derivative_fd`).

    Returns
    -------
    ndarray, shape ``(d,)``

    Raises
    ------
    ValueError
        For mismatched shapes.

    Examples
    --------
    :math:`L=\theta_1^3/6`: :math:`\nabla^3L[S]=(S_{11},0)`.

    >>> import numpy as np
    >>> H = lambda t: np.array([[t[0], 0.0], [0.0, 0.0]])
    >>> np.round(covariance_regularizer_gradient(H, [0.3, 0.0], [[0.2, 0.0], [0.0, 0.0]]), 9)
    array([0.2, 0. ])
    """
    theta = checked_theta(theta)
    Sm = checked_symmetric(S, "S")
    d = theta.size
    if Sm.shape != (d, d):
        raise ValueError(f"`S` must have shape ({d}, {d}), got {Sm.shape}")
    _hessian_at(hessian, theta)  # shape check
    if hessian_derivative is not None:
        T = np.asarray(hessian_derivative(theta), dtype=float)
        if T.shape != (d, d, d):
            raise ValueError(f"`hessian_derivative` must return shape (d, d, d), got {T.shape}")
    else:
        T = hessian_derivative_fd(hessian, theta)
    return np.einsum("kij,ij->k", T, Sm)
