r"""
Escape times and insufficient mixing (failure mode F1)
======================================================

The failure-modes paper's F1: a good well A (:math:`H_A = 2`,
:math:`\Sigma_A = 1`) and a bad well B (:math:`H_B = 8`, :math:`\Sigma_B = 8`)
with a barrier of 100 in the loss; SGD starts in B with :math:`\eta = 0.01`
and runs :math:`T = 10^6` iterations.  The paper estimates the escape time
from B to leading order as :math:`\eta^{-1}\exp(2\Delta V/(\Sigma_B\eta))`
iterations, about :math:`10^{1087.7}` at :math:`\eta = 0.01`.

The paper gives :math:`\Sigma` only at the wells and reads the barrier as
:math:`\Delta V/\Sigma_B`, i.e. :math:`\Sigma` held at 8 from B to the saddle;
the construction does exactly that (a narrow tanh step of :math:`\sqrt\Sigma`
at the saddle).  The exact mean first-passage time (a 1D quadrature in log
space) then lands within 0.03 decades of the paper's :math:`10^{1087.7}`: the
rest is the Kramers prefactor.  With fpesolve 0.1's sigmoid profile
(``noise_profile="sigmoid"``), :math:`\Sigma` falls from 8 towards 1 along the
way and the escape time is :math:`10^{1194}` — the paper's number is the lower
end over profiles.  Either way :math:`\eta T = 10^4` units of continuous time
is nowhere near the mixing time: N1 fails, and where SGD ends up is decided by
where it starts.
"""

# %%
# The construction and its exact escape times at the paper's learning rate.
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.failure_modes.constructions import construction
from fpesolve.failure_modes.n1_mixing import check_n1
from fpesolve.core.passage import escape_times, kramers_time, mean_first_passage_time

f1 = construction("f1")
theta_a, theta_b = f1.wells["A"], f1.wells["B"]
print(f1.summary())
print(escape_times(f1, f1.eta).summary())

# %%
# Escape iterations from B (to A) against the learning rate, in log10:
# exact (``T / eta`` iterations), Eyring–Kramers, and the paper's leading order.
etas = np.logspace(-2, 0, 17)
exact = np.array([mean_first_passage_time(f1, eta, theta_b, theta_a).log10_iterations for eta in etas])
kramers = np.array([kramers_time(f1, eta, theta_b, theta_a).log10_iterations for eta in etas])
barrier, sigma_b = f1.parameters["barrier"], f1.parameters["Sigma_B"]
paper = -np.log10(etas) + (2 * barrier / (sigma_b * etas)) / np.log(10)
sigmoid = construction("f1", noise_profile="sigmoid")
old = np.array([mean_first_passage_time(sigmoid, eta, theta_b, theta_a).log10_iterations for eta in etas])
for eta, e, k, p in zip(etas[::4], exact[::4], kramers[::4], paper[::4]):
    print(f"eta = {eta:7.4f}: log10 iterations exact {e:10.3f}, Kramers {k:10.3f}, paper {p:10.3f}")

# %%
# The N1 verdict at the paper's setting: start in B, ``T = 10^6`` iterations.
n1 = check_n1(f1, f1.eta, f1.n_iterations, init=theta_b)
print(n1.summary())

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(np.log10(etas), exact, "o-", label="exact MFPT B -> A (tanh step at the saddle)")
ax1.plot(np.log10(etas), old, "s-", ms=3, label="exact, sigmoid profile (0.1)")
ax1.plot(np.log10(etas), kramers, "--", label="Eyring–Kramers")
ax1.plot(np.log10(etas), paper, ":", color="k", label=r"paper: $\eta^{-1}e^{2\Delta V/(\Sigma_B\eta)}$")
ax1.axhline(np.log10(f1.n_iterations), color="tab:red", lw=1, label="T = 10^6 iterations")
ax1.set_xlabel(r"$\log_{10}\eta$")
ax1.set_ylabel(r"$\log_{10}$ escape iterations")
ax1.set_title("F1: escape from the bad well B")
ax1.legend(fontsize=8)
ax2.plot(np.log10(etas), exact - paper, "o-", label="tanh step at the saddle")
ax2.plot(np.log10(etas), old - paper, "s-", ms=3, label="sigmoid profile")
ax2.set_yscale("symlog", linthresh=0.1)
ax2.set_xlabel(r"$\log_{10}\eta$")
ax2.set_ylabel(r"$\log_{10}$(exact / paper)")
ax2.set_title("faithful profile: the paper's number to the prefactor")
ax2.legend(fontsize=8)
fig.tight_layout()
