r"""
F4 does not survive every reparameterisation (after Proposition 5.1)
====================================================================

Proposition 5.1 is right: under :math:`\theta = g(\varphi)` the ratio
:math:`\Sigma/H` at a minimum does not change.  The paper then concludes that
the noise–generalisation reversal F4 "persists under any smooth
reparameterisation".  But SGD run on :math:`\varphi` has the barrier integrand
:math:`\tilde L'/\tilde\Sigma = L'/(\Sigma g')`, i.e.
:math:`\int L'/(\Sigma g'^2)\,d\theta`: slowing the coordinate down on the good
well's side (:math:`g' = c \approx 0.16` there, 1 on the bad well's side)
multiplies that well's barrier by :math:`1/c^2`, and the stationary law of SGD
in :math:`\varphi` prefers the good well.  :math:`\tilde\Sigma = \Sigma g'^2`
changes too, so N4 (Corr(Sigma, Gap) > 0) holds in :math:`\varphi`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.core.stationary import stationary_density
from fpesolve.failure_modes import check_n4, veff_flip
from fpesolve.failure_modes.constructions import construction

f4 = construction("f4")
flip = veff_flip(f4, f4.eta)
print(flip.summary())
print(check_n4(flip.phi_landscape, [0.05, 0.5]).summary())

# %%
rep = flip.reparameterization
theta = np.linspace(f4.domain[0] + 0.05, f4.domain[1] - 0.05, 2000)
phi = rep.g_inverse(theta)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(theta, rep.g_prime(phi), color="tab:blue")
ax1.set_xlabel(r"$\theta$")
ax1.set_ylabel(r"$g'(\varphi(\theta))$")
ax1.set_title("the reparameterisation: slower on A's side")
ax2.semilogy(theta, np.maximum(stationary_density(f4, f4.eta, theta), 1e-300), color="k", label="SGD in theta")
ax2.semilogy(theta, np.maximum(stationary_density(flip.phi_landscape, f4.eta, phi) / rep.g_prime(phi), 1e-300),
             color="tab:blue", label="SGD in phi (as a density over theta)")
ax2.set_ylim(1e-50, 10)
ax2.set_xlabel(r"$\theta$")
ax2.set_title("stationary law: B in theta, A in phi")
ax2.legend(fontsize=8)
fig.tight_layout()
