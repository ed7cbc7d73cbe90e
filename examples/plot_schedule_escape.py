"""
Escape under learning-rate schedules
====================================

SGD on the double well :math:`L(\\theta) = \\theta^4/4 - \\theta^2/2` with the
gradient-noise variance :math:`\\Sigma(\\theta) = 1 + \\tfrac12\\tanh(2\\theta)`
starts in the quiet left minimum (:math:`\\Sigma \\approx 0.52` there).  How
likely is it to have reached the right minimum after :math:`k` iterations?
With a learning-rate schedule :math:`\\eta_k` the diffusion runs for
:math:`t_k = \\sum_{j<k}\\eta_j` at the temperature :math:`\\eta_k`, so
schedules with the *same* total time :math:`t` can give very different
escape probabilities: the escape rate is exponential in :math:`1/\\eta`,
and a schedule that spends a while at large :math:`\\eta` wins.

:func:`fpesolve.core.escape_probability` puts an absorbing end at the target
and solves the Fokker–Planck equation with the generator rebuilt in O(N) as
:math:`\\eta` changes (exactly piece by piece for a constant rate,
error-controlled TR-BDF2 in the iteration variable otherwise); each value
comes with its time and spatial error.
"""

# %%
# Four schedules over 4000 iterations, three with the same total time t = 320
# ---------------------------------------------------------------------------
import numpy as np
import matplotlib.pyplot as plt

from fpesolve.core.landscape import Landscape
from fpesolve.core import schedules
from fpesolve.core.scheduled import escape_probability

double_well = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                        domain=(-2.5, 2.5), name="double well")
n = 4000
runs = {
    "constant 0.08": schedules.constant(0.08),
    "cosine 0.16 -> 0": schedules.cosine(0.16, n, 0.0),
    "cyclical 0.01 .. 0.15": schedules.cyclical(0.01, 0.15, 500),
    "warm-up to 0.12, cosine": schedules.warmup(0.12, 1000, schedules.cosine(0.12, n - 1000, 0.0)),
}
checkpoints = np.linspace(0, n, 41)[1:]
results = {}
for label, schedule in runs.items():
    results[label] = escape_probability(double_well, schedule, start=-1.0, target=1.0, n_iterations=checkpoints,
                                        n_cells=300)
    print(f"{label:26s} t = {results[label].time:7.2f}: {results[label].summary().split(';')[0]}")

# %%
# The schedules and the escape probabilities they give
# ----------------------------------------------------
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
k = np.arange(n)
for label, schedule in runs.items():
    top.plot(k, schedule.etas(n), label=label)
    r = results[label]
    bottom.semilogy(r.iterations, np.maximum(r.probabilities, 1e-12), label=label)
top.set_ylabel(r"learning rate $\eta_k$")
top.legend(fontsize=8)
bottom.set_xlabel("SGD iteration k")
bottom.set_ylabel("P(reached the right minimum by k)")
bottom.set_ylim(1e-6, 1)
fig.tight_layout()
plt.show()
