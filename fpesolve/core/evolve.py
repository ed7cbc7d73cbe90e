r"""Time evolution of the semi-discrete Fokker–Planck equation :math:`\dot m = Qm`: the dispatcher and its result.

Methods (``method=``, the registry :data:`METHODS`):

``"contour"`` (the default)
    :math:`e^{tQ}m_0` exactly in time by a Talbot contour integral of the
    resolvent, O(N) per output time whatever ``t`` (:mod:`fpesolve.core.contour`);
    error ~1e-14 in :math:`\ell^1`.
``"eigen"``
    The eigen-expansion of the symmetrised generator (LAPACK), an
    independent check (:mod:`fpesolve.core.eigen_expansion`).
``"tr-bdf2"``
    Without ``dt``: error-controlled TR-BDF2 with ``rtol``/``atol``
    (:mod:`fpesolve.core.trbdf2`).  With ``dt``: fixed steps, error
    estimated (:mod:`fpesolve.core.stepping`).
``"backward-euler"``
    Fixed steps ``dt`` (required), positive for every step size.
``"uniformization"`` (alias ``"exponential"``)
    Poisson series, guarded by the cost limit.

Every route returns the masses with an estimate of their :math:`\ell^1`
error, non-negative densities (see :mod:`fpesolve.core.propagation` for how
each route guarantees it), the mass that left through absorbing ends, and
how the numbers were computed (``method``).  Before starting, the cost is
estimated; above ``cost_limit`` seconds a :class:`~fpesolve.CostLimitError`
names the estimate and the faster route.  With ``method=None`` and ``dt``
given, fixed-step TR-BDF2 is used (the behaviour of fpesolve 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import positive_int
from .._util.progress import progress_bar
from .._util.result import Result
from . import contour, eigen_expansion, stepping, trbdf2
from .discretize import Discretization
from .grid import Grid
from .propagation import Propagation, check_times

__all__ = ["Evolution", "METHODS", "ALIASES", "evolve_masses", "canonical_method", "evolve"]


def _contour(disc, m0, t, o):
    _unused(o, ("rtol", "atol"), "contour")
    return contour.propagate(disc, m0, t, cost_limit=o["cost_limit"], bar=o["bar"])


def _eigen(disc, m0, t, o):
    _unused(o, ("rtol", "atol"), "eigen")
    return eigen_expansion.propagate(disc, m0, t, cost_limit=o["cost_limit"], bar=o["bar"])


def _tr_bdf2(disc, m0, t, o):
    if o["dt"] is not None:
        _unused(o, ("rtol", "atol"), "tr-bdf2 with a fixed `dt`")
        return stepping.trbdf2_fixed(disc, m0, t, o["dt"], o["positivity_start"], o["cost_limit"], o["bar"])
    if o["positivity_start"]:
        raise ValueError("`positivity_start` is for fixed steps (`dt`); error-controlled TR-BDF2 keeps the density "
                         "non-negative by itself")
    up, down, out = (np.asarray(a) for a in (disc.up, disc.down, disc.out))

    def rates(_s, u, d, r):
        u[:], d[:], r[:] = up, down, out

    return trbdf2.integrate(rates, disc.grid.n, m0, t, autonomous=True, rtol=o["rtol"], atol=o["atol"],
                            bar=o["bar"])


def _backward_euler(disc, m0, t, o):
    _unused(o, ("rtol", "atol"), "backward-euler")
    if o["dt"] is None:
        raise ValueError("method='backward-euler' is a fixed-step first-order method and needs `dt`; for accuracy "
                         "without choosing a step use method='contour' (exact in time) or 'tr-bdf2' with `rtol`")
    return stepping.backward_euler(disc, m0, t, o["dt"], o["cost_limit"], o["bar"])


def _uniformization(disc, m0, t, o):
    _unused(o, ("rtol", "atol"), "uniformization")
    return stepping.uniformization(disc, m0, t, o["cost_limit"], o["bar"])


#: method name -> implementation ``f(discretization, m0, times, options) -> Propagation``
METHODS: Dict[str, Callable] = {
    "contour": _contour,
    "eigen": _eigen,
    "tr-bdf2": _tr_bdf2,
    "backward-euler": _backward_euler,
    "uniformization": _uniformization,
}
#: other spellings accepted for ``method``
ALIASES = {"talbot": "contour", "eigen-expansion": "eigen", "trbdf2": "tr-bdf2", "be": "backward-euler",
           "implicit-euler": "backward-euler", "exponential": "uniformization", "expm": "uniformization"}


def _unused(options: dict, names: Tuple[str, ...], method: str) -> None:
    given = [k for k in names if options.get(k) is not None]
    if given:
        raise ValueError(f"`{given[0]}` is not used by method={method!r} (its error is reported in "
                         f"Evolution.error); for error control with a tolerance use method='tr-bdf2' without `dt`")


def canonical_method(method: Optional[str], dt: Optional[float] = None) -> str:
    """The registry key for ``method`` (``None``: contour, or fixed-step TR-BDF2 when ``dt`` is given)."""
    if method is None or method == "auto":
        return "tr-bdf2" if dt is not None else "contour"
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a string, one of {sorted(METHODS)}, got {method!r}")
    key = method.lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in METHODS:
        raise ValueError(f"`method` must be one of {sorted(METHODS)} (or an alias in {sorted(ALIASES)}), "
                         f"got {method!r}")
    return key


def evolve_masses(disc: Discretization, m0: np.ndarray, times: Sequence[float], method: Optional[str] = None, *,
                  dt: Optional[float] = None, rtol: Optional[float] = None, atol: Optional[float] = None,
                  positivity_start: int = 0, cost_limit: Optional[float] = None, progress=False) -> Propagation:
    """Advance cell masses ``m0`` to each of ``times`` by ``method``; returns a :class:`~fpesolve.core.propagation.Propagation`."""
    key = canonical_method(method, dt)
    t = check_times(times)
    positivity_start = positive_int(positivity_start, "positivity_start", minimum=0)
    if key not in ("tr-bdf2", "backward-euler"):
        for name, value, unused in (("dt", dt, None), ("positivity_start", positivity_start, 0)):
            if value is not None and value != unused:
                raise ValueError(f"`{name}` is not used by method={key!r} (it is exact in time); drop it, or use "
                                 f"method='tr-bdf2' or 'backward-euler' for fixed steps")
    m0 = np.ascontiguousarray(m0, dtype=float)
    unit = "t" if key in ("tr-bdf2", "backward-euler", "uniformization") else "time"
    total = float(t[-1]) if unit == "t" else float(t.size)
    with progress_bar(progress, total, f"evolve ({key})", unit=unit) as bar:
        options = {"dt": dt, "rtol": rtol, "atol": atol, "positivity_start": positivity_start,
                   "cost_limit": cost_limit, "bar": bar}
        run = METHODS[key](disc, m0, t, options)
    if not np.all(np.isfinite(run.masses)):
        raise FloatingPointError(f"method={key!r} produced a non-finite density before t = {float(t[-1])!r}; "
                                 f"this is a bug, please report it with the landscape")
    return run


@dataclass(frozen=True, repr=False)
class Evolution(Result):
    """Densities of the Fokker–Planck equation at requested times, with their error.

    Attributes
    ----------
    times : ndarray, shape (T,)
        Continuous times :math:`t` (SGD iterations are :attr:`iterations`).
    densities : ndarray, shape (T, N)
        :math:`p(t_k, x_i) \\ge 0` at the cell centres (units 1/[theta]).
    grid : Grid
    method : str
        How the densities were computed (route and its settings).
    error : ndarray, shape (T,)
        Estimated :math:`\\ell^1` error of the cell masses :math:`p_i|c_i|`
        at each time (twice a total-variation distance), in time only: the
        spatial error of the grid is not part of it.
    clipped : ndarray, shape (T,)
        Negative mass set to zero (round-off of the contour and eigen routes,
        undershoot of TR-BDF2), cumulated up to each time; included in ``error``.
    absorbed_left, absorbed_right : ndarray, shape (T,)
        Mass that left through each absorbing end by each time (0 at a reflecting end).
    n_steps, n_rejected : int
        Integrator steps taken and rejected (0 for the contour and eigen routes).
    n_solves : int
        Tridiagonal solves (matrix–vector products for uniformization, eigenvectors for eigen).
    iterations : ndarray, shape (T,) or None
        The times in SGD iterations (:math:`t/\\eta`, or the schedule's map).
    converged : bool
        Whether the route met its promised accuracy (a result that did not is
        returned only with ``converged=False`` and a ``message``, never silently).
    message : str
        Notes of the route (empty when there are none).

    Examples
    --------
    Ornstein–Uhlenbeck :math:`d\\theta = -\\theta\\,dt + \\sqrt{\\eta}\\,dW` from
    the cell centred at :math:`c`: the mean is :math:`c e^{-t}` and the
    variance :math:`\\frac{\\eta}{2}(1 - e^{-2t})` (plus the cell's
    :math:`h^2/12 \\cdot e^{-2t}`), here to the :math:`O(h^2)` of the grid:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
    >>> fp = FokkerPlanck(ou, 0.5, 800)
    >>> c, h = fp.grid.centres[fp.grid.cell_of(1.0)], fp.grid.widths[0]
    >>> ev = fp.evolve(fp.point_mass(1.0), [0.5, 1.0, 2.0])
    >>> t = ev.times
    >>> bool(np.allclose(ev.means, c * np.exp(-t), atol=1e-4))
    True
    >>> bool(np.allclose(ev.variances, 0.25 * (1 - np.exp(-2 * t)) + h**2 / 12 * np.exp(-2 * t), atol=1e-4))
    True
    >>> ev.iterations.tolist(), bool(ev.error.max() < 1e-10)
    ([1.0, 2.0, 4.0], True)
    """

    times: np.ndarray
    densities: np.ndarray
    grid: Grid
    method: str
    error: np.ndarray
    clipped: np.ndarray
    absorbed_left: np.ndarray
    absorbed_right: np.ndarray
    n_steps: int = 0
    n_rejected: int = 0
    n_solves: int = 0
    iterations: Optional[np.ndarray] = None
    converged: bool = True
    message: str = ""

    @classmethod
    def from_propagation(cls, run: Propagation, times: np.ndarray, grid: Grid,
                         iterations: Optional[np.ndarray] = None) -> "Evolution":
        """The public result of an internal :class:`~fpesolve.core.propagation.Propagation`.

        Parameters
        ----------
        run : Propagation
            The propagation's cell masses, error estimates and step counts.
        times : ndarray
            The output times (continuous time).
        grid : Grid
            The grid the masses live on (densities are masses / widths).
        iterations : ndarray, optional
            The SGD iterations of the output times, under a schedule.

        Returns
        -------
        Evolution
        """
        return cls(times=np.asarray(times, dtype=float), densities=run.masses / grid.widths, grid=grid,
                   method=run.method, error=run.error, clipped=run.clipped, absorbed_left=run.absorbed_left,
                   absorbed_right=run.absorbed_right, n_steps=run.n_steps, n_rejected=run.n_rejected,
                   n_solves=run.n_solves, iterations=iterations, converged=True, message=run.message)

    @property
    def masses(self) -> np.ndarray:
        """Total probability :math:`\\sum_i p_i|c_i|` at each time (1 with reflecting ends)."""
        return self.densities @ self.grid.widths

    @property
    def absorbed(self) -> np.ndarray:
        """Mass absorbed through either end by each time."""
        return self.absorbed_left + self.absorbed_right

    @property
    def means(self) -> np.ndarray:
        """Mean :math:`E[\\theta]` at each time (midpoint rule, O(h^2))."""
        return (self.densities * self.grid.widths) @ self.grid.centres / self.masses

    @property
    def variances(self) -> np.ndarray:
        """Variance of :math:`\\theta` at each time (midpoint rule plus the in-cell term h^2/12)."""
        w = self.densities * self.grid.widths
        m2 = w @ (self.grid.centres ** 2 + self.grid.widths ** 2 / 12.0) / self.masses
        return m2 - self.means ** 2

    def table(self):
        """Time, mass, mean, variance and estimated error at each output time.

        Returns
        -------
        header : list of str
        rows : list of list of float
            One row per output time.
        """
        headers = ["t", "mass", "mean", "variance", "error (l1)"]
        rows = [[float(t), float(m), float(mu), float(v), float(e)]
                for t, m, mu, v, e in zip(self.times, self.masses, self.means, self.variances, self.error)]
        return headers, rows

    def summary(self) -> str:
        """A short table of time, mass, mean, variance and estimated error.

        Returns
        -------
        str
            A header line (method, grid, steps, solves, largest error), then
            one line per output time, then :attr:`message` if any.
        """
        steps = (f"{self.n_steps} steps ({self.n_rejected} rejected), " if self.n_steps else "")
        lines = [f"Evolution by {self.method} on {self.grid!r}: {steps}{self.n_solves} solves, "
                 f"largest estimated l1 error {float(np.max(self.error)):.2g}",
                 f"{'t':>12s} {'mass':>18s} {'mean':>14s} {'variance':>14s} {'error':>9s}"]
        for t, m, mu, v, e in self.table()[1]:
            lines.append(f"{t:12.6g} {m:18.15f} {mu:14.6g} {v:14.6g} {e:9.2g}")
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


def evolve(fp, p0, times: Sequence[float], method: Optional[str] = None, dt: Optional[float] = None,
           positivity_start: int = 0, progress=None, *, rtol: Optional[float] = None, atol: Optional[float] = None,
           cost_limit: Optional[float] = None) -> Evolution:
    """Evolve the density ``p0`` of ``fp`` to each of ``times``; see :meth:`fpesolve.FokkerPlanck.evolve`."""
    p = fp.density_from(p0)
    t = check_times(times)
    run = evolve_masses(fp.discretization, p * fp.grid.widths, t, method, dt=dt, rtol=rtol, atol=atol,
                        positivity_start=positivity_start, cost_limit=cost_limit, progress=progress)
    return Evolution.from_propagation(run, t, fp.grid, iterations=t / fp.eta)
