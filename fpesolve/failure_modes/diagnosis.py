r"""The N1–N4 diagnosis of one landscape, learning rate and training length.

The failure-modes paper (Theorem 4.1) names four necessary conditions for
SGD's implicit regularisation to pick good minima:

* **N1 mixing** — :math:`\eta T \gg t_{mix}` (:func:`~fpesolve.failure_modes.n1_mixing.check_n1`);
* **N2 stability** — the top Lyapunov exponent of linearised SGD is negative
  at the minima (:func:`~fpesolve.failure_modes.n2_stability.check_n2`);
* **N3 selection power** — the noise-to-curvature ratios
  :math:`\Sigma(\theta_k)/H(\theta_k)` differ across the minima
  (:func:`~fpesolve.failure_modes.n3_selection.check_n3`);
* **N4 alignment** — :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0` across
  the minima (:func:`~fpesolve.failure_modes.n4_alignment.check_n4`).

:func:`diagnose` runs all four and returns a :class:`Diagnosis` with a
table (:meth:`Diagnosis.summary`) and a JSON-ready dict
(:meth:`Diagnosis.to_dict`).  A condition that cannot be evaluated on a
landscape (N3 and N4 with a single minimum, N2 without per-sample Hessians,
N1 where :math:`\Sigma` vanishes) is reported as ``"not applicable"`` with
the reason, never as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import positive_float, positive_int, probability
from ..core.landscape import Landscape
from .constructions import Construction
from ._minima import _finite_or_none, _fmt, _minima_and_basins
from .n1_mixing import check_n1
from .n2_stability import check_n2
from .n3_selection import N3Result, _prob_text, check_n3
from .n4_alignment import N4Result, check_n4

__all__ = ['ConditionStatus', 'Diagnosis', 'diagnose']


@dataclass(frozen=True)
class ConditionStatus:
    """The verdict on one condition: ``"holds"``, ``"violated"`` or ``"not applicable"``, and why."""

    name: str
    status: str
    headline: str
    reason: str = ""

    @property
    def holds(self) -> Optional[bool]:
        """True, False, or None when the condition does not apply."""
        return {"holds": True, "violated": False}.get(self.status)


_TITLES = {"N1": "mixing", "N2": "stability", "N3": "selection", "N4": "alignment"}


@dataclass(frozen=True)
class Diagnosis:
    """N1–N4 for one landscape, learning rate and training length.

    Attributes
    ----------
    landscape : str
        The landscape's name.
    eta : float
    n_steps : int
    statuses : tuple of ConditionStatus
        One per condition, N1 to N4.
    n1, n2, n3, n4 : result or None
        The full reports (:class:`~fpesolve.failure_modes.n1_mixing.N1Result`,
        :class:`~fpesolve.failure_modes.n2_stability.N2Result`, :class:`N3Result`,
        :class:`N4Result`); ``None`` where the condition does not apply.
    """

    landscape: str
    eta: float
    n_steps: int
    statuses: Tuple[ConditionStatus, ...]
    n1: Any = field(default=None, repr=False)
    n2: Any = field(default=None, repr=False)
    n3: Optional[N3Result] = field(default=None, repr=False)
    n4: Optional[N4Result] = field(default=None, repr=False)

    @property
    def violated(self) -> Tuple[str, ...]:
        """Names of the violated conditions, e.g. ``("N1",)``."""
        return tuple(s.name for s in self.statuses if s.status == "violated")

    @property
    def holds(self) -> bool:
        """True when no condition is violated (conditions that do not apply do not count)."""
        return not self.violated

    def status(self, name: str) -> ConditionStatus:
        """The status of condition ``name`` (``"N1"`` … ``"N4"``)."""
        for s in self.statuses:
            if s.name == name.upper():
                return s
        raise KeyError(f"no condition {name!r}; use N1, N2, N3 or N4")

    def summary(self) -> str:
        """A table: one line per condition with its key number and verdict, then the details."""
        lines = [f"Diagnosis of {self.landscape!r} at eta = {self.eta:g}, T = {self.n_steps} iterations",
                 f"  {'condition':<14s} {'verdict':<15s} key numbers"]
        for s in self.statuses:
            lines.append(f"  {s.name + ' ' + _TITLES[s.name]:<14s} {s.status:<15s} {s.headline}")
        lines.append("  verdict: " + ("all applicable conditions hold" if self.holds
                                      else "violated: " + ", ".join(self.violated)))
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            lines.append("")
            lines.append(res.summary() if res is not None else f"{s.name} {_TITLES[s.name]}: {s.status} — {s.reason}")
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready values (no NaN or inf: astronomically large times appear through their log10)."""
        out: Dict[str, Any] = {"landscape": self.landscape, "eta": self.eta, "n_steps": self.n_steps,
                               "violated": list(self.violated), "holds": self.holds, "conditions": {}}
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            entry: Dict[str, Any] = {"status": s.status, "headline": s.headline, "reason": s.reason}
            if res is not None:
                entry["details"] = _details(s.name, res)
            out["conditions"][s.name] = entry
        return out


def _details(name: str, res: Any) -> Dict[str, Any]:
    if name == "N1":
        return {"log10_time_budget": res.log10_time_budget, "log10_t_rel": _finite_or_none(res.log10_t_rel),
                "log10_t_mix": _finite_or_none(res.log10_t_mix), "tv_left": res.tv_left,
                "log10_margin": _finite_or_none(res.log10_margin), "eps": res.eps, "explanation": res.explanation}
    if name == "N2":
        return {"batch_size": res.batch_size,
                "minima": [{"label": m.label, "x": m.x, "lyapunov": m.lyapunov, "lambda_max": m.lambda_max,
                            "bound_2_over_lambda_max": _finite_or_none(m.bound), "stable": m.stable,
                            "bound_holds": m.bound_holds,
                            "stable_intervals": [list(iv) for iv in m.stable_set.intervals]} for m in res.minima]}
    return res.to_dict()


def _n1_status(res) -> ConditionStatus:
    return ConditionStatus("N1", "holds" if res.holds else "violated",
                           f"log10(eta T) = {res.log10_time_budget:.4g}, log10 t_mix = {res.log10_t_mix:.4g}, "
                           f"TV left {res.tv_left:.3g} (eps {res.eps:g})")


def _n2_status(res) -> ConditionStatus:
    lam = ", ".join(f"{m.label}: {m.lyapunov:+.4g}" for m in res.minima)
    return ConditionStatus("N2", "holds" if res.holds else "violated",
                           f"Lambda = {lam}; eta < 2/lambda_max: {res.bound_holds}")


def _n3_status(res: N3Result) -> ConditionStatus:
    ratios = ", ".join(f"{m.label}: {m.ratio:.4g}" for m in res.minima)
    probs = ", ".join(f"{m.label}: {_prob_text(m.probability, m.log_probability)}" for m in res.minima)
    status = {True: "holds", False: "violated", None: "not applicable"}[res.holds]
    return ConditionStatus("N3", status, f"Sigma/H = {ratios}; P = {probs}", res.note if res.holds is None else "")


def _n4_status(res: N4Result) -> ConditionStatus:
    status = {True: "holds", False: "violated", None: "not applicable"}[res.holds]
    return ConditionStatus("N4", status, f"Corr(Sigma, Gap) = {_fmt(res.correlation, '+.3g')} "
                                         f"(gaps: {res.method})", res.note if res.holds is None else "")


def diagnose(landscape: Landscape, eta: Optional[float] = None, n_steps: Optional[int] = None, *,
             x0: Optional[float] = None, batch_size: Optional[int] = None, eps: float = 0.25, grid=None,
             gaps: Optional[Sequence[float]] = None, test_loss: Optional[Callable] = None,
             gap_method: Optional[str] = None, n_samples: Optional[int] = None,
             n3_rtol: float = 1e-3) -> Diagnosis:
    r"""Check the necessary conditions N1–N4 for SGD on ``landscape`` with learning rate ``eta`` for ``n_steps``.

    Parameters
    ----------
    landscape : Landscape
        Any landscape; a construction (:mod:`fpesolve.failure_modes.constructions`)
        supplies its own ``eta``, ``n_steps``, per-sample Hessians and test loss.
    eta : float, optional
        Learning rate :math:`\eta > 0` (default the construction's).
    n_steps : int, optional
        Number of SGD iterations :math:`T \ge 1` (default the construction's).
    x0 : float, optional
        Where SGD starts (N1 uses the worst start when omitted).
    batch_size : int, optional
        Minibatch size for N2 and the N4 proxy (default the construction's, else 1).
    eps : float
        TV threshold of the mixing time (N1).
    grid : Grid or int, optional
        Grid of the N1 mixing computation (default 1500 refined cells).
    gaps, test_loss, gap_method, n_samples
        Passed to :func:`check_n4` as ``gaps``, ``test_loss``, ``method``,
        ``n_samples``.  Without any of them, and without a test loss or
        per-sample losses on the landscape, N4 is ``"not applicable"``.
    n3_rtol : float
        Passed to :func:`check_n3` as ``rtol``.

    Returns
    -------
    Diagnosis
        ``violated`` lists the violated conditions; ``summary()`` prints the
        table, ``to_dict()`` gives JSON-ready values.  A condition that
        cannot be evaluated (a single minimum for N3/N4, no per-sample
        Hessians for N2, :math:`\Sigma` vanishing for N1) is ``"not
        applicable"`` with the reason; other errors propagate.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_steps <= 0``, an ``x0`` outside the domain,
        missing ``eta``/``n_steps`` on a plain landscape, and the errors of the
        individual checks (e.g. a gap array of the wrong length).

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> diagnose(construction("f3-equal-hessian")).violated
    ('N3',)
    """
    is_construction = isinstance(landscape, Construction)
    if eta is None and is_construction:
        eta = landscape.eta
    if eta is None:
        raise ValueError("give the learning rate `eta` (only a construction carries its own)")
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    if n_steps is None and is_construction:
        n_steps = landscape.n_iterations
    if n_steps is None:
        raise ValueError("give the number of SGD iterations `n_steps` (only a construction carries its own)")
    n_steps = positive_int(n_steps, "n_steps")
    if x0 is not None:
        x0 = landscape.contains(x0, "x0")
    eps = probability(eps, "eps")

    statuses = []
    n1 = n2 = n3 = n4 = None
    minima, _ = _minima_and_basins(landscape)

    a, b = landscape.domain
    probe = np.linspace(a, b, 4001)[1:-1]
    sig = np.asarray(landscape.sigma(probe), dtype=float)
    sig_min = [cp.sigma for cp in landscape.critical_points()]
    if np.any(~(sig > 0)) or min(sig_min) <= 0:
        bad = float(probe[np.argmin(np.where(np.isfinite(sig), sig, -np.inf))])
        statuses.append(ConditionStatus(
            "N1", "not applicable", "Sigma vanishes in the domain",
            f"Sigma <= 0 near x = {bad:.6g} (e.g. an interpolating minimum): SGD's diffusion has no stationary "
            f"density to mix to; the dynamics are decided by stability (N2)"))
    else:
        n1 = check_n1(landscape, eta, n_steps, init=x0, eps=eps, grid=grid)
        statuses.append(_n1_status(n1))

    if landscape.samples is None or landscape.samples.hessians is None:
        statuses.append(ConditionStatus("N2", "not applicable", "no per-sample Hessians",
                                        "the landscape has no per-sample Hessians, so the Lyapunov exponent of "
                                        "linearised minibatch SGD is unknown; build it with "
                                        "Landscape.from_samples(..., hessians=...)"))
    else:
        n2 = check_n2(landscape, eta, batch_size=batch_size)
        statuses.append(_n2_status(n2))

    if len(minima) < 2:
        reason = f"a single minimum (x = {minima[0].x:.6g}): nothing for the noise to select between"
        statuses.append(ConditionStatus("N3", "not applicable", "one minimum", reason))
        statuses.append(ConditionStatus("N4", "not applicable", "one minimum",
                                        "a correlation across minima needs at least two minima"))
    else:
        n3 = check_n3(landscape, eta, rtol=n3_rtol)
        statuses.append(_n3_status(n3))
        has_gap_source = (gaps is not None or test_loss is not None or gap_method is not None
                          or (is_construction and landscape.has_test_loss) or landscape.samples is not None)
        if has_gap_source:
            n4 = check_n4(landscape, gaps, test_loss=test_loss, method=gap_method, batch_size=batch_size,
                          n_samples=n_samples)
            statuses.append(_n4_status(n4))
        else:
            statuses.append(ConditionStatus(
                "N4", "not applicable", "no generalisation gaps",
                "the landscape carries no test loss and no per-sample losses; give `gaps` (one per minimum), "
                "`test_loss`, or gap_method='proxy' with `n_samples`"))
    return Diagnosis(landscape=landscape.name, eta=eta, n_steps=n_steps, statuses=tuple(statuses),
                     n1=n1, n2=n2, n3=n3, n4=n4)
