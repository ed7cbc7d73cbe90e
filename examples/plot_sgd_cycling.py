"""
Minibatch SGD that cycles forever (Appendix F.2, fpesolve's construction)
=========================================================================

Four parameters, a circle of minimisers whose Hessian eigenframe twists once
around the normal plane, and minibatch noise that does not commute with the
Hessian: the drift :math:`-\\frac\\eta2\\nabla^3L[S]` along the circle is a
constant :math:`\\omega=\\eta\\operatorname{tr}(S_uKA)`, a field with non-zero
circulation — no fixed potential.  SGD goes round and round; gradient descent
on :math:`R_S` with :math:`S` frozen at the start stops; moving the reference
point along (Section 3.2) turns like SGD.
"""

# %%
import matplotlib.pyplot as plt

from fpesolve.labelnoise import simulate_cycling

res = simulate_cycling(0.2, 2500, n_walkers=100, rng=0)
print(res.summary())
k = res.iterations
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(k, res.angle, color="0.8", lw=0.3)
ax.plot(k, res.angle.mean(axis=1), "k", lw=2, label="SGD (mean of 100 walkers)")
ax.plot(k, res.predicted_rate * k, "C3--", label=r"$\omega k$")
ax.plot(k, res.moving_angle, "C2", label=r"$\Phi^S$, moving reference point")
ax.plot(k, res.frozen_angle, "C0", label=r"$\Phi^S$, $S$ frozen")
ax.set(xlabel="iteration $k$", ylabel="angle on the circle (rad)")
ax.legend()
fig.tight_layout()
