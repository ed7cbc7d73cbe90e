"""
Spectral gap, escape times and Kramers
======================================

For a double well the spectral gap of the generator equals the sum of the
inverse mean escape times, :math:`\\lambda_1 \\approx 1/T_{A\\to B} + 1/T_{B\\to A}`,
once the wells are metastable.  This script compares, from :math:`\\tau = 1`
down to :math:`\\tau = 0.01`,

* the gap of the Scharfetter–Gummel generator (Golub–Kahan bisection),
* :math:`1/T_{AB} + 1/T_{BA}` from the exact first-passage quadrature, and
* the same with the Eyring–Kramers times (multiplicative-noise prefactor).

The ratios go to 1 as :math:`\\tau \\to 0`: the identity with the exact times
to the (exponentially small) metastability error and the grid's
:math:`O(h^2)`, Kramers with an :math:`O(\\tau)` error.
"""

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.grid import Grid
from fpesolve.core.landscape import Landscape
from fpesolve.core.passage import kramers_time, mean_first_passage_time
from fpesolve.core.spectrum import spectral_gap

well = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.5, 2.5),
                 hess=lambda x: 3 * x ** 2 - 1, name="double well")
grid = Grid.refined(-2.5, 2.5, 2000, [-1.0, 0.0, 1.0])
taus = np.geomspace(1.0, 0.01, 21)
gap, exact, kramers = [], [], []
for eta in taus:
    gap.append(spectral_gap(FokkerPlanck(well, eta, grid)).log10)
    ab = mean_first_passage_time(well, eta, -1.0, 1.0)
    ba = mean_first_passage_time(well, eta, 1.0, -1.0)
    exact.append(np.logaddexp(-ab.log_time, -ba.log_time) / math.log(10))
    kab = kramers_time(well, eta, -1.0, 1.0)
    kba = kramers_time(well, eta, 1.0, -1.0)
    kramers.append(np.logaddexp(-kab.log10_time * math.log(10), -kba.log10_time * math.log(10)) / math.log(10))
gap, exact, kramers = map(np.array, (gap, exact, kramers))

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.semilogy(1 / taus, 10 ** gap, "o", label="spectral gap $\\lambda_1$")
ax1.semilogy(1 / taus, 10 ** exact, "-", label="$1/T_{AB} + 1/T_{BA}$ (exact)")
ax1.semilogy(1 / taus, 10 ** kramers, "--", label="Eyring–Kramers")
ax1.set_xlabel("$1/\\tau$")
ax1.set_ylabel("rate (1 / continuous time)")
ax1.legend()
ax2.semilogx(taus, 10 ** (exact - gap), "o-", label="exact / gap")
ax2.semilogx(taus, 10 ** (kramers - gap), "s-", label="Kramers / gap")
ax2.axhline(1.0, color="k", lw=0.5)
ax2.invert_xaxis()
ax2.set_xlabel("$\\tau = \\eta$")
ax2.set_ylabel("ratio to the gap")
ax2.legend()
fig.tight_layout()
print("tau      log10 gap     exact/gap    Kramers/gap")
for eta, g, e, k in zip(taus[::4], gap[::4], exact[::4], kramers[::4]):
    print(f"{eta:7.4f}  {g:12.6f}  {10 ** (e - g):10.6f}  {10 ** (k - g):10.6f}")
