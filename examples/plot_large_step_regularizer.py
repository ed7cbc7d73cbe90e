"""
The regulariser at the largest learning rates (Section 6.1)
===========================================================

With :math:`\\eta=(2-\\nu)/\\lambda_1`, :math:`R/\\log(2/\\nu)` tends to
:math:`\\lambda_1/4` — a quarter of the paper's :math:`\\|\\nabla^2L\\|_2`, the
same factor as in :math:`R\\to\\operatorname{tr}\\nabla^2L/4` at small
:math:`\\eta` — with the correction :math:`c/\\log(2/\\nu)`,
:math:`c=-\\frac{\\lambda_1}4\\sum_{\\lambda_i<\\lambda_1}\\log(1-\\lambda_i/\\lambda_1)`:
a straight line in :math:`1/\\log(2/\\nu)`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from fpesolve.labelnoise import large_step_limit

res = large_step_limit([3.0, 1.0, 0.5], np.logspace(-0.5, -40, 60))
print(res.summary())
inv = 1 / np.log(2 / res.nu)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(inv, res.normalized, "o", ms=3, label=r"$R/\log(2/\nu)$")
ax.plot(inv, res.limit + res.correction * inv, "k--", label=r"$\lambda_1/4+c/\log(2/\nu)$")
ax.axhline(res.spectral_norm, color="C3", ls=":", label=r"paper: $\|\nabla^2L\|_2$")
ax.set(xlabel=r"$1/\log(2/\nu)$", ylabel=r"$R/\log(2/\nu)$", xlim=(0, None))
ax.legend()
fig.tight_layout()
