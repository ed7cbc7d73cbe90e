"""
Lyapunov exponent of linearised SGD (failure mode F2)
=====================================================

Two per-sample quadratic losses with Hessians 18 and 2 (the failure-modes
paper's F2).  Linearised SGD multiplies the distance to the minimum by
``1 - eta h`` with ``h`` drawn at random each step, so it diverges exactly
when the top Lyapunov exponent ``Lambda(eta) = E log|1 - eta h|`` is
positive.  The paper's bound ``eta < 2/lambda_max = 2/18`` is sufficient
but not the threshold: the exact stable set is a union of two intervals,
and ``eta = 0.12 > 2/18`` is stable.  A short simulation of real SGD
confirms the sign of ``Lambda``.
"""

# %%
# The exact exponent for batch sizes 1 and 2, and the stable sets.
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.failure_modes.constructions import construction
from fpesolve.failure_modes.n2_stability import check_n2, lyapunov_exponent, stable_learning_rates
from fpesolve.sgd.ensemble import simulate_sgd

hessians = [18.0, 2.0]
eta = np.linspace(1e-3, 0.7, 2000)
stable1 = stable_learning_rates(hessians, (0.0, 0.7), batch_size=1)
stable2 = stable_learning_rates(hessians, (0.0, 0.7), batch_size=2)
print(stable1)
print(stable2)
print(check_n2(construction("f2"), 0.12).summary())

# %%
# Simulated SGD at a few learning rates: fraction of 200 walkers whose
# ``|theta|`` exceeded 1e200 within 10^4 iterations.
probe = np.array([0.10, 0.12, 0.15, 0.3, 0.45, 0.6])
f2 = construction("f2")
diverged = [simulate_sgd(f2, e, 10_000, 200, 1.0, divergence_bound=1e200, rng=1).fraction_diverged
            for e in probe]
for e, frac in zip(probe, diverged):
    print(f"eta = {e:.2f}: Lambda = {lyapunov_exponent(hessians, e):+.4f}, diverged {frac:.0%}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(eta, lyapunov_exponent(hessians, eta), label="Lambda, B = 1")
ax.plot(eta, lyapunov_exponent(hessians, eta, batch_size=2), label="Lambda, B = 2", alpha=0.8)
for lo, hi in stable1.intervals:
    ax.axvspan(lo, hi, color="tab:green", alpha=0.15, lw=0)
ax.axvline(2 / 18, color="k", ls="--", lw=1, label="paper's bound 2/lambda_max")
ax.scatter(probe, [lyapunov_exponent(hessians, e) for e in probe], c=diverged, cmap="coolwarm", vmin=0, vmax=1,
           zorder=3, edgecolor="k", label="simulated SGD (red: diverged)")
ax.axhline(0, color="grey", lw=0.8)
ax.set_ylim(-1.5, 1.0)
ax.set_xlabel("learning rate eta")
ax.set_ylabel("Lyapunov exponent per iteration")
ax.set_title("F2: stable set (green) is not an interval")
ax.legend(loc="lower left", fontsize=8)
fig.tight_layout()
