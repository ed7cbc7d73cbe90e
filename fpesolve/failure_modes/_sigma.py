r"""Where :math:`\Sigma` vanishes inside the domain: one test, one message, used by every condition.

A zero of :math:`\Sigma` at an interior point :math:`x_0` (e.g. a saddle at
which every per-sample gradient vanishes, or an interpolating minimum) cuts
the diffusion in two: the noise cannot carry it across :math:`x_0`, the
stationary law is not unique (or does not exist), and mixing times and basin
probabilities of "the" stationary law have no meaning.  The conditions that
need the stationary law (N1, N3, Remark 4.3) then report ``"not
applicable"`` with :func:`sigma_zero_reason`; the local ones (N2 at the
minima, N4's correlation of :math:`\Sigma` with the generalisation gaps, G1–G3)
are still evaluated.  Called directly, those functions raise
:class:`~fpesolve.IllPosedError` with the same text.

(When :func:`fpesolve.core.wellposed.check_well_posed` is available this test
is the part of it about interior zeros; this module is the failure-modes
layer's own copy until then.)
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
from scipy import optimize

from .._util.errors import IllPosedError
from ..core.landscape import Landscape

__all__ = ["SIGMA_ZERO_RTOL", "sigma_zeros", "sigma_zero_reason", "require_positive_sigma"]

#: Sigma below this fraction of its maximum on the domain counts as zero (round-off of squared gradients ~ eps)
SIGMA_ZERO_RTOL = 1e-12
#: scan points for the local minima of Sigma
_N_SCAN = 4001
#: only local minima of the scan below this fraction of max Sigma are refined (a zero is far below it)
_CANDIDATE = 1e-3


def sigma_zeros(landscape: Landscape) -> Tuple[float, ...]:
    r"""Interior points where :math:`\Sigma \le` :data:`SIGMA_ZERO_RTOL` :math:`\max\Sigma` (or is not finite).

    :math:`\Sigma` is scanned on :data:`_N_SCAN` interior points and at the
    critical points of :math:`L`; each interior local minimum of the scan
    below :data:`_CANDIDATE` :math:`\max\Sigma` is refined by bounded Brent
    minimisation on its two neighbouring intervals (a zero in a dip narrower
    than the scan spacing can be missed).
    Domain ends are not interior points (a :math:`\Sigma` vanishing there is
    a singular end, which the stationary law handles).

    Parameters
    ----------
    landscape : Landscape
        Any landscape.

    Returns
    -------
    tuple of float
        The interior zeros of :math:`\Sigma`, sorted, points closer than
        :math:`10^{-9}` of the domain length merged; empty when
        :math:`\Sigma > 0` inside the domain.

    Examples
    --------
    F2's :math:`\Sigma = 64\theta^2` vanishes at its interpolating minimum:

    >>> from fpesolve.failure_modes import construction
    >>> sigma_zeros(construction("f2")), sigma_zeros(construction("healthy"))
    ((0.0,), ())
    """
    a, b = landscape.domain
    probe = np.linspace(a, b, _N_SCAN)[1:-1]
    crit = np.array([cp.x for cp in landscape.critical_points()], dtype=float)
    with np.errstate(all="ignore"):
        sig = np.asarray(landscape.sigma(probe), dtype=float)
        sig_c = np.asarray(landscape.sigma(crit), dtype=float) if crit.size else np.zeros(0)
    finite = np.isfinite(sig)
    scale = float(np.max(np.abs(sig[finite]))) if finite.any() else 0.0
    limit = SIGMA_ZERO_RTOL * scale
    found = list(probe[~finite | (sig <= limit)]) + list(crit[~np.isfinite(sig_c) | (sig_c <= limit)])
    dips = (sig[1:-1] <= sig[:-2]) & (sig[1:-1] <= sig[2:]) & ((sig[1:-1] < sig[:-2]) | (sig[1:-1] < sig[2:]))
    inner = np.flatnonzero(dips & finite[1:-1] & (sig[1:-1] <= _CANDIDATE * scale)) + 1
    for i in inner:
        if sig[i] <= limit:
            continue
        res = optimize.minimize_scalar(lambda t: float(landscape.sigma(np.array([t]))[0]),
                                       bounds=(probe[i - 1], probe[i + 1]), method="bounded",
                                       options={"xatol": 1e-14 * max(1.0, abs(probe[i]))})
        if res.fun <= limit:
            found.append(float(res.x))
    if not found:
        return ()
    pts = np.sort(np.array(found, dtype=float))
    keep = np.concatenate(([True], np.diff(pts) > 1e-9 * (b - a)))
    return tuple(float(x) for x in pts[keep])


def sigma_zero_reason(landscape: Landscape, zeros: Tuple[float, ...]) -> str:
    """The sentence every condition gives when :math:`\\Sigma` vanishes inside the domain.

    Parameters
    ----------
    landscape : Landscape
        The landscape (its name is quoted).
    zeros : tuple of float
        The zeros found by :func:`sigma_zeros` (the first five are quoted).

    Returns
    -------
    str
        Where :math:`\\Sigma` vanishes and why no stationary law exists there.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> c = construction("f2")
    >>> sigma_zero_reason(c, sigma_zeros(c))[:60]
    "Sigma vanishes inside the domain of 'F2 discrete instability"
    """
    where = ", ".join(f"{x:.6g}" for x in zeros[:5]) + (" ..." if len(zeros) > 5 else "")
    return (f"Sigma vanishes inside the domain of {landscape.name!r} (at x = {where}): the diffusion cannot cross "
            f"such a point, so there is no unique stationary law to mix to or to split into basins (at an "
            f"interpolating minimum, stability decides: N2)")


def require_positive_sigma(landscape: Landscape, what: str) -> None:
    """Raise :class:`~fpesolve.IllPosedError` naming ``what`` when :math:`\\Sigma` vanishes inside the domain.

    Parameters
    ----------
    landscape : Landscape
        The landscape to test (:func:`sigma_zeros`).
    what : str
        The computation that needs the stationary law, e.g. ``"N1 (mixing)"``.

    Raises
    ------
    IllPosedError
        When :math:`\\Sigma` has an interior zero: the message names ``what``,
        the zeros, and says to restrict the domain or use ``diagnose()``.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> require_positive_sigma(construction("healthy"), "N1 (mixing)")   # Sigma > 0: nothing happens
    >>> require_positive_sigma(construction("f2"), "N1 (mixing)")
    Traceback (most recent call last):
    ...
    fpesolve._util.errors.IllPosedError: N1 (mixing) needs the stationary law, but Sigma vanishes ...
    """
    zeros = sigma_zeros(landscape)
    if zeros:
        raise IllPosedError(f"{what} needs the stationary law, but {sigma_zero_reason(landscape, zeros)}; restrict "
                            f"the domain to one side of the zero, or use diagnose(), which reports {what} as "
                            f"'not applicable' here")
