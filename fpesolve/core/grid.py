"""Cell-centred one-dimensional grids, uniform and non-uniform.

A :class:`Grid` is a partition of ``[a, b]`` into ``N`` cells given by its
``N + 1`` edges.  The unknowns of the finite-volume solver live at the cell
centres (midpoints of the edges), so no unknown sits on a domain end — this
is what lets a noise variance that vanishes at an end (Jacobi, CIR) work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

import numpy as np

from .._util.errors import CostLimitError
from .._util.validation import as_1d_float_array, finite_float, positive_float, positive_int

__all__ = ["Grid", "MAX_CELLS"]

#: largest number of cells a grid may have (a discretisation keeps ~15 arrays of this length: ~1.2 GB)
MAX_CELLS = 10 ** 7
#: fine points per cell on which the mesh density of :meth:`Grid.refined` is equidistributed
_REFINE_OVERSAMPLING = 64
#: at most this many fine points (beyond 4 per cell) for the equidistribution of :meth:`Grid.refined`
_REFINE_MAX_FINE = 2 ** 22
#: default refinement width of :meth:`Grid.refined`, as a fraction of the interval
_REFINE_WIDTH_FRACTION = 1.0 / 20.0
#: relative spread of the cell widths below which a grid counts as uniform
_UNIFORM_RTOL = 1e-12


def _cells(n, name: str = "n") -> int:
    n = positive_int(n, name, minimum=2)
    if n > MAX_CELLS:
        raise CostLimitError(f"`{name}` = {n} cells is above the limit fpesolve.core.grid.MAX_CELLS = {MAX_CELLS} "
                             f"(each array of the discretisation would take {8 * n / 1e9:.2g} GB); a 1D problem needs "
                             f"far fewer cells: use a refined grid (Grid.refined) where the density varies fast")
    return n


def _interval(a, b) -> tuple:
    a, b = finite_float(a, "a"), finite_float(b, "b")
    if not b > a:
        raise ValueError(f"a grid needs `a` < `b`, got a={a!r}, b={b!r}")
    return a, b


@dataclass(frozen=True)
class Grid:
    """A cell-centred grid given by strictly increasing cell edges.

    Usually built with :meth:`uniform`, :meth:`refined` or :meth:`from_edges`.
    The arrays are read-only.

    Parameters
    ----------
    edges : array_like, shape (N + 1,)
        Strictly increasing cell edges (same units as the parameter
        :math:`\\theta`), at least 3 of them (2 cells) and at most
        ``MAX_CELLS + 1``.

    Attributes
    ----------
    edges : ndarray, shape (N + 1,)
        The cell edges.
    centres : ndarray, shape (N,)
        Cell midpoints, where the solution is stored.
    widths : ndarray, shape (N,)
        Cell lengths ``|cell_i|``.

    Raises
    ------
    ValueError
        For fewer than 3 edges, edges that are not finite or not strictly
        increasing.
    CostLimitError
        For more than ``MAX_CELLS`` cells.

    Examples
    --------
    The centres are the midpoints of the edges, so no unknown sits on an end:

    >>> from fpesolve import Grid
    >>> g = Grid([0.0, 0.5, 2.0])
    >>> g.n, g.centres.tolist(), g.widths.tolist()
    (2, [0.25, 1.25], [0.5, 1.5])
    >>> g.is_uniform
    False
    """

    _skip_in_json = True  # an input, not a result: left out of JSON reports

    edges: np.ndarray
    centres: np.ndarray = field(init=False, repr=False)
    widths: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        edges = as_1d_float_array(self.edges, "edges")
        if edges.size - 1 > MAX_CELLS:
            _cells(edges.size - 1, "edges")
        if edges.size < 3:
            raise ValueError(f"a grid needs at least 2 cells: `edges` must have 3 or more entries, got {edges.size}")
        widths = np.diff(edges)
        if np.any(widths <= 0):
            i = int(np.flatnonzero(widths <= 0)[0])
            raise ValueError(f"`edges` must be strictly increasing; edges[{i}] = {float(edges[i])!r} >= edges[{i + 1}] = "
                             f"{float(edges[i + 1])!r}")
        edges = edges.copy()
        edges.flags.writeable = False
        centres = 0.5 * (edges[:-1] + edges[1:])
        centres.flags.writeable = False
        widths.flags.writeable = False
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "centres", centres)
        object.__setattr__(self, "widths", widths)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def uniform(cls, a: float, b: float, n: int) -> "Grid":
        """``n`` equal cells on ``[a, b]``.

        Parameters
        ----------
        a, b : float
            The ends of the interval, finite, ``a < b``.
        n : int
            Number of cells, ``2 <= n <= MAX_CELLS``.

        Returns
        -------
        Grid

        Raises
        ------
        ValueError
            For ``a >= b``, a non-finite end, or ``n < 2``.
        TypeError
            For a non-integer ``n`` or a non-numeric end.
        CostLimitError
            For ``n > MAX_CELLS``.

        Examples
        --------
        >>> Grid.uniform(0.0, 1.0, 4).edges.tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        """
        a, b = _interval(a, b)
        n = _cells(n)
        return cls(np.linspace(a, b, n + 1))

    @classmethod
    def from_edges(cls, edges: Iterable[float]) -> "Grid":
        """A grid from explicit, strictly increasing edges.

        Parameters
        ----------
        edges : iterable of float
            The ``N + 1`` cell edges, strictly increasing, at least 3.

        Returns
        -------
        Grid

        Raises
        ------
        TypeError
            When ``edges`` is a string or not iterable.
        ValueError
            For fewer than 3 edges or edges that are not finite and strictly increasing.
        """
        if isinstance(edges, (str, bytes)) or not hasattr(edges, "__iter__"):
            raise TypeError(f"`edges` must be an iterable of numbers, got {edges!r}")
        return cls(as_1d_float_array(list(edges) if not isinstance(edges, np.ndarray) else edges, "edges"))

    @classmethod
    def refined(cls, a: float, b: float, n: int, points: Iterable[float], width: Optional[float] = None,
                strength: float = 8.0) -> "Grid":
        r"""``n`` cells on ``[a, b]``, denser by up to ``1 + strength`` near ``points``.

        The edges are equidistributed for the mesh density
        :math:`w(x) = 1 + s\sum_k \exp(-(x - c_k)^2 / (2 w^2))`, so the grid is
        smooth (neighbouring cells differ by a factor close to 1) and the
        scheme keeps its second order.  Typical use: refine around the minima
        and saddles of a landscape, ``points=[cp.x for cp in L.critical_points()]``.

        Parameters
        ----------
        a, b : float
            The ends of the interval, finite, ``a < b``.
        n : int
            Number of cells, ``2 <= n <= MAX_CELLS``.
        points : float or iterable of float
            The positions :math:`c_k` to refine around (may be empty).
        width : float, optional
            Refinement width :math:`w > 0` (units of :math:`\theta`); default ``(b - a) / 20``.
        strength : float
            Peak extra density ``s >= 0``.

        Returns
        -------
        Grid
            With ``edges[0] == a`` and ``edges[-1] == b`` exactly.

        Raises
        ------
        ValueError
            For ``a >= b``, ``n < 2``, ``width <= 0``, ``strength < 0`` or a non-finite value.
        TypeError
            For ``points`` that are not numbers.
        CostLimitError
            For ``n > MAX_CELLS``.

        Examples
        --------
        Cells near the refinement point are about ``1 + strength`` times smaller:

        >>> g = Grid.refined(-2.0, 2.0, 200, points=[0.0], width=0.2, strength=8.0)
        >>> ratio = g.widths.max() / g.widths[g.cell_of(0.0)]
        >>> bool(8.0 < ratio < 9.0)
        True
        """
        a, b = _interval(a, b)
        n = _cells(n)
        if isinstance(points, (str, bytes)) or not (np.ndim(points) == 0 or hasattr(points, "__iter__")):
            raise TypeError(f"`points` must be numbers (positions to refine around), got {points!r}")
        pts = as_1d_float_array(points if isinstance(points, np.ndarray) or np.ndim(points) == 0 else list(points),
                                "points")
        width = positive_float(width if width is not None else (b - a) * _REFINE_WIDTH_FRACTION, "width")
        strength = finite_float(strength, "strength")
        if strength < 0:
            raise ValueError(f"`strength` must be finite and >= 0, got {strength!r}")
        fine = np.linspace(a, b, min(_REFINE_OVERSAMPLING * n, max(4 * n, _REFINE_MAX_FINE)) + 1)
        density = np.ones_like(fine)
        for c in pts:
            density += strength * np.exp(-0.5 * ((fine - c) / width) ** 2)
        cdf = np.concatenate(([0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(fine))))
        cdf /= cdf[-1]
        edges = np.interp(np.linspace(0.0, 1.0, n + 1), cdf, fine)
        edges[0], edges[-1] = a, b
        return cls(edges)

    # ----------------------------------------------------------------- queries
    @property
    def n(self) -> int:
        """Number of cells."""
        return self.centres.size

    @property
    def domain(self) -> tuple:
        """``(a, b)``."""
        return (float(self.edges[0]), float(self.edges[-1]))

    @property
    def is_uniform(self) -> bool:
        """Whether all cells have the same width (to 1e-12 relative)."""
        return bool(np.ptp(self.widths) <= _UNIFORM_RTOL * self.widths.mean())

    def cell_of(self, x: float) -> int:
        """Index of the cell containing ``x``.

        Parameters
        ----------
        x : float
            A point of ``[a, b]``; an interior edge belongs to the cell on its right,
            the right end ``b`` to the last cell.

        Returns
        -------
        int
            ``i`` with ``edges[i] <= x <= edges[i + 1]``.

        Raises
        ------
        ValueError
            When ``x`` is not finite or lies outside the grid.
        """
        x = finite_float(x, "x")
        a, b = self.domain
        if not a <= x <= b:
            raise ValueError(f"`x` = {x!r} lies outside the grid [{a!r}, {b!r}]")
        return int(min(max(np.searchsorted(self.edges, x, side="right") - 1, 0), self.n - 1))

    def check_inside(self, domain: tuple, name: str = "landscape") -> None:
        """Raise ``ValueError`` unless the grid lies inside ``domain``.

        Parameters
        ----------
        domain : (float, float)
            The interval ``(a, b)`` that must contain the grid (to 1e-12 of its length).
        name : str
            What ``domain`` belongs to, for the message.

        Raises
        ------
        ValueError
            When an end of the grid lies outside ``domain``.
        """
        a, b = domain
        lo, hi = self.domain
        tol = 1e-12 * (b - a)
        if lo < a - tol or hi > b + tol:
            raise ValueError(f"the `grid` [{lo!r}, {hi!r}] is not inside the domain [{a!r}, {b!r}] of {name}; "
                             f"build it with Grid.uniform({a!r}, {b!r}, n)")

    def __repr__(self) -> str:
        kind = "uniform" if self.is_uniform else "non-uniform"
        return f"Grid({kind}, n={self.n}, domain=[{self.edges[0]:g}, {self.edges[-1]:g}])"
