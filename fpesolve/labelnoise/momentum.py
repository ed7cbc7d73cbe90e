r"""The sign of the momentum regulariser (Section 5.1, Eq. (6)), decided by simulation.

The paper prints, for heavy ball with parameter :math:`\beta`,

.. math:: R_{\text{printed}}(\theta)=+\frac{1+\beta}{2\eta}\operatorname{tr}\log\Big(1-\frac{\eta}{2(1+\beta)}\nabla^2L\Big),

which is *negative* for a positive semi-definite Hessian and equals
:math:`-R` of Eq. (1) at :math:`\beta=0`.  The linearised fluctuation of
heavy-ball label-noise SGD in an eigendirection of curvature :math:`h` is an
AR(2) process with stationary variance
:math:`\lambda/(2-\eta h/(1+\beta))`, :math:`\lambda=\eta\sigma^2/(B(1-\beta))`,
and averaging the third-order Taylor term gives the drift
:math:`-\eta\lambda\nabla R_\beta` with

.. math:: R_\beta=-\frac{1+\beta}{2\eta}\operatorname{tr}\log\Big(1-\frac{\eta}{2(1+\beta)}\nabla^2L\Big)=R\big|_{\eta\to\eta/(1+\beta)} ,

the minus sign (fpesolve's :func:`~fpesolve.labelnoise.regularizer.implicit_regularizer`
with ``momentum``).  :func:`momentum_sign_check` simulates heavy-ball
label-noise SGD at its stationary state and compares the mean displacement
from the minimiser with the stationary points of :math:`L+\lambda R_\beta`
and :math:`L+\lambda R_{\text{printed}}=L-\lambda R_\beta`: the printed sign
predicts a displacement toward sharper curvature, SGD moves toward flatter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import optimize

from .._util.errors import ConvergenceError
from .._util.random import RNGLike
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from ._params import checked_momentum, checked_theta
from .models import SquaredLossModel, quadratic_1d_model
from .simulation import simulate_label_noise_sgd

__all__ = ["MomentumSignCheck", "momentum_sign_check", "printed_momentum_regularizer"]

#: relative tolerance (beyond 5 standard errors) of the first-order prediction: the theory's error is O(lambda)
#: relative, measured up to ~16 lambda at beta = 0.5 in the default model
FIRST_ORDER_SLACK = 0.2
#: residual |grad| (relative to its value at theta*) below which a predicted stationary point is accepted
ROOT_RTOL = 1e-10


def printed_momentum_regularizer(eigenvalues, eta: float, momentum: float) -> np.ndarray:
    r"""The paper's Eq. (6) as printed: :math:`+\frac{1+\beta}{2\eta}\sum_i\log(1-\frac{\eta h_i}{2(1+\beta)})` (over the last axis).

    Provided only to exhibit the sign slip; it equals ``-regularizer_from_eigenvalues(h, eta, momentum)``.

    Parameters
    ----------
    eigenvalues : array_like, shape ``(..., d)``
        Hessian eigenvalues :math:`h_i`.
    eta : float
        Learning rate :math:`\eta>0`.
    momentum : float
        Heavy-ball :math:`\beta\in[0,1)`.

    Returns
    -------
    ndarray
        The printed :math:`R`, shape ``(...)``: negative for positive
        eigenvalues, so it would favour sharp minima.

    Raises
    ------
    ValueError
        For an eigenvalue at or beyond :math:`2(1+\beta)/\eta`, ``eta <= 0`` or a bad ``momentum``.

    Examples
    --------
    >>> from fpesolve.labelnoise import regularizer_from_eigenvalues
    >>> round(float(printed_momentum_regularizer([1.0, 2.0], 0.5, 0.5)), 6)
    -0.88168
    >>> round(float(regularizer_from_eigenvalues([1.0, 2.0], 0.5, 0.5)), 6)
    0.88168
    """
    h = np.asarray(eigenvalues, dtype=float)
    eta = positive_float(eta, "eta")
    beta = checked_momentum(momentum)
    x = eta * h / (2.0 * (1.0 + beta))
    if np.any(x >= 1.0):
        raise ValueError(f"an eigenvalue is at or beyond 2(1+beta)/eta = {2 * (1 + beta) / eta!r}")
    return (1.0 + beta) / (2.0 * eta) * np.sum(np.log1p(-x), axis=-1)


@dataclass(frozen=True, repr=False, eq=False)
class MomentumSignCheck(Result):
    r"""Heavy-ball label-noise SGD's stationary mean against the two signs of Eq. (6).

    Attributes
    ----------
    theta_star : ndarray, shape ``(d,)``
        The minimiser of :math:`L` SGD starts from.
    simulated_shift, standard_error : ndarray, shape ``(d,)``
        :math:`\mathrm E\,\theta-\theta^*` over the stationary tail and its
        Monte Carlo standard error (walker time-averages are independent).
    derived_shift, printed_shift : ndarray, shape ``(d,)``
        Stationary point of :math:`L+\lambda R_\beta` (minus sign) and of
        :math:`L-\lambda R_\beta` (the printed sign), minus :math:`\theta^*`.
    trace_shift : ndarray, shape ``(d,)``
        The same for :math:`L+\lambda\operatorname{tr}\nabla^2L/4` (no step dependence).
    eta, momentum, lam, label_noise_std : float
        The run: learning rate, :math:`\beta`, :math:`\lambda` and the
        :math:`\sigma` it implies, :math:`\sigma^2=\lambda B(1-\beta)/\eta`.
    n_walkers, n_iterations, burn_in : int
        Walkers, SGD iterations per walker, and the iterations left out
        before the time average.
    z_derived, z_printed : float
        Distance of the simulated shift from each prediction along the
        derived shift's direction, in standard errors.
    status : str
        Verdict on the claim "Eq. (6) as printed gives the drift":
        ``"violated"`` when SGD is within ``5 SE + 20 %`` of the derived
        prediction and more than 5 SE from the printed one on the opposite
        side; ``"holds"`` in the reverse case; otherwise ``"not applicable"``.
    holds : bool or None
        ``False``, ``True``, ``None`` for the three statuses.

    Examples
    --------
    Heavy ball :math:`\beta=0.5` on :math:`f=x\theta^2` at :math:`\lambda=0.005`:
    SGD's mean moves to :math:`\theta^*-0.0074`, as the derived sign
    predicts; the printed sign predicts :math:`+0.0077`, about 50 standard
    errors away on the other side:

    >>> res = momentum_sign_check(n_walkers=200, n_iterations=1500)
    >>> res.status, res.holds, round(res.eta, 6)
    ('violated', False, 0.321429)
    >>> round(float(res.derived_shift[0]), 5), round(float(res.printed_shift[0]), 5)
    (-0.00737, 0.00765)
    >>> bool(abs(res.z_derived) < 5 < abs(res.z_printed))
    True
    """

    theta_star: np.ndarray
    simulated_shift: np.ndarray
    standard_error: np.ndarray
    derived_shift: np.ndarray
    printed_shift: np.ndarray
    trace_shift: np.ndarray
    eta: float
    momentum: float
    lam: float
    label_noise_std: float
    n_walkers: int
    n_iterations: int
    burn_in: int
    z_derived: float
    z_printed: float
    status: str
    holds: Optional[bool]

    def summary(self) -> str:
        """One line: SGD's mean shift with its standard error beside the three predictions, and the verdict.

        Returns
        -------
        str
            The shifts (derived sign, printed sign, :math:`\\operatorname{tr}H/4`),
            their distances from SGD in standard errors, and ``status``.
        """
        def v(a):
            return np.array2string(np.asarray(a), precision=5)
        return (f"heavy ball beta={self.momentum:g}, eta={self.eta:g}, lambda={self.lam:g}: SGD mean shift "
                f"{v(self.simulated_shift)} +- {v(self.standard_error)} (SE); derived sign (-) predicts "
                f"{v(self.derived_shift)} ({self.z_derived:+.1f} SE), printed sign (+) predicts "
                f"{v(self.printed_shift)} ({self.z_printed:+.1f} SE), tr H/4 predicts {v(self.trace_shift)}; "
                f"Eq. (6) as printed: {self.status}")


def _root(fun, x0: np.ndarray, what: str) -> np.ndarray:
    sol = optimize.root(fun, x0, method="hybr", options={"xtol": 1e-13})
    # judged by the residual (hybr reports "not making good progress" once it sits at round-off)
    scale = max(1.0, float(np.linalg.norm(fun(x0))))
    if not np.all(np.isfinite(sol.x)) or np.linalg.norm(fun(sol.x)) > ROOT_RTOL * scale:
        raise ConvergenceError(f"no stationary point of {what} found near theta* ({sol.message})")
    return np.asarray(sol.x, dtype=float)


def momentum_sign_check(model: Optional[SquaredLossModel] = None, theta_star=None, *, momentum: float = 0.5,
                        eta: Optional[float] = None, lam: float = 0.005, n_walkers: int = 600,
                        n_iterations: int = 4000, burn_in: int = 200, record_every: int = 5,
                        rng: RNGLike = 21) -> MomentumSignCheck:
    r"""Simulate heavy-ball label-noise SGD at stationarity and test both signs of Eq. (6) against it.

    Full-batch label-noise SGD (batch = all samples without replacement, so
    only label noise) started at ``theta_star``; the mean over walkers and over
    iterations after ``burn_in`` estimates :math:`\mathrm E\,\theta`.

    Parameters
    ----------
    model : SquaredLossModel, optional
        Default :func:`~fpesolve.labelnoise.models.quadratic_1d_model` (``x theta^2``,
        minimiser 1, curvature :math:`4m_2`).
    theta_star : array_like, shape ``(d,)``, optional
        A minimiser of :math:`L` (default ``[1.0]`` for the default model).
    momentum : float
        :math:`\beta\in(0,1)`.
    eta : float, optional
        Default :math:`(1+\beta)/h_{\max}(\theta^*)`, where the step dependence
        of :math:`R_\beta` doubles the :math:`\operatorname{tr}H/4` prediction.
    lam : float
        :math:`\lambda=\eta\sigma^2/(B(1-\beta))`; sets :math:`\sigma`.
    n_walkers, n_iterations, burn_in, record_every : int
        Walkers (at least 2), SGD iterations, iterations discarded before
        the time average, and the spacing of the records averaged over.
    rng : None, int or numpy.random.Generator
        Random numbers (see :func:`fpesolve._util.random.as_generator`).

    Returns
    -------
    MomentumSignCheck
        The simulated shift, the three predictions and the verdict.

    Raises
    ------
    ValueError
        For bad parameters (``burn_in >= n_iterations``, ``momentum`` outside [0, 1)).
    TypeError
        When ``model`` is not a :class:`~fpesolve.labelnoise.models.SquaredLossModel`.
    ConvergenceError
        If a predicted stationary point cannot be located.

    Examples
    --------
    >>> res = momentum_sign_check(n_walkers=200, n_iterations=1500)
    >>> res.status, bool(res.simulated_shift[0] < 0 < res.printed_shift[0])
    ('violated', True)
    """
    beta = checked_momentum(momentum)
    model = quadratic_1d_model() if model is None else model
    if not isinstance(model, SquaredLossModel):
        raise TypeError(f"`model` must be a SquaredLossModel, got {type(model).__name__}")
    ts = checked_theta([1.0] if theta_star is None else theta_star, "theta_star", model.dim)
    lam = positive_float(lam, "lam")
    n_walkers = positive_int(n_walkers, "n_walkers", 2)
    n_iterations = positive_int(n_iterations, "n_iterations")
    burn_in = positive_int(burn_in, "burn_in", 0)
    if burn_in >= n_iterations:
        raise ValueError(f"`burn_in` = {burn_in} must be below `n_iterations` = {n_iterations}")
    h_max = float(np.linalg.eigvalsh(model.hessian(ts)).max())
    eta = (1.0 + beta) / h_max if eta is None else positive_float(eta, "eta")
    B = model.n
    sigma = float(np.sqrt(lam * B * (1.0 - beta) / eta))
    run = simulate_label_noise_sgd(model, ts, eta, sigma, n_iterations, batch_size=B, replacement=False,
                                   momentum=beta, n_walkers=n_walkers, record_every=record_every, rng=rng)
    tail = run.theta[run.iterations >= burn_in]                 # (t, m, d)
    walker_means = tail.mean(axis=0)                             # (m, d)
    shift = walker_means.mean(axis=0) - ts
    se = walker_means.std(axis=0, ddof=1) / np.sqrt(n_walkers)

    def reg_grad(t, sign, r_eta):
        g = model.grad(t)
        return g + sign * (model.regularized_grad(t, r_eta, lam, beta) - g)

    derived = _root(lambda t: reg_grad(t, +1.0, eta), ts, "L + lambda R_beta") - ts
    printed = _root(lambda t: reg_grad(t, -1.0, eta), ts, "L - lambda R_beta (the printed sign)") - ts
    trace = _root(lambda t: reg_grad(t, +1.0, 0.0), ts, "L + lambda tr H / 4") - ts
    u = derived / np.linalg.norm(derived)
    se_u = float(np.sqrt(np.sum((u * se) ** 2)))
    z_d = float((shift - derived) @ u / se_u)
    z_p = float((shift - printed) @ u / se_u)
    near_derived = abs((shift - derived) @ u) < 5 * se_u + FIRST_ORDER_SLACK * np.linalg.norm(derived)
    near_printed = abs((shift - printed) @ u) < 5 * se_u + FIRST_ORDER_SLACK * np.linalg.norm(printed)
    opposite = float(shift @ u) > 0 > float(printed @ u)
    if near_derived and abs(z_p) > 5 and opposite:
        status, holds = "violated", False
    elif near_printed and abs(z_d) > 5:
        status, holds = "holds", True
    else:
        status, holds = "not applicable", None
    return MomentumSignCheck(theta_star=ts, simulated_shift=shift, standard_error=se, derived_shift=derived,
                             printed_shift=printed, trace_shift=trace, eta=eta, momentum=beta, lam=lam,
                             label_noise_std=sigma, n_walkers=n_walkers, n_iterations=n_iterations, burn_in=burn_in,
                             z_derived=z_d, z_printed=z_p, status=status, holds=holds)
