r"""Is the Fokker–Planck problem of a landscape well posed?  One check, used by every solver.

The stationary density :math:`p \propto \Sigma^{-1}\exp(-\frac{2}{\tau}\int L'/\Sigma)`
(:mod:`fpesolve.core.stationary`), the Scharfetter–Gummel generator
(:func:`fpesolve.core.discretize.discretize`) and the exact first-passage
times (:mod:`fpesolve.core.passage`) all need

1. :math:`\Sigma > 0` and :math:`L'` finite *inside* the interval.  Where
   :math:`\Sigma` vanishes at an interior point the diffusion cannot cross it
   (the law splits into pieces or collapses onto the point: F2's
   :math:`\Sigma = 64\theta^2` at its minimum); a pole of :math:`L'` does the
   same.  Zeros between sample points are found by a scan of
   ``SCAN_INTERVALS`` equal brackets and a vectorised golden-section
   minimisation of :math:`\Sigma` (and maximisation of :math:`|L'|`) on every
   bracket that holds a sampled local extremum.
2. An integrable density at every reflecting end where :math:`\Sigma`
   vanishes (or :math:`L'` is singular).  Near such an end :math:`p \sim
   u^{s}` with :math:`u` the distance to the end; the local exponent
   :math:`s = d\ln p/d\ln u` is measured on :math:`u = \delta 2^{-k}`
   (exact increments of :math:`\int L'/\Sigma` by Gauss–Legendre) and the
   end is accepted when :math:`s > -1` (Jacobi, CIR: :math:`s = -1 - 2L'(a)/(\tau\Sigma'(a))`
   at a left end, so the drift must push into the domain) or when
   :math:`p` decays faster than any power.
3. :math:`\Sigma > 0` and :math:`L'` finite *at* an absorbing end (an exit
   through a point without noise has no rate).
4. A learning rate whose exponents float64 can carry: ``2/eta`` finite, the
   largest exponent :math:`\frac{2}{\tau}|\int L'/\Sigma|` below
   ``MAX_EXPONENT``, and (with a grid) jump rates below ``MAX_RATE``.

:func:`check_well_posed` raises :class:`~fpesolve.IllPosedError` (a
``ValueError``) saying where and what to do, and otherwise returns a
:class:`WellPosedness` record.  The eta-independent scan is cached per
landscape, the verdict per (landscape, eta, interval, ends).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from .._util.errors import IllPosedError
from .._util.result import Result
from .._util.validation import finite_float, learning_rate
from .landscape import Landscape
from .quadrature import interval_integrals
from .scan import (POLE_FACTOR, SCAN_INTERVALS, SIGMA_ZERO_RTOL, LandscapeScan, cache_of, defect_error,
                   evaluate_quietly, scan_landscape)

__all__ = ["check_well_posed", "WellPosedness", "EndBehaviour", "SCAN_INTERVALS", "SIGMA_ZERO_RTOL",
           "POLE_FACTOR", "EXPONENT_MARGIN", "MAX_EXPONENT", "MAX_RATE"]

#: a density ~ u^s at a singular end is integrable when s > -1 + EXPONENT_MARGIN
EXPONENT_MARGIN = 1e-6
#: the local exponent counts as converged when two successive (Richardson) estimates differ by less than this
EXPONENT_RTOL = 1e-6
#: halvings of the distance to a singular end (u = delta 2^-k, k = 0..END_HALVINGS)
END_HALVINGS = 60
#: at least this many halvings, even where END_MIN_SPACINGS would stop earlier (ends far from 0)
END_MIN_HALVINGS = 12
#: the closest approach to a nonzero end, in units of the float spacing there (Gauss nodes exact to ~2^-30 of u)
END_MIN_SPACINGS = 2.0 ** 30
#: first distance to a singular end, as a fraction of the interval
END_FIRST_FRACTION = 2.0 ** -10
#: largest exponent (2/eta)|int L'/Sigma| accepted: its rounding error eps * MAX_EXPONENT is ~2e-3
MAX_EXPONENT = 1e13
#: largest jump rate of a discretisation (diffusive D/h^2 or drift |L'|/h) accepted
MAX_RATE = 1e300
#: verdicts kept per landscape
_CACHE_PER_LANDSCAPE = 64
_BOUNDARY_KINDS = ("reflecting", "absorbing")


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False)
class EndBehaviour(Result):
    """How the stationary density behaves at one end of the interval.

    Attributes
    ----------
    end : float
    side : str
        ``"left"`` or ``"right"``.
    boundary : str
        ``"reflecting"`` or ``"absorbing"``.
    kind : str
        ``"regular"`` (:math:`\\Sigma > 0`, :math:`L'` finite at the end) or
        ``"singular"``.
    exponent : float
        The local exponent :math:`s` of :math:`p \\sim u^s` (0 at a regular
        end; ``inf`` when :math:`p` decays faster than any power).
    """

    end: float
    side: str
    boundary: str
    kind: str
    exponent: float

    def summary(self) -> str:
        """One line."""
        if self.kind == "regular":
            return f"{self.side} end {self.end:.10g} ({self.boundary}): regular (Sigma > 0, grad finite)"
        return (f"{self.side} end {self.end:.10g} ({self.boundary}): Sigma -> 0 or grad singular, density ~ "
                f"|theta - end|^{self.exponent:.6g} (integrable)")


@dataclass(frozen=True, repr=False)
class WellPosedness(Result):
    """The record of a passed :func:`check_well_posed`.

    Attributes
    ----------
    landscape : str
        The landscape's name.
    eta : float
    interval : (float, float)
        Where the problem lives (the domain, a grid's span, or a passage's range).
    sigma_min, sigma_min_at : float
        The smallest :math:`\\Sigma` found inside the interval (scan and
        golden-section refinement) and where.
    sigma_max : float
        The largest sampled :math:`\\Sigma` on the domain (the scale of ``SIGMA_ZERO_RTOL``).
    max_exponent : float
        Largest :math:`\\frac{2}{\\tau}|\\int_{\\theta_0}^{\\theta} L'/\\Sigma|` on the scan.
    ends : tuple of EndBehaviour
    method : str

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape, check_well_posed
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))
    >>> record = check_well_posed(ou, 0.1)
    >>> record.sigma_min, [e.kind for e in record.ends]
    (1.0, ['regular', 'regular'])
    """

    landscape: str
    eta: float
    interval: Tuple[float, float]
    sigma_min: float
    sigma_min_at: float
    sigma_max: float
    max_exponent: float
    ends: Tuple[EndBehaviour, ...]
    method: str

    def summary(self) -> str:
        """A few lines: the interval, the noise range, the ends.

        Returns
        -------
        str
        """
        lines = [f"well posed: {self.landscape!r} at eta = {self.eta:g} on [{self.interval[0]:.10g}, "
                 f"{self.interval[1]:.10g}]",
                 f"  Sigma >= {self.sigma_min:.6g} (at {self.sigma_min_at:.10g}; largest {self.sigma_max:.6g}), "
                 f"largest exponent (2/eta)|int L'/Sigma| = {self.max_exponent:.6g}"]
        lines += ["  " + e.summary() for e in self.ends]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- ends
def _end_values(landscape: Landscape, x: float) -> Tuple[float, float]:
    """``(Sigma, grad)`` at ``x``, NaN where the functions fail there."""
    out = []
    for which in ("sigma", "grad"):
        try:
            out.append(float(evaluate_quietly(landscape, which, np.array([x]))[0]))
        except (ValueError, ArithmeticError):
            out.append(math.nan)
    return out[0], out[1]


def _is_regular(landscape: Landscape, x: float, scan: LandscapeScan) -> bool:
    sigma, grad = _end_values(landscape, x)
    return math.isfinite(sigma) and math.isfinite(grad) and sigma > SIGMA_ZERO_RTOL * scan.sigma_max


def _local_exponent(landscape: Landscape, eta: float, end: float, sign: float, width: float,
                    scan: LandscapeScan) -> float:
    """The exponent ``s`` of ``p ~ u^s`` at the singular end ``end`` (``sign`` = +1 at a left end, -1 at a right)."""
    u = END_FIRST_FRACTION * width * 2.0 ** -np.arange(END_HALVINGS + 1)
    floor = max(min(END_MIN_SPACINGS * float(np.spacing(abs(end))), u[END_MIN_HALVINGS]), np.finfo(float).tiny)
    x = end + sign * u[u >= floor]
    u = np.abs(x - end)                              # the exact float distances
    sigma = evaluate_quietly(landscape, "sigma", x)
    bad = ~(np.isfinite(sigma) & (sigma > 0.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IllPosedError(
            f"`sigma` of {landscape.name!r} is not positive near the end {end!r}: Sigma({x[i]:.17g}) = {float(sigma[i])!r}; "
            f"the diffusion needs Sigma > 0 inside the domain: shrink the domain to exclude x = {x[i]:.6g}")
    lo, hi = np.minimum(x[:-1], x[1:]), np.maximum(x[:-1], x[1:])
    with np.errstate(all="ignore"):
        inc = interval_integrals(lambda t: evaluate_quietly(landscape, "grad", t) / evaluate_quietly(landscape, "sigma", t),
                                 lo, hi, order=16)
        # g = -(2/eta) int^x L'/Sigma - ln Sigma; x_k moves toward the end as k grows
        dg = -(2.0 / eta) * sign * inc - (np.log(sigma[:-1]) - np.log(sigma[1:]))
        slopes = dg / np.log(u[:-1] / u[1:])
    if not np.all(np.isfinite(slopes)):
        raise IllPosedError(f"the behaviour of the stationary density of {landscape.name!r} at eta = {eta!r} near the "
                            f"end {end!r} could not be resolved (grad/Sigma not finite close to it); check `grad` and "
                            f"`sigma` there or move the end inward")
    s_last, s_prev, s_prev2 = slopes[-1], slopes[-2], slopes[-3]
    # slopes s + c u_k with u halving: one Richardson step removes the O(u) term
    r_last, r_prev = 2.0 * s_last - s_prev, 2.0 * s_prev - s_prev2
    if abs(r_last - r_prev) <= EXPONENT_RTOL * (1.0 + abs(r_last)):
        return float(r_last)
    if s_last > s_prev > s_prev2 and s_last > -1.0 + EXPONENT_MARGIN:
        return math.inf                      # faster than any power: integrable
    if s_last < s_prev < s_prev2 and s_last < -1.0 - EXPONENT_MARGIN:
        return -math.inf
    raise IllPosedError(f"the behaviour of the stationary density of {landscape.name!r} at eta = {eta!r} near the end "
                        f"{end!r} could not be established: its local exponent d ln p / d ln|theta - end| is still "
                        f"changing ({s_prev2:.6g}, {s_prev:.6g}, {s_last:.6g}) at |theta - end| = {u[-1]:.3g}; move the "
                        f"end inward (or give `sigma` a floor there)")


def _end(landscape: Landscape, eta: float, end: float, side: str, boundary: str, width: float, scan: LandscapeScan,
         role: str) -> EndBehaviour:
    if _is_regular(landscape, end, scan):
        return EndBehaviour(end=end, side=side, boundary=boundary, kind="regular", exponent=0.0)
    sigma, grad = _end_values(landscape, end)
    if boundary == "absorbing" and role == "the passage target":
        raise IllPosedError(
            f"the passage `target` {end!r} needs Sigma > 0 and a finite grad there, but Sigma({end!r}) = {sigma!r}, "
            f"grad({end!r}) = {grad!r} in landscape {landscape.name!r}: without noise at the target the passage "
            f"time is not finite (or not defined); choose a `target` where Sigma > 0")
    if boundary == "absorbing":
        raise IllPosedError(
            f"{role} {end!r} needs Sigma > 0 and a finite grad there, but Sigma({end!r}) = {sigma!r}, "
            f"grad({end!r}) = {grad!r} in landscape {landscape.name!r}: an exit through a point without noise has "
            f"no rate. Use a reflecting end there (`boundary`), or move the end inward to where Sigma > 0")
    s = _local_exponent(landscape, eta, end, 1.0 if side == "left" else -1.0, width, scan)
    if not s > -1.0 + EXPONENT_MARGIN:
        push = "into the domain" if side == "left" else "into the domain (L' > 0 at a right end)"
        raise IllPosedError(
            f"the stationary density of {landscape.name!r} at `eta` = {eta!r} cannot be normalised: near the "
            f"{side} end {end!r}, where Sigma({end!r}) = {sigma!r}, it grows like |theta - end|^{s:.6g}, which is not "
            f"integrable (the exponent must exceed -1). Where Sigma vanishes linearly at an end the exponent is "
            f"-1 - 2|L'|/(eta |Sigma'|) with the sign of the push: the drift -L' must point {push}. Change the "
            f"drift there, or move the end inward to where Sigma > 0")
    return EndBehaviour(end=end, side=side, boundary=boundary, kind="singular", exponent=s)


# ---------------------------------------------------------------------------------------------- the check
def _sides(boundary) -> Tuple[str, str]:
    if isinstance(boundary, str):
        pair: Sequence = (boundary, boundary)
    elif isinstance(boundary, (tuple, list)):
        pair = tuple(boundary)
    else:
        pair = ()
    if len(pair) != 2 or any(not isinstance(k, str) or k not in _BOUNDARY_KINDS for k in pair):
        raise ValueError(f"`boundary` must be 'reflecting', 'absorbing' or a (left, right) pair of those, "
                         f"got {boundary!r}")
    return pair[0], pair[1]


def _check_eta(landscape: Landscape, eta: float, interval: Tuple[float, float], scan: LandscapeScan, grid) -> float:
    lo, hi = interval
    inside = (scan.xs >= lo) & (scan.xs <= hi)
    cum = scan.drift_integral[inside]
    exponent = (2.0 / eta) * float(np.max(np.abs(cum))) if cum.size else 0.0
    if not exponent <= MAX_EXPONENT:
        raise ValueError(
            f"`eta` = {eta!r} is too small for float64 on {landscape.name!r}: the exponent (2/eta) int L'/Sigma of the "
            f"stationary density reaches {exponent:.3g}, whose rounding error ({exponent * np.finfo(float).eps:.2g}) "
            f"would be an error of that size in every log-density and log-time. Use eta >= "
            f"{eta * exponent / MAX_EXPONENT:.3g}, or a smaller domain")
    if grid is not None:
        h = float(np.min(np.diff(np.asarray(grid.centres)))) if grid.n > 1 else float(grid.widths[0])
        h = min(h, float(np.min(grid.widths)))
        sig = scan.sigma[inside & np.isfinite(scan.sigma)]
        mag = np.abs(scan.grad[inside & np.isfinite(scan.grad)])
        diffusive = 0.5 * eta * (float(sig.max()) if sig.size else scan.sigma_max) / (h * h)
        drift = (float(mag.max()) if mag.size else 0.0) / h
        if not diffusive <= MAX_RATE:
            raise ValueError(f"`eta` = {eta!r} is too large for the grid: the diffusive jump rate eta Sigma/(2 h^2) "
                             f"of the discretisation reaches {diffusive:.3g} (limit {MAX_RATE:g}, float64 overflows "
                             f"near 1.8e308); use a smaller eta (SGD's diffusion approximation needs eta Sigma small)")
        if not drift <= MAX_RATE:
            raise ValueError(f"the drift jump rate |grad|/h of the discretisation reaches {drift:.3g} (limit "
                             f"{MAX_RATE:g}): the `grid` cells ({h:.3g}) are too narrow for this gradient")
    return exponent


def check_well_posed(landscape: Landscape, eta: float, *, boundary: Union[str, Tuple[str, str]] = "reflecting",
                     interval: Optional[Tuple[float, float]] = None, grid=None,
                     passage: Optional[Tuple[float, float]] = None) -> WellPosedness:
    r"""Check that the Fokker–Planck problem of ``landscape`` at ``eta`` has an answer, or say why not.

    See the module docstring for what is checked and how.

    Parameters
    ----------
    landscape : Landscape
    eta : float
        The learning rate (the diffusion's temperature :math:`\tau = \eta`).
    boundary : {"reflecting", "absorbing"} or (left, right)
        The kinds of the interval's ends.
    interval : (float, float), optional
        Where the problem lives; default the landscape's domain.
    grid : Grid, optional
        The grid of a discretisation: the interval becomes the grid's span and
        the jump rates are checked against ``MAX_RATE``.
    passage : (float, float), optional
        ``(start, target)`` of a mean first-passage time: the interval runs
        from the reflecting domain end behind ``start`` to ``target``, which
        must have :math:`\Sigma > 0` (it absorbs).

    Returns
    -------
    WellPosedness
        What was found (smallest :math:`\Sigma`, the ends' exponents).

    Raises
    ------
    IllPosedError
        :math:`\Sigma` vanishing or negative inside the interval (also between
        scan points), a pole of ``grad``, a density that cannot be normalised
        at a reflecting end, an absorbing end (or a passage target) without noise.
    ValueError
        A non-finite :math:`\Sigma`, an ``eta`` whose exponents or rates
        float64 cannot carry, a bad ``boundary`` or ``interval``.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import Landscape
    >>> jacobi = Landscape(grad=lambda x: x - 0.5, sigma=lambda x: x * (1 - x), domain=(0.0, 1.0))
    >>> [round(e.exponent, 6) for e in check_well_posed(jacobi, 0.5).ends]     # Beta(2, 2): p ~ u^1
    [1.0, 1.0]
    >>> f2_like = Landscape(grad=lambda x: 10 * x, sigma=lambda x: 64 * x**2, domain=(-1.0, 1.0))
    >>> check_well_posed(f2_like, 0.15)
    Traceback (most recent call last):
    ...
    fpesolve._util.errors.IllPosedError: `sigma` vanishes inside [-1.0, 1.0] in landscape 'landscape': ...
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"`landscape` must be a fpesolve.Landscape, got {type(landscape).__name__}")
    eta = learning_rate(eta)
    a, b = landscape.domain
    left, right = _sides(boundary)
    roles = ("the absorbing left end", "the absorbing right end")
    if passage is not None:
        start, target = (landscape.contains(v, n) for v, n in zip(passage, ("start", "target")))
        if target == start:
            return _record(landscape, eta, (start, start), scan_landscape(landscape), (), 0.0)
        lo, hi = (a, target) if target > start else (target, b)
        left, right = ("reflecting", "absorbing") if target > start else ("absorbing", "reflecting")
        roles = ("the passage target", "the passage target")
    elif grid is not None:
        lo, hi = grid.domain
    elif interval is not None:
        pair = tuple(interval) if isinstance(interval, (tuple, list, np.ndarray)) else ()
        if len(pair) != 2:
            raise ValueError(f"`interval` must be a pair (lo, hi), got {interval!r}")
        lo, hi = finite_float(pair[0], "interval[0]"), finite_float(pair[1], "interval[1]")
        if not a <= lo < hi <= b:
            raise ValueError(f"`interval` = {interval!r} must satisfy {a!r} <= lo < hi <= {b!r} (the domain)")
    else:
        lo, hi = a, b
    scan = scan_landscape(landscape)
    cache = cache_of(landscape)
    key = (eta, lo, hi, left, right)
    verdict = cache.get(key)
    if verdict is None:
        verdict = _verdict(landscape, eta, (lo, hi), (left, right), roles, scan)
        if len(cache) > _CACHE_PER_LANDSCAPE:
            cache.pop(next(k for k in cache if k != "scan"))
        cache[key] = verdict
    if isinstance(verdict, Exception):
        raise type(verdict)(*verdict.args)  # a fresh exception each time (the cached one keeps no traceback)
    if grid is not None:
        _check_eta(landscape, eta, (lo, hi), scan, grid)
    return verdict


def _verdict(landscape: Landscape, eta: float, interval: Tuple[float, float], sides: Tuple[str, str],
             roles: Tuple[str, str], scan: LandscapeScan):
    """The WellPosedness record, or the exception to raise (cached either way: the same question, the same answer)."""
    lo, hi = interval
    try:
        for d in scan.defects:
            if lo < d.x < hi:
                raise defect_error(landscape, d, interval, scan)
        exponent = _check_eta(landscape, eta, interval, scan, None)
        ends = (_end(landscape, eta, lo, "left", sides[0], hi - lo, scan, roles[0]),
                _end(landscape, eta, hi, "right", sides[1], hi - lo, scan, roles[1]))
    except ValueError as exc:
        return exc
    return _record(landscape, eta, interval, scan, ends, exponent)


def _record(landscape, eta, interval, scan: LandscapeScan, ends, exponent) -> WellPosedness:
    lo, hi = interval
    inside = (scan.xs >= lo) & (scan.xs <= hi) & np.isfinite(scan.sigma)
    xs = np.concatenate((scan.xs[inside], [x for x, _ in scan.minima if lo <= x <= hi]))
    values = np.concatenate((scan.sigma[inside], [v for x, v in scan.minima if lo <= x <= hi]))
    i = int(np.argmin(values)) if values.size else -1
    x_min, s_min = (float(xs[i]), float(values[i])) if values.size else (math.nan, math.nan)
    return WellPosedness(landscape=landscape.name, eta=eta, interval=(float(lo), float(hi)), sigma_min=s_min,
                         sigma_min_at=x_min, sigma_max=scan.sigma_max, max_exponent=float(exponent), ends=tuple(ends),
                         method=f"scan of {SCAN_INTERVALS} brackets with golden-section refinement; local end "
                                f"exponents on |theta - end| = delta 2^-k")
