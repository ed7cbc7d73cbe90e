r"""The local coupling of Lemma 1 and Proposition 5: :math:`\theta_k=\Phi_k+\xi_k+r_k` with a small :math:`r_k`.

Started at a reference point :math:`\theta^*`, label-noise SGD is simulated
together with the Ornstein–Uhlenbeck process of Eq. (4) / Definition 3 driven
by **the same draws** (minibatch indices and label signs),

.. math::

    \xi_{k+1}=(I-\eta G(\theta^*))\xi_k+\epsilon^*_k,\qquad
    \epsilon^*_k=-\frac{\eta}{B}\sum_{i\in\mathcal B_k}\big(f_i(\theta^*)-y_i-\epsilon_i\big)\nabla f_i(\theta^*)
                 +\eta\nabla L(\theta^*),

(the label-noise part of the step evaluated at :math:`\theta^*`, plus the
minibatch noise there, which vanishes at a zero-loss point), and the
deterministic regularised paths :math:`\Phi_k` from :math:`\theta^*`:

``"R_S"``
    Proposition 5: gradient descent on :math:`L+\tfrac12\langle S,\nabla^2L\rangle`,
    :math:`S` the stationary covariance of :math:`\xi`
    (:meth:`~fpesolve.labelnoise.models.SquaredLossModel.fluctuation_covariance`).
``"R"``
    Lemma 1: gradient descent on :math:`L+\lambda R`, :math:`\lambda=\eta\sigma^2/B`.
``"none"``
    Plain gradient descent on :math:`L` (no regulariser): the control.
``"paper R_S"``
    Proposition 5 read literally, :math:`L+\lambda\langle S,\nabla^2L\rangle`
    (a factor :math:`2\lambda` weaker than ``"R_S"``).

The paper's claim is :math:`\|\theta_k-\xi_k-\Phi_k\|\le\mathscr D` with
:math:`\mathscr D=c\lambda^{3/4}\iota` (Proposition 5) or
:math:`c^{3/2}\lambda^{(1+\delta)/2}\sqrt\iota` (Lemma 1), for a "sufficiently
large" unspecified constant :math:`c` and :math:`k\le\mathscr T\propto1/(\eta\sqrt\lambda)`.
The constant cannot be tested; what can be is, **in the paper's scaling**
(:math:`\sigma` fixed, :math:`\lambda\to0` through :math:`\eta/B`; at fixed
:math:`\eta` and :math:`B=1` the minibatch noise at :math:`\theta_k\ne\theta^*`
is :math:`O(\sqrt{\eta\lambda})` and keeps the residual :math:`O(\sqrt\lambda)`), (i) that the residual is small
against the fluctuation :math:`\|\xi_k\|\sim\sqrt\lambda` and against the
movement of :math:`\Phi`, (ii) its exponent in :math:`\lambda`, and (iii) that
:math:`\mathrm E\,\theta_k=\Phi_k+\mathrm E\,r_k` (:math:`\mathrm E\,\xi_k=0`
exactly), i.e. the walker mean follows the right path and not the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple

import numpy as np

from .._util.progress import progress_bar
from .._util.random import RNGLike, as_generator
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from ._params import checked_label_noise_std, checked_noise_kind, checked_theta
from .models import SquaredLossModel
from .simulation import batch_draws, record_schedule
from .trajectory import covariance_regularized_trajectory, regularized_trajectory

__all__ = ["LabelNoiseCoupling", "couple_label_noise_sgd", "COUPLING_PATHS"]

#: the regularised paths the SGD path can be coupled to (see the module notes)
COUPLING_PATHS = ("R_S", "R", "none", "paper R_S")


@dataclass(frozen=True, repr=False, eq=False)
class LabelNoiseCoupling(Result):
    r"""Label-noise SGD, its fluctuation :math:`\xi` and the regularised paths :math:`\Phi`, on common records.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        The iterations of the records (0 and the last included).
    theta, xi : ndarray, shape ``(r, m, d)``
        SGD iterates and the coupled Ornstein–Uhlenbeck process.
    path_names : tuple of str
        Keys of :data:`COUPLING_PATHS`.
    paths : ndarray, shape ``(p, r, d)``
        The deterministic paths :math:`\Phi_k`.
    residual : ndarray, shape ``(p, r, m)``
        :math:`\|\theta_k-\xi_k-\Phi_k\|` per path and walker.
    xi_norm : ndarray, shape ``(r, m)``
        :math:`\|\xi_k\|`.
    movement : ndarray, shape ``(p, r)``
        :math:`\|\Phi_k-\theta^*\|`.
    mean_offset : ndarray, shape ``(p, r)``
        :math:`\|\bar\theta_k-\Phi_k\|`, :math:`\bar\theta_k` the walker mean.
    mean_standard_error : ndarray, shape ``(r,)``
        :math:`\sqrt{\operatorname{tr}\operatorname{Cov}(\theta_k)/m}`, the
        Monte Carlo standard error of :math:`\bar\theta_k` (as a length).
    reference : ndarray, shape ``(d,)``
        The reference point :math:`\theta^*=\theta_0`.
    S : ndarray, shape ``(d, d)``
        The fluctuation covariance at the reference point.
    eta, label_noise_std, lam : float
        The learning rate, :math:`\sigma`, and :math:`\lambda=\eta\sigma^2/B`.
    batch_size : int
        :math:`B`.
    noise : str
        ``"two-point"`` or ``"gaussian"``.
    model_name : str
        The model's ``name``.

    Examples
    --------
    Full-batch label noise (:math:`B=n=3` without replacement, so no
    minibatch noise) on the product model from :math:`\theta^*=(2, 1/2)`:
    the residual :math:`\|\theta_k-\xi_k-\Phi_k\|` to the ``"R_S"`` path is
    about a fortieth of the fluctuation :math:`\|\xi_k\|`, while the plain
    gradient-descent control (which does not move) misses by as much as the
    path moves:

    >>> from fpesolve.labelnoise import couple_label_noise_sgd, product_model
    >>> c = couple_label_noise_sgd(product_model(), [2.0, 0.5], 0.05, 0.2, 400, batch_size=3, replacement=False,
    ...                            n_walkers=8, record_every=100, rng=1, paths=("R_S", "none"))
    >>> c.path_names, c.residual.shape, round(c.lam, 7)
    (('R_S', 'none'), (2, 5, 8), 0.0006667)
    >>> bool(c.max_residual("R_S").max() < 0.1 * c.xi_norm.max() < c.max_residual("none").min())
    True
    """

    iterations: np.ndarray
    theta: np.ndarray
    xi: np.ndarray
    path_names: Tuple[str, ...]
    paths: np.ndarray
    residual: np.ndarray
    xi_norm: np.ndarray
    movement: np.ndarray
    mean_offset: np.ndarray
    mean_standard_error: np.ndarray
    reference: np.ndarray
    S: np.ndarray
    eta: float
    label_noise_std: float
    lam: float
    batch_size: int
    noise: str
    model_name: str = ""

    @property
    def n_walkers(self) -> int:
        """Number of walkers ``m``."""
        return self.theta.shape[1]

    def _index(self, path: str) -> int:
        if path not in self.path_names:
            raise ValueError(f"`path` must be one of {', '.join(repr(p) for p in self.path_names)}, got {path!r}")
        return self.path_names.index(path)

    def max_residual(self, path: str = "R_S") -> np.ndarray:
        r""":math:`\max_k\|\theta_k-\xi_k-\Phi_k\|` over the records, per walker.

        Parameters
        ----------
        path : str
            One of :attr:`path_names`.

        Returns
        -------
        ndarray, shape ``(m,)``
            The largest residual of each walker, in units of :math:`\theta`.

        Raises
        ------
        ValueError
            For a path that was not computed.
        """
        return self.residual[self._index(path)].max(axis=0)

    def table(self):
        """One row per path: the residual, the movement of the path, and the offset of the walker mean.

        Returns
        -------
        headers : tuple of str
            ``("path", "median max_k |theta-xi-Phi|", "max_k |Phi-theta*|",
            "final |mean theta - Phi|", "final SE of mean")``.
        rows : list of tuple
            One per path: its name, the median over walkers of the largest
            residual, the largest :math:`\\|\\Phi_k-\\theta^*\\|`, the final
            :math:`\\|\\bar\\theta_k-\\Phi_k\\|` and its Monte Carlo standard error.
        """
        headers = ("path", "median max_k |theta-xi-Phi|", "max_k |Phi-theta*|", "final |mean theta - Phi|",
                   "final SE of mean")
        rows = [(name, float(np.median(self.residual[p].max(axis=0))), float(self.movement[p].max()),
                 float(self.mean_offset[p, -1]), float(self.mean_standard_error[-1]))
                for p, name in enumerate(self.path_names)]
        return headers, rows

    def summary(self) -> str:
        """The run's settings, :math:`\\|\\xi\\|` beside :math:`\\lambda^{3/4}`, and the :meth:`table`.

        Returns
        -------
        str
            A headline, then one line per path.
        """
        head = (f"coupling of label-noise SGD on {self.model_name!r} ({self.n_walkers} walkers x "
                f"{int(self.iterations[-1])} iterations, eta={self.eta:g}, label_noise_std={self.label_noise_std:g}, "
                f"B={self.batch_size}, lambda={self.lam:.4g}); median max |xi| = "
                f"{float(np.median(self.xi_norm.max(axis=0))):.4g}, lambda^(3/4) = {self.lam ** 0.75:.4g}")
        headers, rows = self.table()
        lines = [head, "  " + " | ".join(headers)]
        lines += ["  " + " | ".join([r[0]] + [f"{v:.4g}" for v in r[1:]]) for r in rows]
        return "\n".join(lines)


def couple_label_noise_sgd(model: SquaredLossModel, reference, eta: float, label_noise_std: float,
                           n_iterations: int, *, batch_size: int = 1, replacement: bool = True, n_walkers: int = 1,
                           noise: str = "two-point", record_every: int = 1, paths: Sequence[str] = COUPLING_PATHS,
                           rng: RNGLike = None, progress=None) -> LabelNoiseCoupling:
    r"""Simulate label-noise SGD from ``reference`` together with :math:`\xi` (same draws) and the paths :math:`\Phi`.

    Parameters
    ----------
    model : SquaredLossModel
        The regression model.
    reference : array_like, shape ``(d,)``
        :math:`\theta^*=\theta_0` (the paper starts at a minimiser of :math:`L`).
    eta : float
        Learning rate.
    label_noise_std : float
        :math:`\sigma\ge0`.
    n_iterations : int
        Number of SGD iterations.
    batch_size, replacement, noise
        As in :func:`~fpesolve.labelnoise.simulation.simulate_label_noise_sgd`.
    n_walkers : int
        Number of independent walkers, all started at ``reference``.
    record_every : int
        Record every this many iterations (plus the last).
    paths : sequence of str
        Which of :data:`COUPLING_PATHS` to compute.
    rng : None, int or numpy.random.Generator
        Random numbers (see :func:`fpesolve._util.random.as_generator`).
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    LabelNoiseCoupling
        SGD, :math:`\xi` and the paths on common records, with the residuals.

    Raises
    ------
    ValueError
        For bad parameters, an unknown path, a reference point where
        :math:`\xi` has no stationary covariance (:math:`\eta h\ge2`), or a
        divergent iterate.
    TypeError
        When ``model`` is not a :class:`~fpesolve.labelnoise.models.SquaredLossModel`.

    Examples
    --------
    Full-batch label noise (no minibatch noise) on the product model:

    >>> from fpesolve.labelnoise import product_model
    >>> c = couple_label_noise_sgd(product_model(), [2.0, 0.5], 0.05, 0.2, 800, batch_size=3, replacement=False,
    ...                            n_walkers=8, record_every=100, rng=1)
    >>> bool(c.max_residual("R_S").max() < 0.1 * c.xi_norm.max())   # r_k is small against xi_k
    True
    """
    if not isinstance(model, SquaredLossModel):
        raise TypeError(f"`model` must be a SquaredLossModel, got {type(model).__name__}")
    ref = checked_theta(reference, "reference", model.dim)
    eta = positive_float(eta, "eta")
    sigma = checked_label_noise_std(label_noise_std)
    n_iterations = positive_int(n_iterations, "n_iterations")
    batch_size = positive_int(batch_size, "batch_size")
    m = positive_int(n_walkers, "n_walkers")
    record_every = positive_int(record_every, "record_every")
    noise = checked_noise_kind(noise)
    names = tuple(paths)
    for name in names:
        if name not in COUPLING_PATHS:
            raise ValueError(f"`paths` entries must be among {', '.join(repr(p) for p in COUPLING_PATHS)}, got {name!r}")
    if not names:
        raise ValueError("`paths` must name at least one path")
    n, d = model.n, model.dim
    if not replacement and batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n} (without replacement)")
    lam = eta * sigma ** 2 / batch_size
    try:
        S = model.fluctuation_covariance(ref, eta, sigma, batch_size, replacement)
    except ValueError as exc:
        raise ValueError(f"no stationary fluctuation at `reference`: {exc}") from None

    # ---- the deterministic paths on the records
    record_at = record_schedule(n_iterations, record_every)
    phi = np.empty((len(names), record_at.size, d))
    for p, name in enumerate(names):
        if name == "R_S":
            tr = covariance_regularized_trajectory(model, ref, eta, n_iterations, S=S, record_every=record_every)
        elif name == "paper R_S":
            tr = covariance_regularized_trajectory(model, ref, eta, n_iterations, S=2.0 * lam * S,
                                                   record_every=record_every)
        else:
            tr = regularized_trajectory(model, ref, eta, lam if name == "R" else 0.0, n_iterations,
                                        record_every=record_every)
        phi[p] = tr.theta

    # ---- SGD and xi with the same draws
    gen = as_generator(rng)
    f_ref, J_ref = model.evaluate(ref)
    res_ref, J_ref = f_ref[0] - model.labels, J_ref[0]
    grad_ref = res_ref @ J_ref / n
    A = np.eye(d) - eta * model.gauss_newton(ref)
    theta = np.tile(ref, (m, 1))
    xi = np.zeros((m, d))
    thetas = np.empty((record_at.size, m, d))
    xis = np.empty((record_at.size, m, d))
    rows = np.arange(m)[:, None]
    r = 0
    with progress_bar(progress, n_iterations, "coupled label-noise SGD") as bar:
        for k in range(n_iterations + 1):
            if record_at[r] == k:
                thetas[r], xis[r] = theta, xi
                r += 1
            if k == n_iterations:
                break
            try:
                f, J = model.evaluate(theta)
            except ValueError as exc:
                raise ValueError(f"at iteration {k}: {exc}") from None
            idx, eps = batch_draws(gen, m, n, batch_size, replacement, sigma, noise)
            g = np.einsum("mb,mbd->md", (f - model.labels)[rows, idx] - eps, J[rows, idx]) / batch_size
            g_ref = np.einsum("mb,mbd->md", res_ref[idx] - eps, J_ref[idx]) / batch_size
            theta = theta - eta * g
            xi = xi @ A.T - eta * (g_ref - grad_ref)
            if not np.all(np.isfinite(theta)):
                raise ValueError(f"label-noise SGD diverged at iteration {k + 1}; lower `eta`")
            bar.update(1)

    residual = np.linalg.norm(thetas[None] - xis[None] - phi[:, :, None, :], axis=-1)
    mean = thetas.mean(axis=1)
    se = np.sqrt(thetas.var(axis=1, ddof=1).sum(axis=-1) / m) if m > 1 else np.zeros(record_at.size)
    return LabelNoiseCoupling(
        iterations=record_at, theta=thetas, xi=xis, path_names=names, paths=phi, residual=residual,
        xi_norm=np.linalg.norm(xis, axis=-1), movement=np.linalg.norm(phi - ref, axis=-1),
        mean_offset=np.linalg.norm(mean[None] - phi, axis=-1), mean_standard_error=se, reference=ref, S=S,
        eta=eta, label_noise_std=sigma, lam=lam, batch_size=batch_size, noise=noise, model_name=model.name)
