"""
A parameter sweep: the N1–N4 phase diagram over the learning rate
=================================================================

SGD's implicit regularisation needs four conditions at once (*When Does SGD
Fail to Find Good Solutions? Four Failure Modes and Necessary Conditions for
Implicit Regularization*): N1 the dynamics mix within the training budget,
N2 the iteration is stable, N3 the noise-to-curvature ratios
:math:`\\Sigma/H` differ between minima, N4 the noise is aligned with the
generalisation gap.  Small learning rates break N1, large ones break N2.

This example computes the conditions for the double well
:math:`L = \\theta^4/4 - \\theta^2/2`, :math:`\\Sigma = 1 + \\tfrac12\\tanh 2\\theta`,
over a grid of :math:`\\eta` with :func:`fpesolve.apps.sweep.sweep`, and draws the
phase diagram with :func:`fpesolve.apps.plotting.plot_phase_diagram`.

* **N1** from the Fokker–Planck equation itself: start SGD at the disfavoured
  (right) minimum, evolve to the continuous time :math:`t = \\eta T` reached by
  :math:`T = 2000` iterations, and require a total-variation distance below
  0.1 from the stationary law.
* **N2** from the top Lyapunov exponent of SGD linearised at a minimum,
  :math:`\\Lambda = E\\log|1 - \\eta h_z|`, for an illustrative model in which
  the curvature :math:`H = 2` is the mean of two per-sample curvatures 3.5 and
  0.5.  The sufficient bound :math:`\\eta < 2/\\lambda_{\\max}` is shown as a
  separate row: it is stricter than the threshold :math:`\\Lambda = 0`.
* **N3** from :math:`\\Sigma/H` at the two minima (independent of :math:`\\eta`).
* **N4** needs test losses, which this landscape does not have: not evaluated.
"""

# %%
# One grid point
# --------------
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import matplotlib.pyplot as plt

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.apps.plotting import plot_phase_diagram
from fpesolve.apps.sweep import sweep

double_well = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                        domain=(-2.5, 2.5), loss=lambda x: x**4 / 4 - x**2 / 2, name="double well")
PER_SAMPLE_CURVATURES = np.array([3.5, 0.5])  # illustrative; their mean is L''(+-1) = 2
ITERATIONS = 2000


def conditions_at(eta):
    fp = FokkerPlanck(double_well, eta=eta, grid=160)
    t = eta * ITERATIONS  # continuous time reached by ITERATIONS steps of SGD
    p = fp.evolve(fp.point_mass(1.0), [t]).densities[-1]     # exact in time (contour)
    tv = 0.5 * np.abs(p - fp.stationary()) @ fp.grid.widths
    lyapunov = np.mean(np.log(np.abs(1.0 - eta * PER_SAMPLE_CURVATURES)))
    ratios = [cp.sigma_over_hess for cp in double_well.minima()]
    return {"tv_left": tv, "lyapunov": lyapunov,
            "N1": bool(tv < 0.1),
            "N2": bool(lyapunov < 0.0),
            "N2 bound": bool(eta < 2.0 / PER_SAMPLE_CURVATURES.max()),
            "N3": bool(abs(ratios[0] - ratios[1]) > 0.05 * max(ratios))}


# %%
# The sweep
# ---------
# The default executor is a local process pool, which needs a function
# defined in an importable module.  A thread pool runs this script's own
# function; on a cluster pass ``executor=client.get_executor()`` of a
# ``dask.distributed.Client`` — nothing else changes.  A negative ``eta`` is
# included on purpose: it fails, and appears as a failed row.
etas = np.geomspace(0.03, 1.2, 14)
with ThreadPoolExecutor(max_workers=2) as pool:
    result = sweep(conditions_at, {"eta": [-0.1] + list(etas)}, executor=pool, progress=False)
print(result.summary())

ok = [row for row in result.to_records() if row["status"] == "ok"]
eta_ok = np.array([row["eta"] for row in ok])
conditions = {
    "N1 mixing (TV < 0.1)": [row["N1"] for row in ok],
    "N2 stability (Λ < 0)": [row["N2"] for row in ok],
    "N2 bound η < 2/λmax": [row["N2 bound"] for row in ok],
    "N3 selection (Σ/H differ)": [row["N3"] for row in ok],
    "N4 alignment": [None] * len(ok),
}
fig, ax = plot_phase_diagram(eta_ok, conditions)
fig.tight_layout()

# %%
# The numbers behind the diagram
# ------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
ax1.loglog(eta_ok, [row["tv_left"] for row in ok], "o-")
ax1.axhline(0.1, color="grey", linestyle="--")
ax1.set_xlabel(r"$\eta$")
ax1.set_ylabel(r"TV distance at $t = \eta T$")
ax2.semilogx(eta_ok, [row["lyapunov"] for row in ok], "o-")
ax2.axhline(0.0, color="grey", linestyle="--")
ax2.axvline(2.0 / PER_SAMPLE_CURVATURES.max(), color="C3", linestyle=":", label=r"$2/\lambda_{\max}$")
ax2.set_xlabel(r"$\eta$")
ax2.set_ylabel(r"Lyapunov exponent $\Lambda$")
ax2.legend()
fig.tight_layout()
