r"""Basins of attraction of a 1D loss: the one definition every module uses.

The minima of :math:`L` inside the domain, and the minima of the effective
potential at a reflecting wall (``CriticalPoint.at_wall``, see
:mod:`fpesolve.core.critical_points`: the drift pushes into the wall, which then
holds mass like a well), ordered by position, split the line into basins at
the separating saddles: between two neighbouring minima the highest saddle
(a local maximum of :math:`L`) separates them, and the outer basins end at
the domain ends.  Basin :math:`k` is the interval ``(edges[k], edges[k+1])``
around ``minima[k]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .._util.result import Result
from .landscape import CriticalPoint, Landscape

__all__ = ["Basins", "basins"]


@dataclass(frozen=True, repr=False)
class Basins(Result):
    r"""The minima of a landscape with their basins.

    Built by :func:`basins`; ``len(b)`` is the number of basins.

    Attributes
    ----------
    minima : tuple of CriticalPoint
        Minima by position: the interior ones and those at a wall
        (``at_wall=True``).
    saddles : tuple of CriticalPoint
        ``len(minima) - 1`` separating saddles, ``saddles[k]`` between
        ``minima[k]`` and ``minima[k + 1]``.
    edges : ndarray, shape (len(minima) + 1,)
        Basin boundaries (same units as :math:`\theta`): the domain end, the
        separating saddles, the other end (read-only).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> dw = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-2.0, 2.0))
    >>> b = basins(dw)
    >>> len(b), b.edges.tolist(), b.index(0.5)
    (2, [-2.0, 0.0, 2.0], 1)
    """

    minima: Tuple[CriticalPoint, ...]
    saddles: Tuple[CriticalPoint, ...]
    edges: np.ndarray

    def __len__(self) -> int:
        return len(self.minima)

    def summary(self) -> str:
        """The basins, one per line.

        Returns
        -------
        str
            A title, then each minimum (``(wall)`` for a wall minimum) with its interval.
        """
        lines = [f"{len(self)} basin(s)"]
        for m, (lo, hi) in zip(self.minima, self.intervals()):
            lines.append(f"  minimum x = {m.x:.6g}{' (wall)' if m.at_wall else ''}: ({lo:.6g}, {hi:.6g})")
        return "\n".join(lines)

    def table(self):
        """``(headers, rows)``: one row per basin.

        Returns
        -------
        tuple
            Headers ``("minimum x", "at wall", "lo", "hi")`` and one row per basin.
        """
        return (("minimum x", "at wall", "lo", "hi"),
                [(m.x, m.at_wall, lo, hi) for m, (lo, hi) in zip(self.minima, self.intervals())])

    def index(self, x: float) -> int:
        r"""The basin that contains ``x`` (a point on a separating saddle belongs to the left basin).

        Parameters
        ----------
        x : float
            A point (units of :math:`\theta`); points beyond the domain ends
            count to the outer basins.

        Returns
        -------
        int
            ``k`` with ``edges[k] <= x <= edges[k + 1]`` (0-based).
        """
        return int(np.clip(np.searchsorted(self.edges[1:-1], x, side="left"), 0, len(self.minima) - 1))

    def intervals(self) -> Tuple[Tuple[float, float], ...]:
        r"""``(lo, hi)`` of every basin.

        Returns
        -------
        tuple of (float, float)
            One interval per basin, left to right (units of :math:`\theta`).
        """
        return tuple((float(lo), float(hi)) for lo, hi in zip(self.edges[:-1], self.edges[1:]))


def basins(landscape: Landscape, eta: float = 0.0) -> Basins:
    r"""The basins of attraction of ``landscape``'s minima, wall minima included (see the module docstring).

    Parameters
    ----------
    landscape : Landscape
        The loss :math:`L` (through ``grad``), the noise :math:`\Sigma` and the domain.
    eta : float
        Learning rate :math:`\eta \ge 0` (dimensionless step size) deciding
        whether an end is a minimum of the effective potential (0: the
        small-rate limit, the sign of :math:`L'` there).

    Returns
    -------
    Basins
        The minima by position, the separating saddles and the basin edges.

    Raises
    ------
    ValueError
        If ``eta`` is negative or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> land = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-0.5, 2.0))
    >>> b = basins(land)
    >>> [cp.x for cp in b.minima], [s.x for s in b.saddles], b.intervals()
    ([-0.5, 1.0], [0.0], ((-0.5, 0.0), (0.0, 2.0)))
    """
    cps = landscape.critical_points(walls=True, eta=eta)
    minima = tuple(cp for cp in cps if cp.kind == "minimum")
    separators = []
    for left, right in zip(minima[:-1], minima[1:]):
        between = [cp for cp in cps if cp.kind == "saddle" and left.x < cp.x < right.x]
        separators.append(max(between, key=lambda cp: cp.loss))
    a, b = landscape.domain
    edges = np.array([a] + [s.x for s in separators] + [b], dtype=float)
    edges.flags.writeable = False
    return Basins(minima=minima, saddles=tuple(separators), edges=edges)
