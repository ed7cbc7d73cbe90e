r"""Stationary points of the regularised loss :math:`\tilde L=L+\lambda R` (Theorem 1's limit points).

Theorem 1 of Damian, Ma & Lee says label-noise SGD reaches an
:math:`(\epsilon,\gamma)`-stationary point of :math:`\tilde L/\lambda`; the
exact stationary points found here are the natural witnesses
(:mod:`fpesolve.labelnoise.stationarity` uses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy import optimize

from .._util.result import Result
from .._util.validation import positive_float
from ._params import checked_eta_allow_zero, checked_lam, checked_momentum, checked_theta
from .regularizer import HessianFunction, _hessian_at, implicit_regularizer, regularized_gradient, regularized_loss

__all__ = ["RegularizedStationaryPoint", "regularized_stationary_point"]


@dataclass(frozen=True, repr=False)
class RegularizedStationaryPoint(Result):
    r"""A stationary point of :math:`\tilde L=L+\lambda R`.

    Attributes
    ----------
    theta : ndarray, shape ``(d,)``
        The stationary point.
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
        What the optimiser said (BFGS, and the root-finding polish if used).

    Examples
    --------
    The product model :math:`f=uvx` at :math:`\eta=0.2`, :math:`\lambda=0.05`:
    the point is balanced (:math:`u=v`) and sits just inside the minimiser set
    :math:`uv=1`, where the loss :math:`L\approx7\cdot10^{-4}` it pays is
    outweighed by the smaller :math:`\lambda R`:

    >>> from fpesolve.labelnoise import product_model
    >>> p = product_model().stationary_point([1.3, 0.8], 0.2, 0.05)
    >>> p.converged, p.theta.round(6).tolist()
    (True, [0.982049, 0.982049])
    >>> round(p.loss, 7), round(p.regularizer, 6), p.hessian_eigenvalues.round(6).tolist()
    (0.0007384, 0.634376, [0.041509, 2.208806])
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
        """One line: the parameters of :math:`\\tilde L`, the point, :math:`L`, :math:`R`, :math:`\\tilde L`, the gradient norm.

        Returns
        -------
        str
            Also ``converged`` and the optimiser's message.
        """
        theta = np.array2string(self.theta, precision=10)
        return (f"stationary point of L + lambda R (eta={self.eta:g}, lambda={self.lam:g}, beta={self.momentum:g}): "
                f"theta={theta}, L={self.loss:.6g}, R={self.regularizer:.6g}, L+lambda R={self.regularized_loss:.10g}, "
                f"|grad|={self.gradient_norm:.2e}, converged={self.converged} ({self.message})")


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
        Where the search starts (at or near a minimiser of :math:`L`).
    eta, lam, momentum
        The regulariser's step (``0``: :math:`\operatorname{tr}H/4`),
        :math:`\lambda`, :math:`\beta`.
    hessian_derivative : callable, optional
        Exact third derivatives (see :func:`regularizer_gradient`).
    gtol : float
        Tolerance on :math:`\|\nabla\tilde L\|` for ``converged``.

    Returns
    -------
    RegularizedStationaryPoint
        With ``converged`` and ``message``; a point that missed ``gtol`` is
        returned with ``converged=False`` (check it) rather than raised, so
        that callers can inspect how close the search came.

    Raises
    ------
    ValueError
        For a bad ``theta0``, ``eta < 0``, ``lam < 0`` or ``momentum``
        outside [0, 1).

    Examples
    --------
    The product model's stationary point of :math:`L+\lambda R` is balanced,
    :math:`u=v`, just inside the minimiser set :math:`uv=1`:

    >>> from fpesolve.labelnoise import product_model
    >>> m = product_model()
    >>> p = regularized_stationary_point(m.loss, m.grad, m.hessian, [1.3, 0.8], eta=0.2, lam=0.05)
    >>> p.converged, bool(abs(p.theta[0] - p.theta[1]) < 1e-8), bool(p.theta[0] * p.theta[1] < 1)
    (True, True, True)
    """
    theta0 = checked_theta(theta0, "theta0")
    eta = checked_eta_allow_zero(eta)
    lam = checked_lam(lam)
    beta = checked_momentum(momentum)
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
