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

from .._util.validation import as_1d_float_array, positive_float, positive_int

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """A cell-centred grid given by strictly increasing cell edges.

    Attributes
    ----------
    edges : ndarray, shape (N + 1,)
    centres : ndarray, shape (N,)
        Cell midpoints, where the solution is stored.
    widths : ndarray, shape (N,)
        Cell lengths ``|cell_i|``.
    """

    _skip_in_json = True  # an input, not a result: left out of JSON reports

    edges: np.ndarray
    centres: np.ndarray = field(init=False, repr=False)
    widths: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        edges = as_1d_float_array(self.edges, "edges")
        if edges.size < 3:
            raise ValueError(f"a grid needs at least 2 cells (3 edges), got {edges.size} edges")
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
        """``n`` equal cells on ``[a, b]``."""
        n = positive_int(n, "n", minimum=2)
        a, b = float(a), float(b)
        if not (np.isfinite(a) and np.isfinite(b)) or not b > a:
            raise ValueError(f"need finite a < b for a grid, got a={a!r}, b={b!r}")
        return cls(np.linspace(a, b, n + 1))

    @classmethod
    def from_edges(cls, edges: Iterable[float]) -> "Grid":
        """A grid from explicit, strictly increasing edges."""
        return cls(np.asarray(list(edges) if not isinstance(edges, np.ndarray) else edges, dtype=float))

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
        width : float, optional
            Refinement width; default ``(b - a) / 20``.
        strength : float
            Peak extra density ``s >= 0``.
        """
        n = positive_int(n, "n", minimum=2)
        pts = np.asarray(list(points), dtype=float)
        width = positive_float(width if width is not None else (b - a) / 20.0, "width")
        if strength < 0 or not np.isfinite(strength):
            raise ValueError(f"`strength` must be finite and >= 0, got {strength!r}")
        fine = np.linspace(a, b, 64 * n + 1)
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
        return bool(np.ptp(self.widths) <= 1e-12 * self.widths.mean())

    def cell_of(self, x: float) -> int:
        """Index of the cell containing ``x``."""
        a, b = self.domain
        if not a <= x <= b:
            raise ValueError(f"`x` = {x!r} lies outside the grid [{a!r}, {b!r}]")
        return int(min(max(np.searchsorted(self.edges, x, side="right") - 1, 0), self.n - 1))

    def check_inside(self, domain: tuple, name: str = "landscape") -> None:
        """Raise ``ValueError`` unless the grid lies inside ``domain``."""
        a, b = domain
        lo, hi = self.domain
        tol = 1e-12 * (b - a)
        if lo < a - tol or hi > b + tol:
            raise ValueError(f"the grid [{lo!r}, {hi!r}] is not inside the domain [{a!r}, {b!r}] of {name}; "
                             f"build it with Grid.uniform({a!r}, {b!r}, n)")

    def __repr__(self) -> str:
        kind = "uniform" if self.is_uniform else "non-uniform"
        return f"Grid({kind}, n={self.n}, domain=[{self.edges[0]:g}, {self.edges[-1]:g}])"
