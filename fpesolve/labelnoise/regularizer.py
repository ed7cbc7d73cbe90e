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
:math:`\rho=\eta/(1+\beta)`.  :func:`fpesolve.labelnoise.momentum.momentum_sign_check`
computes the counterexample (heavy-ball label-noise SGD moves the opposite way
from what the printed sign predicts); see the docs page *The label-noise paper*.

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

from typing import Callable, Optional

import numpy as np

from .._util.deprecation import renamed_keyword
from .._util.validation import positive_float, positive_int
from ._params import (checked_eta_allow_zero, checked_label_noise_std, checked_lam, checked_momentum,
                      checked_symmetric, checked_theta)

__all__ = [
    "regularization_strength", "regularizer_from_eigenvalues", "regularizer_derivative", "implicit_regularizer",
    "regularizer_weight_matrix", "regularizer_gradient", "regularized_loss", "regularized_gradient",
]

HessianFunction = Callable[[np.ndarray], np.ndarray]

#: names that moved to other modules in 0.2 (still importable from here)
_MOVED = {"RegularizedStationaryPoint": "stationary", "regularized_stationary_point": "stationary",
          "noise_fixed_point": "fixed_point"}


def __getattr__(name):
    if name in _MOVED:
        import importlib
        return getattr(importlib.import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------- parameters
@renamed_keyword("sigma", "label_noise_std")
def regularization_strength(eta: float, label_noise_std: float, batch_size: int, momentum: float = 0.0) -> float:
    r"""The regularisation strength :math:`\lambda=\eta\sigma^2/(B(1-\beta))`.

    Parameters
    ----------
    eta : float
        Learning rate :math:`\eta>0`.
    label_noise_std : float
        Label-noise standard deviation :math:`\sigma\ge0` (labels are
        perturbed by :math:`\pm\sigma`, variance :math:`\sigma^2`); the 0.1
        keyword ``sigma=`` still works with a ``FutureWarning``.
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

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``label_noise_std < 0``, ``batch_size < 1`` or
        ``momentum`` outside [0, 1).

    Examples
    --------
    >>> regularization_strength(0.1, 0.5, 4)
    0.00625
    >>> round(regularization_strength(0.1, 0.5, 4, momentum=0.9), 10)
    0.0625
    """
    eta = positive_float(eta, "eta", "the learning rate must be positive")
    sigma = checked_label_noise_std(label_noise_std)
    batch_size = positive_int(batch_size, "batch_size")
    beta = checked_momentum(momentum)
    return eta * sigma ** 2 / (batch_size * (1.0 - beta))


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

    Examples
    --------
    >>> round(float(regularizer_from_eigenvalues([1.0, 2.0], 0.0)), 12)      # eta = 0: tr H / 4
    0.75
    >>> round(float(regularizer_from_eigenvalues([2.0], 0.5)), 12)           # -log(1/2) = log 2
    0.69314718056
    """
    eta = checked_eta_allow_zero(eta)
    beta = checked_momentum(momentum)
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
    SGD in an eigendirection of curvature :math:`h`.

    Parameters
    ----------
    eigenvalues : array_like
        Hessian eigenvalues :math:`h` (any shape; negative ones are the
        analytic continuation of the module notes).
    eta : float
        Learning rate :math:`\eta\ge0`; ``0`` gives :math:`r' = 1/4`.
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`; :math:`\rho=\eta/(1+\beta)`.

    Returns
    -------
    ndarray
        :math:`r'(h)`, same shape as ``eigenvalues`` (dimensionless).

    Raises
    ------
    ValueError
        Like :func:`regularizer_from_eigenvalues` at the edge
        :math:`h\ge2(1+\beta)/\eta`, and for ``eta < 0``, ``momentum``
        outside [0, 1) or non-finite eigenvalues.

    Examples
    --------
    >>> regularizer_derivative([0.0, 2.0], 0.5).tolist()
    [0.25, 0.5]
    """
    eta = checked_eta_allow_zero(eta)
    beta = checked_momentum(momentum)
    h, rho, _ = _checked_half_rho_h(eigenvalues, eta, beta, "continue")
    return 0.5 / (2.0 - rho * h)




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

    Raises
    ------
    ValueError
        For a non-symmetric or non-finite matrix, or an eigenvalue at or
        beyond the step-size edge.

    Examples
    --------
    >>> import numpy as np
    >>> round(implicit_regularizer(np.diag([1.0, 3.0]), 1e-9), 6)            # ~ tr H / 4
    1.0
    """
    H = checked_symmetric(hessian)
    value = regularizer_from_eigenvalues(np.linalg.eigvalsh(H), eta, momentum,
                                         negative_curvature=negative_curvature)
    return float(value) if np.ndim(value) == 0 else value


def regularizer_weight_matrix(hessian, eta: float, momentum: float = 0.0) -> np.ndarray:
    r""":math:`W=r'(H)=\tfrac12(2-\rho H)^{-1}`, so that :math:`\partial_kR=\operatorname{tr}[W\partial_kH]`.

    Computed from the eigen-decomposition of ``hessian`` (shape ``(d, d)``).

    Parameters
    ----------
    hessian : array_like, shape ``(d, d)``
        A symmetric Hessian :math:`H=\nabla^2L(\theta)`.
    eta : float
        Learning rate :math:`\eta\ge0` (``0``: :math:`W=I/4`).
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`; :math:`\rho=\eta/(1+\beta)`.

    Returns
    -------
    ndarray, shape ``(d, d)``
        :math:`W`, symmetric; :math:`2\lambda W` is the stationary covariance
        of the fluctuation of label-noise SGD about :math:`\theta`.

    Raises
    ------
    ValueError
        As :func:`implicit_regularizer`.

    Examples
    --------
    >>> regularizer_weight_matrix([[2.0, 0.0], [0.0, 0.0]], 0.5).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    H = checked_symmetric(hessian)
    h, V = np.linalg.eigh(H)
    w = regularizer_derivative(h, eta, momentum)
    return (V * w) @ V.T


def fd_steps(theta: np.ndarray) -> np.ndarray:
    r"""Central-difference steps :math:`\epsilon^{1/3}\max(1,|\theta_k|)` for third derivatives from Hessians.

    :math:`\epsilon^{1/3}\approx6\cdot10^{-6}` balances the :math:`O(h^2)`
    truncation error of a central difference against the :math:`O(\epsilon/h)`
    rounding error.

    Parameters
    ----------
    theta : array_like
        Parameter values (any shape).

    Returns
    -------
    ndarray
        One step per entry of ``theta``, same shape, in units of :math:`\theta`.

    Examples
    --------
    >>> (fd_steps([0.5, -100.0]) / np.cbrt(np.finfo(float).eps)).tolist()
    [1.0, 100.0]
    """
    return np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(np.asarray(theta, dtype=float)))


def hessian_derivative_fd(hessian: HessianFunction, theta) -> np.ndarray:
    r"""``T[k] =`` :math:`\partial\nabla^2L/\partial\theta_k` by central differences of ``hessian``, shape ``(d, d, d)``.

    Step :func:`fd_steps`; with an exact Hessian the relative error is
    :math:`O(\epsilon^{2/3})\approx10^{-10}` (truncation and rounding balanced).

    Parameters
    ----------
    hessian : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla^2L(\theta)`, shape ``(d, d)``.
    theta : array_like, shape ``(d,)``
        Where to differentiate.

    Returns
    -------
    ndarray, shape ``(d, d, d)``
        ``T[k, i, j]`` :math:`=\partial_k\partial_i\partial_jL(\theta)`
        (``2 d`` Hessian evaluations).

    Raises
    ------
    ValueError
        For a ``theta`` that is not a finite 1-D array.

    Examples
    --------
    :math:`L=\theta_1^2\theta_2/2` has :math:`\partial_1\partial_1\partial_2L=1`:

    >>> import numpy as np
    >>> H = lambda t: np.array([[t[1], t[0]], [t[0], 0.0]])
    >>> hessian_derivative_fd(H, [0.3, 0.7]).round(8).tolist()
    [[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]]
    """
    theta = checked_theta(theta)
    d = theta.size
    steps = fd_steps(theta)
    out = np.empty((d, d, d))
    for k in range(d):
        e = np.zeros(d)
        e[k] = steps[k]
        plus = np.asarray(hessian(theta + e), dtype=float)
        minus = np.asarray(hessian(theta - e), dtype=float)
        out[k] = (plus - minus) / (2.0 * steps[k])
    return out


def _hessian_at(hessian: HessianFunction, theta: np.ndarray) -> np.ndarray:
    H = checked_symmetric(np.asarray(hessian(theta), dtype=float))
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
        Where to evaluate :math:`\nabla R`.
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
        :math:`\nabla R(\theta)`, in units of :math:`R` per unit of :math:`\theta`.

    Raises
    ------
    ValueError
        For mismatched shapes or a Hessian beyond the step-size edge.

    Examples
    --------
    :math:`L=\theta^3/6` has :math:`H=\theta`, so :math:`\nabla R=r'(\theta)=1/(2(2-\eta\theta))`:

    >>> import numpy as np
    >>> round(float(regularizer_gradient(lambda t: np.array([[t[0]]]), [1.0], 0.5)[0]), 8)   # 1/3
    0.33333333
    """
    theta = checked_theta(theta)
    W = regularizer_weight_matrix(_hessian_at(hessian, theta), eta, momentum)
    if hessian_derivative is not None:
        T = np.asarray(hessian_derivative(theta), dtype=float)
        if T.shape != (theta.size,) * 3:
            raise ValueError(f"`hessian_derivative` must return shape (d, d, d), got {T.shape}")
    else:
        T = hessian_derivative_fd(hessian, theta)
    return np.einsum("kij,ij->k", T, W)


def regularized_loss(loss: Callable[[np.ndarray], float], hessian: HessianFunction, theta, eta: float, lam: float,
                     momentum: float = 0.0) -> float:
    r""":math:`\tilde L(\theta)=L(\theta)+\lambda R(\theta)`.

    Parameters
    ----------
    loss : callable
        ``theta`` of shape ``(d,)`` to :math:`L(\theta)` (a float).
    hessian : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla^2L(\theta)`, shape ``(d, d)``.
    theta : array_like, shape ``(d,)``
        Where to evaluate.
    eta : float
        Learning rate :math:`\eta\ge0` that sets the regulariser (``0`` for
        :math:`R=\operatorname{tr}H/4`).
    lam : float
        :math:`\lambda\ge0`, in units of loss per unit of :math:`R` (see
        :func:`regularization_strength`: :math:`\eta\sigma^2/(B(1-\beta))`).
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`; :math:`\rho=\eta/(1+\beta)`.

    Returns
    -------
    float
        :math:`L(\theta)+\lambda R(\theta)`, in units of the loss.

    Raises
    ------
    ValueError
        For ``lam < 0`` or a Hessian beyond the step-size edge.

    Examples
    --------
    >>> import numpy as np
    >>> regularized_loss(lambda t: 0.0, lambda t: np.eye(1), [0.0], 0.0, 0.1)   # 0 + 0.1 * 1/4
    0.025
    """
    theta = checked_theta(theta)
    lam = checked_lam(lam)
    return float(loss(theta)) + lam * float(implicit_regularizer(_hessian_at(hessian, theta), eta, momentum))


def regularized_gradient(grad: Callable[[np.ndarray], np.ndarray], hessian: HessianFunction, theta, eta: float,
                         lam: float, momentum: float = 0.0, *,
                         hessian_derivative: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> np.ndarray:
    r""":math:`\nabla\tilde L=\nabla L+\lambda\nabla R`.

    See :func:`regularizer_gradient` for how :math:`\nabla R` is computed.

    Parameters
    ----------
    grad : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla L(\theta)`, shape ``(d,)``.
    hessian : callable
        ``theta`` of shape ``(d,)`` to :math:`\nabla^2L(\theta)`, shape ``(d, d)``.
    theta : array_like, shape ``(d,)``
        Where to evaluate.
    eta : float
        Learning rate :math:`\eta\ge0` that sets the regulariser.
    lam : float
        :math:`\lambda\ge0` (:func:`regularization_strength`); ``0`` returns
        :math:`\nabla L` without evaluating any Hessian.
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`.
    hessian_derivative : callable, optional
        ``theta`` to ``T[k, i, j]`` :math:`=\partial_k\partial_i\partial_jL`;
        central differences of ``hessian`` without it.

    Returns
    -------
    ndarray, shape ``(d,)``
        :math:`\nabla L+\lambda\nabla R` at ``theta``.

    Raises
    ------
    ValueError
        As :func:`regularizer_gradient`, and for ``lam < 0``.

    Examples
    --------
    >>> import numpy as np
    >>> g = regularized_gradient(lambda t: t, lambda t: np.array([[t[0]]]), [1.0], 0.5, 0.3)
    >>> round(float(g[0]), 8)                                                 # 1 + 0.3 / 3
    1.1
    """
    theta = checked_theta(theta)
    lam = checked_lam(lam)
    g = np.asarray(grad(theta), dtype=float).reshape(theta.shape)
    if lam == 0.0:
        return g
    return g + lam * regularizer_gradient(hessian, theta, eta, momentum, hessian_derivative=hessian_derivative)
