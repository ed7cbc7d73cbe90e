"""
Label-noise SGD drifts toward flat minimisers
=============================================

The product model :math:`f(x;u,v)=uvx` fits the labels :math:`y=x` on the
whole hyperbola :math:`uv=1`, where the Hessian's non-zero eigenvalue is
:math:`m_2(u^2+v^2)`.  Started at the sharp minimiser :math:`(4, 1/4)`,
label-noise SGD (Algorithm 1 of Damian, Ma & Lee) slides along the hyperbola
to the flat point :math:`|u|=|v|=1`, following gradient descent on the
regularised loss :math:`L+\\lambda R` with :math:`\\lambda=\\eta\\sigma^2/B`;
plain minibatch SGD, whose noise vanishes at every interpolating point, stays
where it started.  The right panel shows :math:`\\operatorname{tr}\\nabla^2L`
falling over the iterations, and the balance :math:`u^2-v^2` decaying
geometrically: faster with the step-dependent regulariser :math:`R_\\eta` than
with its small-step limit :math:`\\operatorname{tr}H/4`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.labelnoise import product_model, regularized_trajectory, simulate_label_noise_sgd
from fpesolve.labelnoise.regularizer import regularization_strength

x = np.array([0.5, 1.0, 1.5])
model = product_model(x, c=1.0)
m2 = np.mean(x ** 2)
eta, lam, B = 0.05, 0.03, 1
sigma = np.sqrt(lam * B / eta)
print(f"lambda = eta sigma^2 / B = {regularization_strength(eta, sigma, B):.4g}")
steps = int(np.ceil(8.0 / (eta * lam * m2)))  # balance u^2 - v^2 decays at least like exp(-eta lam m2 k)
start = np.array([4.0, 0.25])

sgd = simulate_label_noise_sgd(model, start, eta, sigma, steps, batch_size=B, n_walkers=8, rng=0, record_every=20)
plain = simulate_label_noise_sgd(model, start, eta, 0.0, steps, batch_size=B, n_walkers=1, rng=0, record_every=20)
flow = regularized_trajectory(model, start, eta, lam, steps, record_every=20)
flow0 = regularized_trajectory(model, start, eta, lam, steps, record_every=20, regularizer_eta=0.0)
print(sgd.summary())
print(flow.summary())
print("stationary point of L + lambda R:", model.stationary_point(np.array([1.0, 1.0]), eta, lam).theta)

# %%
fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 4))
u = np.linspace(0.2, 4.3, 400)
ax1.plot(u, 1 / u, color="0.6", lw=1, label="minimisers $uv=1$")
for j in range(sgd.n_walkers):
    ax1.plot(sgd.theta[:, j, 0], sgd.theta[:, j, 1], lw=0.4, alpha=0.6, color="C0",
             label="label-noise SGD" if j == 0 else None)
ax1.plot(flow.theta[:, 0], flow.theta[:, 1], color="C3", lw=2, label=r"GD on $L+\lambda R_\eta$")
ax1.plot(flow0.theta[:, 0], flow0.theta[:, 1], "k--", lw=1, label=r"GD on $L+\lambda\,\mathrm{tr}H/4$")
ax1.plot(*plain.final_theta[0], "ks", ms=7, mfc="none", label="plain SGD (does not move)")
ax1.set(xlabel="$u$", ylabel="$v$", xlim=(0, 4.3), ylim=(0, 2.0), title="paths from the sharp minimiser")
ax1.legend(fontsize=7)

k = sgd.iterations
ax2.plot(k, sgd.trace_hessian, color="C0", lw=0.4, alpha=0.5)
ax2.plot(k, np.median(sgd.trace_hessian, axis=1), color="C0", lw=2, label="label-noise SGD (median)")
ax2.plot(flow.iterations, flow.trace_hessian, color="C3", lw=2, label=r"GD on $L+\lambda R_\eta$")
ax2.plot(plain.iterations, plain.trace_hessian[:, 0], "k:", label="plain SGD")
ax2.axhline(2 * m2, color="0.5", lw=0.8, label=r"flattest: $2m_2$")
ax2.set(xlabel="iteration $k$", ylabel=r"$\mathrm{tr}\,\nabla^2L$", title="sharpness falls")
ax2.legend(fontsize=7)

balance = sgd.theta[:, :, 0] ** 2 - sgd.theta[:, :, 1] ** 2
ax3.semilogy(k, np.exp(np.mean(np.log(balance), axis=1)), color="C0", lw=2, label="SGD (geometric mean)")
ax3.semilogy(flow.iterations, flow.theta[:, 0] ** 2 - flow.theta[:, 1] ** 2, color="C3", label=r"$R_\eta$")
ax3.semilogy(flow0.iterations, flow0.theta[:, 0] ** 2 - flow0.theta[:, 1] ** 2, "k--", label=r"$\mathrm{tr}H/4$")
ax3.semilogy(k, balance[0, 0] * np.exp(-eta * lam * m2 * k), "k:", lw=0.8, label=r"$e^{-\eta\lambda m_2 k}$")
ax3.set(xlabel="iteration $k$", ylabel="$u^2-v^2$", title="balance decays geometrically")
ax3.legend(fontsize=7)
fig.tight_layout()
