r"""The Fokker–Planck equation under a learning-rate schedule, and escape probabilities within a horizon.

Under a schedule :math:`\eta_k` (:mod:`fpesolve.core.schedules`) iteration
:math:`k` lasts the time :math:`\eta_k` with the generator
:math:`Q(\eta_k)`.  In the iteration variable :math:`s` (with
:math:`dt = \eta\,ds`) the masses obey

.. math:: \frac{dm}{ds} = \eta(s - \tfrac12)\;Q\big(\eta(s - \tfrac12)\big)\,m ,

with :math:`\eta(\cdot)` the schedule's continuous form (see the
:mod:`~fpesolve.core.schedules` notes for why the half-iteration shift).
:math:`Q(\eta)` is rebuilt in O(N) from the :math:`\eta`-free integrals
:math:`J_i = \int_{x_i}^{x_{i+1}} L'/\Sigma` kept by the discretisation
(:meth:`~fpesolve.core.discretize.Discretization.rates_at`); no quadrature
is repeated.

* Piecewise-constant schedules are propagated exactly piece by piece
  (contour route, :mod:`fpesolve.core.contour`).
* Other schedules use error-controlled TR-BDF2 in :math:`s`
  (:mod:`fpesolve.core.trbdf2`) with steps ending on the schedule's kinks.

:func:`escape_probability` puts an absorbing end at the target and reports
the absorbed mass after ``n_iterations``: the probability that the
diffusion started at ``start`` has reached ``target`` by then, with the
time error of the propagation and the spatial error from a second grid
with twice the cells.  Simulated SGD run with the same schedule
(``schedule.etas(n_iterations)`` drives it) is the independent check of the
whole diffusion picture; that comparison belongs to the SGD layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import numpy as np

from .._util.errors import IllPosedError
from .._util.progress import progress_bar
from .._util.result import Result
from .._util.validation import positive_int
from . import contour, trbdf2
from .discretize import Discretization, discretize
from .evolve import Evolution
from .grid import Grid
from .landscape import Landscape
from .propagation import Propagation, check_times
from .schedules import Schedule, as_schedule

__all__ = ["evolve_schedule", "propagate_schedule", "escape_probability", "EscapeProbability", "ESCAPE_CELLS"]

#: cells of the coarser of the two grids of escape_probability (the finer has twice as many)
ESCAPE_CELLS = 1000


def propagate_schedule(disc: Discretization, schedule: Schedule, m0: np.ndarray, iterations: np.ndarray, *,
                       rtol: Optional[float] = None, atol: Optional[float] = None,
                       cost_limit: Optional[float] = None, bar=None) -> Propagation:
    """Masses after each of ``iterations`` (non-decreasing, real) under ``schedule``, from ``m0`` at iteration 0."""
    n = disc.grid.n
    if schedule.piecewise_constant:
        return _piecewise(disc, schedule, m0, iterations, cost_limit, bar)
    rebuild = disc.rate_builder()

    def rates(s, u, d, r):
        eta = float(schedule.rate(max(s - 0.5, 0.0)))
        rebuild(eta, u, d, r, eta)

    s_end = float(iterations[-1]) if iterations.size else 0.0
    kinks = schedule.kinks_between(-0.5, s_end) + 0.5
    run = trbdf2.integrate(rates, n, m0, iterations, autonomous=False, breakpoints=kinks, rtol=rtol, atol=atol,
                           unit="iteration", bar=bar, label="TR-BDF2 in SGD iterations")
    run.method = f"{run.method}, schedule: {schedule.description}"
    return run


def _piecewise(disc, schedule, m0, iterations, cost_limit, bar) -> Propagation:
    """Exact propagation over each constant piece (contour), outputs inside pieces from the piece's start."""
    run = Propagation.empty(iterations.size, disc.grid.n, "")
    starts = [p[0] for p in schedule.pieces] + [math.inf]
    m = np.array(m0, dtype=float)
    err = left = right = clipped = 0.0
    done = used = 0
    for (start, eta), stop in zip(schedule.pieces, starts[1:]):
        if done >= iterations.size:
            break
        count = int(np.searchsorted(iterations[done:], stop, side="right"))
        lengths = list(iterations[done:done + count] - start)
        reach_end = math.isfinite(stop) and iterations[-1] > stop
        if reach_end:
            lengths.append(stop - start)
        if not lengths:
            continue
        sub = contour.propagate(disc.at_eta(eta), m, np.asarray(lengths) * eta, cost_limit=cost_limit)
        used += 1
        run.n_solves += sub.n_solves
        for i in range(count):
            run.masses[done + i] = sub.masses[i]
            run.error[done + i] = err + sub.error[i]
            run.clipped[done + i] = clipped + sub.clipped[i]
            run.absorbed_left[done + i] = left + sub.absorbed_left[i]
            run.absorbed_right[done + i] = right + sub.absorbed_right[i]
        done += count
        if reach_end:
            m = sub.masses[-1].copy()
            err += sub.error[-1]
            clipped += sub.clipped[-1]
            left += sub.absorbed_left[-1]
            right += sub.absorbed_right[-1]
        if bar is not None:
            bar.update(min(stop, float(iterations[-1])) - start)
    run.method = f"contour piece by piece ({used} constant pieces), schedule: {schedule.description}"
    return run


def evolve_schedule(fp, schedule, p0, iterations: Sequence[float], *, rtol: Optional[float] = None,
                    atol: Optional[float] = None, cost_limit: Optional[float] = None, progress=None) -> Evolution:
    """Evolve the density ``p0`` of ``fp`` under a learning-rate schedule; see :meth:`fpesolve.FokkerPlanck.evolve_schedule`."""
    sched = as_schedule(schedule)
    s_out = check_times(iterations, "iterations")
    p = fp.density_from(p0)
    with progress_bar(progress, float(s_out[-1]), "evolve (schedule)", unit="iteration") as bar:
        run = propagate_schedule(fp.discretization, sched, p * fp.grid.widths, s_out, rtol=rtol, atol=atol,
                                 cost_limit=cost_limit, bar=bar)
    return Evolution.from_propagation(run, sched.time_of(s_out), fp.grid, iterations=s_out)


# ---------------------------------------------------------------------------------------------- escape
@dataclass(frozen=True, repr=False)
class EscapeProbability(Result):
    """Probability that the diffusion started at ``start`` has reached ``target`` within a number of SGD iterations.

    Attributes
    ----------
    probability : float
        :math:`P(\\tau_{target} \\le` ``n_iterations``:math:`)` on the finer grid.
    error : float
        Estimated absolute error: ``time_error + spatial_error``.
    time_error, spatial_error : float
        The propagation's own error estimate, and a third of the difference
        to the grid with half the cells (second order in the cell width;
        ``nan``-free: 0 when a single grid was given, see ``message``).
    n_iterations : float
    time : float
        The continuous time :math:`t` reached after ``n_iterations``.
    iterations, probabilities : ndarray
        The escape probability at every requested iteration count (finer grid).
    start, target : float
    n_cells : int
        Cells of the finer grid.
    method : str
    converged : bool
    message : str

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> from fpesolve.core.scheduled import escape_probability
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-5.0, 5.0))
    >>> r = escape_probability(ou, 0.5, 0.0, 1.0, [5, 10])
    >>> bool(r.probabilities[0] < r.probabilities[1] == r.probability)
    True
    """

    probability: float
    error: float
    time_error: float
    spatial_error: float
    n_iterations: float
    time: float
    iterations: np.ndarray
    probabilities: np.ndarray
    start: float
    target: float
    n_cells: int
    method: str
    converged: bool = True
    message: str = ""

    def table(self):
        """The escape probability at each requested iteration count, as a table.

        Returns
        -------
        header : list of str
            ``["iterations", "probability"]``.
        rows : list of list of float
            One ``[iterations, probability]`` row per requested count.
        """
        return ["iterations", "probability"], [[float(k), float(p)] for k, p in zip(self.iterations,
                                                                                   self.probabilities)]

    def summary(self) -> str:
        """The probability with its error and how it was computed.

        Returns
        -------
        str
            One line, plus the ``message`` when there is one.
        """
        text = (f"P(reach {self.target:.6g} from {self.start:.6g} within {self.n_iterations:g} SGD iterations, "
                f"t = {self.time:.6g}) = {self.probability:.10g} +- {self.error:.2g} (time {self.time_error:.2g}, "
                f"space {self.spatial_error:.2g}; {self.n_cells} cells); {self.method}")
        return text + (f"\n{self.message}" if self.message else "")


def _spread_point_mass(grid: Grid, x0: float) -> np.ndarray:
    """Unit mass on the two centres around ``x0`` with mean ``x0`` (a second-order discrete delta)."""
    c = grid.centres
    m = np.zeros(grid.n)
    if x0 <= c[0]:
        m[0] = 1.0
    elif x0 >= c[-1]:
        m[-1] = 1.0
    else:
        i = int(np.searchsorted(c, x0, side="right")) - 1
        w = (x0 - c[i]) / (c[i + 1] - c[i])
        m[i], m[i + 1] = 1.0 - w, w
    return m


def escape_probability(landscape: Landscape, eta: Union[float, Schedule], start, target, n_iterations, *,
                       grid: Optional[Grid] = None, n_cells: Optional[int] = None, rtol: Optional[float] = None,
                       atol: Optional[float] = None, cost_limit: Optional[float] = None,
                       progress=None) -> EscapeProbability:
    r"""Probability that SGD's diffusion reaches ``target`` from ``start`` within ``n_iterations`` iterations.

    The Fokker–Planck equation is solved between the landscape's domain end
    beyond ``start`` (reflecting) and ``target`` (absorbing); the mass absorbed
    by the end of iteration ``n_iterations`` is the probability.  Use the
    saddle between two wells as ``target`` for "left the start basin", the
    other well's minimum for "reached the other well".

    Parameters
    ----------
    landscape : Landscape
    eta : float, Schedule or callable
        A constant learning rate, a schedule (:mod:`fpesolve.core.schedules`),
        or a callable of the iteration (:func:`~fpesolve.core.schedules.from_function`).
    start, target : float or str
        Positions in the domain, or names of wells (``landscape.wells``).
    n_iterations : int, float or sequence
        SGD iterations (the horizon), or several horizons (non-decreasing).
    grid : Grid, optional
        The grid between the reflecting end and ``target`` (then no spatial
        error is estimated).  By default two uniform grids of ``n_cells`` and
        ``2 n_cells`` cells give the value (finer) and its spatial error.
    n_cells : int, optional
        Default :data:`ESCAPE_CELLS`.
    rtol, atol : float, optional
        Tolerances of the time stepping for smooth schedules.
    cost_limit : float, optional
    progress : bool, "auto" or None

    Returns
    -------
    EscapeProbability

    Raises
    ------
    ValueError
        For a target equal to the start, points outside the domain, unknown
        well names, or a probability below float64 (use
        :func:`fpesolve.escape_times`, the exact mean first-passage time in log space).

    Examples
    --------
    Ornstein–Uhlenbeck from 0, killed at 1: with a constant rate the
    probability after :math:`n` iterations is :math:`1 - \sum_j c_j e^{-\lambda_j \eta n}`:

    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> from fpesolve.core.scheduled import escape_probability
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-5.0, 5.0))
    >>> r = escape_probability(ou, 0.5, 0.0, 1.0, 10)
    >>> bool(0.1 < r.probability < 0.9 and r.error < 1e-5)
    True
    """
    sched = as_schedule(eta)
    x0 = landscape.point(start, "start")
    xt = landscape.point(target, "target")
    if x0 == xt:
        raise ValueError(f"`target` = {xt!r} equals `start`; the probability is 1 at iteration 0")
    horizons = check_times(n_iterations, "n_iterations")
    if np.any(np.asarray(horizons) <= 0):
        raise ValueError(f"`n_iterations` must be > 0 (a horizon in SGD iterations), got {n_iterations!r}; the "
                         f"escape probability within 0 iterations is 0")
    a, b = landscape.domain
    if xt > x0:
        lo, hi, boundary, side = a, xt, ("reflecting", "absorbing"), "right"
    else:
        lo, hi, boundary, side = xt, b, ("absorbing", "reflecting"), "left"
    if grid is not None:
        if not isinstance(grid, Grid):
            raise TypeError(f"`grid` must be a fpesolve.Grid, got {type(grid).__name__}")
        if abs(grid.domain[0] - lo) > 1e-12 * (b - a) or abs(grid.domain[1] - hi) > 1e-12 * (b - a):
            raise ValueError(f"`grid` must span [{lo!r}, {hi!r}] (the reflecting end to the target), got {grid!r}")
        grids = [grid]
    else:
        cells = ESCAPE_CELLS if n_cells is None else positive_int(n_cells, "n_cells", minimum=4)
        grids = [Grid.uniform(lo, hi, cells), Grid.uniform(lo, hi, 2 * cells)]
    eta0 = float(sched.rate(0.0)) or float(sched.max_eta(max(int(horizons[-1]), 1)))
    results = []
    with progress_bar(progress, float(len(grids) * horizons[-1]), "escape probability", unit="iteration") as bar:
        for g in grids:
            disc = discretize(landscape, eta0, g, boundary)
            m0 = _spread_point_mass(g, x0)
            run = propagate_schedule(disc, sched, m0, horizons, rtol=rtol, atol=atol, cost_limit=cost_limit, bar=bar)
            absorbed = run.absorbed_right if side == "right" else run.absorbed_left
            results.append((np.array(absorbed, dtype=float), np.array(run.error), run.method))
    probs, time_err, method = results[-1]
    p = float(probs[-1])
    if p == 0.0:
        raise IllPosedError(f"the escape probability from {x0:.6g} to {xt:.6g} within {horizons[-1]:g} iterations "
                            f"underflows float64 (the barrier rates underflow); use fpesolve.escape_times for the exact "
                            f"mean first-passage time in log space")
    if len(results) == 2:
        spatial = abs(p - float(results[0][0][-1])) / 2.0  # second order: (P_2N - P_N)/3, with 1.5x safety
        message = ""
    else:
        spatial = 0.0
        message = "one grid given: the spatial error is not estimated (pass grid=None for two grids)"
    terr = float(time_err[-1])
    return EscapeProbability(probability=p, error=terr + spatial, time_error=terr, spatial_error=spatial,
                             n_iterations=float(horizons[-1]), time=float(sched.time_of(horizons[-1])),
                             iterations=horizons, probabilities=probs, start=x0, target=xt, n_cells=grids[-1].n,
                             method=method, converged=True, message=message)
