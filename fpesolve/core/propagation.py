r"""What every time-propagation route returns, and the pieces they share.

A route (contour, eigen-expansion, TR-BDF2, backward Euler, uniformization)
maps initial cell masses :math:`m_0` (:math:`m_i = p_i|c_i|`) to the masses
at the requested times and states, for each time, an estimate of its own
error in the :math:`\ell^1` norm of the masses (twice the total-variation
distance).  :class:`Propagation` is that record; :class:`~fpesolve.core.evolve.Evolution`
is the public result built from it.

Positivity and mass
-------------------
Routes whose arithmetic cannot create negative numbers (backward Euler and
uniformization) never clip.  The others (contour, eigen-expansion,
TR-BDF2) can leave tiny negative masses where the density is below their
absolute accuracy (round-off in the tails) or, for TR-BDF2 with a step that
is too large, a genuine undershoot.  :func:`make_nonnegative` sets every
negative mass to zero and rescales the rest to the conserved mass; the
negative mass removed is reported (``clipped``) and the :math:`\ell^1`
change is added to the error estimate, so the stated error covers it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .._util.errors import CostLimitError

__all__ = ["Propagation", "check_times", "make_nonnegative", "check_cost", "COST_LIMIT_SECONDS",
           "SECONDS_PER_CELL"]

#: default limit on the estimated run time of one evolution (seconds); ``cost_limit=`` overrides it
COST_LIMIT_SECONDS = 120.0

#: measured seconds per cell for one unit of work of each route (benchmarks/bench_transients.py,
#: 2-core machine, one numba thread): a step, a contour node, a matrix–vector product, an eigenvector
SECONDS_PER_CELL = {
    "backward-euler": 1.2e-8,     # two positive solves per step (the step and its error estimate)
    "tr-bdf2": 3.0e-8,            # one factorisation and three solves per step
    "contour": 2.5e-8,            # one complex tridiagonal solve per node
    "uniformization": 4.0e-9,     # one matrix–vector product
    "eigen": 2.0e-7,              # inverse iteration for one eigenvector
}


@dataclass
class Propagation:
    """Masses at the output times with their error estimates (the internal record of every route).

    ``masses`` (T, N); ``error``, ``clipped``, ``absorbed_left``, ``absorbed_right`` (T,);
    ``method`` says what was done; ``n_steps`` integrator steps, ``n_rejected`` rejected steps,
    ``n_solves`` tridiagonal solves (or matrix–vector products for uniformization).
    """

    masses: np.ndarray
    error: np.ndarray
    clipped: np.ndarray
    absorbed_left: np.ndarray
    absorbed_right: np.ndarray
    method: str
    n_steps: int = 0
    n_rejected: int = 0
    n_solves: int = 0
    message: str = ""

    @classmethod
    def empty(cls, n_times: int, n: int, method: str) -> "Propagation":
        z = np.zeros(n_times)
        return cls(masses=np.empty((n_times, n)), error=z.copy(), clipped=z.copy(), absorbed_left=z.copy(),
                   absorbed_right=z.copy(), method=method)


def check_times(times: Sequence[float], name: str = "times") -> np.ndarray:
    """``times`` as a non-empty, non-decreasing 1D float array of finite values >= 0."""
    try:
        t = np.atleast_1d(np.asarray(times, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a sequence of numbers, got {times!r}") from None
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 1D sequence, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"`{name}` must be finite and >= 0, got {times!r}")
    if np.any(np.diff(t) < 0):
        raise ValueError(f"`{name}` must be non-decreasing, got {times!r}")
    return t


def make_nonnegative(m: np.ndarray, target: float) -> tuple:
    """Set negative masses to 0 and rescale to ``target`` in place; returns (negative mass removed, l1 change)."""
    negative = m < 0.0
    clipped = float(-m[negative].sum()) if negative.any() else 0.0
    before = m.copy()
    m[negative] = 0.0
    total = float(m.sum())
    if total > 0.0 and target > 0.0:
        m *= target / total
    elif target <= 0.0:
        m[:] = 0.0
    return clipped, float(np.abs(m - before).sum())


def _format_seconds(seconds: float) -> str:
    if seconds < 1e4:
        return f"{seconds:.3g} s"
    return f"{seconds:.2e} s (~{seconds / 86400.0:.3g} days)"


def check_cost(route: str, units: float, n: int, cost_limit: Optional[float], what: str, faster: str) -> float:
    """Estimated seconds of ``units`` units of ``route`` on ``n`` cells; raise :class:`CostLimitError` above the limit.

    ``what`` describes the work (e.g. "1e12 steps"), ``faster`` the route to
    suggest.  Returns the estimate.
    """
    limit = COST_LIMIT_SECONDS if cost_limit is None else float(cost_limit)
    if not limit > 0:
        raise ValueError(f"`cost_limit` must be a positive number of seconds (or inf), got {cost_limit!r}")
    seconds = float(units) * n * SECONDS_PER_CELL[route]
    if not math.isfinite(seconds) or seconds > limit:
        raise CostLimitError(
            f"method={route!r} would need {what} on {n} cells, an estimated {_format_seconds(seconds)}, above "
            f"`cost_limit` = {limit:g} s; {faster}, or raise `cost_limit` (float('inf') removes the limit)")
    return seconds
