r"""One-dimensional loss landscapes with gradient-noise variance.

A :class:`Landscape` bundles the four functions the SGD diffusion needs on a
bounded interval :math:`(a, b)`:

* the loss :math:`L(\theta)`,
* its gradient :math:`L'(\theta)` (the drift of the SDE is :math:`-L'`),
* its curvature :math:`H(\theta) = L''(\theta)`,
* the gradient-noise variance :math:`\Sigma(\theta)` of one SGD step
  (already divided by the batch size).

All four are vectorised callables taking and returning float arrays.  The SDE
(Ito convention) is

.. math:: d\theta = -L'(\theta)\,dt + \sqrt{\tau\,\Sigma(\theta)}\,dW_t ,
          \qquad \tau = \eta .
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import optimize

from .._util.validation import finite_float, positive_int

ArrayFunction = Callable[[np.ndarray], np.ndarray]

__all__ = ["Landscape", "CriticalPoint", "PerSampleLosses", "SampleGradients"]


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point of the loss, :math:`L'(x) = 0`.

    Attributes
    ----------
    x : float
        Location :math:`\\theta^*`.
    kind : str
        ``"minimum"`` or ``"saddle"`` (in 1D a saddle between two basins is a
        local maximum of :math:`L`).
    loss, hess, sigma : float
        :math:`L(\\theta^*)`, :math:`H = L''(\\theta^*)`, :math:`\\Sigma(\\theta^*)`.
    """

    x: float
    kind: str
    loss: float
    hess: float
    sigma: float

    @property
    def sigma_over_hess(self) -> float:
        """Noise-to-curvature ratio :math:`\\Sigma/H` (inf where ``H == 0``)."""
        return self.sigma / self.hess if self.hess != 0 else math.inf

    def __str__(self) -> str:
        return (f"{self.kind:8s} x={self.x:+.10g}  L={self.loss:.10g}  H={self.hess:.10g}  "
                f"Sigma={self.sigma:.10g}  Sigma/H={self.sigma_over_hess:.10g}")


@dataclass(frozen=True)
class PerSampleLosses:
    """The ``n`` per-sample losses behind a finite-sum landscape.

    Each callable takes a float array ``x`` of shape ``(m,)`` and returns an
    array of shape ``(n, m)`` (row ``i`` is sample ``i``).  ``hessians`` may
    be ``None``.
    """

    losses: ArrayFunction
    grads: ArrayFunction
    hessians: Optional[ArrayFunction]
    n: int

    def evaluate(self, which: str, x: np.ndarray) -> np.ndarray:
        """Evaluate ``losses``, ``grads`` or ``hessians`` with a shape check."""
        func = getattr(self, which)
        if func is None:
            raise ValueError(f"per-sample `{which}` were not given")
        values = np.asarray(func(x), dtype=float)
        if values.shape != (self.n, x.size):
            raise ValueError(
                f"per-sample `{which}` must return shape (n, len(x)) = ({self.n}, {x.size}), got {values.shape}")
        return values


@dataclass(frozen=True)
class SampleGradients:
    """numba-compilable per-sample gradients, for Monte Carlo SGD (:func:`fpesolve.simulate_sgd`).

    Attributes
    ----------
    func : numba dispatcher
        ``func(x: float, i: int, params: float64[::1]) -> float``, the gradient
        :math:`\\ell_i'(x)` of sample ``i`` (``0 <= i < n``); decorate it with
        ``@numba.njit``.
    params : ndarray
        Float parameters passed to every call (use an empty array if none).
    n : int
        Number of samples.
    description : str
        A label for summaries.

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def grad(x, i, p):
    ...     return p[i] * x          # l_i = p_i x^2 / 2
    >>> sg = SampleGradients(grad, np.array([18.0, 2.0]), n=2)
    >>> sg.evaluate(1.0).tolist()
    [18.0, 2.0]
    """

    func: Callable
    params: np.ndarray
    n: int
    description: str = ""

    def __post_init__(self):
        if not callable(self.func):
            raise TypeError(f"`func` must be a numba-compiled function func(x, i, params), got {self.func!r}")
        params = np.ascontiguousarray(np.atleast_1d(np.asarray(self.params, dtype=float)))
        if params.ndim != 1:
            raise ValueError(f"`params` must be a 1D float array, got shape {params.shape}")
        params.flags.writeable = False
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "n", positive_int(self.n, "n"))

    def evaluate(self, x: float) -> np.ndarray:
        """All ``n`` per-sample gradients at ``x`` (compiles ``func`` if needed)."""
        return np.array([self.func(float(x), i, self.params) for i in range(self.n)])


def _central_difference(func: ArrayFunction, x: np.ndarray) -> np.ndarray:
    """Second-order central difference of ``func`` with a step near the optimum."""
    step = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
    return (np.asarray(func(x + step), dtype=float) - np.asarray(func(x - step), dtype=float)) / (2.0 * step)


class Landscape:
    r"""A 1D loss landscape :math:`L` with gradient-noise variance :math:`\Sigma` on ``(a, b)``.

    Parameters
    ----------
    grad : callable
        :math:`L'(\theta)`, vectorised: float array in, float array out.
    sigma : callable
        :math:`\Sigma(\theta) > 0`, the variance of one stochastic gradient
        (per step, i.e. already divided by the batch size).
    domain : (float, float)
        The interval ``(a, b)`` the dynamics live on (reflecting ends unless a
        solver is told otherwise).
    loss : callable, optional
        :math:`L(\theta)`.  When omitted it is obtained by integrating
        ``grad`` from the domain's midpoint (so it is defined up to a constant).
    hess : callable, optional
        :math:`L''(\theta)`.  When omitted it is approximated by central finite
        differences of ``grad`` (second order, relative error ~1e-10);
        :attr:`derivative_sources` records this.
    sigma_grad : callable, optional
        :math:`\Sigma'(\theta)`, used by mode/mean diagnostics.  Finite
        differences of ``sigma`` when omitted.
    name : str
        A label for summaries and figures.
    samples : PerSampleLosses, optional
        The per-sample losses when the landscape is a finite sum (filled in by
        :meth:`from_samples`); the SGD simulators use them.
    batch_size : int, optional
        The minibatch size ``B`` that :math:`\Sigma` was divided by (set by
        :meth:`from_samples`; ``None`` when :math:`\Sigma` was given directly).
        Computations that need ``B`` (N2, the N4 proxy, minibatch SGD) read it
        from here and say so when it is missing.
    replacement : bool, optional
        Whether minibatches are drawn with replacement (set by :meth:`from_samples`).
    sample_gradients : SampleGradients, optional
        numba per-sample gradients for fast Monte Carlo SGD on this landscape.
    wells : mapping of str to float, optional
        Labels of minima (e.g. ``{"A": -1.0, "B": 1.0}``) used in reports and
        accepted as ``init=`` by the SGD simulator.

    Attributes
    ----------
    domain, name, samples, batch_size, replacement, sample_gradients, wells
        As given.
    n_samples : int or None
        Number of per-sample losses (``None`` without ``samples``).

    Examples
    --------
    >>> import numpy as np
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x),
    ...                domain=(-5.0, 5.0), loss=lambda x: x**2)
    >>> [cp.kind for cp in ou.critical_points()]
    ['minimum']
    """

    _skip_in_json = True  # an input, not a result: left out of JSON reports

    def __init__(self, grad: ArrayFunction, sigma: ArrayFunction, domain: Tuple[float, float],
                 loss: Optional[ArrayFunction] = None, hess: Optional[ArrayFunction] = None,
                 sigma_grad: Optional[ArrayFunction] = None, name: str = "landscape",
                 samples: Optional[PerSampleLosses] = None, batch_size: Optional[int] = None,
                 replacement: Optional[bool] = None, sample_gradients: Optional[SampleGradients] = None,
                 wells: Optional[Mapping[str, float]] = None) -> None:
        if not callable(grad):
            raise TypeError(f"`grad` must be a callable, got {grad!r}")
        if not callable(sigma):
            raise TypeError(f"`sigma` must be a callable, got {sigma!r}")
        try:
            a, b = domain
        except (TypeError, ValueError):
            raise ValueError(f"`domain` must be a pair (a, b), got {domain!r}") from None
        a = finite_float(a, "domain[0]")
        b = finite_float(b, "domain[1]")
        if not b > a:
            raise ValueError(f"`domain` must have positive length (a < b), got ({a!r}, {b!r})")
        self.domain: Tuple[float, float] = (a, b)
        self.name = str(name)
        self._grad = grad
        self._sigma = sigma
        self._loss = loss
        self._hess = hess
        self._sigma_grad = sigma_grad
        if samples is not None and not isinstance(samples, PerSampleLosses):
            raise TypeError(f"`samples` must be a fpesolve.PerSampleLosses, got {type(samples).__name__}")
        self.samples: Optional[PerSampleLosses] = samples
        self.batch_size: Optional[int] = None if batch_size is None else positive_int(batch_size, "batch_size")
        if self.batch_size is not None and samples is not None and self.batch_size > samples.n:
            raise ValueError(f"`batch_size` = {self.batch_size} exceeds the number of samples n = {samples.n}")
        self.replacement: Optional[bool] = None if replacement is None else bool(replacement)
        if sample_gradients is not None and not isinstance(sample_gradients, SampleGradients):
            raise TypeError(f"`sample_gradients` must be a fpesolve.SampleGradients, got "
                            f"{type(sample_gradients).__name__}")
        self.sample_gradients: Optional[SampleGradients] = sample_gradients
        self.wells: Dict[str, float] = {str(k): finite_float(v, f"wells[{k!r}]") for k, v in (wells or {}).items()}
        self.derivative_sources = {
            "loss": "closed form" if loss is not None else "quadrature of grad from the domain midpoint",
            "hess": "closed form" if hess is not None else "central finite differences of grad",
            "sigma_grad": "closed form" if sigma_grad is not None else "central finite differences of sigma",
        }

    # ------------------------------------------------------------------ evaluation
    def _call(self, func: ArrayFunction, x, what: str) -> np.ndarray:
        arr = np.asarray(x, dtype=float)
        out = np.asarray(func(arr), dtype=float)
        if out.shape != arr.shape:
            out = np.broadcast_to(out, arr.shape).copy() if out.size in (1, arr.size) else out
            if out.shape != arr.shape:
                raise ValueError(f"`{what}` must return an array shaped like its input {arr.shape}, got {out.shape}")
        return out

    def grad(self, x) -> np.ndarray:
        """:math:`L'(x)`."""
        return self._call(self._grad, x, "grad")

    def sigma(self, x) -> np.ndarray:
        """:math:`\\Sigma(x)`, the per-step gradient-noise variance."""
        return self._call(self._sigma, x, "sigma")

    def loss(self, x) -> np.ndarray:
        """:math:`L(x)` (closed form, or quadrature of ``grad`` from the midpoint)."""
        if self._loss is not None:
            return self._call(self._loss, x, "loss")
        from .quadrature import integrate_between  # local import: quadrature imports nothing from here
        arr = np.asarray(x, dtype=float)
        mid = 0.5 * (self.domain[0] + self.domain[1])
        flat = arr.ravel()
        vals = np.array([integrate_between(self.grad, mid, xi) for xi in flat])
        return vals.reshape(arr.shape)

    def hess(self, x) -> np.ndarray:
        """:math:`L''(x)` (closed form, or central differences of ``grad``)."""
        if self._hess is not None:
            return self._call(self._hess, x, "hess")
        return _central_difference(self.grad, np.asarray(x, dtype=float))

    def sigma_grad(self, x) -> np.ndarray:
        """:math:`\\Sigma'(x)` (closed form, or central differences of ``sigma``)."""
        if self._sigma_grad is not None:
            return self._call(self._sigma_grad, x, "sigma_grad")
        return _central_difference(self.sigma, np.asarray(x, dtype=float))

    @property
    def grad_function(self) -> ArrayFunction:
        """The vectorised :math:`L'` callable as given (no shape handling), e.g. to compile it with numba."""
        return self._grad

    @property
    def sigma_function(self) -> ArrayFunction:
        """The vectorised :math:`\\Sigma` callable as given (no shape handling), e.g. to compile it with numba."""
        return self._sigma

    @property
    def n_samples(self) -> Optional[int]:
        """Number of per-sample losses, or ``None`` when the landscape is not a finite sum."""
        return None if self.samples is None else self.samples.n

    def checked_sigma(self, x) -> np.ndarray:
        """:math:`\\Sigma(x)`, raising ``ValueError`` where it is not finite and positive."""
        arr = np.asarray(x, dtype=float)
        values = self.sigma(arr)
        bad = ~(np.isfinite(values) & (values > 0.0))
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(
                f"`Sigma` must be finite and positive inside the domain, but Sigma({arr.ravel()[i]:.17g}) = "
                f"{float(values.ravel()[i])!r} in landscape {self.name!r}; shrink the domain to where Sigma > 0 "
                f"or add a noise floor")
        return values

    def checked_grad(self, x) -> np.ndarray:
        """:math:`L'(x)`, raising ``ValueError`` where it is not finite."""
        arr = np.asarray(x, dtype=float)
        values = self.grad(arr)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(f"`grad` is not finite at x = {arr.ravel()[i]:.17g} (value {float(values.ravel()[i])!r}) "
                             f"in landscape {self.name!r}")
        return values

    def contains(self, x, name: str = "x") -> float:
        """Return ``x`` as a float, raising ``ValueError`` if it is outside the closed domain."""
        value = finite_float(x, name)
        a, b = self.domain
        if not a <= value <= b:
            raise ValueError(f"`{name}` = {value!r} lies outside the domain [{a!r}, {b!r}] of {self.name!r}")
        return value

    # ------------------------------------------------------------------ critical points
    def critical_points(self, n_scan: int = 4001) -> Tuple[CriticalPoint, ...]:
        """Every minimum and saddle of :math:`L` strictly inside the domain.

        The gradient is sampled on ``n_scan`` equally spaced points; every sign
        change is refined with Brent's method to machine precision and
        classified by the direction of the sign change (``-`` to ``+`` is a
        minimum).  A critical point of even multiplicity (a touching zero) has
        no sign change and is not reported.

        Parameters
        ----------
        n_scan : int
            Number of scan points; raise it if two critical points lie closer
            than ``(b - a) / n_scan``.

        Returns
        -------
        tuple of CriticalPoint
            Sorted by position.
        """
        n_scan = positive_int(n_scan, "n_scan", minimum=3)
        a, b = self.domain
        xs = np.linspace(a, b, n_scan)
        g = self.checked_grad(xs)
        points = []
        sign = np.sign(g)
        i = 0
        while i < n_scan - 1:
            if sign[i] == 0.0:
                # exact zero at a scan point: classify by the neighbours
                if 0 < i < n_scan - 1 and sign[i - 1] != 0 and sign[i + 1] != 0 and sign[i - 1] != sign[i + 1]:
                    points.append((xs[i], "minimum" if sign[i - 1] < 0 else "saddle"))
                i += 1
                continue
            if sign[i + 1] != 0.0 and sign[i + 1] != sign[i]:
                root = optimize.brentq(lambda t: float(self.grad(np.array([t]))[0]), xs[i], xs[i + 1],
                                       xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
                points.append((root, "minimum" if sign[i] < 0 else "saddle"))
            i += 1
        out = []
        for x, kind in points:
            arr = np.array([x])
            out.append(CriticalPoint(x=float(x), kind=kind, loss=float(self.loss(arr)[0]),
                                     hess=float(self.hess(arr)[0]), sigma=float(self.sigma(arr)[0])))
        return tuple(out)

    def minima(self) -> Tuple[CriticalPoint, ...]:
        """The local minima among :meth:`critical_points`."""
        return tuple(cp for cp in self.critical_points() if cp.kind == "minimum")

    def saddles(self) -> Tuple[CriticalPoint, ...]:
        """The saddles (barrier tops) among :meth:`critical_points`."""
        return tuple(cp for cp in self.critical_points() if cp.kind == "saddle")

    def summary(self) -> str:
        """A table of the critical points."""
        lines = [f"Landscape {self.name!r} on [{self.domain[0]:g}, {self.domain[1]:g}]"]
        lines += ["  " + str(cp) for cp in self.critical_points()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Landscape(name={self.name!r}, domain={self.domain!r})"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_samples(cls, losses: ArrayFunction, grads: ArrayFunction, domain: Tuple[float, float], *,
                     hessians: Optional[ArrayFunction] = None, batch_size: int = 1,
                     replacement: bool = True, name: str = "finite sum",
                     extra_sigma: Optional[ArrayFunction] = None) -> "Landscape":
        r"""A landscape :math:`L = \frac1n\sum_i \ell_i` from ``n`` per-sample losses.

        Parameters
        ----------
        losses, grads : callable
            ``x`` of shape ``(m,)`` to per-sample values :math:`\ell_i(x)` and
            :math:`\ell_i'(x)` of shape ``(n, m)``.
        domain : (float, float)
            The interval.
        hessians : callable, optional
            Per-sample :math:`\ell_i''`; finite differences of ``L'`` otherwise.
        batch_size : int
            Minibatch size ``B``.
        replacement : bool
            Minibatches drawn with replacement (default): :math:`\Sigma = s^2/B`
            with :math:`s^2 = \frac1n\sum_i (\ell_i' - L')^2`.  Without
            replacement the finite-population factor applies:
            :math:`\Sigma = \frac{s^2}{B}\,\frac{n-B}{n-1}`.
        extra_sigma : callable, optional
            An additional independent noise variance added to :math:`\Sigma`
            (used for label noise).
        """
        if not (callable(losses) and callable(grads)):
            raise TypeError("`losses` and `grads` must be callables returning arrays of shape (n, len(x))")
        probe = np.asarray(grads(np.array([0.5 * (domain[0] + domain[1])])), dtype=float)
        if probe.ndim != 2 or probe.shape[1] != 1:
            raise ValueError(f"per-sample `grads` must return shape (n, len(x)); got {probe.shape} for len(x) = 1")
        n = probe.shape[0]
        batch_size = positive_int(batch_size, "batch_size")
        if batch_size > n:
            raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n}")
        if not replacement and n == 1:
            raise ValueError("sampling without replacement needs n >= 2 samples")
        factor = 1.0 / batch_size
        if not replacement:
            factor *= (n - batch_size) / (n - 1)
        per_sample = PerSampleLosses(losses=losses, grads=grads, hessians=hessians, n=n)

        def loss(x):
            return per_sample.evaluate("losses", np.atleast_1d(x).ravel()).mean(axis=0).reshape(np.shape(x))

        def grad(x):
            return per_sample.evaluate("grads", np.atleast_1d(x).ravel()).mean(axis=0).reshape(np.shape(x))

        def sigma(x):
            g = per_sample.evaluate("grads", np.atleast_1d(x).ravel())
            var = np.mean((g - g.mean(axis=0)) ** 2, axis=0) * factor
            if extra_sigma is not None:
                var = var + np.asarray(extra_sigma(np.atleast_1d(x).ravel()), dtype=float)
            return var.reshape(np.shape(x))

        hess = None
        if hessians is not None:
            def hess(x):
                return per_sample.evaluate("hessians", np.atleast_1d(x).ravel()).mean(axis=0).reshape(np.shape(x))

        return cls(grad=grad, sigma=sigma, domain=domain, loss=loss, hess=hess, name=name, samples=per_sample,
                   batch_size=batch_size, replacement=replacement)

    @classmethod
    def from_model(cls, outputs: ArrayFunction, output_grads: ArrayFunction, labels: Sequence[float],
                   domain: Tuple[float, float], *, output_hessians: Optional[ArrayFunction] = None,
                   label_noise: float = 0.0, batch_size: int = 1, replacement: bool = True,
                   name: str = "squared loss") -> "Landscape":
        r"""Squared loss :math:`\ell_i = \frac12 (f_i(\theta) - y_i)^2` with optional label noise.

        Label-noise SGD replaces :math:`y_i` by :math:`y_i + \epsilon` with
        :math:`\epsilon \sim N(0, \sigma^2)` fresh at every step.  This adds
        the independent gradient variance
        :math:`\sigma^2 \frac1n\sum_i f_i'(\theta)^2 / B` to the minibatch
        variance of the clean per-sample gradients.

        Parameters
        ----------
        outputs, output_grads : callable
            ``x`` of shape ``(m,)`` to :math:`f_i(x)`, :math:`f_i'(x)` of shape ``(n, m)``.
        labels : sequence of float
            :math:`y_i`, length ``n``.
        label_noise : float
            The label-noise variance :math:`\sigma^2 \ge 0`.
        output_hessians : callable, optional
            :math:`f_i''`; gives the exact Hessian
            :math:`\ell_i'' = f_i'^2 + (f_i - y_i) f_i''`.
        """
        y = np.asarray(labels, dtype=float).reshape(-1, 1)
        if not np.all(np.isfinite(y)):
            raise ValueError("`labels` must be finite")
        noise = finite_float(label_noise, "label_noise")
        if noise < 0.0:
            raise ValueError(f"`label_noise` (the variance sigma^2) must be >= 0, got {label_noise!r}")
        batch_size = positive_int(batch_size, "batch_size")

        def f(x):
            out = np.asarray(outputs(x), dtype=float)
            if not np.all(np.isfinite(out)):
                raise ValueError("model `outputs` returned a non-finite value")
            return out

        def losses(x):
            return 0.5 * (f(x) - y) ** 2

        def grads(x):
            return (f(x) - y) * np.asarray(output_grads(x), dtype=float)

        hessians = None
        if output_hessians is not None:
            def hessians(x):
                return np.asarray(output_grads(x), dtype=float) ** 2 + (f(x) - y) * np.asarray(output_hessians(x),
                                                                                                dtype=float)

        extra = None
        if noise > 0.0:
            def extra(x):
                return noise * np.mean(np.asarray(output_grads(x), dtype=float) ** 2, axis=0) / batch_size

        return cls.from_samples(losses, grads, domain, hessians=hessians, batch_size=batch_size,
                                replacement=replacement, name=name, extra_sigma=extra)
