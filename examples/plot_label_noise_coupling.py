"""
Label-noise SGD = regularised path + fluctuation (Lemma 1, Proposition 5)
=========================================================================

Started at a zero-loss point of the product model :math:`f=uvx`, label-noise
SGD is simulated together with the Ornstein–Uhlenbeck process :math:`\\xi_k`
of Eq. (4), driven by the same random draws, and with gradient descent
:math:`\\Phi^S` on :math:`L+\\frac12\\langle S,\\nabla^2L\\rangle` (:math:`S` the
stationary covariance of :math:`\\xi`).  The residual
:math:`\\theta_k-\\xi_k-\\Phi^S_k` shrinks faster than the fluctuation as
:math:`\\lambda=\\eta\\sigma^2/B\\to0` (left; Proposition 5's bound is
:math:`\\propto\\lambda^{3/4}`), and the walker mean follows :math:`\\Phi^S`,
not plain gradient descent nor the literal :math:`L+\\lambda R_S` (right).
Full batch, so that only label noise acts (the paper's scaling).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.labelnoise import couple_label_noise_sgd, product_model

model = product_model()
eta, start = 0.05, np.array([2.0, 0.5])
lams = [0.01, 0.0025, 0.000625]
runs = []
for lam in lams:
    K = int(2.0 / (1.22 * eta * np.sqrt(lam)))     # Phi moves ~2 sqrt(lambda) (drift ~1.22 eta lambda per step)
    runs.append(couple_label_noise_sgd(model, start, eta, np.sqrt(3 * lam / eta), K, batch_size=3, replacement=False,
                                       n_walkers=100, record_every=max(1, K // 25), rng=1))
print(runs[-1].summary())

# %%
i = runs[0].path_names.index("R_S")
res = [np.median(c.residual[i].max(axis=0)) for c in runs]
xi = [np.median(c.xi_norm.max(axis=0)) for c in runs]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.loglog(lams, xi, "o-", label=r"$\max_k\|\xi_k\|$")
ax1.loglog(lams, res, "s-", label=r"$\max_k\|\theta_k-\xi_k-\Phi^S_k\|$")
ax1.loglog(lams, res[0] * (np.array(lams) / lams[0]) ** 0.75, "k:", label=r"$\propto\lambda^{3/4}$")
ax1.set(xlabel=r"$\lambda$", ylabel="median over walkers", title="coupling residual")
ax1.legend(fontsize=8)
c = runs[1]
mean = c.theta.mean(axis=1)
ax2.plot(mean[:, 0], mean[:, 1], "k.-", label="walker mean")
for p, name in enumerate(c.path_names):
    ax2.plot(c.paths[p, :, 0], c.paths[p, :, 1], marker="x" if name in ("none", "paper R_S") else None,
             label=name)
ax2.set(xlabel="$u$", ylabel="$v$", title=rf"$\lambda$ = {c.lam:g}")
ax2.legend(fontsize=8)
fig.tight_layout()
