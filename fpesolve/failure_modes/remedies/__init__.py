r"""Section 6.1 of the failure-modes paper, computed: schedules against F1, weight decay against F4.

The paper (Section 6.1) recommends *learning-rate warm-up or cyclical
schedules* against F1 (insufficient mixing) and *explicit regularisation*
(weight decay) against F4 (noise–generalisation reversal), without numbers.
This module computes them.

F1: schedules (:func:`schedule_remedy`, :func:`required_rate`)
    The probability that SGD started in the bad basin has left it after
    :math:`T` iterations, for a constant rate and for schedules
    (:mod:`fpesolve.core.schedules`), from the Fokker–Planck equation with an
    absorbing target (:func:`fpesolve.core.scheduled.escape_probability`) and
    from simulated SGD with the same learning rates.  "Left the basin" means
    reached the *target*, by default the point halfway from the saddle to the
    other well (downhill of the saddle, so that the continuous hitting of the
    diffusion and the discrete crossing of SGD differ only by the last step).
    Every schedule is checked against the discrete stability limit
    :math:`2/h_{\max}` at the start well (:math:`h` the per-sample Hessians,
    :math:`2/H_B = 0.25` on F1): a schedule that exceeds it is refused,
    because SGD there is in failure mode F2, not escaping.  On the paper's F1
    (barrier 100) no stable schedule helps: :func:`required_rate` gives the
    constant rate that would make escape within :math:`T` likely, and it lies
    far above :math:`2/H_B`.  The schedule study therefore runs on the F1
    family with a lower barrier (same :math:`H` and :math:`\Sigma`), where the
    paper's :math:`\eta = 0.01` is still trapped.

    SGD vs the diffusion.  SGD with Gaussian gradient noise of variance
    :math:`\Sigma` is the Euler–Maruyama scheme of the diffusion with time
    step :math:`h = \eta` at the temperature :math:`\eta`; its escape
    probability differs from the Fokker–Planck one by :math:`C\eta + O(\eta^2)`
    (weak order one).  That difference is *measured*: the same schedule is
    run again with ``substeps = m`` Euler–Maruyama steps of :math:`\eta/m` per
    iteration at the same temperature (:math:`\Sigma` scaled by :math:`m`), and
    :math:`\delta = m(P_1 - P_m)/(m - 1)` (Richardson) estimates
    :math:`P_1 - P_{\mathrm{FPE}}`.  The comparison passes when
    :math:`|P_{\mathrm{SGD}} - P_{\mathrm{FPE}}| \le 4\,\mathrm{SE} + |\delta| +`
    the FPE's own error, with the binomial standard error
    :math:`\mathrm{SE} = \sqrt{P(1-P)/n}` (the larger of its values at the
    two probabilities).  Real two-sample SGD (``noise="samples"``: kicks
    :math:`\pm\sqrt\Sigma`) escapes more slowly than the diffusion by a factor
    that does not vanish as :math:`\eta \to 0` (its kicks are bounded, a
    large-deviation effect, not a time-step error), so for it the difference
    is reported, not tested.

F4: weight decay (:func:`weight_decay`, :func:`weight_decay_remedy`)
    :math:`L_\mu = L + \tfrac{\mu}{2}(\theta - \theta_0)^2` with :math:`\Sigma`
    unchanged.  Reported: the smallest :math:`\mu` at which
    :func:`~fpesolve.failure_modes.check_n4` on :math:`L_\mu` stops saying
    "violated" (its criterion is :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) > 0`
    over the minima of :math:`L_\mu`, with :math:`\mathrm{Gap} = L_{\mathrm{test}} - L`
    at those minima, the penalty counted in neither); the smallest
    :math:`\mu` with stationary probability of the good region
    :math:`\ge 1/2` and :math:`\ge 0.99`, by Brent's method on the exact
    log-odds :math:`\ln m_{\mathrm{good}} - \ln m_{\mathrm{bad}}` (two
    :func:`~fpesolve.stationary_mass` quadratures in log space) after a
    geometric scan for the first bracket; and the cost in training loss.
    Weight decay is not translation invariant: toward :math:`\theta_0 = 0` on
    F4's symmetric loss it lowers both wells alike and never gives the good
    well probability 1/2 at a finite :math:`\mu`; toward the good minimum it
    does at a small :math:`\mu`; toward the bad one never.
"""

from .schedules import (SCHEDULE_NOISES, RequiredRate, ScheduleEscape, ScheduleRemedy, required_rate, schedule_remedy,
                        stability_limit)
from .weight_decay import WeightDecayRemedy, WeightDecayTarget, weight_decay, weight_decay_remedy

__all__ = ["ScheduleEscape", "ScheduleRemedy", "schedule_remedy", "stability_limit", "RequiredRate", "required_rate",
           "weight_decay", "WeightDecayTarget", "WeightDecayRemedy", "weight_decay_remedy", "SCHEDULE_NOISES"]
