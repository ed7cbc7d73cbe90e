r"""Continuum limits of grid quantities: Richardson extrapolation over nested grids, with an error bound.

A number computed from the Scharfetter–Gummel chain on a grid of mesh size
:math:`h` (a relaxation rate, a mean first-passage time) is exact for the
chain but differs from the continuum value :math:`y^*` by the discretisation
error,

.. math:: y(h) = y^* + c_2 h^2 + c_3 h^3 + c_4 h^4 + \dots

The ladder here refines the given grid by splitting **every cell into**
:math:`r` **equal parts** (:func:`subdivide`), level after level, so on any
(non-uniform) base grid the fine grids are the same family with
:math:`h_k = h_0 r^{-k}` and the expansion above holds cell by cell.
The Richardson table

.. math:: T_{j}(k) = T_{j-1}(k+1) + \frac{T_{j-1}(k+1) - T_{j-1}(k)}{r^{p_j} - 1},
          \qquad T_0(k) = y(h_k), \quad p_j = j + 1,

removes one power after the other (all integer powers from 2 are eliminated:
on a uniform grid the odd ones often vanish, but not at an end where
:math:`\Sigma` vanishes, as for the Jacobi and CIR diffusions).

The error bound.  Column :math:`j` is *checked* when its last two
differences have the same sign and decrease by at least
:math:`r^{p_{j+1} - 0.3}` (the observed order is at least the assumed next
power, less a slack of 0.3), or are both at the rounding level.  The value
:math:`T_j` on the finest level is accepted when columns
:math:`0, \dots, \max(j-1, 0)` are checked, and its error is bounded by the
correction it made, :math:`|T_j - T_{j-1}|` (the error estimate of the
previous column, larger than :math:`T_j`'s own by a factor of order
:math:`h^{-1}` in the asymptotic range), plus the rounding level; for
:math:`j = 0` by the last difference of the raw values.  Of the accepted
values the one with the smallest bound is returned.  When no column is
checked — too few levels, an observed order below 2 (a non-smooth problem,
a pre-asymptotic grid), differences changing sign — there is no estimate,
and the callers raise :class:`~fpesolve.ConvergenceError` instead of
returning a number.

Rounding.  Positive quantities are extrapolated as their natural logarithm
(gaps below the float64 range are then ordinary numbers, and the bound on
:math:`\ln y` is the relative error of :math:`y`).  The rounding level of a
raw value is taken as :math:`\varepsilon\,(4\sqrt{N} + 4|\ln y|)`, the relative
accuracy of an eigenvalue of an :math:`N`-cell chain whose rates carry a few
ulps each (measured: up to ~8 :math:`\sqrt N\,\varepsilon` on random landscapes; 16 is used),
amplified through column :math:`j` by :math:`\prod_{m \le j} (r^{p_m}+1)/(r^{p_m}-1)`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.errors import ConvergenceError
from .._util.result import Result
from .._util.validation import positive_int
from .chain_rounding import passage_rounding, spectrum_rounding
from .grid import Grid

__all__ = ["Extrapolation", "subdivide", "extrapolate", "continuum_limit", "parse_accuracy", "require_converged",
           "gap_with_accuracy", "spectrum_with_accuracy", "passage_with_accuracy", "DEFAULT_RTOL"]

#: target relative error of ``accuracy="continuum"`` (the ladder stops once every quantity reaches it)
DEFAULT_RTOL = 1e-12
#: refinement ratio of the ladder (each cell split into this many equal parts per level)
DEFAULT_RATIO = 2
#: the ladder stops before a level would have more cells than this
MAX_LADDER_CELLS = 2 ** 21
#: at most this many levels (the base grid included)
MAX_LEVELS = 10
#: an observed order may fall this far below the power a column assumes next
ORDER_SLACK = 0.3
#: an observed order may exceed the assumed next power by this (one vanishing power, e.g. the odd ones on a
#: uniform grid) plus the slack; a faster decrease means the differences shrank by coincidence
ORDER_SKIP = 2
#: rounding level of a raw value: eps * (NOISE_SQRT_N * sqrt(N) + NOISE_LOG * |y|)
NOISE_SQRT_N = 8.0
NOISE_LOG = 4.0
_EPS = float(np.finfo(float).eps)
_LN10 = math.log(10.0)

_ACCURACY_WORDS = ("grid", "estimate", "continuum")


def parse_accuracy(accuracy: Union[str, float]) -> Tuple[str, Optional[float]]:
    """``(kind, rtol)`` from an ``accuracy=`` argument.

    Parameters
    ----------
    accuracy : {"grid", "estimate", "continuum"} or float
        ``"grid"``: the value of the discrete chain, no discretisation error
        estimate; ``"estimate"``: the grid value and a bound on its
        discretisation error; ``"continuum"``: the extrapolated continuum
        value as accurate as the ladder gets (stopping at
        :data:`DEFAULT_RTOL`); a float in (0, 1): the continuum value to
        that relative error, or :class:`~fpesolve.ConvergenceError`.

    Returns
    -------
    kind : str
        One of the three words (a float gives ``"continuum"``).
    rtol : float or None
        The relative target (``None`` for ``"grid"``/``"estimate"``;
        :data:`DEFAULT_RTOL` for ``"continuum"``).

    Raises
    ------
    ValueError
        For another word or a number outside (0, 1).

    Examples
    --------
    >>> parse_accuracy("grid"), parse_accuracy(1e-10)
    (('grid', None), ('continuum', 1e-10))
    """
    if isinstance(accuracy, str):
        if accuracy not in _ACCURACY_WORDS:
            raise ValueError(f"`accuracy` must be one of {_ACCURACY_WORDS} or a relative tolerance in (0, 1), "
                             f"got {accuracy!r}")
        return accuracy, (DEFAULT_RTOL if accuracy == "continuum" else None)
    if isinstance(accuracy, (bool, np.bool_)) or not isinstance(accuracy, (int, float, np.integer, np.floating)):
        raise TypeError(f"`accuracy` must be a word {_ACCURACY_WORDS} or a float, got {type(accuracy).__name__}")
    rtol = float(accuracy)
    if not (0.0 < rtol < 1.0):
        raise ValueError(f"`accuracy` as a relative tolerance must lie in (0, 1), got {accuracy!r}")
    return "continuum", rtol


def subdivide(grid: Grid, ratio: int = DEFAULT_RATIO) -> Grid:
    """``grid`` with every cell split into ``ratio`` equal cells (the old edges stay edges).

    Parameters
    ----------
    grid : Grid
        Any grid, uniform or not.
    ratio : int
        Parts per cell, >= 2.

    Returns
    -------
    Grid
        ``ratio * N`` cells.

    Raises
    ------
    ValueError
        When ``ratio`` is not an integer >= 2.

    Examples
    --------
    >>> from fpesolve import Grid
    >>> subdivide(Grid.from_edges([0.0, 1.0, 3.0])).edges.tolist()
    [0.0, 0.5, 1.0, 2.0, 3.0]
    """
    ratio = positive_int(ratio, "ratio", minimum=2)
    e = np.asarray(grid.edges)
    w = np.diff(e)
    inner = (e[:-1, None] + w[:, None] * (np.arange(ratio)[None, :] / ratio)).ravel()
    return Grid(np.append(inner, e[-1]))


@dataclass(frozen=True, repr=False)
class Extrapolation(Result):
    r"""Continuum limits of quantities computed on a ladder of nested grids, with error bounds.

    Attributes
    ----------
    values : ndarray, shape (m,)
        The extrapolated values :math:`y^*` (``inf``/``0`` where the value is
        outside float64; ``log_values`` carries it).
    log_values : ndarray, shape (m,)
        :math:`\ln y^*` (the extrapolated variable).
    rel_errors : ndarray, shape (m,)
        Bounds on :math:`|y/y^* - 1|` (from the bound on :math:`\ln y`).
    errors : ndarray, shape (m,)
        Absolute bounds ``rel_errors * values``.
    grid_values : ndarray, shape (m,)
        The values on the base grid (level 0).
    grid_rel_errors : ndarray, shape (m,)
        Bounds on the relative discretisation error of ``grid_values``.
    columns : ndarray of int, shape (m,)
        The Richardson column each value was taken from (0: the finest raw value).
    observed_orders : ndarray, shape (m,)
        :math:`\log_r` of the ratio of the last two raw differences (about 2).
    resolutions : tuple of int
        Cells of the levels, coarse to fine.
    ratio : int
        Refinement ratio between levels.
    converged : bool
        Whether every quantity reached ``rtol``.
    rtol : float or None
        The target (``None``: none).
    message : str
        What was reached.
    method : str
        ``"Richardson extrapolation over nested grids"`` and the ladder.
    expansions : tuple of str
        Per quantity, the expansion whose column was accepted (``"powers"``:
        :math:`h^2, h^3, \\dots`; ``"powers and logs"``: :math:`h^2\\ln h, h^2, h^3\\ln h, \\dots`).

    Examples
    --------
    The gap of an OU process (exact value 2) from a 100-cell grid, by the ladder of
    :func:`continuum_limit` behind ``accuracy="continuum"``:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-6.0, 6.0))
    >>> fp = FokkerPlanck(ou, eta=1.0, grid=100)
    >>> ex = fp.spectrum(2, vectors=False, accuracy="continuum").extrapolation
    >>> bool(np.all(np.abs(ex.values - [2.0, 4.0]) <= ex.errors)), ex.resolutions[0], ex.ratio
    (True, 100, 2)
    """

    values: np.ndarray
    log_values: np.ndarray
    rel_errors: np.ndarray
    errors: np.ndarray
    grid_values: np.ndarray
    grid_rel_errors: np.ndarray
    columns: np.ndarray
    observed_orders: np.ndarray
    resolutions: Tuple[int, ...]
    ratio: int
    converged: bool
    rtol: Optional[float]
    message: str
    method: str
    expansions: Tuple[str, ...] = ()

    def summary(self) -> str:
        """The extrapolated values with their bounds, and the ladder.

        Returns
        -------
        str
            One line per quantity after a header with the method and the message.
        """
        lines = [f"{self.method}: {self.message}"]
        for j in range(self.values.size):
            lines.append(f"  {j + 1:3d}  {self.values[j]:.16e}  rel. error <= {self.rel_errors[j]:.2e}  "
                         f"(grid value {self.grid_values[j]:.16e}, rel. error <= {self.grid_rel_errors[j]:.2e}; "
                         f"column {int(self.columns[j])}, observed order {self.observed_orders[j]:.3f})")
        return "\n".join(lines)


#: the expansions tried: powers h^p (p = 2, 3, ...) and, for ends where Sigma vanishes (Jacobi with a = 1),
#: h^p log h after each h^p (in this order every column's span is invariant under h -> s h)
_BASES = {"powers": tuple((p, 0) for p in range(2, 14)),
          "powers and logs": tuple(t for p in range(2, 8) for t in ((p, 0), (p, 1)))}


def _table(y: np.ndarray, ratio: int, basis, noise: float):
    """Columns T_j (fit of y* + sum_{l<=j} c_l g_l through j + 1 consecutive levels) and their rounding levels."""
    levels = y.size
    h = float(ratio) ** -np.arange(levels)
    g = [h ** p * (np.log(h) if lg else 1.0) for p, lg in basis]
    table, noises = [y.copy()], [noise]
    for j in range(1, min(levels, len(basis) + 1)):
        col, amp = np.empty(levels - j), 0.0
        for k in range(levels - j):
            rows = np.arange(k, k + j + 1)
            a = np.column_stack([np.ones(j + 1)] + [g[l][rows] for l in range(j)])
            w = np.linalg.solve(a.T, np.eye(j + 1)[:, 0])  # y* = w . y
            col[k] = w @ y[rows]
            amp = max(amp, float(np.sum(np.abs(w))))
        table.append(col)
        noises.append(noise * amp)
    return table, noises


def _check(col: np.ndarray, need: float, floor: float, strict: bool, cap: float = math.inf) -> bool:
    """Whether the last two (``strict``: three) differences decrease by ``need`` (and by no more than ``cap``,
    unless the smaller is at ``floor``) with one sign, or are at ``floor``."""
    n_diff = 3 if strict else 2
    if col.size < n_diff + 1:
        return False
    d = np.diff(col)[-n_diff:]
    for d1, d2 in zip(d[:-1], d[1:]):
        if abs(d1) <= floor and abs(d2) <= floor:
            continue
        if not ((d1 * d2 > 0 or abs(d2) <= floor) and abs(d1) >= need * abs(d2)):
            return False
        if abs(d2) > floor and abs(d1) > cap * abs(d2):
            # a faster decrease than even the power after next: the column's error is passing through
            # zero (a coefficient changing sign along the ladder), not in its asymptotic range
            return False
    return True


def _best_in_basis(y: np.ndarray, ratio: int, basis, noise: float):
    table, noises = _table(y, ratio, basis, noise)
    checked, strict = [], []
    for m, col in enumerate(table):
        nxt = basis[m][0] if m < len(basis) else basis[-1][0] + 1
        need = float(ratio) ** (nxt - ORDER_SLACK)
        cap = float(ratio) ** (nxt + ORDER_SKIP + ORDER_SLACK)
        checked.append(_check(col, need, 2.0 * noises[m], False, cap))
        strict.append(_check(col, need, 2.0 * noises[m], True, cap))
    best = (math.nan, math.inf, -1)
    if not strict or not strict[0]:
        return best
    for j in range(len(table)):
        if j == 0:
            bound = abs(table[0][-1] - table[0][-2])
        else:
            if not (strict[j - 1] and all(checked[:j - 1])):
                continue
            bound = abs(table[j][-1] - table[j - 1][-1])
        bound += noises[j]
        if bound < best[1]:
            best = (float(table[j][-1]), float(bound), j)
    return best


def extrapolate(ys: Sequence[float], ratio: int = DEFAULT_RATIO, noise: float = 0.0):
    r"""The best checked Richardson value of one sequence and its error bound (see the module notes).

    Parameters
    ----------
    ys : sequence of float
        Values on levels with :math:`h_k = h_0 r^{-k}`, coarse to fine (at least 3 for a bound).
    ratio : int
        :math:`r`.
    noise : float
        Rounding level of a raw value (absolute).

    Returns
    -------
    value : float
        The accepted value (``nan`` when no column is checked).
    bound : float
        Its error bound (``inf`` when no column is checked).
    column : int
        How many terms of the expansion were removed (``-1``: none accepted).
    basis : str
        ``"powers"`` or ``"powers and logs"``.

    Examples
    --------
    :math:`y(h) = 1 + h^2 + h^3` at :math:`h = 1/2^k`:

    >>> value, bound, column, basis = extrapolate([1 + h**2 + h**3 for h in 0.5 ** np.arange(1, 7)])
    >>> bool(abs(value - 1) <= bound < 1e-6), column, basis
    (True, 3, 'powers')
    """
    y = np.asarray(ys, dtype=float)
    best = (math.nan, math.inf, -1, "")
    for name, basis in _BASES.items():
        value, bound, column = _best_in_basis(y, ratio, basis, noise)
        if bound < best[1]:
            best = (value, bound, column, name)
    return best


def _raw_noise(log_value: float, cells: int) -> float:
    return _EPS * (NOISE_SQRT_N * math.sqrt(cells) + NOISE_LOG * abs(log_value))


def continuum_limit(evaluate: Callable[[Grid], np.ndarray], grid: Grid, rtol: Optional[float] = DEFAULT_RTOL,
                    what: str = "value", ratio: int = DEFAULT_RATIO, max_levels: int = MAX_LEVELS,
                    max_cells: int = MAX_LADDER_CELLS, min_levels: int = 3,
                    base_logs: Optional[np.ndarray] = None) -> Extrapolation:
    r"""Refine ``grid`` level by level and extrapolate ``evaluate`` to the continuum.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(grid)`` returns the natural logs of the positive
        quantities on that grid, shape ``(m,)``, or a pair ``(logs,
        rounding)`` with a bound on the rounding error of those logs beyond
        the generic level (e.g. :func:`~fpesolve.core.chain_rounding.spectrum_rounding`).
    grid : Grid
        The base grid (level 0).
    rtol : float or None
        Stop once every bound is below ``rtol`` (relative); ``None``: after
        ``min_levels`` levels with a bound for every quantity.
    what : str
        Name of the quantities for messages.
    ratio, max_levels, max_cells, min_levels : int
        The ladder: ``ratio`` parts per cell per level, at most ``max_levels``
        levels and ``max_cells`` cells, at least ``min_levels`` levels.
    base_logs : ndarray or (ndarray, float), optional
        ``evaluate(grid)`` if already known.

    Returns
    -------
    Extrapolation
        ``converged`` says whether ``rtol`` was met.

    Raises
    ------
    ConvergenceError
        When some quantity has no checked Richardson column on the whole
        ladder (no honest bound exists).

    Examples
    --------
    A quantity with :math:`\ln y(h) = h^2 + h^3` on a grid of mesh :math:`h`:

    >>> from fpesolve import Grid
    >>> ex = continuum_limit(lambda g: np.array([g.widths[0] ** 2 + g.widths[0] ** 3]), Grid.uniform(0, 1, 8),
    ...                      rtol=1e-12)
    >>> bool(abs(ex.values[0] - 1.0) <= ex.rel_errors[0] <= 1e-12), ex.converged
    (True, True)
    """
    ratio = positive_int(ratio, "ratio", minimum=2)
    grids = [grid]
    logs, extra = [], []

    def add(values):
        if isinstance(values, tuple):
            values, rounding = values
        else:
            rounding = 0.0
        logs.append(np.atleast_1d(np.asarray(values, dtype=float)))
        extra.append(float(rounding))

    add(base_logs if base_logs is not None else evaluate(grid))
    m = logs[0].size

    def assess():
        # every prefix of the ladder is a ladder: its rounding level is that of its own finest levels, so
        # levels deep in rounding cannot loosen the bound a shorter ladder already gives
        ys = np.array(logs)
        out = []
        for q in range(m):
            best = (math.nan, math.inf, -1, "")
            noise = 0.0
            for top in range(len(grids)):
                noise = max(noise, _raw_noise(ys[top, q], grids[top].n) + extra[top])
                if top + 1 >= 3:
                    r = extrapolate(ys[:top + 1, q], ratio, noise)
                    if r[1] < best[1]:
                        best = r
            out.append(best)
        return out

    result = None
    while True:
        if len(grids) >= min_levels:
            result = assess()
            bounds = np.array([r[1] for r in result])
            if np.all(np.isfinite(bounds)) and (rtol is None or np.all(np.expm1(bounds) <= rtol)):
                break
        if len(grids) >= max_levels or grids[-1].n * ratio > max_cells:
            break
        grids.append(subdivide(grids[-1], ratio))
        add(evaluate(grids[-1]))
    if result is None:
        result = assess()
    ys = np.array(logs)
    resolutions = tuple(int(g.n) for g in grids)
    ladder = (f"Richardson extrapolation of ln({what}) over nested grids N = "
              f"{', '.join(str(n) for n in resolutions)} (each cell split into {ratio})")
    missing = [q for q, r in enumerate(result) if not math.isfinite(r[1])]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.diff(ys, axis=0)
        orders = (np.log(np.abs(d[-2] / d[-1])) / math.log(ratio)) if len(grids) >= 3 else np.full(m, np.nan)
    if missing:
        q = missing[0]
        raise ConvergenceError(
            f"no error bound for the continuum {what} #{q + 1}: over the ladder N = {resolutions} the Richardson "
            f"differences of ln({what}) are {np.array2string(d[:, q], precision=3)} (observed order "
            f"{orders[q]:.3g}, the scheme's is 2); the grids are too coarse for the asymptotic range or the "
            f"problem is not smooth: start from a finer grid (more cells, or Grid.refined around the critical "
            f"points), or use accuracy='grid' for the discrete value without a continuum claim")
    log_values = np.array([r[0] for r in result])
    bounds = np.array([r[1] for r in result])
    rel = np.expm1(bounds)
    with np.errstate(over="ignore", under="ignore"):
        values = np.exp(log_values)
        grid_values = np.exp(ys[0])
    grid_rel = np.expm1(np.abs(ys[0] - log_values) + bounds)
    converged = bool(rtol is None or np.all(rel <= rtol))
    worst = int(np.argmax(rel))
    message = (f"relative error <= {rel[worst]:.2e} (worst of {m} {what}{'s' if m > 1 else ''}, #{worst + 1})"
               + ("" if rtol is None else (f", target {rtol:.1e} met" if converged else
                                           f", target {rtol:.1e} NOT met within {len(grids)} levels / "
                                           f"{resolutions[-1]} cells")))
    return Extrapolation(values=values, log_values=log_values, rel_errors=rel, errors=rel * values,
                         grid_values=grid_values, grid_rel_errors=grid_rel,
                         columns=np.array([r[2] for r in result], dtype=int), observed_orders=orders,
                         resolutions=resolutions, ratio=ratio, converged=converged, rtol=rtol, message=message,
                         method=ladder, expansions=tuple(r[3] for r in result))


def require_converged(ex: Extrapolation, what: str) -> Extrapolation:
    """Raise :class:`~fpesolve.ConvergenceError` unless ``ex`` met its target (message: what was reached).

    Parameters
    ----------
    ex : Extrapolation
    what : str
        Name of the quantity in the message.

    Returns
    -------
    Extrapolation
        ``ex`` itself.
    """
    if not ex.converged:
        raise ConvergenceError(
            f"the continuum {what} reached a relative error of {float(np.max(ex.rel_errors)):.2e} over the ladder "
            f"N = {ex.resolutions}, above the requested `accuracy` = {ex.rtol:.1e}: ask for a looser accuracy, "
            f"start from a finer or locally refined grid, or use accuracy='continuum' for the best bound reached")
    return ex


# ---------------------------------------------------------------------------------------------- spectra
def _at_level(fp, grid: Grid):
    from .fokker_planck import FokkerPlanck
    return FokkerPlanck(fp.landscape, fp.eta, grid, fp.boundary)


def _rounding(level, method: str) -> float:
    """Rounding bound of ln(gap) on one level: the stored chain's (see :mod:`fpesolve.core.chain_rounding`)."""
    if method.startswith("first-passage"):
        # the float link times are running log-sums: their roundings may add up over the N cells
        disc = level.discretization
        return passage_rounding(disc) + _EPS * level.grid.n * (float(np.max(np.abs(disc.log_stationary_mass))) + 1.0)
    return spectrum_rounding(level)


def _ladder(fp, evaluate, accuracy, what: str, base_logs) -> Extrapolation:
    kind, rtol = parse_accuracy(accuracy)
    if kind == "grid":
        raise ValueError("accuracy='grid' needs no ladder")
    ex = continuum_limit(lambda g: evaluate(_at_level(fp, g)), fp.grid, rtol=None if kind == "estimate" else rtol,
                         what=what, base_logs=base_logs)
    if not isinstance(accuracy, str):
        require_converged(ex, what)
    return ex


def gap_with_accuracy(fp, method: str, solver: str, accuracy):
    """:func:`fpesolve.core.spectrum.spectral_gap` with ``accuracy`` other than ``"grid"`` (see there).

    Parameters
    ----------
    fp : FokkerPlanck
    method, solver : str
        As in :func:`~fpesolve.core.spectrum.spectral_gap` (``"auto"``,
        ``"golub-kahan"``, ``"first-passage"``), on every level.
    accuracy : {"estimate", "continuum"} or float

    Returns
    -------
    SpectralGap
        With ``error``, ``rel_error``, ``accuracy`` and ``method`` set.
    """
    from .spectrum import _algorithm, _make_gap, spectral_gap

    kind, _ = parse_accuracy(accuracy)
    routes = set()                       # the algorithm used on each level (bisection or first passage)
    n_minima = None

    def evaluate(level):
        nonlocal n_minima
        g = spectral_gap(level, method=method, solver=solver)
        routes.add(_algorithm(g.method))
        if g.method.startswith("first-passage"):
            n_minima = len(level.landscape.minima()) if n_minima is None else n_minima
            if n_minima > 2:
                raise ConvergenceError(
                    f"the gap of {level.landscape.name!r} is below float64 and it has {n_minima} minima: the "
                    f"first-passage route is then a leading-order metastable approximation without an error bound, "
                    f"so no continuum accuracy can be stated; use accuracy='grid' (and read it as that approximation)")
        return np.array([g.log10 * _LN10]), _rounding(level, g.method)

    base = spectral_gap(fp, method=method, solver=solver)
    if base.method.startswith("first-passage"):
        evaluate(fp)  # the same refusal for more than two minima
    ex = _ladder(fp, evaluate, accuracy, "spectral gap", (np.array([base.log10 * _LN10]), _rounding(fp, base.method)))
    if kind == "estimate":
        log10, rel = base.log10, float(ex.grid_rel_errors[0])
        how = f"discrete chain on N = {fp.grid.n} cells; error bound from {ex.method}"
    else:
        log10, rel = float(ex.log_values[0]) / _LN10, float(ex.rel_errors[0])
        how = ex.method
    algorithm = _algorithm(base.method) if len(routes) <= 1 else " / ".join(sorted(routes))
    gap = _make_gap(log10, algorithm, fp, base.detail, value=base.value if kind == "estimate" else None)
    error = None if gap.value is None else rel * gap.value
    return dataclasses.replace(gap, error=error, rel_error=rel, accuracy=kind, method=f"{algorithm}; {how}")


def spectrum_with_accuracy(fp, k: int, vectors: bool, solver: str, accuracy):
    """:func:`fpesolve.core.spectrum.spectrum` with ``accuracy`` other than ``"grid"`` (see there).

    Parameters
    ----------
    fp : FokkerPlanck
    k : int
    vectors : bool
        Eigenvectors of ``fp``'s grid (level 0).
    solver : str
    accuracy : {"estimate", "continuum"} or float

    Returns
    -------
    Spectrum
        With ``errors``, ``rel_errors``, ``accuracy`` and ``extrapolation`` set.
    """
    from .spectrum import spectrum

    kind, _ = parse_accuracy(accuracy)
    base = spectrum(fp, k, vectors=vectors, solver=solver)
    ex = _ladder(fp, lambda level: (spectrum(level, k, vectors=False, solver=solver).log10_rates * _LN10,
                                    spectrum_rounding(level)),
                 accuracy, "rate", (np.asarray(base.log10_rates) * _LN10, spectrum_rounding(fp)))
    if kind == "estimate":
        rates, log10, rel = base.rates, base.log10_rates, ex.grid_rel_errors
        method = f"{base.method}; error bounds from {ex.method}"
    else:
        log10 = ex.log_values / _LN10
        rates, rel = ex.values, ex.rel_errors
        method = f"{ex.method}, {base.method}"
    with np.errstate(divide="ignore", over="ignore"):
        relax = np.where(rates > 0, 1.0 / np.where(rates > 0, rates, 1.0), np.inf)
    return dataclasses.replace(base, rates=np.array(rates), log10_rates=np.array(log10), relaxation_times=relax,
                               errors=np.array(rel * rates), rel_errors=np.array(rel), accuracy=kind, method=method,
                               extrapolation=ex)


# ---------------------------------------------------------------------------------------------- passage times
_EPS_LD = float(np.finfo(np.longdouble).eps)


def _log_passage_extended(disc, start: float, target: float) -> Tuple[float, float]:
    r"""``(ln T, rounding)``: the grid MFPT of :func:`~fpesolve.core.passage.grid_log_passage`, evaluated in
    extended precision from ``disc``'s float data, and a bound on its rounding.

    The float path sums :math:`\ln\pi` and the link times with running log-sums whose roundings can add up
    coherently over the :math:`N` cells (:math:`N\varepsilon|\ln\pi|`); here they are ``longdouble`` sums with
    the worst case :math:`4 N \varepsilon_{ld}(\max|\ln\pi| + \max|\ln a| + 1)` added to the bound.
    """
    from .chain_rounding import exact_log_rates

    up, down = exact_log_rates(disc)
    grid = disc.grid
    d = np.asarray(disc.phi_increments, dtype=np.longdouble)
    logpi = (np.concatenate(([np.longdouble(0)], np.cumsum(-d))) - np.log(np.asarray(disc.diffusion, np.longdouble))
             + np.log(np.asarray(grid.widths, np.longdouble)))
    logpi -= np.max(logpi)
    centres = grid.centres
    x0 = float(np.clip(start, centres[0], centres[-1]))
    y1 = float(np.clip(target, centres[0], centres[-1]))
    lo, hi = min(x0, y1), max(x0, y1)
    i0 = max(int(np.searchsorted(centres, lo, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(centres, hi, side="left")), centres.size - 1)
    left, right = centres[i0:i1], centres[i0 + 1:i1 + 1]
    weights = (np.minimum(hi, right) - np.maximum(lo, left)) / (right - left)
    if y1 > x0:
        log_cum = np.logaddexp.accumulate(logpi)
        links = log_cum[:-1] - logpi[:-1] - up
    else:
        log_cum = np.logaddexp.accumulate(logpi[::-1])[::-1]
        links = log_cum[1:] - logpi[1:] - down
    keep = weights > 0
    terms = links[i0:i1][keep] + np.log(np.asarray(weights[keep], dtype=np.longdouble))
    log_t = np.logaddexp.reduce(terms)
    size = float(np.max(np.abs(logpi))) + float(max(np.max(np.abs(up)), np.max(np.abs(down)))) + 1.0
    return float(log_t), 4.0 * _EPS_LD * (grid.n + 8) * size


def _with_points_as_edges(grid: Grid, points) -> Grid:
    """``grid`` with each of ``points`` made an edge (the cell holding it split there)."""
    e = np.asarray(grid.edges)
    inner = [float(p) for p in points if e[0] < p < e[-1] and not np.any(e == p)]
    return grid if not inner else Grid(np.unique(np.concatenate((e, inner))))


def passage_with_accuracy(fp, start: float, target: float, accuracy):
    r""":meth:`fpesolve.core.passage.GridFirstPassage.at` with ``accuracy`` other than ``"grid"`` (see there).

    ``start`` and ``target`` are cell edges on every level of the ladder (the
    ladder's base is ``fp``'s grid, with the two points made edges for
    ``"continuum"``/a tolerance), so each sits at a fixed place in its cells
    and :math:`\ln T(h)` has the expansion of the module notes.

    Parameters
    ----------
    fp : FokkerPlanck
        Two reflecting ends.
    start, target : float
        Distinct points inside the grid; for ``"estimate"`` both must be edges of ``fp``'s grid.
    accuracy : {"estimate", "continuum"} or float

    Returns
    -------
    FirstPassageTime
        With ``error``, ``rel_error`` (bounds against the continuum MFPT),
        ``accuracy`` and ``method`` set.

    Raises
    ------
    ValueError
        ``"estimate"`` with a point that is not a cell edge, or a point outside
        the open grid, or ``start == target``.
    ConvergenceError
        When no checked bound exists or a tolerance is not reached.
    """
    from .passage import _passage
    from .fokker_planck import FokkerPlanck

    kind, rtol = parse_accuracy(accuracy)
    if kind == "grid":
        raise ValueError("accuracy='grid' needs no ladder")
    a, b = fp.grid.domain
    for name, p in (("start", start), ("target", target)):
        if not (a < float(p) < b):
            raise ValueError(f"`{name}` = {p!r} must lie strictly inside the grid ({a!r}, {b!r}) for a continuum "
                             f"MFPT (an end point is not between two centres on every level)")
    if float(start) == float(target):
        raise ValueError("`start` equals `target`: the passage time is 0, there is nothing to extrapolate")
    base = fp.grid
    if kind == "estimate":
        missing = [n for n, p in (("start", start), ("target", target)) if not np.any(base.edges == float(p))]
        if missing:
            raise ValueError(f"accuracy='estimate' needs `{missing[0]}` to be a cell edge of the grid (the bound "
                             f"holds for points at a fixed place in their cells): build the grid with "
                             f"Grid.from_edges including it, or use accuracy='continuum'")
    else:
        base = _with_points_as_edges(base, (start, target))

    def evaluate(grid):
        level = FokkerPlanck(fp.landscape, fp.eta, grid, fp.boundary)
        log_t, rounding = _log_passage_extended(level.discretization, float(start), float(target))
        return np.array([log_t]), rounding

    ex = continuum_limit(evaluate, base, rtol=None if kind == "estimate" else rtol, what="mean first-passage time")
    if not isinstance(accuracy, str):
        require_converged(ex, "mean first-passage time")
    if kind == "estimate":
        from .passage import mfpt_on_grid
        grid_t = mfpt_on_grid(fp, float(target)).at(float(start))
        log_t = grid_t.log_time
        from .chain_rounding import passage_rounding
        float_rounding = passage_rounding(fp.discretization) + _EPS * fp.grid.n * (
            float(np.max(np.abs(fp.discretization.log_stationary_mass))) + 1.0)
        rel = float(np.expm1(abs(log_t - float(ex.log_values[0])) + float(ex.rel_errors[0]) + float_rounding))
        method = f"grid backward equation on N = {fp.grid.n} cells; error bound from {ex.method}"
    else:
        log_t, rel = float(ex.log_values[0]), float(ex.rel_errors[0])
        method = ex.method
    t = _passage(float(start), float(target), fp.eta, log_t, method)
    error = rel * t.time if math.isfinite(t.time) else None
    return dataclasses.replace(t, error=error, rel_error=rel, accuracy=kind)
