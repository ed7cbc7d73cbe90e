r"""The shared machinery of per-sample output models: evaluation, curvature and the regularised loss.

:class:`OutputModel` is the base of
:class:`~fpesolve.labelnoise.models.SquaredLossModel` (regression, Section 2.1)
and :class:`~fpesolve.labelnoise.classification.LabelFlipModel` (cross entropy
with label flipping, Appendix E).  A subclass provides ``outputs``,
``output_grads``, ``labels``, ``dim``, ``name`` and the methods ``loss``,
``grad``, ``hessian`` and ``step_noise_covariance``; everything built from them
(third derivatives, :math:`R`, :math:`\nabla(L+\lambda R)`, :math:`S`,
stationary points) lives here.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from ._params import checked_lam, checked_symmetric, checked_theta
from .fixed_point import fluctuation_covariance
from .regularizer import fd_steps, implicit_regularizer, regularizer_weight_matrix
from .stationary import RegularizedStationaryPoint, regularized_stationary_point

__all__ = ["OutputModel", "CURVATURES"]

#: the curvature matrix of the linearised fluctuation (Eq. (4) uses G, Proposition 5 the Hessian)
CURVATURES = ("gauss-newton", "hessian")


class OutputModel:
    """Base of the models of per-sample outputs :math:`f_i(\theta)` (see the module notes)."""

    def loss(self, theta):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def grad(self, theta):  # pragma: no cover
        raise NotImplementedError

    def hessian(self, theta):  # pragma: no cover
        raise NotImplementedError

    def step_noise_covariance(self, theta, eta, *args, **kwargs):  # pragma: no cover
        raise NotImplementedError

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

    def gauss_newton(self, theta):
        r"""Gauss–Newton matrix :math:`G(\theta)=\frac1n\sum_i\nabla f_i\nabla f_i^T`.

        :math:`\eta^2\sigma^2G/B` is the covariance of the label-noise part of one step."""
        arr, single = self._thetas(theta)
        _, J = self.evaluate(arr)
        return self._ret(np.einsum("mni,mnj->mij", J, J) / self.n, single)

    def hessian_derivative(self, theta) -> np.ndarray:
        r"""Third derivatives ``T[k, i, j]`` :math:`=\partial_k\partial_i\partial_jL` at one ``theta`` of shape ``(d,)``.

        Central differences of :meth:`hessian` (one batched call at
        :math:`\theta\pm h_ke_k`, :math:`h_k=\epsilon^{1/3}\max(1,|\theta_k|)`);
        relative error :math:`\sim10^{-10}` with exact output Hessians.
        """
        theta = checked_theta(theta, "theta", self.dim)
        d = self.dim
        steps = fd_steps(theta)
        shifts = np.diag(steps)
        H = self.hessian(np.vstack((theta + shifts, theta - shifts)))
        return (H[:d] - H[d:]) / (2.0 * steps[:, None, None])

    def fluctuation_covariance(self, theta, eta: float, *noise, curvature: str = "gauss-newton",
                               **noise_kwargs) -> np.ndarray:
        r"""Proposition 5's :math:`S` at the reference point ``theta``: the stationary covariance of :math:`\xi`.

        :func:`~fpesolve.labelnoise.fixed_point.fluctuation_covariance` of the
        curvature and :math:`Q` = ``step_noise_covariance(theta, eta, *noise, **noise_kwargs)``
        (for :class:`~fpesolve.labelnoise.models.SquaredLossModel`:
        ``label_noise_std, batch_size, replacement``).  ``curvature`` is
        ``"gauss-newton"`` (:math:`G`, as in Eq. (4) and Definition 3; always
        positive semi-definite) or ``"hessian"`` (:math:`\nabla^2L`, as in
        Proposition 5); the two agree at a zero-loss point.
        """
        theta = checked_theta(theta, "theta", self.dim)
        if curvature not in CURVATURES:
            raise ValueError(f"`curvature` must be one of {', '.join(repr(c) for c in CURVATURES)}, got {curvature!r}")
        M = self.gauss_newton(theta) if curvature == "gauss-newton" else self.hessian(theta)
        return fluctuation_covariance(M, self.step_noise_covariance(theta, eta, *noise, **noise_kwargs), eta)

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
        r""":math:`\nabla(L+\lambda R)` at one ``theta`` of shape ``(d,)``.

        :math:`\nabla R=\nabla^3L[W]`, :math:`W=\tfrac12(2-\rho\nabla^2L)^{-1}`, with
        the third derivatives of :meth:`hessian_derivative`.
        """
        theta = checked_theta(theta, "theta", self.dim)
        lam = checked_lam(lam)
        g = self.grad(theta)
        if lam == 0.0:
            return g
        W = regularizer_weight_matrix(self.hessian(theta), eta, momentum)
        return g + lam * np.einsum("kij,ij->k", self.hessian_derivative(theta), W)

    def hessians_and_derivatives(self, X: np.ndarray):
        """Hessians ``(p, d, d)`` and third derivatives ``(p, d, d, d)`` at the rows of ``X`` (one batched call)."""
        p, d = X.shape
        steps = fd_steps(X)                                       # (p, d)
        shifts = steps[:, :, None] * np.eye(d)[None]              # (p, d, d)
        pts = np.concatenate((X[:, None, :], X[:, None, :] + shifts, X[:, None, :] - shifts), axis=1)
        H = self.hessian(pts.reshape(-1, d)).reshape(p, 2 * d + 1, d, d)
        return H[:, 0], (H[:, 1:d + 1] - H[:, d + 1:]) / (2.0 * steps[:, :, None, None])

    def regularized_grads(self, thetas, eta: float, lam: float, momentum: float = 0.0) -> np.ndarray:
        r""":math:`\nabla(L+\lambda R)` at many points ``thetas`` of shape ``(p, d)`` (one batched Hessian call).

        Same third derivatives as :meth:`regularized_grad` (:meth:`hessians_and_derivatives`).
        Rows where some Hessian eigenvalue is at or beyond the step-size edge
        :math:`2(1+\beta)/\eta` (so :math:`R=+\infty`) are ``inf``.
        """
        X = np.atleast_2d(np.asarray(thetas, dtype=float))
        if X.ndim != 2 or X.shape[1] != self.dim or not np.all(np.isfinite(X)):
            raise ValueError(f"`thetas` must be a finite array of shape (p, {self.dim}), got {np.shape(thetas)}")
        lam = checked_lam(lam)
        g = np.atleast_2d(self.grad(X))
        if lam == 0.0:
            return g
        p, d = X.shape
        H0, T = self.hessians_and_derivatives(X)
        h, V = np.linalg.eigh(H0)
        rho = float(eta) / (1.0 + float(momentum))
        ok = np.all(0.5 * rho * h < 1.0, axis=1)
        out = np.full((p, d), np.inf)
        if ok.any():
            w = 0.5 / (2.0 - rho * h[ok])
            W = np.einsum("pik,pk,pjk->pij", V[ok], w, V[ok])
            out[ok] = g[ok] + lam * np.einsum("pkij,pij->pk", T[ok], W)
        return out

    def covariance_regularized_grad(self, theta, S) -> np.ndarray:
        r""":math:`\nabla(L+\tfrac12R_S)=\nabla L+\tfrac12\nabla^3L[S]` at one ``theta`` (``S`` held fixed).

        See :mod:`fpesolve.labelnoise.fixed_point` for why the factor is
        :math:`\tfrac12` with Proposition 5's :math:`S`.
        """
        theta = checked_theta(theta, "theta", self.dim)
        Sm = checked_symmetric(S, "S")
        if Sm.shape != (self.dim, self.dim):
            raise ValueError(f"`S` must have shape ({self.dim}, {self.dim}), got {Sm.shape}")
        return self.grad(theta) + 0.5 * np.einsum("kij,ij->k", self.hessian_derivative(theta), Sm)

    def stationary_point(self, theta0, eta: float, lam: float, momentum: float = 0.0,
                         gtol: float = 1e-9) -> RegularizedStationaryPoint:
        r"""The stationary point of :math:`L+\lambda R` near ``theta0`` (see
        :func:`fpesolve.labelnoise.stationary.regularized_stationary_point`)."""
        return regularized_stationary_point(self.loss, self.grad, self._hess1, theta0, eta, lam, momentum, gtol=gtol)

