r"""Where an SGD kernel gets its stochastic gradients (private): one record type per source.

A *source* is a small typed record (a ``NamedTuple``) passed to the ensemble
kernel as data.  The kernel calls :func:`lane_gradient`, which numba resolves
at compile time from the record's type (``numba.extending.overload``), so

* the built-in models (:class:`BuiltinSamples`) are inlined and vectorised
  over lanes exactly as before, and
* user functions (:class:`UserSamples`, :class:`Moments`, :class:`PerSample`)
  arrive as first-class function values (``numba.cfunc`` pointers of fixed
  signatures, see :mod:`fpesolve.sgd._compile`), so the kernel that calls
  them is compiled once and cached on disk, whatever the user's function.

Every lane function of a user source returns a status (0: fine, 1: the
user's function raised), and :class:`Moments` checks :math:`\Sigma \ge 0` at
the running lanes (status 2 otherwise): the kernel stops and Python raises.

``lane_gradient(source, mode, batch_size, inv_b, noise_scale, L)`` writes the
gradient of every lane into ``L.g`` (``L`` is the kernel's lane record) and
returns the status.  ``mode`` is one of the ``NOISE_*`` codes of
:mod:`fpesolve.sgd.noise`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from ._models import builtin_all_lane_grads, builtin_lane_grads
from ._rng import LANES, index_below, next_bits, normal_lanes, to_unit
from .noise import NOISE_SAMPLES, NOISE_TWO_POINT

__all__ = ["BuiltinSamples", "UserSamples", "Moments", "PerSample", "lane_gradient", "needs_permutations", "STATUS_OK",
           "STATUS_RAISED", "STATUS_BAD_SIGMA"]

STATUS_OK = 0
STATUS_RAISED = 1       # a user function raised an exception inside the kernel
STATUS_BAD_SIGMA = 2    # Sigma(x) < 0 or NaN at a running walker


class BuiltinSamples(NamedTuple):
    """The built-in per-sample models (:mod:`fpesolve.sgd._models`)."""

    params: np.ndarray      # read-only float64[::1], model code in params[0]
    n: int                  # number of samples


class UserSamples(NamedTuple):
    """A user's numba per-sample gradient ``func(x, i, params)``, as two lane functions."""

    lane_grads: object      # int64(xs, idx, params, out): out[j] = func(xs[j], idx[j], params)
    all_grads: object       # int64(xs, params, buf): buf[i, j] = func(xs[j], i, params)
    params: np.ndarray
    n: int


class Moments(NamedTuple):
    r""":math:`L'` and :math:`\Sigma` of a landscape (per-step variance, already divided by B)."""

    moments: object         # int64(xs, g, s): g[:] = L'(xs), s[:] = Sigma(xs)
    n: int = 1              # (no samples; sizes the kernel's unused sample buffer)


class PerSample(NamedTuple):
    r"""The vectorised per-sample gradients of a finite-sum landscape (``grads(x) -> (n, m)``)."""

    grads: object           # int64(xs, buf): buf[:, :] = grads(xs), shape (n, LANES)
    n: int
    factor: float           # Sigma = factor * (variance of the n per-sample gradients)
    replacement: bool       # minibatches drawn with replacement


# ----------------------------------------------------------------------------- shared pieces
@njit(cache=True, error_model="numpy", _nrt=False)
def _draw_indices(s0, s1, s2, s3, n, idx):
    """A uniform sample index in [0, n) for every lane (one draw each; Lemire, bias < n / 2**32)."""
    for j in range(LANES):
        bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
        idx[j] = index_below(bits, n)


@njit(cache=True, inline="always")
def _fine_index(bits, n):
    """An index in [0, n) from the top 53 bits: relative bias of each value below n / 2**53."""
    k = int(to_unit(bits) * n)
    return k if k < n else n - 1


@njit(cache=True, error_model="numpy", _nrt=False)
def _mean_var(buf, n_samples, mean, var):
    """Per lane: mean and sum of squared deviations of ``buf[:n_samples, j]``, in sample order."""
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


@njit(cache=True, error_model="numpy", _nrt=False)
def _add_noise(mode, n_samples, scale, L):
    """``L.g = L.mean + sqrt(L.var / n_samples) * scale * xi`` (two-point or Gaussian xi)."""
    s0, s1, s2, s3 = L.s0, L.s1, L.s2, L.s3
    if mode == NOISE_TWO_POINT:
        for j in range(LANES):
            bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
            sign = 1.0 if (bits >> np.uint64(63)) == 0 else -1.0
            L.g[j] = L.mean[j] + math.sqrt(L.var[j] / n_samples) * scale * sign
        return
    normal_lanes(s0, s1, s2, s3, L.idx, L.tmp, L.xi)
    for j in range(LANES):
        L.g[j] = L.mean[j] + math.sqrt(L.var[j] / n_samples) * scale * L.xi[j]


# ----------------------------------------------------------------------------- built-in models
@njit(cache=True, error_model="numpy", _nrt=False)
def _builtin_minibatch(params, n, batch_size, inv_b, xs, s0, s1, s2, s3, idx, tmp, g):
    """Minibatch gradient: the sum runs over the minibatch in draw order from 0.0 and is then multiplied by 1/B.

    (The hot step functions take the lane arrays one by one: a call that passes the whole lane record
    costs as much as the step when LLVM does not inline it.)
    """
    if batch_size == 1:
        _draw_indices(s0, s1, s2, s3, n, idx)
        builtin_lane_grads(xs, idx, params, g)
        return
    for j in range(LANES):
        g[j] = 0.0
    for _ in range(batch_size):
        _draw_indices(s0, s1, s2, s3, n, idx)
        builtin_lane_grads(xs, idx, params, tmp)
        for j in range(LANES):
            g[j] += tmp[j]
    for j in range(LANES):
        g[j] *= inv_b


def _builtin_gradient(source, mode, batch_size, inv_b, noise_scale, L):
    if mode == NOISE_SAMPLES:
        _builtin_minibatch(source.params, source.n, batch_size, inv_b, L.xs, L.s0, L.s1, L.s2, L.s3, L.idx, L.tmp,
                           L.g)
    else:
        builtin_all_lane_grads(L.xs, source.params, L.buf)
        _mean_var(L.buf, source.n, L.mean, L.var)
        _add_noise(mode, source.n, noise_scale, L)
    return 0


# ----------------------------------------------------------------------------- a user's numba func(x, i, params)
def _user_samples_gradient(source, mode, batch_size, inv_b, noise_scale, L):
    params, n = source.params, source.n
    if mode == NOISE_SAMPLES:
        if batch_size == 1:
            _draw_indices(L.s0, L.s1, L.s2, L.s3, n, L.idx)
            return source.lane_grads(L.xs, L.idx, params, L.g)
        for j in range(LANES):
            L.g[j] = 0.0
        for _ in range(batch_size):
            _draw_indices(L.s0, L.s1, L.s2, L.s3, n, L.idx)
            status = source.lane_grads(L.xs, L.idx, params, L.tmp)
            if status != 0:
                return status
            for j in range(LANES):
                L.g[j] += L.tmp[j]
        for j in range(LANES):
            L.g[j] *= inv_b
        return 0
    status = source.all_grads(L.xs, params, L.buf)
    if status != 0:
        return status
    _mean_var(L.buf, n, L.mean, L.var)
    _add_noise(mode, n, noise_scale, L)
    return 0


# ----------------------------------------------------------------------------- L' and Sigma of a landscape
def _moments_gradient(source, mode, batch_size, inv_b, noise_scale, L):
    """``g = L' + sqrt(Sigma) xi``: Sigma is the landscape's per-step variance (not divided by B again)."""
    status = source.moments(L.xs, L.mean, L.var)
    if status != 0:
        return status
    for j in range(LANES):
        if L.running[j] and not L.var[j] >= 0.0:
            return STATUS_BAD_SIGMA
    s0, s1, s2, s3 = L.s0, L.s1, L.s2, L.s3
    if mode == NOISE_TWO_POINT:
        for j in range(LANES):
            bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
            sign = 1.0 if (bits >> np.uint64(63)) == 0 else -1.0
            L.g[j] = L.mean[j] + math.sqrt(L.var[j]) * sign
        return 0
    normal_lanes(s0, s1, s2, s3, L.idx, L.tmp, L.xi)
    for j in range(LANES):
        L.g[j] = L.mean[j] + math.sqrt(L.var[j]) * L.xi[j]
    return 0


# ----------------------------------------------------------------------------- per-sample gradients (n, m)
def _per_sample_gradient(source, mode, batch_size, inv_b, noise_scale, L):
    """Real minibatches from all ``n`` per-sample gradients at every lane (or L' + sqrt(Sigma) xi)."""
    n = source.n
    status = source.grads(L.xs, L.buf)
    if status != 0:
        return status
    if mode != NOISE_SAMPLES:
        _mean_var(L.buf, n, L.mean, L.var)
        _add_noise(mode, n, math.sqrt(source.factor), L)       # Sigma = factor * var / n
        return 0
    s0, s1, s2, s3 = L.s0, L.s1, L.s2, L.s3
    for j in range(LANES):
        L.g[j] = 0.0
    if source.replacement:
        for _ in range(batch_size):
            for j in range(LANES):
                bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
                L.g[j] += L.buf[_fine_index(bits, n), j]
    else:
        # partial Fisher-Yates shuffle of each lane's permutation L.perm[:, j] (stays a permutation)
        for b in range(batch_size):
            for j in range(LANES):
                bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
                r = b + _fine_index(bits, n - b)
                k = L.perm[r, j]
                L.perm[r, j] = L.perm[b, j]
                L.perm[b, j] = k
                L.g[j] += L.buf[k, j]
    for j in range(LANES):
        L.g[j] *= inv_b
    return 0


# ----------------------------------------------------------------------------- dispatch on the source's type
def lane_gradient(source, mode, batch_size, inv_b, noise_scale, L):  # pragma: no cover - replaced in numba
    """Write every lane's stochastic gradient into ``L.g``; return a status (numba only)."""
    raise NotImplementedError("lane_gradient runs inside numba kernels only")


# Plain Python functions: numba compiles the chosen one as the overload's implementation and inlines it into
# the caller (the kernel's step function, whose flags error_model="numpy" and _nrt=False then apply).
_IMPLEMENTATIONS = {BuiltinSamples: _builtin_gradient, UserSamples: _user_samples_gradient,
                    Moments: _moments_gradient, PerSample: _per_sample_gradient}


@overload(lane_gradient, jit_options={"_nrt": False, "error_model": "numpy"}, inline="always")
def _lane_gradient(source, mode, batch_size, inv_b, noise_scale, L):
    if not isinstance(source, types.BaseNamedTuple) or source.instance_class not in _IMPLEMENTATIONS:
        return None
    return _IMPLEMENTATIONS[source.instance_class]


def needs_permutations(source):  # pragma: no cover - replaced in numba
    """Whether the kernel keeps per-lane permutations (minibatches without replacement; numba only)."""
    raise NotImplementedError("needs_permutations runs inside numba kernels only")


@overload(needs_permutations)
def _needs_permutations(source):
    if isinstance(source, types.BaseNamedTuple) and source.instance_class is PerSample:
        return lambda source: not source.replacement
    return lambda source: False
