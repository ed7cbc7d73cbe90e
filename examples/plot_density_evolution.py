"""
Density evolution in a double well
==================================

SGD on the double well :math:`L(\\theta) = \\theta^4/4 - \\theta^2/2` with a
gradient-noise variance that grows to the right,
:math:`\\Sigma(\\theta) = 1 + \\tfrac12\\tanh(2\\theta)`, is modelled by the Ito SDE
:math:`d\\theta = -L'\\,dt + \\sqrt{\\eta\\Sigma}\\,dW`.  Both minima have the
same loss and the same curvature; only the noise differs.

We start all the probability at the right (noisier) minimum, integrate the
Fokker–Planck equation with TR-BDF2 on a 200-cell grid, and watch mass leak
over the barrier at :math:`\\theta = 0` (the saddle, dashed line) until the
density settles on the closed-form stationary law, which prefers the
low-noise (left) minimum: about 87 % of the mass ends up on the left.
"""

# %%
# The landscape and its effective potential
# -----------------------------------------
import numpy as np
import matplotlib.pyplot as plt

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.apps.plotting import plot_density_evolution, plot_potential

double_well = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                        domain=(-2.5, 2.5), loss=lambda x: x**4 / 4 - x**2 / 2, name="double well")
print(double_well.summary())

eta = 0.3
fig, ax = plot_potential(double_well, [0.1, eta])

# %%
# Evolve from the right minimum
# -----------------------------
# Times are continuous times :math:`t` (:math:`t/\eta` SGD iterations).
fp = FokkerPlanck(double_well, eta=eta, grid=200)
times = np.linspace(0.0, 60.0, 121)
evolution = fp.evolve(fp.point_mass(1.0), times, dt=0.05, positivity_start=10)
print(evolution.summary().splitlines()[0])

pi = fp.stationary()
tv = 0.5 * np.abs(evolution.densities - pi) @ fp.grid.widths
for t in (1.0, 10.0, 30.0, 60.0):
    k = int(np.searchsorted(times, t))
    print(f"t = {t:4.0f} (iteration {t / eta:4.0f}): total-variation distance to stationarity {tv[k]:.3e}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
# the point mass at t = 0 has density 1/h = 40: cap the colour scale to see the rest
plot_density_evolution(evolution, double_well, ax=axes[0], vmax=1.2 * evolution.densities[1:].max())
plot_density_evolution(evolution, double_well, ax=axes[1], log=True, floor=1e-10)
axes[1].set_title("log scale: the mass that has crossed the saddle")
fig.tight_layout()

# %%
# The late-time density is the stationary law
# -------------------------------------------
fig, ax = plt.subplots()
ax.plot(fp.grid.centres, evolution.densities[-1], label=f"evolved, t = {times[-1]:g}")
ax.plot(fp.grid.centres, pi, "--", label="stationary (exact for the discrete generator)")
ax.set_xlabel(r"$\theta$")
ax.set_ylabel("density")
ax.legend()
