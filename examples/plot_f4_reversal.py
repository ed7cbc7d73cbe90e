r"""
Noise–generalisation reversal (failure mode F4)
===============================================

The failure-modes paper's F4: two minima with the same loss 0.1 and the same
curvature :math:`H = 2`, but the good well A (small generalisation gap) is
the noisy one, :math:`\Sigma_A = 20`, and the bad well B is quiet,
:math:`\Sigma_B = 1`; the barrier in ``L`` is 10.  SGD prefers low noise, so
it settles in the bad well: N4 (noise aligned with the generalisation gap)
fails.

The paper reads the effective barriers as :math:`\Delta U_k = \Delta V/\Sigma_k`,
i.e. 0.5 from A and 10 from B: :math:`\Sigma` held at :math:`\Sigma_k` from each
well to the saddle, which is how the construction switches its noise (a narrow
tanh step at the saddle).  The exact barriers
:math:`\int_{\theta_k}^{\theta_s} L'/\Sigma` are the paper's to ~1e-4, and the
exact :math:`\eta\ln(\tau_A/\tau_B)` is -19.3, -19.1, -19.1 at
:math:`\eta = 0.2, 0.1, 0.05` against the paper's -19.

SGD started in A at :math:`\eta = 0.2`: with Gaussian gradient noise of the
same variance it empties A on the time scale of the exact Fokker–Planck
escape time (slightly faster, an :math:`O(\eta)` effect); real two-sample
minibatch SGD, whose noise is a bounded two-point kick :math:`\pm\eta s`,
escapes about three times more slowly at this large :math:`\eta` — the
diffusion approximation sees only the noise variance.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.failure_modes.constructions import construction
from fpesolve.core.passage import basin_probabilities, escape_times, mean_first_passage_time
from fpesolve.apps.plotting import plot_potential
from fpesolve.sgd.ensemble import simulate_sgd
from fpesolve.core.stationary import drift_integral

f4 = construction("f4")
eta = f4.eta
theta_a, theta_b = f4.wells["A"], f4.wells["B"]
saddle = f4.saddles()[0].x
i_a, i_s, i_b = drift_integral(f4, np.array([theta_a, saddle, theta_b]))
print(f"exact Delta U_A = int_A^s L'/Sigma = {i_s - i_a:.6f}   (paper: {f4.paper_claims['Delta U_A (barrier/Sigma_A)']})")
print(f"exact Delta U_B = int_B^s L'/Sigma = {i_s - i_b:.6f}   (paper: {f4.paper_claims['Delta U_B (barrier/Sigma_B)']})")
escapes = escape_times(f4, eta)
print(escapes.summary())

# %%
# N4 as the package's checker reports it (gaps from the construction's test loss).
from fpesolve.failure_modes import check_n4  # noqa: E402

print(check_n4(f4).summary())

# %%
# SGD occupancy of well A, 2000 walkers started there: real minibatch SGD and SGD with
# Gaussian noise of the same variance.
record = [0, 1000, 2000, 4000, 7000, 10_000]
occupancy = {}
for noise in ("samples", "gaussian"):
    ens = simulate_sgd(f4, eta, record[-1], 2000, "A", record_at=record, noise=noise, rng=4)
    occupancy[noise] = ens.occupancy[:, 0] / ens.n_walkers
# metastable relaxation: the fraction in A decays like exp(-t / T_AB) with T_AB the exact mean
# first-passage time in iterations (pi(A) ~ 1e-23 is negligible)
t_ab = mean_first_passage_time(f4, eta, theta_a, theta_b).iterations
predicted = np.exp(-np.asarray(record) / t_ab)
print(f"exact mean first passage A -> B: {t_ab:.0f} iterations")
for step, real, gauss, want in zip(record, occupancy["samples"], occupancy["gaussian"], predicted):
    print(f"iteration {step:6d}: fraction in A: minibatch SGD {real:.3f}, Gaussian-noise SGD {gauss:.3f}, "
          f"exp(-t/T_AB) {want:.3f}")
print("exact stationary basin probabilities:", basin_probabilities(f4, eta))

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
plot_potential(f4, [eta, 0.05], ax=ax1)
ax1.set_title(f"F4: exact barriers {i_s - i_a:.2f} (A) and {i_s - i_b:.2f} (B)\npaper: 0.5 and 10", fontsize=9)
ax2.plot(record, occupancy["samples"], "o-", label="minibatch SGD")
ax2.plot(record, occupancy["gaussian"], "s-", label="SGD with Gaussian noise")
tt = np.linspace(0, record[-1], 200)
ax2.plot(tt, np.exp(-tt / t_ab), color="k", ls=":", lw=1, label=r"$e^{-t/T_{AB}}$, exact $T_{AB}$")
ax2.set_xlabel("SGD iteration")
ax2.set_ylabel("fraction of walkers in A (good well)")
ax2.set_title(f"eta = {eta}: SGD leaves the good well", fontsize=9)
ax2.legend(fontsize=8)
fig.tight_layout()
