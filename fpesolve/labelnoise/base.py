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
    r"""Base of the models of per-sample outputs :math:`f_i(\theta)` (see the module notes).

    Not instantiated itself: a subclass (a dataclass) provides the fields
    ``outputs`` (``theta`` of shape ``(m, d)`` to :math:`f_i`, shape ``(m, n)``),
    ``output_grads`` (:math:`\nabla f_i`, shape ``(m, n, d)``), ``labels``
    (shape ``(n,)``), ``dim`` (:math:`d`) and ``name``, and the methods
    :meth:`loss`, :meth:`grad`, :meth:`hessian` and :meth:`step_noise_covariance`.
    The methods below (third derivatives, the regulariser :math:`R`,
    :math:`L+\lambda R` and its gradient, Proposition 5's :math:`S`,
    stationary points of :math:`L+\lambda R`) are built from those.

    Attributes
    ----------
    n : int
        The number of samples.

    Examples
    --------
    The product model :math:`f(x;u,v)=uvx` (a
    :class:`~fpesolve.labelnoise.models.SquaredLossModel`): on its
    minimisers :math:`uv=1` the regulariser
    :math:`R=-\frac1{2\eta}\operatorname{tr}\log(1-\frac\eta2\nabla^2L)`
    is smallest at the balanced point :math:`u=v=1`:

    >>> from fpesolve.labelnoise import OutputModel, product_model
    >>> m = product_model()
    >>> isinstance(m, OutputModel), m.n, m.dim
    (True, 3, 2)
    >>> round(m.regularizer([1.0, 1.0], 0.1), 6), round(m.regularizer([2.0, 0.5], 0.1), 6)
    (0.620263, 1.424541)
    """

    def loss(self, theta):  # pragma: no cover - provided by subclasses
        """The training loss :math:`L(\\theta)` (provided by the subclass).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        float or ndarray, shape ``(m,)``
            :math:`L` at each parameter vector.

        Raises
        ------
        NotImplementedError
            On the base class.
        """
        raise NotImplementedError

    def grad(self, theta):  # pragma: no cover
        """The gradient :math:`\\nabla L(\\theta)` (provided by the subclass).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d,)`` or ``(m, d)``
            :math:`\\nabla L` at each parameter vector.

        Raises
        ------
        NotImplementedError
            On the base class.
        """
        raise NotImplementedError

    def hessian(self, theta):  # pragma: no cover
        """The Hessian :math:`\\nabla^2L(\\theta)` (provided by the subclass).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d, d)`` or ``(m, d, d)``
            :math:`\\nabla^2L` at each parameter vector, symmetric.

        Raises
        ------
        NotImplementedError
            On the base class.
        """
        raise NotImplementedError

    def step_noise_covariance(self, theta, eta, *args, **kwargs):  # pragma: no cover
        """The covariance :math:`Q` of the noise of one SGD step at ``theta`` (provided by the subclass).

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            The reference point.
        eta : float
            The learning rate :math:`\\eta > 0`.
        *args, **kwargs
            The noise parameters of the subclass (for
            :class:`~fpesolve.labelnoise.models.SquaredLossModel`:
            ``label_noise_std``, ``batch_size``, ``replacement``).

        Returns
        -------
        ndarray, shape ``(d, d)``
            :math:`Q`, in units of :math:`\\theta^2` (it contains the factor :math:`\\eta^2`).

        Raises
        ------
        NotImplementedError
            On the base class.
        """
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
        """Checked outputs ``(m, n)`` and output gradients ``(m, n, d)`` at ``theta`` of shape ``(m, d)``.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        f : ndarray, shape ``(m, n)``
            The outputs :math:`f_i` (``m = 1`` for one vector).
        J : ndarray, shape ``(m, n, d)``
            The output gradients :math:`\\nabla f_i`.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape, model functions returning the
            wrong shape, or a non-finite value (the message gives the
            parameter vector: the iterate may have diverged).
        """
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

        :math:`\eta^2\sigma^2G/B` is the covariance of the label-noise part of one step.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d, d)`` or ``(m, d, d)``
            :math:`G`, symmetric positive semi-definite; it equals
            :math:`\nabla^2L` at a zero-loss point.

        Raises
        ------
        ValueError
            As :meth:`evaluate`.
        """
        arr, single = self._thetas(theta)
        _, J = self.evaluate(arr)
        return self._ret(np.einsum("mni,mnj->mij", J, J) / self.n, single)

    def hessian_derivative(self, theta) -> np.ndarray:
        r"""Third derivatives ``T[k, i, j]`` :math:`=\partial_k\partial_i\partial_jL` at one ``theta`` of shape ``(d,)``.

        Central differences of :meth:`hessian` (one batched call at
        :math:`\theta\pm h_ke_k`, :math:`h_k=\epsilon^{1/3}\max(1,|\theta_k|)`);
        relative error :math:`\sim10^{-10}` with exact output Hessians.

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            One parameter vector.

        Returns
        -------
        ndarray, shape ``(d, d, d)``
            ``T[k, i, j]``, symmetric in its three indices up to the
            difference error.

        Raises
        ------
        ValueError
            For a ``theta`` that is not a finite vector of length ``dim``.
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

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            The reference point.
        eta : float
            The learning rate :math:`\eta>0`.
        *noise, **noise_kwargs
            Passed to :meth:`step_noise_covariance` after ``theta, eta``.
        curvature : {"gauss-newton", "hessian"}
            The matrix :math:`M` of the linearised step :math:`\xi\mapsto(1-\eta M)\xi`.

        Returns
        -------
        ndarray, shape ``(d, d)``
            :math:`S`, the solution of :math:`S=(1-\eta M)S(1-\eta M)+Q`, in
            units of :math:`\theta^2`.

        Raises
        ------
        ValueError
            For an unknown ``curvature``, and the errors of
            :func:`~fpesolve.labelnoise.fixed_point.fluctuation_covariance`
            (e.g. a non-zero eigenvalue :math:`h` of :math:`M` with
            :math:`\eta h` outside (0, 2), where no stationary covariance exists).
        """
        theta = checked_theta(theta, "theta", self.dim)
        if curvature not in CURVATURES:
            raise ValueError(f"`curvature` must be one of {', '.join(repr(c) for c in CURVATURES)}, got {curvature!r}")
        M = self.gauss_newton(theta) if curvature == "gauss-newton" else self.hessian(theta)
        return fluctuation_covariance(M, self.step_noise_covariance(theta, eta, *noise, **noise_kwargs), eta)

    def regularizer(self, theta, eta: float, momentum: float = 0.0):
        r""":math:`R(\theta)` of :mod:`fpesolve.labelnoise.regularizer` (``eta = 0``: :math:`\operatorname{tr}\nabla^2L/4`).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).
        eta : float
            The learning rate :math:`\eta\ge0`.
        momentum : float
            Heavy-ball :math:`\beta\in[0,1)`; :math:`R` is evaluated at
            :math:`\rho=\eta/(1+\beta)`.

        Returns
        -------
        float or ndarray, shape ``(m,)``
            :math:`R=-\frac1{2\rho}\operatorname{tr}\log(1-\frac\rho2\nabla^2L)`.

        Raises
        ------
        ValueError
            Where a Hessian eigenvalue is at or beyond the step-size edge
            :math:`2(1+\beta)/\eta` (:math:`R=+\infty`).
        """
        arr, single = self._thetas(theta)
        return self._ret(np.atleast_1d(implicit_regularizer(self.hessian(arr), eta, momentum)), single)

    def _hess1(self, t):
        return self.hessian(np.asarray(t, dtype=float))

    def regularized_loss(self, theta, eta: float, lam: float, momentum: float = 0.0):
        r""":math:`L+\lambda R` (vectorised like :meth:`loss`).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).
        eta : float
            The learning rate :math:`\eta\ge0` of the regulariser.
        lam : float
            :math:`\lambda\ge0` (:func:`~fpesolve.labelnoise.regularization_strength`).
        momentum : float
            Heavy-ball :math:`\beta\in[0,1)`.

        Returns
        -------
        float or ndarray, shape ``(m,)``
            :math:`L+\lambda R`, in units of the loss.

        Raises
        ------
        ValueError
            As :meth:`regularizer`.
        """
        arr, single = self._thetas(theta)
        return self._ret(self.loss(arr) + float(lam) * np.atleast_1d(self.regularizer(arr, eta, momentum)), single)

    def regularized_grad(self, theta, eta: float, lam: float, momentum: float = 0.0) -> np.ndarray:
        r""":math:`\nabla(L+\lambda R)` at one ``theta`` of shape ``(d,)``.

        :math:`\nabla R=\nabla^3L[W]`, :math:`W=\tfrac12(2-\rho\nabla^2L)^{-1}`, with
        the third derivatives of :meth:`hessian_derivative`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            One parameter vector.
        eta : float
            The learning rate :math:`\eta\ge0` of the regulariser.
        lam : float
            :math:`\lambda\ge0`; ``0`` returns :math:`\nabla L`.
        momentum : float
            Heavy-ball :math:`\beta\in[0,1)`.

        Returns
        -------
        ndarray, shape ``(d,)``
            :math:`\nabla L+\lambda\nabla R`.

        Raises
        ------
        ValueError
            For a bad ``theta`` or ``lam < 0``, or a Hessian beyond the step-size edge.
        """
        theta = checked_theta(theta, "theta", self.dim)
        lam = checked_lam(lam)
        g = self.grad(theta)
        if lam == 0.0:
            return g
        W = regularizer_weight_matrix(self.hessian(theta), eta, momentum)
        return g + lam * np.einsum("kij,ij->k", self.hessian_derivative(theta), W)

    def hessians_and_derivatives(self, X: np.ndarray):
        """Hessians ``(p, d, d)`` and third derivatives ``(p, d, d, d)`` at the rows of ``X`` (one batched call).

        Parameters
        ----------
        X : ndarray, shape ``(p, d)``
            ``p`` parameter vectors.

        Returns
        -------
        H : ndarray, shape ``(p, d, d)``
            :math:`\\nabla^2L` at each row.
        T : ndarray, shape ``(p, d, d, d)``
            ``T[r, k, i, j]`` :math:`=\\partial_k\\partial_i\\partial_jL` at row ``r``, by
            central differences of :meth:`hessian` (one call at the ``p (2d + 1)`` points).
        """
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

        Parameters
        ----------
        thetas : array_like, shape ``(p, d)``
            ``p`` parameter vectors.
        eta : float
            The learning rate :math:`\eta\ge0` of the regulariser.
        lam : float
            :math:`\lambda\ge0`; ``0`` returns :math:`\nabla L`.
        momentum : float
            Heavy-ball :math:`\beta\in[0,1)`.

        Returns
        -------
        ndarray, shape ``(p, d)``
            :math:`\nabla(L+\lambda R)` at each row (``inf`` beyond the edge).

        Raises
        ------
        ValueError
            For ``thetas`` that is not a finite ``(p, d)`` array, or ``lam < 0``.
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

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            One parameter vector.
        S : array_like, shape ``(d, d)``
            A symmetric fluctuation covariance (e.g. :meth:`fluctuation_covariance`),
            in units of :math:`\theta^2`.

        Returns
        -------
        ndarray, shape ``(d,)``
            :math:`\nabla L+\tfrac12\nabla^3L[S]`.

        Raises
        ------
        ValueError
            For a bad ``theta``, or an ``S`` that is not symmetric of shape ``(d, d)``.
        """
        theta = checked_theta(theta, "theta", self.dim)
        Sm = checked_symmetric(S, "S")
        if Sm.shape != (self.dim, self.dim):
            raise ValueError(f"`S` must have shape ({self.dim}, {self.dim}), got {Sm.shape}")
        return self.grad(theta) + 0.5 * np.einsum("kij,ij->k", self.hessian_derivative(theta), Sm)

    def stationary_point(self, theta0, eta: float, lam: float, momentum: float = 0.0,
                         gtol: float = 1e-9) -> RegularizedStationaryPoint:
        r"""The stationary point of :math:`L+\lambda R` near ``theta0``.

        See :func:`fpesolve.labelnoise.stationary.regularized_stationary_point`.

        Parameters
        ----------
        theta0 : array_like, shape ``(d,)``
            The starting point of the minimisation.
        eta : float
            The learning rate :math:`\eta\ge0` of the regulariser.
        lam : float
            :math:`\lambda\ge0`.
        momentum : float
            Heavy-ball :math:`\beta\in[0,1)`.
        gtol : float
            The gradient-norm tolerance of the minimisation.

        Returns
        -------
        RegularizedStationaryPoint
            The point, :math:`L`, :math:`R`, the gradient norm and ``converged``.

        Raises
        ------
        ValueError
            The errors of :func:`~fpesolve.labelnoise.stationary.regularized_stationary_point`.
        """
        return regularized_stationary_point(self.loss, self.grad, self._hess1, theta0, eta, lam, momentum, gtol=gtol)

