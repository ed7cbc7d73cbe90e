r"""
How the paper's numbers depend on the noise profile (F1, F4)
============================================================

The failure-modes paper gives the noise :math:`\Sigma` only at the two wells.
Its barriers :math:`\Delta V/\Sigma_k` are what :math:`\int_{\theta_k}^{\theta_s}
L'/\Sigma` becomes when :math:`\Sigma` stays at :math:`\Sigma_k` all the way to the
saddle, the construction's default (``noise_profile="tanh"``: a narrow tanh
step of :math:`\sqrt\Sigma` at the saddle).  Moving or widening the step, or
using fpesolve 0.1's algebraic sigmoid, keeps the paper's :math:`\Sigma_A,
\Sigma_B, H_A, H_B` and barrier but moves the exact values:

* F1's escape time from B can only grow (the paper's :math:`10^{1087.7}` is
  the lower end): :math:`\Sigma \le 8` between B and the saddle;
* F4's rate :math:`\eta\ln(\tau_A/\tau_B)` can only move from -19 toward 0,
  but stays negative: the reversal is robust, its rate is not.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.core.passage import escape_times, mean_first_passage_time
from fpesolve.failure_modes.constructions import construction

widths = np.array([0.01, 0.03, 0.1, 0.3, 1.0])          # in units of the saddle length sqrt(2 DeltaV/|L''|)
f1_values, f4_values = [], []
for w in widths:
    f1 = construction("f1", switch_width=w * construction("f1").parameters["saddle_length"])
    f1_values.append(mean_first_passage_time(f1, 0.01, f1.wells["B"], f1.wells["A"]).log10_iterations)
    f4 = construction("f4", switch_width=w * construction("f4").parameters["saddle_length"])
    esc = escape_times(f4, 0.1)
    t_ab = next(e for e in esc.escapes if e.source.x < e.destination.x).exact
    t_ba = next(e for e in esc.escapes if e.source.x > e.destination.x).exact
    f4_values.append(0.1 * (t_ab.log_time - t_ba.log_time))
for w, a, b in zip(widths, f1_values, f4_values):
    print(f"width {w:5.2f} l_s: F1 log10 escape from B {a:9.3f} (paper 1087.74); F4 eta ln(tau_A/tau_B) {b:+.3f} "
          f"(paper -19)")

# %%
sigmoid = construction("f1", noise_profile="sigmoid")
print("sigmoid profile, F1:", mean_first_passage_time(sigmoid, 0.01, sigmoid.wells["B"],
                                                        sigmoid.wells["A"]).log10_iterations)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.semilogx(widths, np.array(f1_values) - (2 + 2500 / np.log(10)), "o-")
ax1.set_xlabel("switch width / saddle length")
ax1.set_ylabel("log10 escape from B minus the paper's 1087.74")
ax1.set_title("F1 at eta = 0.01")
ax2.semilogx(widths, f4_values, "o-", color="tab:orange")
ax2.axhline(-19, color="k", ls="--", lw=1, label="paper: -19")
ax2.set_xlabel("switch width / saddle length")
ax2.set_ylabel("eta ln(tau_A / tau_B)")
ax2.set_title("F4 at eta = 0.1")
ax2.legend()
fig.tight_layout()
