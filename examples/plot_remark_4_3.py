r"""
Remark 4.3: the "sufficient" bound misses a prefactor
=====================================================

Level 2 of the failure-modes paper's Remark 4.3: if the global minimum of
:math:`V_{\mathrm{eff}}` is the unique good one, separated by :math:`\Delta` from
the next, then :math:`P(\text{good}) \ge 1 - (K-1)e^{-2\Delta/\tau}`.  The
exact basin probabilities show that this holds only up to the Laplace
prefactor :math:`\sqrt{V''_{\mathrm{good}}/V''_{\mathrm{bad}}}`: where the bad well
is the wider one (the healthy construction: :math:`\Sigma/H` = 0.5 at A, 2 at B)
the exact :math:`P(\text{bad})` exceeds the bound by a factor tending to 2 as
:math:`\tau \to 0`; where the good well is the wider one the bound holds.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.failure_modes import three_level_bounds
from fpesolve.failure_modes.constructions import construction
from fpesolve.failure_modes.two_well import double_well

healthy = construction("healthy")
wider = double_well(1.0, 8.0, 1.0, 4.0, 1.0, gaps=(0.05, 0.5), name="good well wider")
print(three_level_bounds(healthy, 0.1).summary())

etas = np.geomspace(0.005, 0.5, 15)
ratios = {land.name: [three_level_bounds(land, e).tightness2 for e in etas] for land in (healthy, wider)}

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, values in ratios.items():
    ax.semilogx(etas, values, "o-", label=name)
ax.axhline(1.0, color="tab:red", ls="--", label="bound holds below 1")
ax.axhline(2.0, color="grey", ls=":", label="sqrt(V''_A/V''_B) = 2 (healthy)")
ax.axhline(np.sqrt(0.5), color="grey", ls="-.", label="sqrt(1/2) (good well wider)")
ax.set_xlabel("tau = eta")
ax.set_ylabel("exact P(bad) / ((K-1) exp(-2 Delta/tau))")
ax.set_title("Remark 4.3, level 2, against the exact stationary law")
ax.legend(fontsize=8)
fig.tight_layout()
