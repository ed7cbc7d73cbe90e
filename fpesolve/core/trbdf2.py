r"""Error-controlled TR-BDF2 for :math:`\dot m = Q(s)\,m` (time-dependent rates, e.g. a learning-rate schedule).

The scheme is TR-BDF2 with :math:`\gamma = 2 - \sqrt2` in the form of Hosea
& Shampine (1996, *Appl. Numer. Math.* 20, 21–37): a trapezoidal stage to
:math:`s + \gamma h`, a BDF2 stage to :math:`s + h`, both with the matrix
:math:`I - dhQ` (:math:`d = \gamma/2`), and the embedded third-order
solution giving the local error estimate at no extra stage.  The estimate
is filtered by :math:`(I - dhQ)^{-1}` (one more O(N) solve), which keeps it
meaningful for stiff components, as Hosea & Shampine recommend.

Error norm and control.  Masses are probabilities, so the error is measured
in :math:`\ell^1` (twice the total-variation distance).  A step is accepted
when its estimated local error, plus the :math:`\ell^1` change made by
setting negative masses to zero and restoring the conserved mass, is at most
``atol + rtol * mass``.  The next step is
:math:`h \cdot \min(5, \max(0.2, 0.9\,\mathrm{err}^{-1/3}))`.  Steps end
exactly on every requested output (no interpolation error) and on every
breakpoint of the rates (kinks or jumps of a schedule).

Positivity and mass are therefore guaranteed at every accepted step (by
projection, with its cost inside the error test), and the reported error
of an output is the sum of the accepted local estimates up to it: a bound of
the global :math:`\ell^1` error when the propagator is an :math:`\ell^1`
contraction, as the exact one is.
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np

from . import _solver_kernels as _kernels
from .._util.errors import ConvergenceError
from .propagation import Propagation

__all__ = ["integrate", "DEFAULT_RTOL", "DEFAULT_ATOL", "MAX_STEPS"]

#: default tolerances of the error control (per step, l1 norm of the masses)
DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-12
#: steps allowed in one integration before ConvergenceError
MAX_STEPS = 1_000_000
_SAFETY, _FAC_MIN, _FAC_MAX = 0.9, 0.2, 5.0
_MIN_STEP_RELATIVE = 1e-14

RatesAt = Callable[[float, np.ndarray, np.ndarray, np.ndarray], None]


def check_tolerances(rtol, atol) -> tuple:
    """Validate ``rtol``/``atol`` (defaults :data:`DEFAULT_RTOL`, :data:`DEFAULT_ATOL`)."""
    out = []
    for name, value, default in (("rtol", rtol, DEFAULT_RTOL), ("atol", atol, DEFAULT_ATOL)):
        value = default if value is None else value
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be a number, got {value!r}") from None
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}")
        out.append(value)
    if out[0] < 100 * np.finfo(float).eps and out[1] <= 0:
        raise ValueError(f"`rtol` = {out[0]!r} is below what float64 can deliver (1e-14) and `atol` is 0; "
                         f"use rtol >= 1e-14 or a positive atol")
    return tuple(out)


def integrate(rates_at: RatesAt, n: int, m0: np.ndarray, outputs: Sequence[float], *, start: float = 0.0,
              autonomous: bool = False, breakpoints: Sequence[float] = (), rtol: Optional[float] = None,
              atol: Optional[float] = None, max_steps: int = MAX_STEPS, unit: str = "t", bar=None,
              label: str = "TR-BDF2") -> Propagation:
    """Integrate from ``start`` to each of ``outputs`` (non-decreasing) with error control.

    ``rates_at(s, up, down, out)`` writes the generator's rates at ``s``
    (called once if ``autonomous``).  Returns a :class:`Propagation`.
    """
    rtol, atol = check_tolerances(rtol, atol)
    outputs = np.asarray(outputs, dtype=float)
    up = [np.empty(n - 1) for _ in range(3)]
    down = [np.empty(n - 1) for _ in range(3)]
    out = [np.empty(n) for _ in range(3)]
    cur, mid, end = 0, 1, 2
    rates_at(start, up[cur], down[cur], out[cur])
    if autonomous:
        for j in (mid, end):
            up[j][:], down[j][:], out[j][:] = up[cur], down[cur], out[cur]
    y = np.array(m0, dtype=float)
    y_new = np.empty(n)
    work = [np.empty(n) for _ in range(7)]
    run = Propagation.empty(outputs.size, n, f"{label} with error control (rtol={rtol:g}, atol={atol:g})")
    stops = np.unique(np.asarray([b for b in breakpoints if start < b < (outputs[-1] if outputs.size else start)],
                                 dtype=float))
    s = float(start)
    rate = float(np.max(out[cur] + np.concatenate((up[cur], [0.0])) + np.concatenate(([0.0], down[cur]))))
    tol0 = atol + rtol * float(y.sum())
    span = float(outputs[-1] - start) if outputs.size else 0.0
    # first step: tol^(1/3) of the fastest time scale (the controller adapts it within a few steps)
    h = span if rate <= 0 else min(span, max(tol0, 1e-300) ** (1.0 / 3.0) / rate)
    h = max(h, span * 1e-12)
    err_total = left_total = right_total = clipped_total = 0.0
    just_rejected = False
    for k, target in enumerate(outputs):
        while s < target:
            nxt = target
            later = stops[stops > s]
            if later.size and later[0] < nxt:
                nxt = float(later[0])
            h_try = min(h, nxt - s)
            if nxt - s - h_try <= _MIN_STEP_RELATIVE * max(abs(nxt), 1.0):
                h_try = nxt - s
            if h_try <= _MIN_STEP_RELATIVE * max(abs(s), 1.0) and h_try < nxt - s:
                raise ConvergenceError(f"{label}: the step size fell to {h_try:.3g} at {unit} = {s:.17g}; the "
                                       f"tolerance rtol={rtol:g}, atol={atol:g} cannot be met there (loosen it)")
            if not autonomous:
                rates_at(s + (2.0 - math.sqrt(2.0)) * h_try, up[mid], down[mid], out[mid])
                rates_at(s + h_try, up[end], down[end], out[end])
            err, left, right, clipped, change = _kernels.trbdf2_step(
                up[cur], down[cur], out[cur], up[mid], down[mid], out[mid], up[end], down[end], out[end],
                autonomous, h_try, y, y_new, *work)
            run.n_solves += 3 if autonomous else 4
            mass = float(y.sum())
            tol = atol + rtol * mass
            ratio = (err + change) / tol if tol > 0 else (0.0 if err + change == 0 else math.inf)
            if not math.isfinite(ratio):
                ratio = 1e10
            factor = _SAFETY * ratio ** (-1.0 / 3.0) if ratio > 0 else _FAC_MAX
            if ratio <= 1.0:
                s = nxt if h_try == nxt - s else s + h_try
                y, y_new = y_new, y
                err_total += err + change
                left_total += left
                right_total += right
                clipped_total += clipped
                run.n_steps += 1
                if not autonomous:
                    cur, end = end, cur
                if h_try >= h or factor < 1.0:
                    # no growth right after a rejection (Hairer & Wanner's safeguard against oscillating steps)
                    h = h_try * min(1.0 if just_rejected else _FAC_MAX, max(_FAC_MIN, factor))
                just_rejected = False
                if bar is not None:
                    bar.update(h_try)
            else:
                run.n_rejected += 1
                just_rejected = True
                h = h_try * max(_FAC_MIN, min(factor, 0.9))
            if run.n_steps + run.n_rejected > max_steps:
                raise ConvergenceError(f"{label} needed more than {max_steps} steps to reach {unit} = {target:g} "
                                       f"(at {unit} = {s:.6g}, step {h:.3g}); loosen rtol/atol, use fewer cells, "
                                       f"or raise max_steps")
        run.masses[k] = y
        run.error[k] = min(err_total, 2.0 * float(np.sum(m0)))
        run.clipped[k] = clipped_total
        run.absorbed_left[k], run.absorbed_right[k] = left_total, right_total
    return run
