r"""The scan behind :func:`fpesolve.core.wellposed.check_well_posed`: zeros of Sigma and poles of grad.

:math:`\Sigma` and :math:`L'` are sampled at the ``SCAN_INTERVALS - 1``
interior points of equal brackets of the domain.  Every bracket around a
sampled local minimum of :math:`\Sigma` (a local maximum of :math:`|L'|`)
is searched by a vectorised golden-section minimisation, so a zero of
:math:`\Sigma` or a pole of :math:`L'` *between* sample points is found to
float precision (for :math:`\Sigma = (\theta - 0.3)^2` the search ends
within an ulp of 0.3).  What is found is kept per landscape (a weak
reference: the cache goes with the landscape) as a list of defects with
their positions, so that a question about any sub-interval (a grid's span,
a passage's range) is answered without scanning again.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from .._util.errors import IllPosedError
from .landscape import Landscape

__all__ = ["SCAN_INTERVALS", "SIGMA_ZERO_RTOL", "POLE_FACTOR", "Defect", "LandscapeScan", "scan_landscape",
           "defect_error", "evaluate_quietly", "cache_of", "sigma_zeros"]

#: equal brackets of the scan of Sigma and grad over the domain
SCAN_INTERVALS = 4096
#: golden-section steps per candidate bracket (0.618^90 ~ 1e-19 of a bracket: below float spacing)
GOLDEN_STEPS = 90
#: a golden-section minimum this close to a domain end (in brackets) belongs to the end analysis
END_TOUCH = 1e-6
#: Sigma at or below this fraction of its largest value on the domain counts as zero
SIGMA_ZERO_RTOL = 1e-12
#: |grad| this many times larger than at the scan points around it is a pole
POLE_FACTOR = 1e6
_GOLDEN = 0.5 * (math.sqrt(5.0) - 1.0)


@dataclass(frozen=True)
class Defect:
    """A point where Sigma is not positive/finite or grad is not finite or has a pole."""

    x: float
    what: str          # "sigma-nonfinite", "sigma-zero", "grad-nonfinite", "grad-pole"
    value: float
    detail: str = ""


@dataclass(frozen=True)
class LandscapeScan:
    """Sigma and grad on the scan points, the refined minima of Sigma and the defects found."""

    xs: np.ndarray            # interior scan points
    sigma: np.ndarray
    grad: np.ndarray
    sigma_max: float
    minima: Tuple[Tuple[float, float], ...]   # refined interior local minima of Sigma (x, value)
    defects: Tuple[Defect, ...]
    drift_integral: np.ndarray  # trapezoid int L'/Sigma from the midpoint at xs (magnitude only)


_CACHE: "weakref.WeakKeyDictionary[Landscape, Dict]" = weakref.WeakKeyDictionary()


def cache_of(landscape: Landscape) -> Dict:
    """The per-landscape cache (the scan under ``"scan"``, verdicts of check_well_posed under their keys)."""
    return _CACHE.setdefault(landscape, {})


def evaluate_quietly(landscape: Landscape, which: str, x: np.ndarray) -> np.ndarray:
    """``landscape.<which>(x)`` with numpy's floating-point warnings off (non-finite values are looked for)."""
    with np.errstate(all="ignore"):
        return getattr(landscape, which)(x)


def _golden(func, lo: np.ndarray, hi: np.ndarray, a: float, b: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised golden-section minimisation on the brackets ``[lo, hi]``.

    Returns the best point and value found on each bracket, and whether the
    search ended within ``END_TOUCH`` brackets of a domain end (``a`` or
    ``b``): a minimum *at* an end is left to the end analysis.  Non-finite values compare as ``-inf`` (they
    are what is looked for).
    """
    def f(x):
        v = func(x)
        return np.where(np.isnan(v), -np.inf, v)

    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    lo0, hi0 = lo.copy(), hi.copy()
    c = hi - _GOLDEN * (hi - lo)
    d = lo + _GOLDEN * (hi - lo)
    fc, fd = f(c), f(d)
    best_x = np.where(fc <= fd, c, d)
    best_f = np.minimum(fc, fd)
    for _ in range(GOLDEN_STEPS):
        if np.all(hi - lo <= 4.0 * np.spacing(np.maximum(np.abs(lo), np.abs(hi)))):
            break                                   # every bracket is down to float spacing
        left = fc <= fd
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new_x = np.where(left, hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo))
        new_f = f(new_x)
        c, d = np.where(left, new_x, d), np.where(left, c, new_x)
        fc, fd = np.where(left, new_f, fd), np.where(left, fc, new_f)
        better = new_f < best_f
        best_x = np.where(better, new_x, best_x)
        best_f = np.where(better, new_f, best_f)
    width = hi0 - lo0
    at_end = (best_x - a <= END_TOUCH * width) | (b - best_x <= END_TOUCH * width)
    return best_x, best_f, at_end


def _local_extrema(values: np.ndarray) -> np.ndarray:
    """Indices ``j`` with ``values[j] <= both neighbours`` (one neighbour at the ends), not on a flat stretch."""
    v = values
    left = np.concatenate(([np.inf], v[:-1]))
    right = np.concatenate((v[1:], [np.inf]))
    flat = (v == left) & (v == right)
    return np.flatnonzero((v <= left) & (v <= right) & ~flat)


def _brackets(idx: np.ndarray, xs: np.ndarray, a: float, b: float) -> Tuple[np.ndarray, np.ndarray]:
    ext = np.concatenate(([a], xs, [b]))
    return ext[idx], ext[idx + 2]


def scan_landscape(landscape: Landscape) -> LandscapeScan:
    """The scan of ``landscape`` (computed once per landscape)."""
    cache = cache_of(landscape)
    if "scan" in cache:
        return cache["scan"]
    a, b = landscape.domain
    xs = a + (b - a) * (np.arange(1, SCAN_INTERVALS) / SCAN_INTERVALS)
    sigma = evaluate_quietly(landscape, "sigma", xs)
    grad = evaluate_quietly(landscape, "grad", xs)
    defects: List[Defect] = []
    for i in np.flatnonzero(~np.isfinite(sigma)):
        defects.append(Defect(float(xs[i]), "sigma-nonfinite", float(sigma[i])))
    for i in np.flatnonzero(np.isfinite(sigma) & (sigma <= 0.0)):
        defects.append(Defect(float(xs[i]), "sigma-zero", float(sigma[i])))
    for i in np.flatnonzero(~np.isfinite(grad)):
        defects.append(Defect(float(xs[i]), "grad-nonfinite", float(grad[i])))
    good = np.isfinite(sigma) & (sigma > 0.0)
    sigma_max = float(sigma[good].max()) if good.any() else 0.0

    # zeros of Sigma between the scan points
    minima: List[Tuple[float, float]] = []
    idx = _local_extrema(np.where(np.isfinite(sigma), sigma, -np.inf))
    if idx.size:
        lo, hi = _brackets(idx, xs, a, b)
        best_x, best_f, at_end = _golden(lambda x: evaluate_quietly(landscape, "sigma", x), lo, hi, a, b)
        for x, v, end in zip(best_x, best_f, at_end):
            if end:
                continue
            minima.append((float(x), float(v)))
            if not np.isfinite(v):  # the search maps NaN to -inf: report the value itself
                defects.append(Defect(float(x), "sigma-nonfinite", float(evaluate_quietly(landscape, "sigma",
                                                                                    np.array([x]))[0])))
            elif v <= SIGMA_ZERO_RTOL * sigma_max:
                defects.append(Defect(float(x), "sigma-zero", float(v), "between scan points"))
    # poles of grad between the scan points
    mag = np.abs(grad)
    idx = _local_extrema(np.where(np.isfinite(mag), -mag, -np.inf))
    if idx.size:
        lo, hi = _brackets(idx, xs, a, b)
        best_x, best_f, at_end = _golden(lambda x: -np.abs(evaluate_quietly(landscape, "grad", x)), lo, hi, a, b)
        ext = np.concatenate(([0.0], mag, [0.0]))
        around = np.maximum(ext[idx], ext[idx + 2])
        scale = float(np.median(mag[np.isfinite(mag)])) if np.isfinite(mag).any() else 0.0
        for x, v, end, ref in zip(best_x, -best_f, at_end, around):
            if end:
                continue
            if not np.isfinite(v):
                defects.append(Defect(float(x), "grad-nonfinite", float(evaluate_quietly(landscape, "grad",
                                                                                   np.array([x]))[0])))
            elif v > POLE_FACTOR * max(ref, scale, np.finfo(float).tiny):
                defects.append(Defect(float(x), "grad-pole", float(v), f"{ref:.3g} at the scan points around it"))
    # magnitude of int L'/Sigma from the midpoint (trapezoid on the scan; only its size is used)
    with np.errstate(all="ignore"):
        ratio = np.where(good & np.isfinite(grad), grad / np.where(good, sigma, 1.0), 0.0)
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (ratio[1:] + ratio[:-1]) * np.diff(xs))))
    cum -= np.interp(0.5 * (a + b), xs, cum)
    scan = LandscapeScan(xs=xs, sigma=sigma, grad=grad, sigma_max=sigma_max, minima=tuple(minima),
                 defects=tuple(sorted(defects, key=lambda d: d.x)), drift_integral=cum)
    cache["scan"] = scan
    return scan


def defect_error(landscape: Landscape, d: Defect, interval: Tuple[float, float], scan: LandscapeScan) -> Exception:
    """The exception for a defect inside ``interval``: where it is and what to do."""
    lo, hi = interval
    where = f"inside [{lo!r}, {hi!r}] in landscape {landscape.name!r}"
    if d.what == "sigma-nonfinite":
        return ValueError(f"`sigma` is not finite {where}: Sigma({d.x:.17g}) = {d.value!r}; it must be a finite, "
                          f"positive variance on the whole domain: fix it there or shrink the domain")
    if d.what == "grad-nonfinite":
        kind = "a pole" if np.isinf(d.value) else "undefined"
        return IllPosedError(f"`grad` is not finite {where}: grad({d.x:.17g}) = {d.value!r} ({kind}); the drift must "
                             f"be finite inside the domain: shrink the domain to one side of x = {d.x:.6g}")
    if d.what == "grad-pole":
        return IllPosedError(f"`grad` has a pole {where} near x = {d.x:.17g}: |grad| reaches {d.value:.3g} there "
                             f"({d.detail}); the diffusion is not defined across a pole: shrink the domain to one "
                             f"side of x = {d.x:.6g}")
    rel = f" ({d.value / scan.sigma_max:.1e} of its largest value {scan.sigma_max:.3g})" if scan.sigma_max > 0 else ""
    found = f", found {d.detail}" if d.detail else ""
    sign = "negative" if d.value < 0 else "zero"
    if d.value < -1e-3 * scan.sigma_max:
        # clearly negative, not a zero touched up to round-off: a sign error or a domain far too wide
        return IllPosedError(
            f"`sigma` is negative {where}: Sigma({d.x:.17g}) = {d.value:.3g}{rel}{found}. Sigma is a variance of "
            f"the gradient noise and must be > 0 on the whole domain: fix the function (a variance is a mean of "
            f"squares), or restrict the domain to an interval where Sigma > 0 (and bounded away from 0)")
    return IllPosedError(
        f"`sigma` vanishes {where}: Sigma({d.x:.17g}) = {d.value:.3g}{rel}{found} ({sign}; Sigma at or below "
        f"{SIGMA_ZERO_RTOL:g} of its largest value counts as zero). Where the noise vanishes the diffusion cannot "
        f"cross (its law splits into pieces or collapses onto the point), so the Fokker-Planck problem has no "
        f"answer: shrink the domain to one side of x = {d.x:.6g}, or add a noise floor (Sigma + c with c > 0). "
        f"Discrete-time analyses (N2 stability, SGD simulation) do not need this")


def sigma_zeros(landscape: Landscape) -> Tuple[float, ...]:
    r"""Interior points where :math:`\Sigma \le` ``SIGMA_ZERO_RTOL`` :math:`\max\Sigma` or is not finite.

    From the cached scan (zeros between scan points included); a stretch where
    :math:`\Sigma < 0` is represented by its scan points.  Domain ends are not
    interior points (a :math:`\Sigma` vanishing there is a singular end).
    For the conditions that need a unique stationary law (they report "not
    applicable" where this is not empty).

    Examples
    --------
    >>> import numpy as np
    >>> land = Landscape(grad=lambda x: 10 * x, sigma=lambda x: 64 * (x - 0.3) ** 2, domain=(-1.0, 1.0))
    >>> [round(x, 12) for x in sigma_zeros(land)]
    [0.3]
    """
    scan = scan_landscape(landscape)
    return tuple(d.x for d in scan.defects if d.what in ("sigma-zero", "sigma-nonfinite"))
