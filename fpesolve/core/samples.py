r"""Finite-sum landscapes: per-sample losses, their minibatch noise, and numba per-sample gradients.

For :math:`L = \frac1n\sum_i \ell_i` and minibatches of size :math:`B`
drawn with replacement the gradient-noise variance of one step is

.. math:: \Sigma = \frac{s^2}{B}, \qquad s^2 = \frac1n\sum_i (\ell_i' - L')^2 ,

and without replacement the finite-population factor :math:`(n-B)/(n-1)`
multiplies it.  :func:`sample_landscape_parts` builds the closed forms that
:meth:`fpesolve.Landscape.from_samples` and
:meth:`~fpesolve.Landscape.from_model` hand to the landscape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import call_user_function, finite_float, positive_int, real_array

ArrayFunction = Callable[[np.ndarray], np.ndarray]

__all__ = ["PerSampleLosses", "SampleGradients", "sample_landscape_parts", "model_landscape_parts",
           "domain_pair"]

#: points (inside the domain) at which per-sample functions are probed when a landscape is built
_N_PROBE = 3


def domain_pair(domain: Any) -> Tuple[float, float]:
    """``domain`` as a pair of finite floats ``a < b``, or a ``ValueError``/``TypeError`` naming ``domain``."""
    if domain is None:
        raise ValueError("`domain` is required: the interval (a, b) the dynamics live on, e.g. domain=(-3.0, 3.0)")
    if isinstance(domain, (str, bytes)):
        raise TypeError(f"`domain` must be a pair of numbers (a, b), got {domain!r}")
    try:
        a, b = domain
    except (TypeError, ValueError):
        raise ValueError(f"`domain` must be a pair (a, b), got {domain!r}") from None
    a = finite_float(a, "domain[0]")
    b = finite_float(b, "domain[1]")
    if not b > a:
        raise ValueError(f"`domain` must have positive length (a < b), got ({a!r}, {b!r})")
    return a, b


@dataclass(frozen=True)
class PerSampleLosses:
    """The ``n`` per-sample losses behind a finite-sum landscape.

    Each callable takes a float array ``x`` of shape ``(m,)`` and returns an
    array of shape ``(n, m)`` (row ``i`` is sample ``i``).  Usually built by
    :meth:`~fpesolve.Landscape.from_samples`, which finds ``n`` by probing
    the functions.

    Parameters
    ----------
    losses : callable
        ``x -> ell_i(x)``, shape ``(n, m)``.
    grads : callable
        ``x -> ell_i'(x)``, shape ``(n, m)``.
    hessians : callable or None
        ``x -> ell_i''(x)``, shape ``(n, m)``, or ``None`` when not given.
    n : int
        The number of samples, >= 1.

    Raises
    ------
    TypeError
        When ``losses`` or ``grads`` (or a given ``hessians``) is not callable,
        or ``n`` is not an integer.
    ValueError
        When ``n < 1``.

    Examples
    --------
    Two quadratic samples :math:`\\ell_i = h_i x^2/2`:

    >>> import numpy as np
    >>> h = np.array([[18.0], [2.0]])
    >>> per = PerSampleLosses(losses=lambda x: 0.5 * h * x**2, grads=lambda x: h * x, hessians=None, n=2)
    >>> per.evaluate("grads", np.array([0.5])).tolist()
    [[9.0], [1.0]]
    """

    losses: ArrayFunction
    grads: ArrayFunction
    hessians: Optional[ArrayFunction]
    n: int

    def __post_init__(self) -> None:
        for which in ("losses", "grads", "hessians"):
            func = getattr(self, which)
            if not (func is None and which == "hessians") and not callable(func):
                raise TypeError(f"per-sample `{which}` must be a callable x -> array of shape (n, len(x)), "
                                f"got {func!r}")
        object.__setattr__(self, "n", positive_int(self.n, "n"))

    def evaluate(self, which: str, x: np.ndarray) -> np.ndarray:
        """Evaluate ``losses``, ``grads`` or ``hessians`` with a type and shape check.

        Parameters
        ----------
        which : {"losses", "grads", "hessians"}
            The function to evaluate.
        x : ndarray, shape (m,)
            Points.

        Returns
        -------
        ndarray, shape (n, m)
            Row ``i`` is sample ``i`` at the points ``x``.

        Raises
        ------
        ValueError
            For an unknown ``which``, ``hessians`` that were not given, a
            function that raises (re-raised with the points) or returns
            another shape than ``(n, m)``.
        TypeError
            When the function returns something other than real numbers.
        """
        if which not in ("losses", "grads", "hessians"):
            raise ValueError(f"`which` must be 'losses', 'grads' or 'hessians', got {which!r}")
        func = getattr(self, which)
        if func is None:
            raise ValueError(f"per-sample `{which}` were not given; pass hessians= to Landscape.from_samples")
        x = np.asarray(x, dtype=float)
        try:
            raw = func(x)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's function, re-raised with context
            err = ValueError(f"per-sample `{which}` raised {type(exc).__name__}: {exc} when called on x of shape "
                             f"{x.shape} in [{float(x.min()):.6g}, {float(x.max()):.6g}]" if x.size else
                             f"per-sample `{which}` raised {type(exc).__name__}: {exc}")
            err._fpesolve_context = True  # type: ignore[attr-defined]
            raise err from exc
        values = real_array(raw, which, " (per-sample, shape (n, len(x)))")
        if values.shape != (self.n, x.size):
            err = ValueError(f"per-sample `{which}` must return shape (n, len(x)) = ({self.n}, {x.size}), "
                             f"got {values.shape}")
            err._fpesolve_context = True  # type: ignore[attr-defined]
            raise err
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
        params = np.ascontiguousarray(np.atleast_1d(real_array(self.params, "params")))
        if params.ndim != 1:
            raise ValueError(f"`params` must be a 1D float array, got shape {params.shape}")
        if not np.all(np.isfinite(params)):
            raise ValueError("`params` must be finite")
        params.flags.writeable = False
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "n", positive_int(self.n, "n"))

    def evaluate(self, x: float) -> np.ndarray:
        """All ``n`` per-sample gradients at ``x`` (compiles ``func`` if needed).

        Parameters
        ----------
        x : float
            The point.

        Returns
        -------
        ndarray, shape (n,)
            :math:`\\ell_i'(x)` for ``i = 0, ..., n - 1``.

        Raises
        ------
        TypeError
            When ``x`` is not a real number.
        ValueError
            When ``x`` is not finite.
        """
        return np.array([self.func(finite_float(x, "x"), i, self.params) for i in range(self.n)])


def _probe_points(domain: Tuple[float, float]) -> np.ndarray:
    a, b = domain
    return a + (b - a) * (np.arange(1, _N_PROBE + 1) / (_N_PROBE + 1))


def _sample_count(per: Dict[str, Optional[ArrayFunction]], domain: Tuple[float, float]) -> int:
    """``n`` from the per-sample functions probed inside the domain (all must agree on the shape ``(n, m)``)."""
    x = _probe_points(domain)
    shapes = {}
    for which, func in per.items():
        if func is None:
            continue
        try:
            raw = func(x)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"per-sample `{which}` raised {type(exc).__name__}: {exc} when called on x = "
                             f"{x.tolist()} (inside the domain {domain!r}); it must take a float array of shape (m,) "
                             f"and return shape (n, m)") from exc
        arr = real_array(raw, which, " (per-sample, shape (n, len(x)))")
        if arr.ndim != 2 or arr.shape[1] != x.size:
            raise ValueError(f"per-sample `{which}` must return shape (n, len(x)); for len(x) = {x.size} it returned "
                             f"shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"per-sample `{which}` returned a non-finite value at x in {x.tolist()}")
        shapes[which] = arr.shape[0]
    counts = set(shapes.values())
    if len(counts) != 1:
        names = " and ".join(f"`{k}`" for k in shapes)
        raise ValueError(f"per-sample {names} disagree on the number of samples n (rows returned: {shapes}); each "
                         f"must return one row per sample, shape (n, len(x))")
    return counts.pop()


def sample_landscape_parts(losses: ArrayFunction, grads: ArrayFunction, domain: Tuple[float, float], *,
                           hessians: Optional[ArrayFunction] = None, batch_size: int = 1, replacement: bool = True,
                           name: str = "finite sum",
                           extra_sigma: Optional[ArrayFunction] = None) -> Dict[str, Any]:
    """The keyword arguments of :class:`~fpesolve.Landscape` for the finite sum (see :meth:`Landscape.from_samples`)."""
    domain = domain_pair(domain)
    for which, func in (("losses", losses), ("grads", grads), ("hessians", hessians), ("extra_sigma", extra_sigma)):
        if func is not None and not callable(func):
            raise TypeError(f"`{which}` must be a callable x -> array of shape (n, len(x)), got {func!r}")
        if func is None and which in ("losses", "grads"):
            raise TypeError(f"`{which}` is required: a callable x -> array of shape (n, len(x))")
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"`replacement` must be True or False, got {replacement!r}")
    n = _sample_count({"losses": losses, "grads": grads, "hessians": hessians}, domain)
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {n}")
    if not replacement and n == 1:
        raise ValueError("sampling without replacement (`replacement`=False) needs n >= 2 samples")
    factor = 1.0 / batch_size
    if not replacement:
        factor *= (n - batch_size) / (n - 1)
    per_sample = PerSampleLosses(losses=losses, grads=grads, hessians=hessians, n=n)

    def mean_of(which):
        def func(x):
            flat = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
            return per_sample.evaluate(which, flat).mean(axis=0).reshape(np.shape(x))
        return func

    def sigma(x):
        flat = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
        g = per_sample.evaluate("grads", flat)
        var = np.mean((g - g.mean(axis=0)) ** 2, axis=0) * factor
        if extra_sigma is not None:
            var = var + call_user_function(extra_sigma, flat, "extra_sigma")
        return var.reshape(np.shape(x))

    return dict(grad=mean_of("grads"), sigma=sigma, domain=domain, loss=mean_of("losses"),
                hess=None if hessians is None else mean_of("hessians"), name=name, samples=per_sample,
                batch_size=batch_size, replacement=bool(replacement))


def model_landscape_parts(outputs: ArrayFunction, output_grads: ArrayFunction, labels: Sequence[float],
                          domain: Tuple[float, float], *, output_hessians: Optional[ArrayFunction] = None,
                          label_noise: float = 0.0, batch_size: int = 1, replacement: bool = True,
                          name: str = "squared loss") -> Dict[str, Any]:
    """The keyword arguments of :class:`~fpesolve.Landscape` for a squared loss (see :meth:`Landscape.from_model`)."""
    for which, func in (("outputs", outputs), ("output_grads", output_grads), ("output_hessians", output_hessians)):
        if func is not None and not callable(func):
            raise TypeError(f"`{which}` must be a callable x -> array of shape (n, len(x)), got {func!r}")
    y = np.atleast_1d(real_array(labels, "labels"))
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"`labels` must be a non-empty 1D sequence of numbers, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("`labels` must be finite")
    y = y.reshape(-1, 1)
    noise = finite_float(label_noise, "label_noise")
    if noise < 0.0:
        raise ValueError(f"`label_noise` (the variance sigma^2) must be >= 0, got {label_noise!r}")
    batch_size = positive_int(batch_size, "batch_size")

    def f(x):
        out = real_array(outputs(x), "outputs")
        if out.shape != (y.size, np.size(x)):
            raise ValueError(f"model `outputs` must return shape (len(labels), len(x)) = ({y.size}, {np.size(x)}), "
                             f"got {out.shape}")
        if not np.all(np.isfinite(out)):
            raise ValueError("model `outputs` returned a non-finite value")
        return out

    def fprime(x):
        out = real_array(output_grads(x), "output_grads")
        if out.shape != (y.size, np.size(x)):
            raise ValueError(f"model `output_grads` must return shape (len(labels), len(x)) = ({y.size}, "
                             f"{np.size(x)}), got {out.shape}")
        return out

    def losses(x):
        return 0.5 * (f(x) - y) ** 2

    def grads(x):
        return (f(x) - y) * fprime(x)

    hessians = None
    if output_hessians is not None:
        def hessians(x):
            return fprime(x) ** 2 + (f(x) - y) * real_array(output_hessians(x), "output_hessians")

    extra = None
    if noise > 0.0:
        def extra(x):
            return noise * np.mean(fprime(x) ** 2, axis=0) / batch_size

    return sample_landscape_parts(losses, grads, domain, hessians=hessians, batch_size=batch_size,
                                  replacement=replacement, name=name, extra_sigma=extra)
