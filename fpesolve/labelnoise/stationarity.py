r"""Theorem 1's :math:`(\epsilon,\gamma)`-stationarity, checked on simulated label-noise SGD.

Definition 2: :math:`\theta` is an :math:`(\epsilon,\gamma)`-stationary point of
:math:`f` if some :math:`\theta^*` has :math:`\|\nabla f(\theta^*)\|\le\epsilon`
and :math:`\|\theta-\theta^*\|\le\gamma`.  Theorem 1 takes
:math:`f=\tilde L/\lambda=L/\lambda+R` and says that label-noise SGD, with
:math:`\lambda=\tilde\Theta(\min(\epsilon^{2/\delta},\gamma^2))`, hits such a
point within :math:`T=\tilde\Theta(\eta^{-1}\lambda^{-1-\delta})` iterations
(constants unspecified).

:func:`check_stationarity` walks through the records of a run and, for each,
looks for a **witness** :math:`\theta^*` in the ball of radius :math:`\gamma`:

1. the iterate itself (:math:`\|\nabla f(\theta_k)\|\le\epsilon`);
2. the ``candidates`` (default: the stationary points of :math:`L+\lambda R`
   found from the walkers' final iterates), each with its gradient verified;
3. with ``method="search"``, a constrained local minimisation of
   :math:`\|\nabla f\|^2` over the ball (SLSQP) from the iterate and from the
   nearest candidate projected into the ball.

A record is declared stationary only with a verified witness (its gradient
norm and distance are recomputed and stored), so ``stationary`` is never a
false positive.  A record without a witness may still be stationary if the
local search missed a far corner of the ball: the reported
``first_iteration`` is therefore an **upper bound** on the first
:math:`(\epsilon,\gamma)`-stationary record (exact whenever the witness search
is exhaustive, e.g. when :math:`\|\nabla f\|` has one local minimum in the
ball).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

from .._util.progress import progress_bar
from .._util.result import Result
from .._util.validation import positive_float
from .models import SquaredLossModel
from .simulation import LabelNoiseSGDResult

__all__ = ["StationarityCheck", "check_stationarity", "STATIONARITY_METHODS"]

#: how witnesses are looked for: name -> description
STATIONARITY_METHODS = {
    "candidates": "the iterate itself and the candidate points only",
    "search": "as 'candidates', then SLSQP on |grad f|^2 over the gamma-ball from the iterate and the nearest candidate",
}
#: SLSQP iterations per local witness search
SEARCH_MAX_ITER = 60
#: relative slack on the ball radius when a found witness is verified (round-off of the constraint)
RADIUS_SLACK = 1e-9


@dataclass(frozen=True, repr=False, eq=False)
class StationarityCheck(Result):
    r"""Which records of a label-noise SGD run are :math:`(\epsilon,\gamma)`-stationary points of :math:`L/\lambda+R`.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        The iterations of the run's records.
    eps, gamma : float
        :math:`\epsilon` (units of :math:`\|\nabla f\|`, :math:`f=L/\lambda+R`) and :math:`\gamma` (units of :math:`\theta`).
    eta, lam, momentum : float
        Of the run; :math:`R` uses :math:`\eta/(1+\beta)`.
    gradient_norm : ndarray, shape ``(r, m)``
        :math:`\|\nabla f(\theta_k)\|` at the iterate itself (``inf`` where not evaluated).
    witness_distance, witness_gradient_norm : ndarray, shape ``(r, m)``
        Distance to and :math:`\|\nabla f\|` at the best point found
        (``inf`` where no record was evaluated or nothing was found).
    stationary : ndarray of bool, shape ``(r, m)``
        A verified witness with :math:`\|\nabla f\|\le\epsilon` within :math:`\gamma`.
    evaluated : ndarray of bool, shape ``(r, m)``
        Records examined (with ``stop_at_first`` the later ones are not).
    first_iteration : ndarray of int, shape ``(m,)``
        Iteration of the first stationary record per walker, ``-1`` if none.
    witnesses : tuple
        Per walker, the witness at the first stationary record (``None`` if none).
    candidates : ndarray, shape ``(q, d)``
        The candidate points used, with :math:`\|\nabla f\|\le\epsilon` verified.
    method : str
        A key of :data:`STATIONARITY_METHODS`.

    Examples
    --------
    Two walkers of label-noise SGD on the product model from the sharp
    point :math:`(2, 1/2)`: at iteration 250 neither iterate has a small
    :math:`\|\nabla f\|` (:math:`L/\lambda` magnifies the fluctuation), but
    each has a witness within :math:`\gamma=0.3` where
    :math:`\|\nabla f\|\le\epsilon=0.5`:

    >>> from fpesolve.labelnoise import check_stationarity, product_model, simulate_label_noise_sgd
    >>> m = product_model()
    >>> run = simulate_label_noise_sgd(m, [2.0, 0.5], 0.1, 0.5, 500, n_walkers=2, record_every=250, rng=0)
    >>> chk = check_stationarity(m, run, eps=0.5, gamma=0.3)
    >>> chk.first_iteration.tolist(), chk.reached.tolist()
    ([250, 250], [True, True])
    >>> bool(np.all(chk.gradient_norm[1] > chk.eps)), bool(np.all(chk.witness_distance[1] <= chk.gamma))
    (True, True)
    """

    iterations: np.ndarray
    eps: float
    gamma: float
    eta: float
    lam: float
    momentum: float
    gradient_norm: np.ndarray
    witness_distance: np.ndarray
    witness_gradient_norm: np.ndarray
    stationary: np.ndarray
    evaluated: np.ndarray
    first_iteration: np.ndarray
    witnesses: Tuple[Optional[np.ndarray], ...]
    candidates: np.ndarray
    method: str

    @property
    def reached(self) -> np.ndarray:
        """Per walker: whether a stationary record was found."""
        return self.first_iteration >= 0

    def summary(self) -> str:
        """One line: how many walkers reached an :math:`(\\epsilon,\\gamma)`-stationary record, and when.

        Returns
        -------
        str
            The settings, the number of walkers that reached one, the median,
            smallest and largest first iteration (upper bounds: a witness
            search can miss a witness but never accepts a false one) and
            :math:`\\eta\\lambda k`, the paper's time scale.
        """
        firsts = [int(k) for k in self.first_iteration if k >= 0]
        reached = f"{len(firsts)}/{self.first_iteration.size} walkers reached one"
        if firsts:
            reached += (f"; first iteration median {int(np.median(firsts))} (min {min(firsts)}, max {max(firsts)}), "
                        f"eta*lambda*k = {self.eta * self.lam * np.median(firsts):.3g}")
        return (f"(eps, gamma)-stationarity of L/lambda + R (eps={self.eps:g}, gamma={self.gamma:g}, "
                f"lambda={self.lam:.4g}, eta={self.eta:g}, method={self.method!r}): {reached}; "
                f"{len(self.candidates)} verified candidate point(s); first iterations are upper bounds "
                f"(witness search, no false positives)")


class _GradF:
    r""":math:`\nabla f=\nabla(L/\lambda+R)`, one point or many (``None`` / ``inf`` beyond the step-size edge)."""

    def __init__(self, model: SquaredLossModel, eta: float, lam: float, beta: float):
        self.model, self.eta, self.lam, self.beta = model, eta, lam, beta

    def many(self, X: np.ndarray) -> np.ndarray:
        return self.model.regularized_grads(X, self.eta, self.lam, self.beta) / self.lam

    def __call__(self, x: np.ndarray):
        g = self.many(np.asarray(x, dtype=float)[None, :])[0]
        return g if np.all(np.isfinite(g)) else None

    def value_and_jac(self, x: np.ndarray, step: np.ndarray):
        r""":math:`\|\nabla f\|^2` at ``x`` and its gradient :math:`2(\nabla^2f)\nabla f`, with :math:`\nabla^2f` by
        forward differences of :math:`\nabla f` (one batched call)."""
        d = x.size
        G = self.many(np.vstack((x, x + np.diag(step))))
        if not np.all(np.isfinite(G)):
            return BIG, np.zeros(d)
        g0 = G[0]
        Jg = (G[1:] - g0) / step[:, None]                 # Jg[j] = d grad f / d x_j
        return float(g0 @ g0), 2.0 * Jg @ g0


#: objective value standing for "beyond the step-size edge" in the witness search
BIG = 1e300


class _Found(Exception):
    """Raised inside the SLSQP objective once a point with |grad f| <= eps/2 is met (no need to go on)."""

    def __init__(self, x: np.ndarray):
        super().__init__()
        self.x = x


def _search(grad: _GradF, theta: np.ndarray, gamma: float, eps: float,
            starts: Sequence[np.ndarray]) -> Tuple[np.ndarray, float]:
    """The point of smallest |grad f| found by SLSQP over the gamma-ball around ``theta`` (stops at a clear witness)."""
    step = np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(theta)) * 1e2
    target = (0.5 * eps) ** 2

    def objective(x):
        value, jac = grad.value_and_jac(x, step)
        if value <= target and float((x - theta) @ (x - theta)) <= gamma ** 2:
            raise _Found(np.array(x, dtype=float))
        return value, jac

    cons = ({"type": "ineq", "fun": lambda x: gamma ** 2 - float((x - theta) @ (x - theta)),
             "jac": lambda x: -2.0 * (x - theta)},)
    best_x, best = theta, np.inf
    for x0 in starts:
        try:
            res = optimize.minimize(objective, x0, jac=True, method="SLSQP", constraints=cons,
                                    options={"maxiter": SEARCH_MAX_ITER, "ftol": 1e-14})
            x = np.asarray(res.x, dtype=float)
        except _Found as found:
            x = found.x
        if np.linalg.norm(x - theta) > gamma * (1.0 + RADIUS_SLACK):
            x = theta + (x - theta) * (gamma / np.linalg.norm(x - theta))
        g = grad(x)
        if g is not None and np.linalg.norm(g) < best:
            best_x, best = x, float(np.linalg.norm(g))
        if best <= eps:
            break
    return best_x, best


def check_stationarity(model: SquaredLossModel, run: LabelNoiseSGDResult, eps: float, gamma: float, *,
                       candidates=None, method: str = "search", walkers: Optional[Sequence[int]] = None,
                       stop_at_first: bool = True, progress=None) -> StationarityCheck:
    r"""The first record at which each walker of ``run`` is an :math:`(\epsilon,\gamma)`-stationary point of :math:`L/\lambda+R`.

    Parameters
    ----------
    model : SquaredLossModel
        The model the run was simulated on.
    run : LabelNoiseSGDResult
        From :func:`~fpesolve.labelnoise.simulation.simulate_label_noise_sgd`
        (its :math:`\eta`, :math:`\lambda>0` and :math:`\beta` define :math:`f`).
    eps, gamma : float
        :math:`\epsilon>0` and :math:`\gamma>0` of Definition 2.
    candidates : array_like, shape ``(q, d)``, optional
        Points to try as witnesses; those with :math:`\|\nabla f\|>\epsilon`
        are dropped.  Default: the stationary points of :math:`L+\lambda R`
        found from each walker's final iterate.
    method : {"search", "candidates"}
        See :data:`STATIONARITY_METHODS`.
    walkers : sequence of int, optional
        Walkers to examine (default all).
    stop_at_first : bool
        Stop examining a walker at its first stationary record.
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    StationarityCheck
        Per record and walker: gradient norms, witnesses, and the first stationary iteration.

    Raises
    ------
    ValueError
        For ``eps`` or ``gamma`` not positive, a run without label noise
        (:math:`\lambda=0`, so :math:`L/\lambda` is undefined), a model of
        another dimension, an unknown ``method`` (the message lists them) or
        a walker index out of range.
    TypeError
        When ``model`` is not a :class:`~fpesolve.labelnoise.models.SquaredLossModel`
        or ``run`` not a :class:`~fpesolve.labelnoise.simulation.LabelNoiseSGDResult`.

    Examples
    --------
    A run started at the stationary point of :math:`L+\lambda R` is
    stationary at once:

    >>> from fpesolve.labelnoise import product_model, simulate_label_noise_sgd
    >>> m = product_model()
    >>> eta, sigma = 0.05, 0.5
    >>> p = m.stationary_point([1.0, 1.0], eta, eta * sigma ** 2)
    >>> run = simulate_label_noise_sgd(m, p.theta, eta, sigma, 20, n_walkers=2, record_every=10, rng=0)
    >>> check_stationarity(m, run, eps=0.1, gamma=0.3).first_iteration.tolist()
    [0, 0]
    """
    if not isinstance(model, SquaredLossModel):
        raise TypeError(f"`model` must be a SquaredLossModel, got {type(model).__name__}")
    if not isinstance(run, LabelNoiseSGDResult):
        raise TypeError(f"`run` must be a LabelNoiseSGDResult, got {type(run).__name__}")
    eps = positive_float(eps, "eps")
    gamma = positive_float(gamma, "gamma")
    if method not in STATIONARITY_METHODS:
        raise ValueError(f"`method` must be one of {', '.join(repr(k) for k in STATIONARITY_METHODS)}, got {method!r}")
    if not run.lam > 0.0:
        raise ValueError("`run` has lambda = 0 (no label noise): f = L/lambda + R is undefined; simulate with "
                         "label_noise_std > 0")
    r_count, m, d = run.theta.shape
    if d != model.dim:
        raise ValueError(f"`run` has dimension {d} but `model` {model.name!r} has {model.dim}")
    chosen = list(range(m)) if walkers is None else [int(w) for w in walkers]
    for w in chosen:
        if not 0 <= w < m:
            raise ValueError(f"walker index {w} in `walkers` is out of range for {m} walkers")
    eta, lam, beta = run.eta, run.lam, run.momentum
    grad = _GradF(model, eta, lam, beta)

    if candidates is None:
        pts = []
        for w in chosen:
            sp = model.stationary_point(run.theta[-1, w], eta, lam, beta)
            pts.append(sp.theta)
        cand = np.array(pts).reshape(-1, d)
    else:
        cand = np.asarray(candidates, dtype=float).reshape(-1, d)
    keep = []
    for c in cand:
        g = grad(c)
        if g is not None and np.linalg.norm(g) <= eps and not any(np.allclose(c, k, atol=1e-10) for k in keep):
            keep.append(c)
    cand = np.array(keep).reshape(-1, d)

    shape = (r_count, m)
    gnorm = np.full(shape, np.inf)
    wdist = np.full(shape, np.inf)
    wgrad = np.full(shape, np.inf)
    stationary = np.zeros(shape, dtype=bool)
    evaluated = np.zeros(shape, dtype=bool)
    first = np.full(m, -1, dtype=int)
    witnesses = [None] * m
    with progress_bar(progress, len(chosen) * r_count, "(eps, gamma)-stationarity", unit="record") as bar:
        for w in chosen:
            for r in range(r_count):
                theta = run.theta[r, w]
                evaluated[r, w] = True
                g = grad(theta)
                best_x, best_g, best_d = theta, np.inf, 0.0
                if g is not None:
                    gnorm[r, w] = best_g = float(np.linalg.norm(g))
                if best_g > eps and cand.size:
                    dist = np.linalg.norm(cand - theta, axis=1)
                    j = int(np.argmin(dist))
                    if dist[j] <= gamma:
                        best_x, best_g, best_d = cand[j], float(np.linalg.norm(grad(cand[j]))), float(dist[j])
                if best_g > eps and method == "search":
                    starts = [theta]
                    if cand.size:
                        dist = np.linalg.norm(cand - theta, axis=1)
                        j = int(np.argmin(dist))
                        starts.append(theta + (cand[j] - theta) * min(1.0, gamma / max(dist[j], 1e-300)))
                    x, gx = _search(grad, theta, gamma, eps, starts)
                    if gx < best_g:
                        best_x, best_g, best_d = x, gx, float(np.linalg.norm(x - theta))
                wdist[r, w], wgrad[r, w] = (best_d, best_g) if np.isfinite(best_g) else (np.inf, np.inf)
                stationary[r, w] = bool(best_g <= eps and best_d <= gamma * (1.0 + RADIUS_SLACK))
                bar.update(1)
                if stationary[r, w] and first[w] < 0:
                    first[w] = int(run.iterations[r])
                    witnesses[w] = np.array(best_x)
                    if stop_at_first:
                        bar.update(r_count - r - 1)
                        break
    return StationarityCheck(iterations=run.iterations, eps=eps, gamma=gamma, eta=eta, lam=lam, momentum=beta,
                             gradient_norm=gnorm, witness_distance=wdist, witness_gradient_norm=wgrad,
                             stationary=stationary, evaluated=evaluated, first_iteration=first,
                             witnesses=tuple(witnesses), candidates=cand, method=method)
