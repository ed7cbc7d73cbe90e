r"""Classification with label flipping (the paper's Appendix E, derived here from the main text).

The appendix is not in our text; this construction is fpesolve's own.  Binary
labels :math:`y_i\in\{0,1\}`, logits :math:`f_i(\theta)`, cross entropy
:math:`\ell(f,\tilde y)=\log(1+e^f)-\tilde yf`, and at every step each label
of the batch is flipped with probability :math:`p` (the paper's experiments:
:math:`p=0.2`).  With :math:`s=1/(1+e^{-f})` and
:math:`\bar y_i=\mathrm E\tilde y_i=(1-2p)y_i+p`:

* the expected loss is :math:`L(\theta)=\frac1n\sum_i\log(1+e^{f_i})-\bar y_if_i`,
  minimised (when the model can fit) where :math:`s(f_i)=\bar y_i`, i.e. at
  the **finite** logits :math:`f_i=\pm\log\frac{1-p}{p}`;
* its Hessian is :math:`\nabla^2L=\frac1n\sum_is_i(1-s_i)\nabla f_i\nabla f_i^T+(s_i-\bar y_i)\nabla^2f_i`;
* the flip noise of one step, :math:`\frac{\eta}{B}\sum_{i\in\mathcal B}(\tilde y_i-\bar y_i)\nabla f_i`,
  has covariance :math:`\frac{\eta^2}{B}p(1-p)G`, :math:`G=\frac1n\sum_i\nabla f_i\nabla f_i^T`
  (:math:`\operatorname{Var}\tilde y=p(1-p)` whatever :math:`y`) — the label-flip
  covariance in place of the regression's :math:`\frac{\eta^2}{B}\sigma^2G`.

At a minimiser with :math:`s_i=\bar y_i` for every :math:`i`,
:math:`s_i(1-s_i)=p(1-p)` and the residual term vanishes, so
:math:`\nabla^2L=p(1-p)G` and the noise covariance is exactly
:math:`\eta\lambda\nabla^2L` with

.. math:: \lambda=\frac{\eta}{B},\qquad \tilde L=L+\frac{\eta}{B}R,\quad
          R=-\frac1{2\eta}\operatorname{tr}\log\Big(1-\frac\eta2\nabla^2L\Big)
          =-\frac1{2\eta}\operatorname{tr}\log\Big(1-\frac{\eta p(1-p)}2G\Big):

Proposition 5's :math:`\Sigma=\nabla^2L`, so :math:`S=\lambda(2-\eta H)^{-1}` and the
same regulariser as for regression, with :math:`\sigma^2` replaced by 1 and
the flip probability entering through the curvature scale :math:`p(1-p)` and
the location of the minimisers.  (For :math:`K` classes flipped to a uniform
other class the same argument gives :math:`\Sigma_i=J_i^T(\operatorname{diag}\bar y_i-\bar y_i\bar y_i^T)J_i`,
again the Hessian at the minimiser.)  Away from such minimisers
:math:`\Sigma=p(1-p)G\ne\nabla^2L` and only the moving-reference-point
:math:`R_S` of Proposition 5 applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from .._util.progress import progress_bar
from .._util.random import RNGLike, as_generator
from .._util.result import Result
from .._util.validation import positive_float, positive_int
from ._params import checked_theta
from .base import OutputModel
from .simulation import record_schedule, starts

__all__ = ["LabelFlipModel", "LabelFlipSGDResult", "simulate_label_flip_sgd", "logistic_product_model",
           "flip_regularization_strength", "flip_minimizer_logit"]


def _flip_probability(p) -> float:
    try:
        value = float(p)
    except (TypeError, ValueError):
        raise TypeError(f"`flip_probability` must be a real number, got {p!r}") from None
    if not (np.isfinite(value) and 0.0 <= value < 0.5):
        raise ValueError(f"`flip_probability` must lie in [0, 1/2) (at 1/2 the labels carry no information), got {p!r}")
    return value


def flip_regularization_strength(eta: float, batch_size: int) -> float:
    r"""The regularisation strength of label-flip SGD at a minimiser: :math:`\lambda=\eta/B`.

    The flip noise has covariance :math:`\eta\lambda\nabla^2L` there (module
    notes), so :math:`\lambda` plays the role of the regression's
    :math:`\eta\sigma^2/B` with :math:`\sigma^2` replaced by 1.

    Parameters
    ----------
    eta : float
        Learning rate :math:`\eta>0`.
    batch_size : int
        :math:`B\ge1`.

    Returns
    -------
    float
        :math:`\lambda=\eta/B`, in units of loss per unit of :math:`R`.

    Raises
    ------
    ValueError
        For ``eta <= 0`` or ``batch_size < 1``.

    Examples
    --------
    >>> flip_regularization_strength(0.5, 4)
    0.125
    """
    return positive_float(eta, "eta") / positive_int(batch_size, "batch_size")


def flip_minimizer_logit(flip_probability: float) -> float:
    r"""The logit magnitude :math:`\log\frac{1-p}{p}` at which :math:`s(f)=\bar y` (``inf`` for :math:`p=0`).

    Parameters
    ----------
    flip_probability : float
        :math:`p\in[0,1/2)`.

    Returns
    -------
    float
        :math:`\log\frac{1-p}{p}`: a sample with label 1 is fitted at logit
        :math:`+\log\frac{1-p}{p}`, one with label 0 at the negative
        (no finite minimiser without flipping, ``inf``).

    Raises
    ------
    ValueError
        For :math:`p\notin[0,1/2)`.

    Examples
    --------
    >>> round(flip_minimizer_logit(0.2), 10)  # log 4
    1.3862943611
    """
    p = _flip_probability(flip_probability)
    return float("inf") if p == 0.0 else float(np.log((1.0 - p) / p))


def _sigmoid(f: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * f))


@dataclass(frozen=True, eq=False)
class LabelFlipModel(OutputModel):
    r"""Binary cross entropy of logits :math:`f_i(\theta)` with labels flipped with probability :math:`p`.

    Parameters
    ----------
    outputs : callable
        ``theta`` of shape ``(m, d)`` to the logits :math:`f_i`, shape ``(m, n)``.
    output_grads : callable
        ``theta`` to :math:`\nabla f_i`, shape ``(m, n, d)``.
    labels : array_like of 0/1, shape ``(n,)``
        Clean labels.
    dim : int
        :math:`d`, the number of parameters.
    output_hessians : callable, optional
        ``theta`` to :math:`\nabla^2f_i`, shape ``(m, n, d, d)`` (else central
        differences of the gradient).
    flip_probability : float
        :math:`p\in[0,1/2)`.
    name : str
        A label for summaries and figures.

    Attributes
    ----------
    outputs, output_grads, output_hessians, dim, flip_probability, name
        As given.
    labels : ndarray, shape ``(n,)``
        The clean labels as floats.
    targets : ndarray, shape ``(n,)``
        :math:`\bar y_i=(1-2p)y_i+p` (``n`` samples, :attr:`OutputModel.n`).

    Raises
    ------
    ValueError
        For labels other than 0 and 1, ``dim < 1`` or :math:`p\notin[0,1/2)`.
    TypeError
        When ``outputs`` or ``output_grads`` is not callable.

    Examples
    --------
    :func:`logistic_product_model` at a minimiser :math:`uv=\log 4` (:math:`p=0.2`):
    the expected loss is the entropy of the flip,
    :math:`-p\log p-(1-p)\log(1-p)\approx0.5004`, and the flip noise of one
    step has covariance :math:`\eta\lambda\nabla^2L=\eta^2\nabla^2L` (``B = 1``):

    >>> import numpy as np
    >>> m = logistic_product_model(0.2)
    >>> theta = [2.0, flip_minimizer_logit(0.2) / 2.0]
    >>> round(m.loss(theta), 6), m.targets.tolist()
    (0.500402, [0.8, 0.2])
    >>> bool(np.allclose(m.step_noise_covariance(theta, 0.5), 0.25 * m.hessian(theta), atol=1e-15))
    True
    """

    outputs: Callable[[np.ndarray], np.ndarray]
    output_grads: Callable[[np.ndarray], np.ndarray]
    labels: np.ndarray
    dim: int
    output_hessians: Optional[Callable[[np.ndarray], np.ndarray]] = None
    flip_probability: float = 0.0
    name: str = "classifier"

    def __post_init__(self):
        y = np.atleast_1d(np.asarray(self.labels, dtype=float))
        if y.ndim != 1 or not np.all((y == 0.0) | (y == 1.0)):
            raise ValueError("`labels` must be a 1D array of 0s and 1s")
        object.__setattr__(self, "labels", y)
        object.__setattr__(self, "dim", positive_int(self.dim, "dim"))
        object.__setattr__(self, "flip_probability", _flip_probability(self.flip_probability))
        if not (callable(self.outputs) and callable(self.output_grads)):
            raise TypeError("`outputs` and `output_grads` must be callables")

    @property
    def targets(self) -> np.ndarray:
        r""":math:`\bar y_i=(1-2p)y_i+p`, the expected flipped labels."""
        p = self.flip_probability
        return (1.0 - 2.0 * p) * self.labels + p

    def loss(self, theta):
        r"""Expected loss :math:`L=\frac1n\sum_i\log(1+e^{f_i})-\bar y_if_i`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        float or ndarray, shape ``(m,)``
            The cross entropy averaged over the flips (nats).

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite logits.
        """
        arr, single = self._thetas(theta)
        f = self._checked(self.outputs(arr), (arr.shape[0], self.n), "outputs", arr)
        return self._ret(np.mean(np.logaddexp(0.0, f) - self.targets * f, axis=1), single)

    def grad(self, theta):
        r""":math:`\nabla L=\frac1n\sum_i(s_i-\bar y_i)\nabla f_i`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d,)`` or ``(m, d)``
            The gradient at each parameter vector.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite model values.
        """
        arr, single = self._thetas(theta)
        f, J = self.evaluate(arr)
        return self._ret(np.einsum("mn,mnd->md", _sigmoid(f) - self.targets, J) / self.n, single)

    def hessian(self, theta):
        r""":math:`\nabla^2L=\frac1n\sum_is_i(1-s_i)\nabla f_i\nabla f_i^T+(s_i-\bar y_i)\nabla^2f_i`.

        Exact with ``output_hessians``, else central differences of :meth:`grad`.

        Parameters
        ----------
        theta : array_like, shape ``(d,)`` or ``(m, d)``
            One parameter vector, or ``m`` of them (rows).

        Returns
        -------
        ndarray, shape ``(d, d)`` or ``(m, d, d)``
            The symmetrised Hessian at each parameter vector.

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong shape or non-finite model values.
        """
        arr, single = self._thetas(theta)
        m, d = arr.shape
        if self.output_hessians is not None:
            f, J = self.evaluate(arr)
            s = _sigmoid(f)
            Hf = self._checked(self.output_hessians(arr), (m, self.n, d, d), "output_hessians", arr)
            H = (np.einsum("mn,mni,mnj->mij", s * (1.0 - s), J, J)
                 + np.einsum("mn,mnij->mij", s - self.targets, Hf)) / self.n
        else:
            steps = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(arr))
            H = np.empty((m, d, d))
            for k in range(d):
                e = np.zeros((m, d))
                e[:, k] = steps[:, k]
                H[:, :, k] = (self.grad(arr + e) - self.grad(arr - e)) / (2.0 * steps[:, k:k + 1])
        return self._ret(0.5 * (H + np.swapaxes(H, 1, 2)), single)

    def step_noise_covariance(self, theta, eta: float, batch_size: int = 1, replacement: bool = True) -> np.ndarray:
        r"""Covariance of one label-flip SGD step's noise at ``theta`` (shape ``(d,)``).

        .. math:: Q=\frac{\eta^2}{B}\Big[c_B\Big(\frac1n\sum_ig_ig_i^T-\bar g\bar g^T\Big)+p(1-p)G\Big],
                  \qquad g_i=(s_i-\bar y_i)\nabla f_i,

        :math:`c_B=1` with replacement, :math:`(n-B)/(n-1)` without.

        Parameters
        ----------
        theta : array_like, shape ``(d,)``
            The reference point.
        eta : float
            Learning rate :math:`\eta>0`.
        batch_size : int
            :math:`B\ge1`.
        replacement : bool
            Whether minibatches are drawn with replacement (sets :math:`c_B`).

        Returns
        -------
        ndarray, shape ``(d, d)``
            :math:`Q`, symmetric, in units of :math:`\theta^2`.

        Raises
        ------
        ValueError
            For a bad ``theta``, ``eta <= 0`` or ``batch_size < 1``.
        """
        theta = checked_theta(theta, "theta", self.dim)
        eta = positive_float(eta, "eta")
        batch_size = positive_int(batch_size, "batch_size")
        f, J = self.evaluate(theta)
        g = (_sigmoid(f[0]) - self.targets)[:, None] * J[0]
        gbar = g.mean(axis=0)
        c_b = 1.0 if replacement else (self.n - batch_size) / max(self.n - 1, 1)
        p = self.flip_probability
        Q = eta ** 2 * (c_b * (g.T @ g / self.n - np.outer(gbar, gbar)) + p * (1.0 - p) * J[0].T @ J[0] / self.n)
        Q /= batch_size
        return 0.5 * (Q + Q.T)


@dataclass(frozen=True, repr=False, eq=False)
class LabelFlipSGDResult(Result):
    r"""Recorded label-flip SGD paths of ``m`` walkers.

    Attributes
    ----------
    iterations : ndarray, shape ``(r,)``
        The iterations of the records (0 and the last included).
    theta : ndarray, shape ``(r, m, d)``
        The recorded parameters of each walker.
    loss, regularizer, trace_hessian : ndarray, shape ``(r, m)``
        Expected loss, :math:`R` with the run's :math:`\eta` (``inf`` beyond
        the step-size edge) and :math:`\operatorname{tr}\nabla^2L`.
    eta, flip_probability, lam : float
        The learning rate, :math:`p`, and :math:`\lambda=\eta/B`.
    batch_size : int
        :math:`B`.
    replacement : bool
        Whether minibatches were drawn with replacement.
    model_name : str
        The model's ``name``.

    Examples
    --------
    From the sharp minimiser :math:`(u, v) = (3, \log 4/3)` of
    :func:`logistic_product_model` (:math:`\operatorname{tr}\nabla^2L\approx1.47`)
    the flips drive every walker toward flatter minimisers:

    >>> m = logistic_product_model(0.2)
    >>> run = simulate_label_flip_sgd(m, [3.0, flip_minimizer_logit(0.2) / 3.0], 0.5, 200, n_walkers=4,
    ...                               record_every=100, rng=0)
    >>> run.iterations.tolist(), run.lam, round(float(run.trace_hessian[0, 0]), 4)
    ([0, 100, 200], 0.5, 1.4742)
    >>> bool(np.all(run.trace_hessian[-1] < 0.5))
    True
    """

    iterations: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    regularizer: np.ndarray
    trace_hessian: np.ndarray
    eta: float
    flip_probability: float
    lam: float
    batch_size: int
    replacement: bool
    model_name: str = ""

    @property
    def final_theta(self) -> np.ndarray:
        """:math:`\\theta` after the last step, shape ``(m, d)``."""
        return self.theta[-1]

    @property
    def n_walkers(self) -> int:
        """Number of walkers."""
        return self.theta.shape[1]

    def summary(self) -> str:
        """One line: the run's settings and the mean :math:`\\operatorname{tr}\\nabla^2L` at the first and last record.

        Returns
        -------
        str
            E.g. ``"label-flip SGD on 'logistic u v x (p=0.2)': 4 walkers x 200 iterations, ..."``.
        """
        return (f"label-flip SGD on {self.model_name!r}: {self.n_walkers} walkers x {int(self.iterations[-1])} "
                f"iterations, eta={self.eta:g}, p={self.flip_probability:g}, B={self.batch_size}, "
                f"lambda=eta/B={self.lam:.4g}; mean tr H {np.mean(self.trace_hessian[0]):.4g} -> "
                f"{np.mean(self.trace_hessian[-1]):.4g}")


def simulate_label_flip_sgd(model: LabelFlipModel, theta0, eta: float, n_iterations: int, *, batch_size: int = 1,
                            n_walkers: Optional[int] = None, replacement: bool = True, record_every: int = 1,
                            rng: RNGLike = None, progress=None) -> LabelFlipSGDResult:
    r"""SGD on cross entropy with each batch label flipped with probability :math:`p` at every step.

    :math:`\theta_{k+1}=\theta_k-\frac\eta B\sum_{i\in\mathcal B_k}(s(f_i(\theta_k))-\tilde y_i)\nabla f_i(\theta_k)`,
    :math:`\tilde y_i=1-y_i` with probability :math:`p`, else :math:`y_i`.

    Parameters
    ----------
    model : LabelFlipModel
        The classifier and its flip probability :math:`p`.
    theta0 : array_like, shape ``(d,)`` or ``(m, d)``
        Start(s); a single start is repeated ``n_walkers`` times.
    eta : float
        Learning rate :math:`\eta>0`.
    n_iterations : int
        Number of SGD iterations.
    batch_size : int
        :math:`B\ge1` (``<= n`` without replacement).
    n_walkers : int, optional
        Number of independent walkers when ``theta0`` is a single vector (default 1).
    replacement : bool
        Minibatch indices drawn with replacement or without.
    record_every : int
        Record every this many iterations (plus the last); loss, :math:`R`
        and :math:`\operatorname{tr}\nabla^2L` are computed at the records
        after the run.
    rng : None, int or numpy.random.Generator
        Random numbers (see :func:`fpesolve._util.random.as_generator`).
    progress : None, bool or "auto"
        Progress bar (package default when ``None``).

    Returns
    -------
    LabelFlipSGDResult
        The recorded paths, expected loss, :math:`R` and :math:`\operatorname{tr}\nabla^2L`.

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_iterations < 1``, ``batch_size < 1`` (or above
        ``n`` without replacement), bad starts, and a divergent iterate
        (naming the iteration).
    TypeError
        When ``model`` is not a :class:`LabelFlipModel`.

    Examples
    --------
    >>> m = logistic_product_model(0.2)
    >>> run = simulate_label_flip_sgd(m, [3.0, flip_minimizer_logit(0.2) / 3.0], 0.5, 200, n_walkers=4, rng=0)
    >>> bool(np.all(run.trace_hessian[-1] < run.trace_hessian[0]))      # drifts toward flatter minimisers
    True
    """
    if not isinstance(model, LabelFlipModel):
        raise TypeError(f"`model` must be a LabelFlipModel, got {type(model).__name__}")
    eta = positive_float(eta, "eta")
    n_iterations = positive_int(n_iterations, "n_iterations")
    batch_size = positive_int(batch_size, "batch_size")
    record_every = positive_int(record_every, "record_every")
    n, d = model.n, model.dim
    if not replacement and batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n} (without replacement)")
    theta = starts(theta0, d, n_walkers)
    m = theta.shape[0]
    gen = as_generator(rng)
    p = model.flip_probability
    record_at = record_schedule(n_iterations, record_every)
    thetas = np.empty((record_at.size, m, d))
    rows = np.arange(m)[:, None]
    r = 0
    with progress_bar(progress, n_iterations, "label-flip SGD") as bar:
        for k in range(n_iterations + 1):
            if record_at[r] == k:
                thetas[r] = theta
                r += 1
            if k == n_iterations:
                break
            try:
                f, J = model.evaluate(theta)
            except ValueError as exc:
                raise ValueError(f"at iteration {k}: {exc}") from None
            if replacement:
                idx = gen.integers(0, n, size=(m, batch_size))
            else:
                idx = np.argsort(gen.random((m, n)), axis=1)[:, :batch_size]
            y = model.labels[idx]
            flipped = np.where(gen.random((m, batch_size)) < p, 1.0 - y, y)
            g = np.einsum("mb,mbd->md", _sigmoid(f[rows, idx]) - flipped, J[rows, idx]) / batch_size
            theta = theta - eta * g
            if not np.all(np.isfinite(theta)):
                raise ValueError(f"label-flip SGD diverged at iteration {k + 1}; lower `eta`")
            bar.update(1)
    flat = thetas.reshape(-1, d)
    h = np.linalg.eigvalsh(np.atleast_3d(model.hessian(flat)).reshape(-1, d, d))
    defined = np.all(0.5 * eta * h < 1.0, axis=1)
    R = np.full(flat.shape[0], np.inf)
    if defined.any():
        R[defined] = -np.log1p(-0.5 * eta * h[defined]).sum(axis=1) / (2.0 * eta)
    shape = thetas.shape[:2]
    return LabelFlipSGDResult(iterations=record_at, theta=thetas, loss=np.atleast_1d(model.loss(flat)).reshape(shape),
                              regularizer=R.reshape(shape), trace_hessian=h.sum(axis=1).reshape(shape), eta=eta,
                              flip_probability=p, lam=eta / batch_size, batch_size=batch_size,
                              replacement=bool(replacement), model_name=model.name)


def logistic_product_model(flip_probability: float = 0.2, x: Sequence[float] = (1.0, -1.0)) -> LabelFlipModel:
    r"""The logit :math:`f(x;u,v)=uvx` with labels :math:`y=\mathbb 1[x>0]`, flipped with probability :math:`p`.

    With :math:`|x_i|=1` (the default :math:`x=\pm1`) every sample is fitted at
    :math:`uv=\log\frac{1-p}{p}` (:func:`flip_minimizer_logit`): a hyperbola of
    minimisers with :math:`\nabla^2L=p(1-p)(v,u)(v,u)^T`, eigenvalue
    :math:`p(1-p)(u^2+v^2)`, flattest at :math:`|u|=|v|`.  As in the regression
    product model, every step maps :math:`u^2-v^2` to
    :math:`(u^2-v^2)(1-\eta^2g^2)`, :math:`g=(s-\tilde y)x`.

    Parameters
    ----------
    flip_probability : float
        :math:`p\in[0,1/2)`.
    x : sequence of float
        Non-zero inputs.

    Returns
    -------
    LabelFlipModel

    Raises
    ------
    ValueError
        For a bad ``flip_probability`` or a zero or non-finite input.

    Examples
    --------
    >>> m = logistic_product_model(0.2)
    >>> c = flip_minimizer_logit(0.2)
    >>> bool(abs(m.grad([2.0, c / 2.0])).max() < 1e-15)
    True
    """
    p = _flip_probability(flip_probability)
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    if not np.all(np.isfinite(xs)) or np.any(xs == 0):
        raise ValueError("`x` must be finite and non-zero")

    def outputs(theta):
        return (theta[:, 0] * theta[:, 1])[:, None] * xs[None, :]

    def output_grads(theta):
        return np.stack((theta[:, 1:2] * xs[None, :], theta[:, 0:1] * xs[None, :]), axis=-1)

    def output_hessians(theta):
        H = np.zeros((theta.shape[0], xs.size, 2, 2))
        H[:, :, 0, 1] = xs
        H[:, :, 1, 0] = xs
        return H

    return LabelFlipModel(outputs, output_grads, (xs > 0).astype(float), 2, output_hessians, p,
                          name=f"logistic u v x (p={p:g})")
