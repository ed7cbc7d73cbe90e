r"""Reproduce the failure-modes paper: F1–F4 rebuilt, computed exactly, confirmed by simulated SGD.

``fpesolve reproduce`` (:func:`main`) runs one function per failure mode of
*When Does SGD Fail to Find Good Solutions?* on the constructions of
:mod:`fpesolve.failure_modes.constructions`:

===========  ==========================  =========  ====================================================
item         construction(s)             condition  what is computed
===========  ==========================  =========  ====================================================
``F1``       ``f1``                      N1         :math:`V_{\mathrm{eff}}` barrier from B, exact escape
                                                    iterations (log10) and Kramers, N1, SGD from B
``F2``       ``f2``                      N2         :math:`\Lambda(\eta)`, stable set vs
                                                    :math:`2/\lambda_{\max}`, SGD divergence
``F3``       ``f3-equal-hessian``,       N3         :math:`\Sigma/H`, exact and Laplace basin
             ``f3-unequal-hessian``                 probabilities, SGD histogram vs FPE density (KS)
``F4``       ``f4``                      N4         :math:`\Delta U_k`, :math:`\eta\ln(\tau_A/\tau_B)`,
                                                    basin probabilities, Corr(Sigma, Gap), SGD
``healthy``  ``healthy``                 none       N1–N4 all hold (control)
===========  ==========================  =========  ====================================================

Each returns a :class:`Reproduction`: rows of :class:`ClaimRow` with the
paper's claim (quoted from ``construction.paper_claims`` or evaluated from
the paper's own leading-order formula, never used as a result), the exact
value computed here, and their comparison — the ratio ``exact/paper``, or
for astronomically large numbers the difference of their ``log10``; a
column with the simulated-SGD estimate where one exists; the verdict of
:func:`fpesolve.failure_modes.diagnosis.diagnose`; and a list of pass/fail checks.

The quantities (Ito SDE :math:`d\theta = -L'dt + \sqrt{\eta\Sigma}\,dW`,
continuous time ``t`` = ``t/eta`` iterations):

* effective barrier from well ``k`` over the saddle ``s``:
  :math:`\Delta U_k = \int_{\theta_k}^{\theta_s} L'/\Sigma` (the paper reads it
  as :math:`\Delta V/\Sigma_k`);
* exact escape time: the mean first-passage time
  :math:`T = \int_{x_0}^{y}\frac{dy'}{D p}\int_a^{y'} p` (log space,
  :func:`fpesolve.core.passage.mean_first_passage_time`) in iterations
  :math:`T/\eta`; beside it Eyring–Kramers and the paper's
  :math:`\eta^{-1}\exp(2\Delta U/\eta)`;
* exact basin probabilities :math:`\pi_k = \int_{\text{basin }k} p` of
  :math:`p \propto \Sigma^{-1} e^{-(2/\eta)\int L'/\Sigma}`, and the Laplace
  approximation :math:`\pi_k \propto \sqrt{\pi\eta/(\Sigma_k H_k)}\,
  e^{(2/\eta)\Delta U_k}`;
* the Lyapunov exponent :math:`\Lambda(\eta) = \mathbb E\ln|1-\eta h_z|` of
  linearised SGD (:mod:`fpesolve.failure_modes.n2_stability`).

Monte Carlo: :func:`fpesolve.sgd.ensemble.simulate_sgd` (numba ensembles).  SGD is
a discrete process: its stationary law differs from the Fokker–Planck one
at :math:`O(\eta)`, which the KS statistics show at the papers' large
learning rates; the checks that decide the exit status are the robust ones
(who escapes, who diverges, symmetry), not the KS p-values.

``quick=True`` keeps grids coarse and ensembles small (CI runs it); the full
run uses bigger ensembles and more learning rates in the figures.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.formatting import to_jsonable as _jsonable

__all__ = ["ClaimRow", "Check", "Reproduction", "ITEMS", "reproduce_f1", "reproduce_f2", "reproduce_f3",
           "reproduce_f4", "reproduce_healthy", "reproduce_all", "main"]

_LN10 = math.log(10.0)
Value = Union[float, str, None]


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ClaimRow:
    r"""One quantity: the paper's claim beside the exactly computed value.

    Attributes
    ----------
    quantity : str
        What is compared (units in the text, e.g. ``log10 iterations``).
    paper : float, str or None
        The paper's claim: a number quoted from ``construction.paper_claims``
        or evaluated from the paper's own leading-order formula, or a text.
    exact : float, str or None
        The value computed here (exact up to quadrature round-off).
    ratio : float or None
        The comparison named by ``compare``.
    note : str
        Where the value comes from and why it differs.
    compare : str
        ``"exact/paper"`` (ratio), ``"exact-paper"`` (difference, used for
        log10 values and signed exponents) or ``""``.
    simulated : float, str or None
        The simulated-SGD estimate, where one was made.
    """

    quantity: str
    paper: Value
    exact: Value
    ratio: Optional[float] = None
    note: str = ""
    compare: str = "exact/paper"
    simulated: Value = None

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (non-finite floats become ``None``)."""
        return {"quantity": self.quantity, "paper": _jsonable(self.paper), "exact": _jsonable(self.exact),
                "compare": self.compare if self.ratio is not None else "", "ratio": _jsonable(self.ratio),
                "simulated": _jsonable(self.simulated), "note": self.note}


@dataclass(frozen=True)
class Check:
    """A pass/fail check of the reproduction (a wrong verdict or a failed Monte Carlo confirmation)."""

    description: str
    passed: bool

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values."""
        return {"description": self.description, "passed": bool(self.passed)}


@dataclass(frozen=True)
class Reproduction:
    """The reproduction of one failure mode (or the healthy control).

    Attributes
    ----------
    name : str
        ``"F1"`` … ``"F4"`` or ``"healthy"``.
    title : str
    constructions : tuple of str
        The construction keys used.
    condition : str
        The necessary condition the construction violates (``"none"`` for the control).
    eta : float
        The learning rate of the construction (the paper's).
    rows : tuple of ClaimRow
    verdict : str
        The diagnosis in one line per construction.
    violated : tuple of str
        Conditions flagged as violated by :func:`fpesolve.failure_modes.diagnosis.diagnose`
        (union over the constructions of the item).
    checks : tuple of Check
    figures : tuple of str
        Paths of the PNG files written.
    details : tuple of str
        Full reports (diagnosis tables, SGD summaries).
    elapsed : float
        Wall-clock seconds.
    """

    name: str
    title: str
    constructions: Tuple[str, ...]
    condition: str
    eta: float
    rows: Tuple[ClaimRow, ...]
    verdict: str
    violated: Tuple[str, ...]
    checks: Tuple[Check, ...]
    figures: Tuple[str, ...] = ()
    details: Tuple[str, ...] = field(default=(), repr=False)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)

    def summary(self, details: bool = False) -> str:
        """The table (paper, exact, comparison, SGD, note), the verdict, the checks and the figures."""
        head = f"{self.name}: {self.title}  [condition {self.condition}, eta = {self.eta:g}]"
        lines = [head, "=" * len(head), _table(self.rows), "", "verdict: " + self.verdict.replace("\n", "\n  ")]
        for c in self.checks:
            lines.append(f"  [{'ok' if c.passed else 'FAILED'}] {c.description}")
        if self.figures:
            lines.append("figures: " + ", ".join(self.figures))
        lines.append(f"({self.elapsed:.1f} s)")
        if details and self.details:
            lines += [""] + list(self.details)
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (no NaN or inf)."""
        return {"name": self.name, "title": self.title, "constructions": list(self.constructions),
                "condition": self.condition, "eta": self.eta, "ok": self.ok, "verdict": self.verdict,
                "violated": list(self.violated), "rows": [r.to_dict() for r in self.rows],
                "checks": [c.to_dict() for c in self.checks], "figures": list(self.figures),
                "elapsed": self.elapsed}


# ---------------------------------------------------------------------------------------------- formatting
def _fmt(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0.0:
        return "0"
    if 1e-4 <= abs(v) < 1e7:
        return f"{v:.6g}"
    return f"{v:.4e}"


def _fmt_compare(row: ClaimRow) -> str:
    if row.ratio is None or not math.isfinite(row.ratio):
        return "-"
    if row.compare == "exact-paper":
        return f"{row.ratio:+.4g} (diff)"
    return f"x {row.ratio:.6g}"


def _table(rows: Sequence[ClaimRow]) -> str:
    header = ("quantity", "paper", "exact", "exact vs paper", "SGD (MC)")
    cells = [[r.quantity, _fmt(r.paper), _fmt(r.exact), _fmt_compare(r), _fmt(r.simulated)] for r in rows]
    widths = [min(max(len(h), *(len(c[k]) for c in cells)) if cells else len(h), cap)
              for k, (h, cap) in enumerate(zip(header, (46, 30, 30, 20, 24)))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    for r, c in zip(rows, cells):
        out.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
        if r.note:
            out.append("    note: " + r.note)
    return "\n".join(out)


def _ratio(exact: Optional[float], paper: Optional[float]) -> Optional[float]:
    if exact is None or paper is None or paper == 0 or not (math.isfinite(exact) and math.isfinite(paper)):
        return None
    return float(exact) / float(paper)


# ---------------------------------------------------------------------------------------------- shared helpers
@dataclass(frozen=True)
class _Settings:
    """Sizes of the quick and the full run."""

    quick: bool
    progress: bool

    def pick(self, quick_value, full_value):
        return quick_value if self.quick else full_value

    @property
    def grid(self) -> Optional[int]:
        """Cells of the N1 mixing grid (``None``: the default 1500 refined cells)."""
        return 400 if self.quick else None


def _claim(construction, key: str) -> Any:
    """A claim quoted from ``construction.paper_claims`` (KeyError with the available keys)."""
    try:
        return construction.paper_claims[key]
    except KeyError:
        raise KeyError(f"construction {construction.key!r} has no paper claim {key!r}; it has "
                       f"{sorted(construction.paper_claims)}") from None


def _critical(construction) -> Tuple[Any, Any, Any]:
    """(well A, saddle, well B) critical points of a two-well construction."""
    cps = construction.critical_points()
    minima = [cp for cp in cps if cp.kind == "minimum"]
    saddles = [cp for cp in cps if cp.kind == "saddle"]
    if len(minima) != 2 or len(saddles) != 1:
        raise RuntimeError(f"{construction.key!r} should have two minima and one saddle, found "
                           f"{[str(cp) for cp in cps]}")

    def nearest(x):
        return min(minima, key=lambda m: abs(m.x - x))

    return nearest(construction.wells["A"]), saddles[0], nearest(construction.wells["B"])


def _barrier(landscape, x_min: float, x_saddle: float) -> float:
    r""":math:`\Delta U = \int_{x_{min}}^{x_{saddle}} L'/\Sigma` (> 0), by the package's exact panel quadrature."""
    from ..core.stationary import drift_increments
    lo, hi = sorted((x_min, x_saddle))
    value = float(drift_increments(landscape, np.array([lo, hi]))[0])
    return value if x_saddle > x_min else -value


def _diagnose(construction, eta: float, settings: _Settings, x0: Optional[float] = None):
    from ..failure_modes.diagnosis import diagnose
    return diagnose(construction, eta, construction.n_iterations, x0=x0, grid=settings.grid)


def _log_basin_probabilities(diagnosis) -> np.ndarray:
    """ln pi(A), ln pi(B): the exact basin probabilities the diagnosis's N3 check computed."""
    by_label = {m.label: m.log_probability for m in diagnosis.n3.minima}
    return np.array([by_label["A"], by_label["B"]])


def _verdict_checks(name: str, diagnoses: Sequence[Tuple[str, Any]], expected: str
                    ) -> Tuple[str, Tuple[str, ...], List[Check]]:
    """Verdict text, union of violated conditions and the checks that the expected one is flagged."""
    lines, union, checks = [], [], []
    for key, diag in diagnoses:
        violated = tuple(diag.violated)
        union += [v for v in violated if v not in union]
        statuses = "; ".join(f"{s.name} {s.status}" for s in diag.statuses)
        lines.append(f"{key} at eta = {diag.eta:g}, T = {diag.n_steps}: "
                     + (f"violated {', '.join(violated)}" if violated else "N1-N4 hold") + f" ({statuses})")
        if expected == "none":
            checks.append(Check(f"{key}: diagnose finds every condition holding", not violated))
        else:
            extra = [v for v in violated if v != expected]
            checks.append(Check(f"{key}: diagnose flags {expected} as violated"
                                + (f" (also flagged: {', '.join(extra)})" if extra else ""), expected in violated))
    return "\n".join(lines), tuple(union), checks


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> Tuple[float, float]:
    """Two-sided Clopper–Pearson interval for a binomial proportion ``k/n``."""
    from scipy.stats import beta
    alpha = 1.0 - level
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def _stationary_cdf(landscape, eta: float, n_panels: int) -> Tuple[np.ndarray, np.ndarray]:
    """Edges and the exact CDF of the FPE stationary density there (Gauss–Legendre masses per panel)."""
    from scipy.special import logsumexp
    from ..core.quadrature import gauss_legendre
    from ..core.stationary import log_stationary_density
    a, b = landscape.domain
    edges = np.linspace(a, b, n_panels + 1)
    nodes, weights = gauss_legendre(8)
    h = np.diff(edges)
    x = edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0)
    logp = log_stationary_density(landscape, eta, x.ravel()).reshape(x.shape)
    logm = logsumexp(logp + np.log(weights)[None, :], axis=1) + np.log(0.5 * h)
    cdf = np.concatenate(([0.0], np.cumsum(np.exp(logm - logsumexp(logm)))))
    return edges, cdf / cdf[-1]


def _ks(landscape, eta: float, positions: np.ndarray, n_panels: int = 4096) -> Tuple[float, float]:
    """Kolmogorov–Smirnov statistic and p-value of SGD positions against the FPE stationary law."""
    from scipy.stats import kstest
    edges, cdf = _stationary_cdf(landscape, eta, n_panels)
    res = kstest(np.asarray(positions, dtype=float), lambda z: np.interp(z, edges, cdf))
    return float(res.statistic), float(res.pvalue)


def _plot_points(landscape, n: int = 1500) -> np.ndarray:
    """Points across the domain, denser near the minima (narrow wells at small eta)."""
    a, b = landscape.domain
    inset = 1e-4 * (b - a)
    parts = [np.linspace(a + inset, b - inset, n)]
    for x in landscape.wells.values():
        parts.append(np.clip(np.linspace(x - 1.0, x + 1.0, 600), a + inset, b - inset))
    return np.unique(np.concatenate(parts))


def _new_figure(ncols: int = 1, width: float = 6.2):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, 4.3), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def _save(fig, out: Optional[str], name: str) -> Optional[str]:
    if out is None:
        return None
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    fig.savefig(path, dpi=110)
    return path


def _density_figure(landscape, eta: float, ensemble, out: Optional[str], name: str, title: str,
                    sgd_label: str) -> Optional[str]:
    """Left: L and V_eff (plot_potential).  Right: FPE stationary density, basin boundary, SGD histogram."""
    if out is None:
        return None
    from .plotting import plot_potential
    from ..core.stationary import stationary_density
    fig, (ax1, ax2) = _new_figure(2)
    plot_potential(landscape, eta, ax=ax1)
    ax1.set_title(f"L and V_eff at eta = {eta:g}", fontsize=10)
    x = _plot_points(landscape)
    p = stationary_density(landscape, eta, x)
    ax2.plot(x, p, color="black", lw=1.5, label=f"FPE stationary density (eta = {eta:g})")
    if ensemble is not None:
        ax2.stairs(ensemble.density(), ensemble.bin_edges, color="tab:orange", lw=1.2, fill=False,
                   label=sgd_label)
    for k, cp in enumerate(landscape.saddles()):
        ax2.axvline(cp.x, color="grey", ls="--", lw=1, label="basin boundary (saddle)" if k == 0 else None)
    ax2.set_xlabel(r"$\theta$")
    ax2.set_ylabel("density")
    ax2.set_title(title, fontsize=10)
    ax2.legend(fontsize=8)
    return _save(fig, out, name)


def _simulate(construction, eta: float, n_steps: int, n_walkers: int, init, settings: _Settings, **kwargs):
    from ..sgd.ensemble import simulate_sgd
    return simulate_sgd(construction, eta, n_steps, n_walkers, init, progress=settings.progress, **kwargs)


# ---------------------------------------------------------------------------------------------- F1
def reproduce_f1(quick: bool = True, out: Optional[str] = None, *, progress: bool = False) -> Reproduction:
    r"""F1 (insufficient mixing, N1): escape from the bad well B at :math:`\eta = 0.01`.

    Computes the exact effective barrier :math:`\Delta U_B = \int_{\theta_B}^{\theta_s} L'/\Sigma`
    (paper: :math:`\Delta V/\Sigma_B = 12.5`), the exact mean escape time from
    B to A in iterations, :math:`\log_{10}(T_{B\to A}/\eta)`, beside
    Eyring–Kramers and the paper's :math:`\eta^{-1}e^{2\Delta U/\eta}` with its
    :math:`\Delta U = 12.5`, the N1 check from B, and simulated SGD started in
    B (fraction escaped with its 95% Clopper–Pearson upper bound).

    Figures (when ``out`` is given): ``f1_escape_vs_eta.png`` (exact, Kramers
    and the paper's escape iterations vs :math:`\eta`, log10) and
    ``f1_density.png`` (potentials; stationary density vs SGD after the run).
    """
    from ..failure_modes.constructions import construction
    from ..core.passage import kramers_time, mean_first_passage_time

    t0 = time.perf_counter()
    s = _Settings(quick, progress)
    c = construction("f1")
    eta, T = c.eta, c.n_iterations
    A, S, B = _critical(c)
    rows: List[ClaimRow] = []
    checks: List[Check] = []

    for label, cp in (("A", A), ("B", B)):
        paper = _claim(c, f"Sigma_{label}/H_{label}")
        rows.append(ClaimRow(f"Sigma_{label}/H_{label}", paper, cp.sigma_over_hess, _ratio(cp.sigma_over_hess, paper),
                             "at the minimum of L (root-found critical point)"))

    paper_dU = float(_claim(c, "V_eff barrier from B (barrier/Sigma_B)"))
    dU_B = _barrier(c, B.x, S.x)
    dU_A = _barrier(c, A.x, S.x)
    rows.append(ClaimRow("V_eff barrier from B: int_B^s L'/Sigma", paper_dU, dU_B, _ratio(dU_B, paper_dU),
                         f"Sigma falls from {B.sigma:.4g} at B to {S.sigma:.4g} at the saddle, so the barrier "
                         f"exceeds barrier/Sigma_B; from A it is {dU_A:.6g}"))

    # escape iterations from B: the paper's (1/eta) exp(2 dU/eta) with its dU, exact MFPT, Kramers
    paper_log10 = -math.log10(eta) + 2.0 * paper_dU / eta / _LN10
    exact = mean_first_passage_time(c, eta, B.x, A.x)
    kr = kramers_time(c, eta, B.x, A.x)
    to_saddle = mean_first_passage_time(c, eta, B.x, S.x)
    rows.append(ClaimRow("log10 escape iterations B -> A (exact)", paper_log10, exact.log10_iterations,
                         exact.log10_iterations - paper_log10,
                         "paper: log10[(1/eta) exp(2*12.5/eta)] ~ 10^1087 (its own formula evaluated); exact: "
                         "log-space quadrature of the MFPT from theta_B to theta_A",
                         compare="exact-paper"))
    rows.append(ClaimRow("log10 escape iterations B -> A (Kramers)", paper_log10, kr.log10_iterations,
                         kr.log10_iterations - paper_log10,
                         f"exact/Kramers = {10.0 ** (exact.log10_time - kr.log10_time):.6g}; MFPT B -> saddle = "
                         f"10^{to_saddle.log10_iterations:.6g} iterations (~ half)", compare="exact-paper"))
    diag = _diagnose(c, eta, s, x0=B.x)
    log_pi = _log_basin_probabilities(diag)
    rows.append(ClaimRow("log10 pi(B) (stationary mass of the bad well)", "favours A (Sigma/H smaller)",
                         float(log_pi[1] / _LN10), None, "exact basin probability; pi(A) = "
                         f"1 - 10^{log_pi[1] / _LN10:.6g}", compare=""))

    # N1 from B
    n1 = diag.n1
    rows.append(ClaimRow("log10 t_mix from B (iterations)", f"T = {T:.0e} << t_mix", n1.log10_t_mix_iterations,
                         None, f"N1 {'holds' if n1.holds else 'violated'}: log10(eta T / t_mix) = "
                         f"{n1.log10_margin:.6g}, TV left at eta T = {n1.tv_left:.3g}", compare=""))
    checks.append(Check("N1 check from B gives holds=False with a finite log10 mixing time",
                        (not n1.holds) and math.isfinite(n1.log10_t_mix)))
    checks.append(Check("exact log10 escape iterations from B exceed log10 T",
                        exact.log10_iterations > math.log10(T)))

    # simulated SGD started in B
    n_walkers, n_steps = s.pick(2000, 20000), s.pick(10000, 20000)
    edges = np.linspace(B.x - 1.0, B.x + 1.0, 81)
    ens = _simulate(c, eta, n_steps, n_walkers, "B", s, seed=101, bins=edges)
    k = int(np.sum(ens.escape_steps >= 0))
    lo, hi = _clopper_pearson(k, n_walkers)
    rows.append(ClaimRow(f"fraction escaped from B in {n_steps} iterations", "~ 0 (trapped)",
                         f"~ 10^{math.log10(n_steps) - to_saddle.log10_iterations:.6g}", None,
                         f"exact: n/T(B -> saddle); SGD: {k}/{n_walkers} walkers escaped, 95% CI [{lo:.2g}, {hi:.2g}]",
                         compare="", simulated=k / n_walkers))
    checks.append(Check(f"SGD: no walker started in B escapes in {n_steps} iterations ({k}/{n_walkers})", k == 0))

    figures = []
    # escape time vs eta
    if out is not None:
        etas = np.geomspace(0.01, 1.0, s.pick(7, 25))
        ex = np.array([mean_first_passage_time(c, e, B.x, A.x).log10_iterations for e in etas])
        kk = np.array([kramers_time(c, e, B.x, A.x).log10_iterations for e in etas])
        pp = -np.log10(etas) + 2.0 * paper_dU / etas / _LN10
        fig, ax = _new_figure(1, 7.0)
        ax.plot(etas, ex, "o-", color="black", label="exact MFPT B -> A (quadrature)")
        ax.plot(etas, kk, "--", color="tab:blue", label="Eyring-Kramers")
        ax.plot(etas, pp, ":", color="tab:red", lw=2, label="paper: (1/eta) exp(2 * 12.5/eta)")
        ax.axhline(math.log10(T), color="grey", lw=1, label=f"training budget T = {T:.0e}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate eta")
        ax.set_ylabel("log10 escape iterations from B")
        ax.set_title("F1: escape from the bad well B, exact vs the paper's leading order", fontsize=10)
        ax.legend(fontsize=8)
        figures.append(_save(fig, out, "f1_escape_vs_eta.png"))
        figures.append(_density_figure(c, eta, ens, out, "f1_density.png",
                                       f"F1: stationary law (pi(B) = 10^{log_pi[1] / _LN10:.1f}) vs SGD from B",
                                       f"SGD after {n_steps} iterations ({n_walkers} walkers from B)"))

    verdict, violated, vchecks = _verdict_checks("F1", [("f1 (SGD starts in B)", diag)], "N1")
    return Reproduction(name="F1", title="insufficient mixing", constructions=("f1",), condition="N1", eta=eta,
                        rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=tuple(f for f in figures if f), details=(diag.summary(), ens.summary()),
                        elapsed=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- F2
def _two_sample_crossings(h1: float, h2: float) -> Tuple[float, ...]:
    r"""Zeros of :math:`\Lambda = \tfrac12\ln|(1-\eta h_1)(1-\eta h_2)|` in closed form (two equally likely samples).

    :math:`(1-\eta h_1)(1-\eta h_2) = -1` gives
    :math:`\eta = [(h_1+h_2) \pm \sqrt{(h_1+h_2)^2 - 8h_1h_2}]/(2h_1h_2)` (when real),
    and :math:`= +1` gives :math:`\eta = (h_1+h_2)/(h_1h_2)`.
    """
    s, p = h1 + h2, h1 * h2
    roots = [s / p]
    disc = s * s - 8.0 * p
    if disc >= 0:
        roots += [(s - math.sqrt(disc)) / (2 * p), (s + math.sqrt(disc)) / (2 * p)]
    return tuple(sorted(roots))


def reproduce_f2(quick: bool = True, out: Optional[str] = None, *, progress: bool = False) -> Reproduction:
    r"""F2 (discrete instability, N2): Hessians 18 and 2 at :math:`\eta = 0.15`.

    Exact :math:`\Lambda(0.15) = \tfrac12\ln(1.7\cdot0.7)` beside the paper's
    :math:`\tfrac12\ln 1.19`, the stable set :math:`\{\Lambda < 0\}` (zeros of
    :math:`|1-18\eta||1-2\eta| = 1`, found numerically and in closed form) beside
    the paper's threshold :math:`2/\lambda_{\max}`, and simulated SGD: the
    growth rate :math:`\langle\ln|\theta_T/\theta_0|\rangle/T` and the fraction
    of walkers diverging at a learning rate with :math:`\Lambda > 0` (0.15) and
    one with :math:`\Lambda < 0` although :math:`\eta > 2/18` (0.12).

    Figure: ``f2_lyapunov.png`` (:math:`\Lambda(\eta)` with the stable set, the
    bound and the simulated points).
    """
    from ..failure_modes.constructions import construction
    from ..failure_modes.n2_stability import lyapunov_exponent, stable_learning_rates

    t0 = time.perf_counter()
    s = _Settings(quick, progress)
    c = construction("f2")
    eta = c.eta
    eta_stable = 0.12
    x_min = c.wells["A"]
    hs = c.samples.evaluate("hessians", np.array([x_min]))[:, 0]
    rows: List[ClaimRow] = []
    checks: List[Check] = []

    lam = float(lyapunov_exponent(hs, eta))
    paper_lam = 0.5 * math.log(1.19)      # the paper's expression (Prop. 3.2)
    rows.append(ClaimRow(f"Lambda(eta = {eta:g}) per iteration", paper_lam, lam, _ratio(lam, paper_lam),
                         f"paper: 0.5 ln 1.19 ({_claim(c, 'Lambda(eta=0.15)')}); exact: E ln|1 - eta h_z| over the "
                         f"per-sample Hessians {hs.tolist()} of the construction"))
    sset = stable_learning_rates(hs)
    paper_eta_c = float(_claim(c, "stability threshold eta_c = 2/h_max"))
    first = sset.intervals[0][1] if sset.intervals else math.nan
    closed = _two_sample_crossings(float(hs.max()), float(hs.min())) if hs.size == 2 else ()
    rows.append(ClaimRow("stability threshold (first zero of Lambda)", paper_eta_c, first, _ratio(first, paper_eta_c),
                         "paper: 2/lambda_max (a sufficient bound); exact: Brent root of Lambda"
                         + (f"; closed form (20 - sqrt 112)/72 = {closed[0]:.15g}" if closed else "")))
    intervals = " U ".join(f"({a:.6g}, {b:.6g})" for a, b in sset.intervals)
    rows.append(ClaimRow("stable learning rates {Lambda < 0}", f"(0, {paper_eta_c:.6g})", intervals, None,
                         "zeros of |1 - 18 eta| |1 - 2 eta| = 1; the stable set is not an interval", compare=""))
    if closed:
        err = max(abs(a - b) for a, b in zip(sorted(sset.crossings), closed)) if len(sset.crossings) == len(closed)\
            else math.inf
        checks.append(Check(f"numerical zeros of Lambda {['%.12g' % v for v in sset.crossings]} equal the closed "
                            f"forms to 1e-12 (max diff {err:.2g})", err < 1e-12))
    lam_s = float(lyapunov_exponent(hs, eta_stable))
    rows.append(ClaimRow(f"N2 at eta = {eta_stable:g} (> 2/18)", "violated (eta > 2/lambda_max)",
                         f"holds: Lambda = {lam_s:+.6g}", None,
                         "the bound eta < 2/lambda_max is sufficient, not necessary", compare=""))

    # simulated SGD: growth rate over a short run (exact identity ln|theta_T| = sum ln|1 - eta h_z|) ...
    n_walkers, n_short = s.pick(4000, 20000), 500
    for e, exact_lam, seed in ((eta, lam, 201), (eta_stable, lam_s, 202)):
        ens = _simulate(c, e, n_short, n_walkers, 1.0, s, seed=seed, bins=10, basin_edges=[],
                        divergence_bound=1e300)
        growth = np.log(np.abs(ens.final_positions)) / n_short
        est, se = float(growth.mean()), float(growth.std(ddof=1) / math.sqrt(growth.size))
        z = (est - exact_lam) / se
        rows.append(ClaimRow(f"SGD growth rate at eta = {e:g}",
                             paper_lam if e == eta else None, exact_lam, None,
                             f"<ln|theta_T/theta_0|>/T over {n_walkers} walkers x {n_short} it.: {est:+.5f} +- {se:.1g} "
                             f"(z = {z:+.2f} against exact)", compare="", simulated=est))
        checks.append(Check(f"SGD growth rate at eta = {e:g} matches Lambda within 5 standard errors (z = {z:+.2f})",
                            abs(z) < 5))
    # ... and divergence over a longer one
    n_long = s.pick(10000, 20000)
    fractions = {}
    for e, exact_lam, seed in ((eta, lam, 203), (eta_stable, lam_s, 204)):
        ens = _simulate(c, e, n_long, s.pick(2000, 10000), 1.0, s, seed=seed, bins=10, basin_edges=[],
                        divergence_bound=1e200)
        fractions[e] = ens.fraction_diverged
        rows.append(ClaimRow(f"fraction diverged at eta = {e:g}",
                             "diverges a.s." if e == eta else None,
                             "1 (Lambda > 0)" if exact_lam > 0 else "0 (Lambda < 0)", None,
                             f"|theta| > 1e200 within {n_long} it., {ens.n_walkers} walkers from theta_0 = 1", compare="",
                             simulated=ens.fraction_diverged))
    checks.append(Check(f"SGD diverges at eta = {eta:g} (fraction {fractions[eta]:.3f} >= 0.99)",
                        fractions[eta] >= 0.99))
    checks.append(Check(f"SGD converges at eta = {eta_stable:g} (fraction diverged {fractions[eta_stable]:.3f} <= 0.01)",
                        fractions[eta_stable] <= 0.01))

    figures = []
    if out is not None:
        grid = np.linspace(1e-3, 0.7, s.pick(700, 3000))
        fig, ax = _new_figure(1, 7.0)
        ax.plot(grid, lyapunov_exponent(hs, grid), color="black", label="exact Lambda(eta), B = 1")
        for k, (a, b) in enumerate(sset.intervals):
            ax.axvspan(a, b, color="tab:green", alpha=0.15, lw=0, label="stable set (Lambda < 0)" if k == 0 else None)
        ax.axvline(paper_eta_c, color="tab:red", ls="--", lw=1, label="paper's bound 2/lambda_max")
        ax.scatter([eta, eta_stable], [lam, lam_s], c=[fractions[eta], fractions[eta_stable]], cmap="coolwarm",
                   vmin=0, vmax=1, edgecolor="k", zorder=3, label="simulated SGD (red: diverged)")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylim(-1.5, 1.0)
        ax.set_xlabel("learning rate eta")
        ax.set_ylabel("Lyapunov exponent per iteration")
        ax.set_title("F2: Lambda(eta) for per-sample Hessians 18 and 2", fontsize=10)
        ax.legend(fontsize=8, loc="lower left")
        figures.append(_save(fig, out, "f2_lyapunov.png"))

    diag = _diagnose(c, eta, s)
    verdict, violated, vchecks = _verdict_checks("F2", [("f2", diag)], "N2")
    return Reproduction(name="F2", title="discrete instability", constructions=("f2",), condition="N2", eta=eta,
                        rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=tuple(figures), details=(diag.summary(),), elapsed=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- F3
def _paper_laplace(minima: Sequence[Any], eta: float) -> np.ndarray:
    r"""The paper's Laplace reading of the basin probabilities: weights
    :math:`\sqrt{\pi\eta/(\Sigma_k H_k)}` with the exponent difference dropped (normalised).

    The Laplace weights *with* the exponent are :class:`~fpesolve.failure_modes.n3_selection.N3Result`'s
    ``laplace_probability``.
    """
    from scipy.special import logsumexp
    pref = np.array([0.5 * math.log(math.pi * eta / (m.sigma * m.hess)) for m in minima])
    return np.exp(pref - logsumexp(pref))


def _f3_variant(key: str, tag: str, s: _Settings, out: Optional[str]):
    from ..failure_modes.constructions import construction

    c = construction(key)
    eta = c.eta
    A, S, B = _critical(c)
    rows: List[ClaimRow] = []
    checks: List[Check] = []
    paper_ratio = float(_claim(c, "Sigma_A/H_A = Sigma_B/H_B"))
    for label, cp in (("A", A), ("B", B)):
        rows.append(ClaimRow(f"[{tag}] Sigma_{label}/H_{label}", paper_ratio, cp.sigma_over_hess,
                             _ratio(cp.sigma_over_hess, paper_ratio), f"H = {cp.hess:.6g}, Sigma = {cp.sigma:.6g}"))
    diag = _diagnose(c, eta, s)
    n3 = {m.label: m for m in diag.n3.minima}
    pi = np.array([n3["A"].probability, n3["B"].probability])           # exact, from the N3 check
    lap = np.array([n3["A"].laplace_probability, n3["B"].laplace_probability])
    lap_paper = _paper_laplace((A, B), eta)
    for label, k in (("A", 0), ("B", 1)):
        paper = float(_claim(c, f"pi({label})"))
        rows.append(ClaimRow(f"[{tag}] pi({label}) exact", paper, float(pi[k]), _ratio(float(pi[k]), paper),
                             f"quadrature of p over the basin; Laplace (with exponent) {lap[k]:.6g}"))
    paper_lr = float(_claim(c, "Laplace ratio pi(A)/pi(B)"))
    rows.append(ClaimRow(f"[{tag}] Laplace pi(A)/pi(B), paper's weights", paper_lr, float(lap_paper[0] / lap_paper[1]),
                         _ratio(float(lap_paper[0] / lap_paper[1]), paper_lr),
                         "sqrt(pi tau/(Sigma_k H_k)) with the exponent dropped = sqrt(Sigma_B H_B/(Sigma_A H_A))"))
    dU = (_barrier(c, A.x, S.x), _barrier(c, B.x, S.x))
    rows.append(ClaimRow(f"[{tag}] Laplace pi(A)/pi(B) with exponent", paper_lr, float(lap[0] / lap[1]),
                         _ratio(float(lap[0] / lap[1]), paper_lr),
                         f"exp((2/eta)(dU_A - dU_B)) with dU_A = {dU[0]:.6g}, dU_B = {dU[1]:.6g}; exact ratio "
                         f"{pi[0] / pi[1]:.6g}"))

    # SGD from the stationary law: occupancy and KS against the FPE density
    n_walkers, n_steps = s.pick(5000, 20000), s.pick(2000, 20000)
    ens = _simulate(c, eta, n_steps, n_walkers, "stationary", s, seed=301, bins=120)
    occ = ens.occupancy_fraction()
    se = math.sqrt(pi[0] * (1 - pi[0]) / n_walkers)
    z = (occ[0] - pi[0]) / se
    D, pval = _ks(c, eta, ens.final_positions)
    rows.append(ClaimRow(f"[{tag}] SGD occupancy of A after {n_steps} it.", float(_claim(c, "pi(A)")), float(pi[0]),
                         None, f"{n_walkers} walkers from the FPE stationary law: {occ[0]:.4f} +- {se:.1g} "
                         f"(z = {z:+.2f} against exact pi(A))",
                         compare="", simulated=float(occ[0])))
    # the FPE is the small-eta limit of SGD: the KS distance shrinks with eta
    eta_small = eta / 4.0
    ens_small = _simulate(c, eta_small, s.pick(2000, 10000), n_walkers, "stationary", s, seed=302, bins=120)
    D_small, p_small = _ks(c, eta_small, ens_small.final_positions)
    rows.append(ClaimRow(f"[{tag}] KS distance SGD vs FPE: eta, eta/4", None, None, None,
                         f"{n_walkers} walkers from the FPE stationary law at eta = {eta:g} and {eta_small:g}: "
                         f"D = {D:.4g} (p = {pval:.2g}) and {D_small:.4g} (p = {p_small:.2g}); with two samples SGD's "
                         f"stationary law is that of an iterated function system (bounded support, spiky), "
                         f"the FPE density is its eta -> 0 limit",
                         compare="", simulated=f"{D:.3g}, {D_small:.3g}"))
    checks.append(Check(f"[{tag}] SGD approaches the FPE density as eta decreases (KS D {D:.3g} at eta = {eta:g} "
                        f"> {D_small:.3g} at {eta_small:g})", D_small < D))
    if key == "f3-equal-hessian":
        checks.append(Check(f"[{tag}] exact pi(A) = 1/2 to 1e-10 (|pi(A) - 1/2| = {abs(pi[0] - 0.5):.2g})",
                            abs(pi[0] - 0.5) < 1e-10))
        checks.append(Check(f"[{tag}] SGD occupancy of A is 1/2 within 5 standard errors (z = {z:+.2f})", abs(z) < 5))
    else:
        checks.append(Check(f"[{tag}] exact law favours A although Sigma/H is equal (pi(A) = {pi[0]:.4g})",
                            pi[0] > 0.5))
        checks.append(Check(f"[{tag}] SGD favours A too (occupancy {occ[0]:.4g})", occ[0] > 0.5))
    fig = _density_figure(c, eta, ens, out, f"f3_{key.split('-', 1)[1]}_density.png",
                          f"F3 ({tag}): SGD histogram over the FPE density, KS D = {D:.3g}",
                          f"SGD after {n_steps} iterations ({n_walkers} walkers)")
    return rows, checks, fig, diag, (ens, ens_small)


def reproduce_f3(quick: bool = True, out: Optional[str] = None, *, progress: bool = False) -> Reproduction:
    r"""F3 (degenerate selection, N3): equal :math:`\Sigma/H` at both wells, two variants.

    For ``f3-equal-hessian`` (symmetric, :math:`\Sigma` constant) and
    ``f3-unequal-hessian`` (:math:`H = 2, 8`, :math:`\Sigma = 2, 8`): :math:`\Sigma/H`
    per well, the exact basin probabilities beside the paper's 1/2, the Laplace
    ratio with the paper's weights (exponent dropped) and with the exponent
    :math:`(2/\eta)(\Delta U_A - \Delta U_B)`, the N3 verdict, and SGD started
    from the exact stationary law (occupancy of A, KS statistic of the final
    positions against the FPE density).

    Figures: ``f3_equal-hessian_density.png``, ``f3_unequal-hessian_density.png``.
    """
    t0 = time.perf_counter()
    s = _Settings(quick, progress)
    rows, checks, figures, diags, details = [], [], [], [], []
    for key, tag in (("f3-equal-hessian", "equal H"), ("f3-unequal-hessian", "unequal H")):
        r, ch, fig, diag, ens = _f3_variant(key, tag, s, out)
        rows += r
        checks += ch
        figures.append(fig)
        diags.append((key, diag))
        details += [diag.summary()] + [e.summary() for e in ens]
    verdict, violated, vchecks = _verdict_checks("F3", diags, "N3")
    return Reproduction(name="F3", title="degenerate selection", constructions=tuple(k for k, _ in diags),
                        condition="N3", eta=diags[0][1].eta, rows=tuple(rows), verdict=verdict, violated=violated,
                        checks=tuple(checks + vchecks), figures=tuple(f for f in figures if f),
                        details=tuple(details), elapsed=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- F4
def reproduce_f4(quick: bool = True, out: Optional[str] = None, *, progress: bool = False) -> Reproduction:
    r"""F4 (noise-generalisation reversal, N4): the good well A is the noisy one.

    Exact :math:`\Delta U_A, \Delta U_B = \int_{\theta_k}^{\theta_s} L'/\Sigma` beside
    the paper's :math:`\Delta V/\Sigma_k = 0.5, 10`; the leading-order exponent
    :math:`2(\Delta U_A - \Delta U_B)` and the exact
    :math:`\eta\ln(\tau_A/\tau_B)` from the mean first-passage times between the
    wells beside the paper's :math:`-19`; exact basin probabilities;
    :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap})` and the N4 verdict; SGD started in
    A (escape iterations, occupancy) and from the stationary law (KS).

    Figure: ``f4_density.png``.
    """
    from ..failure_modes.constructions import construction
    from ..core.passage import escape_times, mean_first_passage_time

    t0 = time.perf_counter()
    s = _Settings(quick, progress)
    c = construction("f4")
    eta = c.eta
    A, S, B = _critical(c)
    rows: List[ClaimRow] = []
    checks: List[Check] = []

    dU = {"A": _barrier(c, A.x, S.x), "B": _barrier(c, B.x, S.x)}
    for label in ("A", "B"):
        paper = float(_claim(c, f"Delta U_{label} (barrier/Sigma_{label})"))
        rows.append(ClaimRow(f"Delta U_{label} = int_{label}^s L'/Sigma", paper, dU[label], _ratio(dU[label], paper),
                             "Sigma runs between 20 (A) and 1 (B) along the path, not constant in the well"))
    paper_exp = float(_claim(c, "eta * ln(tau_A/tau_B)"))
    lead = 2.0 * (dU["A"] - dU["B"])
    rows.append(ClaimRow("2 (Delta U_A - Delta U_B) (eta -> 0 limit)", paper_exp, lead, _ratio(lead, paper_exp),
                         "the leading-order exponent of tau_A/tau_B with the exact barriers"))
    esc = escape_times(c, eta)
    t_ab = next(e for e in esc.escapes if e.source.x < e.destination.x).exact
    t_ba = next(e for e in esc.escapes if e.source.x > e.destination.x).exact
    exact_exp = eta * (t_ab.log_time - t_ba.log_time)
    rows.append(ClaimRow(f"eta ln(tau_A/tau_B) at eta = {eta:g}", paper_exp, exact_exp, _ratio(exact_exp, paper_exp),
                         f"exact MFPTs: tau_A = 10^{t_ab.log10_iterations:.6g}, tau_B = 10^{t_ba.log10_iterations:.6g} "
                         f"iterations (the prefactors count at this eta)"))
    log_pi = esc.log_basin_probabilities          # exact, computed with the escape times (A left of B)
    paper_log10_ratio = -paper_exp / eta / _LN10
    exact_log10_ratio = float((log_pi[1] - log_pi[0]) / _LN10)
    rows.append(ClaimRow(f"log10 pi(B)/pi(A) at eta = {eta:g}", paper_log10_ratio, exact_log10_ratio,
                         exact_log10_ratio - paper_log10_ratio,
                         "paper: pi(B)/pi(A) ~ exp(19/eta); exact: basin masses of the stationary density",
                         compare="exact-paper"))
    rows.append(ClaimRow("pi(B) exact (bad well)", "-> 1", float(np.exp(log_pi[1])), None,
                         f"pi(A) = 10^{log_pi[0] / _LN10:.6g}", compare=""))
    for label, cp in (("A", A), ("B", B)):
        paper = float(_claim(c, f"Gap_{label} proxy * (n-1)"))
        rows.append(ClaimRow(f"LOO proxy Sigma_{label}/H_{label} = Gap_{label} (n-1)", paper, cp.sigma_over_hess,
                             _ratio(cp.sigma_over_hess, paper), "Proposition 2.2 proxy; ranks A worse"))

    diag = _diagnose(c, eta, s)
    n4 = diag.n4
    gaps = ", ".join(f"{m.label} = {m.gap:g}" for m in n4.minima)
    rows.append(ClaimRow("Corr(Sigma, Gap)", "< 0", n4.correlation, None,
                         f"gaps ({n4.method}, a modelling choice): {gaps}; N4 "
                         f"{'violated' if n4.holds is False else 'holds' if n4.holds else 'not applicable'}",
                         compare=""))

    # SGD from A: escape over the saddle; exact comparator is the MFPT A -> saddle.  Real minibatch SGD
    # (two-point noise) beside SGD with Gaussian noise of the same variance (the SDE the FPE describes).
    n_walkers, n_steps = s.pick(2000, 10000), s.pick(10000, 50000)
    exact_saddle = mean_first_passage_time(c, eta, A.x, S.x)
    escapes = {}
    for noise, seed in (("samples", 401), ("gaussian", 403)):
        run = _simulate(c, eta, n_steps, n_walkers, "A", s, seed=seed, bins=120, noise=noise)
        steps = run.escape_steps
        k = int(np.sum(steps >= 0))
        exposure = float(np.where(steps >= 0, steps, n_steps).sum())
        escapes[noise] = (run, k, exposure / k if k else math.inf)   # exponential MLE with censoring
    ens, k, mle = escapes["samples"]
    _, k_g, mle_g = escapes["gaussian"]
    rows.append(ClaimRow("escape iterations A -> saddle (SGD)", None, exact_saddle.iterations, None,
                         f"minibatch SGD: {k}/{n_walkers} crossed within {n_steps} it.; censored exponential MLE "
                         f"{mle:.4g} = {mle / exact_saddle.iterations:.3g} x exact: two-point noise has lighter "
                         f"tails than the diffusion's, an O(1) prefactor at eta = {eta:g}",
                         compare="", simulated=mle if math.isfinite(mle) else None))
    rows.append(ClaimRow("escape iterations A -> saddle (Gaussian noise)", None, exact_saddle.iterations, None,
                         f"SGD with Gaussian gradient noise of variance Sigma: {k_g}/{n_walkers} crossed; MLE "
                         f"{mle_g:.4g} = {mle_g / exact_saddle.iterations:.3g} x exact",
                         compare="", simulated=mle_g if math.isfinite(mle_g) else None))
    checks.append(Check(f"minibatch SGD started in the good well A escapes over the saddle ({k}/{n_walkers})", k > 0))
    checks.append(Check(f"Gaussian-noise SGD escape time from A within 25% of the exact MFPT "
                        f"(ratio {mle_g / exact_saddle.iterations:.3f})", abs(mle_g / exact_saddle.iterations - 1) < 0.25))
    occ = ens.occupancy_fraction()
    rows.append(ClaimRow(f"SGD from A: occupancy of B after {n_steps} it.", "SGD converges to B",
                         None, None,
                         f"{n_walkers} walkers started in the good well A; exact is the stationary pi(B) = 1 only "
                         f"after many escape times", compare="", simulated=float(occ[1])))
    # SGD from the stationary law
    ens2 = _simulate(c, eta, s.pick(2000, 10000), s.pick(10000, 20000), "stationary", s, seed=402, bins=120)
    D, pval = _ks(c, eta, ens2.final_positions)
    occ2 = ens2.occupancy_fraction()
    rows.append(ClaimRow("SGD from stationary: occupancy of B", None, float(np.exp(log_pi[1])), None,
                         f"{ens2.n_walkers} walkers x {ens2.n_steps} it.; KS vs FPE density D = {D:.4g} "
                         f"(p = {pval:.3g})", compare="", simulated=float(occ2[1])))
    checks.append(Check(f"SGD started from the stationary law stays in B ({occ2[1]:.4f} >= 0.999)",
                        occ2[1] >= 0.999))
    figure = _density_figure(c, eta, ens, out, "f4_density.png",
                             "F4: FPE density (all in B) and SGD started in the good well A",
                             f"SGD after {n_steps} iterations ({n_walkers} walkers from A)")
    verdict, violated, vchecks = _verdict_checks("F4", [("f4", diag)], "N4")
    return Reproduction(name="F4", title="noise-generalisation reversal", constructions=("f4",), condition="N4",
                        eta=eta, rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=(figure,) if figure else (), details=(diag.summary(), ens.summary(), ens2.summary()),
                        elapsed=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- healthy
def reproduce_healthy(quick: bool = True, out: Optional[str] = None, *, progress: bool = False) -> Reproduction:
    r"""The control: a two-well landscape on which N1–N4 all hold at :math:`\eta = 0.1`, :math:`T = 10^6`.

    Rows: the key number of each condition (mixing margin, Lyapunov exponents,
    :math:`\Sigma/H` and basin probabilities, the correlation), and SGD from
    the stationary law (occupancy of the good well A).
    """
    from ..failure_modes.constructions import construction

    t0 = time.perf_counter()
    s = _Settings(quick, progress)
    c = construction("healthy")
    eta = c.eta
    diag = _diagnose(c, eta, s)
    rows: List[ClaimRow] = []
    n1, n2, n3, n4 = diag.n1, diag.n2, diag.n3, diag.n4
    rows.append(ClaimRow("N1: log10(eta T / t_mix)", "> 0", n1.log10_margin, None,
                         f"t_mix = 10^{n1.log10_t_mix_iterations:.4g} iterations from the worst start", compare=""))
    for m in n2.minima:
        rows.append(ClaimRow(f"N2: Lambda at {m.label}", "< 0", m.lyapunov, None,
                             f"lambda_max = {m.lambda_max:.4g}, 2/lambda_max = {m.bound:.4g}", compare=""))
    for m in n3.minima:
        rows.append(ClaimRow(f"N3: Sigma/H at {m.label}; pi({m.label})", "differ", f"{m.ratio:.4g}; {m.probability:.6g}",
                             None, f"Laplace pi = {m.laplace_probability:.6g}", compare=""))
    rows.append(ClaimRow("N4: Corr(Sigma, Gap)", "> 0", n4.correlation, None, f"gaps: {n4.method}", compare=""))
    ens = _simulate(c, eta, s.pick(2000, 20000), s.pick(5000, 20000), "stationary", s, seed=501, bins=120)
    occ = ens.occupancy_fraction()
    pa = n3.minima[0].probability
    rows.append(ClaimRow("SGD occupancy of the good well A", None, pa, None,
                         f"{ens.n_walkers} walkers x {ens.n_steps} it. from the stationary law", compare="",
                         simulated=float(occ[0])))
    checks = [Check(f"SGD prefers the good well A (occupancy {occ[0]:.3f} > 0.5)", occ[0] > 0.5)]
    figure = _density_figure(c, eta, ens, out, "healthy_density.png", "healthy: SGD histogram over the FPE density",
                             f"SGD after {ens.n_steps} iterations ({ens.n_walkers} walkers)")
    verdict, violated, vchecks = _verdict_checks("healthy", [("healthy", diag)], "none")
    return Reproduction(name="healthy", title="control: N1-N4 hold", constructions=("healthy",), condition="none",
                        eta=eta, rows=tuple(rows), verdict=verdict, violated=violated, checks=tuple(checks + vchecks),
                        figures=(figure,) if figure else (), details=(diag.summary(), ens.summary()),
                        elapsed=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- driver
#: Item name -> reproduction function.
ITEMS: Dict[str, Callable[..., Reproduction]] = {
    "F1": reproduce_f1, "F2": reproduce_f2, "F3": reproduce_f3, "F4": reproduce_f4, "healthy": reproduce_healthy,
}


def _select(only: Optional[Sequence[str]]) -> List[str]:
    if only is None:
        return list(ITEMS)
    if isinstance(only, str):
        only = [only]
    lookup = {k.lower(): k for k in ITEMS}
    chosen: List[str] = []
    for item in only:
        key = lookup.get(str(item).strip().lower())
        if key is None:
            raise ValueError(f"unknown item {item!r} in `only`; valid items: {', '.join(ITEMS)} (case-insensitive)")
        if key not in chosen:
            chosen.append(key)
    return chosen


def reproduce_all(quick: bool = True, out: Optional[str] = None, only: Optional[Sequence[str]] = None, *,
                  progress: bool = False,
                  callback: Optional[Callable[[Reproduction], None]] = None) -> Tuple[Reproduction, ...]:
    """Run the selected items (default all: F1, F2, F3, F4, healthy) and return their reproductions.

    Parameters
    ----------
    quick : bool
        Small ensembles and coarse grids.
    out : str, optional
        Directory for the PNG figures (created if missing); no figures when ``None``.
    only : sequence of str, optional
        Items to run, case-insensitive (``["F1", "f3"]``).
    progress : bool
        tqdm progress bars for the SGD ensembles.
    callback : callable, optional
        Called with each Reproduction as soon as it is done.

    Raises
    ------
    ValueError
        For an unknown item in ``only`` (the message lists the valid ones).
    """
    results = []
    for key in _select(only):
        rep = ITEMS[key](quick=quick, out=out, progress=progress)
        results.append(rep)
        if callback is not None:
            callback(rep)
    return tuple(results)


def main(quick: bool = False, out: str = "fpesolve-output", as_json: bool = False,
         only: Optional[List[str]] = None) -> int:
    """Entry point of ``fpesolve reproduce``: print the tables (or one JSON document) and write the figures.

    Besides the figures, ``out`` receives ``reproduce.txt`` (the tables) and
    ``reproduce.json``.

    Returns
    -------
    int
        0 when every check passed (the constructions' conditions being
        violated is the expected outcome), 1 when a check failed.

    Raises
    ------
    ValueError
        For an unknown item in ``only``.
    """
    items = _select(only)           # validate before any work
    start = time.perf_counter()
    progress = (not quick) and (not as_json) and sys.stderr.isatty()
    texts: List[str] = []

    def show(rep: Reproduction) -> None:
        text = rep.summary()
        texts.append(text)
        if not as_json:
            print(text + "\n", flush=True)

    if not as_json:
        print(f"fpesolve reproduce ({'quick' if quick else 'full'}): the failure-modes paper's constructions, "
              f"the paper's claim beside the exact value\n", flush=True)
    results = reproduce_all(quick=quick, out=out, only=items, progress=progress, callback=show)
    failed = [f"{r.name}: {c.description}" for r in results for c in r.checks if not c.passed]
    elapsed = time.perf_counter() - start
    document = {"quick": bool(quick), "out": out, "ok": not failed, "failed_checks": failed, "elapsed": elapsed,
                "items": [r.to_dict() for r in results]}
    status_line = (f"all {sum(len(r.checks) for r in results)} checks passed" if not failed
                   else f"{len(failed)} check(s) FAILED: " + "; ".join(failed))
    if out is not None:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "reproduce.txt"), "w", encoding="utf-8") as fh:
            fh.write("\n\n".join(texts) + f"\n\n{status_line}\n")
            for r in results:
                fh.write("\n" + "\n\n".join(r.details) + "\n")
        with open(os.path.join(out, "reproduce.json"), "w", encoding="utf-8") as fh:
            json.dump(_jsonable(document), fh, indent=2, allow_nan=False)
    if as_json:
        print(json.dumps(_jsonable(document), indent=2, allow_nan=False))
    else:
        print(f"{status_line}; figures and tables in {out} ({elapsed:.1f} s)")
    return 0 if not failed else 1
