r"""Minibatch SGD that cycles forever: no fixed potential (the paper's Appendix F.2; this construction is fpesolve's own).

Section 5.2 notes that :math:`R_S` depends on the reference point through
:math:`S`, so repeating Proposition 5 need not follow any fixed potential, and
Appendix F.2 (not in our text) gives an example where minibatch SGD cycles.
Here is one, built from the main text.

**Model.**  :math:`\theta=(x,y,\rho,z)\in\mathbb R^4`, three "coordinates"

.. math:: u_1=\rho x+zy,\qquad u_2=-\rho y+zx,\qquad u_3=\tfrac12(x^2+y^2-1),

and per-sample outputs :math:`f_i=w_i^Tu(\theta)` with squared loss
:math:`\ell_i=\frac12(f_i-y_i)^2`.  With :math:`\frac1n\sum_iw_iy_i=0`,
:math:`L=\frac12u^TAu+\text{const}`, :math:`A=\frac1n\sum_iw_iw_i^T`, whose
minimisers (for :math:`A\succ0`) are the **circle** :math:`x^2+y^2=1`,
:math:`\rho=z=0`: a compact manifold.  At angle :math:`\varphi` on it the
Jacobian of :math:`(u_1,u_2)` with respect to the normal coordinates
:math:`(\rho,z)` is the rotation by :math:`\varphi`: the frame of the
:math:`u`-coordinates twists once around the normal plane as one goes round.

**Noise.**  The per-sample losses do not vanish on the circle (labels
:math:`\pm s` on the same input), so minibatch noise persists there, with
covariance :math:`Q=\frac{\eta^2}{B}J^TCJ`, :math:`C=\frac1n\sum_iy_i^2w_iw_i^T`;
in the :math:`u`-frame :math:`S_u` solves
:math:`S_u=(I-\eta A)S_u(I-\eta A)+\frac{\eta^2}{B}C` and is the same at every
:math:`\varphi`.

**Drift.**  The tangential part of the averaged Taylor term
:math:`-\frac\eta2\nabla^3L[S]` is :math:`-\frac\eta2\partial_\delta\langle S(\varphi),\nabla^2L(\varphi+\delta)\rangle`;
with :math:`\nabla^2L(\varphi+\delta)=J_{\varphi+\delta}^TAJ_{\varphi+\delta}` and
:math:`J_{\varphi+\delta}J_\varphi^T=R(-\delta)` this is the angular velocity
(radians per iteration)

.. math:: \omega=\eta\operatorname{tr}(S_uKA),\qquad K=\begin{pmatrix}0&1\\-1&0\end{pmatrix}\ \text{on }(u_1,u_2),

the same at every point of the circle, and non-zero exactly when :math:`C`
(hence :math:`S_u`) does not commute with :math:`A`.  A constant non-zero
tangential drift on a closed curve has circulation
:math:`\oint F\cdot d\ell=2\pi\omega/\eta\ne0`: it is not the gradient of any
function on the circle, so no fixed regulariser :math:`R` describes it, and
SGD goes round forever.  :math:`R_S` with :math:`S` frozen at one reference
point *is* a fixed potential; gradient descent on it stops within a
fraction of a turn, while the re-anchored :math:`\Phi^S` (Section 3.2's
sequence of reference points) cycles at the rate :math:`\omega` like SGD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._util.random import RNGLike, as_generator
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from .fixed_point import fluctuation_covariance
from .models import SquaredLossModel
from .simulation import batch_draws, record_schedule
from .trajectory import covariance_regularized_trajectory

__all__ = ["cycling_model", "cycling_rate", "CyclingResult", "simulate_cycling", "CYCLING_SAMPLES"]

#: default samples ``(a, b, c, label)``: f = a u1 + b u2 + c u3, labels +-s on the same input give the
#: noise covariance C = (2 s^2/n) e1 e1^T, which does not commute with A (the mixed sample (1, 1, 0))
CYCLING_SAMPLES = ((1.0, 0.0, 0.0, 1.0), (1.0, 0.0, 0.0, -1.0), (0.0, 1.0, 0.0, 0.0), (1.0, 1.0, 0.0, 0.0),
                   (0.0, 0.0, 1.0, 0.0))


def _u(theta):
    x, y, r, z = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    return np.stack((r * x + z * y, -r * y + z * x, 0.5 * (x * x + y * y - 1.0)), axis=1)


def _du(theta):
    x, y, r, z = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    zero = np.zeros_like(x)
    return np.stack((np.stack((r, z, x, y), axis=1), np.stack((z, -r, -y, x), axis=1),
                     np.stack((x, y, zero, zero), axis=1)), axis=1)            # (m, 3, 4)


_D2U = np.zeros((3, 4, 4))
_D2U[0, 0, 2] = _D2U[0, 2, 0] = _D2U[0, 1, 3] = _D2U[0, 3, 1] = 1.0      # u1 = rho x + z y
_D2U[1, 1, 2] = _D2U[1, 2, 1] = -1.0                                    # u2 = -rho y + z x
_D2U[1, 0, 3] = _D2U[1, 3, 0] = 1.0
_D2U[2, 0, 0] = _D2U[2, 1, 1] = 1.0                                     # u3 = (x^2 + y^2 - 1)/2


def _samples(label_scale: float, radial_weight: float, samples=None) -> np.ndarray:
    P = np.array(CYCLING_SAMPLES if samples is None else samples, dtype=float)
    if P.ndim != 2 or P.shape[1] != 4 or not np.all(np.isfinite(P)):
        raise ValueError(f"`samples` must be rows (a, b, c, label), shape (n, 4), got shape {P.shape}")
    if np.max(np.abs((P[:, :3] * P[:, 3:]).mean(axis=0))) > 1e-12 * max(1.0, float(np.abs(P).max()) ** 2):
        raise ValueError("`samples` must have mean(w_i y_i) = 0 so that the circle is the set of minimisers")
    P[:, 3] *= label_scale
    P[:, 2] *= radial_weight
    return P


def cycling_model(label_scale: float = 1.0, radial_weight: float = 2.0, samples=None) -> SquaredLossModel:
    r"""The four-parameter model of the module notes, as a :class:`~fpesolve.labelnoise.models.SquaredLossModel`.

    Parameters
    ----------
    label_scale : float
        :math:`s`, the labels :math:`\pm s` of the two conflicting samples
        (the noise covariance scales as :math:`s^2`).
    radial_weight : float
        :math:`\kappa`, the weight of the sample :math:`f=\kappa u_3`, label 0,
        that pins the radius (curvature :math:`\kappa^2/n` in :math:`x^2+y^2`).
    samples : array_like, shape ``(n, 4)``, optional
        Rows :math:`(a,b,c,y)` of :math:`f=au_1+bu_2+cu_3` with label :math:`y`
        (default :data:`CYCLING_SAMPLES`; ``label_scale`` multiplies the labels,
        ``radial_weight`` the :math:`c`); :math:`\frac1n\sum_iw_iy_i` must vanish.

    Returns
    -------
    SquaredLossModel
        Outputs quadratic in :math:`\theta` (exact, constant output Hessians).

    Raises
    ------
    ValueError
        For non-positive scales or ``samples`` of the wrong shape or with
        :math:`\frac1n\sum_iw_iy_i\ne0`.

    Examples
    --------
    Every point of the circle is a minimiser, with non-zero per-sample losses:

    >>> import numpy as np
    >>> m = cycling_model()
    >>> c, s = np.cos(1.0), np.sin(1.0)
    >>> bool(abs(m.grad([c, s, 0.0, 0.0])).max() < 1e-15), round(m.loss([c, s, 0.0, 0.0]), 12)
    (True, 0.2)
    """
    s = positive_float(label_scale, "label_scale")
    kappa = positive_float(radial_weight, "radial_weight")
    P = _samples(s, kappa, samples)
    W, Y = P[:, :3], P[:, 3]

    def outputs(theta):
        return _u(theta) @ W.T

    def output_grads(theta):
        return np.einsum("na,mad->mnd", W, _du(theta))

    def output_hessians(theta):
        return np.broadcast_to(np.einsum("na,ade->nde", W, _D2U), (theta.shape[0], W.shape[0], 4, 4)).copy()

    return SquaredLossModel(outputs, output_grads, Y, 4, output_hessians,
                            name=f"cycling circle (s={s:g}, kappa={kappa:g})", quadratic_outputs=True)


def cycling_rate(eta: float, batch_size: int = 1, label_scale: float = 1.0, radial_weight: float = 2.0,
                 samples=None) -> float:
    r"""The closed-form angular velocity :math:`\omega=\eta\operatorname{tr}(S_uKA)` (radians per iteration).

    Parameters
    ----------
    eta : float
        Learning rate :math:`\eta>0`.
    batch_size : int
        Minibatch size :math:`B\ge1` (with replacement); :math:`S_u`, hence
        :math:`\omega`, scales as :math:`1/B`.
    label_scale, radial_weight, samples
        As for :func:`cycling_model`.

    Returns
    -------
    float
        :math:`\omega` in radians per iteration; positive for the default
        samples (counter-clockwise in :math:`(x,y)`).

    Raises
    ------
    ValueError
        As :func:`cycling_model`; if :math:`\eta A` has an eigenvalue outside :math:`(0,2)`.

    Examples
    --------
    >>> round(cycling_rate(0.2), 6), round(cycling_rate(0.2, batch_size=2), 6)
    (0.003333, 0.001667)
    """
    eta = positive_float(eta, "eta")
    batch_size = positive_int(batch_size, "batch_size")
    P = _samples(positive_float(label_scale, "label_scale"), positive_float(radial_weight, "radial_weight"), samples)
    W, Y = P[:, :3], P[:, 3]
    A = W.T @ W / len(Y)
    C = (Y[:, None] ** 2 * W).T @ W / len(Y)
    S = fluctuation_covariance(A, eta ** 2 * C / batch_size, eta)
    K = np.zeros((3, 3))
    K[0, 1], K[1, 0] = 1.0, -1.0
    return float(eta * np.trace(S @ K @ A))


@dataclass(frozen=True, repr=False, eq=False)
class CyclingResult(Result):
    r"""Minibatch SGD on the cycling model, its predicted rotation and the two regularised paths.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        The iterations of the records (0 and the last included).
    angle : ndarray, shape ``(r, m)``
        Unwrapped angle :math:`\varphi_k-\varphi_0` of :math:`(x_k,y_k)` per walker (radians).
    radius : ndarray, shape ``(r, m)``
        :math:`\sqrt{x_k^2+y_k^2}`.
    predicted_rate : float
        :math:`\omega` from the closed form (:func:`cycling_rate`).
    drift_rate : float
        The same from the package's generic pieces: the tangential component
        of :math:`-\frac\eta2\nabla^3L[S]` at :math:`(1,0,0,0)`, with
        :math:`S` = :meth:`~fpesolve.labelnoise.models.SquaredLossModel.fluctuation_covariance`
        and the model's exact third derivatives (independent of the closed form).
    simulated_rate, simulated_standard_error : float
        Mean over walkers of the final angle divided by the iterations, and its standard error.
    circulation : float
        :math:`\oint F\cdot d\ell=2\pi\omega/\eta` of the drift field
        :math:`F=-\frac12\nabla^3L[S]` around the circle (zero for a gradient field).
    frozen_angle, moving_angle : ndarray, shape ``(r,)``
        Angle (from the start) of :math:`\Phi^S` with :math:`S` frozen at the start and with the
        reference point re-anchored every ``reanchor_every`` iterations.
    eta : float
        The learning rate.
    batch_size, reanchor_every : int
        :math:`B`, and the re-anchoring period of the moving :math:`\Phi^S` (iterations).
    n_turns : float
        Mean number of full turns of SGD.

    Examples
    --------
    At :math:`\eta=0.2` the drift turns SGD at :math:`\omega=1/300` rad per
    iteration (closed form and generic third derivatives agree); the
    frozen-:math:`S` path :math:`\Phi^S` stops short of one radian, the
    re-anchored one keeps turning at :math:`\omega` like SGD:

    >>> res = simulate_cycling(0.2, 500, n_walkers=20, rng=0)
    >>> round(res.predicted_rate, 8), round(res.drift_rate, 8), round(res.circulation, 4)
    (0.00333333, 0.00333333, 0.1047)
    >>> round(float(res.frozen_angle[-1]), 2), round(float(res.moving_angle[-1]), 2)
    (0.76, 1.66)
    >>> bool(abs(res.simulated_rate - res.predicted_rate) < 3 * res.simulated_standard_error)
    True
    """

    iterations: np.ndarray
    angle: np.ndarray
    radius: np.ndarray
    predicted_rate: float
    drift_rate: float
    simulated_rate: float
    simulated_standard_error: float
    circulation: float
    frozen_angle: np.ndarray
    moving_angle: np.ndarray
    eta: float
    batch_size: int
    reanchor_every: int
    n_turns: float

    def summary(self) -> str:
        """One line: simulated against predicted angular velocity, turns, circulation, the two :math:`\\Phi^S`.

        Returns
        -------
        str
            The rates in rad/iteration with the Monte Carlo standard error,
            the number of turns, :math:`2\\pi\\omega/\\eta`, and where the frozen and
            the re-anchored :math:`\\Phi^S` end (radians).
        """
        k = int(self.iterations[-1])
        return (f"cycling minibatch SGD (eta={self.eta:g}, B={self.batch_size}, {self.angle.shape[1]} walkers x {k} "
                f"iterations): angular velocity simulated {self.simulated_rate:.6g} +- "
                f"{self.simulated_standard_error:.2g} rad/iteration, predicted eta tr(S K A) = "
                f"{self.predicted_rate:.6g} (generic -eta/2 grad^3 L[S]: {self.drift_rate:.6g}); "
                f"{self.n_turns:.2f} turns; circulation of the drift 2 pi omega/eta = {self.circulation:.4g} != 0; "
                f"Phi^S with S frozen stops at {self.frozen_angle[-1]:.3f} rad, re-anchored every "
                f"{self.reanchor_every} it. reaches {self.moving_angle[-1]:.3f} rad")


def _tangential_drift(model: SquaredLossModel, eta: float, batch_size: int) -> float:
    theta = np.array([1.0, 0.0, 0.0, 0.0])
    S = model.fluctuation_covariance(theta, eta, 0.0, batch_size)
    drift = -0.5 * eta * np.einsum("kij,ij->k", model.hessian_derivative(theta), S)
    return float(drift[1])          # e_phi = (0, 1, 0, 0) at (1, 0, 0, 0)


def _angles(theta: np.ndarray) -> np.ndarray:
    """Unwrapped angle of (x, y) along the first axis of ``theta`` (shape (r, ..., 4))."""
    return np.unwrap(np.arctan2(theta[..., 1], theta[..., 0]), axis=0)


def simulate_cycling(eta: float = 0.2, n_iterations: Optional[int] = None, *, batch_size: int = 1,
                     n_walkers: int = 200, label_scale: float = 1.0, radial_weight: float = 2.0,
                     samples=None, start_angle: float = 0.0, reanchor_every: int = 10, record_every: Optional[int] = None,
                     rng: RNGLike = None) -> CyclingResult:
    r"""Run minibatch SGD (no label noise) on :func:`cycling_model` from the circle and measure its rotation.

    Parameters
    ----------
    eta : float
        Learning rate.
    n_iterations : int, optional
        Default: two predicted turns, :math:`4\pi/\omega`.
    batch_size : int
        Minibatch size (with replacement).
    n_walkers : int
        Number of independent walkers (at least 2, for the standard error).
    label_scale, radial_weight, samples
        See :func:`cycling_model`.
    start_angle : float
        Every walker starts at :math:`(\cos\varphi_0,\sin\varphi_0,0,0)` on the circle.
    reanchor_every : int
        Re-anchoring period of the moving-reference :math:`\Phi^S`.
    record_every : int, optional
        Default ``n_iterations // 100``; records must be frequent enough for
        the angle to be unwrapped (a walker turns by far less than
        :math:`\pi` between records).
    rng : None, int or numpy.random.Generator
        Random numbers (see :func:`fpesolve._util.random.as_generator`).

    Returns
    -------
    CyclingResult
        Angles and radii of SGD, the predicted rates and the two :math:`\Phi^S` paths.

    Raises
    ------
    ValueError
        For bad parameters or a divergent iterate.

    Examples
    --------
    >>> res = simulate_cycling(0.2, 1000, n_walkers=100, rng=0)
    >>> bool(abs(res.simulated_rate / res.predicted_rate - 1) < 0.1), bool(res.circulation > 0)
    (True, True)
    """
    eta = positive_float(eta, "eta")
    batch_size = positive_int(batch_size, "batch_size")
    n_walkers = positive_int(n_walkers, "n_walkers", 2)
    model = cycling_model(label_scale, radial_weight, samples)
    omega = cycling_rate(eta, batch_size, label_scale, radial_weight, samples)
    if n_iterations is None:
        if abs(omega) < 1e-12:
            raise ValueError("the predicted rotation rate is zero (the noise commutes with the curvature); pass "
                             "`n_iterations`")
        n_iterations = int(np.ceil(4.0 * np.pi / abs(omega)))
    n_iterations = positive_int(n_iterations, "n_iterations")
    record_every = max(1, n_iterations // 100) if record_every is None else positive_int(record_every, "record_every")
    reanchor_every = positive_int(reanchor_every, "reanchor_every")
    gen = as_generator(rng)
    n = model.n
    record_at = record_schedule(n_iterations, record_every)
    phi0 = float(start_angle)
    if not np.isfinite(phi0):
        raise ValueError(f"`start_angle` must be finite, got {start_angle!r}")
    start = np.array([np.cos(phi0), np.sin(phi0), 0.0, 0.0])
    theta = np.tile(start, (n_walkers, 1))
    thetas = np.empty((record_at.size, n_walkers, 4))
    rows = np.arange(n_walkers)[:, None]
    r = 0
    for k in range(n_iterations + 1):
        if record_at[r] == k:
            thetas[r] = theta
            r += 1
        if k == n_iterations:
            break
        f, J = model.evaluate(theta)
        idx, _ = batch_draws(gen, n_walkers, n, batch_size, True, 0.0, "two-point")
        g = np.einsum("mb,mbd->md", (f - model.labels)[rows, idx], J[rows, idx]) / batch_size
        theta = theta - eta * g
        if not np.all(np.isfinite(theta)):
            raise ValueError(f"minibatch SGD diverged at iteration {k + 1}; lower `eta`")
    angle = _angles(thetas) - phi0
    final = angle[-1] / n_iterations
    frozen = covariance_regularized_trajectory(model, start, eta, n_iterations, batch_size=batch_size,
                                               record_every=record_every)
    moving = covariance_regularized_trajectory(model, start, eta, n_iterations, batch_size=batch_size,
                                               reanchor_every=reanchor_every, record_every=record_every)
    return CyclingResult(iterations=record_at, angle=angle, radius=np.hypot(thetas[..., 0], thetas[..., 1]),
                         predicted_rate=omega, drift_rate=_tangential_drift(model, eta, batch_size),
                         simulated_rate=float(final.mean()),
                         simulated_standard_error=float(final.std(ddof=1) / np.sqrt(n_walkers)),
                         circulation=2.0 * np.pi * omega / eta, frozen_angle=_angles(frozen.theta) - phi0,
                         moving_angle=_angles(moving.theta) - phi0, eta=eta, batch_size=batch_size,
                         reanchor_every=reanchor_every, n_turns=float(angle[-1].mean() / (2.0 * np.pi)))
