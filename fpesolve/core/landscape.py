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
import warnings
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import call_user_function, finite_float, positive_int
from .critical_points import N_SCAN, CriticalPoint, find_critical_points
from .samples import PerSampleLosses, SampleGradients, domain_pair, model_landscape_parts, sample_landscape_parts

ArrayFunction = Callable[[np.ndarray], np.ndarray]

__all__ = ["Landscape", "CriticalPoint", "PerSampleLosses", "SampleGradients"]

#: relative step of the central differences for a missing ``hess`` or ``sigma_grad`` (about eps^(1/3))
_FD_STEP = float(np.cbrt(np.finfo(float).eps))
#: interior points at which the user's functions are probed when a landscape is built
_N_PROBE = 3


def _central_difference(func: ArrayFunction, x: np.ndarray) -> np.ndarray:
    """Second-order central difference of ``func`` with a step near the optimum."""
    step = _FD_STEP * np.maximum(1.0, np.abs(x))
    return (np.asarray(func(x + step), dtype=float) - np.asarray(func(x - step), dtype=float)) / (2.0 * step)


class Landscape:
    r"""A 1D loss landscape :math:`L` with gradient-noise variance :math:`\Sigma` on ``(a, b)``.

    Parameters
    ----------
    grad : callable
        :math:`L'(\theta)`, vectorised: it is always called with a 1D float
        array and must return an array of the same shape (a scalar is taken
        as a constant).  A function that is not vectorised, returns strings,
        booleans, complex values, a column ``(n, 1)`` or raises is reported
        with its name, the point and the fix (``TypeError``/``ValueError``),
        at construction (three interior probe points) or when evaluated.
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

    Raises
    ------
    TypeError, ValueError
        For a missing or bad ``domain``, functions that are not callables or
        fail the probe, ``batch_size`` not a positive integer, wells outside
        the domain.  Whether the Fokker–Planck problem is well posed
        (:math:`\Sigma > 0` inside, integrable ends) is checked by the
        solvers, :func:`fpesolve.core.wellposed.check_well_posed`: a
        landscape with :math:`\Sigma` vanishing somewhere (F2) is fine for
        discrete-time analyses.

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
        for what, func, required in (("grad", grad, True), ("sigma", sigma, True), ("loss", loss, False),
                                     ("hess", hess, False), ("sigma_grad", sigma_grad, False)):
            if (required or func is not None) and not callable(func):
                raise TypeError(f"`{what}` must be a callable (a vectorised function of a float array), got {func!r}")
        if not isinstance(name, str):
            raise TypeError(f"`name` must be a string, got {name!r}")
        self.domain: Tuple[float, float] = domain_pair(domain)
        a, b = self.domain
        self.name = name
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
        if replacement is not None and not isinstance(replacement, (bool, np.bool_)):
            raise TypeError(f"`replacement` must be True, False or None, got {replacement!r}")
        self.replacement: Optional[bool] = None if replacement is None else bool(replacement)
        if sample_gradients is not None and not isinstance(sample_gradients, SampleGradients):
            raise TypeError(f"`sample_gradients` must be a fpesolve.SampleGradients, got "
                            f"{type(sample_gradients).__name__}")
        self.sample_gradients: Optional[SampleGradients] = sample_gradients
        if wells is not None and not isinstance(wells, Mapping):
            raise TypeError(f"`wells` must be a mapping of labels to positions, e.g. {{'A': -1.0}}, got {wells!r}")
        self.wells: Dict[str, float] = {str(k): self.contains(v, f"wells[{k!r}]") for k, v in (wells or {}).items()}
        self.derivative_sources = {
            "loss": "closed form" if loss is not None else "quadrature of grad from the domain midpoint",
            "hess": "closed form" if hess is not None else "central finite differences of grad",
            "sigma_grad": "closed form" if sigma_grad is not None else "central finite differences of sigma",
        }
        # fail early on a function that cannot be evaluated (not vectorised, strings, wrong shape, ...)
        probe = a + (b - a) * np.arange(1, _N_PROBE + 1) / (_N_PROBE + 1)
        with np.errstate(all="ignore"):
            for what, func in (("grad", grad), ("sigma", sigma), ("loss", loss), ("hess", hess),
                               ("sigma_grad", sigma_grad)):
                if func is not None:
                    self._call(func, probe, what)

    # ------------------------------------------------------------------ evaluation
    def _call(self, func: ArrayFunction, x, what: str) -> np.ndarray:
        """``func`` at ``x`` (any shape): called on the flattened float array, checked, reshaped back."""
        arr = np.asarray(x, dtype=float)
        out = call_user_function(func, arr.ravel(), what, f" of landscape {self.name!r}")
        return out.reshape(arr.shape)

    def grad(self, x) -> np.ndarray:
        """:math:`L'(x)`, the gradient (the drift of the SDE is :math:`-L'`).

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            :math:`L'` at ``x``, shape of ``x``.

        Raises
        ------
        TypeError, ValueError
            When the user's function fails at ``x`` or returns something other
            than real numbers of the shape of ``x`` (the message names the
            function and the point).
        """
        return self._call(self._grad, x, "grad")

    def sigma(self, x) -> np.ndarray:
        """:math:`\\Sigma(x)`, the per-step gradient-noise variance.

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            :math:`\\Sigma` at ``x``, shape of ``x`` (not checked for positivity; see
            :meth:`checked_sigma`).

        Raises
        ------
        TypeError, ValueError
            When the user's function fails at ``x`` or returns something other
            than real numbers of the shape of ``x`` (the message names the
            function and the point).
        """
        return self._call(self._sigma, x, "sigma")

    def loss(self, x) -> np.ndarray:
        """:math:`L(x)` (closed form, or quadrature of ``grad`` from the midpoint).

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            :math:`L` at ``x``, shape of ``x``; without a closed form, defined up to
            a constant (0 at the domain's midpoint).

        Raises
        ------
        TypeError, ValueError
            When the user's function fails at ``x`` or returns something other
            than real numbers of the shape of ``x`` (the message names the
            function and the point).
        """
        if self._loss is not None:
            return self._call(self._loss, x, "loss")
        from .quadrature import integrate_between  # local import: quadrature imports nothing from here
        arr = np.asarray(x, dtype=float)
        mid = 0.5 * (self.domain[0] + self.domain[1])
        flat = arr.ravel()
        vals = np.array([integrate_between(self.grad, mid, xi) for xi in flat])
        return vals.reshape(arr.shape)

    def hess(self, x) -> np.ndarray:
        """:math:`L''(x)` (closed form, or central differences of ``grad``).

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            The curvature :math:`H` at ``x``, shape of ``x`` (relative error ~1e-10
            when differenced; :attr:`derivative_sources` says which).

        Raises
        ------
        TypeError, ValueError
            When the user's function fails at ``x`` or returns something other
            than real numbers of the shape of ``x`` (the message names the
            function and the point).
        """
        if self._hess is not None:
            return self._call(self._hess, x, "hess")
        return _central_difference(self.grad, np.asarray(x, dtype=float))

    def sigma_grad(self, x) -> np.ndarray:
        """:math:`\\Sigma'(x)` (closed form, or central differences of ``sigma``).

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            :math:`\\Sigma'` at ``x``, shape of ``x``.

        Raises
        ------
        TypeError, ValueError
            When the user's function fails at ``x`` or returns something other
            than real numbers of the shape of ``x`` (the message names the
            function and the point).
        """
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
        """:math:`\\Sigma(x)`, raising ``ValueError`` where it is not finite and positive.

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            :math:`\\Sigma > 0` at ``x``, shape of ``x``.

        Raises
        ------
        ValueError
            At the first point where :math:`\\Sigma` is not finite and positive
            (the message names it), or when the function fails there.
        TypeError
            When the function returns something other than real numbers.
        """
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
        """:math:`L'(x)`, raising ``ValueError`` where it is not finite.

        Parameters
        ----------
        x : float or array_like
            Points (any shape; in the units of :math:`\\theta`).

        Returns
        -------
        ndarray
            Finite :math:`L'` at ``x``, shape of ``x``.

        Raises
        ------
        ValueError
            At the first point where :math:`L'` is not finite (a pole?), or
            when the function fails there.
        TypeError
            When the function returns something other than real numbers.
        """
        arr = np.asarray(x, dtype=float)
        values = self.grad(arr)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(f"`grad` is not finite at x = {arr.ravel()[i]:.17g} (value {float(values.ravel()[i])!r}) "
                             f"in landscape {self.name!r}; a pole? shrink the domain to exclude it")
        return values

    def point(self, value, name: str = "x") -> float:
        """A position given as a number or as the name of one of :attr:`wells`, checked to lie in the domain.

        Parameters
        ----------
        value : float or str
            A position, or a well's name (``"A"``, ``"B"`` for the constructions).
        name : str
            The caller's parameter name, for the error message.

        Returns
        -------
        float
            The position.

        Raises
        ------
        ValueError
            For an unknown well name (the message lists the wells, or says the
            landscape has none) or a position outside the domain.

        Examples
        --------
        >>> import numpy as np
        >>> land = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-2, 2),
        ...                  wells={"A": -1.0, "B": 1.0})
        >>> land.point("B", "start"), land.point(0.5, "start")
        (1.0, 0.5)
        """
        if isinstance(value, str):
            if value not in self.wells:
                known = (f"its wells are {sorted(self.wells)}" if self.wells else
                         "it has no named wells (only the failure-mode constructions do)")
                raise ValueError(f"`{name}` = {value!r} is not a well of {self.name!r}: {known}; pass a position "
                                 f"in {self.domain}")
            return float(self.wells[value])
        return self.contains(value, name)

    def contains(self, x, name: str = "x") -> float:
        """Return ``x`` as a float, raising ``ValueError`` if it is outside the closed domain.

        Parameters
        ----------
        x : float
            A point.
        name : str
            The parameter name quoted in the messages.

        Returns
        -------
        float
            ``x``, with ``a <= x <= b``.

        Raises
        ------
        TypeError
            When ``x`` is not a real number.
        ValueError
            When ``x`` is not finite or lies outside ``[a, b]``.
        """
        value = finite_float(x, name)
        a, b = self.domain
        if not a <= value <= b:
            raise ValueError(f"`{name}` = {value!r} lies outside the domain [{a!r}, {b!r}] of {self.name!r}")
        return value

    # ------------------------------------------------------------------ critical points
    def critical_points(self, n_scan: int = N_SCAN, walls: bool = False, eta: float = 0.0) -> Tuple[CriticalPoint, ...]:
        """Every minimum and saddle of :math:`L` strictly inside the domain (and, optionally, the wall minima).

        The gradient is sampled on ``n_scan`` equally spaced points; every sign
        change is refined with Brent's method to machine precision and
        classified by the direction of the sign change (``-`` to ``+`` is a
        minimum).  A critical point of even multiplicity (a touching zero) has
        no sign change and is not reported; a sign change through a pole is
        refused (:class:`~fpesolve.IllPosedError`).

        Parameters
        ----------
        n_scan : int
            Number of scan points; raise it if two critical points lie closer
            than ``(b - a) / n_scan``.
        walls : bool
            Also report the domain ends that are minima of the effective
            potential :math:`V_{\\rm eff}` on the closed domain (the stationary
            density peaks there: the drift pushes into a reflecting wall),
            as ``CriticalPoint(kind="minimum", at_wall=True)``; see
            :mod:`fpesolve.core.critical_points` for the rule.
        eta : float
            The learning rate at which the wall minima are decided
            (:math:`V_{\\rm eff}' \\propto L' + \\frac{\\eta}{2}\\Sigma'` at the end);
            0 is the small-rate limit (the sign of :math:`L'`).  Ignored
            without ``walls``.

        Returns
        -------
        tuple of CriticalPoint
            Sorted by position.
        """
        return find_critical_points(self, n_scan, walls=walls, eta=eta)

    def minima(self, walls: bool = False, eta: float = 0.0) -> Tuple[CriticalPoint, ...]:
        """The local minima among :meth:`critical_points` (with ``walls=True`` also those at a wall, at ``eta``).

        Parameters
        ----------
        walls : bool
            Also report the minima of the effective potential at a reflecting
            end (``CriticalPoint.at_wall``, see :mod:`fpesolve.core.critical_points`).
        eta : float
            Learning rate deciding the wall minima (0: the small-rate limit).

        Returns
        -------
        tuple of CriticalPoint
            Sorted by position (empty if there is none).

        Examples
        --------
        >>> import numpy as np
        >>> land = Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-0.5, 2.0))
        >>> [(cp.x, cp.at_wall) for cp in land.minima(walls=True)]      # the drift pushes into the left wall
        [(-0.5, True), (1.0, False)]
        """
        return tuple(cp for cp in self.critical_points(walls=walls, eta=eta) if cp.kind == "minimum")

    def saddles(self) -> Tuple[CriticalPoint, ...]:
        """The saddles (barrier tops) among :meth:`critical_points`.

        Returns
        -------
        tuple of CriticalPoint
            Sorted by position (local maxima of :math:`L`).
        """
        return tuple(cp for cp in self.critical_points() if cp.kind == "saddle")

    def summary(self) -> str:
        """A table of the critical points.

        Returns
        -------
        str
            A header line (name and domain), then one line per critical point
            with :math:`x`, :math:`L`, :math:`H`, :math:`\\Sigma` and :math:`\\Sigma/H`.
        """
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
            Minibatch size ``B`` (kept as :attr:`batch_size`).
        replacement : bool
            Minibatches drawn with replacement (default): :math:`\Sigma = s^2/B`
            with :math:`s^2 = \frac1n\sum_i (\ell_i' - L')^2`.  Without
            replacement the finite-population factor applies:
            :math:`\Sigma = \frac{s^2}{B}\,\frac{n-B}{n-1}`.
        extra_sigma : callable, optional
            An additional independent noise variance added to :math:`\Sigma`
            (used for label noise).
        name : str
            A label for summaries and figures.

        Returns
        -------
        Landscape
            With ``samples``, ``batch_size`` and ``replacement`` set.

        Raises
        ------
        TypeError, ValueError
            For a missing ``domain``, functions that do not return arrays of
            shape ``(n, len(x))`` (ragged lists, strings, columns), functions
            that disagree on ``n``, or ``batch_size > n``.

        Examples
        --------
        >>> import numpy as np
        >>> h = np.array([[18.0], [2.0]])
        >>> land = Landscape.from_samples(lambda x: 0.5 * h * x**2, lambda x: h * x, (-1.0, 1.0), batch_size=2)
        >>> land.n_samples, land.batch_size, float(land.sigma(np.array([0.5]))[0])   # 64 x^2 / 2
        (2, 2, 8.0)
        """
        return cls(**sample_landscape_parts(losses, grads, domain, hessians=hessians, batch_size=batch_size,
                                            replacement=replacement, name=name, extra_sigma=extra_sigma))

    @classmethod
    def from_model(cls, outputs: ArrayFunction, output_grads: ArrayFunction, labels: Sequence[float],
                   domain: Tuple[float, float], *, output_hessians: Optional[ArrayFunction] = None,
                   label_noise_std: Optional[float] = None, batch_size: int = 1, replacement: bool = True,
                   name: str = "squared loss", label_noise: Optional[float] = None) -> "Landscape":
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
        domain : (float, float)
            The interval.
        output_hessians : callable, optional
            :math:`f_i''`; gives the exact Hessian
            :math:`\ell_i'' = f_i'^2 + (f_i - y_i) f_i''`.
        label_noise_std : float, optional
            The label-noise standard deviation :math:`\sigma \ge 0`, in units
            of the labels (default 0: no label noise).
        batch_size : int
            Minibatch size ``B``; divides both the sample and the label-noise variance.
        replacement : bool
            Minibatches drawn with replacement (default); see :meth:`from_samples`.
        name : str
            A label for summaries and figures.
        label_noise : float, optional
            Deprecated (a ``FutureWarning``): the variance :math:`\sigma^2`;
            pass ``label_noise_std=sqrt(label_noise)`` instead.

        Returns
        -------
        Landscape
            With ``samples``, ``batch_size`` and ``replacement`` set.

        Raises
        ------
        TypeError
            For functions that are not callables, or both ``label_noise_std``
            and ``label_noise`` given.
        ValueError
            For functions that do not return shape ``(n, len(x))``, labels
            that are empty or not finite, a negative or non-finite
            ``label_noise_std`` (or ``label_noise``), a bad ``domain`` or
            ``batch_size > n``.

        Examples
        --------
        A linear model :math:`f_i = \theta` with labels :math:`\pm 1`: the
        clean per-sample gradients :math:`\theta \mp 1` have variance 1, and
        label noise of standard deviation 0.5 (variance 0.25) adds
        :math:`0.25 \cdot f'^2 = 0.25`:

        >>> import numpy as np
        >>> a = np.array([[1.0], [1.0]])
        >>> land = Landscape.from_model(lambda x: a * x, lambda x: a * np.ones_like(x), [1.0, -1.0],
        ...                             (-3.0, 3.0), label_noise_std=0.5)
        >>> land.sigma(np.array([0.0, 2.0])).tolist(), land.grad(np.array([2.0])).tolist()
        ([1.25, 1.25], [2.0])
        """
        if label_noise is not None:
            if label_noise_std is not None:
                raise TypeError("Landscape.from_model() got both `label_noise_std` and `label_noise`; pass only "
                                "`label_noise_std` (the standard deviation sigma; `label_noise` was the variance)")
            variance = finite_float(label_noise, "label_noise")
            if variance < 0.0:
                raise ValueError(f"`label_noise` (the variance sigma^2; deprecated, pass the standard deviation "
                                 f"`label_noise_std`) must be >= 0, got {label_noise!r}")
            warnings.warn(f"`label_noise` (the variance sigma^2) was replaced by `label_noise_std` (the standard "
                          f"deviation sigma) in fpesolve 0.2 (Landscape.from_model); pass "
                          f"label_noise_std=sqrt({label_noise!r}) = {math.sqrt(variance)!r}", FutureWarning,
                          stacklevel=2)
        elif label_noise_std is None:
            variance = 0.0
        else:
            std = finite_float(label_noise_std, "label_noise_std")
            if std < 0.0:
                raise ValueError(f"`label_noise_std` (the standard deviation sigma) must be >= 0, "
                                 f"got {label_noise_std!r}")
            variance = std * std
        return cls(**model_landscape_parts(outputs, output_grads, labels, domain, output_hessians=output_hessians,
                                           label_noise=variance, batch_size=batch_size, replacement=replacement,
                                           name=name))
