r"""Squared-loss models of per-sample outputs (Damian, Ma & Lee, Section 2.1) and worked examples.

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
:math:`\beta>0`); :func:`fpesolve.labelnoise.simulation.simulate_label_noise_sgd`
runs it.  Times are always iterations :math:`k`.  See
:mod:`fpesolve.labelnoise.regularizer` for :math:`R` and :math:`\lambda` and
:mod:`fpesolve.labelnoise.fixed_point` for :math:`S` and :math:`R_S`.

Model functions are vectorised over independent parameter vectors: they take
``theta`` of shape ``(m, d)`` and return outputs ``(m, n)``, output gradients
``(m, n, d)`` and (optionally) output Hessians ``(m, n, d, d)``.  Every step
evaluates all ``n`` samples for all ``m`` runs (cost :math:`O(mnd)` per step),
which suits the small models this module is for.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import positive_float, positive_int
from ..core.landscape import Landscape
from ._params import checked_label_noise_std, checked_theta
from .base import CURVATURES, OutputModel

__all__ = ["SquaredLossModel", "product_model", "sparse_regression_model", "quadratic_1d_model", "CURVATURES"]

#: names that moved to other modules in 0.2 (still importable from here)
_MOVED = {"LabelNoiseSGDResult": "simulation", "simulate_label_noise_sgd": "simulation",
          "RegularizedTrajectory": "trajectory", "regularized_trajectory": "trajectory"}


def __getattr__(name):
    if name in _MOVED:
        import importlib
        return getattr(importlib.import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, eq=False)
class SquaredLossModel(OutputModel):
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
        A label for summaries and figures.
    quadratic_outputs : bool
        Declare every :math:`f_i` a quadratic polynomial of :math:`\theta`
        (constant output Hessians; needs ``output_hessians``): third
        derivatives of :math:`L` are then exact,
        :math:`\partial_{kij}L=\frac1n\sum_s(\partial_{kj}f_s\partial_if_s+\partial_{ki}f_s\partial_jf_s+\partial_{ij}f_s\partial_kf_s)`,
        instead of central differences.

    Attributes
    ----------
    outputs, output_grads, output_hessians, name, quadratic_outputs
        As given.
    labels : ndarray, shape ``(n,)``
        The labels as a float array.
    dim : int
        :math:`d` (the number of samples is ``n``, from :class:`~fpesolve.labelnoise.base.OutputModel`).

    Raises
    ------
    ValueError
        For labels that are not a finite 1-D array, ``dim < 1``, or
        ``quadratic_outputs=True`` without ``output_hessians``.
    TypeError
        When ``outputs`` or ``output_grads`` is not callable.

    Examples
    --------
    Linear regression :math:`f_i=\theta x_i` on :math:`x = (0.5, 1, 1.5)` with
    labels :math:`y_i=2x_i`: :math:`L=\frac{m_2}{2}(\theta-2)^2`,
    :math:`m_2=\frac1n\sum_ix_i^2=7/6`:

    >>> import numpy as np
    >>> x = np.array([0.5, 1.0, 1.5])
    >>> m = SquaredLossModel(outputs=lambda th: th[:, :1] * x,
    ...                      output_grads=lambda th: np.broadcast_to(x[None, :, None], (th.shape[0], 3, 1)),
    ...                      labels=2.0 * x, dim=1, name="linear")
    >>> round(m.loss([1.0]), 12), m.grad([1.0]).round(12).tolist(), m.hessian([1.0]).round(6).tolist()
    (0.583333333333, [-1.166666666667], [[1.166667]])
    >>> m.loss(np.array([[1.0], [2.0]])).round(12).tolist()     # m parameter vectors at once
    [0.583333333333, 0.0]
    """

    outputs: Callable[[np.ndarray], np.ndarray]
    output_grads: Callable[[np.ndarray], np.ndarray]
    labels: np.ndarray
    dim: int
    output_hessians: Optional[Callable[[np.ndarray], np.ndarray]] = None
    name: str = "model"
    quadratic_outputs: bool = False

    def __post_init__(self):
        y = np.atleast_1d(np.asarray(self.labels, dtype=float))
        if y.ndim != 1 or not np.all(np.isfinite(y)):
            raise ValueError("`labels` must be a finite 1D array")
        object.__setattr__(self, "labels", y)
        object.__setattr__(self, "dim", positive_int(self.dim, "dim"))
        if not (callable(self.outputs) and callable(self.output_grads)):
            raise TypeError("`outputs` and `output_grads` must be callables")
        if self.quadratic_outputs and self.output_hessians is None:
            raise ValueError("`quadratic_outputs=True` needs `output_hessians` (the constant output Hessians)")

    def hessian_derivative(self, theta) -> np.ndarray:
        r"""Third derivatives ``T[k, i, j]`` of :math:`L` at one ``theta``: exact for ``quadratic_outputs``, else central differences.

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            One parameter vector.

        Returns
        -------
        ndarray, shape ``(d, d, d)``
            :math:`\partial_k\partial_i\partial_jL(\theta)`.

        Raises
        ------
        ValueError
            For a ``theta`` that is not a finite vector of length ``dim``, or
            model functions returning the wrong shape or non-finite values.

        Examples
        --------
        :math:`L=\frac{m_2}{2}(\theta^2-1)^2` has :math:`L^{\prime\prime\prime}=12m_2\theta=14` at :math:`\theta=1`:

        >>> quadratic_1d_model().hessian_derivative([1.0]).round(10).tolist()
        [[[14.0]]]
        """
        if not self.quadratic_outputs:
            return super().hessian_derivative(theta)
        theta = checked_theta(theta, "theta", self.dim)
        _, J = self.evaluate(theta)
        Hf = self._checked(self.output_hessians(theta[None, :]), (1, self.n, self.dim, self.dim), "output_hessians",
                           theta[None, :])[0]
        J = J[0]
        T = (np.einsum("skj,si->kij", Hf, J) + np.einsum("ski,sj->kij", Hf, J) + np.einsum("sij,sk->kij", Hf, J))
        return T / self.n

    def hessians_and_derivatives(self, X: np.ndarray):
        """Hessians and third derivatives at the rows of ``X``: exact for ``quadratic_outputs``.

        Parameters
        ----------
        X : ndarray, shape ``(p, d)``
            ``p`` parameter vectors.

        Returns
        -------
        H : ndarray, shape ``(p, d, d)``
            :math:`\\nabla^2L` at each row.
        T : ndarray, shape ``(p, d, d, d)``
            The third derivatives at each row (central differences of the
            Hessian unless ``quadratic_outputs``).
        """
        if not self.quadratic_outputs:
            return super().hessians_and_derivatives(X)
        p, d = X.shape
        _, J = self.evaluate(X)
        Hf = self._checked(self.output_hessians(X), (p, self.n, d, d), "output_hessians", X)
        T = (np.einsum("pskj,psi->pkij", Hf, J) + np.einsum("pski,psj->pkij", Hf, J)
             + np.einsum("psij,psk->pkij", Hf, J)) / self.n
        return np.atleast_3d(self.hessian(X)).reshape(p, d, d), T

    def loss(self, theta):
        r""":math:`L(\theta)=\frac1n\sum_i\frac12(f_i(\theta)-y_i)^2`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        float or ndarray, shape ``(m,)``
            A float for ``(d,)`` input, shape ``(m,)`` for ``(m, d)``.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite model outputs.
        """
        arr, single = self._thetas(theta)
        f = self._checked(self.outputs(arr), (arr.shape[0], self.n), "outputs", arr)
        return self._ret(0.5 * np.mean((f - self.labels) ** 2, axis=1), single)

    def grad(self, theta):
        r""":math:`\nabla L(\theta)=\frac1n\sum_i(f_i-y_i)\nabla f_i`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d,)`` or ``(m, d)``
            The gradient at each parameter vector.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite model values.
        """
        arr, single = self._thetas(theta)
        f, J = self.evaluate(arr)
        return self._ret(np.einsum("mn,mnd->md", f - self.labels, J) / self.n, single)

    def hessian(self, theta):
        r""":math:`\nabla^2L(\theta)=G+\frac1n\sum_i(f_i-y_i)\nabla^2f_i` (exact if ``output_hessians`` is given).

        Without ``output_hessians``: central differences of :meth:`grad` with
        step :math:`\epsilon^{1/3}\max(1,|\theta_k|)` (relative error ~1e-10).

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d, d)`` or ``(m, d, d)``
            The symmetrised Hessian at each parameter vector.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite model values.
        """
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

    def step_noise_covariance(self, theta, eta: float, label_noise_std: float = 0.0, batch_size: int = 1,
                              replacement: bool = True) -> np.ndarray:
        r"""Covariance :math:`Q` of the noise of one label-noise SGD step at ``theta`` (shape ``(d,)``).

        .. math:: Q=\frac{\eta^2}{B}\Big[c_B\Big(\frac1n\sum_ig_ig_i^T-\bar g\bar g^T\Big)+\sigma^2G\Big],
                  \qquad g_i=(f_i-y_i)\nabla f_i,

        with :math:`c_B=1` for batches drawn with replacement and
        :math:`(n-B)/(n-1)` without.  At a zero-loss point only the label-noise
        part :math:`\eta\lambda G` (:math:`\lambda=\eta\sigma^2/B`) is left.

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            The reference point.
        eta : float
            The learning rate :math:`\eta>0`.
        label_noise_std : float
            :math:`\sigma\ge0`, in units of the labels.
        batch_size : int
            :math:`B\ge1`.
        replacement : bool
            Whether minibatches are drawn with replacement (sets :math:`c_B`).

        Returns
        -------
        ndarray, shape ``(d, d)``
            :math:`Q`, symmetric, in units of :math:`\theta^2`.

        Raises
        ------
        ValueError
            For a bad ``theta``, ``eta <= 0``, ``label_noise_std < 0`` or ``batch_size < 1``.

        Examples
        --------
        At the zero-loss point :math:`\theta=1` of :func:`quadratic_1d_model`
        only the label noise is left: :math:`Q=\eta^2\sigma^2G/B` with
        :math:`G=4m_2=14/3`:

        >>> m = quadratic_1d_model()
        >>> round(float(m.step_noise_covariance([1.0], 0.1, label_noise_std=0.5)[0, 0]), 12)   # 0.01 * 0.25 * 14/3
        0.011666666667
        """
        theta = checked_theta(theta, "theta", self.dim)
        eta = positive_float(eta, "eta")
        sigma = checked_label_noise_std(label_noise_std)
        batch_size = positive_int(batch_size, "batch_size")
        f, J = self.evaluate(theta)
        g = (f[0] - self.labels)[:, None] * J[0]
        gbar = g.mean(axis=0)
        c_b = 1.0 if replacement else (self.n - batch_size) / max(self.n - 1, 1)
        minibatch = g.T @ g / self.n - np.outer(gbar, gbar)
        G = J[0].T @ J[0] / self.n
        Q = eta ** 2 * (c_b * minibatch + sigma ** 2 * G) / batch_size
        return 0.5 * (Q + Q.T)

    def landscape(self, domain: Tuple[float, float], *, label_noise_std: Optional[float] = None, batch_size: int = 1,
                  replacement: bool = True, name: Optional[str] = None,
                  label_noise: Optional[float] = None) -> Landscape:
        r"""The 1D :class:`~fpesolve.core.landscape.Landscape` of this model (``dim == 1`` only).

        Built with :meth:`Landscape.from_model`, whose gradient-noise variance is
        :math:`\Sigma=s^2_{\mathrm{minibatch}}+\sigma^2\frac1n\sum_if_i'^2/B`
        with :math:`\sigma` = ``label_noise_std``.  With ``batch_size == n`` and
        ``replacement=False`` the minibatch part vanishes.  ``label_noise``
        (the *variance* :math:`\sigma^2`, fpesolve 0.1) still works with a
        ``FutureWarning``.

        Parameters
        ----------
        domain : (float, float)
            The interval ``(a, b)`` of :math:`\theta` the diffusion lives on.
        label_noise_std : float, optional
            :math:`\sigma\ge0`, in units of the labels (default 0: no label noise).
        batch_size : int
            :math:`B\ge1`.
        replacement : bool
            Whether minibatches are drawn with replacement.
        name : str, optional
            The landscape's name (default: the model's, with :math:`\sigma` and ``B``).
        label_noise : float, optional
            Deprecated: the variance :math:`\sigma^2`.

        Returns
        -------
        Landscape
            With per-sample losses (``samples``), ``batch_size`` and
            ``replacement`` set, so that SGD can be simulated on it.

        Raises
        ------
        ValueError
            For a model with ``dim != 1``, a negative noise level, and the
            errors of :meth:`~fpesolve.Landscape.from_model`.
        TypeError
            When both ``label_noise_std`` and ``label_noise`` are given.

        Examples
        --------
        :func:`quadratic_1d_model` at its minimum :math:`\theta=1`:
        :math:`H=4m_2=14/3` and :math:`\Sigma=4m_2\sigma^2\theta^2/B=7/6`
        for :math:`\sigma=0.5`:

        >>> land = quadratic_1d_model().landscape((0.2, 3.0), label_noise_std=0.5)
        >>> [(round(cp.x, 9), round(cp.hess, 9), round(cp.sigma, 9)) for cp in land.minima()]
        [(1.0, 4.666666667, 1.166666667)]
        """
        if self.dim != 1:
            raise ValueError(f"`landscape` needs a one-parameter model, {self.name!r} has dim = {self.dim}")
        if label_noise is not None:
            if label_noise_std is not None:
                raise TypeError("pass only `label_noise_std` (the standard deviation), not also `label_noise`")
            warnings.warn("`label_noise` (the variance sigma^2) was replaced by `label_noise_std` (the standard "
                          "deviation sigma) in fpesolve 0.2; pass label_noise_std=sqrt(label_noise)", FutureWarning,
                          stacklevel=2)
            variance = float(label_noise)
            if not np.isfinite(variance) or variance < 0:
                raise ValueError(f"`label_noise` (a variance) must be >= 0, got {label_noise!r}")
            std = math.sqrt(variance)
        else:
            std = checked_label_noise_std(0.0 if label_noise_std is None else label_noise_std)

        def outputs(x):
            return self.outputs(np.asarray(x, dtype=float).reshape(-1, 1)).T

        def output_grads(x):
            return self.output_grads(np.asarray(x, dtype=float).reshape(-1, 1))[:, :, 0].T

        hess = None
        if self.output_hessians is not None:
            def hess(x):
                return self.output_hessians(np.asarray(x, dtype=float).reshape(-1, 1))[:, :, 0, 0].T

        return Landscape.from_model(outputs, output_grads, self.labels, domain, output_hessians=hess,
                                    label_noise_std=std, batch_size=batch_size, replacement=replacement,
                                    name=name or f"{self.name} (label noise std {std:g}, B={batch_size})")


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

    Parameters
    ----------
    x : sequence of float
        Inputs :math:`x_i`.
    c : float
        Labels :math:`y_i=cx_i`.

    Returns
    -------
    SquaredLossModel

    Raises
    ------
    ValueError
        For non-finite inputs.

    Examples
    --------
    >>> import numpy as np
    >>> m = product_model()
    >>> m.loss([2.0, 0.5]), np.round(np.linalg.eigvalsh(m.hessian([2.0, 0.5])), 6).tolist()
    (0.0, [0.0, 4.958333])
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

    return SquaredLossModel(outputs, output_grads, c * xs, 2, output_hessians, name=f"product u v x (c={c:g})",
                            quadratic_outputs=True)


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
        The design matrix :math:`X` (rows are samples).
    beta_star : array_like, shape ``(d,)``, non-negative
        The true coefficients :math:`\beta^*`; the labels are :math:`y=X\beta^*`.

    Returns
    -------
    SquaredLossModel

    Raises
    ------
    ValueError
        For mismatched shapes, non-finite entries or a negative ``beta_star``.

    Examples
    --------
    >>> import numpy as np
    >>> m = sparse_regression_model(np.eye(2), [1.0, 0.0])
    >>> m.loss([1.0, 0.0]), m.dim
    (0.0, 2)
    >>> m.regularizer([1.0, 0.0], 0.0)               # tr H / 4 = sum_j w_j beta_j = 1/2
    0.5
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
                            name=f"quadratic sparse regression (n={n}, d={d})", quadratic_outputs=True)


def quadratic_1d_model(x: Sequence[float] = (0.5, 1.0, 1.5), c: float = 1.0) -> SquaredLossModel:
    r"""A one-parameter model :math:`f(x;\theta)=x\theta^2` with labels :math:`y_i=cx_i` (:math:`c>0`).

    :math:`L=\frac{m_2}{2}(\theta^2-c)^2`, minimum :math:`\theta^*=\sqrt c`
    with :math:`H=4m_2c` and :math:`L'''=12m_2\sqrt c`; the label-noise
    variance :math:`\sigma^2\frac1n\sum_if_i'^2/B=4m_2\sigma^2\theta^2/B` is
    positive on :math:`\theta>0`.  Use :meth:`SquaredLossModel.landscape`
    for its Fokker–Planck landscape.

    Parameters
    ----------
    x : sequence of float
        Inputs :math:`x_i`.
    c : float
        Labels :math:`y_i=cx_i`, :math:`c>0`.

    Returns
    -------
    SquaredLossModel
        With exact output Hessians (``quadratic_outputs=True``).

    Raises
    ------
    ValueError
        For non-finite inputs or ``c <= 0``.

    Examples
    --------
    >>> m = quadratic_1d_model()
    >>> round(float(m.hessian([1.0])[0, 0]), 12)        # 4 m2 c with m2 = 7/6
    4.666666666667
    """
    xs = _features(x, "x")
    c = positive_float(c, "c")

    def outputs(theta):
        return theta[:, 0:1] ** 2 * xs[None, :]

    def output_grads(theta):
        return (2.0 * theta[:, 0:1] * xs[None, :])[:, :, None]

    def output_hessians(theta):
        return np.broadcast_to(2.0 * xs[None, :, None, None], (theta.shape[0], xs.size, 1, 1)).copy()

    return SquaredLossModel(outputs, output_grads, c * xs, 1, output_hessians, name=f"x theta^2 (c={c:g})",
                            quadratic_outputs=True)
