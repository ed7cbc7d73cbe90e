"""Section 6.1 against F4: weight decay toward any origin (see :mod:`fpesolve.failure_modes.remedies`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from scipy import optimize

from ..._util.result import Result
from ..._util.validation import finite_float, positive_float, positive_int, probability
from ...core.landscape import Landscape, PerSampleLosses
from ...core.stationary import stationary_mass
from ..base import Construction
from ..n4_alignment import check_n4

__all__ = ["weight_decay", "WeightDecayTarget", "WeightDecayRemedy", "weight_decay_remedy"]


def weight_decay(landscape: Landscape, mu: float, origin: float = 0.0) -> Landscape:
    r"""The landscape with weight decay: :math:`L + \tfrac{\mu}{2}(\theta - \theta_0)^2`, :math:`\Sigma` unchanged.

    Parameters
    ----------
    landscape : Landscape
    mu : float
        The weight-decay strength :math:`\mu \ge 0` (units of :math:`L''`).
    origin : float
        :math:`\theta_0`, the point the penalty pulls toward.

    Returns
    -------
    Landscape
        ``grad`` :math:`L' + \mu(\theta-\theta_0)`, ``hess`` :math:`L'' + \mu`,
        ``loss`` the penalised loss; ``sigma``, the domain, the batch size
        and the sampling as before; per-sample losses (of a landscape built
        from samples) each get the same penalty, so the number of samples and
        the per-sample structure carry over while :math:`\Sigma` is unchanged.

    Raises
    ------
    ValueError
        For a negative or non-finite ``mu`` or a non-finite ``origin``.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve.failure_modes import construction
    >>> c = construction("f4")
    >>> w = weight_decay(c, 0.5)
    >>> float(w.grad(np.array([1.0]))[0] - c.grad(np.array([1.0]))[0])
    0.5
    """
    mu_value = finite_float(mu, "mu")
    if mu_value < 0:
        raise ValueError(f"`mu` must be >= 0 (the weight-decay strength), got {mu!r}")
    x0 = finite_float(origin, "origin")

    def grad(x):
        return landscape.grad(x) + mu_value * (np.asarray(x, dtype=float) - x0)

    def loss(x):
        return landscape.loss(x) + 0.5 * mu_value * (np.asarray(x, dtype=float) - x0) ** 2

    def hess(x):
        return landscape.hess(x) + mu_value

    samples = None
    if landscape.samples is not None:
        per = landscape.samples

        def sample_losses(x):
            return per.losses(x) + 0.5 * mu_value * (np.asarray(x, dtype=float) - x0) ** 2

        def sample_grads(x):
            return per.grads(x) + mu_value * (np.asarray(x, dtype=float) - x0)

        sample_hessians = None if per.hessians is None else (lambda x: per.hessians(x) + mu_value)
        samples = PerSampleLosses(losses=sample_losses, grads=sample_grads, hessians=sample_hessians, n=per.n)
    return Landscape(grad=grad, sigma=landscape.sigma, domain=landscape.domain, loss=loss, hess=hess,
                     sigma_grad=landscape.sigma_grad,
                     name=f"{landscape.name} + {mu_value:g}/2 (theta - {x0:g})^2", batch_size=landscape.batch_size,
                     replacement=landscape.replacement, samples=samples)


@dataclass(frozen=True, repr=False)
class WeightDecayTarget(Result):
    r"""The smallest weight decay that gives the good region a stationary probability of at least ``probability``.

    Attributes
    ----------
    probability : float
        The target :math:`p`.
    attained : bool
        Whether some :math:`\mu \le` ``mu_max`` reaches it.
    mu : float or None
        The smallest such :math:`\mu` (Brent's method on the exact log-odds; ``None`` if not attained).
    bracket : (float, float) or None
        The scan interval the root was found in.
    p_good : float
        :math:`P(\text{good})` at ``mu`` (or the largest value seen when not attained).
    minimum : float or None
        The minimum of :math:`L_\mu` in the good region at ``mu``.
    regularized_loss_rise : float or None
        :math:`\min_\theta L_\mu - \min_\theta L`.
    original_loss_rise : float or None
        :math:`L(\theta^*_\mu) - L(\theta^*_{\mathrm{good}})`: the training loss given up at the shifted good minimum.
    message : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, weight_decay_remedy
    >>> t = weight_decay_remedy(construction("f4"), origin=0.0, probabilities=(0.5,), n_scan=8).target(0.5)
    >>> t.attained, t.mu, bool(t.p_good < 0.5)
    (False, None, True)
    """

    probability: float
    attained: bool
    mu: Optional[float]
    bracket: Optional[Tuple[float, float]]
    p_good: float
    minimum: Optional[float]
    regularized_loss_rise: Optional[float]
    original_loss_rise: Optional[float]
    message: str = ""

    def summary(self) -> str:
        """One line: the root and its loss cost, or why it was not attained.

        Returns
        -------
        str
        """
        if not self.attained:
            return f"P(good) >= {self.probability:g}: not attained; {self.message}"
        return (f"P(good) >= {self.probability:g}: mu = {self.mu:.10g} (P = {self.p_good:.6g}); good minimum "
                f"{self.minimum:.6g}; min L_mu - min L = {self.regularized_loss_rise:.6g}, L rise at the shifted "
                f"minimum {self.original_loss_rise:.6g}")


@dataclass(frozen=True, repr=False)
class WeightDecayRemedy(Result):
    r"""Weight decay against F4: N4 and the good region's stationary probability as functions of :math:`\mu`.

    Attributes
    ----------
    origin : float
        :math:`\theta_0` of the penalty.
    eta : float
    good_region : (float, float)
        The interval whose stationary mass is :math:`P(\text{good})`.
    n4_mu : float or None
        The smallest :math:`\mu` at which :func:`~fpesolve.failure_modes.check_n4`
        on :math:`L_\mu` no longer says "violated" (``None``: violated up to ``mu_max``).
    n4_status : str
        Its status just above ``n4_mu`` (``"holds"`` or ``"not applicable"``), or
        ``"violated"``.
    n4_note : str
        Why (e.g. the bad minimum vanished: N4 is not *restored*, it stops applying).
    targets : tuple of WeightDecayTarget
    mus, log_odds : ndarray
        The scan: :math:`\mu` and :math:`\ln m_{\mathrm{good}} - \ln m_{\mathrm{bad}}`.
    method : str

    Examples
    --------
    >>> from fpesolve.failure_modes import construction, weight_decay_remedy
    >>> r = weight_decay_remedy(construction("f4"), origin="A", probabilities=(0.99,), n_scan=8)
    >>> r.n4_status, round(r.target(0.99).mu, 4)
    ('not applicable', 0.1967)
    """

    origin: float
    eta: float
    good_region: Tuple[float, float]
    n4_mu: Optional[float]
    n4_status: str
    n4_note: str
    targets: Tuple[WeightDecayTarget, ...]
    mus: np.ndarray
    log_odds: np.ndarray
    method: str

    def target(self, p: float) -> WeightDecayTarget:
        """The row of target probability ``p``.

        Parameters
        ----------
        p : float
            One of the probabilities given to :func:`weight_decay_remedy`.

        Returns
        -------
        WeightDecayTarget

        Raises
        ------
        KeyError
            When ``p`` was not a target.
        """
        for t in self.targets:
            if t.probability == p:
                return t
        raise KeyError(f"no target {p!r}; the targets are {[t.probability for t in self.targets]}")

    def table(self):
        r"""The scan: mu and P(good).

        Returns
        -------
        headers : list of str
        rows : list of list
            :math:`\mu`, the log-odds good/bad and :math:`P(\text{good})`.
        """
        return ["mu", "log odds good/bad", "P(good)"], [[float(m), float(l), float(1.0 / (1.0 + np.exp(-l)))]
                                                        for m, l in zip(self.mus, self.log_odds)]

    def summary(self) -> str:
        """N4 and each target.

        Returns
        -------
        str
        """
        n4 = (f"N4 violated for every mu <= {self.mus[-1]:g}" if self.n4_mu is None else
              "N4 is not violated without weight decay (status at mu = 0: holds)" if self.n4_mu == 0 and
              self.n4_status == "holds" else
              f"N4 stops being violated at mu = {self.n4_mu:.8g} (status then: {self.n4_status})")
        lines = [f"Weight decay mu/2 (theta - {self.origin:.6g})^2 at eta = {self.eta:g}, good region "
                 f"[{self.good_region[0]:.6g}, {self.good_region[1]:.6g}]: {n4}"]
        if self.n4_note:
            lines.append("  " + self.n4_note)
        lines += ["  " + t.summary() for t in self.targets]
        return "\n".join(lines)


def _good_region(landscape: Landscape, good) -> Tuple[float, float]:
    a, b = landscape.domain
    if good is not None:
        lo, hi = (landscape.contains(v, "good") for v in good)
        if not lo < hi or (lo == a and hi == b):
            raise ValueError(f"`good` must be an interval strictly inside the domain [{a!r}, {b!r}], got {good!r}")
        return lo, hi
    if not (isinstance(landscape, Construction) and landscape.generalization_gaps and landscape.saddle is not None):
        raise ValueError("without `good` the landscape must be a two-well construction with generalisation gaps "
                         "(the good region is the side of its saddle holding the well of smallest gap)")
    label = min(landscape.generalization_gaps, key=landscape.generalization_gaps.get)
    xs = landscape.saddle.x
    return (a, xs) if landscape.wells[label] < xs else (xs, b)


def weight_decay_remedy(landscape: Landscape, *, origin: Union[float, str] = 0.0, eta: Optional[float] = None,
                        probabilities: Sequence[float] = (0.5, 0.99), good: Optional[Tuple[float, float]] = None,
                        mu_max: Optional[float] = None, n_scan: int = 40) -> WeightDecayRemedy:
    r"""Weight decay :math:`\tfrac\mu2(\theta-\theta_0)^2` against F4: N4, :math:`\mu` for P(good) targets, the cost.

    Parameters
    ----------
    landscape : Landscape
        F4 (``construction("f4")``) or any landscape with ``good`` given.
    origin : float or str
        :math:`\theta_0`, or a well label (``"A"``: toward the good minimum).
    eta : float, optional
        The learning rate (default the construction's).
    probabilities : sequence of float
        Targets for :math:`P(\text{good})`, each in (0, 1).
    good : (float, float), optional
        The good region; default the side of the construction's saddle (where
        its test loss switches) holding the well with the smallest
        generalisation gap.
    mu_max : float, optional
        The largest :math:`\mu` scanned (default :math:`10^3 \max_k H_k`).
    n_scan : int
        Geometric scan points in :math:`[10^{-6}, 1]\,` ``mu_max``, plus
        :math:`\mu = 0`; the smallest root is the first bracket's (a pair of
        crossings inside one scan interval would be missed).

    Returns
    -------
    WeightDecayRemedy

    Raises
    ------
    ValueError
        For a non-finite or non-positive ``mu_max``, a target outside (0, 1),
        no ``eta``, or a missing ``good`` region on a plain landscape.

    Examples
    --------
    >>> from fpesolve.failure_modes import construction
    >>> r = weight_decay_remedy(construction("f4"), origin="A", n_scan=20)
    >>> t = r.target(0.5)
    >>> t.attained, bool(0.1 < t.mu < 0.3), r.n4_status
    (True, True, 'not applicable')
    """
    if eta is None:
        eta = landscape.eta if isinstance(landscape, Construction) else None
        if eta is None:
            raise ValueError("`eta` is needed: the landscape is not a construction with the paper's learning rate; "
                             "pass eta=...")
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    # a named well, or any finite position (the penalty may pull toward a point outside the domain)
    x0 = landscape.point(origin, "origin") if isinstance(origin, str) else finite_float(origin, "origin")
    targets_p = [probability(p, "probabilities") for p in probabilities]
    lo, hi = _good_region(landscape, good)
    a, b = landscape.domain
    bad = (hi, b) if lo == a else (a, lo)
    if lo != a and hi != b:
        raise ValueError(f"`good` = {good!r} must touch one end of the domain (its complement is the bad region)")
    minima0 = landscape.minima()
    h_ref = max([abs(m.hess) for m in minima0] + [1e-300])
    if mu_max is None:
        mu_max_v = 1e3 * h_ref
    else:
        mu_max_v = positive_float(mu_max, "mu_max", "mu_max is the largest weight decay scanned")
    n_scan = positive_int(n_scan, "n_scan", minimum=2)
    mus = np.concatenate(([0.0], np.geomspace(1e-6 * mu_max_v, mu_max_v, n_scan)))

    def log_odds(mu):
        w = weight_decay(landscape, mu, x0)
        return stationary_mass(w, eta, lo, hi, log=True) - stationary_mass(w, eta, bad[0], bad[1], log=True)

    odds = np.array([log_odds(m) for m in mus])

    has_test = isinstance(landscape, Construction) and landscape.has_test_loss

    def n4_status(mu):
        w = weight_decay(landscape, mu, x0)
        if has_test:
            return check_n4(w, test_loss=lambda x: landscape.test_loss(x) + 0.5 * mu * (np.asarray(x) - x0) ** 2)
        return check_n4(w)

    n4_mu, status, note = None, "violated", ""
    statuses = []
    for m in mus:
        r = n4_status(m)
        statuses.append(r.status)
        if r.status != "violated":
            break
    if statuses[-1] != "violated":
        i = len(statuses) - 1
        if i == 0:
            n4_mu, last = 0.0, n4_status(0.0)
        else:
            left, right = mus[i - 1], mus[i]
            last = n4_status(right)
            while right - left > 1e-10 * right:
                mid = 0.5 * (left + right) if left == 0.0 else math.sqrt(left * right)
                r = n4_status(mid)
                if r.status == "violated":
                    left = mid
                else:
                    right, last = mid, r
            n4_mu = float(right)
        status = last.status
        if status == "not applicable":
            note = ("N4 is not restored: Corr(Sigma, Gap) > 0 never holds, since weight decay changes neither "
                    "Sigma nor the gaps at the minima that survive; at this mu a minimum vanishes and N4 stops "
                    f"applying ({last.note})")
        else:
            note = last.note
    else:
        note = "weight decay leaves Sigma and the gaps at the minima unchanged, so the correlation keeps its sign"

    def cost(mu):
        w = weight_decay(landscape, mu, x0)
        mins = w.minima()
        inside = [m for m in mins if lo <= m.x <= hi]
        if not inside:
            return None, None, None
        good0 = [m for m in minima0 if lo <= m.x <= hi]
        ref_good = min(good0, key=lambda m: m.loss) if good0 else None
        star = min(inside, key=lambda m: float(w.loss(np.array([m.x]))[0]))
        reg_rise = min(float(w.loss(np.array([m.x]))[0]) for m in mins) - min(m.loss for m in minima0)
        orig_rise = None if ref_good is None else float(landscape.loss(np.array([star.x]))[0]) - ref_good.loss
        return star.x, reg_rise, orig_rise

    rows = []
    for p in targets_p:
        goal = math.log(p) - math.log1p(-p)
        above = np.flatnonzero(odds >= goal)
        if above.size == 0:
            k = int(np.argmax(odds))
            rows.append(WeightDecayTarget(probability=p, attained=False, mu=None, bracket=None,
                                          p_good=float(1.0 / (1.0 + math.exp(-odds[k]))), minimum=None,
                                          regularized_loss_rise=None, original_loss_rise=None,
                                          message=f"P(good) stays below {p:g} for mu <= {mu_max_v:g} (largest "
                                                  f"{1.0 / (1.0 + math.exp(-odds[k])):.6g} at mu = {mus[k]:.4g})"))
            continue
        i = int(above[0])
        if i == 0:
            mu_star, br = 0.0, None
        else:
            br = (float(mus[i - 1]), float(mus[i]))
            mu_star = optimize.brentq(lambda m: log_odds(m) - goal, br[0], br[1], xtol=1e-14 * br[1], rtol=1e-12)
        xm, rr, orr = cost(mu_star)
        rows.append(WeightDecayTarget(probability=p, attained=True, mu=float(mu_star), bracket=br,
                                      p_good=float(1.0 / (1.0 + math.exp(-log_odds(mu_star)))), minimum=xm,
                                      regularized_loss_rise=rr, original_loss_rise=orr))
    return WeightDecayRemedy(origin=x0, eta=eta, good_region=(lo, hi), n4_mu=n4_mu, n4_status=status, n4_note=note,
                             targets=tuple(rows), mus=mus, log_odds=odds,
                             method="exact stationary masses (log space), geometric scan + Brent on the log-odds; "
                                    "check_n4 on L_mu, bisection on its status")
