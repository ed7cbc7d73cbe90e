"""Checking and converting the inputs of :func:`~fpesolve.simulate_sgd` (private)."""

from __future__ import annotations

from typing import Optional, Protocol, Tuple, runtime_checkable

import numpy as np

from .._util.validation import as_1d_float_array, positive_float, positive_int
from ..core.basins import basins as basins_of
from ..core.landscape import Landscape, SampleGradients
from ..core.schedules import as_schedule
from .sampling import sample_stationary

__all__ = ["LearningRateSchedule", "learning_rates", "resolve_target", "check_user_function", "initial_positions",
           "record_iterations", "bin_edges", "basin_edges", "passage_points", "divergence_bound", "STATIONARY_STREAM"]

#: second word of the seed of the stream that draws ``init="stationary"`` (so it differs from the walkers')
STATIONARY_STREAM = 0x5EED


@runtime_checkable
class LearningRateSchedule(Protocol):
    """The protocol of a learning-rate schedule: a method ``etas(n_iterations)`` of per-iteration learning rates.

    :class:`fpesolve.core.schedules.Schedule` implements it; so may any
    user class.  A bare callable ``eta(k)`` of the iteration is turned into a
    schedule by :func:`fpesolve.core.schedules.as_schedule` (the same rule
    as for the Fokker–Planck solvers).

    Parameters
    ----------
    *args, **kwargs
        None: a protocol is checked with ``isinstance``, never instantiated.

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve.sgd import LearningRateSchedule
    >>> class Halving:
    ...     def etas(self, n_iterations):
    ...         return 0.1 * 0.5 ** np.arange(n_iterations)
    >>> isinstance(Halving(), LearningRateSchedule)
    True
    """

    def etas(self, n_iterations: int) -> np.ndarray:
        ...  # pragma: no cover


def learning_rates(eta, n_iterations: int) -> Tuple[np.ndarray, object]:
    """(``etas`` for the kernel: one entry or one per iteration, ``eta`` for the result)."""
    what = (f"a float, an array of n_iterations = {n_iterations} rates, or a schedule with a method "
            f"etas(n_iterations) (fpesolve.core.schedules.Schedule)")
    if isinstance(eta, LearningRateSchedule):
        rates = eta.etas(n_iterations)
        source = f"`eta.etas({n_iterations})`"
    elif callable(eta):
        rates = as_schedule(eta).etas(n_iterations)
        source = f"`eta(k)` for k < {n_iterations}"
    elif np.ndim(eta) == 0:
        value = positive_float(eta, "eta", "eta is the SGD learning rate")
        return np.array([value]), value
    else:
        rates = eta
        source = "`eta`"
    try:
        arr = np.array(rates, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`eta` must be {what}; {source} gave {type(rates).__name__}") from None
    if arr.shape != (n_iterations,):
        raise ValueError(f"{source} must have shape (n_iterations,) = ({n_iterations},), got {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{source} must hold finite positive learning rates; entry {k} is {float(arr[k])!r}")
    return arr, arr


def resolve_target(target, gradients) -> Tuple[Optional[Landscape], Optional[SampleGradients]]:
    """(landscape or None, numba per-sample gradients or None)."""
    if isinstance(target, SampleGradients):
        if gradients is not None:
            raise ValueError("give the per-sample gradients either as `target` or as `gradients`, not both")
        return None, target
    if not isinstance(target, Landscape):
        raise TypeError(f"`target` must be a Landscape (any landscape, e.g. Landscape.from_samples(...) or a "
                        f"construction) or SampleGradients, got {type(target).__name__}")
    if gradients is None:
        gradients = target.sample_gradients
    elif not isinstance(gradients, SampleGradients):
        raise TypeError(f"`gradients` must be SampleGradients, got {type(gradients).__name__}")
    return target, gradients


def check_user_function(gradients: SampleGradients, x: float) -> None:
    """Compile a user's ``func(x, i, params)`` once in Python, with messages that say how to fix it."""
    import numba
    from numba.core.registry import CPUDispatcher
    func = gradients.func
    fix = ("decorate it with @numba.njit and use only numba-supported operations on floats, ints and the "
           "float64 `params` array; signature func(x: float, i: int, params: float64[::1]) -> float")
    if not isinstance(func, CPUDispatcher):
        raise TypeError(f"per-sample gradient {getattr(func, '__name__', func)!r} is not a numba function, so "
                        f"the SGD kernels cannot call it: {fix}")
    try:
        value = func(float(x), 0, gradients.params)
    except numba.core.errors.NumbaError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TypeError(f"numba could not compile per-sample gradient {func.__name__!r} for (float64, int64, "
                        f"float64[::1]): {first} ... Fix: {fix}") from exc
    try:
        float(value)
    except (TypeError, ValueError):
        raise TypeError(f"per-sample gradient {func.__name__!r} must return a float, got {value!r}") from None


def initial_positions(init, n_walkers: int, landscape: Optional[Landscape], eta: float, seed: int) -> np.ndarray:
    """The walkers' starting points (``eta``: the first iteration's rate, for ``init="stationary"``)."""
    if isinstance(init, str):
        key = init.strip()
        if key == "stationary":
            if landscape is None:
                raise ValueError("`init='stationary'` needs a landscape (its stationary law); give a Landscape as "
                                 "`target`")
            rng = np.random.default_rng([seed, STATIONARY_STREAM])
            return sample_stationary(landscape, eta, n_walkers, rng=rng)
        wells = landscape.wells if landscape is not None else {}
        if key in wells:
            return np.full(n_walkers, float(wells[key]))
        raise ValueError(f"`init` = {init!r} is not understood: give a float, an array of {n_walkers} floats, "
                         f"'stationary'" + (f", or a well label among {sorted(wells)}" if wells else ""))
    arr = as_1d_float_array(init, "init")
    if arr.size == 1:
        return np.full(n_walkers, float(arr[0]))
    if arr.size != n_walkers:
        raise ValueError(f"`init` must be a float or have n_walkers = {n_walkers} entries, got {arr.size}")
    return arr.copy()


def record_iterations(record_at, n_iterations: int) -> np.ndarray:
    """Sorted unique iterations in [0, n_iterations] (default: the last)."""
    if record_at is None:
        return np.array([n_iterations], dtype=np.int64)
    steps = np.atleast_1d(np.asarray(record_at))
    if steps.size == 0:
        return np.zeros(0, dtype=np.int64)
    if (steps.ndim != 1 or not np.issubdtype(steps.dtype, np.number) or not np.all(np.isfinite(steps.astype(float)))
            or np.any(steps != np.round(steps))):
        raise ValueError(f"`record_at` must be integer iterations, got {np.asarray(record_at).tolist()}")
    steps = np.unique(steps.astype(np.int64))
    if steps[0] < 0 or steps[-1] > n_iterations:
        raise ValueError(f"`record_at` iterations must lie in [0, n_iterations = {n_iterations}], got {steps.tolist()}")
    return steps


def bin_edges(bins, landscape: Optional[Landscape], x0: np.ndarray) -> np.ndarray:
    """Histogram edges: ``bins`` equal bins on the domain (default 100), or the given edges."""
    if bins is None:
        bins = 100
    if np.ndim(bins) == 0:
        count = positive_int(bins, "bins")
        if landscape is not None:
            a, b = landscape.domain
        else:
            a, b = float(x0.min()) - 1.0, float(x0.max()) + 1.0
        return np.linspace(a, b, count + 1)
    edges = as_1d_float_array(bins, "bins")
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("`bins` edges must be strictly increasing with at least two entries")
    return edges


def basin_edges(edges, landscape: Optional[Landscape]) -> np.ndarray:
    """Sorted basin boundaries: the given points, or the landscape's saddles."""
    if edges is None:
        if landscape is None:
            return np.zeros(0)
        return np.array([cp.x for cp in basins_of(landscape).saddles], dtype=float)
    if np.size(edges) == 0:
        return np.zeros(0)
    return np.sort(as_1d_float_array(np.atleast_1d(edges), "basin_edges"))


def passage_points(points) -> np.ndarray:
    """The passage points as a float array (possibly empty)."""
    if points is None or np.size(points) == 0:
        return np.zeros(0)
    return as_1d_float_array(np.atleast_1d(points), "passage_points")


def divergence_bound(bound, landscape: Optional[Landscape], x0: np.ndarray) -> float:
    """The divergence bound: given, or 1e6 times the domain's scale (or the initial positions')."""
    if bound is None:
        if landscape is not None:
            scale = max(1.0, *(abs(v) for v in landscape.domain))
        else:
            scale = max(1.0, float(np.abs(x0).max()))
        value = 1e6 * scale
    else:
        value = positive_float(bound, "divergence_bound")
    if np.any(np.abs(x0) > value):
        raise ValueError(f"initial positions must lie within the divergence bound |x| <= {value:g}")
    return value
