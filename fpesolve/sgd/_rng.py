r"""Random numbers of the SGD kernels (private): xoshiro256** streams and a ziggurat for N(0, 1).

Every walker owns a xoshiro256** stream (D. Blackman and S. Vigna,
"Scrambled linear pseudorandom number generators", ACM TOMS 47, 2021)
seeded by SplitMix64 from ``(seed, walker index)``, so results do not depend
on the number of threads or on how walkers are split into chunks.  Gaussian
deviates use the ziggurat method with 256 layers in Doornik's ZIGNOR form
(:func:`normal_lanes`): one 64-bit draw per deviate except in the rare
rejections, each lane drawing from its own stream only.

All functions are ``@njit(cache=True)`` and compiled on first use.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["LANES", "ZIG_LAYERS", "ZIG_R", "ZIG_V", "seed_walker", "next_bits", "to_unit", "index_below",
           "normal_lanes", "standard_normals"]

LANES = 32            # walkers advanced together (vectorised over lanes, latency hiding)


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
def seed_walker(seed, walker):
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
def next_bits(s0, s1, s2, s3):
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
def to_unit(bits):
    """A double in [0, 1) from the top 53 of 64 random bits."""
    return float(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def index_below(r, n):
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
# 64-bit draw and u from its top 53 bits (to_unit), which do not overlap
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
                bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
                e1 = -math.log(1.0 - to_unit(bits)) / ZIG_R
                bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
                e2 = -math.log(1.0 - to_unit(bits))
                if e1 * e1 <= 2.0 * e2:
                    return -(ZIG_R + e1) if u < 0.0 else ZIG_R + e1
        x = u * _ZIG_X[i]
        # wedge: a height uniform in [f(X[i]), f(X[i+1])] (relative to f(x)) must fall below f(x)
        f0 = math.exp(-0.5 * (_ZIG_X[i] * _ZIG_X[i] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[i + 1] * _ZIG_X[i + 1] - x * x))
        bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
        if f1 + to_unit(bits) * (f0 - f1) < 1.0:
            return x
        bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
        i = np.int64(bits & np.uint64(ZIG_LAYERS - 1))
        u = 2.0 * to_unit(bits) - 1.0
        if abs(u) < _ZIG_RATIO[i]:
            return u * _ZIG_X[i]


@njit(cache=True, error_model="numpy", _nrt=False)
def normal_lanes(s0, s1, s2, s3, layer, u, xi):
    """``xi[j]`` = an N(0, 1) deviate from lane ``j``'s stream, every lane (ziggurat, see above).

    The first candidate of every lane is drawn in one branch-free loop;
    ``layer`` (int64) and ``u`` are scratch.  The lanes that need more
    (``layer[j] >= 0``, 1.5 % of the draws) are finished one at a time.
    """
    slow = False
    for j in range(LANES):
        bits, s0[j], s1[j], s2[j], s3[j] = next_bits(s0[j], s1[j], s2[j], s3[j])
        i = np.int64(bits & np.uint64(ZIG_LAYERS - 1))
        uj = 2.0 * to_unit(bits) - 1.0
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
        s0[j], s1[j], s2[j], s3[j] = seed_walker(seed, j)
    layer = np.zeros(LANES, dtype=np.int64)
    u = np.zeros(LANES)
    xi = np.zeros(LANES)
    out = np.empty(n)
    for start in range(0, n, LANES):
        normal_lanes(s0, s1, s2, s3, layer, u, xi)
        for j in range(min(LANES, n - start)):
            out[start + j] = xi[j]
    return out


