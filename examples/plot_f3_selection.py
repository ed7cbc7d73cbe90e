r"""
Degenerate selection: equal noise-to-curvature ratios (failure mode F3)
=======================================================================

The failure-modes paper's F3: both minima have the same loss and the same
:math:`\Sigma/H = 1`, so by its Laplace argument SGD's stationary law gives
them equal weight, :math:`\pi(A) = \pi(B) = 1/2`, and noise cannot select
(N3 fails).  Two variants of the construction:

* *equal Hessian*: :math:`H_A = H_B = 2`, :math:`\Sigma \equiv 2`, ``L``
  symmetric — :math:`\pi(A) = 1/2` exactly;
* *unequal Hessian*: :math:`H_A = 2`, :math:`H_B = 8`, :math:`\Sigma_k = H_k`.
  Here the exact stationary law is far from 1/2 : 1/2 — :math:`\Sigma` varies
  between the wells, so the exponent :math:`\int_A^B L'/\Sigma` is not zero,
  and even the paper's own Laplace weights :math:`\sqrt{\pi\tau/(\Sigma_k H_k)}`
  give 4 : 1, not 1 : 1.

Real minibatch SGD at :math:`\eta = 0.2` (10^4 walkers started from the
exact law, 3000 iterations — several escape times for the unequal variant)
keeps the basin weights of the Fokker–Planck law to within the finite-:math:`\eta`
error of the diffusion approximation, not the paper's factor.  The shape
inside a well is another matter at this large :math:`\eta`: two-sample
minibatch noise is a bounded two-point kick, so the SGD law is narrower and
ragged on fine bins, where the diffusion sees only the noise variance.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.failure_modes.constructions import construction
from fpesolve.core.passage import basin_probabilities, escape_times
from fpesolve.sgd.ensemble import simulate_sgd
from fpesolve.core.stationary import stationary_density

variants = {key: construction(key) for key in ("f3-equal-hessian", "f3-unequal-hessian")}
for key, c in variants.items():
    p_a, p_b = basin_probabilities(c, c.eta)
    print(f"{key}: exact pi(A) = {p_a:.12f}, pi(B) = {p_b:.3e}; paper's claim pi(A) = {c.paper_claims['pi(A)']}")
    print(escape_times(c, c.eta).summary())

# %%
# N3 as the package's checker reports it (Sigma/H per minimum, exact and Laplace basin weights).
from fpesolve.failure_modes import check_n3  # noqa: E402

for c in variants.values():
    print(check_n3(c, c.eta).summary())

# %%
# SGD histograms over the exact stationary densities.
ensembles = {key: simulate_sgd(c, c.eta, 3000, 10_000, "stationary", bins=40, rng=3)
             for key, c in variants.items()}
for key, ens in ensembles.items():
    print(f"{key}: SGD occupancy of A after 3000 iterations {ens.occupancy_fraction()[0]:.4f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (key, c) in zip(axes, variants.items()):
    a, b = c.domain
    x = np.linspace(a, b, 600)
    ens = ensembles[key]
    edges = ens.bin_edges
    ax.stairs(ens.density(), edges, fill=True, alpha=0.35, color="tab:blue", label="SGD histogram")
    ax.plot(x, stationary_density(c, c.eta, x), color="k", lw=1.2, label="FPE stationary density")
    saddle = c.saddles()[0].x
    ax.axvline(saddle, color="tab:red", ls="--", lw=1, label="basin boundary (saddle)")
    p_a = basin_probabilities(c, c.eta)[0]
    ax.set_title(f"{key}\nexact pi(A) = {p_a:.3f} (paper: 0.5), SGD {ens.occupancy_fraction()[0]:.3f}", fontsize=9)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
fig.tight_layout()
