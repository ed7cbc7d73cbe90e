"""Figures of :func:`fpesolve.apps.reproduce_label_noise.reproduce_label_noise` (matplotlib, imported on demand).

Each function takes the computed results and a directory, writes one PNG and
returns its path (``None`` when ``out`` is ``None``).
"""

from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np

__all__ = ["large_step_figure", "coupling_figure", "stationarity_figure", "momentum_figure", "label_flip_figure",
           "cycling_figure"]


def _figure(ncols: int, width: float = 5.2):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, 4.0), layout="constrained")
    return fig, fig.subplots(1, ncols)


def _save(fig, out: Optional[str], name: str) -> Optional[str]:
    if out is None:
        return None
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    fig.savefig(path, dpi=100)
    return path


def large_step_figure(limit, out: Optional[str], name: str = "ln_large_step.png") -> Optional[str]:
    """Left: r(h)/(h/4) against eta*h (Figure 1).  Right: R/log(2/nu) against 1/log(2/nu) (Section 6.1).

    Parameters
    ----------
    limit : LargeStepLimit
        From :func:`~fpesolve.labelnoise.large_step_limit`.
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import large_step_limit
    >>> limit = large_step_limit([3.0, 1.0, 0.5], [1e-1, 1e-3, 1e-6])
    >>> large_step_figure(limit, None) is None
    True
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(large_step_figure(limit, out))
    'ln_large_step.png'
    """
    if out is None:
        return None
    fig, (a, b) = _figure(2)
    x = np.linspace(1e-3, 1.999, 400)                 # eta h
    a.plot(x, -np.log1p(-x / 2) / (x / 2), color="C0")
    a.axhline(1.0, color="0.5", lw=0.8, ls="--", label="small-step limit tr H / 4")
    a.set(xlabel=r"$\eta h$", ylabel=r"$r(h)\,/\,(h/4)$", yscale="log",
          title="per-eigenvalue regulariser: larger eigenvalues penalised more")
    a.legend(fontsize=8)
    inv = 1.0 / np.log(2.0 / limit.nu)
    b.plot(inv, limit.normalized, "o-", color="C0", label=r"$R/\log(2/\nu)$ (exact)")
    b.plot(inv, limit.limit + limit.correction * inv, "k--", lw=1,
           label=rf"$m_1\lambda_1/4 + c/\log(2/\nu)$, $c={limit.correction:.3g}$")
    b.axhline(limit.limit, color="C2", lw=1.2, label=rf"exact limit $\lambda_1/4={limit.limit:.3g}$")
    b.axhline(limit.spectral_norm, color="C3", lw=1.2, ls=":", label=rf"paper: $\|\nabla^2L\|_2={limit.spectral_norm:.3g}$")
    b.set(xlabel=r"$1/\log(2/\nu)$", ylabel=r"$R/\log(2/\nu)$", xlim=(0, None),
          title=r"$\eta=(2-\nu)/\lambda_1$, $\nu\to0$")
    b.legend(fontsize=8)
    return _save(fig, out, name)


def coupling_figure(couplings: Sequence, lams: Sequence[float], out: Optional[str],
                    name: str = "ln_coupling.png") -> Optional[str]:
    """Left: median max residual and norm of xi against lambda.  Right: walker mean against the regularised paths.

    Parameters
    ----------
    couplings : sequence of LabelNoiseCoupling
        One per :math:`\\lambda`, each with the ``"R_S"`` path (the last one is drawn on the right).
    lams : sequence of float
        Their :math:`\\lambda=\\eta\\sigma^2/B`.
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import couple_label_noise_sgd, product_model
    >>> cs = [couple_label_noise_sgd(product_model(), [2.0, 0.5], 0.05, s, 50, batch_size=3, replacement=False,
    ...                              n_walkers=4, record_every=25, paths=("R_S", "none"), rng=0) for s in (0.1, 0.2)]
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(coupling_figure(cs, [c.lam for c in cs], out))
    'ln_coupling.png'
    """
    if out is None:
        return None
    fig, (a, b) = _figure(2)
    i = couplings[0].path_names.index("R_S")
    res = [np.median(c.residual[i].max(axis=0)) for c in couplings]
    xi = [np.median(c.xi_norm.max(axis=0)) for c in couplings]
    a.loglog(lams, xi, "o-", label=r"$\max_k\|\xi_k\|$ (median)")
    a.loglog(lams, res, "s-", label=r"$\max_k\|\theta_k-\xi_k-\Phi^S_k\|$ (median)")
    lam = np.array(lams)
    a.loglog(lam, res[0] * (lam / lam[0]) ** 0.75, "k:", lw=1, label=r"$\propto\lambda^{3/4}$ (Prop. 5's $D$)")
    a.set(xlabel=r"$\lambda=\eta\sigma^2/B$", ylabel="distance", title="coupling residual (full batch)")
    a.legend(fontsize=8)
    c = couplings[-1]
    mean = c.theta.mean(axis=1)
    b.plot(mean[:, 0], mean[:, 1], "k.-", lw=1.5, label="mean of SGD walkers")
    for p, nm in enumerate(c.path_names):
        b.plot(c.paths[p, :, 0], c.paths[p, :, 1], lw=1.2, label={"R_S": r"$\Phi^S$: $L+\frac{1}{2}R_S$",
                                                                "R": r"$\Phi$: $L+\lambda R$",
                                                                "none": "GD on $L$ (stays)",
                                                                "paper R_S": r"literal $L+\lambda R_S$"}[nm])
    b.set(xlabel="$u$", ylabel="$v$", title=f"lambda = {c.lam:.3g}: the mean follows Phi^S")
    b.legend(fontsize=8)
    return _save(fig, out, name)


def stationarity_figure(run, check, out: Optional[str], name: str = "ln_stationarity.png") -> Optional[str]:
    """Gradient norm of f at the best witness along the run, with the first stationary iteration.

    Left: :math:`\\|\\nabla(L/\\lambda+R)\\|` at the iterate and at the best
    witness within :math:`\\gamma`, per walker.  Right: :math:`\\operatorname{tr}\\nabla^2L`
    along the runs.

    Parameters
    ----------
    run : LabelNoiseSGDResult
        The simulated runs.
    check : StationarityCheck
        :func:`~fpesolve.labelnoise.check_stationarity` of ``run``.
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import check_stationarity, product_model, simulate_label_noise_sgd
    >>> m = product_model()
    >>> run = simulate_label_noise_sgd(m, [2.0, 0.5], 0.1, 0.5, 200, n_walkers=2, record_every=100, rng=0)
    >>> check = check_stationarity(m, run, eps=0.5, gamma=0.3)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(stationarity_figure(run, check, out))
    'ln_stationarity.png'
    """
    if out is None:
        return None
    fig, (a, b) = _figure(2)
    k = run.iterations
    for w in range(run.n_walkers):
        ev = check.evaluated[:, w]
        if not ev.any():
            continue
        a.semilogy(k[ev], check.gradient_norm[ev, w], lw=0.8, color=f"C{w}", alpha=0.6,
                   label="at the iterate" if w == 0 else None)
        a.semilogy(k[ev], np.minimum(check.witness_gradient_norm[ev, w], 1e6), lw=1.5, color=f"C{w}",
                   label="best point within gamma" if w == 0 else None)
        if check.first_iteration[w] >= 0:
            a.axvline(check.first_iteration[w], color=f"C{w}", ls="--", lw=1)
    a.axhline(check.eps, color="k", lw=1, label=rf"$\epsilon={check.eps:.3g}$")
    a.set(xlabel="iteration $k$", ylabel=r"$\|\nabla(L/\lambda+R)\|$",
          title=r"$(\epsilon,\gamma)$-stationarity (dashed: first iteration)")
    a.legend(fontsize=8)
    b.plot(k, run.trace_hessian, lw=0.8)
    b.set(xlabel="iteration $k$", ylabel=r"tr $\nabla^2L$", title="sharpness along the runs")
    return _save(fig, out, name)


def momentum_figure(check, out: Optional[str], name: str = "ln_momentum.png") -> Optional[str]:
    """Simulated mean shift with its error bar beside the derived, printed and tr H / 4 predictions.

    Parameters
    ----------
    check : MomentumSignCheck
        From :func:`~fpesolve.labelnoise.momentum_sign_check` (the first coordinate is drawn).
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import momentum_sign_check
    >>> check = momentum_sign_check(n_walkers=50, n_iterations=500)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(momentum_figure(check, out))
    'ln_momentum.png'
    """
    if out is None:
        return None
    fig, a = _figure(1, 6.0)
    labels = ["SGD (heavy ball)", "derived R (minus sign)", "Eq. (6) as printed (plus)", "tr H / 4"]
    vals = [check.simulated_shift[0], check.derived_shift[0], check.printed_shift[0], check.trace_shift[0]]
    a.bar(range(4), vals, color=["0.3", "C2", "C3", "C0"], yerr=[5 * check.standard_error[0], 0, 0, 0], capsize=4)
    a.axhline(0, color="k", lw=0.8)
    a.set_xticks(range(4))
    a.set_xticklabels(labels, fontsize=8)
    a.set(ylabel=r"$\mathrm{E}\,\theta-\theta^*$",
          title=f"beta = {check.momentum:g}, eta h/(1+beta) = 1: the printed sign points the wrong way (bar: 5 SE)")
    return _save(fig, out, name)


def label_flip_figure(run, phi, phi0, out: Optional[str], name: str = "ln_label_flip.png") -> Optional[str]:
    """log(u^2 - v^2) of label-flip SGD against GD on L + (eta/B) R and on L + (eta/B) tr H / 4.

    Parameters
    ----------
    run : LabelFlipSGDResult
        Label-flip SGD on a two-parameter product model, with :math:`u^2 > v^2`.
    phi : RegularizedTrajectory
        Gradient descent on :math:`L+\\frac\\eta BR` from the same start.
    phi0 : RegularizedTrajectory
        The same with the small-step regulariser (``regularizer_eta=0``).
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import (flip_minimizer_logit, logistic_product_model, regularized_trajectory,
    ...                                  simulate_label_flip_sgd)
    >>> m, start = logistic_product_model(0.2), [3.0, flip_minimizer_logit(0.2) / 3.0]
    >>> run = simulate_label_flip_sgd(m, start, 0.5, 200, n_walkers=4, record_every=20, rng=0)
    >>> phi = regularized_trajectory(m, start, 0.5, 0.5, 200, record_every=20)
    >>> phi0 = regularized_trajectory(m, start, 0.5, 0.5, 200, record_every=20, regularizer_eta=0.0)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(label_flip_figure(run, phi, phi0, out))
    'ln_label_flip.png'
    """
    if out is None:
        return None
    fig, a = _figure(1, 6.0)
    D = np.log(run.theta[:, :, 0] ** 2 - run.theta[:, :, 1] ** 2)
    a.plot(run.iterations, D.mean(axis=1), "k", lw=2, label="label-flip SGD (mean of log)")
    a.plot(phi.iterations, np.log(phi.theta[:, 0] ** 2 - phi.theta[:, 1] ** 2), "C2--", label=r"GD on $L+\frac{\eta}{B}R$")
    a.plot(phi0.iterations, np.log(phi0.theta[:, 0] ** 2 - phi0.theta[:, 1] ** 2), "C0:",
           label=r"GD on $L+\frac{\eta}{B}\,\mathrm{tr}H/4$")
    a.set(xlabel="iteration $k$", ylabel=r"$\log(u^2-v^2)$",
          title=f"cross entropy, flip p = {run.flip_probability:g}, eta = {run.eta:g}, B = {run.batch_size}")
    a.legend(fontsize=8)
    return _save(fig, out, name)


def cycling_figure(res, out: Optional[str], name: str = "ln_cycling.png") -> Optional[str]:
    """Angle against iterations: SGD, the prediction, frozen and re-anchored Phi^S.

    Parameters
    ----------
    res : CyclingResult
        From :func:`~fpesolve.labelnoise.simulate_cycling`.
    out : str or None
        Output directory (created if missing); ``None`` draws nothing.
    name : str
        The PNG file name.

    Returns
    -------
    str or None
        The path written (100 dpi).

    Examples
    --------
    >>> import os, tempfile
    >>> from fpesolve.labelnoise import simulate_cycling
    >>> res = simulate_cycling(0.2, 300, n_walkers=10, rng=0)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     os.path.basename(cycling_figure(res, out))
    'ln_cycling.png'
    """
    if out is None:
        return None
    fig, a = _figure(1, 6.4)
    k = res.iterations
    mean, sd = res.angle.mean(axis=1), res.angle.std(axis=1)
    a.fill_between(k, mean - sd, mean + sd, color="0.8", label="SGD walkers (mean +- sd)")
    a.plot(k, mean, "k", lw=2)
    a.plot(k, res.predicted_rate * k, "C3--", label=r"predicted $\omega k$, $\omega=\eta\,\mathrm{tr}(S_uKA)$")
    a.plot(k, res.moving_angle, "C2", label=r"$\Phi^S$, reference point moving")
    a.plot(k, res.frozen_angle, "C0", label=r"$\Phi^S$, $S$ frozen (a fixed potential)")
    for turn in range(1, int(np.ceil(max(mean.max(), 0.0) / (2 * np.pi))) + 1):
        a.axhline(2 * np.pi * turn, color="0.6", lw=0.6, ls=":")
    a.set(xlabel="iteration $k$", ylabel=r"angle $\varphi$ on the circle of minimisers (rad)",
          title="minibatch SGD cycles forever (dotted: full turns)")
    a.legend(fontsize=8)
    return _save(fig, out, name)
