"""
Remedies of Section 6.1: schedules against F1, weight decay against F4
======================================================================

The failure-modes paper recommends learning-rate warm-up or cyclical
schedules against F1 (SGD trapped in the bad well B) and weight decay
against F4 (SGD preferring the noise-quiet bad well).
:mod:`fpesolve.failure_modes.remedies` computes both.

**F1.**  On the paper's construction (barrier 100) escape within
:math:`10^6` iterations would need :math:`\\eta \\approx 1.7`, far above
the stability limit :math:`2/H_B = 0.25` of the bad well: such a schedule
is failure mode F2.  On the same wells with barrier 1 the paper's
:math:`\\eta = 0.01` is still trapped, and schedules that spend time at
:math:`\\eta = 0.04 < 2/H_B` leave B with probability 0.2–0.35 within
20000 iterations.  The curves are the Fokker–Planck equation with an
absorbing target; the dots are SGD with Gaussian gradient noise run with
the same learning rates.

**F4.**  Weight decay :math:`\\tfrac\\mu2(\\theta-\\theta_0)^2` (noise
unchanged) is not translation invariant: toward :math:`\\theta_0 = 0` it
lowers both wells of the symmetric loss alike and the good well's
stationary probability never reaches 1/2; toward the good minimum a small
:math:`\\mu` suffices.
"""

# %%
# F1: escape from the bad well under three learning-rate schedules
# -----------------------------------------------------------------
import numpy as np
import matplotlib.pyplot as plt

from fpesolve.core import schedules
from fpesolve.core.scheduled import escape_probability
from fpesolve.failure_modes import construction, required_rate, schedule_remedy, weight_decay_remedy

need = required_rate(construction("f1"), 10 ** 6)
print(need.summary())

c = construction("f1", barrier=1.0)
T = 20000
runs = {"constant 0.01 (paper)": 0.01,
        "0.04 for 5000 it., then 0.01": schedules.piecewise_constant([5000], [0.04, 0.01]),
        "cyclical 0.01 .. 0.04": schedules.cyclical(0.01, 0.04, 2000)}
remedy = schedule_remedy(c, runs, T, n_walkers=1000, substeps=0, rng=7, n_cells=200, progress=False)
print(remedy.summary())
checkpoints = np.linspace(0, T, 41)[1:]

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
for label, schedule in runs.items():
    curve = escape_probability(c, schedule, remedy.start, remedy.target, checkpoints, n_cells=200)
    line, = left.semilogy(curve.iterations, np.maximum(curve.probabilities, 1e-12), label=label)
    row = remedy.row(label)
    if row.sgd_probability:
        left.errorbar([T], [row.sgd_probability], yerr=[2 * row.sgd_stderr], fmt="o", color=line.get_color())
left.set_xlabel("SGD iteration")
left.set_ylabel("P(left the bad well B)")
left.set_title("F1 wells, barrier 1: FPE (lines), SGD (dots, 2 SE)")
left.set_ylim(1e-10, 1)
left.legend(fontsize=8, loc="lower right")

# %%
# F4: the good well's stationary probability against the weight decay
# --------------------------------------------------------------------
f4 = construction("f4")
for label, origin in (("toward 0", 0.0), ("toward theta_A (good)", "A"), ("toward theta_A / 2", 0.5 * f4.wells["A"])):
    wd = weight_decay_remedy(f4, origin=origin, n_scan=30)
    print(wd.summary())
    p_good = 1.0 / (1.0 + np.exp(-wd.log_odds[1:]))
    right.semilogx(wd.mus[1:], p_good, label=label)
right.axhline(0.5, color="grey", lw=0.8, ls=":")
right.set_xlabel(r"weight decay $\mu$")
right.set_ylabel("stationary P(good region)")
right.set_title(r"F4 at $\eta = 0.2$: $L + \mu(\theta-\theta_0)^2/2$")
right.legend(fontsize=8)
fig.tight_layout()
plt.show()
