r"""Monte Carlo SGD: ensembles of minibatch SGD walkers in numba kernels.

:func:`simulate_sgd` runs ``n_walkers`` independent copies of

.. math:: \theta_{k+1} = \theta_k - \frac{\eta}{B}\sum_{b=1}^{B} \ell_{z_{k,b}}'(\theta_k),
          \qquad z_{k,b} \sim \mathrm{Uniform}\{0,\dots,n-1\}\ \text{i.i.d.}

(minibatches drawn with replacement, the convention of
:meth:`fpesolve.Landscape.from_samples`), or of the noise models

.. math:: \theta_{k+1} = \theta_k - \eta\big(L'(\theta_k) + \sqrt{\Sigma(\theta_k)/B}\;\xi_k\big),

with :math:`\xi_k` standard Gaussian (``noise="gaussian"``) or :math:`\pm1`
with probability 1/2 each (``noise="two-point"``), :math:`L'` and
:math:`\Sigma` being the mean and the variance of the per-sample gradients.
The Ito SDE :math:`d\theta = -L'dt + \sqrt{\eta\Sigma/B}\,dW` (continuous time
:math:`t = \eta k`) is the small-:math:`\eta` limit of all three.

Per-sample gradients are numba functions ``grad(x, i, params) -> float``
(:class:`SampleGradients`); the built-in constructions
(:mod:`fpesolve.failure_modes.constructions`) carry theirs and run in kernels cached on
disk.  A user function is inlined into a fresh copy of the kernel (a few
seconds of compilation per session).

Reproducibility: walker ``w`` draws from its own xoshiro256** stream seeded
from ``(seed, w)``, so results are identical for any number of threads and
with or without ``progress``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from .._util.validation import as_1d_float_array, positive_float, positive_int
from ..core.basins import basins as basins_of
from ..core.landscape import Landscape, SampleGradients

__all__ = ["SampleGradients", "SGDEnsemble", "simulate_sgd"]

_NOISE_CODES = {None: 0, "samples": 0, "gaussian": 1, "two-point": 2}


def _readonly(arr) -> np.ndarray:
    arr = np.asarray(arr)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class SGDEnsemble:
    """The outcome of :func:`simulate_sgd` (all times in SGD iterations).

    Attributes
    ----------
    eta, batch_size, noise, n_steps, n_walkers, seed
        The run's settings (``noise`` is ``"samples"`` for real minibatch SGD).
    record_steps : ndarray of int, shape (R,)
        Iterations at which histograms and basin counts were taken.
    bin_edges : ndarray, shape (M + 1,)
    counts : ndarray of int, shape (R, M)
        Walkers per bin at each recorded iteration.
    underflow, overflow : ndarray of int, shape (R,)
        Running walkers left of / right of the bins.
    diverged_by, stopped_by : ndarray of int, shape (R,)
        Walkers that had diverged (or stopped after their passages) by then.
    basin_edges : ndarray, shape (K - 1,)
        The saddles that split the line into ``K`` basins (basin ``j`` is
        ``basin_edges[j-1] < x <= basin_edges[j]``).
    occupancy : ndarray of int, shape (R, K)
        Running walkers per basin at each recorded iteration.
    initial_positions, final_positions : ndarray, shape (n_walkers,)
        Final positions of diverged walkers are their first out-of-bound value.
    escape_steps : ndarray of int, shape (n_walkers,)
        First iteration at which a walker is in another basin than its
        initial one (-1: never within ``n_steps``).
    escape_basins : ndarray of int
        The basin it entered then (-1: never).
    passage_points : ndarray, shape (P,)
    passage_steps : ndarray of int, shape (P, n_walkers)
        First iteration on the other side of each passage point (-1: never).
    divergence_steps : ndarray of int, shape (n_walkers,)
        First iteration with ``|x| > divergence_bound`` or ``x`` not finite (-1: never).
    divergence_bound : float
    elapsed : float
        Wall-clock seconds of the kernel calls.
    """

    eta: float
    batch_size: int
    noise: str
    n_steps: int
    n_walkers: int
    seed: int
    record_steps: np.ndarray
    bin_edges: np.ndarray
    counts: np.ndarray
    underflow: np.ndarray
    overflow: np.ndarray
    diverged_by: np.ndarray
    stopped_by: np.ndarray
    basin_edges: np.ndarray
    occupancy: np.ndarray
    initial_positions: np.ndarray
    final_positions: np.ndarray
    escape_steps: np.ndarray
    escape_basins: np.ndarray
    passage_points: np.ndarray
    passage_steps: np.ndarray
    divergence_steps: np.ndarray
    divergence_bound: float
    elapsed: float = field(compare=False)

    # ------------------------------------------------------------------ derived quantities
    @property
    def diverged(self) -> np.ndarray:
        """Boolean flags: walker diverged within ``n_steps``."""
        return self.divergence_steps >= 0

    @property
    def fraction_diverged(self) -> float:
        """Fraction of walkers that diverged."""
        return float(np.mean(self.diverged))

    def _record_index(self, step: Optional[int]) -> int:
        if step is None:
            return self.record_steps.size - 1
        hits = np.flatnonzero(self.record_steps == int(step))
        if hits.size == 0:
            raise ValueError(f"iteration {step!r} was not recorded; recorded: {self.record_steps.tolist()}")
        return int(hits[0])

    def density(self, step: Optional[int] = None) -> np.ndarray:
        """Histogram density (1/[theta]) at a recorded iteration (default the last),
        normalised by *all* walkers: ``counts / (n_walkers * bin width)``."""
        r = self._record_index(step)
        return self.counts[r] / (self.n_walkers * np.diff(self.bin_edges))

    def occupancy_fraction(self, step: Optional[int] = None) -> np.ndarray:
        """Fraction of all walkers in each basin at a recorded iteration (default the last)."""
        return self.occupancy[self._record_index(step)] / self.n_walkers

    def mean_escape_steps(self) -> Tuple[float, float, int]:
        """(mean, standard error, number censored) of :attr:`escape_steps` over walkers that escaped."""
        return _mean_stderr(self.escape_steps)

    def mean_passage_steps(self, k: int = 0) -> Tuple[float, float, int]:
        """(mean, standard error, number censored) of the first passage over ``passage_points[k]``."""
        return _mean_stderr(self.passage_steps[k])

    @property
    def walker_steps_per_second(self) -> float:
        """Throughput of the kernel calls (upper bound on steps actually taken)."""
        return self.n_walkers * self.n_steps / self.elapsed if self.elapsed > 0 else math.inf

    def summary(self) -> str:
        """A readable report of the run."""
        lines = [f"SGD ensemble: {self.n_walkers} walkers x {self.n_steps} iterations, eta = {self.eta:g}, "
                 f"B = {self.batch_size}, noise = {self.noise}, seed = {self.seed}",
                 f"  diverged: {int(self.diverged.sum())} ({self.fraction_diverged:.3%}) beyond |x| > "
                 f"{self.divergence_bound:g}"]
        if self.basin_edges.size:
            occ = self.occupancy_fraction()
            lines.append(f"  basins split at {np.array2string(self.basin_edges, precision=6)}; occupancy at "
                         f"iteration {self.record_steps[-1]}: " + ", ".join(f"{o:.4f}" for o in occ))
            mean, err, cens = self.mean_escape_steps()
            n_esc = self.n_walkers - cens
            lines.append(f"  escaped from the initial basin: {n_esc}; mean escape iteration "
                         + (f"{mean:.6g} +- {err:.2g}" if n_esc else "n/a")
                         + (f" (among escapers; {cens} censored)" if cens else ""))
        for k, point in enumerate(self.passage_points):
            mean, err, cens = self.mean_passage_steps(k)
            lines.append(f"  first passage over {point:+.6g}: mean {mean:.6g} +- {err:.2g} iterations"
                         + (f" ({cens} censored)" if cens else ""))
        lines.append(f"  histograms at iterations {self.record_steps.tolist()} on {self.bin_edges.size - 1} bins "
                     f"[{self.bin_edges[0]:g}, {self.bin_edges[-1]:g}]")
        lines.append(f"  {self.elapsed:.3g} s, {self.walker_steps_per_second:.3g} walker-steps/s")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _mean_stderr(steps: np.ndarray) -> Tuple[float, float, int]:
    done = steps[steps >= 0].astype(float)
    censored = int(steps.size - done.size)
    if done.size == 0:
        return math.nan, math.nan, censored
    err = float(done.std(ddof=1) / math.sqrt(done.size)) if done.size > 1 else math.inf
    return float(done.mean()), err, censored


# ---------------------------------------------------------------------------- input handling
def _resolve_target(target, gradients):
    """(landscape or None, SampleGradients)."""
    landscape = target if isinstance(target, Landscape) else None
    if isinstance(target, SampleGradients):
        if gradients is not None:
            raise ValueError("give the per-sample gradients either as `target` or as `gradients`, not both")
        return None, target
    if landscape is None:
        raise TypeError(f"`target` must be a Landscape (e.g. a construction from fpesolve.constructions) or "
                        f"SampleGradients, got {type(target).__name__}")
    if gradients is None:
        gradients = landscape.sample_gradients
    if gradients is None:
        raise ValueError(
            f"landscape {landscape.name!r} has no numba-compilable per-sample gradients; pass "
            f"`gradients=SampleGradients(func, params, n)` with `func(x, i, params)` decorated by @numba.njit "
            f"(its Python callables cannot run inside the SGD kernels)")
    if not isinstance(gradients, SampleGradients):
        raise TypeError(f"`gradients` must be SampleGradients, got {type(gradients).__name__}")
    return landscape, gradients


def _check_user_function(gradients: SampleGradients, x: float) -> None:
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


def _initial_positions(init, n_walkers: int, landscape: Optional[Landscape], eta: float, seed: int) -> np.ndarray:
    if isinstance(init, str):
        key = init.strip()
        if key == "stationary":
            if landscape is None:
                raise ValueError("`init='stationary'` needs a landscape")
            return _sample_stationary(landscape, eta, n_walkers, seed)
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


def _sample_stationary(landscape: Landscape, eta: float, n: int, seed: int, n_grid: int = 1 << 14) -> np.ndarray:
    """Draw from the exact stationary density at learning rate ``eta`` by inverting its CDF.

    The CDF comes from Gauss–Legendre masses of the closed-form density on
    ``n_grid`` equal panels (each exact to ~1e-13) and is inverted by linear
    interpolation inside a panel, which misplaces points within a panel of
    width ``(b - a)/n_grid`` only.
    """
    from ..core.quadrature import gauss_legendre
    from ..core.stationary import log_stationary_density
    from scipy.special import logsumexp
    a, b = landscape.domain
    edges = np.linspace(a, b, n_grid + 1)
    nodes, weights = gauss_legendre(8)
    h = np.diff(edges)
    x = (edges[:-1, None] + 0.5 * h[:, None] * (nodes[None, :] + 1.0))
    logp = log_stationary_density(landscape, eta, x.ravel()).reshape(x.shape)
    logm = logsumexp(logp + np.log(weights)[None, :], axis=1) + np.log(0.5 * h)
    cdf = np.concatenate(([0.0], np.cumsum(np.exp(logm - logsumexp(logm)))))
    cdf /= cdf[-1]
    u = np.random.default_rng([seed, 0x5EED]).random(n)
    return np.interp(u, cdf, edges)


def _record_steps(record_at, n_steps: int) -> np.ndarray:
    if record_at is None:
        return np.array([n_steps], dtype=np.int64)
    steps = np.atleast_1d(np.asarray(record_at))
    if steps.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.all(np.isfinite(steps.astype(float))) or np.any(steps != np.round(steps)):
        raise ValueError(f"`record_at` must be integer iterations, got {steps.tolist()}")
    steps = np.unique(steps.astype(np.int64))
    if steps[0] < 0 or steps[-1] > n_steps:
        raise ValueError(f"`record_at` iterations must lie in [0, n_steps = {n_steps}], got {steps.tolist()}")
    return steps


def _bin_edges(bins, landscape: Optional[Landscape], x0: np.ndarray) -> np.ndarray:
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


# ---------------------------------------------------------------------------- the public function
def simulate_sgd(target: Union[Landscape, SampleGradients], eta: float, n_steps: int, n_walkers: int,
                 init: Union[float, Sequence[float], np.ndarray, str], *, batch_size: Optional[int] = None,
                 noise: Optional[str] = None, seed: int = 0, record_at: Optional[Sequence[int]] = None,
                 bins: Union[int, Sequence[float], None] = None, basin_edges: Optional[Sequence[float]] = None,
                 passage_points: Optional[Sequence[float]] = None, divergence_bound: Optional[float] = None,
                 stop_after_passage: bool = False, gradients: Optional[SampleGradients] = None,
                 parallel: bool = True, progress: bool = False) -> SGDEnsemble:
    r"""Run an ensemble of SGD walkers and collect histograms, basins, escapes and divergences.

    Parameters
    ----------
    target : Landscape or SampleGradients
        A construction (which carries numba per-sample gradients), any
        Landscape together with ``gradients=``, or bare :class:`SampleGradients`.
    eta : float
        Learning rate :math:`\eta > 0`.
    n_steps : int
        Iterations per walker, >= 1.
    n_walkers : int
        Number of independent walkers, >= 1.
    init : float, array of shape (n_walkers,), or str
        Initial positions; ``"stationary"`` draws them from the exact
        Fokker–Planck stationary density of ``target`` at :math:`\tau = \eta`;
        a well label (``"A"``, ``"B"``) of a construction starts every walker there.
    batch_size : int, optional
        Minibatch size ``B`` (drawn with replacement), ``1 <= B <= n``; default
        the construction's own ``batch_size`` (else 1).
    noise : {None, "samples", "gaussian", "two-point"}
        ``None``/``"samples"``: real minibatch SGD on the per-sample gradients;
        otherwise the gradient :math:`L'` plus Gaussian or two-point noise of
        variance :math:`\Sigma/B` (from the per-sample gradients' mean and variance).
    seed : int
        Seed of the per-walker random streams (results do not depend on threads).
    record_at : sequence of int, optional
        Iterations (0 = initial state) at which to histogram and count basins;
        default ``[n_steps]``.
    bins : int or sequence of float, optional
        Number of equal bins on the landscape's domain (default 100) or the edges.
    basin_edges : sequence of float, optional
        Points that split the line into basins; default the saddles of the landscape.
    passage_points : sequence of float, optional
        Points whose first crossing (to the other side than the start) is timed.
    divergence_bound : float, optional
        A walker diverges when :math:`|\theta| >` this bound or :math:`\theta` is
        not finite; default :math:`10^6 \max(1, |a|, |b|)` for domain ``(a, b)``.
    stop_after_passage : bool
        Stop a walker once it has crossed every passage point (saves time when
        only passage times matter; later histograms then miss it, see
        :attr:`SGDEnsemble.stopped_by`).
    gradients : SampleGradients, optional
        Per-sample gradients for a plain Landscape.
    parallel : bool
        Spread walkers over numba threads.
    progress : bool
        Show a tqdm progress bar over batches of walkers.

    Returns
    -------
    SGDEnsemble

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_steps <= 0``, ``n_walkers <= 0``, ``batch_size > n``,
        bad ``init``/``record_at``/``bins``, or an unknown ``noise``.
    TypeError
        If the per-sample gradient is not a numba function or numba cannot
        compile it (the message says how to fix it).
    """
    landscape, gradients = _resolve_target(target, gradients)
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    n_steps = positive_int(n_steps, "n_steps")
    n_walkers = positive_int(n_walkers, "n_walkers")
    seed = int(seed)
    if not 0 <= seed < 2 ** 63:
        raise ValueError(f"`seed` must be an integer in [0, 2**63), got {seed}")
    if batch_size is None:
        batch_size = landscape.batch_size if landscape is not None and landscape.batch_size is not None else 1
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > gradients.n:
        raise ValueError(f"`batch_size` = {batch_size} exceeds the number of samples n = {gradients.n}")
    key = None if noise is None else str(noise).strip().lower()
    if key not in _NOISE_CODES:
        raise ValueError(f"`noise` must be None, 'samples', 'gaussian' or 'two-point', got {noise!r}")
    mode = _NOISE_CODES[key]

    x0 = _initial_positions(init, n_walkers, landscape, eta, seed)
    records = _record_steps(record_at, n_steps)
    edges = _bin_edges(bins, landscape, x0)
    if basin_edges is None:
        basins = np.array([cp.x for cp in basins_of(landscape).saddles]) if landscape is not None else np.zeros(0)
    else:
        basins = np.sort(np.atleast_1d(np.asarray(basin_edges, dtype=float))) if np.size(basin_edges) else np.zeros(0)
        as_1d_float_array(basins, "basin_edges") if basins.size else None
    points = (np.zeros(0) if passage_points is None or np.size(passage_points) == 0
              else as_1d_float_array(passage_points, "passage_points"))
    if divergence_bound is None:
        scale = max(1.0, *(abs(v) for v in landscape.domain)) if landscape is not None else max(1.0, np.abs(x0).max())
        bound = 1e6 * scale
    else:
        bound = positive_float(divergence_bound, "divergence_bound")
    if np.any(np.abs(x0) > bound):
        raise ValueError(f"initial positions must lie within the divergence bound |x| <= {bound:g}")

    from . import _kernels as K
    if gradients.func is K.builtin_sample_grad:
        kernel = K.ensemble_parallel if parallel else K.ensemble_serial
    else:
        _check_user_function(gradients, float(x0[0]))
        kernel = K.user_kernel(gradients.func, parallel)

    n_record, n_bins, n_basins = records.size, edges.size - 1, basins.size + 1
    counts = np.zeros((n_record, n_bins + 2), dtype=np.int64)
    occupancy = np.zeros((n_record, n_basins), dtype=np.int64)
    absent = np.zeros((n_record, 2), dtype=np.int64)
    final_x = np.empty(n_walkers)
    escape_steps = np.full(n_walkers, -1, dtype=np.int64)
    escape_basins = np.full(n_walkers, -1, dtype=np.int64)
    passage_steps = np.full((points.size, n_walkers), -1, dtype=np.int64)
    divergence_steps = np.full(n_walkers, -1, dtype=np.int64)

    n_batches = min(n_walkers, 100) if progress else 1
    threads = _threads() if parallel else 1
    bounds = [(k * n_walkers) // n_batches for k in range(n_batches + 1)]
    iterator = range(n_batches)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_walkers, unit="walker", desc="SGD")
    elapsed = 0.0
    try:
        for k in iterator:
            lo, hi = bounds[k], bounds[k + 1]
            m = hi - lo
            per_chunk_cells = max(1, n_record * (n_bins + 2 + n_basins + 2))
            n_chunks = max(1, min(max(1, m // K.LANES), 8 * threads, max(1, 4_000_000 // per_chunk_cells)))
            hist = np.zeros((n_chunks, n_record, n_bins + 2), dtype=np.int64)
            occ = np.zeros((n_chunks, n_record, n_basins), dtype=np.int64)
            ab = np.zeros((n_chunks, n_record, 2), dtype=np.int64)
            pass_steps = np.full((points.size, m), -1, dtype=np.int64)
            start = time.perf_counter()
            kernel(gradients.params, gradients.n, mode, eta, batch_size, n_steps, x0[lo:hi], np.uint64(seed), lo,
                   records, edges, basins, points, bound, bool(stop_after_passage),
                   hist, occ, ab, final_x[lo:hi], escape_steps[lo:hi], escape_basins[lo:hi],
                   pass_steps, divergence_steps[lo:hi])
            elapsed += time.perf_counter() - start
            passage_steps[:, lo:hi] = pass_steps
            counts += hist.sum(axis=0)
            occupancy += occ.sum(axis=0)
            absent += ab.sum(axis=0)
            if bar is not None:
                bar.update(m)
    finally:
        if bar is not None:
            bar.close()

    return SGDEnsemble(
        eta=eta, batch_size=batch_size, noise=key or "samples", n_steps=n_steps, n_walkers=n_walkers, seed=seed,
        record_steps=_readonly(records), bin_edges=_readonly(edges), counts=_readonly(counts[:, 1:-1].copy()),
        underflow=_readonly(counts[:, 0].copy()), overflow=_readonly(counts[:, -1].copy()),
        diverged_by=_readonly(absent[:, 0].copy()), stopped_by=_readonly(absent[:, 1].copy()),
        basin_edges=_readonly(basins), occupancy=_readonly(occupancy), initial_positions=_readonly(x0),
        final_positions=_readonly(final_x), escape_steps=_readonly(escape_steps),
        escape_basins=_readonly(escape_basins), passage_points=_readonly(points),
        passage_steps=_readonly(passage_steps), divergence_steps=_readonly(divergence_steps),
        divergence_bound=bound, elapsed=elapsed)


def _threads() -> int:
    try:
        import numba
        return int(numba.get_num_threads())
    except Exception:  # pragma: no cover - numba always importable here
        return os.cpu_count() or 1
