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

__all__ = ["ConvergenceStudy", "convergence_study", "richardson"]


@dataclass(frozen=True)
class ConvergenceStudy:
    """Errors and observed orders over a refinement ladder.

    Attributes
    ----------
    resolutions : ndarray
        The ladder (e.g. cell counts ``N`` or step counts); larger is finer.
    errors : ndarray
        Error norm at each resolution.
    orders : ndarray
        Observed order between consecutive resolutions (length ``len - 1``).
    label : str
    """

    resolutions: np.ndarray
    errors: np.ndarray
    orders: np.ndarray
    label: str = "convergence study"

    @property
    def final_order(self) -> float:
        """The observed order on the two finest resolutions."""
        return float(self.orders[-1])

    def table(self) -> str:
        """A plain-text table: resolution, error, observed order."""
        lines = [self.label, f"{'resolution':>12s} {'error':>12s} {'order':>7s}"]
        for k, (n, e) in enumerate(zip(self.resolutions, self.errors)):
            order = f"{self.orders[k - 1]:7.3f}" if k > 0 else "      -"
            lines.append(f"{n:12.6g} {e:12.4e} {order}")
        return "\n".join(lines)

    summary = table

    def __str__(self) -> str:
        return self.table()


def _norm(diff: Any, norm: Union[str, float]) -> float:
    arr = np.atleast_1d(np.asarray(diff, dtype=float))
    if norm in ("max", "inf", np.inf):
        return float(np.max(np.abs(arr)))
    if norm in ("l2", 2):
        return float(np.sqrt(np.mean(arr ** 2)))
    if norm in ("l1", 1):
        return float(np.mean(np.abs(arr)))
    raise ValueError(f"`norm` must be 'max', 'l2' or 'l1', got {norm!r}")


def convergence_study(compute: Callable[[int], Any], resolutions: Sequence[int],
                      exact: Optional[Union[Callable[[int], Any], Any]] = None, norm: str = "max",
                      label: str = "convergence study") -> ConvergenceStudy:
    r"""Run ``compute`` over a refinement ladder and report errors and observed orders.

    Parameters
    ----------
    compute : callable
        ``compute(n)`` returns the approximation at resolution ``n`` (a
        scalar or an array).
    resolutions : sequence of int
        Increasing resolutions (cell counts, step counts, ...); the
        refinement ratio may vary along the ladder.
    exact : callable or value, optional
        The exact answer: a value, or ``exact(n)`` giving it at the points of
        resolution ``n`` (arrays on different grids).  When omitted the error
        at level ``k`` is estimated by the difference to level ``k + 1``
        (the last level is dropped).
    norm : {"max", "l2", "l1"}
        Norm of the error vector.

    Returns
    -------
    ConvergenceStudy

    Examples
    --------
    The midpoint rule for :math:`\int_0^1 e^x dx` is second order:

    >>> import numpy as np
    >>> def midpoint(n):
    ...     x = (np.arange(n) + 0.5) / n
    ...     return np.exp(x).mean()
    >>> study = convergence_study(midpoint, [10, 20, 40, 80], exact=np.e - 1)
    >>> bool(abs(study.final_order - 2) < 0.01)
    True
    """
    ns = np.asarray(list(resolutions), dtype=float)
    if ns.size < 2 or np.any(np.diff(ns) <= 0) or np.any(ns <= 0):
        raise ValueError(f"`resolutions` must be at least two increasing positive numbers, got {list(resolutions)!r}")
    values = [compute(int(n)) for n in ns]
    if exact is None:
        errors = np.array([_norm(np.asarray(values[k]) - np.asarray(values[k + 1]), norm)
                           for k in range(len(values) - 1)])
        ns = ns[:-1]
    else:
        errors = np.array([_norm(np.asarray(v) - np.asarray(exact(int(n)) if callable(exact) else exact), norm)
                           for n, v in zip(ns, values)])
    with np.errstate(divide="ignore", invalid="ignore"):
        orders = np.log(errors[:-1] / errors[1:]) / np.log(ns[1:] / ns[:-1])
    return ConvergenceStudy(resolutions=ns, errors=errors, orders=orders, label=label)


def richardson(coarse: Any, fine: Any, ratio: float = 2.0, order: float = 2.0) -> Any:
    r"""Richardson extrapolation :math:`(r^p f - c)/(r^p - 1)` of two approximations.

    ``coarse`` and ``fine`` approximate the same quantity with step sizes
    :math:`h` and :math:`h/r` by a method of order ``p``; the result is
    accurate to the next order.
    """
    if not (math.isfinite(ratio) and ratio > 1):
        raise ValueError(f"`ratio` must be > 1, got {ratio!r}")
    factor = ratio ** order
    return (factor * np.asarray(fine) - np.asarray(coarse)) / (factor - 1.0)
