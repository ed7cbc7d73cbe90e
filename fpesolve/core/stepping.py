r"""Fixed-step time integration and uniformization of :math:`\dot m = Qm` (O(N) per step).

``"backward-euler"``
    :math:`(I - \Delta t\,Q)\,m^{n+1} = m^n`, first order, L-stable.  The
    solve has no subtraction (see :mod:`fpesolve.core._solver_kernels`), so
    :math:`m \ge 0` for every :math:`\Delta t` up to 1e300 — in floating point,
    not only in exact arithmetic — and each step then imposes its exact mass
    balance (mass before = mass after + outflow) by one positive factor, so the
    mass does not drift over many steps.  The local error
    :math:`\tfrac12\|(I-\Delta tQ)^{-1}\Delta - \Delta\|_1` is summed into
    the reported error (one more solve per step).
``"tr-bdf2"`` with a fixed ``dt``
    The L-stable second-order TR-BDF2 (:math:`\gamma = 2-\sqrt2`) with the
    embedded error estimate of Hosea & Shampine (1996) summed over the steps.
    No second-order linear method is positive for every step (Bolley &
    Crouzeix 1978); a step too large for the data undershoots.  Negative
    masses are set to zero and the mass restored, the change is added to the
    error, and an :class:`~fpesolve.AccuracyWarning` says so when the
    removed mass exceeds round-off.  ``positivity_start=k`` replaces the
    first step by ``k`` backward-Euler sub-steps (rough data).  For error
    control use ``rtol`` without ``dt`` (:mod:`fpesolve.core.trbdf2`).
``"uniformization"`` (alias ``"exponential"``)
    :math:`e^{tQ}m` as a Poisson mixture of powers of :math:`I + Q/\lambda`
    (non-negative terms), truncated at 1e-15; the cost grows like
    :math:`\lambda t` with :math:`\lambda \sim D/h^2` the largest exit rate,
    so it is guarded by the cost limit and the contour is the route to use
    beyond short horizons.
"""

from __future__ import annotations

import math
import warnings
from typing import Optional

import numpy as np

from . import _solver_kernels as _kernels
from .._util.errors import AccuracyWarning, ConvergenceError
from .discretize import Discretization
from .propagation import Propagation, check_cost

__all__ = ["backward_euler", "trbdf2_fixed", "uniformization", "UNIFORMIZATION_TOLERANCE", "MAX_POISSON_TERMS",
           "CLIP_WARNING"]

#: truncation of the Poisson series of uniformization
UNIFORMIZATION_TOLERANCE = 1e-15
#: Poisson terms allowed in one uniformization sub-step (rate * dt <= 32 needs ~120)
MAX_POISSON_TERMS = 10_000
#: negative mass (summed over the steps) above which fixed-step TR-BDF2 warns that its step is too large
CLIP_WARNING = 1e-12
_STEP_ROUNDING = 1e-12


def _step_counts(times: np.ndarray, dt: float) -> np.ndarray:
    spans = np.diff(np.concatenate(([0.0], times)))
    return np.where(spans > 0, np.maximum(1, np.ceil(spans / dt * (1 - _STEP_ROUNDING))), 0).astype(np.int64), spans


def _check_dt(dt) -> float:
    try:
        dt = float(dt)
    except (TypeError, ValueError):
        raise TypeError(f"`dt` must be a number, got {dt!r}") from None
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"`dt` must be a finite positive time step, got {dt!r}")
    return dt


def backward_euler(disc: Discretization, m0: np.ndarray, times: np.ndarray, dt: float,
                   cost_limit: Optional[float] = None, bar=None) -> Propagation:
    """Fixed-step backward Euler (see the module notes); ``dt`` is the largest step."""
    dt = _check_dt(dt)
    n = disc.grid.n
    counts, spans = _step_counts(times, dt)
    check_cost("backward-euler", float(counts.sum()), n, cost_limit, f"{float(counts.sum()):.3g} steps of dt = {dt:g}",
               "method='contour' computes exp(tQ) p0 to ~1e-13 at O(N) cost per output time")
    run = Propagation.empty(times.size, n, f"backward Euler, fixed dt <= {dt:g}")
    up, down, out = (np.ascontiguousarray(a) for a in (disc.up, disc.down, disc.out))
    m = np.array(m0, dtype=float)
    pivot, lower, y, work = (np.empty(n) for _ in range(4))
    factored = None
    err = left = right = 0.0
    for k, (steps, span) in enumerate(zip(counts, spans)):
        if steps:
            h = span / steps
            alpha, beta = _kernels.shift_coefficients(h)
            if factored != h:
                _kernels.positive_factor(up, down, out, alpha, beta, pivot, lower)
                factored = h
            dl, dr, de = _kernels.backward_euler_steps(up, down, out, alpha, beta, pivot, lower, m, int(steps), y, work)
            left, right, err = left + dl, right + dr, err + de
            run.n_steps += int(steps)
            run.n_solves += 2 * int(steps)
            if bar is not None:
                bar.update(span)
        run.masses[k] = m
        run.error[k] = min(err, 2.0 * float(np.sum(m0)))
        run.absorbed_left[k], run.absorbed_right[k] = left, right
    return run


def trbdf2_fixed(disc: Discretization, m0: np.ndarray, times: np.ndarray, dt: float, positivity_start: int = 0,
                 cost_limit: Optional[float] = None, bar=None) -> Propagation:
    """Fixed-step TR-BDF2 with error estimate and positivity by projection (see the module notes)."""
    dt = _check_dt(dt)
    if isinstance(positivity_start, (bool, np.bool_)) or not isinstance(positivity_start, (int, np.integer)) \
            or positivity_start < 0:
        raise ValueError(f"`positivity_start` must be an integer >= 0 (backward-Euler sub-steps replacing the "
                         f"first step), got {positivity_start!r}")
    n = disc.grid.n
    counts, spans = _step_counts(times, dt)
    check_cost("tr-bdf2", float(counts.sum()) + positivity_start, n, cost_limit,
               f"{float(counts.sum()):.3g} steps of dt = {dt:g}",
               "method='contour' computes exp(tQ) p0 to ~1e-13 at O(N) cost per output time")
    start = f", first step as {positivity_start} backward-Euler sub-steps" if positivity_start else ""
    run = Propagation.empty(times.size, n, f"TR-BDF2, fixed dt <= {dt:g}{start}")
    up, down, out = (np.ascontiguousarray(a) for a in (disc.up, disc.down, disc.out))
    m = np.array(m0, dtype=float)
    arrays = [np.empty(n) for _ in range(8)]
    y_1, z, rhs, work, piv_g, low_g, piv_1, low_1 = arrays
    totals = np.zeros(5)  # error, lost left, lost right, clipped, change
    first = True
    for k, (steps, span) in enumerate(zip(counts, spans)):
        if steps:
            h = span / steps
            if first and positivity_start > 0:
                hb = h / positivity_start
                alpha, beta = _kernels.shift_coefficients(hb)
                _kernels.positive_factor(up, down, out, alpha, beta, piv_1, low_1)
                dl, dr, de = _kernels.backward_euler_steps(up, down, out, alpha, beta, piv_1, low_1, m,
                                                           int(positivity_start), y_1, work)
                totals[0] += de
                totals[1] += dl
                totals[2] += dr
                steps -= 1
                run.n_steps += int(positivity_start)
                run.n_solves += 2 * int(positivity_start)
            first = False
            if steps > 0:
                _kernels.trbdf2_fixed_steps(up, down, out, h, m, int(steps), y_1, z, rhs, work, piv_g, low_g,
                                            piv_1, low_1, totals)
                run.n_steps += int(steps)
                run.n_solves += 3 * int(steps)
            if bar is not None:
                bar.update(span)
        run.masses[k] = m
        run.error[k] = min(totals[0] + totals[4], 2.0 * float(np.sum(m0)))
        run.clipped[k] = totals[3]
        run.absorbed_left[k], run.absorbed_right[k] = totals[1], totals[2]
    if totals[3] > CLIP_WARNING:
        run.message = (f"fixed-step TR-BDF2 undershot: negative mass {totals[3]:.3g} was set to zero (included in "
                       f"the error estimate {run.error[-1]:.3g}); use a smaller `dt`, method='tr-bdf2' with `rtol` "
                       f"and no `dt` (error control), or method='contour' (exact in time)")
        warnings.warn(run.message, AccuracyWarning, stacklevel=4)
    return run


def uniformization(disc: Discretization, m0: np.ndarray, times: np.ndarray, cost_limit: Optional[float] = None,
                   bar=None) -> Propagation:
    """:math:`e^{tQ}m_0` by uniformization (non-negative terms; cost ~ largest exit rate x t)."""
    n = disc.grid.n
    rate = float(np.max(disc.exit_rates)) * (1.0 + 1e-12)
    spans = np.diff(np.concatenate(([0.0], times)))
    products = float(np.sum(rate * spans * 1.5 + 50.0 * np.ceil(rate * spans / 32.0) * (spans > 0)))
    check_cost("uniformization", products, n, cost_limit, f"~{products:.3g} matrix-vector products "
               f"(largest exit rate {rate:.3g} x t = {float(times[-1]):g})",
               "method='contour' computes exp(tQ) p0 to ~1e-13 in O(N) per output time whatever t")
    run = Propagation.empty(times.size, n, "uniformization (Poisson series, truncation 1e-15)")
    up, down, out = (np.ascontiguousarray(a) for a in (disc.up, disc.down, disc.out))
    m = np.array(m0, dtype=float)
    work, nxt = np.empty(n), np.empty(n)
    absorbed = np.zeros(2)
    mass0 = float(m.sum())
    err = 0.0
    for k, span in enumerate(spans):
        if span > 0:
            used = _kernels.uniformization(up, down, out, rate, float(span), m, work, nxt, UNIFORMIZATION_TOLERANCE,
                                           MAX_POISSON_TERMS, absorbed)
            if used < 0:
                raise ConvergenceError(f"uniformization needed more than {MAX_POISSON_TERMS} Poisson terms in one "
                                       f"sub-step; use method='contour'")
            run.n_solves += used
            err += UNIFORMIZATION_TOLERANCE * math.ceil(rate * span / 32.0) * mass0
            if bar is not None:
                bar.update(span)
        run.masses[k] = m
        run.error[k] = err
        run.absorbed_left[k], run.absorbed_right[k] = absorbed
    return run
