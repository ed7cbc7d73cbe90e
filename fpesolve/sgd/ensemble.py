r"""Monte Carlo SGD on any landscape: ensembles of walkers in numba kernels or a numpy stepper.

:func:`simulate_sgd` runs ``n_walkers`` independent copies of

.. math:: \theta_{k+1} = \theta_k - \eta_k\, g_k(\theta_k)

with one of three stochastic gradients (``noise``, see :mod:`fpesolve.sgd.noise`):

* ``"samples"``: a real minibatch :math:`g = \frac1B\sum_{b=1}^{B}\ell_{z_b}'`
  of the per-sample gradients (indices i.i.d. uniform, or a uniform
  ``B``-subset for a landscape built ``replacement=False``);
* ``"gaussian"``: :math:`g = L' + \sqrt{\Sigma}\,\xi`, :math:`\xi\sim N(0,1)`;
* ``"two-point"``: :math:`g = L' \pm \sqrt{\Sigma}`, signs equally likely;

where :math:`\Sigma` is the per-step gradient-noise variance (already divided
by ``B``).  The Ito SDE :math:`d\theta = -L'dt + \sqrt{\eta\Sigma}\,dW`
(continuous time :math:`t = \eta k`) is the small-:math:`\eta` limit of all
three.

Where the gradients come from (the result's ``source``), in this order:

1. numba per-sample gradients ``func(x, i, params)``
   (:class:`~fpesolve.SampleGradients`, e.g. of the built-in constructions,
   whose models run in kernels cached on disk; or a user's ``@numba.njit``
   function, passed to the cached kernel as a function pointer);
2. a finite-sum landscape's vectorised per-sample gradients
   (:meth:`Landscape.from_samples <fpesolve.Landscape.from_samples>`:
   ``samples.grads(x) -> (n, m)``), for real minibatches of its
   ``batch_size`` with its ``replacement``;
3. any landscape's vectorised :math:`L'` and :math:`\Sigma`, for Gaussian and
   two-point noise.

Sources 2 and 3 are compiled with numba when numba can compile the user's
callables and the compiled code agrees with numpy at probe points
(``method="numba"``); otherwise a vectorised numpy stepper runs
(``method="numpy"``) with a :class:`~fpesolve.PerformanceWarning`.  The
kernels are compiled once and cached on disk (the first run prints a notice);
user functions reach them as function pointers and cost only their own
compilation, about a second once per process and function.

Reproducibility (``rng``, SPEC 7): walker ``w`` of the numba kernels draws
from its own xoshiro256** stream seeded from ``(seed, w)``, so results are
identical for any number of threads and with or without ``progress``; the
numpy stepper draws from one generator seeded by ``seed``.  ``rng=<int>``
is the seed itself.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from typing import Optional, Sequence, Union

import numpy as np

from .._util.deprecation import renamed_keyword
from .._util.errors import PerformanceWarning
from .._util.progress import compile_notice, get_progress, progress_bar
from .._util.random import RNGLike, kernel_seed
from .._util.validation import positive_int
from ..core.landscape import Landscape, SampleGradients
from . import _inputs as inputs
from ._plan import NUMPY_STREAM, Plan, failure_error, plan_run
from .result import CensoredMean, SGDEnsemble

__all__ = ["SampleGradients", "SGDEnsemble", "CensoredMean", "simulate_sgd", "METHODS", "LearningRateSchedule"]

LearningRateSchedule = inputs.LearningRateSchedule

#: walker-iterations per kernel call when a progress bar may show (about a second of work)
WALKER_STEPS_PER_BATCH = 50_000_000
#: most kernel calls (progress updates) per run
MAX_BATCHES = 100
#: cells of histogram and basin counts per chunk (bounds the chunks' memory)
CHUNK_CELLS = 4_000_000
#: first-call compile time of the ensemble kernels, for the notice (measured: benchmarks/bench_sgd.py)
COMPILE_SECONDS = 20


def _run_numba(plan: Plan, spec, x0: np.ndarray, parallel: bool, progress) -> tuple:
    from . import _ensemble_kernel as K
    from ._rng import LANES

    compile_notice("Monte Carlo SGD", K.__file__, COMPILE_SECONDS)
    kernel = K.ensemble_parallel if parallel else K.ensemble_serial
    n_walkers = x0.size
    n_record, n_bins, n_basins = spec.record_iterations.size, spec.bin_edges.size - 1, spec.basin_edges.size + 1
    n_pass = spec.passage_points.size
    counts = np.zeros((n_record, n_bins + 2), dtype=np.int64)
    occupancy = np.zeros((n_record, n_basins), dtype=np.int64)
    absent = np.zeros((n_record, 2), dtype=np.int64)
    final_x = np.empty(n_walkers)
    escape_step = np.full(n_walkers, -1, dtype=np.int64)
    escape_basin = np.full(n_walkers, -1, dtype=np.int64)
    passage_step = np.full((n_pass, n_walkers), -1, dtype=np.int64)
    diverged_step = np.full(n_walkers, -1, dtype=np.int64)

    mode = get_progress() if progress is None else progress
    off = mode is False or (isinstance(mode, str) and mode.strip().lower() in ("off", "false", "0"))
    work = n_walkers * spec.n_iterations
    n_batches = 1 if off else int(min(MAX_BATCHES, max(1, n_walkers // LANES),
                                      max(1, math.ceil(work / WALKER_STEPS_PER_BATCH))))
    if progress is True:
        n_batches = max(n_batches, min(n_walkers, MAX_BATCHES))
    threads = _threads() if parallel else 1
    bounds = [(k * n_walkers) // n_batches for k in range(n_batches + 1)]
    elapsed = 0.0
    with progress_bar(progress, total=n_walkers, desc="SGD", unit="walker") as bar:
        for k in range(n_batches):
            lo, hi = bounds[k], bounds[k + 1]
            m = hi - lo
            per_chunk_cells = max(1, n_record * (n_bins + 2 + n_basins + 2))
            n_chunks = max(1, min(max(1, m // LANES), 8 * threads, max(1, CHUNK_CELLS // per_chunk_cells)))
            out = K.Outputs(hist=np.zeros((n_chunks, n_record, n_bins + 2), dtype=np.int64),
                            occupancy=np.zeros((n_chunks, n_record, n_basins), dtype=np.int64),
                            absent=np.zeros((n_chunks, n_record, 2), dtype=np.int64),
                            final_x=final_x[lo:hi], escape_step=escape_step[lo:hi],
                            escape_basin=escape_basin[lo:hi], passage_step=np.full((n_pass, m), -1, dtype=np.int64),
                            diverged_step=diverged_step[lo:hi], status=np.zeros(n_chunks, dtype=np.int64),
                            bad_x=np.full((n_chunks, LANES), np.nan), bad_t=np.zeros(n_chunks, dtype=np.int64))
            start = time.perf_counter()
            kernel(plan.source, spec._replace(walker_offset=lo), x0[lo:hi], out)
            elapsed += time.perf_counter() - start
            failed = np.flatnonzero(out.status)
            if failed.size:
                c = int(failed[0])
                raise failure_error(plan, int(out.status[c]), out.bad_x[c], int(out.bad_t[c]))
            passage_step[:, lo:hi] = out.passage_step
            counts += out.hist.sum(axis=0)
            occupancy += out.occupancy.sum(axis=0)
            absent += out.absent.sum(axis=0)
            bar.update(m)
    return (counts, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step), elapsed


def _run_numpy(plan: Plan, spec, x0: np.ndarray, parallel: bool, progress) -> tuple:
    from ._numpy_stepper import run_numpy

    rng = np.random.default_rng([int(spec.seed), NUMPY_STREAM])
    start = time.perf_counter()
    with progress_bar(progress, total=spec.n_iterations, desc="SGD (numpy)", unit="it") as bar:
        res = run_numpy(plan.numpy_gradient, spec, x0, rng, bar)
    elapsed = time.perf_counter() - start
    return ((res["hist"][0], res["occupancy"][0], res["absent"][0], res["final_x"], res["escape_step"],
             res["escape_basin"], res["passage_step"], res["diverged_step"]), elapsed)


#: how the walkers are stepped, by name (the result's ``method``)
METHODS = {"numba": _run_numba, "numpy": _run_numpy}


def _threads() -> int:
    try:
        import numba
        return int(numba.get_num_threads())
    except Exception:  # pragma: no cover - numba always importable here
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- the public function
@renamed_keyword("seed", "rng")
@renamed_keyword("n_steps", "n_iterations")
def simulate_sgd(target: Union[Landscape, SampleGradients], eta, n_iterations: int, n_walkers: int,
                 init: Union[float, Sequence[float], np.ndarray, str], *, batch_size: Optional[int] = None,
                 noise: Optional[str] = None, rng: RNGLike = None, method: Optional[str] = None,
                 record_at: Optional[Sequence[int]] = None, bins: Union[int, Sequence[float], None] = None,
                 basin_edges: Optional[Sequence[float]] = None, passage_points: Optional[Sequence[float]] = None,
                 divergence_bound: Optional[float] = None, stop_after_passage: bool = False,
                 gradients: Optional[SampleGradients] = None, parallel: bool = True,
                 progress: Union[bool, str, None] = None) -> SGDEnsemble:
    r"""Run an ensemble of SGD walkers on any landscape; histograms, basins, escapes and divergences.

    Parameters
    ----------
    target : Landscape or SampleGradients
        Any :class:`~fpesolve.Landscape` (Gaussian / two-point noise need only
        its :math:`L'` and :math:`\Sigma`), a finite-sum landscape from
        :meth:`~fpesolve.Landscape.from_samples` (real minibatches), a
        construction (built-in numba models), or bare :class:`~fpesolve.SampleGradients`.
    eta : float, array of shape (n_iterations,), or schedule
        The learning rate :math:`\eta > 0`; or the rate of every iteration
        (``eta[k]`` for the step from iteration ``k`` to ``k + 1``); or a
        schedule: an object passing ``isinstance(eta, LearningRateSchedule)``,
        i.e. with a method ``etas(n_iterations) -> ndarray`` (such as
        :class:`fpesolve.core.schedules.Schedule`), whose rates are used.
        A constant schedule gives bit for bit the run of the float rate.
    n_iterations : int
        SGD iterations per walker, >= 1 (``n_steps=`` is the deprecated name).
    n_walkers : int
        Number of independent walkers, >= 1.
    init : float, array of shape (n_walkers,), or str
        Initial positions; ``"stationary"`` draws them from the exact
        Fokker–Planck stationary law at the first iteration's rate
        (:func:`fpesolve.sgd.sampling.sample_stationary`); a well label
        (``"A"``, ``"B"``) of a landscape with ``wells`` starts every walker there.
    batch_size : int, optional
        Minibatch size ``B`` of ``noise="samples"`` (and of Gaussian / two-point
        noise built from numba per-sample gradients, variance :math:`s^2/B`);
        default the landscape's ``batch_size``.  Where none is known, this
        raises and asks for it.  Gaussian / two-point noise from a landscape's
        :math:`\Sigma` uses that per-step variance as it is (not divided
        again): ``batch_size`` must then be omitted or equal the landscape's.
    noise : {None, "samples", "gaussian", "two-point"}
        The stochastic gradient (:data:`fpesolve.sgd.noise.NOISE_MODELS`);
        default ``"samples"`` where per-sample gradients exist.  A landscape
        with only :math:`L'` and :math:`\Sigma` needs ``"gaussian"`` or ``"two-point"``.
    rng : None, int or numpy.random.Generator
        Random numbers (SPEC 7).  An int is the seed of the walkers' streams
        (``rng=7`` repeats a run exactly); ``None`` draws a fresh seed, and a
        Generator gives one.  ``seed=`` is the deprecated name.  The seed
        used is :attr:`SGDEnsemble.seed`.
    method : {None, "numba", "numpy"}
        How to step the walkers (:data:`METHODS`).  ``None``: numba where it
        can compile the gradients, else numpy with a PerformanceWarning;
        ``"numba"``: raise if it cannot; ``"numpy"``: the numpy stepper
        (on the landscape's vectorised callables).
    record_at : sequence of int, optional
        Iterations (0 = initial state) at which to histogram and count basins;
        default ``[n_iterations]``.
    bins : int or sequence of float, optional
        Number of equal bins on the landscape's domain (default 100) or the edges.
    basin_edges : sequence of float, optional
        Points that split the line into basins; default the saddles of the landscape.
    passage_points : sequence of float, optional
        Points whose first crossing (to the other side than the start) is timed.
    divergence_bound : float, optional
        A walker diverges when :math:`|\theta| >` this bound or :math:`\theta` is
        not finite (e.g. a gradient that returned NaN); default
        :math:`10^6 \max(1, |a|, |b|)` for domain ``(a, b)``.
    stop_after_passage : bool
        Stop a walker once it has crossed every passage point (saves time when
        only passage times matter; later histograms then miss it, see
        :attr:`SGDEnsemble.stopped_by`).
    gradients : SampleGradients, optional
        numba per-sample gradients for a landscape that has none.
    parallel : bool
        Spread walkers over numba threads (results do not depend on it).
    progress : None, bool or "auto"
        A progress bar (``None``: the package default, see :func:`fpesolve.set_progress`).

    Returns
    -------
    SGDEnsemble
        With ``method`` (``"numba"`` or ``"numpy"``) and ``source`` saying how
        the run was computed.

    Raises
    ------
    ValueError
        For ``eta <= 0`` (or a schedule of other length than ``n_iterations``),
        ``n_iterations <= 0``, ``n_walkers <= 0``, ``batch_size > n``, no known
        ``batch_size``, bad ``init``/``record_at``/``bins``, an unknown
        ``noise`` or ``method`` (the message lists the names), ``"samples"``
        noise without per-sample gradients, or a walker reaching a point where
        :math:`\Sigma < 0`.
    TypeError
        If a per-sample gradient is not a numba function or numba cannot
        compile it (the message says how to fix it), or if ``method="numba"``
        and numba cannot compile the landscape's callables.

    Warns
    -----
    PerformanceWarning
        When ``method=None`` falls back to the numpy stepper (the message says why).

    Examples
    --------
    Gaussian noise on a plain landscape (an Ornstein–Uhlenbeck process,
    stationary variance :math:`\eta\Sigma/(2H)` = 0.025 at small :math:`\eta`):

    >>> import numpy as np
    >>> from fpesolve import Landscape, simulate_sgd
    >>> ou = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: np.ones_like(x), domain=(-3.0, 3.0))
    >>> run = simulate_sgd(ou, 0.1, 200, 4000, init=0.0, noise="gaussian", rng=1)
    >>> run.method, run.noise
    ('numba', 'gaussian')
    >>> bool(abs(run.final_positions.var() - 0.1 / (2 * 2 * (1 - 0.1))) < 0.003)   # exact for this linear map
    True
    """
    landscape, gradients = inputs.resolve_target(target, gradients)
    n_iterations = positive_int(n_iterations, "n_iterations")
    n_walkers = positive_int(n_walkers, "n_walkers")
    etas, eta_out = inputs.learning_rates(eta, n_iterations)
    seed = kernel_seed(rng)
    if method is not None and method not in METHODS:
        raise ValueError(f"`method` = {method!r} is not a method; choose one of {sorted(METHODS)} (or None)")

    x0 = inputs.initial_positions(init, n_walkers, landscape, float(etas[0]), seed)
    bound = inputs.divergence_bound(divergence_bound, landscape, x0)
    plan = plan_run(landscape, gradients, noise, batch_size, method, x0)
    if plan.warning:
        warnings.warn(plan.warning, PerformanceWarning, stacklevel=3)

    from ._ensemble_kernel import RunSpec
    spec = RunSpec(mode=plan.noise.code, etas=np.ascontiguousarray(etas, dtype=np.float64),
                   batch_size=int(plan.batch_size or 1), n_iterations=n_iterations, seed=np.uint64(seed),
                   walker_offset=0, bound=float(bound), stop_after_passage=bool(stop_after_passage),
                   record_iterations=np.ascontiguousarray(inputs.record_iterations(record_at, n_iterations),
                                                          dtype=np.int64),
                   bin_edges=np.array(inputs.bin_edges(bins, landscape, x0), dtype=np.float64),
                   basin_edges=np.array(inputs.basin_edges(basin_edges, landscape), dtype=np.float64),
                   passage_points=np.array(inputs.passage_points(passage_points), dtype=np.float64))
    x0 = np.ascontiguousarray(x0, dtype=np.float64)
    arrays, elapsed = METHODS[plan.method](plan, spec, x0, parallel, progress)
    counts, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step = arrays

    return SGDEnsemble(
        method=plan.method, source=plan.description, noise=plan.noise.name, eta=eta_out,
        batch_size=plan.batch_size, n_iterations=n_iterations, n_walkers=n_walkers, seed=seed,
        record_iterations=spec.record_iterations, bin_edges=spec.bin_edges, counts=counts[:, 1:-1].copy(),
        underflow=counts[:, 0].copy(), overflow=counts[:, -1].copy(), diverged_by=absent[:, 0].copy(),
        stopped_by=absent[:, 1].copy(), basin_edges=spec.basin_edges, occupancy=occupancy, initial_positions=x0,
        final_positions=final_x, escape_iterations=escape_step, escape_basins=escape_basin,
        passage_points=spec.passage_points, passage_iterations=passage_step, divergence_iterations=diverged_step,
        divergence_bound=bound, elapsed=elapsed)
