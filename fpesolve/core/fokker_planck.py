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
from .evolve import Evolution, evolve_masses
from .grid import Grid
from .landscape import Landscape

__all__ = ["FokkerPlanck"]


class FokkerPlanck:
    """SGD's Fokker–Planck equation on a cell-centred grid (Scharfetter–Gummel fluxes).

    Parameters
    ----------
    landscape : Landscape
    eta : float
        The learning rate :math:`\\eta > 0`, which is also the temperature
        :math:`\\tau = \\eta` of the diffusion.
    grid : Grid or int
        The grid, or a number of cells for a uniform grid on the landscape's domain.
    boundary : {"reflecting", "absorbing"} or (left, right)
        Reflecting (no-flux) ends conserve mass; absorbing ends (density 0
        just outside) remove it, for first-passage problems.

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
        """
        d = self.discretization
        diag = -d.exit_rates
        return sparse.diags([d.up, diag, d.down], [-1, 0, 1], format="csc")

    def point_mass(self, x: float) -> np.ndarray:
        """The density of a unit mass placed in the cell that contains ``x``."""
        p = np.zeros(self.grid.n)
        i = self.grid.cell_of(self.landscape.contains(x, "x"))
        p[i] = 1.0 / self.grid.widths[i]
        return p

    def density_from(self, p0: Union[np.ndarray, Callable[[np.ndarray], np.ndarray]]) -> np.ndarray:
        """Validate an initial density (array at the centres or a callable) and normalise it."""
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
        """
        if self.boundary != ("reflecting", "reflecting"):
            raise ValueError("an absorbing boundary has no stationary density (all mass leaves); "
                             "use boundary='reflecting'")
        logp = self.discretization.log_stationary_mass - np.log(self.grid.widths)
        return logp if log else np.exp(logp)

    def evolve(self, p0, times: Sequence[float], method: str = "tr-bdf2", dt: Optional[float] = None,
               positivity_start: int = 0, progress: bool = False) -> Evolution:
        """Integrate the FPE from ``p0`` and return the densities at ``times``.

        Parameters
        ----------
        p0 : ndarray or callable
            Initial density at the cell centres (normalised here), e.g.
            :meth:`point_mass`.
        times : sequence of float
            Non-decreasing continuous times >= 0 (the time origin is 0).
        method : {"tr-bdf2", "backward-euler", "exponential"}
            See :mod:`fpesolve.core.evolve`.
        dt : float, optional
            Largest time step for the implicit methods (default ``times[-1]/1000``).
        positivity_start : int
            Replace the first step by this many backward-Euler sub-steps
            (removes TR-BDF2's undershoot from rough data; 0 to disable).
        progress : bool
            Show a tqdm progress bar.

        Returns
        -------
        Evolution
        """
        p = self.density_from(p0)
        masses, method, steps = evolve_masses(self.discretization, p * self.grid.widths, times, method=method,
                                              dt=dt, positivity_start=positivity_start, progress=progress)
        return Evolution(times=np.atleast_1d(np.asarray(times, dtype=float)), densities=masses / self.grid.widths,
                         grid=self.grid, method=method, n_steps=steps)

    def probability_current(self, p: np.ndarray) -> np.ndarray:
        """The edge fluxes :math:`F_{i+1/2}` of density ``p``, shape ``(N+1,)``, positive to the right.

        These are the fluxes the solver uses: :math:`dm_i/dt = F_{i-1/2} - F_{i+1/2}`.
        The two boundary entries are zero for reflecting ends and the outflow
        for absorbing ones.
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
        """:math:`\\partial_t p` of the semi-discrete equation (the flux divergence)."""
        flux = self.probability_current(p)
        return -(flux[1:] - flux[:-1]) / self.grid.widths

    # ------------------------------------------------------------------ spectra (fpesolve.spectrum)
    def spectrum(self, k: int = 5, **options):
        """The ``k`` slowest nonzero relaxation rates; see :func:`fpesolve.core.spectrum.spectrum`."""
        from .spectrum import spectrum
        return spectrum(self, k, **options)

    def spectral_gap(self, **options):
        """The spectral gap; see :func:`fpesolve.core.spectrum.spectral_gap`."""
        from .spectrum import spectral_gap
        return spectral_gap(self, **options)
