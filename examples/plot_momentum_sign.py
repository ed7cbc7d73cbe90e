"""
The sign of the momentum regulariser (Section 5.1, Eq. (6))
===========================================================

Heavy-ball label-noise SGD (:math:`\\beta=0.5`) on :math:`f=x\\theta^2` at
:math:`\\eta h/(1+\\beta)=1`: its stationary mean moves to the flat side of the
minimiser, as the derived :math:`R_\\beta=-\\frac{1+\\beta}{2\\eta}\\operatorname{tr}\\log(\\dots)`
predicts; Eq. (6) as printed (plus sign) predicts the opposite shift.
"""

# %%
import matplotlib.pyplot as plt

from fpesolve.labelnoise import momentum_sign_check

res = momentum_sign_check(n_walkers=300, n_iterations=2000)
print(res.summary())
fig, ax = plt.subplots(figsize=(7, 4))
vals = [res.simulated_shift[0], res.derived_shift[0], res.printed_shift[0], res.trace_shift[0]]
ax.bar(range(4), vals, yerr=[5 * res.standard_error[0], 0, 0, 0], color=["0.3", "C2", "C3", "C0"], capsize=4)
ax.set_xticks(range(4))
ax.set_xticklabels(["SGD", "derived (-)", "printed (+)", "tr H / 4"])
ax.axhline(0, color="k", lw=0.8)
ax.set(ylabel=r"$\mathrm{E}\,\theta-\theta^*$")
fig.tight_layout()
