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
``MODEL_TWO_WELL_SWITCH`` (2)
    The loss of ``MODEL_TWO_WELL`` with the noise amplitude switched by a
    tanh step at the saddle:
    ``params = [2, L0, dV, xm, ell, alpha, beta, gamma, s_A, s_B, theta_s, w]``,
    :math:`s = s_A + (s_B - s_A)\,(1 + \tanh((x - \theta_s)/w))/2`.

Random numbers: every walker owns a xoshiro256** stream seeded by
SplitMix64 from ``(seed, walker index)``, so results do not depend on the
number of threads or on how walkers are split into chunks.  Gaussian noise
(``NOISE_GAUSSIAN``) uses the ziggurat method with 256 layers in Doornik's
ZIGNOR form (:func:`_normal_lanes`): one 64-bit draw per deviate except in the
rare rejections, each lane drawing from its own stream only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

MODEL_TWO_WELL = 0
MODEL_QUADRATIC = 1
MODEL_TWO_WELL_SWITCH = 2

LANES = 32            # walkers advanced together (vectorised over lanes, latency hiding)
NOISE_SAMPLES = 0     # real minibatch SGD on the per-sample gradients
NOISE_GAUSSIAN = 1    # L'(x) + sqrt(Sigma(x)/B) * N(0, 1)
NOISE_TWO_POINT = 2   # L'(x) +- sqrt(Sigma(x)/B), signs equally likely

_MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------------------- models
@njit(cache=True, error_model="numpy")   # no zero-divisor checks: ell > 0 and r >= 1
def two_well_parts(x, params):
    """(L'(x), s(x)) of the two-well model; the per-sample gradients are L' +- s."""
    y = (x - params[3]) / params[4]
    r = math.sqrt(1.0 + y * y)
    sig = y / r
    u = params[7] + params[5] * (x - params[3]) + params[6] * params[4] * r
    up = params[5] + params[6] * sig
    lp = 4.0 * params[2] * u * (u * u - 1.0) * up
    if params[0] == MODEL_TWO_WELL_SWITCH:
        s = params[8] + (params[9] - params[8]) * 0.5 * (1.0 + math.tanh((x - params[10]) / params[11]))
    else:
        s = params[8] + params[9] * sig
    return lp, s


@njit(cache=True)
def builtin_sample_grad(x, i, params):
    """Gradient of sample ``i`` at ``x`` for the built-in models (see module docstring)."""
    model = int(params[0])
    if model != MODEL_QUADRATIC:
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


# Ziggurat for N(0, 1) (G. Marsaglia and W. W. Tsang, "The ziggurat method for
# generating random variables", J. Stat. Softw. 5(8), 2000), in the form of
# J. A. Doornik, "An improved ziggurat method to generate normal random
# samples" (2005, ZIGNOR): the area under f(x) = exp(-x^2/2), x >= 0, is
# covered by ZIG_LAYERS horizontal layers of equal area ZIG_V.  Layer i
# (i >= 1) is the rectangle [0, X[i]] x [f(X[i]), f(X[i+1])], X decreasing
# from X[1] = ZIG_R to X[ZIG_LAYERS] = 0; layer 0 is [0, X[0]] x [0, f(R)]
# with X[0] = V / f(R), i.e. the rectangle below f(R) plus, folded in, the
# tail beyond R.  A draw picks a layer i and u uniform in [-1, 1); x = u X[i]
# is accepted at once when |u| < X[i+1]/X[i] (the part of the layer entirely
# under f; 98.5 % of the draws), otherwise the wedge (or, for layer 0, the tail)
# is sampled exactly by rejection.  The layer comes from the low 8 bits of a
# 64-bit draw and u from its top 53 bits (_to_unit), which do not overlap
# (the correlation Doornik found in the original 32-bit version came from
# using the same bits for both).  R and V solve the closure condition (the
# top layer has area V) for 256 layers to double precision.
ZIG_LAYERS = 256
ZIG_R = 3.654152885361009
ZIG_V = 0.004928673233974658


def _ziggurat_tables():
    """(X, X[i+1]/X[i]) of the ziggurat (Doornik's construction)."""
    x = np.zeros(ZIG_LAYERS + 1)
    f = math.exp(-0.5 * ZIG_R * ZIG_R)
    x[0] = ZIG_V / f
    x[1] = ZIG_R
    for i in range(2, ZIG_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


_ZIG_X, _ZIG_RATIO = _ziggurat_tables()    # frozen into the compiled code as constants


@njit(cache=True, error_model="numpy", _nrt=False)
def _normal_slow(j, i, u, s0, s1, s2, s3):
    """Finish a ziggurat draw of lane ``j`` whose first candidate (layer ``i``, ``u``)
    was not accepted at once: wedge test or tail, then fresh draws until one is accepted.
    Draws only from lane ``j``'s stream."""
    while True:
        if i == 0:
            # tail |x| > R (Marsaglia 1964): x = R + e1/R, accepted if e1^2/R^2 <= 2 e2 (e1, e2 exponential)
            while True:
                bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
                e1 = -math.log(1.0 - _to_unit(bits)) / ZIG_R
                bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
                e2 = -math.log(1.0 - _to_unit(bits))
                if e1 * e1 <= 2.0 * e2:
                    return -(ZIG_R + e1) if u < 0.0 else ZIG_R + e1
        x = u * _ZIG_X[i]
        # wedge: a height uniform in [f(X[i]), f(X[i+1])] (relative to f(x)) must fall below f(x)
        f0 = math.exp(-0.5 * (_ZIG_X[i] * _ZIG_X[i] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[i + 1] * _ZIG_X[i + 1] - x * x))
        bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
        if f1 + _to_unit(bits) * (f0 - f1) < 1.0:
            return x
        bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
        i = np.int64(bits & np.uint64(ZIG_LAYERS - 1))
        u = 2.0 * _to_unit(bits) - 1.0
        if abs(u) < _ZIG_RATIO[i]:
            return u * _ZIG_X[i]


@njit(cache=True, error_model="numpy", _nrt=False)
def _normal_lanes(s0, s1, s2, s3, layer, u, xi):
    """``xi[j]`` = an N(0, 1) deviate from lane ``j``'s stream, every lane (ziggurat, see above).

    The first candidate of every lane is drawn in one branch-free loop;
    ``layer`` (int64) and ``u`` are scratch.  The lanes that need more
    (``layer[j] >= 0``, 1.5 % of the draws) are finished one at a time.
    """
    slow = False
    for j in range(LANES):
        bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
        i = np.int64(bits & np.uint64(ZIG_LAYERS - 1))
        uj = 2.0 * _to_unit(bits) - 1.0
        accept = abs(uj) < _ZIG_RATIO[i]
        xi[j] = uj * _ZIG_X[i]
        u[j] = uj
        layer[j] = -1 if accept else i
        slow |= not accept
    if slow:
        for j in range(LANES):
            if layer[j] >= 0:
                xi[j] = _normal_slow(j, layer[j], u[j], s0, s1, s2, s3)


@njit(cache=True)
def standard_normals(seed, n):
    """``n`` N(0, 1) deviates from the Gaussian-noise generator, for testing it.

    Lane ``j`` is seeded as walker ``j`` of ``seed``; deviate ``k`` comes from
    lane ``k % LANES`` (its ``k // LANES``-th draw).
    """
    s0 = np.zeros(LANES, dtype=np.uint64)
    s1 = np.zeros(LANES, dtype=np.uint64)
    s2 = np.zeros(LANES, dtype=np.uint64)
    s3 = np.zeros(LANES, dtype=np.uint64)
    for j in range(LANES):
        s0[j], s1[j], s2[j], s3[j] = _seed_walker(seed, j)
    layer = np.zeros(LANES, dtype=np.int64)
    u = np.zeros(LANES)
    xi = np.zeros(LANES)
    out = np.empty(n)
    for start in range(0, n, LANES):
        _normal_lanes(s0, s1, s2, s3, layer, u, xi)
        for j in range(min(LANES, n - start)):
            out[start + j] = xi[j]
    return out


# ----------------------------------------------------------------------------- the ensemble kernel
#
# A chunk of walkers runs in blocks of LANES walkers ("lanes").  One step of
# a walker is a short chain of dependent divisions and square roots, so the
# speed comes from advancing all lanes of a block together in branch-free
# loops over the lanes that LLVM vectorises (AVX2: four lanes per
# instruction).  Everything that needs branches (divergence, escape from the
# initial basin, passage points, stopping) is handled per lane and only when
# a lane leaves its "safe interval" lo < x < hi, inside which none of these
# events can happen; the exact checks then run as before, so the results do
# not depend on the interval (it only has to be conservative).  Lanes that
# are not running (diverged, stopped, or beyond the last walker) are parked
# at the block's first initial position with an infinite interval and keep it.
#
# The step functions use error_model="numpy" (no ZeroDivisionError checks,
# which would stop vectorisation; none of their divisions can have a zero
# divisor) and _nrt=False: they only index arrays that _chunk allocated, and
# with the runtime on every call would increment and decrement the reference
# counts of its ~20 array arguments (atomic operations), costing about as
# much as the step itself.  LLVM inlines most of them into _advance.

@njit(cache=True, error_model="numpy", _nrt=False)
def _draw_indices(s0, s1, s2, s3, n, idx):
    """A uniform sample index in [0, n) for every lane (one draw each)."""
    for j in range(LANES):
        bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
        idx[j] = _index(bits, n)


@njit(cache=True, error_model="numpy", _nrt=False)
def _builtin_lane_grads(xs, idx, params, out):
    """``out[j]`` = gradient of sample ``idx[j]`` at ``xs[j]`` for the built-in models.

    The model dispatch sits outside the lane loops so that each loop vectorises.
    """
    if int(params[0]) != MODEL_QUADRATIC:
        for j in range(LANES):
            lp, s = two_well_parts(xs[j], params)
            out[j] = lp + s if idx[j] == 0 else lp - s
    else:
        n = int(params[1])
        for j in range(LANES):
            i = idx[j]
            out[j] = params[2 + i] * (xs[j] - params[2 + n + i])


@njit(cache=True, error_model="numpy", _nrt=False)
def _lane_grads(xs, idx, params, out):
    """:func:`_builtin_lane_grads` for any ``_GRAD`` (the user kernels' copy)."""
    for j in range(LANES):
        out[j] = _GRAD(xs[j], idx[j], params)


@njit(cache=True, error_model="numpy", _nrt=False)
def _builtin_all_lane_grads(xs, params, buf):
    """``buf[i, j]`` = gradient of sample ``i`` at ``xs[j]``, every sample, built-in models.

    The two-well model gets both samples from one evaluation of its parts.
    """
    if int(params[0]) != MODEL_QUADRATIC:
        for j in range(LANES):
            lp, s = two_well_parts(xs[j], params)
            buf[0, j] = lp + s
            buf[1, j] = lp - s
    else:
        n = int(params[1])
        for i in range(n):
            for j in range(LANES):
                buf[i, j] = params[2 + i] * (xs[j] - params[2 + n + i])


@njit(cache=True, error_model="numpy", _nrt=False)
def _all_lane_grads(xs, params, buf):
    """:func:`_builtin_all_lane_grads` for any ``_GRAD`` (the user kernels' copy)."""
    for i in range(buf.shape[0]):
        for j in range(LANES):
            buf[i, j] = _GRAD(xs[j], i, params)


@njit(cache=True, error_model="numpy", _nrt=False)
def _minibatch_gradient(params, n_samples, batch_size, inv_b, xs, s0, s1, s2, s3, idx, tmp, g):
    """``g`` = minibatch gradient (mode NOISE_SAMPLES) of every lane.

    The sum runs over the minibatch in draw order, starting from 0.0, and is
    then multiplied by 1/B, exactly as in one walker at a time.
    """
    if batch_size == 1:
        _draw_indices(s0, s1, s2, s3, n_samples, idx)
        _LANE_GRADS(xs, idx, params, g)
        return
    for j in range(LANES):
        g[j] = 0.0
    for _ in range(batch_size):
        _draw_indices(s0, s1, s2, s3, n_samples, idx)
        _LANE_GRADS(xs, idx, params, tmp)
        for j in range(LANES):
            g[j] += tmp[j]
    for j in range(LANES):
        g[j] *= inv_b


@njit(cache=True, error_model="numpy", _nrt=False)
def _noise_gradient(params, n_samples, mode, noise_scale, xs, s0, s1, s2, s3, idx, buf, tmp, mean, var,
                    xi, g):
    """``g`` = L' + sqrt(Sigma/B) * xi (modes NOISE_GAUSSIAN / NOISE_TWO_POINT) of every lane.

    Mean and variance accumulate over the samples in order, per lane, as in
    one walker at a time.  Gaussian xi come from :func:`_normal_lanes`
    (ziggurat; ``idx`` and ``tmp`` are its scratch).
    """
    _ALL_LANE_GRADS(xs, params, buf)
    for j in range(LANES):
        mean[j] = 0.0
        var[j] = 0.0
    for i in range(n_samples):
        for j in range(LANES):
            mean[j] += buf[i, j]
    for j in range(LANES):
        mean[j] /= n_samples
    for i in range(n_samples):
        for j in range(LANES):
            d = buf[i, j] - mean[j]
            var[j] += d * d
    if mode == NOISE_TWO_POINT:
        for j in range(LANES):
            bits, s0[j], s1[j], s2[j], s3[j] = _next(s0[j], s1[j], s2[j], s3[j])
            xi = 1.0 if (bits >> np.uint64(63)) == 0 else -1.0
            g[j] = mean[j] + math.sqrt(var[j] / n_samples) * noise_scale * xi
        return
    _normal_lanes(s0, s1, s2, s3, idx, tmp, xi)
    for j in range(LANES):
        g[j] = mean[j] + math.sqrt(var[j] / n_samples) * noise_scale * xi[j]


@njit(cache=True, error_model="numpy", _nrt=False)
def _advance(params, n_samples, mode, eta, batch_size, inv_b, noise_scale, xs, s0, s1, s2, s3,
             running, lo, hi, idx, buf, tmp, mean, var, xi, g):
    """One SGD step of every running lane; True if some lane left its safe interval."""
    if mode == NOISE_SAMPLES:
        _MINIBATCH_GRADIENT(params, n_samples, batch_size, inv_b, xs, s0, s1, s2, s3, idx, tmp, g)
    else:
        _NOISE_GRADIENT(params, n_samples, mode, noise_scale, xs, s0, s1, s2, s3, idx, buf, tmp, mean, var,
                        xi, g)
    inside = True
    for j in range(LANES):
        x = xs[j] - eta * g[j] if running[j] else xs[j]
        xs[j] = x
        inside &= (lo[j] < x) & (x < hi[j])
    return not inside


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
def _park(j, xs, running, lo, hi, x_park):
    """Take lane ``j`` out of the simulation: it stays at ``x_park`` and raises no events.

    Parked lanes are still stepped (the lane loops have no branches), so the
    gradient is evaluated there: ``x_park`` is the initial position of the
    block's first walker, where a user's gradient is known to be defined
    (not 0, where e.g. ``1/x`` would raise).
    """
    running[j] = False
    xs[j] = x_park
    lo[j] = -np.inf
    hi[j] = np.inf


@njit(cache=True)
def _retire(c, r, j, w, reason, xs, running, lo, hi, x_park, absent, final_x):
    """Walker ``w`` (lane ``j``) stops for good: absent from record ``r`` on
    (``reason`` 0 diverged, 1 stopped after its passages), its position kept
    as final, its lane parked."""
    for rr in range(r, absent.shape[1]):
        absent[c, rr, reason] += 1
    final_x[w] = xs[j]
    _park(j, xs, running, lo, hi, x_park)


@njit(cache=True)
def _handle_events(c, t, r, start, x_park, xs, running, lo, hi, escaped, basin0, n_open, side,
                   basin_edges, passage_points, bound, stop_after_passage,
                   absent, final_x, escape_step, escape_basin, passage_step, diverged_step):
    """Process the lanes that left their safe interval at iteration ``t``; the number that stopped.

    The checks are those of a walker advanced on its own: divergence, then
    escape from the initial basin, then passage points (and stopping).
    """
    n_stopped = 0
    for j in range(LANES):
        x = xs[j]
        if not running[j] or (lo[j] < x and x < hi[j]):
            continue
        w = start + j
        if not abs(x) <= bound:
            diverged_step[w] = t
            _retire(c, r, j, w, 0, xs, running, lo, hi, x_park, absent, final_x)
            n_stopped += 1
            continue
        if not escaped[j]:
            bsn = _basin(x, basin_edges)
            if bsn != basin0[j]:
                escaped[j] = True
                escape_step[w] = t
                escape_basin[w] = bsn
        if n_open[j] > 0:
            for k in range(passage_points.size):
                if passage_step[k, w] < 0 and (x < passage_points[k]) != side[j, k]:
                    passage_step[k, w] = t
                    n_open[j] -= 1
            if n_open[j] == 0 and stop_after_passage:
                _retire(c, r, j, w, 1, xs, running, lo, hi, x_park, absent, final_x)
                n_stopped += 1
                continue
        lo[j], hi[j] = _safe_interval(x, w, bound, escaped[j], basin_edges, passage_points, side[j], passage_step)
    return n_stopped


@njit(cache=True)
def _record(c, r, xs, running, bin_edges, basin_edges, hist, occupancy):
    """Add the running lanes to the histogram and basin counts of record ``r``."""
    n_bins = bin_edges.size - 1
    for j in range(LANES):
        if running[j]:
            x = xs[j]
            b = np.searchsorted(bin_edges, x, side="right")
            if b == n_bins + 1 and x == bin_edges[n_bins]:
                b = n_bins
            hist[c, r, b] += 1
            occupancy[c, r, _basin(x, basin_edges)] += 1


def _chunk(c, params, n_samples, mode, eta, batch_size, n_steps, x0, seed, walker_offset,
           record_steps, bin_edges, basin_edges, passage_points, bound, stop_after_passage,
           hist, occupancy, absent, final_x, escape_step, escape_basin, passage_step, diverged_step):
    """Run chunk ``c`` of the walkers (see :func:`_ensemble_parallel` for the arguments).

    Walkers advance in blocks of ``LANES`` (see the comment above
    :func:`_draw_indices`).  Per-sample gradients come from the global
    ``_LANE_GRADS`` (the built-in models or, in the rebound copies made by
    :func:`user_kernel`, the user's numba function).
    """
    n_walkers = x0.size
    n_chunks = hist.shape[0]
    n_record = record_steps.size
    n_pass = passage_points.size
    inv_b = 1.0 / batch_size
    noise_scale = math.sqrt(inv_b)
    first = (c * n_walkers) // n_chunks
    last = ((c + 1) * n_walkers) // n_chunks
    xs = np.zeros(LANES)
    s0 = np.zeros(LANES, dtype=np.uint64)
    s1 = np.zeros(LANES, dtype=np.uint64)
    s2 = np.zeros(LANES, dtype=np.uint64)
    s3 = np.zeros(LANES, dtype=np.uint64)
    running = np.zeros(LANES, dtype=np.bool_)
    lo = np.zeros(LANES)
    hi = np.zeros(LANES)
    escaped = np.zeros(LANES, dtype=np.bool_)
    basin0 = np.zeros(LANES, dtype=np.int64)
    n_open = np.zeros(LANES, dtype=np.int64)
    side = np.zeros((LANES, max(n_pass, 1)), dtype=np.bool_)
    idx = np.zeros(LANES, dtype=np.int64)      # scratch of the step functions
    buf = np.zeros((n_samples, LANES))
    tmp = np.zeros(LANES)
    mean = np.zeros(LANES)
    var = np.zeros(LANES)
    xi = np.zeros(LANES)
    g = np.zeros(LANES)
    for start in range(first, last, LANES):
        width = min(LANES, last - start)
        x_park = x0[start]
        for j in range(LANES):
            if j >= width:
                _park(j, xs, running, lo, hi, x_park)
                continue
            w = start + j
            s0[j], s1[j], s2[j], s3[j] = _seed_walker(seed, walker_offset + w)
            x = x0[w]
            xs[j] = x
            running[j] = True
            basin0[j] = _basin(x, basin_edges)
            escaped[j] = basin_edges.size == 0
            for k in range(n_pass):
                side[j, k] = x < passage_points[k]
            n_open[j] = n_pass
            lo[j], hi[j] = _safe_interval(x, w, bound, escaped[j], basin_edges, passage_points, side[j],
                                          passage_step)
        n_running = width
        r = 0
        t = 0
        while True:
            # record the state after t iterations
            while r < n_record and record_steps[r] == t:
                _record(c, r, xs, running, bin_edges, basin_edges, hist, occupancy)
                r += 1
            if t == n_steps or n_running == 0:
                break
            stop = min(record_steps[r], n_steps) if r < n_record else n_steps
            while t < stop and n_running > 0:
                t += 1
                if _ADVANCE(params, n_samples, mode, eta, batch_size, inv_b, noise_scale, xs, s0, s1, s2, s3,
                            running, lo, hi, idx, buf, tmp, mean, var, xi, g):
                    n_running -= _handle_events(c, t, r, start, x_park, xs, running, lo, hi, escaped, basin0,
                                                n_open, side, basin_edges, passage_points, bound, stop_after_passage,
                                                absent, final_x, escape_step, escape_basin, passage_step,
                                                diverged_step)
        for j in range(width):
            if running[j]:
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


# The functions that reach the per-sample gradient are bound through these
# globals; user_kernel rebinds all of them in a copied namespace.
_GRAD = builtin_sample_grad
_LANE_GRADS = _builtin_lane_grads
_ALL_LANE_GRADS = _builtin_all_lane_grads
_MINIBATCH_GRADIENT = _minibatch_gradient
_NOISE_GRADIENT = _noise_gradient
_ADVANCE = _advance
_CHUNK = njit(cache=True)(_chunk)
ensemble_parallel = njit(cache=True, parallel=True)(_ensemble_parallel)
ensemble_serial = njit(cache=True)(_ensemble_serial)


def _clone(func, namespace, name):
    import types as _types
    return _types.FunctionType(func.__code__, namespace, name, func.__defaults__, func.__closure__)


def user_kernel(grad, parallel: bool):
    """The ensemble driver with ``grad`` (a numba dispatcher) as the per-sample gradient.

    Copies of :func:`_lane_grads`, the step functions, :func:`_chunk` and the
    driver whose globals point to ``grad`` and to each other, compiled without
    the on-disk cache (numba keys cache entries by function name and source
    line, so two user functions would collide); numba inlines ``grad``.
    Compiling takes a few seconds per new ``grad``.
    """
    namespace = dict(_chunk.__globals__)
    namespace["_GRAD"] = grad
    for alias, dispatcher in (("_LANE_GRADS", _lane_grads), ("_ALL_LANE_GRADS", _all_lane_grads),
                              ("_MINIBATCH_GRADIENT", _minibatch_gradient),
                              ("_NOISE_GRADIENT", _noise_gradient), ("_ADVANCE", _advance), ("_CHUNK", _CHUNK)):
        func = dispatcher.py_func
        options = {k: v for k, v in dispatcher.targetoptions.items() if k != "nopython"}
        namespace[alias] = njit(cache=False, **options)(_clone(func, namespace, func.__name__ + "_user"))
    driver = _ensemble_parallel if parallel else _ensemble_serial
    return njit(cache=False, parallel=parallel)(_clone(driver, namespace, driver.__name__ + "_user"))
