r"""The N1–N4 diagnosis of one landscape, learning rate and training length, with G1–G4 and Remark 4.3.

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

:func:`diagnose` runs all four and, beside them, the criteria G1–G4 of a good
minimum with the chain G1 => G3 => G4
(:func:`~fpesolve.failure_modes.goodness.check_goodness`) and Remark 4.3's
three levels (:func:`~fpesolve.failure_modes.three_level.three_level_bounds`)
when generalisation gaps are known.

A condition that cannot be evaluated on a landscape is ``"not applicable"``
with the reason, never a pass: N3 and N4 with a single minimum, N2 without
per-sample Hessians, N4 without generalisation gaps, and — the same way for
every condition that needs the stationary law (N1, N3, Remark 4.3) — where
:math:`\Sigma` vanishes inside the domain (:mod:`fpesolve.failure_modes._sigma`:
an interpolating minimum, or a point where every per-sample gradient
vanishes).  N2 and N4 are local to the minima and are still evaluated there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .._util.deprecation import renamed_keyword, renamed_attribute
from .._util.result import Result
from .._util.validation import positive_float, positive_int, probability
from ..core.landscape import Landscape
from ._minima import _fmt, _minima_and_basins
from ._sigma import sigma_zero_reason, sigma_zeros
from .base import Construction
from .goodness import GoodnessResult, check_goodness
from .n1_mixing import N1Result, check_n1
from .n2_stability import N2Result, check_n2
from .n3_selection import N3Result, _prob_text, check_n3
from .n4_alignment import N4Result, check_n4
from .three_level import ThreeLevelResult, three_level_bounds

__all__ = ['ConditionStatus', 'Diagnosis', 'diagnose']


@dataclass(frozen=True, repr=False)
class ConditionStatus(Result):
    """The verdict on one condition: ``"holds"``, ``"violated"`` or ``"not applicable"``, and why.

    One entry of :attr:`Diagnosis.statuses`; the full report of the condition
    is in :attr:`Diagnosis.n1` … :attr:`Diagnosis.n4`.

    Attributes
    ----------
    name : str
        The condition, ``"N1"`` … ``"N4"``.
    status : str
        ``"holds"``, ``"violated"`` or ``"not applicable"``.
    headline : str
        The key numbers in one line (e.g. ``"Sigma/H = A: 1, B: 1; P = A: 0.5, B: 0.5"``).
    reason : str
        Why a condition does not apply, or a caveat (empty otherwise).

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, diagnose
    >>> n3 = diagnose(construction("f3-equal-hessian"), grid=300).status("N3")
    >>> n3.status, n3.holds
    ('violated', False)
    >>> n3.headline
    'Sigma/H = A: 1, B: 1; P = A: 0.5, B: 0.5'
    """

    name: str
    status: str
    headline: str
    reason: str = ""

    @property
    def holds(self) -> Optional[bool]:
        """True, False, or None when the condition does not apply."""
        return {"holds": True, "violated": False}.get(self.status)

    def summary(self) -> str:
        """One line.

        Returns
        -------
        str
            ``"<name> <status>: <headline>"``, followed by ``" (<reason>)"`` when there is a reason.
        """
        return f"{self.name} {self.status}: {self.headline}" + (f" ({self.reason})" if self.reason else "")


_TITLES = {"N1": "mixing", "N2": "stability", "N3": "selection", "N4": "alignment"}


@dataclass(frozen=True, repr=False)
class Diagnosis(Result):
    """N1–N4 for one landscape, learning rate and training length, with G1–G4 and Remark 4.3.

    Attributes
    ----------
    landscape : str
        The landscape's name.
    eta : float
        The learning rate :math:`\\eta` the conditions were checked at.
    n_iterations : int
        The training length :math:`T` in SGD iterations (``n_steps`` before 0.2).
    statuses : tuple of ConditionStatus
        One per condition, N1 to N4.
    n1, n2, n3, n4 : result or None
        The full reports; ``None`` where the condition does not apply.
    goodness : GoodnessResult or None
        G1–G4 at the minima and the chain G1 => G3 => G4 (two or more minima).
    three_level : ThreeLevelResult or None
        Remark 4.3's bounds against the exact basin probabilities (two or
        more minima, generalisation gaps known, :math:`\\Sigma > 0`).
    sigma_zeros : tuple of float
        Interior points where :math:`\\Sigma` vanishes (then N1 and N3 are not applicable).

    Examples
    --------
    F3 (equal Hessians): mixing and stability hold, but :math:`\\Sigma/H = 1`
    at both wells gives the stationary law nothing to select by (N3), and
    with :math:`\\Sigma = 2` at both wells :math:`\\mathrm{Corr}(\\Sigma,
    \\mathrm{Gap})` is undefined, so N4 does not apply:

    >>> from fpesolve.failure_modes import construction, diagnose
    >>> d = diagnose(construction("f3-equal-hessian"), grid=300)
    >>> d.eta, d.n_iterations, d.violated
    (0.2, 1000000, ('N3',))
    >>> [(s.name, s.status) for s in d.statuses]
    [('N1', 'holds'), ('N2', 'holds'), ('N3', 'violated'), ('N4', 'not applicable')]
    """

    landscape: str
    eta: float
    n_iterations: int
    statuses: Tuple[ConditionStatus, ...]
    n1: Optional[N1Result] = field(default=None, repr=False)
    n2: Optional[N2Result] = field(default=None, repr=False)
    n3: Optional[N3Result] = field(default=None, repr=False)
    n4: Optional[N4Result] = field(default=None, repr=False)
    goodness: Optional[GoodnessResult] = field(default=None, repr=False)
    three_level: Optional[ThreeLevelResult] = field(default=None, repr=False)
    sigma_zeros: Tuple[float, ...] = ()

    n_steps = renamed_attribute("n_steps", "n_iterations")

    @property
    def violated(self) -> Tuple[str, ...]:
        """Names of the violated conditions, e.g. ``("N1",)``."""
        return tuple(s.name for s in self.statuses if s.status == "violated")

    @property
    def holds(self) -> bool:
        """True when no condition is violated (conditions that do not apply do not count)."""
        return not self.violated

    def status(self, name: str) -> ConditionStatus:
        """The status of condition ``name``.

        Parameters
        ----------
        name : str
            ``"N1"``, ``"N2"``, ``"N3"`` or ``"N4"`` (case-insensitive).

        Returns
        -------
        ConditionStatus
            The verdict, the key numbers and the reason.

        Raises
        ------
        KeyError
            For any other name.
        """
        for s in self.statuses:
            if s.name == name.upper():
                return s
        raise KeyError(f"no condition {name!r}; use N1, N2, N3 or N4")

    def table(self):
        """One row per condition: name, verdict, key numbers.

        Returns
        -------
        headers : tuple of str
            ``("condition", "verdict", "key numbers")``.
        rows : list of tuple of str
            One per condition, N1 to N4: e.g. ``("N3 selection", "violated",
            "Sigma/H = A: 1, B: 1; P = A: 0.5, B: 0.5")``.
        """
        return ("condition", "verdict", "key numbers"), [(f"{s.name} {_TITLES[s.name]}", s.status, s.headline)
                                                         for s in self.statuses]

    def summary(self) -> str:
        """A table: one line per condition with its key number and verdict, then the details.

        Returns
        -------
        str
            The table of :meth:`table`, the overall verdict, then the summary
            of each condition's report (or why it does not apply), G1–G4 and
            Remark 4.3 when computed.
        """
        lines = [f"Diagnosis of {self.landscape!r} at eta = {self.eta:g}, T = {self.n_iterations} iterations",
                 f"  {'condition':<14s} {'verdict':<15s} key numbers"]
        for s in self.statuses:
            lines.append(f"  {s.name + ' ' + _TITLES[s.name]:<14s} {s.status:<15s} {s.headline}")
        lines.append("  verdict: " + ("all applicable conditions hold" if self.holds
                                      else "violated: " + ", ".join(self.violated)))
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            lines.append("")
            lines.append(res.summary() if res is not None else f"{s.name} {_TITLES[s.name]}: {s.status} — {s.reason}")
        for extra in (self.goodness, self.three_level):
            if extra is not None:
                lines += ["", extra.summary()]
        return "\n".join(lines)

    def to_dict(self):
        """JSON-ready values: the verdicts, each condition's status and details, G1–G4 and Remark 4.3.

        Returns
        -------
        dict
            Keys ``landscape``, ``eta``, ``n_iterations``, ``violated``,
            ``holds``, ``sigma_zeros``, ``conditions`` (``"N1"`` … ``"N4"`` to
            ``{"status", "headline", "reason"}`` and ``"details"``, the
            condition's own ``to_dict()``, where it was evaluated),
            ``goodness`` and ``three_level`` (``None`` when not computed).
            Non-finite floats are ``None``.
        """
        from .._util.formatting import to_jsonable

        out = {"landscape": self.landscape, "eta": self.eta, "n_iterations": self.n_iterations,
               "violated": list(self.violated), "holds": self.holds, "sigma_zeros": list(self.sigma_zeros),
               "conditions": {}}
        for s, res in zip(self.statuses, (self.n1, self.n2, self.n3, self.n4)):
            entry = {"status": s.status, "headline": s.headline, "reason": s.reason}
            if res is not None:
                entry["details"] = res.to_dict()
            out["conditions"][s.name] = entry
        out["goodness"] = None if self.goodness is None else self.goodness.to_dict()
        out["three_level"] = None if self.three_level is None else self.three_level.to_dict()
        return to_jsonable(out)


def _n1_status(res: N1Result) -> ConditionStatus:
    return ConditionStatus("N1", res.status,
                           f"log10(eta T) = {res.log10_time_budget:.4g}, log10 t_mix = {res.log10_t_mix:.4g}, "
                           f"TV left {res.tv_left:.3g} (eps {res.eps:g})")


def _n2_status(res: N2Result) -> ConditionStatus:
    lam = ", ".join(f"{m.label}: {m.lyapunov:+.4g}" for m in res.minima)
    return ConditionStatus("N2", res.status, f"Lambda = {lam}; eta < 2/lambda_max: {res.bound_holds}")


def _n3_status(res: N3Result) -> ConditionStatus:
    ratios = ", ".join(f"{m.label}: {m.ratio:.4g}" for m in res.minima)
    probs = ", ".join(f"{m.label}: {_prob_text(m.probability, m.log_probability)}" for m in res.minima)
    return ConditionStatus("N3", res.status, f"Sigma/H = {ratios}; P = {probs}", res.note if res.holds is None else "")


def _n4_status(res: N4Result) -> ConditionStatus:
    return ConditionStatus("N4", res.status, f"Corr(Sigma, Gap) = {_fmt(res.correlation, '+.3g')} "
                                             f"(gaps: {res.method})", res.note if res.holds is None else "")


@renamed_keyword("n_steps", "n_iterations")
def diagnose(landscape: Landscape, eta: Optional[float] = None, n_iterations: Optional[int] = None, *,
             x0: Optional[float] = None, batch_size: Optional[int] = None, eps: float = 0.25, grid=None,
             gaps: Optional[Sequence[float]] = None, test_loss: Optional[Callable] = None,
             gap_method: Optional[str] = None, n_samples: Optional[int] = None, n3_rtol: float = 1e-3,
             jacobian: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> Diagnosis:
    r"""Check the necessary conditions N1–N4 for SGD on ``landscape`` with learning rate ``eta`` for ``n_iterations``.

    Parameters
    ----------
    landscape : Landscape
        Any landscape; a construction (:mod:`fpesolve.failure_modes.constructions`)
        supplies its own ``eta``, ``n_iterations``, per-sample Hessians and test loss.
    eta : float, optional
        Learning rate :math:`\eta > 0` (default the construction's).
    n_iterations : int, optional
        Number of SGD iterations :math:`T \ge 1` (default the construction's;
        ``n_steps`` before 0.2).
    x0 : float, optional
        Where SGD starts (N1 uses the worst start when omitted).
    batch_size : int, optional
        Minibatch size for N2 and the N4 proxy (default the landscape's).
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
    jacobian : callable, optional
        Per-sample output derivatives for G2 (:func:`check_goodness`).

    Returns
    -------
    Diagnosis
        ``violated`` lists the violated conditions; ``summary()`` prints the
        table, ``to_dict()`` gives JSON-ready values.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_iterations <= 0``, an ``x0`` outside the domain,
        missing ``eta``/``n_iterations`` on a plain landscape, and the errors
        of the individual checks (e.g. a gap array of the wrong length).

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
    if n_iterations is None and is_construction:
        n_iterations = landscape.n_iterations
    if n_iterations is None:
        raise ValueError("give the number of SGD iterations `n_iterations` (only a construction carries its own)")
    n_iterations = positive_int(n_iterations, "n_iterations")
    if x0 is not None:
        x0 = landscape.contains(x0, "x0")
    eps = probability(eps, "eps")

    statuses = []
    n1 = n2 = n3 = n4 = goodness = three = None
    minima, _ = _minima_and_basins(landscape)
    zeros = sigma_zeros(landscape)
    no_law = sigma_zero_reason(landscape, zeros) if zeros else ""

    if zeros:
        statuses.append(ConditionStatus("N1", "not applicable", "Sigma vanishes in the domain", no_law))
    else:
        n1 = check_n1(landscape, eta, n_iterations, init=x0, eps=eps, grid=grid)
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
        if zeros:
            statuses.append(ConditionStatus("N3", "not applicable", "Sigma vanishes in the domain", no_law))
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
        goodness = check_goodness(landscape, None if n4 is None else n4.gaps,
                                  gap_method="none" if n4 is None else n4.method, jacobian=jacobian)
        if n4 is not None and not zeros:
            three = three_level_bounds(landscape, eta, generalization_gaps=n4.gaps)
    return Diagnosis(landscape=landscape.name, eta=eta, n_iterations=n_iterations, statuses=tuple(statuses),
                     n1=n1, n2=n2, n3=n3, n4=n4, goodness=goodness, three_level=three, sigma_zeros=zeros)
