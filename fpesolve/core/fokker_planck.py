r"""The :class:`FokkerPlanck` problem: one discretisation, several verbs.

.. math:: \partial_t p = \partial_\theta\big[L'(\theta)\,p\big]
          + \partial_\theta^2\big[D(\theta)\,p\big], \qquad D = \tfrac{\tau}{2}\Sigma ,

the Fokker–Planck equation of the Ito SDE
:math:`d\theta = -L'\,dt + \sqrt{\tau\Sigma}\,dW`.  Time :math:`t` is
continuous time; :math:`t/\eta` is the number of SGD iterations.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import numpy as np
from scipy import sparse

from .._util.deprecation import renamed_keyword
from .discretize import BoundarySpec, Discretization, discretize
from .evolve import Evolution, evolve
from .grid import Grid
from .landscape import Landscape

__all__ = ["FokkerPlanck"]


class FokkerPlanck:
    """SGD's Fokker–Planck equation on a cell-centred grid (Scharfetter–Gummel fluxes).

    Parameters
    ----------
    landscape : Landscape
        The loss :math:`L` (through :math:`L'`), the noise variance :math:`\\Sigma` and the domain.
    eta : float
        The learning rate :math:`\\eta > 0` (dimensionless), which is also the temperature
        :math:`\\tau = \\eta` of the diffusion.
    grid : Grid or int
        The grid, or a number of cells for a uniform grid on the landscape's domain.
    boundary : {"reflecting", "absorbing"} or (left, right)
        Reflecting (no-flux) ends conserve mass; absorbing ends (density 0
        just outside) remove it, for first-passage problems.

    Raises
    ------
    TypeError
        When ``landscape`` is not a :class:`~fpesolve.Landscape` or ``grid`` not a grid or an int.
    ValueError
        For ``eta <= 0``, a grid outside the domain, an unknown ``boundary``,
        or :math:`\\Sigma` not positive and finite at a cell centre (see :func:`~fpesolve.discretize`).
    IllPosedError
        When the problem is not well posed at ``eta`` (see :func:`~fpesolve.check_well_posed`).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Grid, Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))
    >>> fp = FokkerPlanck(dw, eta=0.3, grid=Grid.uniform(-2.5, 2.5, 200))
    >>> p = fp.stationary()
    >>> bool(abs(p @ fp.grid.widths - 1) < 1e-14)
    True
    """

    @renamed_keyword("tau", "eta")
    def __init__(self, landscape: Landscape, eta: float, grid: Union[Grid, int],
                 boundary: BoundarySpec = "reflecting") -> None:
        if not isinstance(landscape, Landscape):
            raise TypeError(f"`landscape` must be a fpesolve.Landscape, got {type(landscape).__name__}")
        if isinstance(grid, (int, np.integer)):
            grid = Grid.uniform(*landscape.domain, int(grid))
        self.landscape = landscape
        self.discretization: Discretization = discretize(landscape, eta, grid, boundary)
        self.grid: Grid = self.discretization.grid
        self.eta: float = self.discretization.eta
        self.boundary = self.discretization.boundary

    def __repr__(self) -> str:
        return (f"FokkerPlanck(landscape={self.landscape.name!r}, eta={self.eta!r}, grid={self.grid!r}, "
                f"boundary={self.boundary!r})")

    # ------------------------------------------------------------------ generator
    def generator(self) -> sparse.csc_matrix:
        """The rate matrix :math:`Q` (scipy sparse, CSC) with :math:`dm/dt = Q m` for cell masses.

        Off-diagonal entries are non-negative; columns sum to zero for
        reflecting ends (to the exit rate for absorbing ones).  For densities
        :math:`p = m/|c|` the generator is :math:`W^{-1} Q W` with
        :math:`W = \\mathrm{diag}(|c_i|)`.

        Returns
        -------
        scipy.sparse.csc_matrix, shape (N, N)
            Tridiagonal, entries in 1/[time] (continuous time; times :math:`\\eta`
            for rates per SGD iteration).
        """
        d = self.discretization
        diag = -d.exit_rates
        return sparse.diags([d.up, diag, d.down], [-1, 0, 1], format="csc")

    def point_mass(self, x: float) -> np.ndarray:
        """The density of a unit mass placed in the cell that contains ``x``.

        Parameters
        ----------
        x : float
            A point of the landscape's domain covered by the grid.

        Returns
        -------
        ndarray, shape (N,)
            Zero except ``1 / |c_i|`` in the cell ``i`` containing ``x``
            (so :math:`\\sum_i p_i |c_i| = 1`).

        Raises
        ------
        ValueError
            When ``x`` is not finite or lies outside the domain or the grid.
        """
        p = np.zeros(self.grid.n)
        i = self.grid.cell_of(self.landscape.contains(x, "x"))
        p[i] = 1.0 / self.grid.widths[i]
        return p

    def density_from(self, p0: Union[np.ndarray, Callable[[np.ndarray], np.ndarray]]) -> np.ndarray:
        """Validate an initial density (array at the centres or a callable) and normalise it.

        Parameters
        ----------
        p0 : ndarray, shape (N,), or callable
            Non-negative values at the cell centres, or a function evaluated
            at ``grid.centres``; any positive total mass.

        Returns
        -------
        ndarray, shape (N,)
            ``p0`` scaled so that :math:`\\sum_i p_i |c_i| = 1`.

        Raises
        ------
        ValueError
            For the wrong shape, a non-finite or negative value (the message
            names the cell), or zero total mass.
        """
        values = np.asarray(p0(self.grid.centres) if callable(p0) else p0, dtype=float)
        if values.shape != (self.grid.n,):
            raise ValueError(f"`p0` must have one value per cell, shape ({self.grid.n},), got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("`p0` contains a non-finite value")
        if np.any(values < 0):
            i = int(np.argmin(values))
            raise ValueError(f"`p0` must be non-negative; p0[{i}] = {float(values[i])!r} at x = {float(self.grid.centres[i])!r}")
        mass = float(values @ self.grid.widths)
        if not mass > 0:
            raise ValueError("`p0` has zero total mass and cannot be normalised")
        return values / mass

    # ------------------------------------------------------------------ verbs
    def stationary(self, log: bool = False) -> np.ndarray:
        """The exact stationary density of the discrete generator at the cell centres.

        Computed from detailed balance as a product of positive rate ratios
        (no linear solve, no subtraction), so it is positive and equals the
        closed form :func:`fpesolve.stationary_density` at the centres up to
        the discrete normalisation :math:`\\sum_i p_i|c_i| = 1`.  Only
        meaningful for reflecting ends.

        Parameters
        ----------
        log : bool
            Return :math:`\\ln p_i` (never underflows).

        Returns
        -------
        ndarray, shape (N,)
            :math:`p_i > 0` with :math:`\\sum_i p_i |c_i| = 1`, or :math:`\\ln p_i`.

        Raises
        ------
        ValueError
            When an end is absorbing (there is no stationary density).

        Examples
        --------
        For :math:`L = x^2/2`, :math:`\\Sigma = 1` the stationary law is
        :math:`N(0, \\eta/2)`:

        >>> import numpy as np
        >>> from fpesolve import FokkerPlanck, Landscape
        >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
        >>> fp = FokkerPlanck(ou, eta=0.5, grid=600)
        >>> x, p = fp.grid.centres, fp.stationary()
        >>> gauss = np.exp(-x**2 / 0.5) / np.sqrt(np.pi * 0.5)
        >>> bool(np.max(np.abs(p - gauss)) < 1e-8)
        True
        """
        if self.boundary != ("reflecting", "reflecting"):
            raise ValueError(f"`boundary` = {self.boundary!r}: an absorbing end has no stationary density (all "
                             f"mass leaves); use boundary='reflecting', or evolve() for the surviving mass")
        logp = self.discretization.log_stationary_mass - np.log(self.grid.widths)
        return logp if log else np.exp(logp)

    def evolve(self, p0, times: Sequence[float], method: Optional[str] = None, dt: Optional[float] = None,
               positivity_start: int = 0, progress=None, *, rtol: Optional[float] = None,
               atol: Optional[float] = None, cost_limit: Optional[float] = None) -> Evolution:
        """Evolve the density ``p0`` and return the densities at ``times``, with their error.

        Parameters
        ----------
        p0 : ndarray or callable
            Initial density at the cell centres (normalised here), e.g.
            :meth:`point_mass`.
        times : sequence of float
            Non-decreasing continuous times >= 0 (the time origin is 0;
            divide by :math:`\\eta` for SGD iterations).
        method : {None, "contour", "eigen", "tr-bdf2", "backward-euler", "uniformization"}
            ``None``: ``"contour"`` (exact in time, O(N) per output time),
            or fixed-step ``"tr-bdf2"`` when ``dt`` is given.  See
            :mod:`fpesolve.core.evolve` for the registry.
        dt : float, optional
            Fixed step of ``"tr-bdf2"`` / ``"backward-euler"`` (each interval
            between outputs is cut into equal steps no longer than ``dt``).
        positivity_start : int
            Fixed-step TR-BDF2 only: replace the first step by this many
            backward-Euler sub-steps (rough data).
        progress : bool, "auto" or None
            Progress bar (``None``: the package default).
        rtol, atol : float, optional
            Tolerances of error-controlled ``"tr-bdf2"`` (no ``dt``): each
            step's :math:`\\ell^1` error at most ``atol + rtol * mass``
            (defaults 1e-8, 1e-12).
        cost_limit : float, optional
            Seconds of estimated work above which :class:`~fpesolve.CostLimitError`
            is raised before starting (default 120; ``float('inf')`` for none).

        Returns
        -------
        Evolution
            Densities :math:`\\ge 0`, their estimated :math:`\\ell^1` error in
            time, the mass absorbed at each end, and ``method``.

        Raises
        ------
        ValueError
            For an invalid ``p0``, ``times``, ``method`` or an option the method does not use.
        CostLimitError
            When the estimated cost exceeds ``cost_limit`` (the message names the faster route).

        Examples
        --------
        >>> import numpy as np
        >>> from fpesolve import FokkerPlanck, Landscape
        >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
        >>> fp = FokkerPlanck(ou, 0.5, 400)
        >>> ev = fp.evolve(fp.point_mass(1.0), [0.1, 1.0, 1e6])
        >>> bool(ev.densities.min() >= 0 and np.all(np.abs(ev.masses - 1) < 1e-12))
        True
        >>> bool(np.abs(ev.densities[-1] - fp.stationary()) @ fp.grid.widths < 1e-12)
        True
        """
        return evolve(self, p0, times, method, dt, positivity_start, progress, rtol=rtol, atol=atol,
                      cost_limit=cost_limit)

    def evolve_schedule(self, schedule, p0, iterations: Sequence[float], *, rtol: Optional[float] = None,
                        atol: Optional[float] = None, cost_limit: Optional[float] = None,
                        progress=None) -> Evolution:
        """Evolve ``p0`` under a learning-rate schedule and return the densities after ``iterations`` SGD iterations.

        The landscape, grid and boundary are this problem's; its own ``eta``
        is replaced by the schedule's :math:`\\eta_k` (the generator is rebuilt
        in O(N) as the rate changes, see :mod:`fpesolve.core.scheduled`).

        Parameters
        ----------
        schedule : Schedule or float
            From :mod:`fpesolve.core.schedules` (a number is a constant rate).
        p0 : ndarray or callable
            Initial density at the cell centres.
        iterations : sequence of float
            Non-decreasing SGD iteration counts >= 0 at which to report.
        rtol, atol : float, optional
            Error control of TR-BDF2 for schedules that are not piecewise constant.
        cost_limit : float, optional
        progress : bool, "auto" or None

        Returns
        -------
        Evolution
            With ``times`` the continuous times :math:`t_k = \\sum_{j<k}\\eta_j`
            and ``iterations`` as requested.

        Examples
        --------
        A constant schedule is the fixed-rate evolution:

        >>> import numpy as np
        >>> from fpesolve import FokkerPlanck, Landscape
        >>> from fpesolve.core import schedules
        >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
        >>> fp = FokkerPlanck(ou, 0.5, 200)
        >>> a = fp.evolve_schedule(schedules.constant(0.5), fp.point_mass(1.0), [4]).densities[-1]
        >>> b = fp.evolve(fp.point_mass(1.0), [2.0]).densities[-1]
        >>> bool(np.abs(a - b) @ fp.grid.widths < 1e-12)
        True
        """
        from .scheduled import evolve_schedule
        return evolve_schedule(self, schedule, p0, iterations, rtol=rtol, atol=atol, cost_limit=cost_limit,
                               progress=progress)

    def probability_current(self, p: np.ndarray) -> np.ndarray:
        """The edge fluxes :math:`F_{i+1/2}` of density ``p``, shape ``(N+1,)``, positive to the right.

        These are the fluxes the solver uses: :math:`dm_i/dt = F_{i-1/2} - F_{i+1/2}`.
        The two boundary entries are zero for reflecting ends and the outflow
        for absorbing ones.

        Parameters
        ----------
        p : ndarray, shape (N,)
            A density at the cell centres.

        Returns
        -------
        ndarray, shape (N + 1,)
            Probability per unit continuous time crossing each edge (positive
            to the right); 0 at the interior edges of the stationary density.

        Raises
        ------
        ValueError
            When ``p`` does not have shape ``(N,)``.
        """
        p = np.asarray(p, dtype=float)
        if p.shape != (self.grid.n,):
            raise ValueError(f"`p` must have shape ({self.grid.n},), got {p.shape}")
        d = self.discretization
        m = p * self.grid.widths
        flux = np.zeros(self.grid.n + 1)
        flux[1:-1] = d.up * m[:-1] - d.down * m[1:]
        flux[0] = -d.out[0] * m[0]
        flux[-1] = d.out[-1] * m[-1]
        return flux

    def time_derivative(self, p: np.ndarray) -> np.ndarray:
        """:math:`\\partial_t p` of the semi-discrete equation (the flux divergence).

        Parameters
        ----------
        p : ndarray, shape (N,)
            A density at the cell centres.

        Returns
        -------
        ndarray, shape (N,)
            :math:`(F_{i-1/2} - F_{i+1/2})/|c_i|`, density per unit continuous time.

        Raises
        ------
        ValueError
            When ``p`` does not have shape ``(N,)``.
        """
        flux = self.probability_current(p)
        return -(flux[1:] - flux[:-1]) / self.grid.widths

    # ------------------------------------------------------------------ spectra (fpesolve.spectrum)
    def spectrum(self, k: int = 5, **options):
        """The ``k`` slowest nonzero relaxation rates; see :func:`fpesolve.core.spectrum.spectrum`.

        Parameters
        ----------
        k : int
            Number of rates.
        **options
            ``vectors`` and ``solver`` of :func:`fpesolve.core.spectrum.spectrum`.

        Returns
        -------
        Spectrum
            Rates in 1/[time] (continuous time), slowest first.
        """
        from .spectrum import spectrum
        return spectrum(self, k, **options)

    def spectral_gap(self, **options):
        """The spectral gap; see :func:`fpesolve.core.spectrum.spectral_gap`.

        Parameters
        ----------
        **options
            ``method``, ``solver`` and ``accuracy`` of :func:`fpesolve.core.spectrum.spectral_gap`
            (``route`` is the former spelling of ``method``).

        Returns
        -------
        SpectralGap
            :math:`\\lambda_1` in 1/[time] (continuous time), with its log10.
        """
        from .spectrum import spectral_gap
        return spectral_gap(self, **options)
