"""
Relaxation spectrum as the temperature shrinks
==============================================

The slowest relaxation rates of SGD's Fokker–Planck generator for a double
well with multiplicative noise, :math:`L' = x^3 - x`,
:math:`\\Sigma = 1 + 0.3\\tanh x`, as :math:`\\tau = \\eta` goes from 1 down to
0.01.  The first nonzero rate (the spectral gap) collapses like
:math:`e^{-c/\\tau}` — the metastable escape between the wells — while the
others stay of order one: in the small-noise limit they tend to the
harmonic rates of the critical points, :math:`|L''(s)| = 1` at the saddle
and :math:`L''(a) = 2` in each well.  Golub–Kahan bisection resolves the gap to
full relative precision at every temperature.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.grid import Grid
from fpesolve.core.landscape import Landscape
from fpesolve.core.spectrum import spectrum

well = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.5, 2.5),
                 name="double well")
grid = Grid.refined(-2.5, 2.5, 1500, [-1.0, 0.0, 1.0])
taus = np.geomspace(1.0, 0.01, 25)
rates = np.array([spectrum(FokkerPlanck(well, eta, grid), 5, vectors=False).rates for eta in taus])

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for j in range(rates.shape[1]):
    ax1.loglog(taus, rates[:, j], "o-", ms=3, label=f"$\\lambda_{j + 1}$")
ax1.invert_xaxis()
ax1.set_xlabel("$\\tau = \\eta$")
ax1.set_ylabel("rate (1 / continuous time)")
ax1.set_title("five slowest rates of $-Q$")
ax1.legend()
ax2.semilogy(1 / taus, rates[:, 0], "o-", ms=3)
ax2.set_xlabel("$1/\\tau$")
ax2.set_ylabel("spectral gap $\\lambda_1$")
ax2.set_title("the gap is exponential in $1/\\tau$")
fig.tight_layout()
print("tau      gap            lambda_2")
for eta, r in zip(taus[::4], rates[::4]):
    print(f"{eta:7.4f}  {r[0]:.6e}  {r[1]:.6f}")
