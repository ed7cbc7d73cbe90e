r"""Grid- and step-refinement studies and Richardson extrapolation.

For a method of order :math:`p` the error behaves like :math:`e(h) \approx C h^p`,
so two consecutive resolutions with ratio :math:`r = h_k / h_{k+1}` give the
observed order :math:`\log(e_k/e_{k+1}) / \log r`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .._util.errors import ConvergenceError
from .._util.result import Result

__all__ = ["ConvergenceStudy", "convergence_study", "richardson"]


@dataclass(frozen=True, repr=False)
class ConvergenceStudy(Result):
    """Errors and observed orders over a refinement ladder.

    Built by :func:`convergence_study`.  ``str(study)`` (= :meth:`summary`)
    is a plain-text table; :meth:`table` gives the same numbers as
    ``(headers, rows)``.

    Attributes
    ----------
    resolutions : ndarray of int
        The ladder (e.g. cell counts ``N`` or step counts); larger is finer.
        Every level is kept.
    errors : ndarray
        Error norm at each resolution (units of the computed quantity).
        Without an exact answer these are *estimates* (see ``reference``);
        the finest level's error is then estimated from the observed order.
    orders : ndarray
        Observed order between consecutive resolutions (length ``len - 1``).
    label : str
        A title for the study.
    reference : str
        ``"exact"`` or ``"finest level"`` (errors against the finest level,
        corrected by Richardson's factor, see :func:`convergence_study`).

    Examples
    --------
    The midpoint rule for :math:`\\int_0^1 x^2 dx = 1/3` has the error
    :math:`1/(12 n^2)` exactly, so the observed order is 2:

    >>> import numpy as np
    >>> study = convergence_study(lambda n: np.mean(((np.arange(n) + 0.5) / n) ** 2), [10, 20, 40],
    ...                           exact=1 / 3, label="midpoint rule")
    >>> study.orders.round(10).tolist(), round(float(study.errors[0]) * 12 * 10**2, 10)
    ([2.0, 2.0], 1.0)
    >>> print(study)
    midpoint rule
      resolution        error   order
              10   8.3333e-04       -
              20   2.0833e-04   2.000
              40   5.2083e-05   2.000
    """

    resolutions: np.ndarray
    errors: np.ndarray
    orders: np.ndarray
    label: str = "convergence study"
    reference: str = "exact"

    @property
    def final_order(self) -> float:
        """The observed order on the two finest resolutions."""
        return float(self.orders[-1])

    def table(self):
        """``(headers, rows)``: resolution, error and observed order (``None`` on the coarsest level).

        Returns
        -------
        tuple
            Headers ``("resolution", "error", "order")`` and one row per level.
        """
        rows = [(int(n), float(e), None if k == 0 else float(self.orders[k - 1]))
                for k, (n, e) in enumerate(zip(self.resolutions, self.errors))]
        return ("resolution", "error", "order"), rows

    def summary(self) -> str:
        """A plain-text table: resolution, error, observed order.

        Returns
        -------
        str
            The label (with a note when the errors are estimated), a header
            line and one line per level.
        """
        note = "" if self.reference == "exact" else " (errors estimated against the finest level)"
        lines = [self.label + note, f"{'resolution':>12s} {'error':>12s} {'order':>7s}"]
        for n, e, order in self.table()[1]:
            lines.append(f"{n:12d} {e:12.4e} {'      -' if order is None else f'{order:7.3f}'}")
        return "\n".join(lines)


def _norm(diff: Any, norm: Union[str, float], weights: Optional[np.ndarray] = None) -> float:
    arr = np.atleast_1d(np.asarray(diff, dtype=float))
    if norm in ("max", "inf", np.inf):
        return float(np.max(np.abs(arr)))
    w = np.full(arr.shape, 1.0 / arr.size) if weights is None else weights
    if norm in ("l2", 2):
        return float(np.sqrt(np.sum(w * arr ** 2)))
    if norm in ("l1", 1):
        return float(np.sum(w * np.abs(arr)))
    raise ValueError(f"`norm` must be 'max', 'l2' or 'l1', got {norm!r}")


def _cell_averages(values: np.ndarray, size: int, coarse: int) -> np.ndarray:
    """Average ``values`` (one per cell of a uniform ``size``-cell grid) onto ``coarse`` cells (mass remap)."""
    factor = size // coarse
    return values.reshape(coarse, factor).mean(axis=1)


def _on_common_grid(values: Sequence[np.ndarray]) -> list:
    """Arrays from nested uniform grids as cell averages on the coarsest grid (exact mass remap)."""
    sizes = [v.size for v in values]
    coarse = sizes[0]
    if any(n % coarse for n in sizes):
        raise ValueError(f"arrays of sizes {sizes} do not come from nested grids (each size a multiple of the first, "
                         f"{coarse}): use resolutions that are multiples of the coarsest, e.g. N, 2N, 4N, or pass "
                         f"`exact` as a callable of the resolution")
    return [_cell_averages(v, n, coarse) for v, n in zip(values, sizes)]


def convergence_study(compute: Callable[[int], Any], resolutions: Sequence[int],
                      exact: Optional[Union[Callable[[int], Any], Any]] = None, norm: str = "max",
                      label: str = "convergence study", order: Optional[float] = None) -> ConvergenceStudy:
    r"""Run ``compute`` over a refinement ladder and report errors and observed orders.

    Parameters
    ----------
    compute : callable
        ``compute(n)`` returns the approximation at resolution ``n``: a
        scalar, or an array with one value per cell of an ``n``-cell uniform
        grid (densities from ``FokkerPlanck(landscape, eta, n)``).
    resolutions : sequence of int
        Increasing positive integers (cell counts, step counts, ...); the
        refinement ratio may vary along the ladder.  Arrays from different
        levels must come from nested grids (each ``n`` a multiple of the
        first).
    exact : callable or value, optional
        The exact answer: a value, or ``exact(n)`` giving it at the points of
        resolution ``n``.  When omitted, every level is compared with the
        finest: arrays are remapped onto the coarsest grid by cell averages
        (conservative: the mass of each coarse cell), and the difference to
        the finest level is multiplied by Richardson's factor
        :math:`r^p/(r^p - 1)` (:math:`r` = finest/level ratio, :math:`p`
        the observed order of the three finest levels, or ``order``), so it
        estimates the error against the continuum.  The finest level's own
        error is then *estimated* as the next finer level's difference would
        be, ``errors[-2] * (N_{-2}/N_{-1})^p``.
    norm : {"max", "l2", "l1"}
        Norm of the error vector (``"l2"``/``"l1"`` are means over the cells).
    label : str
        Title of the study (first line of its summary).
    order : float, optional
        The method's order, used for the Richardson factor without ``exact``
        (default: observed).

    Returns
    -------
    ConvergenceStudy
        Integer ``resolutions``, one error per level.

    Raises
    ------
    ValueError
        For fewer than two (three without ``exact``) resolutions, or arrays
        that do not come from nested grids.
    ConvergenceError
        Without ``exact`` or ``order``, when the differences to the finest
        level do not decrease like a power (no order can be observed).

    Examples
    --------
    The midpoint rule for :math:`\int_0^1 e^x dx` is second order:

    >>> import numpy as np
    >>> def midpoint(n):
    ...     x = (np.arange(n) + 0.5) / n
    ...     return np.exp(x).mean()
    >>> study = convergence_study(midpoint, [10, 20, 40, 80], exact=np.e - 1)
    >>> bool(abs(study.final_order - 2) < 0.01), study.resolutions.tolist()
    (True, [10, 20, 40, 80])

    Densities from different grids, without an exact answer:

    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
    >>> study = convergence_study(lambda n: FokkerPlanck(ou, 0.5, n).stationary(), [50, 100, 200, 400])
    >>> bool(abs(study.final_order - 2) < 0.2), len(study.errors)
    (True, 4)
    """
    raw = list(resolutions)
    if any(isinstance(n, (bool, np.bool_)) or not float(n).is_integer() for n in raw):
        raise ValueError(f"`resolutions` must be integers, got {raw!r}")
    ns = np.asarray([int(n) for n in raw], dtype=np.int64)
    if ns.size < 2 or np.any(np.diff(ns) <= 0) or np.any(ns <= 0):
        raise ValueError(f"`resolutions` must be at least two increasing positive integers, got {raw!r}")
    values = [np.asarray(compute(int(n)), dtype=float) for n in ns]
    if exact is None:
        if ns.size < 3:
            raise ValueError("without `exact` the errors are estimated against the finest level, which needs at "
                             f"least three resolutions; got {raw!r}")
        if values[0].ndim > 0 and len({v.size for v in values}) > 1:
            values = _on_common_grid(values)
        diffs = np.array([_norm(values[k] - values[-1], norm) for k in range(len(values) - 1)])
        with np.errstate(divide="ignore", invalid="ignore"):
            # differences to the finest: d_k ~ C (h_k^p - h_f^p); observed order from the three finest levels
            if order is None:
                d2, d1 = diffs[-2], diffs[-1]
                r1, r2 = ns[-1] / ns[-2], ns[-2] / ns[-3]
                p = _order_from_differences(d2, d1, r2, r1)
            else:
                p = float(order)
            if not (math.isfinite(p) and p > 0):
                raise ConvergenceError(
                    f"without `exact` the errors are estimated against the finest level, but the differences to it "
                    f"({', '.join(f'{d:.3e}' for d in diffs)}) do not decrease like a power of the resolution: "
                    f"pass `exact`, or the method's `order`, or refine further")
            factor = 1.0 / (1.0 - (ns[:-1] / ns[-1]) ** p)
        errors = np.append(diffs * factor, diffs[-1] * factor[-1] * (ns[-2] / ns[-1]) ** p)
        reference = "finest level"
    else:
        errors = np.array([_norm(v - np.asarray(exact(int(n)) if callable(exact) else exact), norm)
                           for n, v in zip(ns, values)])
        reference = "exact"
    with np.errstate(divide="ignore", invalid="ignore"):
        orders = np.log(errors[:-1] / errors[1:]) / np.log(ns[1:] / ns[:-1])
    return ConvergenceStudy(resolutions=ns, errors=errors, orders=orders, label=label, reference=reference)


def _order_from_differences(d2: float, d1: float, r2: float, r1: float) -> float:
    """Order p with (h2^p - h0^p)/(h1^p - h0^p) = d2/d1 for levels h2 = r2 r1 h0, h1 = r1 h0 (bisection)."""
    if not (d2 > d1 > 0):
        return math.nan
    target = d2 / d1

    def ratio(p):
        return ((r2 * r1) ** p - 1.0) / (r1 ** p - 1.0)

    lo, hi = 1e-3, 20.0
    if not ratio(lo) <= target <= ratio(hi):
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


def richardson(coarse: Any, fine: Any, ratio: float = 2.0, order: float = 2.0) -> Any:
    r"""Richardson extrapolation :math:`(r^p f - c)/(r^p - 1)` of two approximations.

    ``coarse`` and ``fine`` approximate the same quantity with step sizes
    :math:`h` and :math:`h/r` by a method of order ``p``; the result is
    accurate to the next order.

    Parameters
    ----------
    coarse, fine : float or array_like
        The approximations with step :math:`h` and :math:`h/r` (same shape,
        same units).
    ratio : float
        The refinement ratio :math:`r > 1` (dimensionless).
    order : float
        The order :math:`p` of the leading error term.

    Returns
    -------
    ndarray
        The extrapolated value(s), shape of ``coarse`` and ``fine`` (0-d for scalars).

    Raises
    ------
    ValueError
        If ``ratio`` is not a finite number > 1.

    Examples
    --------
    Midpoint sums of :math:`\int_0^1 x^2 dx` have the error :math:`1/(12n^2)`
    exactly, so one Richardson step gives :math:`1/3`:

    >>> import numpy as np
    >>> mid = lambda n: np.mean(((np.arange(n) + 0.5) / n) ** 2)
    >>> bool(abs(richardson(mid(10), mid(20)) - 1 / 3) < 1e-15)
    True
    """
    if not (math.isfinite(ratio) and ratio > 1):
        raise ValueError(f"`ratio` must be > 1, got {ratio!r}")
    factor = ratio ** order
    return (factor * np.asarray(fine) - np.asarray(coarse)) / (factor - 1.0)
