"""
SGD on any landscape
====================

:func:`fpesolve.simulate_sgd` needs no numba code from you.  On a plain
:class:`~fpesolve.Landscape` (just :math:`L'` and :math:`\\Sigma`) it steps
Gaussian or two-point noise, :math:`\\theta_{k+1} = \\theta_k - \\eta(L' \\pm
\\sqrt{\\Sigma})`; on a finite sum from :meth:`~fpesolve.Landscape.from_samples`
it draws real minibatches from the per-sample gradients.  Your vectorised
callables are compiled with numba when numba can (the result says
``method='numba'``), else a numpy stepper runs with a warning.

Left: a double well with multiplicative noise (the quieter left well holds
97 % of the mass), SGD histograms after 1700 iterations from the stationary
law against the exact Fokker–Planck density.
Right: four per-sample quadratics, minibatches of two, from a single point;
the walkers relax to the stationary law of the Fokker–Planck equation built
from the same samples.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import fpesolve as fs

double_well = fs.Landscape(grad=lambda x: 0.2 * x * (x * x - 1.0), sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                           domain=(-3.0, 3.0), name="double well, multiplicative noise")
eta = 0.03
runs = {noise: fs.simulate_sgd(double_well, eta, 1700, 10_000, init="stationary", noise=noise, rng=1,
                               bins=np.linspace(-2.0, 2.0, 81))
        for noise in ("gaussian", "two-point")}
for run in runs.values():
    print(run.summary(), "\n")

# %%
# A finite sum: four quadratics with different curvatures and centres, so that Sigma depends on theta.
h = np.array([0.5, 1.5, 1.0, 1.0])
c = np.array([-1.0, 1.0, 0.5, -0.5])
finite_sum = fs.Landscape.from_samples(lambda x: 0.5 * h[:, None] * (x[None, :] - c[:, None]) ** 2,
                                       lambda x: h[:, None] * (x[None, :] - c[:, None]), (-3.0, 3.0),
                                       batch_size=2, name="four quadratics, B = 2")
eta2 = 0.01
minibatch = fs.simulate_sgd(finite_sum, eta2, 2000, 10_000, init=1.5, rng=2, bins=np.linspace(0.0, 0.5, 61))
print(minibatch.summary())

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
x = np.linspace(-2.0, 2.0, 801)
ax1.plot(x, fs.stationary_density(double_well, eta, x), color="black", lw=1.5, label="Fokker–Planck (exact)")
for (noise, run), colour in zip(runs.items(), ("tab:blue", "tab:orange")):
    ax1.stairs(run.density(), run.bin_edges, color=colour, label=f"SGD, {noise} noise ({run.method})")
ax1.set_yscale("log")
ax1.set_ylim(1e-3, 5.0)
ax1.set_xlabel(r"$\theta$")
ax1.set_ylabel("density (log scale)")
ax1.set_title(f"{double_well.name}, eta = {eta:g}", fontsize=10)
ax1.legend(fontsize=8)
x2 = np.linspace(0.0, 0.5, 501)
ax2.plot(x2, fs.stationary_density(finite_sum, eta2, x2), color="black", lw=1.5, label="Fokker–Planck (exact)")
ax2.stairs(minibatch.density(), minibatch.bin_edges, color="tab:green",
           label=f"SGD, real minibatches ({minibatch.method})")
ax2.set_xlabel(r"$\theta$")
ax2.set_title(f"{finite_sum.name}, eta = {eta2:g}", fontsize=10)
ax2.legend(fontsize=8)
fig.tight_layout()
