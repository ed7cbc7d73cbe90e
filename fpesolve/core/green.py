r"""An independent cross-check of tiny spectral gaps: power iteration on the Green operator.

:func:`fpesolve.core.spectrum.spectral_gap` finds :math:`\lambda_1` by bisection
on the Golub–Kahan matrix.  This module finds it another way (DESIGN §3):
the generator :math:`Q` of the Scharfetter–Gummel chain (rates :math:`a_i`
for :math:`i \to i+1`, :math:`b_i` for :math:`i+1 \to i`, two reflecting
ends) is in detailed balance with the cell masses :math:`\pi_i`, so on the
:math:`\pi`-mean-zero functions :math:`-Q` is invertible and its inverse,
the Green operator :math:`G`, is self-adjoint and positive in
:math:`\langle f, g\rangle_\pi = \sum_i \pi_i f_i g_i` with largest eigenvalue
:math:`1/\lambda_1`.  Applying :math:`G` costs :math:`O(N)`: with
:math:`\sum_j \pi_j g_j = 0`, :math:`-Qu = g` integrates once to

.. math:: u_{i+1} - u_i = -\frac{1}{\pi_i a_i}\sum_{j \le i}\pi_j g_j
          = \frac{1}{\pi_i a_i}\sum_{j > i}\pi_j g_j ,

a prefix or a suffix sum (whichever side carries less mass, so the
cancellation error stays at :math:`\varepsilon` times the smaller side);
the numba kernel :func:`fpesolve.core._spectrum_kernels.green_increments` carries
:math:`\sum_{j\le i}\pi_j g_j/\pi_i` as sign and logarithm, so masses
spanning :math:`e^{\pm 10^4}` are fine.  Power iteration converges like
:math:`(\lambda_1/\lambda_2)^{2k}` in the Rayleigh quotient — in two or three
steps exactly when the gap is tiny, where the cross-check matters.  The
iterate is renormalised every step and the scale kept as a logarithm, so
gaps far below the float64 range are returned in ``log10`` form.

The start is the cell-centre coordinate :math:`x_i`: for a birth–death
chain the slowest eigenfunction is monotone, so any increasing start has a
nonzero component along it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .._util.formatting import format_log10
from .._util.validation import positive_int, probability

__all__ = ["GreenGap", "green_gap"]

_LN10 = math.log(10.0)
_TINY = np.finfo(float).tiny


@dataclass(frozen=True)
class GreenGap:
    r"""The spectral gap from power iteration on the Green operator (:func:`green_gap`).

    Attributes
    ----------
    value : float or None
        :math:`\lambda_1` in 1/[continuous time]; ``None`` when below the
        float64 range (then only ``log10`` carries it).
    log10 : float
        :math:`\log_{10}\lambda_1`, always finite.
    relaxation_time : float
        :math:`1/\lambda_1` in continuous time, ``inf`` above the float64 range.
    iterations : int
        Applications of the Green operator used.
    converged : bool
        Whether the relative change of :math:`\lambda_1` between the last two
        iterations fell to ``rtol``.
    last_change : float
        That relative change (``inf`` after a single iteration).
    rtol : float
    n : int
        Number of grid cells.
    observable : ndarray, shape (N,)
        The last iterate: the slowest observable :math:`\phi_1` at the cell
        centres, with :math:`E_\pi\phi_1 = 0`, :math:`E_\pi\phi_1^2 = 1`.
    """

    value: Optional[float]
    log10: float
    relaxation_time: float
    iterations: int
    converged: bool
    last_change: float
    rtol: float
    n: int
    observable: np.ndarray = field(repr=False)

    @property
    def log(self) -> float:
        """Natural log of the gap."""
        return self.log10 * _LN10

    def summary(self) -> str:
        """A one-paragraph description."""
        val = f"{self.value:.16e}" if self.value is not None else f"10^{self.log10:.10f} (below float64)"
        state = "converged" if self.converged else "NOT converged"
        return (f"spectral gap {val} (log10 {self.log10:.12g}) by Green-operator power iteration on N = {self.n} "
                f"cells: {state} after {self.iterations} iteration(s), last relative change {self.last_change:.3g} "
                f"(rtol {self.rtol:.3g}); relaxation time {format_log10(-self.log10)} (continuous time)")

    __str__ = summary


def green_gap(fp, max_iter: int = 200, rtol: float = 1e-14) -> GreenGap:
    r"""Spectral gap :math:`\lambda_1` of ``fp``'s generator by power iteration on its Green operator.

    An independent check of :func:`fpesolve.core.spectrum.spectral_gap` (which
    bisects the Golub–Kahan matrix); see the module docstring for the
    method.  Each iteration is :math:`O(N)`; the number of iterations grows
    like :math:`\log(\mathrm{rtol}) / \log(\lambda_1/\lambda_2)^2`, so it is
    small for metastable (tiny) gaps and ~25 for an Ornstein–Uhlenbeck
    process (:math:`\lambda_1/\lambda_2 = 1/2`).

    Parameters
    ----------
    fp : FokkerPlanck
        With two reflecting ends (the Green operator on mean-zero functions
        needs the stationary law; with an absorbing end use
        :func:`fpesolve.core.spectrum.spectrum`).
    max_iter : int
        Largest number of iterations, >= 1.
    rtol : float
        Stop when the relative change of :math:`\lambda_1` between
        iterations is at most ``rtol``, in (0, 1).

    Returns
    -------
    GreenGap
        Not converging within ``max_iter`` is reported by
        ``converged=False``, not raised.

    Raises
    ------
    ValueError
        For ``max_iter`` < 1, ``rtol`` outside (0, 1), an absorbing end or a
        grid of a single cell.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> from fpesolve.core.green import green_gap
    >>> from fpesolve.core.spectrum import spectral_gap
    >>> well = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2, 2))
    >>> fp = FokkerPlanck(well, 0.003, 60)
    >>> g = green_gap(fp)
    >>> g.converged, g.iterations <= 4, abs(g.log10 - spectral_gap(fp).log10) < 1e-12
    (True, True, True)
    """
    from ._spectrum_kernels import green_increments

    max_iter = positive_int(max_iter, "max_iter")
    rtol = probability(rtol, "rtol")
    d = fp.discretization
    if tuple(d.boundary) != ("reflecting", "reflecting"):
        raise ValueError(f"green_gap needs two reflecting ends (the Green operator acts on mean-zero functions), "
                         f"got boundary {tuple(d.boundary)!r}; with an absorbing end use fpesolve.core.spectrum.spectrum")
    n = d.grid.n
    if n < 2:
        raise ValueError(f"green_gap needs a grid of at least 2 cells, got N = {n}")
    log_up = np.ascontiguousarray(d.log_up, dtype=float)
    log_down = np.ascontiguousarray(d.log_down, dtype=float)
    logpi = np.asarray(d.log_stationary_mass, dtype=float)
    with np.errstate(under="ignore"):
        pi = np.exp(logpi - np.max(logpi))
    pi /= pi.sum()

    def normalised(v: np.ndarray) -> np.ndarray:
        v = v - pi @ v
        return v / math.sqrt(pi @ (v * v))

    g = normalised(np.asarray(d.grid.centres, dtype=float))
    signs = np.empty(n - 1)
    logs = np.empty(n - 1)
    log_gap, change, converged, iterations = math.nan, math.inf, False, 0
    for iterations in range(1, max_iter + 1):
        green_increments(log_up, log_down, g, signs, logs)
        scale = float(np.max(logs))
        with np.errstate(under="ignore"):
            du = signs * np.exp(logs - scale)
        u = np.concatenate(([0.0], np.cumsum(du)))       # G g = e^scale * u (up to a constant)
        u -= pi @ u
        overlap = float(pi @ (g * u))                     # <g, G g> / e^scale, > 0 (G is positive)
        norm2 = float(pi @ (u * u))                       # <G g, G g> / e^(2 scale)
        if not (overlap > 0.0 and norm2 > 0.0 and math.isfinite(norm2)):
            raise ValueError(f"green_gap lost the iterate at iteration {iterations} (overlap {overlap!r}); "
                             f"the generator of {fp.landscape.name!r} may be degenerate at this eta")
        # Rayleigh-type quotient <Gg, Gg> / <g, Gg> -> 1/lambda_1 from below
        new_log_gap = -(scale + math.log(norm2) - math.log(overlap))
        if iterations > 1:
            change = abs(math.expm1(new_log_gap - log_gap))
        log_gap = new_log_gap
        g = u / math.sqrt(norm2)
        if change <= rtol:
            converged = True
            break
    log10 = log_gap / _LN10
    value = math.exp(log_gap) if log_gap > math.log(_TINY) else None
    relax = math.exp(-log_gap) if -log_gap < 709.0 else math.inf
    return GreenGap(value=value, log10=log10, relaxation_time=relax, iterations=iterations, converged=converged,
                    last_change=change, rtol=rtol, n=n, observable=g)
