"""
Convergence study: Ornstein–Uhlenbeck transients
================================================

For :math:`L = H\\theta^2/2` and constant :math:`\\Sigma` the density stays
Gaussian with mean :math:`m_0 e^{-Ht}` and variance
:math:`v_0 e^{-2Ht} + \\frac{\\tau\\Sigma}{2H}(1 - e^{-2Ht})`.  We measure the
spatial error of the Scharfetter–Gummel scheme (time integrated exactly by
uniformization) and the temporal error of backward Euler and TR-BDF2 against
the semi-discrete solution, and print the observed orders.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import fpesolve as fs
from fpesolve.apps.plotting import plot_convergence

H, SIGMA, TAU, M0, V0, T = 2.0, 1.0, 0.5, 1.0, 0.05, 0.5
ou = fs.Landscape(grad=lambda x: H * x, sigma=lambda x: SIGMA + 0 * x, domain=(-4.0, 4.0))


def gaussian(x, mean, var):
    return np.exp(-((x - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)


mean_t = M0 * np.exp(-H * T)
var_t = V0 * np.exp(-2 * H * T) + TAU * SIGMA / (2 * H) * (1 - np.exp(-2 * H * T))


def spatial_error(n):
    fp = fs.FokkerPlanck(ou, TAU, n)
    ev = fp.evolve(lambda x: gaussian(x, M0, V0), [T], method="exponential")
    return ev.densities[-1] - gaussian(fp.grid.centres, mean_t, var_t)


space = fs.convergence_study(spatial_error, [25, 50, 100, 200, 400], exact=0.0, label="space (max error)")
print(space.summary())

# %%
fp = fs.FokkerPlanck(ou, TAU, 200)
p0 = gaussian(fp.grid.centres, M0, V0)
reference = fp.evolve(p0, [T], method="exponential").densities[-1]
steps = [5, 10, 20, 40, 80]
time_studies = {
    method: fs.convergence_study(lambda n: fp.evolve(p0, [T], method=method, dt=T / n).densities[-1],
                                 steps, exact=reference, label=f"time, {method}")
    for method in ("backward-euler", "tr-bdf2")
}
for study in time_studies.values():
    print(study.summary())

# %%
# :func:`fpesolve.apps.plotting.plot_convergence` draws each study on log axes
# with its observed order in the legend, the resolutions as tick labels, and
# a reference slope.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
plot_convergence(space, ax=ax1, label="Scharfetter–Gummel", order=2)
ax1.set_xlabel("cells N")
ax1.set_ylabel("max error of p(T)")
for method, study in time_studies.items():
    plot_convergence(study, ax=ax2, label=method)
ax2.set_xlabel("time steps")
ax2.set_ylabel("max error vs semi-discrete solution")
fig.tight_layout()
