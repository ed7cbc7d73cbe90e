r"""Relaxation spectra of the Fokker–Planck generator, to full relative precision.

The Scharfetter–Gummel generator :math:`Q` (see :mod:`fpesolve.core.discretize`)
is a birth–death rate matrix with rates :math:`a_i` (:math:`i \to i+1`),
:math:`b_i` (:math:`i+1 \to i`) and, at absorbing ends, exit rates
:math:`o_0, o_{N-1}`.  It is in detailed balance with the cell masses
:math:`\pi_i`, so :math:`S = \Pi^{-1/2} Q\, \Pi^{1/2}` is symmetric and

.. math:: -S = C^{\mathsf T} C, \qquad
          C = \begin{pmatrix} \sqrt{o_0} & & & \\
                              -\sqrt{a_0} & \sqrt{b_0} & & \\
                              & \ddots & \ddots & \\
                              & & -\sqrt{a_{N-2}} & \sqrt{b_{N-2}} \\
                              & & & \sqrt{o_{N-1}} \end{pmatrix}

(the first/last row only for an absorbing left/right end).  The eigenvalues
of :math:`-Q` are the squared singular values :math:`\sigma_j^2` of the
bidiagonal :math:`C`, and those are the positive eigenvalues of the
zero-diagonal Golub–Kahan tridiagonal matrix with off-diagonal
:math:`(\sqrt{o_0},)\,\sqrt{a_0}, \sqrt{b_0}, \sqrt{a_1}, \sqrt{b_1}, \dots (, \sqrt{o_{N-1}})`.
Bisection with Sturm counts on that matrix determines every :math:`\sigma_j`
to a few ulps *relative* accuracy however small it is (Demmel & Kahan 1990),
whereas the
usual symmetric tridiagonal eigensolvers only give an absolute accuracy of
:math:`\varepsilon\,\|Q\|` — useless for a metastable gap of :math:`10^{-30}`.

Two bisection engines are offered (``solver=``): ``"sturm"`` (default), a
numba kernel (:mod:`fpesolve.core._spectrum_kernels`) that bisects geometrically
and forms the Sturm recurrence as :math:`e\,(e/q)`, so off-diagonals down to
~1e-290 of the largest stay usable; and ``"stebz"``, LAPACK's bisection
through :func:`scipy.linalg.eigh_tridiagonal` (``select='i'``,
``tol`` = smallest normal number), which squares the off-diagonals and
therefore splits the matrix (returning a spurious 0) once a rate ratio
passes ~1e-308 — e.g. a coarse grid across a barrier of a few hundred
:math:`k_BT`.  Eigenvectors come from inverse iteration (LAPACK ``stein``)
at the bisected eigenvalues.

The square roots :math:`\sqrt{a_i} = e^{\frac12\ln a_i}` are formed from the
log-rates after dividing by a power of two close to the largest one, so
nothing underflows prematurely; the rates are returned in log form as well.

Boundaries: all four combinations are supported.  With two reflecting ends
:math:`-Q` has the simple eigenvalue 0 (the stationary law) and the
``k`` *nonzero* rates are returned (at most ``N - 1``); with an absorbing end
every eigenvalue is positive and the ``k`` smallest are returned (at most
``N``), the first being the decay rate of the quasi-stationary law.

When the gap underflows float64 (or bisection cannot resolve it),
:func:`spectral_gap` switches to the
exact first-passage expression :math:`1/T_{AB} + 1/T_{BA}` of the same
discrete chain (``method="first-passage"``), evaluated in log space (:mod:`fpesolve.core.passage`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import numpy as np
from scipy.linalg import eigh_tridiagonal, get_lapack_funcs

from .._util.deprecation import renamed_keyword
from .._util.formatting import float_from_log10, format_log10, format_with_error
from .._util.result import Result
from .._util.validation import positive_int
from .grid import Grid

__all__ = ["Spectrum", "SpectralGap", "spectrum", "spectral_gap", "golub_kahan_offdiagonal"]

_LN10 = math.log(10.0)
_TINY = np.finfo(float).tiny
#: bisection floor and smallest trusted scaled singular value / off-diagonal (the Sturm sequence
#: guards its pivots at the safe minimum ~2e-308; these keep well clear of it)
_SIGMA_FLOOR = 1e-295
_E_FLOOR = 1e-290
#: a scaled singular value above this is resolved even when some off-diagonals fall below ``_E_FLOOR``: those
#: entries carry an absolute error of at most ~``_E_FLOOR``, which moves every singular value by at most as much
#: (Weyl), a relative 1e-20 here; below it such entries may dominate and the value is not trusted
_SIGMA_TRUSTED_WITH_TINY_ENTRIES = 1e-270
_GK_METHOD = "golub-kahan bisection"
_FP_METHOD = "first-passage (log space): 1/T_AB + 1/T_BA"
_METHODS = ("auto", "golub-kahan", "first-passage")


_log10_to_float = float_from_log10


def golub_kahan_offdiagonal(fp) -> Tuple[np.ndarray, float, int]:
    r"""The scaled off-diagonal of the Golub–Kahan matrix of ``fp``'s generator.

    Returns
    -------
    offdiag : ndarray
        :math:`2^{-s}\,(\sqrt{o_0},)\sqrt{a_0}, \sqrt{b_0}, \dots(, \sqrt{o_{N-1}})`.
    log_scale : float
        :math:`s \ln 2`; the singular values are ``exp(log_scale)`` times
        those of the scaled matrix.
    first_positive : int
        Index (ascending order) of the smallest positive eigenvalue of the
        Golub–Kahan matrix.
    """
    d = fp.discretization
    left_abs = d.boundary[0] == "absorbing"
    right_abs = d.boundary[1] == "absorbing"
    n = d.grid.n
    half_up = 0.5 * np.asarray(d.log_up)
    half_down = 0.5 * np.asarray(d.log_down)
    parts = []
    if left_abs:
        parts.append(np.array([0.5 * math.log(d.out[0])]))
    inter = np.empty(2 * (n - 1))
    inter[0::2] = half_up
    inter[1::2] = half_down
    parts.append(inter)
    if right_abs:
        parts.append(np.array([0.5 * math.log(d.out[-1])]))
    log_e = np.concatenate(parts)
    shift = math.floor(float(np.max(log_e)) / math.log(2.0))
    log_scale = shift * math.log(2.0)
    if float(np.min(log_e)) > -708.0 and float(np.max(log_e)) < 709.0:
        # exp of the exact half-logs (1 ulp), then an exact power-of-two scaling
        offdiag = np.ldexp(np.exp(log_e), -shift)
    else:
        with np.errstate(under="ignore"):
            offdiag = np.exp(log_e - log_scale)
    rows = n - 1 + int(left_abs) + int(right_abs)
    return offdiag, log_scale, max(n, rows)


def _n_nonzero(fp) -> int:
    d = fp.discretization
    return fp.grid.n - 1 if d.boundary == ("reflecting", "reflecting") else fp.grid.n


def _check_k(fp, k) -> int:
    k = positive_int(k, "k")
    available = _n_nonzero(fp)
    if k > available:
        kind = "N - 1" if available == fp.grid.n - 1 else "N"
        raise ValueError(f"`k` = {k} exceeds the {available} nonzero rates a grid of N = {fp.grid.n} cells has "
                         f"({kind} for boundary {fp.boundary!r}); ask for k <= {available} or refine the grid")
    return k


@dataclass(frozen=True, repr=False)
class Spectrum(Result):
    r"""The ``k`` slowest nonzero relaxation rates of the discrete Fokker–Planck generator.

    Built by :func:`spectrum` (or :meth:`FokkerPlanck.spectrum`); arrays are read-only.

    Attributes
    ----------
    rates : ndarray, shape (k,)
        :math:`\lambda_1 \le \dots \le \lambda_k`, eigenvalues of :math:`-Q`
        (units 1/[continuous time]; multiply by :math:`\eta` for rates per SGD
        iteration).  Formed exactly from the scaled singular values; a rate
        below the float64 range (possible down to ~1e-580 of the largest
        rate) is 0.0 here and carried by ``log10_rates``.
    log10_rates : ndarray, shape (k,)
        :math:`\log_{10}\lambda_j` (always finite, also where ``rates`` underflow).
    relaxation_times : ndarray, shape (k,)
        :math:`1/\lambda_j` (``inf`` where not representable).
    densities : ndarray, shape (k, N) or None
        Right eigenvectors as densities, :math:`r_j(x_i) = p(x_i)\,\varphi_j(x_i)`,
        so that :math:`p_t = p + \sum_j c_j e^{-\lambda_j t} r_j`.
    observables : ndarray, shape (k, N) or None
        Left eigenvectors :math:`\varphi_j` (eigenfunctions of the backward
        operator), normalised by :math:`\sum_i \pi_i \varphi_j(x_i)^2 = 1`
        (so :math:`\sum_i \varphi_j(x_i) r_l(x_i)|c_i| = \delta_{jl}`) and
        signed so that the last cell's value is >= 0.  May contain ``inf``
        where :math:`\pi_i` underflows.
    grid : Grid
        The grid of the discrete chain.
    boundary : (str, str)
        ``"reflecting"`` or ``"absorbing"`` for the left and right ends.
    method : str
        How the numbers were obtained.
    errors, rel_errors : ndarray, shape (k,) or None
        With ``accuracy="estimate"``: bounds on the discretisation error of
        ``rates`` (absolute and relative, against the continuum rates); with
        ``"continuum"``: bounds on the error of the extrapolated ``rates``;
        ``None`` for ``"grid"`` (the rates are then exact, to ~1e-15, for
        the discrete chain only).
    accuracy : str
        ``"grid"``, ``"estimate"`` or ``"continuum"``.
    extrapolation : Extrapolation or None
        The refinement ladder behind ``errors`` (:mod:`fpesolve.core.extrapolation`).

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`: the continuum rates are :math:`1, 2, 3, \dots`; a grid
    of spacing :math:`h = 0.01` has them to :math:`O(h^2)`:

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> s = FokkerPlanck(ou, eta=1.0, grid=1600).spectrum(3)
    >>> bool(np.allclose(s.rates, [1.0, 2.0, 3.0], rtol=0.01**2)), s.densities.shape, s.gap == float(s.rates[0])
    (True, (3, 1600), True)
    """

    rates: np.ndarray
    log10_rates: np.ndarray
    relaxation_times: np.ndarray
    densities: Optional[np.ndarray] = field(repr=False)
    observables: Optional[np.ndarray] = field(repr=False)
    grid: Grid
    boundary: Tuple[str, str]
    method: str
    errors: Optional[np.ndarray] = None
    rel_errors: Optional[np.ndarray] = None
    accuracy: str = "grid"
    extrapolation: Optional[object] = field(default=None, repr=False)

    @property
    def k(self) -> int:
        """Number of rates."""
        return int(self.rates.size)

    @property
    def gap(self) -> float:
        """The slowest rate :math:`\\lambda_1`."""
        return float(self.rates[0])

    def summary(self) -> str:
        """A table of the rates and relaxation times.

        Returns
        -------
        str
            The grid, boundary and method, an accuracy note, then one line
            per rate (rate with the digits its error supports, relative
            error, log10 rate, relaxation time).
        """
        if self.errors is None:
            note = "exact for the discrete chain; discretisation error not estimated: pass accuracy='estimate' for a bound, 'continuum' for the extrapolated value"
        else:
            note = f"accuracy={self.accuracy!r}: digits shown are those the error bound supports"
        lines = [f"Spectrum of -Q on {self.grid!r}, boundary {self.boundary}, by {self.method}", note,
                 f"{'j':>3s} {'rate':>24s} {'rel. error':>10s} {'log10 rate':>14s} {'relaxation time':>24s}"]
        for j in range(self.k):
            err = None if self.errors is None else float(self.errors[j])
            rel = "-" if self.rel_errors is None else f"{self.rel_errors[j]:.1e}"
            rate = format_with_error(self.rates[j], err, 17) if self.rates[j] > 0 else "0"
            lines.append(f"{j + 1:3d} {rate:>24s} {rel:>10s} {self.log10_rates[j]:14.8f} "
                         f"{self.relaxation_times[j]:24.16e}")
        return "\n".join(lines)

    def table(self):
        """``(headers, rows)``: one row per rate.

        Returns
        -------
        tuple
            Headers ``("j", "rate", "rel. error", "log10 rate", "relaxation time")`` and ``k`` rows.
        """
        rows = [(j + 1, float(self.rates[j]), None if self.rel_errors is None else float(self.rel_errors[j]),
                 float(self.log10_rates[j]), float(self.relaxation_times[j])) for j in range(self.k)]
        return ("j", "rate", "rel. error", "log10 rate", "relaxation time"), rows


@dataclass(frozen=True, repr=False)
class SpectralGap(Result):
    r"""The spectral gap :math:`\lambda_1` of the generator and the relaxation time :math:`1/\lambda_1`.

    Built by :func:`spectral_gap` (or :meth:`FokkerPlanck.spectral_gap`).

    Attributes
    ----------
    value : float or None
        :math:`\lambda_1` in 1/[continuous time], or ``None`` when it is
        below the float64 range (then only ``log10`` carries it; it is never
        reported as 0).
    log10 : float
        :math:`\log_{10}\lambda_1` (always finite).
    relaxation_time : float
        :math:`t_{rel} = 1/\lambda_1` in continuous time, ``inf`` when above
        the float64 range.
    log10_relaxation_time : float
        :math:`\log_{10} t_{rel}`.
    method : str
        How ``value`` was obtained: the algorithm (``"golub-kahan
        bisection"`` or ``"first-passage (log space): 1/T_AB + 1/T_BA"``),
        then ``"; "`` and what it was applied to: ``"discrete chain on N =
        ... cells"`` (with ``"; error bound from ..."`` for
        ``accuracy="estimate"``), or the Richardson ladder
        (:mod:`fpesolve.core.extrapolation`) for ``"continuum"``.  The
        algorithm alone is ``method.split("; ")[0]`` (the former ``route``).
    n : int
        Number of grid cells.
    boundary : (str, str)
        ``"reflecting"`` or ``"absorbing"`` for the left and right ends.
    detail : str
        For the first-passage algorithm, which minima were used.
    error, rel_error : float or None
        Bounds on the absolute / relative error against the continuum gap:
        of ``value`` as the grid value (``accuracy="estimate"``) or as the
        extrapolated value (``"continuum"``); ``None`` for ``"grid"``
        (``error`` is also ``None`` when ``value`` is).
    accuracy : str
        ``"grid"``, ``"estimate"`` or ``"continuum"``.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L = \theta^2/2`, :math:`\Sigma = 1`,
    :math:`\eta = 1`: the gap is 1, on a grid of spacing :math:`h` up to
    :math:`O(h^2)` (here :math:`h = 0.02`):

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: x, sigma=lambda x: np.ones_like(x), domain=(-8.0, 8.0))
    >>> g = FokkerPlanck(ou, eta=1.0, grid=800).spectral_gap()
    >>> bool(abs(g.value - 1.0) < 0.02**2), g.method
    (True, 'golub-kahan bisection; discrete chain on N = 800 cells')
    """

    value: Optional[float]
    log10: float
    relaxation_time: float
    log10_relaxation_time: float
    method: str
    n: int
    boundary: Tuple[str, str]
    detail: str = ""
    error: Optional[float] = None
    rel_error: Optional[float] = None
    accuracy: str = "grid"

    @property
    def route(self) -> str:
        """Deprecated: the algorithm part of :attr:`method` (renamed ``method`` in fpesolve 0.2; warns)."""
        warnings.warn("`SpectralGap.route` was renamed `method` in fpesolve 0.2: read `.method` (its part before "
                      "the first '; ' is the former route)", FutureWarning, stacklevel=2)
        return _algorithm(self.method)

    @property
    def log(self) -> float:
        """Natural log of the gap."""
        return self.log10 * _LN10

    def summary(self) -> str:
        """A one-paragraph description.

        Returns
        -------
        str
            The gap with the digits its error supports, its log10, the
            relaxation time, the grid, the boundary and the method.
        """
        if self.value is not None:
            val = format_with_error(self.value, self.error, 17)
        else:
            val = f"10^{self.log10:.10f} (below float64)"
        err = ("discretisation error not estimated: pass accuracy='estimate' for a bound, 'continuum' for the extrapolated value" if self.rel_error is None
               else f"relative error <= {self.rel_error:.1e} against the continuum gap")
        text = (f"spectral gap {val} ({err}; log10 {self.log10:.12g}); relaxation time {format_log10(self.log10_relaxation_time)} "
                f"(continuous time) on N = {self.n} cells, boundary {self.boundary}, method: {self.method}")
        return text + (f"; {self.detail}" if self.detail else "")


def _algorithm(method: str) -> str:
    """The algorithm part of a :attr:`SpectralGap.method` string."""
    return method.split("; ")[0]


def _bisection(fp, k: int, vectors: bool, solver: str = "sturm"):
    """Golub–Kahan bisection.

    Returns ``(sigma, shift, x, reliable)``: the scaled singular values (the true ones are
    ``sigma * 2**shift``), the x-parts of the eigenvectors (N, k) or None, and whether the
    bisection resolved them to full relative precision.
    """
    from . import _spectrum_kernels as _spectrum_kernels
    e, log_scale, first = golub_kahan_offdiagonal(fp)
    shift = int(round(log_scale / math.log(2.0)))
    n = fp.grid.n
    e = np.ascontiguousarray(e)
    if solver == "sturm":
        w = np.empty(k)
        # all |e| <= 1 after scaling, so every eigenvalue lies in [-2, 2]
        _spectrum_kernels.bisect_indices(e, first, k, _SIGMA_FLOOR, 2.0, 4.0 * np.finfo(float).eps, w)
        reliable = bool(w[0] > _SIGMA_FLOOR) and (bool(np.min(e) > _E_FLOOR)
                                                  or bool(w[0] > _SIGMA_TRUSTED_WITH_TINY_ENTRIES))
    elif solver == "stebz":
        w = eigh_tridiagonal(np.zeros(e.size + 1), e, eigvals_only=True, select="i",
                             select_range=(first, first + k - 1), lapack_driver="stebz", tol=_TINY)
        w = np.maximum(w, 0.0)
        reliable = bool(w[0] > 1e-140) and bool(np.min(e * e) > 1e4 * _TINY)
    else:
        raise ValueError(f"`solver` must be 'sturm' or 'stebz', got {solver!r}")
    x = None
    if vectors and reliable:
        stein, = get_lapack_funcs(("stein",), (e, e))
        diag = np.zeros(e.size + 1)
        size = e.size + 1
        isplit = np.zeros(size, dtype=np.int32)
        isplit[0] = size
        v, info = stein(diag, e, w, np.ones(size, dtype=np.int32), isplit)
        if info != 0:
            raise np.linalg.LinAlgError(f"inverse iteration (LAPACK stein) failed for {info} eigenvector(s)")
        offset = 1 if fp.boundary[0] == "absorbing" else 0
        x = v[offset:offset + 2 * n - 1:2, :][:n]
        # the Golub-Kahan matrix uses |entries| of C = (-sqrt a_i, +sqrt b_i); undoing that diagonal
        # signature flips the sign of every other column of C
        x = x * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, None]
    return w, shift, x, reliable


def _rates_from_sigma(sigma: np.ndarray, shift: int):
    """(rates, log10 rates) from scaled singular values: rate = sigma**2 * 4**shift, formed exactly."""
    with np.errstate(divide="ignore"):
        log10 = 2.0 * (np.log10(sigma) + shift * math.log10(2.0))
    with np.errstate(under="ignore", over="ignore"):
        rates = np.ldexp(sigma * sigma, 2 * shift)
    return rates, log10


def spectrum(fp, k: int = 5, vectors: bool = True, solver: str = "sturm",
             accuracy: Union[str, float] = "grid") -> Spectrum:
    r"""The ``k`` slowest nonzero rates of :math:`-Q` and their eigenvectors.

    Parameters
    ----------
    fp : FokkerPlanck
        The problem (any boundary combination).
    k : int
        Number of rates; at most ``N - 1`` with two reflecting ends, ``N``
        otherwise.
    vectors : bool
        Also compute eigenvectors (inverse iteration, LAPACK ``stein``, on
        the Golub–Kahan matrix; then re-orthogonalised against the stationary
        mode).  Eigenvalues cost :math:`O(N)` per bisection step either way.
    solver : {"sturm", "stebz"}
        Bisection engine (see the module notes); ``"sturm"`` resolves rate
        ratios down to ~1e-580, ``"stebz"`` to ~1e-280.
    accuracy : {"grid", "estimate", "continuum"} or float
        ``"grid"``: the rates of the discrete chain on ``fp``'s grid (exact
        for the chain, :math:`O(h^2)` from the continuum; ``errors`` is
        ``None``).  ``"estimate"``: the same rates with bounds on their
        discretisation error in ``errors``/``rel_errors``, from a Richardson
        ladder of nested refinements of ``fp``'s grid
        (:mod:`fpesolve.core.extrapolation`).  ``"continuum"``: the
        extrapolated continuum rates and their error bounds (the ladder
        stops at 1e-12).  A float ``rtol``: the continuum rates to that
        relative error.  Eigenvectors are always those of ``fp``'s grid.

    Returns
    -------
    Spectrum
        Rates, their logs, relaxation times and (with ``vectors``) eigenvectors.

    Raises
    ------
    ValueError
        If ``k`` exceeds the number of nonzero rates, or if the slowest rate
        is too small for float64 bisection (use :func:`spectral_gap`, which
        falls back on the log-space first-passage method).
    ConvergenceError
        When the ladder gives no checked error bound, or (float ``accuracy``)
        does not reach the requested relative error.

    Examples
    --------
    Ornstein–Uhlenbeck, :math:`L' = H\theta`, constant :math:`\Sigma`: the
    rates are :math:`nH`, here to the :math:`O(h^2)` accuracy of the grid (``h = 3e-3``):

    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-6.0, 6.0))
    >>> s = FokkerPlanck(ou, eta=1.0, grid=4000).spectrum(3, vectors=False)
    >>> bool(np.allclose(s.rates, [2.0, 4.0, 6.0], rtol=1e-4))
    True

    The continuum rates from 100 cells, extrapolated over nested grids:

    >>> c = FokkerPlanck(ou, eta=1.0, grid=100).spectrum(3, vectors=False, accuracy=1e-11)
    >>> bool(np.all(np.abs(c.rates - [2.0, 4.0, 6.0]) <= c.errors)), bool(np.all(c.rel_errors <= 1e-11))
    (True, True)
    """
    if accuracy != "grid":
        from .extrapolation import spectrum_with_accuracy
        return spectrum_with_accuracy(fp, k, vectors, solver, accuracy)
    k = _check_k(fp, k)
    sigma, shift, x, reliable = _bisection(fp, k, vectors, solver)
    if not reliable:
        raise ValueError(
            "the slowest rate of this generator is below ~1e-280 of the largest rate, too small for float64 "
            "bisection; use spectral_gap(fp), which switches to the log-space first-passage method, or a larger eta")
    rates, log10_rates = _rates_from_sigma(sigma, shift)
    relax = np.array([1.0 / r if r > 1.0 / np.finfo(float).max else _log10_to_float(-lg)
                      for r, lg in zip(rates, log10_rates)])
    densities = observables = None
    if x is not None:
        d = fp.discretization
        logpi = np.asarray(d.log_stationary_mass)
        x = np.array(x, dtype=float)
        if fp.boundary == ("reflecting", "reflecting"):
            null = np.exp(0.5 * logpi)
            null /= np.linalg.norm(null)
            x -= np.outer(null, null @ x)
        # modified Gram-Schmidt among the returned vectors (they are orthogonal up to rounding)
        for j in range(x.shape[1]):
            for i in range(j):
                x[:, j] -= (x[:, i] @ x[:, j]) * x[:, i]
            x[:, j] /= np.linalg.norm(x[:, j])
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            # phi = v / sqrt(pi) formed as sign(v) exp(log|v| - log(pi)/2): an exact 0 stays 0 (no 0 * inf)
            obs = (np.sign(x) * np.exp(np.log(np.abs(x)) - 0.5 * logpi[:, None])).T
            dens = (x * np.exp(0.5 * logpi - np.log(fp.grid.widths))[:, None]).T
        for j in range(k):
            nz = np.flatnonzero(obs[j] != 0)
            if nz.size and obs[j, nz[-1]] < 0:
                obs[j] *= -1.0
                dens[j] *= -1.0
        densities, observables = dens, obs
        for arr in (densities, observables):
            arr.flags.writeable = False
    for arr in (rates, log10_rates, relax):
        arr.flags.writeable = False
    engine = "numba Sturm counts" if solver == "sturm" else "LAPACK stebz"
    method = f"{_GK_METHOD} ({engine})" + (" with inverse-iteration vectors (LAPACK stein)" if vectors else "")
    return Spectrum(rates=rates, log10_rates=log10_rates, relaxation_times=relax, densities=densities,
                    observables=observables, grid=fp.grid, boundary=fp.boundary, method=method)


def _make_gap(log10: float, algorithm: str, fp, detail: str = "", value: Optional[float] = None) -> SpectralGap:
    """The gap of the discrete chain on ``fp``'s grid, found by ``algorithm`` (the first part of its ``method``)."""
    if value is None:
        value = _log10_to_float(log10)
    if value >= _TINY:
        relax = 1.0 / value if value > 1.0 / np.finfo(float).max else math.inf
    else:
        value, relax = None, _log10_to_float(-log10)
    return SpectralGap(value=value, log10=log10, relaxation_time=relax, log10_relaxation_time=-log10,
                       method=f"{algorithm}; discrete chain on N = {fp.grid.n} cells", n=fp.grid.n,
                       boundary=fp.boundary, detail=detail)


@renamed_keyword("route", "method")
def spectral_gap(fp, method: str = "auto", solver: str = "sturm", accuracy: Union[str, float] = "grid") -> SpectralGap:
    r"""The spectral gap :math:`\lambda_1` (slowest nonzero rate of :math:`-Q`) in log-safe form.

    Parameters
    ----------
    fp : FokkerPlanck
        The discrete problem (landscape, learning rate, grid, boundary).
    method : {"auto", "golub-kahan", "first-passage"}
        ``"auto"`` uses Golub–Kahan bisection (relative accuracy ~1e-15)
        while the gap is representable in float64 and bisection can resolve
        it, and otherwise the first-passage expression: for two reflecting
        ends and minima separated by saddles,
        :math:`\lambda_1 \approx \min_s \big(1/T_{A\to B} + 1/T_{B\to A}\big)`
        over the saddles ``s``, with ``A``/``B`` the most probable minima on
        either side and :math:`T` the exact mean first-passage times of the
        same discrete chain (:func:`fpesolve.core.passage.mfpt_on_grid`), all in log
        space.  For two wells this is exact up to a relative error of order
        :math:`\lambda_1/\lambda_2`, far below float64 precision whenever this
        method is taken; for more wells it is the leading-order metastable
        approximation.  (Formerly ``route=``, still accepted with a
        ``FutureWarning`` in this release.)
    solver : {"sturm", "stebz"}
        Bisection engine, see :func:`spectrum`.
    accuracy : {"grid", "estimate", "continuum"} or float
        As in :func:`spectrum`: ``"grid"`` the discrete chain's gap (no
        error field), ``"estimate"`` the same gap with a bound on its
        discretisation error, ``"continuum"`` / a relative tolerance the gap
        extrapolated over nested refinements of ``fp``'s grid with its
        bound.  Gaps below float64 are extrapolated in log form.

    Returns
    -------
    SpectralGap
        :math:`\lambda_1` in 1/[continuous time] with its log10, the
        relaxation time and ``method`` (how it was computed).

    Raises
    ------
    ValueError
        For an unknown ``method``; for ``method="golub-kahan"`` when the gap
        is below what float64 bisection resolves; for the first-passage
        method without two reflecting ends or two minima.
    ConvergenceError
        When the refinement ladder gives no checked error bound (or does not
        reach a requested relative tolerance); never a number with a wrong bound.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve import FokkerPlanck, Landscape
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-6.0, 6.0))
    >>> g = FokkerPlanck(ou, eta=1.0, grid=100).spectral_gap(accuracy=1e-11)
    >>> bool(abs(g.value - 2.0) <= g.error), bool(g.rel_error <= 1e-11)
    (True, True)
    """
    if accuracy != "grid":
        from .extrapolation import gap_with_accuracy
        if method not in _METHODS:
            raise ValueError(f"`method` must be one of {_METHODS}, got {method!r}")
        return gap_with_accuracy(fp, method, solver, accuracy)   # `method`: the algorithm, then the ladder
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}, got {method!r}")
    if method in ("auto", "golub-kahan"):
        sigma, shift, _, reliable = _bisection(fp, 1, vectors=False, solver=solver)
        rates, log10 = _rates_from_sigma(sigma, shift)
        if reliable and (method == "golub-kahan" or rates[0] >= _TINY):
            return _make_gap(float(log10[0]), _GK_METHOD, fp, value=float(rates[0]))
        if method == "golub-kahan":
            raise ValueError("the gap is below what float64 bisection resolves; "
                             "use method='first-passage' or 'auto'")
    log_gap, detail = _first_passage_log_gap(fp, metastable_only=(method == "auto"))
    return _make_gap(log_gap / _LN10, _FP_METHOD, fp, detail)


def _first_passage_log_gap(fp, metastable_only: bool = False) -> Tuple[float, str]:
    from .passage import grid_log_link_times, grid_log_passage

    if fp.boundary != ("reflecting", "reflecting"):
        raise ValueError("the first-passage method for the gap needs two reflecting ends; with an absorbing end "
                         "use spectrum(fp, 1) (all rates are then bounded away from 0 by the exit rate)")
    from .basins import basins

    # the one definition of the minima: interior ones and those at a reflecting wall (V_eff at this eta)
    found = basins(fp.landscape, fp.eta)
    lo, hi = fp.grid.domain
    minima = [cp for cp in found.minima if lo <= cp.x <= hi]
    saddles = list(found.saddles)
    if len(minima) < 2:
        listed = ", ".join(f"{cp.x:.6g}" + (" (wall)" if cp.at_wall else "") for cp in minima) or "none"
        raise ValueError(f"the gap of {fp.landscape.name!r} is below float64 bisection range but the landscape has "
                         f"{len(minima)} minimum on the grid (walls included: {listed}); the first-passage method "
                         f"needs two or more: a single well with such a gap means `eta` = {fp.eta:g} is far too small "
                         f"for this grid; refine the grid or raise `eta`")
    d = fp.discretization
    logpi = np.asarray(d.log_stationary_mass)
    links = grid_log_link_times(d)
    cells = [fp.grid.cell_of(m.x) for m in minima]
    best, detail = math.inf, ""
    for s in saddles:
        left = [c for c, m in zip(cells, minima) if m.x < s.x]
        right = [c for c, m in zip(cells, minima) if m.x > s.x]
        if not left or not right:
            continue
        ca = max(left, key=lambda c: logpi[c])
        cb = max(right, key=lambda c: logpi[c])
        log_ab = grid_log_passage(links, fp.grid.centres, fp.grid.centres[ca], fp.grid.centres[cb])
        log_ba = grid_log_passage(links, fp.grid.centres, fp.grid.centres[cb], fp.grid.centres[ca])
        log_rate = float(np.logaddexp(-log_ab, -log_ba))
        if log_rate < best:
            best = log_rate
            detail = (f"minima (cells) at x = {fp.grid.centres[ca]:.6g} and {fp.grid.centres[cb]:.6g} across the saddle at "
                      f"{s.x:.6g}: log10 T_AB = {log_ab / _LN10:.10g}, log10 T_BA = {log_ba / _LN10:.10g}")
    if not math.isfinite(best):
        raise ValueError("no saddle separates two minima; the first-passage method does not apply")
    if metastable_only and best > math.log(_TINY):
        # 1/T_AB + 1/T_BA is the gap only up to O(lambda_1/lambda_2): trusted below the float64 range, where
        # that ratio is far below eps, not for a representable gap that bisection failed on (rates beyond range)
        raise ValueError(f"the rates of this generator span more than float64 bisection resolves, and the "
                         f"first-passage value 10^{best / _LN10:.6g} is not small enough for 1/T_AB + 1/T_BA to be "
                         f"the gap ({detail}); refine the grid (`grid`) so that neighbouring rates are closer, or use "
                         f"fpesolve.green_gap(fp) as a certified cross-check")
    return best, detail

