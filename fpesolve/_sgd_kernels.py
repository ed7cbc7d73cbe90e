r"""Numba kernels for Monte Carlo SGD ensembles (private).

Everything here is ``@njit(cache=True)`` and compiled lazily on first use;
data (parameters, grids, outputs) always arrive as arguments.

Per-sample gradient functions share one signature::

    grad(x: float64, i: int64, params: float64[::1]) -> float64

the gradient :math:`\ell_i'(x)` of sample ``i`` (``0 <= i < n``).  The
built-in constructions use :func:`builtin_sample_grad`, which dispatches on
``params[0]`` (the model code):

``MODEL_TWO_WELL`` (0)
    ``params = [0, L0, dV, xm, ell, alpha, beta, gamma, m, Delta]``; with
    :math:`y = (x - x_m)/\ell`, :math:`r = \sqrt{1+y^2}`:
    :math:`u = \gamma + \alpha (x - x_m) + \beta \ell r`,
    :math:`u' = \alpha + \beta y/r`, :math:`L' = 4\,\Delta V\,u(u^2-1)\,u'`,
    :math:`s = m + \Delta\, y/r`, and two samples with
    :math:`\ell_0' = L' + s`, :math:`\ell_1' = L' - s`.
``MODEL_QUADRATIC`` (1)
    ``params = [1, n, h_0..h_{n-1}, c_0..c_{n-1}]``;
    :math:`\ell_i' = h_i (x - c_i)`.

Random numbers: every walker owns a xoshiro256** stream seeded by
SplitMix64 from ``(seed, walker index)``, so results do not depend on the
number of threads or on how walkers are split into chunks.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

MODEL_TWO_WELL = 0
MODEL_QUADRATIC = 1

LANES = 8             # walkers advanced together in one chunk (latency hiding)
NOISE_SAMPLES = 0     # real minibatch SGD on the per-sample gradients
NOISE_GAUSSIAN = 1    # L'(x) + sqrt(Sigma(x)/B) * N(0, 1)
NOISE_TWO_POINT = 2   # L'(x) +- sqrt(Sigma(x)/B), signs equally likely

_MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------------------- models
@njit(cache=True)
def two_well_parts(x, params):
    """(L'(x), s(x)) of the two-well model; the per-sample gradients are L' +- s."""
    y = (x - params[3]) / params[4]
    r = math.sqrt(1.0 + y * y)
    sig = y / r
    u = params[7] + params[5] * (x - params[3]) + params[6] * params[4] * r
    up = params[5] + params[6] * sig
    lp = 4.0 * params[2] * u * (u * u - 1.0) * up
    s = params[8] + params[9] * sig
    return lp, s


@njit(cache=True)
def builtin_sample_grad(x, i, params):
    """Gradient of sample ``i`` at ``x`` for the built-in models (see module docstring)."""
    model = int(params[0])
    if model == MODEL_TWO_WELL:
        lp, s = two_well_parts(x, params)
        return lp + s if i == 0 else lp - s
    # MODEL_QUADRATIC
    n = int(params[1])
    return params[2 + i] * (x - params[2 + n + i])


# ----------------------------------------------------------------------------- random numbers
@njit(cache=True)
def _splitmix64(state):
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def _seed_walker(seed, walker):
    """The 4-word xoshiro256** state for ``walker`` from ``seed`` (SplitMix64)."""
    sm = np.uint64(seed) ^ (np.uint64(walker) * np.uint64(0xD1B54A32D192ED03))
    sm, s0 = _splitmix64(sm)
    sm, s1 = _splitmix64(sm)
    sm, s2 = _splitmix64(sm)
    sm, s3 = _splitmix64(sm)
    if s0 == 0 and s1 == 0 and s2 == 0 and s3 == 0:  # pragma: no cover - probability 2**-256
        s0 = np.uint64(1)
    return s0, s1, s2, s3


@njit(cache=True, inline="always")
def _next(s0, s1, s2, s3):
    """One xoshiro256** step: (64 random bits, new state)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(cache=True, inline="always")
def _to_unit(bits):
    """A double in [0, 1) from the top 53 of 64 random bits."""
    return float(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _index(r, n):
    """An index in [0, n) from the top 32 bits of ``r`` (Lemire; bias < n / 2**32)."""
    return int(((r >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


# ----------------------------------------------------------------------------- the ensemble kernel
def _chunk(c, params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
           record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
           hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step):
    """Run chunk ``c`` of the walkers (see :func:`_ensemble_parallel` for the arguments).

    Walkers advance in blocks of ``LANES`` interleaved independent chains, so
    that the latency of one walker's update (a chain of dependent square
    roots and divisions) overlaps with the others'.  Per-sample gradients come
    from the global ``_GRAD`` (the built-in models or, in a rebound copy of
    this function, the user's numba function).
    """
    n_walkers = x0.size
    n_chunks = hist.shape[0]
    n_record = record_steps.size
    n_bins = bin_edges.size - 1
    n_pass = passage_points.size
    n_edges = basin_edges.size
    inv_b = 1.0 / batch_size
    noise_scale = math.sqrt(inv_b)
    lo = (c * n_walkers) // n_chunks
    hi = ((c + 1) * n_walkers) // n_chunks
    xs = np.empty(LANES)
    s0 = np.empty(LANES, dtype=np.uint64)
    s1 = np.empty(LANES, dtype=np.uint64)
    s2 = np.empty(LANES, dtype=np.uint64)
    s3 = np.empty(LANES, dtype=np.uint64)
    running = np.zeros(LANES, dtype=np.bool_)
    escaped = np.zeros(LANES, dtype=np.bool_)
    basin0 = np.zeros(LANES, dtype=np.int64)
    n_open = np.zeros(LANES, dtype=np.int64)
    spare = np.zeros(LANES)
    have_spare = np.zeros(LANES, dtype=np.bool_)
    side = np.zeros((LANES, max(n_pass, 1)), dtype=np.bool_)
    gbuf = np.empty(n_samples)
    for start in range(lo, hi, LANES):
        width = min(LANES, hi - start)
        for j in range(width):
            w = start + j
            s0[j], s1[j], s2[j], s3[j] = _seed_walker(seed, walker_offset + w)
            x = x0[w]
            xs[j] = x
            running[j] = True
            bsn = 0
            for k in range(n_edges):
                if x > basin_edges[k]:
                    bsn += 1
            basin0[j] = bsn
            escaped[j] = n_edges == 0
            for k in range(n_pass):
                side[j, k] = x < passage_points[k]
            n_open[j] = n_pass
            have_spare[j] = False
        n_running = width
        r = 0
        next_record = record_steps[0] if n_record > 0 else -1
        t = 0
        while True:
            # record the state after t iterations
            while t == next_record:
                for j in range(width):
                    if running[j]:
                        x = xs[j]
                        b = np.searchsorted(bin_edges, x, side="right")
                        if b == n_bins + 1 and x == bin_edges[n_bins]:
                            b = n_bins
                        hist[c, r, b] += 1
                        bsn = 0
                        for k in range(n_edges):
                            if x > basin_edges[k]:
                                bsn += 1
                        occupancy[c, r, bsn] += 1
                r += 1
                next_record = record_steps[r] if r < n_record else -1
            if t == n_steps or n_running == 0:
                break
            t += 1
            # one SGD step for every running walker of the block
            for j in range(width):
                if not running[j]:
                    continue
                x = xs[j]
                a0 = s0[j]
                a1 = s1[j]
                a2 = s2[j]
                a3 = s3[j]
                if mode == 0:
                    if batch_size == 1:
                        bits, a0, a1, a2, a3 = _next(a0, a1, a2, a3)
                        g = _GRAD(x, _index(bits, n_samples), params)
                    else:
                        g = 0.0
                        for bb in range(batch_size):
                            bits, a0, a1, a2, a3 = _next(a0, a1, a2, a3)
                            g += _GRAD(x, _index(bits, n_samples), params)
                        g *= inv_b
                else:
                    mean = 0.0
                    for i in range(n_samples):
                        gbuf[i] = _GRAD(x, i, params)
                        mean += gbuf[i]
                    mean /= n_samples
                    var = 0.0
                    for i in range(n_samples):
                        d = gbuf[i] - mean
                        var += d * d
                    spread = math.sqrt(var / n_samples) * noise_scale
                    if mode == 1:
                        if have_spare[j]:
                            xi = spare[j]
                            have_spare[j] = False
                        else:
                            bits, a0, a1, a2, a3 = _next(a0, a1, a2, a3)
                            u1 = 1.0 - _to_unit(bits)
                            bits, a0, a1, a2, a3 = _next(a0, a1, a2, a3)
                            u2 = _to_unit(bits)
                            rad = math.sqrt(-2.0 * math.log(u1))
                            xi = rad * math.cos(2.0 * math.pi * u2)
                            spare[j] = rad * math.sin(2.0 * math.pi * u2)
                            have_spare[j] = True
                    else:
                        bits, a0, a1, a2, a3 = _next(a0, a1, a2, a3)
                        xi = 1.0 if (bits >> np.uint64(63)) == 0 else -1.0
                    g = mean + spread * xi
                s0[j] = a0
                s1[j] = a1
                s2[j] = a2
                s3[j] = a3
                x = x - eta * g
                xs[j] = x
                w = start + j
                if not abs(x) <= bound:
                    running[j] = False
                    n_running -= 1
                    diverged_step[w] = t
                    for rr in range(r, n_record):
                        absent[c, rr, 0] += 1
                    continue
                if not escaped[j]:
                    bsn = 0
                    for k in range(n_edges):
                        if x > basin_edges[k]:
                            bsn += 1
                    if bsn != basin0[j]:
                        escaped[j] = True
                        escape_step[w] = t
                        escape_basin[w] = bsn
                if n_open[j] > 0:
                    for k in range(n_pass):
                        if passage_step[k, w] < 0 and (x < passage_points[k]) != side[j, k]:
                            passage_step[k, w] = t
                            n_open[j] -= 1
                    if n_open[j] == 0 and stop_after_passage:
                        running[j] = False
                        n_running -= 1
                        for rr in range(r, n_record):
                            absent[c, rr, 1] += 1
        for j in range(width):
            final_x[start + j] = xs[j]


def _ensemble_parallel(params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
                       record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
                       hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step):
    """Run ``x0.size`` independent SGD walkers for ``n_steps`` iterations, chunks in parallel.

    Walker ``w`` is the ``walker_offset + w``-th of the whole ensemble (its
    random stream depends on that number and ``seed`` only).  The walkers are
    split into ``hist.shape[0]`` chunks; chunk ``c`` adds its histogram counts
    to ``hist[c]`` (shape ``(n_record, n_bins + 2)``: underflow, bins,
    overflow), its basin counts to ``occupancy[c]`` and the walkers no longer
    running to ``absent[c, r, 0]`` (diverged) and ``absent[c, r, 1]``
    (stopped after passing every passage point) at every iteration in
    ``record_steps`` (sorted, unique).  Per-walker outputs: ``final_x``,
    ``escape_step``/``escape_basin`` (first iteration in another basin than the
    initial one; -1 if never), ``passage_step[k]`` (first iteration on the
    other side of ``passage_points[k]``), ``diverged_step`` (first iteration
    with ``|x| > bound`` or non-finite ``x``).  ``mode``: 0 minibatch SGD on the
    samples, 1 Gaussian noise, 2 two-point noise (both of variance
    ``Sigma/batch_size`` around the full gradient).
    """
    for c in prange(hist.shape[0]):
        _CHUNK(c, params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
               record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
               hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step)


def _ensemble_serial(params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
                     record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
                     hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step):
    """:func:`_ensemble_parallel` on one thread."""
    for c in range(hist.shape[0]):
        _CHUNK(c, params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
               record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
               hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step)


_GRAD = builtin_sample_grad
_CHUNK = njit(cache=True)(_chunk)
ensemble_parallel = njit(cache=True, parallel=True)(_ensemble_parallel)
ensemble_serial = njit(cache=True)(_ensemble_serial)


def _clone(func, namespace, name):
    import types as _types
    return _types.FunctionType(func.__code__, namespace, name, func.__defaults__, func.__closure__)


def user_kernel(grad, parallel: bool):
    """The ensemble driver with ``grad`` (a numba dispatcher) as the per-sample gradient.

    Copies of :func:`_chunk` and the driver whose global ``_GRAD`` is
    ``grad``, compiled without the on-disk cache (numba keys cache entries by
    function name and source line, so two user functions would collide);
    numba inlines ``grad``.  Compiling takes a few seconds per new ``grad``.
    """
    namespace = dict(_chunk.__globals__)
    namespace["_GRAD"] = grad
    namespace["_CHUNK"] = njit(cache=False)(_clone(_chunk, namespace, "_chunk_user"))
    driver = _ensemble_parallel if parallel else _ensemble_serial
    return njit(cache=False, parallel=parallel)(_clone(driver, namespace, driver.__name__ + "_user"))
