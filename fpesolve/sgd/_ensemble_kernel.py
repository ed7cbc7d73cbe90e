r"""The Monte Carlo SGD ensemble kernel (private): records in, histograms and event times out.

The kernel takes four arguments: a gradient *source* (a record of
:mod:`fpesolve.sgd._sources`), the run's settings (:class:`RunSpec`), the
initial positions and the output arrays (:class:`Outputs`).  Each chunk of
walkers keeps its lanes' state in a :class:`Lanes` record (what a step
touches) and a :class:`Tracks` record (event bookkeeping).  Everything is
``@njit(cache=True)`` and compiled lazily on first use, once per source type
(the user sources carry function pointers, so one compiled kernel serves
every user function).

A chunk of walkers runs in blocks of ``LANES`` walkers ("lanes").  One step of
a walker is a short chain of dependent divisions and square roots, so the
speed comes from advancing all lanes of a block together in branch-free
loops over the lanes that LLVM vectorises (AVX2: four lanes per
instruction).  Everything that needs branches (divergence, escape from the
initial basin, passage points, stopping) is handled per lane and only when
a lane leaves its "safe interval" lo < x < hi, inside which none of these
events can happen; the exact checks then run as before, so the results do
not depend on the interval (it only has to be conservative).  Lanes that
are not running (diverged, stopped, or beyond the last walker) are parked
at the block's first initial position with an infinite interval and keep it.

The step functions use ``error_model="numpy"`` (no ZeroDivisionError checks,
which would stop vectorisation; none of their divisions can have a zero
divisor) and ``_nrt=False``: they only index arrays that :func:`_chunk`
allocated, and with the runtime every call would increment and decrement
the reference counts of its array arguments (atomic operations), costing
about as much as the step itself.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ._rng import LANES, seed_walker
from ._sources import STATUS_OK, lane_gradient, needs_permutations

__all__ = ["RunSpec", "Outputs", "Lanes", "Tracks", "ensemble_parallel", "ensemble_serial"]


class RunSpec(NamedTuple):
    """The settings of one kernel call (the same for every chunk).

    ``etas`` holds the learning rate of every iteration (``etas[t - 1]`` for
    the step to iteration ``t``), or one entry for a constant rate.  Walker
    ``w`` of the call is walker ``walker_offset + w`` of the ensemble: its
    random stream depends on that number and ``seed`` only.
    """

    mode: int                     # NOISE_* code (fpesolve.sgd.noise)
    etas: np.ndarray              # float64[::1], size 1 or n_iterations
    batch_size: int
    n_iterations: int
    seed: np.uint64
    walker_offset: int
    bound: float                  # divergence: |x| > bound or not finite
    stop_after_passage: bool
    record_iterations: np.ndarray      # int64, sorted, unique, in [0, n_iterations]
    bin_edges: np.ndarray         # float64, increasing
    basin_edges: np.ndarray       # float64, sorted
    passage_points: np.ndarray    # float64


class Outputs(NamedTuple):
    """The kernel's outputs; ``c`` indexes chunks, ``r`` records, ``w`` walkers of the call.

    ``hist[c, r]`` has ``n_bins + 2`` entries (underflow, bins, overflow);
    ``absent[c, r]`` counts walkers diverged (0) and stopped after their
    passages (1); per walker: ``final_x``, ``escape_step`` / ``escape_basin``
    (first iteration in another basin than the initial one; -1 if never),
    ``passage_step[k]`` (first iteration on the other side of passage point
    ``k``), ``diverged_step``.  ``status[c]`` is nonzero when the source
    failed (see :mod:`fpesolve.sgd._sources`); ``bad_x[c]`` then holds the
    lanes' positions and ``bad_t[c]`` the iteration.
    """

    hist: np.ndarray
    occupancy: np.ndarray
    absent: np.ndarray
    final_x: np.ndarray
    escape_step: np.ndarray
    escape_basin: np.ndarray
    passage_step: np.ndarray
    diverged_step: np.ndarray
    status: np.ndarray
    bad_x: np.ndarray
    bad_t: np.ndarray


class Lanes(NamedTuple):
    """What a step touches in one block of ``LANES`` walkers: positions, random streams, scratch."""

    xs: np.ndarray
    s0: np.ndarray                # xoshiro256** state words
    s1: np.ndarray
    s2: np.ndarray
    s3: np.ndarray
    running: np.ndarray
    lo: np.ndarray                # safe interval
    hi: np.ndarray
    idx: np.ndarray               # scratch of the gradient sources
    buf: np.ndarray               # (n_samples, LANES)
    tmp: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    xi: np.ndarray
    g: np.ndarray
    perm: np.ndarray              # (n_samples, LANES) permutations, sampling without replacement


class Tracks(NamedTuple):
    """The event bookkeeping of one block of lanes (kept apart: every argument of the step costs time)."""

    escaped: np.ndarray
    basin0: np.ndarray
    n_open: np.ndarray            # passage points not yet crossed
    side: np.ndarray              # (LANES, max(P, 1)): started below passage point k


@njit(cache=True)
def _new_lanes(n_samples, without_replacement):
    perm = np.zeros((n_samples if without_replacement else 1, LANES), dtype=np.int64)
    if without_replacement:
        for i in range(n_samples):
            for j in range(LANES):
                perm[i, j] = i
    return Lanes(np.zeros(LANES), np.zeros(LANES, dtype=np.uint64), np.zeros(LANES, dtype=np.uint64),
                 np.zeros(LANES, dtype=np.uint64), np.zeros(LANES, dtype=np.uint64),
                 np.zeros(LANES, dtype=np.bool_), np.zeros(LANES), np.zeros(LANES), np.zeros(LANES, dtype=np.int64),
                 np.zeros((n_samples, LANES)), np.zeros(LANES), np.zeros(LANES), np.zeros(LANES), np.zeros(LANES),
                 np.zeros(LANES), perm)


@njit(cache=True)
def _new_tracks(n_pass):
    return Tracks(np.zeros(LANES, dtype=np.bool_), np.zeros(LANES, dtype=np.int64), np.zeros(LANES, dtype=np.int64),
                  np.zeros((LANES, max(n_pass, 1)), dtype=np.bool_))


@njit(cache=True, error_model="numpy", _nrt=False)
def _advance(source, mode, batch_size, eta, inv_b, noise_scale, L):
    """One SGD step of every running lane: (status of the source, whether some lane left its safe interval)."""
    status = lane_gradient(source, mode, batch_size, inv_b, noise_scale, L)
    if status != STATUS_OK:
        return status, False
    inside = True
    for j in range(LANES):
        x = L.xs[j] - eta * L.g[j] if L.running[j] else L.xs[j]
        L.xs[j] = x
        inside &= (L.lo[j] < x) & (x < L.hi[j])
    return status, not inside


@njit(cache=True)
def _basin(x, basin_edges):
    """Index of the basin of ``x``: the number of edges below it."""
    bsn = 0
    for k in range(basin_edges.size):
        if x > basin_edges[k]:
            bsn += 1
    return bsn


@njit(cache=True)
def _safe_interval(x, w, bound, escaped, basin_edges, passage_points, side, passage_step):
    """(lo, hi) such that no event can happen to a walker at ``lo < x' < hi`` (``x`` its position).

    Events: |x'| > bound or NaN, a change of basin while not yet escaped, a
    crossing of a passage point not yet passed.  Non-strict conditions become
    strict ones with nextafter (exact for doubles).
    """
    lo = np.nextafter(-bound, -np.inf)
    hi = np.nextafter(bound, np.inf)
    if not escaped:
        for e in basin_edges:
            if x > e:
                lo = max(lo, e)
            else:
                hi = min(hi, np.nextafter(e, np.inf))
    for k in range(passage_points.size):
        if passage_step[k, w] < 0:
            p = passage_points[k]
            if side[k]:                                  # started at x < p
                hi = min(hi, p)
            else:
                lo = max(lo, np.nextafter(p, -np.inf))
    return lo, hi


@njit(cache=True)
def _park(j, L, x_park):
    """Take lane ``j`` out of the simulation: it stays at ``x_park`` and raises no events.

    Parked lanes are still stepped (the lane loops have no branches), so the
    gradient is evaluated there: ``x_park`` is the initial position of the
    block's first walker, where a user's gradient is known to be defined
    (not 0, where e.g. ``1/x`` would raise).
    """
    L.running[j] = False
    L.xs[j] = x_park
    L.lo[j] = -np.inf
    L.hi[j] = np.inf


@njit(cache=True)
def _retire(c, r, j, w, reason, L, x_park, out):
    """Walker ``w`` (lane ``j``) stops for good: absent from record ``r`` on
    (``reason`` 0 diverged, 1 stopped after its passages), its position kept
    as final, its lane parked."""
    for rr in range(r, out.absent.shape[1]):
        out.absent[c, rr, reason] += 1
    out.final_x[w] = L.xs[j]
    _park(j, L, x_park)


@njit(cache=True)
def _handle_events(c, t, r, start, x_park, L, T, spec, out):
    """Process the lanes that left their safe interval at iteration ``t``; the number that stopped.

    The checks are those of a walker advanced on its own: divergence, then
    escape from the initial basin, then passage points (and stopping).
    """
    n_stopped = 0
    basin_edges, passage_points, passage_step = spec.basin_edges, spec.passage_points, out.passage_step
    for j in range(LANES):
        x = L.xs[j]
        if not L.running[j] or (L.lo[j] < x and x < L.hi[j]):
            continue
        w = start + j
        if not abs(x) <= spec.bound:
            out.diverged_step[w] = t
            _retire(c, r, j, w, 0, L, x_park, out)
            n_stopped += 1
            continue
        if not T.escaped[j]:
            bsn = _basin(x, basin_edges)
            if bsn != T.basin0[j]:
                T.escaped[j] = True
                out.escape_step[w] = t
                out.escape_basin[w] = bsn
        if T.n_open[j] > 0:
            for k in range(passage_points.size):
                if passage_step[k, w] < 0 and (x < passage_points[k]) != T.side[j, k]:
                    passage_step[k, w] = t
                    T.n_open[j] -= 1
            if T.n_open[j] == 0 and spec.stop_after_passage:
                _retire(c, r, j, w, 1, L, x_park, out)
                n_stopped += 1
                continue
        L.lo[j], L.hi[j] = _safe_interval(x, w, spec.bound, T.escaped[j], basin_edges, passage_points, T.side[j],
                                          passage_step)
    return n_stopped


@njit(cache=True)
def _record(c, r, L, spec, out):
    """Add the running lanes to the histogram and basin counts of record ``r``."""
    bin_edges = spec.bin_edges
    n_bins = bin_edges.size - 1
    for j in range(LANES):
        if L.running[j]:
            x = L.xs[j]
            b = np.searchsorted(bin_edges, x, side="right")
            if b == n_bins + 1 and x == bin_edges[n_bins]:
                b = n_bins
            out.hist[c, r, b] += 1
            out.occupancy[c, r, _basin(x, spec.basin_edges)] += 1


@njit(cache=True)
def _start_block(start, width, x0, L, T, spec, out):
    """Seed and place the walkers ``start .. start + width - 1`` in the lanes; park the rest."""
    x_park = x0[start]
    n_pass = spec.passage_points.size
    for j in range(LANES):
        if j >= width:
            _park(j, L, x_park)
            continue
        w = start + j
        L.s0[j], L.s1[j], L.s2[j], L.s3[j] = seed_walker(spec.seed, spec.walker_offset + w)
        x = x0[w]
        L.xs[j] = x
        L.running[j] = True
        T.basin0[j] = _basin(x, spec.basin_edges)
        T.escaped[j] = spec.basin_edges.size == 0
        for k in range(n_pass):
            T.side[j, k] = x < spec.passage_points[k]
        T.n_open[j] = n_pass
        L.lo[j], L.hi[j] = _safe_interval(x, w, spec.bound, T.escaped[j], spec.basin_edges, spec.passage_points,
                                          T.side[j], out.passage_step)
    return x_park


@njit(cache=True)
def _chunk(c, source, spec, x0, out):
    """Run chunk ``c`` of the walkers (``out.hist.shape[0]`` chunks of about equal size)."""
    n_walkers = x0.size
    n_chunks = out.hist.shape[0]
    n_record = spec.record_iterations.size
    n_iterations = spec.n_iterations
    etas = spec.etas
    constant_eta = etas.size == 1
    mode, batch_size = spec.mode, spec.batch_size
    inv_b = 1.0 / batch_size
    noise_scale = math.sqrt(inv_b)
    first = (c * n_walkers) // n_chunks
    last = ((c + 1) * n_walkers) // n_chunks
    L = _new_lanes(source.n, needs_permutations(source))
    T = _new_tracks(spec.passage_points.size)
    for start in range(first, last, LANES):
        width = min(LANES, last - start)
        x_park = _start_block(start, width, x0, L, T, spec, out)
        n_running = width
        r = 0
        t = 0
        while True:
            # record the state after t iterations
            while r < n_record and spec.record_iterations[r] == t:
                _record(c, r, L, spec, out)
                r += 1
            if t == n_iterations or n_running == 0:
                break
            stop = min(spec.record_iterations[r], n_iterations) if r < n_record else n_iterations
            while t < stop and n_running > 0:
                t += 1
                eta = etas[0] if constant_eta else etas[t - 1]
                status, left = _advance(source, mode, batch_size, eta, inv_b, noise_scale, L)
                if status != STATUS_OK:
                    out.status[c] = status
                    out.bad_t[c] = t
                    for j in range(LANES):
                        out.bad_x[c, j] = L.xs[j] if L.running[j] else np.nan
                    return
                if left:
                    n_running -= _handle_events(c, t, r, start, x_park, L, T, spec, out)
        for j in range(width):
            if L.running[j]:
                out.final_x[start + j] = L.xs[j]


@njit(cache=True, parallel=True)
def ensemble_parallel(source, spec, x0, out):
    """Run ``x0.size`` independent SGD walkers for ``spec.n_iterations`` iterations, chunks in parallel.

    See :class:`RunSpec` and :class:`Outputs`; the results do not depend on
    the number of threads or chunks (every walker owns its random stream).
    """
    for c in prange(out.hist.shape[0]):
        _chunk(c, source, spec, x0, out)


@njit(cache=True)
def ensemble_serial(source, spec, x0, out):
    """:func:`ensemble_parallel` on one thread."""
    for c in range(out.hist.shape[0]):
        _chunk(c, source, spec, x0, out)
