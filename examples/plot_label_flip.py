"""
Classification with label flipping (Appendix E, derived in the docs)
====================================================================

Cross entropy of the logit :math:`f=uvx` with labels flipped with probability
:math:`p=0.2`: the minimisers are :math:`uv=\\log4`, the flip noise has
covariance :math:`\\eta\\lambda\\nabla^2L` there with :math:`\\lambda=\\eta/B`, and
SGD slides toward the flattest minimiser like gradient descent on
:math:`L+\\frac\\eta BR` — not like the small-step :math:`\\operatorname{tr}H/4`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.labelnoise import (flip_minimizer_logit, logistic_product_model, regularized_trajectory,
                                 simulate_label_flip_sgd)

p, eta, B = 0.2, 1.0, 16
model = logistic_product_model(p)
start = np.array([3.0, flip_minimizer_logit(p) / 3])
K = int(2 / (eta * (eta / B) * p * (1 - p)))
run = simulate_label_flip_sgd(model, start, eta, K, batch_size=B, n_walkers=100, record_every=10, rng=0)
phi = regularized_trajectory(model, start, eta, eta / B, K, record_every=10)
phi0 = regularized_trajectory(model, start, eta, eta / B, K, record_every=10, regularizer_eta=0.0)
print(run.summary())

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(run.iterations, np.log(run.theta[:, :, 0] ** 2 - run.theta[:, :, 1] ** 2).mean(axis=1), "k", lw=2,
        label="label-flip SGD")
ax.plot(phi.iterations, np.log(phi.theta[:, 0] ** 2 - phi.theta[:, 1] ** 2), "C2--", label=r"$L+\frac{\eta}{B}R$")
ax.plot(phi0.iterations, np.log(phi0.theta[:, 0] ** 2 - phi0.theta[:, 1] ** 2), "C0:",
        label=r"$L+\frac{\eta}{B}\,\mathrm{tr}H/4$")
ax.set(xlabel="iteration $k$", ylabel=r"$\log(u^2-v^2)$")
ax.legend()
fig.tight_layout()
