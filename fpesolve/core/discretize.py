r"""The Scharfetter–Gummel finite-volume generator.

With :math:`D = \tau\Sigma/2`, :math:`q = D p` and :math:`\Phi' = L'/D` the
flux of the Fokker–Planck equation is :math:`F = -e^{-\Phi}(e^{\Phi} q)'`.
Taking :math:`F` constant and :math:`\Phi` linear between the centres
:math:`x_i, x_{i+1}` (spacing :math:`h_i`, :math:`d_i = \Phi_{i+1} - \Phi_i`
computed *exactly* by quadrature of :math:`L'/D`) gives

.. math:: F_{i+1/2} = -\frac{1}{h_i}\big[B(-d_i)\,q_{i+1} - B(d_i)\,q_i\big],
          \qquad B(z) = \frac{z}{e^z - 1}.

For cell masses :math:`m_i = p_i|c_i|` this is a birth–death generator with
rates :math:`a_i = B(d_i) D_i/(h_i|c_i|)` (:math:`i \to i+1`) and
:math:`b_i = B(-d_i) D_{i+1}/(h_i|c_{i+1}|)` (:math:`i+1 \to i`).  It is in
detailed balance with :math:`\pi_i \propto |c_i|\,e^{-\Phi_i}/D_i`, i.e. the
closed-form stationary density sampled at the cell centres, on any grid and
at any Péclet number.

Absorbing ends.  An absorbing end of the *grid* (which may lie inside the
landscape's domain) has :math:`q = 0` there; the flux from the last centre
:math:`x_c` to the end :math:`e` (distance :math:`h_e = |x_c - e|`) is the
same Scharfetter–Gummel expression with :math:`q_e = 0`, giving the exit rate
:math:`B(\pm d_e) D_c/(h_e|c|)` with :math:`d_e` the exact increment of
:math:`\Phi` between the centre and the grid's end.

Learning-rate changes.  The rates depend on :math:`\eta` only through
:math:`d_i = (2/\eta) J_i` with :math:`J_i = \int_{x_i}^{x_{i+1}} L'/\Sigma`
and :math:`D_i = \eta\Sigma_i/2`.  :class:`Discretization` keeps the
:math:`\eta`-free parts (:attr:`~Discretization.drift_integrals`,
:attr:`~Discretization.sigma` and the two end integrals), so
:meth:`Discretization.at_eta` and :meth:`Discretization.rates_at` rebuild the
generator for another learning rate in :math:`O(N)` without quadrature, as a
learning-rate schedule needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np
from scipy.special import logsumexp

from . import _solver_kernels as _kernels
from .._util.result import Result
from .._util.validation import positive_float
from .._util.deprecation import renamed_keyword
from .grid import Grid
from .landscape import Landscape
from .stationary import drift_increments
from .wellposed import check_well_posed

__all__ = ["Discretization", "discretize", "parse_boundary"]

BoundarySpec = Union[str, Tuple[str, str]]
_BOUNDARY_KINDS = ("reflecting", "absorbing")


def parse_boundary(boundary: BoundarySpec) -> Tuple[str, str]:
    """Normalise ``"reflecting"``, ``"absorbing"`` or a ``(left, right)`` pair."""
    pair = (boundary, boundary) if isinstance(boundary, str) else tuple(boundary)
    if len(pair) != 2 or any(kind not in _BOUNDARY_KINDS for kind in pair):
        raise ValueError(f"`boundary` must be 'reflecting', 'absorbing' or a (left, right) pair of those, "
                         f"got {boundary!r}")
    return pair  # type: ignore[return-value]


@dataclass(frozen=True, repr=False)
class Discretization(Result):
    """The Scharfetter–Gummel generator on a grid, as rates.

    Attributes
    ----------
    grid : Grid
    eta : float
        The learning rate (the diffusion's temperature :math:`\\tau = \\eta`).
    boundary : (str, str)
    phi_increments : ndarray, shape (N-1,)
        :math:`d_i = \\Phi_{i+1} - \\Phi_i = (2/\\tau)\\int_{x_i}^{x_{i+1}} L'/\\Sigma`.
    diffusion : ndarray, shape (N,)
        :math:`D_i = \\tau\\Sigma(x_i)/2` at the centres.
    log_up, log_down : ndarray, shape (N-1,)
        Natural logs of the rates :math:`a_i` and :math:`b_i` (never underflow).
    up, down : ndarray, shape (N-1,)
        The rates themselves (may underflow to 0 in extreme metastable cases;
        use the logs there).
    out : ndarray, shape (N,)
        Rates of leaving through an absorbing end of the grid (zero elsewhere).
    log_stationary_mass : ndarray, shape (N,)
        :math:`\\ln\\pi_i`, the normalised stationary cell masses of the
        reflecting generator (exact null vector, computed without subtraction).
    drift_integrals : ndarray, shape (N-1,)
        :math:`J_i = \\int_{x_i}^{x_{i+1}} L'/\\Sigma` (independent of :math:`\\eta`).
    sigma : ndarray, shape (N,)
        :math:`\\Sigma(x_i)` at the centres (independent of :math:`\\eta`).
    end_drift_integrals : ndarray, shape (2,)
        :math:`\\int_{a_g}^{x_0} L'/\\Sigma` and :math:`\\int_{x_{N-1}}^{b_g} L'/\\Sigma`
        to the grid's ends :math:`a_g, b_g` (0 at a reflecting end, where they are not needed).

    All rates are in 1/[time] (continuous time; multiply by :math:`\\eta` for
    rates per SGD iteration).  Built by :func:`discretize`; the arrays are read-only.

    Examples
    --------
    The rates are in detailed balance with the stationary cell masses, which
    are the closed-form density at the centres (here :math:`N(0, \\eta/2)` for
    :math:`L = x^2/2`, :math:`\\Sigma = 1`), and :meth:`at_eta` rebuilds the
    generator at another learning rate without quadrature:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
    >>> d = FokkerPlanck(ou, 0.5, 800).discretization
    >>> pi, x = np.exp(d.log_stationary_mass), d.grid.centres
    >>> bool(np.allclose(d.up * pi[:-1], d.down * pi[1:], rtol=1e-13, atol=0))
    True
    >>> gauss = np.exp(-x**2 / 0.5) / np.sqrt(np.pi * 0.5)
    >>> bool(np.max(np.abs(pi / d.grid.widths - gauss)) < 1e-12)
    True
    >>> fresh = FokkerPlanck(ou, 0.25, d.grid).discretization
    >>> bool(np.allclose(d.at_eta(0.25).up, fresh.up, rtol=1e-13, atol=0))
    True
    """

    _skip_in_json = True  # an input of the solvers (its arrays are the grid's size), not a report

    grid: Grid
    eta: float
    boundary: Tuple[str, str]
    phi_increments: np.ndarray
    diffusion: np.ndarray
    log_up: np.ndarray
    log_down: np.ndarray
    up: np.ndarray
    down: np.ndarray
    out: np.ndarray
    log_stationary_mass: np.ndarray
    drift_integrals: Optional[np.ndarray] = None
    sigma: Optional[np.ndarray] = None
    end_drift_integrals: Optional[np.ndarray] = None

    @property
    def exit_rates(self) -> np.ndarray:
        """Total rate of leaving each cell, :math:`-Q_{ii}`."""
        total = self.out.copy()
        total[:-1] += self.up
        total[1:] += self.down
        return total

    @property
    def reflecting(self) -> bool:
        """Whether both ends are reflecting (then mass is conserved and a stationary state exists)."""
        return self.boundary == ("reflecting", "reflecting")

    def summary(self) -> str:
        """One line: grid, learning rate, ends, and the largest exit rate (the stiffness).

        Returns
        -------
        str
        """
        return (f"Scharfetter–Gummel generator on {self.grid!r}, eta = {self.eta:g}, boundary {self.boundary}, "
                f"largest exit rate {float(np.max(self.exit_rates)):.4g}")

    def _check_rebuildable(self) -> None:
        if self.drift_integrals is None or self.sigma is None or self.end_drift_integrals is None:
            raise ValueError("this Discretization was built without its eta-free parts (drift_integrals, sigma, "
                             "end_drift_integrals); build it with fpesolve.discretize to change eta")

    def rates_at(self, eta: float, up: np.ndarray, down: np.ndarray, out: np.ndarray, scale: float = 1.0) -> None:
        """Write ``scale`` times the rates at learning rate ``eta`` into ``up``, ``down``, ``out`` (O(N), no quadrature).

        With ``scale = eta`` this is the generator per SGD iteration,
        :math:`\\eta\\,Q(\\eta)`, which tends to 0 as :math:`\\eta \\to 0`;
        ``eta = 0`` with ``scale = 0`` writes zeros (SGD does not move at a zero learning rate).

        Parameters
        ----------
        eta : float
            Learning rate, >= 0.
        up, down : ndarray, shape (N - 1,)
            Output: rates :math:`i \\to i+1` and :math:`i+1 \\to i` (1/[time], times ``scale``).
        out : ndarray, shape (2,)
            Output: exit rates through the left and right ends (0 at a reflecting end).
        scale : float
            Factor applied to every rate (``eta`` gives rates per SGD iteration).

        Raises
        ------
        ValueError
            When the discretisation was built without its eta-free parts.
        """
        self.rate_builder()(eta, up, down, out, scale)

    def rate_builder(self):
        """A function ``build(eta, up, down, out, scale)`` doing :meth:`rates_at` with the grid arrays prepared once.

        Returns
        -------
        callable
            ``build(eta, up, down, out, scale=1.0) -> None``, O(N) per call
            (used where ``eta`` changes at every step, as under a schedule).
        """
        self._check_rebuildable()
        x = self.grid.centres
        spacing = np.diff(x)
        widths = self.grid.widths
        lo, hi = self.grid.domain
        sigma = np.asarray(self.sigma)
        args = (np.ascontiguousarray(self.drift_integrals), np.ascontiguousarray(sigma[:-1] / (spacing * widths[:-1])),
                np.ascontiguousarray(sigma[1:] / (spacing * widths[1:])), float(self.end_drift_integrals[0]),
                float(self.end_drift_integrals[1]), float(sigma[0] / ((x[0] - lo) * widths[0])),
                float(sigma[-1] / ((hi - x[-1]) * widths[-1])),
                1.0 if self.boundary[0] == "absorbing" else 0.0, 1.0 if self.boundary[1] == "absorbing" else 0.0)

        def build(eta: float, up: np.ndarray, down: np.ndarray, out: np.ndarray, scale: float = 1.0) -> None:
            eta = float(eta)
            if eta == 0.0 and scale == 0.0:
                up[:] = 0.0
                down[:] = 0.0
                out[:] = 0.0
                return
            if not (math.isfinite(eta) and eta > 0):
                raise ValueError(f"`eta` must be a finite positive learning rate, got {eta!r}")
            _kernels.rates_at_eta(*args, eta, float(scale), up, down, out)

        return build

    def at_eta(self, eta: float) -> "Discretization":
        """The same grid and landscape at another learning rate, in O(N) (no quadrature).

        The increments are :math:`(2/\\eta) J_i` with the stored exact integrals
        :math:`J_i`, so the new generator keeps the exact discrete stationary
        state of :func:`discretize` at ``eta``.

        Parameters
        ----------
        eta : float
            The new learning rate, > 0.

        Returns
        -------
        Discretization
            The generator at ``eta`` on the same grid.
        """
        self._check_rebuildable()
        eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
        return _assemble(self.grid, eta, self.boundary, self.drift_integrals, self.sigma,
                         self.end_drift_integrals, None)


def _end_integrals(landscape: Landscape, grid: Grid, sides: Tuple[str, str]) -> np.ndarray:
    """:math:`\\int L'/\\Sigma` from each absorbing end of the *grid* to its nearest centre (0 at reflecting ends)."""
    lo, hi = grid.domain
    out = np.zeros(2)
    for k, (kind, pts, end) in enumerate(((sides[0], np.array([lo, grid.centres[0]]), lo),
                                          (sides[1], np.array([grid.centres[-1], hi]), hi))):
        if kind != "absorbing":
            continue
        sigma_end = float(landscape.sigma(np.array([end]))[0])
        if not (np.isfinite(sigma_end) and sigma_end > 0):
            side = "left" if k == 0 else "right"
            raise ValueError(f"an absorbing {side} end needs Sigma > 0 there, but Sigma({end!r}) = {sigma_end!r}; "
                             f"use a reflecting end or move the grid's end inward")
        out[k] = float(drift_increments(landscape, pts)[0])
    return out


def _end_out_rate(eta: float, end_integral: float, diffusion: float, distance: float, width: float,
                  side: str) -> float:
    """Exit rate through an absorbing grid end: flux from the centre to the end, where q = 0."""
    d = (2.0 / eta) * end_integral  # Phi(right point) - Phi(left point) of the end interval
    z = -d if side == "left" else d
    return float(np.exp(_kernels.log_bernoulli(z) + np.log(diffusion) - np.log(distance) - np.log(width)))


def _assemble(grid: Grid, eta: float, sides: Tuple[str, str], drift_integrals: np.ndarray, sigma: np.ndarray,
              end_integrals: np.ndarray, d: Optional[np.ndarray]) -> Discretization:
    x = grid.centres
    diffusion = 0.5 * eta * sigma
    if d is None:
        d = (2.0 / eta) * drift_integrals
    log_up = np.empty(grid.n - 1)
    log_down = np.empty(grid.n - 1)
    _kernels.scharfetter_gummel_rates(d, diffusion, np.diff(x), grid.widths, log_up, log_down)
    out = np.zeros(grid.n)
    lo, hi = grid.domain
    if sides[0] == "absorbing":
        out[0] = _end_out_rate(eta, end_integrals[0], diffusion[0], x[0] - lo, grid.widths[0], "left")
    if sides[1] == "absorbing":
        out[-1] = _end_out_rate(eta, end_integrals[1], diffusion[-1], hi - x[-1], grid.widths[-1], "right")
    log_pi = np.concatenate(([0.0], np.cumsum(-d))) - np.log(diffusion) + np.log(grid.widths)
    log_pi -= logsumexp(log_pi)
    up, down = np.exp(log_up), np.exp(log_down)
    arrays = (d, diffusion, log_up, log_down, up, down, out, log_pi, drift_integrals, sigma, end_integrals)
    for arr in arrays:
        arr.flags.writeable = False
    return Discretization(grid=grid, eta=eta, boundary=sides, phi_increments=d, diffusion=diffusion,
                          log_up=log_up, log_down=log_down, up=up, down=down, out=out,
                          log_stationary_mass=log_pi, drift_integrals=drift_integrals, sigma=sigma,
                          end_drift_integrals=end_integrals)


@renamed_keyword("tau", "eta")
def discretize(landscape: Landscape, eta: float, grid: Grid, boundary: BoundarySpec = "reflecting") -> Discretization:
    """Assemble the Scharfetter–Gummel rates for ``landscape`` at learning rate ``eta`` on ``grid``.

    Parameters
    ----------
    landscape : Landscape
        Supplies :math:`L'`, :math:`\\Sigma` and the domain.
    eta : float
        The learning rate :math:`\\eta > 0` (dimensionless; the temperature of the diffusion).
    grid : Grid
        Inside the landscape's domain; it may be narrower (an absorbing end
        of the grid then sits inside the domain, at the grid's end).
    boundary : {"reflecting", "absorbing"} or (left, right)
        Reflecting (no-flux) or absorbing (density 0 at the grid's end) ends,
        the same for both or one per end.

    Returns
    -------
    Discretization
        The rates (1/[time]) and the stationary cell masses.

    Raises
    ------
    TypeError
        When ``grid`` is not a :class:`~fpesolve.Grid`.
    IllPosedError
        When the problem is not well posed at ``eta``
        (:func:`~fpesolve.check_well_posed`).
    ValueError
        For ``eta <= 0``, a grid outside the domain, :math:`\\Sigma` not
        positive and finite at a cell centre, or an absorbing end where
        :math:`\\Sigma` is not positive.

    Examples
    --------
    An absorbing end of a grid narrower than the domain takes its exit rate at
    the grid's end: Ornstein–Uhlenbeck killed at :math:`\\pm 1` decays at the
    Dirichlet rate 0.48599 (the root of :math:`M(-\\lambda/4, 1/2, 2)`):

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Grid, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-5.0, 5.0))
    >>> fp = FokkerPlanck(ou, 1.0, Grid.uniform(-1.0, 1.0, 400), boundary="absorbing")
    >>> bool(abs(fp.spectrum(1, vectors=False).rates[0] - 0.485985761531) < 1e-5)
    True
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate (the temperature of its diffusion)")
    if not isinstance(grid, Grid):
        raise TypeError(f"`grid` must be a fpesolve.Grid or a number of cells (an int), got "
                        f"{type(grid).__name__} {grid!r}")
    grid.check_inside(landscape.domain, repr(landscape.name))
    check_well_posed(landscape, eta, boundary=boundary, grid=grid)
    sides = parse_boundary(boundary)
    x = grid.centres
    sigma = np.array(landscape.checked_sigma(x), dtype=float)
    drift_integrals = np.array(drift_increments(landscape, x), dtype=float)
    end_integrals = _end_integrals(landscape, grid, sides)
    return _assemble(grid, eta, sides, drift_integrals, sigma, end_integrals, (2.0 / eta) * drift_integrals)
