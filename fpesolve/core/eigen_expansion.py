r"""Propagation by the eigen-expansion of the symmetrised generator: an independent check of the contour.

The generator is in detailed balance with the stationary masses :math:`\pi`
(also with absorbing ends, whose exit rates only add to the diagonal), so
:math:`S = \Pi^{-1/2} Q\,\Pi^{1/2}` is the symmetric tridiagonal matrix with
diagonal :math:`-\sum_j Q_{ji}` and off-diagonal :math:`\sqrt{a_i b_i}`.
With :math:`S = V\Lambda V^T` (LAPACK through
:func:`scipy.linalg.eigh_tridiagonal`)

.. math:: m(t) = \Pi^{1/2}\, V e^{\Lambda t} V^T\, \Pi^{-1/2} m_0

for every :math:`t` at once.  Only the modes with
:math:`|\lambda| t_{min} \le 40 + \ln\|c\|` can contribute above
:math:`e^{-40}` at the earliest positive output time, so only those are
computed (``select='v'``): the long-time case costs a few modes.  With two
reflecting ends the null vector is set to the exact :math:`\pi^{1/2}` and the
other vectors are orthogonalised against it.

Accuracy: LAPACK's eigenvalues carry an absolute error of about
:math:`\epsilon\|S\|`, so a slow rate far below :math:`\epsilon\|S\|`
(a metastable gap) is not resolved relatively and :math:`e^{-\lambda t}`
is wrong at :math:`t \gtrsim 1/\lambda`.  The error estimate says so:
:math:`\ell^1` error :math:`\le (\epsilon\|S\|\,t + 16 N\epsilon)\,\|c\|_2`
with :math:`c = V^T\Pi^{-1/2}m_0` (plus the dropped modes' bound and the
clipped mass); above :data:`MAX_ERROR` it raises
:class:`~fpesolve.ConvergenceError` rather than answer.  This route is the
cross-check; the contour is the default.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from scipy.linalg import eigh_tridiagonal

from .._util.errors import ConvergenceError
from .discretize import Discretization
from .propagation import Propagation, check_cost, make_nonnegative

__all__ = ["propagate", "MAX_CELLS_ALL_MODES", "MAX_ERROR"]

#: largest grid for which every mode is computed (memory N^2 doubles: 200 MB at 5000)
MAX_CELLS_ALL_MODES = 5000
#: estimated l1 error (relative to the mass) above which the route raises instead of answering
MAX_ERROR = 1e-6
#: modes decayed below exp(-_CUTOFF) relative at the earliest output time are dropped
_CUTOFF = 40.0
_ORTHOGONALITY_ULPS = 16.0


def propagate(disc: Discretization, m0: np.ndarray, times: np.ndarray, cost_limit: Optional[float] = None,
              bar=None) -> Propagation:
    """Masses :math:`e^{tQ}m_0` at each of ``times`` from the eigenpairs of the symmetrised generator."""
    n = disc.grid.n
    times = np.asarray(times, dtype=float)
    m0 = np.asarray(m0, dtype=float)
    logpi = np.asarray(disc.log_stationary_mass)
    with np.errstate(divide="ignore"):
        log_c_in = np.where(m0 > 0, np.log(np.where(m0 > 0, m0, 1.0)) - 0.5 * logpi, -np.inf)
    if np.max(log_c_in) > 300.0:
        raise ValueError("the eigen-expansion cannot represent this start: its mass sits where the stationary mass "
                         "is below ~1e-260 (Pi^{-1/2} m0 overflows in the norms); use method='contour'")
    scaled = np.where(m0 > 0, np.exp(log_c_in), 0.0)   # Pi^{-1/2} m0
    sqrt_pi = np.exp(0.5 * logpi)
    diag = -np.asarray(disc.exit_rates)
    off = np.sqrt(np.asarray(disc.up) * np.asarray(disc.down))
    norm_s = float(np.max(np.abs(diag)) + 2.0 * np.max(off))
    norm_c = float(np.linalg.norm(scaled))
    t_min = float(times[times > 0].min()) if np.any(times > 0) else math.inf
    lam_cut = (_CUTOFF + max(math.log(norm_c), 0.0)) / t_min if math.isfinite(t_min) else math.inf
    both_absorbing = disc.boundary == ("absorbing", "absorbing")
    # with two absorbing ends the split of the absorbed mass needs the fast modes' time integrals too
    select_all = both_absorbing or not lam_cut < norm_s
    if select_all and n > MAX_CELLS_ALL_MODES:
        raise ValueError(f"the eigen-expansion at t = {t_min:g} needs every mode of a {n}-cell grid (more than "
                         f"{MAX_CELLS_ALL_MODES}, memory N^2); use method='contour' or later output times")
    check_cost("eigen", n if select_all else min(n, 64), n, cost_limit, "the eigenvectors",
               "method='contour' costs O(N) per output time")
    if select_all:
        lam, vec = eigh_tridiagonal(diag, off)
    else:
        # LAPACK's eigenvalues are accurate to ~eps |S| absolutely: widen the window by that much
        margin = _ORTHOGONALITY_ULPS * n * np.finfo(float).eps * norm_s
        lam, vec = eigh_tridiagonal(diag, off, select="v", select_range=(-lam_cut - margin, norm_s))
    lam = -lam  # rates >= 0
    if disc.reflecting:
        # the computed vector most aligned with the exact null vector pi^{1/2} is replaced by it (choosing by the
        # eigenvalue instead fails when a metastable rate is as small as LAPACK's ~eps|S| absolute error: the two
        # vectors of that cluster come out in an arbitrary rotation); the others are orthogonalised against it
        null = sqrt_pi / np.linalg.norm(sqrt_pi)
        j0 = int(np.argmax(np.abs(null @ vec)))
        lam[j0] = 0.0
        vec[:, j0] = null
        others = np.arange(lam.size) != j0
        vec[:, others] -= np.outer(null, null @ vec[:, others])
        vec[:, others] /= np.linalg.norm(vec[:, others], axis=0)
        # their rates as Rayleigh quotients of the symmetric S (the rotation changed the cluster's vectors)
        sv = diag[:, None] * vec[:, others]
        sv[:-1] += off[:, None] * vec[1:, others]
        sv[1:] += off[:, None] * vec[:-1, others]
        lam[others] = -np.einsum("ij,ij->j", vec[:, others], sv)
    lam = np.maximum(lam, 0.0)
    coef = vec.T @ scaled
    k = lam.size
    run = Propagation.empty(times.size, n, f"eigen-expansion (LAPACK eigh_tridiagonal, {k} of {n} modes)")
    run.n_solves = k
    mass0 = float(m0.sum())
    eps = np.finfo(float).eps
    for i, t in enumerate(times):
        if t == 0.0:
            run.masses[i] = m0
            continue
        m = sqrt_pi * (vec @ (np.exp(-lam * t) * coef))
        dropped = 0.0 if select_all else math.exp(-lam_cut * t) * norm_c
        target = mass0 if disc.reflecting else min(max(float(m.sum()), 0.0), mass0)
        clipped, change = make_nonnegative(m, target)
        run.masses[i] = m
        run.clipped[i] = clipped
        run.error[i] = min((eps * norm_s * t + _ORTHOGONALITY_ULPS * n * eps) * norm_c + dropped + change,
                           2.0 * mass0)
        if bar is not None:
            bar.update(1)
    if both_absorbing:
        # mass left through each end by t: sum_j (o . Pi^{1/2} v_j) c_j (1 - e^{-lambda_j t}) / lambda_j
        outs = np.asarray(disc.out)
        flux = np.array([outs[0] * sqrt_pi[0] * vec[0], outs[-1] * sqrt_pi[-1] * vec[-1]]) * coef
        with np.errstate(divide="ignore", invalid="ignore"):
            for i, t in enumerate(times):
                integral = np.where(lam > 0, -np.expm1(-lam * t) / np.where(lam > 0, lam, 1.0), t)
                run.absorbed_left[i], run.absorbed_right[i] = np.clip(flux @ integral, 0.0, mass0)
    elif not disc.reflecting:
        gone = np.clip(mass0 - run.masses.sum(axis=1), 0.0, mass0)
        (run.absorbed_left if disc.boundary[0] == "absorbing" else run.absorbed_right)[:] = gone
    worst = float(np.max(run.error))
    if worst > MAX_ERROR * max(mass0, 1e-300):
        raise ConvergenceError(f"the eigen-expansion's estimated l1 error is {worst:.3g} (the start's coefficients "
                               f"||Pi^(-1/2) m0|| = {norm_c:.3g} amplify LAPACK's eps |S| = {eps * norm_s:.3g}); "
                               f"use method='contour'")
    return run
