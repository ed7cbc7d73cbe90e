r"""Regularised trajectories: gradient descent on :math:`L+\lambda R` (Eq. (2), (7)) and on :math:`L+\tfrac12R_S` (Prop. 5).

* :func:`regularized_trajectory`: :math:`\Phi_{k+1}=\Phi_k-\eta\nabla(L+\lambda R)(\Phi_k)+\beta(\Phi_k-\Phi_{k-1})`,
  the path label-noise SGD follows to leading order (Lemma 1, Lemma 4).
* :func:`covariance_regularized_trajectory`: :math:`\Phi^S_{k+1}=\Phi^S_k-\eta\nabla(L+\tfrac12\langle S,\nabla^2L\rangle)(\Phi^S_k)`
  with :math:`S` the fluctuation covariance at a reference point
  (Proposition 5; the factor :math:`\tfrac12` is explained in
  :mod:`fpesolve.labelnoise.fixed_point`).  With ``reanchor_every=tau`` the
  reference point moves along the path every ``tau`` iterations
  (:math:`\theta^*_{m+1}=\Phi^S_\tau(\theta^*_m)`, Section 3.2) and :math:`S` is
  recomputed there: the potential :math:`R_S` then moves with the reference
  point, which is how a path can cycle forever (Appendix F.2, see
  :mod:`fpesolve.labelnoise.cycling`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .._util.deprecation import renamed_keyword
from .._util.progress import progress_bar
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from ._params import checked_label_noise_std, checked_lam, checked_momentum, checked_symmetric, checked_theta
from .base import OutputModel
from .models import SquaredLossModel
from .regularizer import implicit_regularizer
from .simulation import record_schedule

__all__ = ["RegularizedTrajectory", "regularized_trajectory", "covariance_regularized_trajectory"]


@dataclass(frozen=True, repr=False, eq=False)
class RegularizedTrajectory(Result):
    r"""A deterministic regularised path :math:`\Phi_k` (records at ``iterations``).

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        The iterations :math:`k` of the records (0 and the last included).
    theta : ndarray, shape ``(r, d)``
        :math:`\Phi_k` at the records.
    loss, regularizer, trace_hessian : ndarray, shape ``(r,)``
        :math:`L`, the regulariser of the path (:math:`R` with
        ``regularizer_eta``, or :math:`R_S=\langle S,\nabla^2L\rangle` with the
        :math:`S` in force at that record) and :math:`\operatorname{tr}\nabla^2L`.
    eta, lam, momentum : float
        Step, :math:`\lambda` (0 for a covariance path, whose strength sits
        in :math:`S`) and :math:`\beta`.
    regularizer_eta : float
        The step inside :math:`R` (``0``: :math:`\operatorname{tr}H/4`); equal
        to ``eta`` for covariance paths.
    kind : str
        ``"R"`` (:math:`L+\lambda R`), ``"R_S"`` (fixed :math:`S`) or
        ``"R_S moving"`` (re-anchored every ``reanchor_every`` iterations).
    reference_points : ndarray, shape ``(q, d)``
        The reference points whose :math:`S` was used (one for a fixed
        :math:`S` given by a point; empty when ``S`` was passed directly).
    reanchor_every : int
        0 unless the reference point moves.

    Examples
    --------
    Gradient descent on :math:`L+\lambda R` for the product model from the
    sharp zero-loss point :math:`(4, 1/4)`: the path slides along
    :math:`uv\approx1` toward the balanced minimiser, :math:`R` and
    :math:`\operatorname{tr}\nabla^2L` fall:

    >>> from fpesolve.labelnoise import product_model, regularized_trajectory
    >>> path = regularized_trajectory(product_model(), [4.0, 0.25], 0.05, 0.03, 500, record_every=250)
    >>> path.kind, path.iterations.tolist()
    ('R', [0, 250, 500])
    >>> path.theta[-1].round(4).tolist(), path.trace_hessian.round(3).tolist()
    ([2.2245, 0.4463], [18.74, 9.812, 6.006])
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
    kind: str = "R"
    reference_points: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    reanchor_every: int = 0

    def summary(self) -> str:
        """One line: the regularised loss, the step, and the start, end and :math:`\\operatorname{tr}H` of the path.

        Returns
        -------
        str
            E.g. ``"GD on L + lambda R (lambda=0.03, R with eta=0.05), eta=0.05, beta=0: 500 iterations, ..."``.
        """
        what = {"R": f"L + lambda R (lambda={self.lam:.4g}, R with eta={self.regularizer_eta:g})",
                "R_S": "L + R_S / 2 (S fixed at the reference point)",
                "R_S moving": f"L + R_S / 2 (S re-anchored every {self.reanchor_every} iterations)"}[self.kind]
        return (f"GD on {what}, eta={self.eta:g}, beta={self.momentum:g}: {int(self.iterations[-1])} iterations, "
                f"theta {np.array2string(self.theta[0], precision=4)} -> {np.array2string(self.theta[-1], precision=6)}, "
                f"tr H {self.trace_hessian[0]:.4g} -> {self.trace_hessian[-1]:.4g}")


def _start(model: OutputModel, theta0) -> np.ndarray:
    if not isinstance(model, OutputModel):
        raise TypeError(f"`model` must be a SquaredLossModel or LabelFlipModel, got {type(model).__name__}")
    return checked_theta(theta0, "theta0", model.dim)


def _diverged(k: int) -> ValueError:
    return ValueError(f"gradient descent on the regularised loss diverged at iteration {k + 1}; lower `eta`")


@renamed_keyword("steps", "n_iterations")
def regularized_trajectory(model: OutputModel, theta0, eta: float, lam: float, n_iterations: int, *,
                           momentum: float = 0.0, regularizer_eta: Optional[float] = None,
                           record_every: int = 1, progress=None) -> RegularizedTrajectory:
    r"""The paper's reference path :math:`\Phi_{k+1}=\Phi_k-\eta\nabla(L+\lambda R)(\Phi_k)+\beta(\Phi_k-\Phi_{k-1})`.

    Parameters
    ----------
    model : SquaredLossModel or LabelFlipModel
        The model whose :math:`L` and :math:`\nabla^2L` define the path.
    theta0 : array_like, shape ``(d,)``
        The start :math:`\Phi_0` (and :math:`\Phi_{-1}=\Phi_0`).
    eta, lam : float
        Step and :math:`\lambda` (use :func:`~fpesolve.labelnoise.regularizer.regularization_strength`).
    n_iterations : int
        Number of gradient steps (``steps=`` still works with a ``FutureWarning``).
    momentum : float
        Heavy-ball :math:`\beta` (Eq. (7)); :math:`R` then uses the step
        :math:`\eta/(1+\beta)`.
    regularizer_eta : float, optional
        Step inside :math:`R` (default ``eta``; ``0`` gives the small-step
        regulariser :math:`\operatorname{tr}H/4`).
    record_every : int
        Record every this many iterations (plus the last); each record costs
        one Hessian evaluation.
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    RegularizedTrajectory
        ``kind="R"``; ``regularizer`` holds :math:`R` with ``regularizer_eta``.

    Raises
    ------
    ValueError
        For bad parameters, a path that reaches the step-size edge of
        :math:`R` or diverges.

    Examples
    --------
    From a sharp zero-loss point of the product model the path slides toward
    the balanced minimiser :math:`|u|=|v|=1`:

    >>> from fpesolve.labelnoise import product_model
    >>> path = regularized_trajectory(product_model(), [4.0, 0.25], 0.05, 0.03, 500, record_every=250)
    >>> bool(path.trace_hessian[-1] < path.trace_hessian[0])
    True
    """
    theta = _start(model, theta0)
    eta = positive_float(eta, "eta")
    lam = checked_lam(lam)
    n_iterations = positive_int(n_iterations, "n_iterations")
    beta = checked_momentum(momentum)
    record_every = positive_int(record_every, "record_every")
    r_eta = eta if regularizer_eta is None else float(regularizer_eta)
    record_at = record_schedule(n_iterations, record_every)
    out = np.empty((record_at.size, model.dim))
    previous = theta.copy()
    r = 0
    with progress_bar(progress, n_iterations, "GD on L + lambda R") as bar:
        for k in range(n_iterations + 1):
            if record_at[r] == k:
                out[r] = theta
                r += 1
            if k == n_iterations:
                break
            new = theta - eta * model.regularized_grad(theta, r_eta, lam, beta)
            if beta > 0.0:
                new += beta * (theta - previous)
            if not np.all(np.isfinite(new)):
                raise _diverged(k)
            previous, theta = theta, new
            bar.update(1)
    H = model.hessian(out)
    R = np.atleast_1d(implicit_regularizer(H, r_eta, beta))
    return RegularizedTrajectory(iterations=record_at, theta=out, loss=np.atleast_1d(model.loss(out)), regularizer=R,
                                 trace_hessian=np.trace(H, axis1=1, axis2=2), eta=eta, lam=lam, momentum=beta,
                                 regularizer_eta=r_eta, kind="R")


def covariance_regularized_trajectory(model: OutputModel, theta0, eta: float, n_iterations: int, *,
                                      S=None, reference=None, label_noise_std: float = 0.0, batch_size: int = 1,
                                      replacement: bool = True, curvature: str = "gauss-newton",
                                      reanchor_every: Optional[int] = None, record_every: int = 1,
                                      progress=None) -> RegularizedTrajectory:
    r"""Proposition 5's :math:`\Phi^S`: gradient descent on :math:`L+\tfrac12\langle S,\nabla^2L\rangle` from ``theta0``.

    Parameters
    ----------
    model : SquaredLossModel or LabelFlipModel
        The model whose :math:`L` and :math:`\nabla^3L` define the path.
    theta0 : array_like, shape ``(d,)``
        The start :math:`\Phi^S_0`.
    eta : float
        Step :math:`\eta` (of SGD and of the path).
    n_iterations : int
        Number of gradient steps.
    S : array_like, shape ``(d, d)``, optional
        The fluctuation covariance to use (held fixed).  Without it,
        :math:`S` is computed at ``reference`` (default ``theta0``) by
        :meth:`~fpesolve.labelnoise.models.SquaredLossModel.fluctuation_covariance`
        from the SGD noise of the given ``label_noise_std``, ``batch_size``,
        ``replacement`` (minibatch noise included; a LabelFlipModel uses its
        flip probability instead of ``label_noise_std``).
    reference : array_like, shape ``(d,)``, optional
        The reference point :math:`\theta^*` of :math:`S`.
    label_noise_std, batch_size, replacement, curvature
        The SGD whose noise defines :math:`S` (see
        :meth:`~fpesolve.labelnoise.models.SquaredLossModel.fluctuation_covariance`).
    reanchor_every : int, optional
        Move the reference point to the current :math:`\Phi^S` every this many
        iterations and recompute :math:`S` there (needs ``S=None``).
    record_every : int
        Record every this many iterations (plus the last).
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    RegularizedTrajectory
        ``kind`` ``"R_S"`` or ``"R_S moving"``; ``regularizer`` holds
        :math:`R_S=\langle S,\nabla^2L\rangle` with the :math:`S` in force.

    Raises
    ------
    ValueError
        For bad parameters, ``S`` together with ``reanchor_every``, a
        reference point without a fluctuation covariance (some curvature
        :math:`\eta h\ge2`), or a path that diverges.

    Examples
    --------
    Label noise at a zero-loss point of the product model: :math:`\Phi^S`
    moves like :math:`\Phi` on :math:`L+\lambda R` at first (later :math:`S`,
    frozen at the start, no longer fits the path).

    >>> import numpy as np
    >>> from fpesolve.labelnoise import product_model, regularized_trajectory
    >>> m = product_model()
    >>> eta, sigma = 0.05, 0.6
    >>> lam = eta * sigma ** 2
    >>> a = covariance_regularized_trajectory(m, [4.0, 0.25], eta, 20, label_noise_std=sigma, record_every=20)
    >>> b = regularized_trajectory(m, [4.0, 0.25], eta, lam, 20, record_every=20)
    >>> move_a, move_b = (np.linalg.norm(p.theta[-1] - p.theta[0]) for p in (a, b))
    >>> bool(abs(move_a / move_b - 1) < 0.05)
    True
    """
    theta = _start(model, theta0)
    eta = positive_float(eta, "eta")
    n_iterations = positive_int(n_iterations, "n_iterations")
    record_every = positive_int(record_every, "record_every")
    sigma = checked_label_noise_std(label_noise_std)
    batch_size = positive_int(batch_size, "batch_size")
    tau = 0 if reanchor_every is None else positive_int(reanchor_every, "reanchor_every")
    if S is not None and tau:
        raise ValueError("`reanchor_every` recomputes S at each new reference point; pass `S=None` with it")

    def s_at(point):
        try:
            noise = (sigma, batch_size, replacement) if isinstance(model, SquaredLossModel) else (batch_size,
                                                                                                  replacement)
            return model.fluctuation_covariance(point, eta, *noise, curvature=curvature)
        except ValueError as exc:
            raise ValueError(f"no fluctuation covariance at the reference point "
                             f"{np.array2string(point, precision=6)}: {exc}") from None

    refs = []
    if S is not None:
        S_now = checked_symmetric(S, "S")
        if S_now.shape != (model.dim, model.dim):
            raise ValueError(f"`S` must have shape ({model.dim}, {model.dim}), got {S_now.shape}")
    else:
        ref = theta.copy() if reference is None else checked_theta(reference, "reference", model.dim)
        refs.append(ref)
        S_now = s_at(ref)
    record_at = record_schedule(n_iterations, record_every)
    out = np.empty((record_at.size, model.dim))
    s_used = np.empty((record_at.size, model.dim, model.dim))
    r = 0
    with progress_bar(progress, n_iterations, "GD on L + R_S / 2") as bar:
        for k in range(n_iterations + 1):
            if tau and 0 < k < n_iterations and k % tau == 0:
                refs.append(theta.copy())
                S_now = s_at(theta)
            if record_at[r] == k:
                out[r] = theta
                s_used[r] = S_now
                r += 1
            if k == n_iterations:
                break
            theta = theta - eta * model.covariance_regularized_grad(theta, S_now)
            if not np.all(np.isfinite(theta)):
                raise _diverged(k)
            bar.update(1)
    H = model.hessian(out)
    R = np.einsum("rij,rij->r", H, s_used)
    return RegularizedTrajectory(iterations=record_at, theta=out, loss=np.atleast_1d(model.loss(out)), regularizer=R,
                                 trace_hessian=np.trace(H, axis1=1, axis2=2), eta=eta, lam=0.0, momentum=0.0,
                                 regularizer_eta=eta, kind="R_S moving" if tau else "R_S",
                                 reference_points=np.array(refs).reshape(len(refs), model.dim) if refs
                                 else np.zeros((0, model.dim)), reanchor_every=tau)
