"""
When does label-noise SGD reach an (epsilon, gamma)-stationary point? (Theorem 1)
=================================================================================

Theorem 1: with :math:`\\lambda=\\tilde\\Theta(\\min(\\epsilon^{2/\\delta},\\gamma^2))`
label-noise SGD hits a point within :math:`\\gamma` of some :math:`\\theta^*` with
:math:`\\|\\nabla(L/\\lambda+R)(\\theta^*)\\|\\le\\epsilon`.  The checker looks for a
verified witness at each record; the first stationary iteration (dashed) is
about :math:`1.5/(\\eta\\lambda)` here, from the sharp minimiser :math:`(4,1/4)` of
the product model.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.labelnoise import check_stationarity, product_model, simulate_label_noise_sgd

model = product_model()
eta, lam = 0.05, 0.02
K = 3000
run = simulate_label_noise_sgd(model, [4.0, 0.25], eta, np.sqrt(lam / eta), K, n_walkers=2, record_every=60, rng=1)
check = check_stationarity(model, run, eps=lam ** 0.25, gamma=lam ** 0.5)
print(check.summary())

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for w in range(run.n_walkers):
    ev = check.evaluated[:, w]
    ax.semilogy(run.iterations[ev], check.witness_gradient_norm[ev, w], color=f"C{w}", label=f"walker {w}")
    ax.axvline(check.first_iteration[w], color=f"C{w}", ls="--")
ax.axhline(check.eps, color="k", lw=1, label=r"$\epsilon$")
ax.set(xlabel="iteration $k$", ylabel=r"smallest $\|\nabla(L/\lambda+R)\|$ within $\gamma$")
ax.legend()
fig.tight_layout()
