"""Numba kernels for the Golub–Kahan spectra (``cache=True``, nothing compiled at import).

The Golub–Kahan matrix has a zero diagonal and off-diagonal ``e`` (length
``n - 1``).  Its Sturm sequence for a shift ``x`` is
``q_0 = -x``, ``q_i = -x - e_{i-1} * (e_{i-1} / q_{i-1})``; the number of
negative ``q_i`` is the number of eigenvalues below ``x``.  Writing
``e * (e / q)`` instead of ``e**2 / q`` keeps off-diagonals down to ~1e-300
usable (LAPACK ``stebz`` squares them and splits the matrix where the
square underflows).  Bisection with Sturm counts on this matrix gives every
singular value to high *relative* accuracy (Demmel & Kahan 1990).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_TINY = 2.2250738585072014e-308


@njit(cache=True)
def sturm_count(e, x):
    """Number of eigenvalues < x of the zero-diagonal tridiagonal matrix with off-diagonal ``e``."""
    q = -x
    count = 0
    if q < 0.0:
        count += 1
    for i in range(e.size):
        if abs(q) < _TINY:
            q = -_TINY
        q = -x - e[i] * (e[i] / q)
        if q < 0.0:
            count += 1
    return count


@njit(cache=True)
def sturm_count4(e, x0, x1, x2, x3, counts):
    """Sturm counts at four shifts in one sweep (four independent recurrences hide the division latency)."""
    q0, q1, q2, q3 = -x0, -x1, -x2, -x3
    c0 = 1 if q0 < 0.0 else 0
    c1 = 1 if q1 < 0.0 else 0
    c2 = 1 if q2 < 0.0 else 0
    c3 = 1 if q3 < 0.0 else 0
    for i in range(e.size):
        ei = e[i]
        if abs(q0) < _TINY:
            q0 = -_TINY
        if abs(q1) < _TINY:
            q1 = -_TINY
        if abs(q2) < _TINY:
            q2 = -_TINY
        if abs(q3) < _TINY:
            q3 = -_TINY
        q0 = -x0 - ei * (ei / q0)
        q1 = -x1 - ei * (ei / q1)
        q2 = -x2 - ei * (ei / q2)
        q3 = -x3 - ei * (ei / q3)
        c0 += q0 < 0.0
        c1 += q1 < 0.0
        c2 += q2 < 0.0
        c3 += q3 < 0.0
    counts[0] = c0
    counts[1] = c1
    counts[2] = c2
    counts[3] = c3


@njit(cache=True)
def bisect_indices(e, first, k, lo0, hi0, rel_tol, out):
    """Eigenvalues number ``first .. first + k - 1`` (0-based, ascending) in ``(lo0, hi0]``.

    Multisection: four probes per sweep, spaced geometrically while the
    bracket spans more than a factor 2 (so the cost grows with
    ``log(log(hi0 / lo0))``, not with the size of the eigenvalue) and
    arithmetically after that.  Each sweep shrinks the bracket five-fold.
    An eigenvalue at or below ``lo0`` is returned as 0.0 (the caller treats
    it as unresolved).  Returns the number of sweeps.
    """
    sweeps = 0
    c_lo = sturm_count(e, lo0)
    probes = np.empty(4)
    counts = np.empty(4, dtype=np.int64)
    lo_base = lo0
    for j in range(k):
        target = first + j + 1  # the smallest x with count(x) >= target
        if c_lo >= target:
            out[j] = 0.0
            continue
        lo = lo_base
        hi = hi0
        while hi - lo > rel_tol * hi:
            if hi > 2.0 * lo:
                ratio = (hi / lo) ** 0.2
                for m in range(4):
                    probes[m] = lo * ratio ** (m + 1)
            else:
                step = (hi - lo) / 5.0
                for m in range(4):
                    probes[m] = lo + step * (m + 1)
            if probes[0] <= lo or probes[3] >= hi:
                break
            sturm_count4(e, probes[0], probes[1], probes[2], probes[3], counts)
            sweeps += 1
            new_lo, new_hi = lo, hi
            for m in range(4):
                if counts[m] >= target:
                    new_hi = probes[m]
                    break
                new_lo = probes[m]
            lo, hi = new_lo, new_hi
        out[j] = 0.5 * (lo + hi)
        lo_base = lo  # the next eigenvalue lies above this one's lower bracket
    return sweeps


@njit(cache=True)
def _signed_log_add(s1, r1, s2, r2):
    """``s1 e^r1 + s2 e^r2`` as ``(sign, log|.|)``; a zero term has ``s = 0`` and ``r = -inf``."""
    if s1 == 0.0:
        return s2, r2
    if s2 == 0.0:
        return s1, r1
    m = max(r1, r2)
    v = s1 * math.exp(r1 - m) + s2 * math.exp(r2 - m)
    if v == 0.0:
        return 0.0, -math.inf
    return (1.0 if v > 0.0 else -1.0), m + math.log(abs(v))


@njit(cache=True)
def _log_add(r1, r2):
    """``log(e^r1 + e^r2)``; ``r1 = -inf`` stands for a zero term."""
    if r1 == -math.inf:
        return r2
    m = max(r1, r2)
    return m + math.log(math.exp(r1 - m) + math.exp(r2 - m))


@njit(cache=True)
def green_increments(log_up, log_down, g_sign, g_log, sign_out, log_out):
    """Increments ``du_i = u_{i+1} - u_i`` of ``u = (-Q)^{-1} g`` on pi-mean-zero functions, in log form.

    ``g`` is given as sign and logarithm (``g_sign * exp(g_log)``, a zero
    entry has sign 0), so iterates whose values span more than the float64
    range (an eigenfunction that is ``e^{+-10^3}`` in wells of very different
    mass) are fine.  For a birth-death generator in detailed balance
    (``pi_i a_i = pi_{i+1} b_i``), ``-Q u = g`` with ``sum_j pi_j g_j = 0``
    integrates once to ``du_i = -G_i / (pi_i a_i)``,
    ``G_i = sum_{j<=i} pi_j g_j = -sum_{j>i} pi_j g_j``.
    ``G_i / pi_i`` is carried as (sign, log) through the recurrences
    ``R_i = g_i + R_{i-1} b_{i-1}/a_{i-1}`` (prefix) and
    ``T_k = g_k + T_{k+1} a_k/b_k`` (suffix, ``G_i/pi_i = -T_{i+1} a_i/b_i``);
    at each edge the side with the smaller absolute mass ``sum pi |g|`` is
    used, so the cancellation error is ``eps`` times that smaller mass.
    Nothing is exponentiated but ratios of neighbouring rates, so ``pi``
    spanning ``e^{+-10^4}`` is fine.  Writes ``sign_out``/``log_out`` (length
    ``N - 1``).
    """
    n = g_sign.size
    # suffix sums T_k (k = 1 .. n-1) and their absolute masses, stored relative to pi_k
    t_sign = np.empty(n)
    t_log = np.empty(n)
    b_log = np.empty(n)
    s = 0.0
    r = -math.inf
    babs = -math.inf
    for k in range(n - 1, 0, -1):
        if k < n - 1:
            step = log_up[k] - log_down[k]           # pi_{k+1} / pi_k
            r = r + step
            babs = babs + step
        if g_sign[k] != 0.0:
            s, r = _signed_log_add(s, r, g_sign[k], g_log[k])
            babs = _log_add(babs, g_log[k])
        t_sign[k] = s
        t_log[k] = r
        b_log[k] = babs
    # prefix sums R_i with the same bookkeeping, choosing the better side at each edge
    s = 0.0
    r = -math.inf
    aabs = -math.inf
    for i in range(n - 1):
        if i > 0:
            step = log_down[i - 1] - log_up[i - 1]   # pi_{i-1} / pi_i
            r = r + step
            aabs = aabs + step
        if g_sign[i] != 0.0:
            s, r = _signed_log_add(s, r, g_sign[i], g_log[i])
            aabs = _log_add(aabs, g_log[i])
        cross = log_up[i] - log_down[i]              # pi_{i+1} / pi_i
        if aabs <= b_log[i + 1] + cross:
            gs, gl = s, r
        else:
            gs, gl = -t_sign[i + 1], t_log[i + 1] + cross
        sign_out[i] = -gs
        log_out[i] = gl - log_up[i]


@njit(cache=True)
def green_step(log_up, log_down, logpi, anchor, g_sign, g_log, du_sign, du_log, u_sign, u_log, stats):
    """One power-iteration step ``u = G g`` in sign/log form, with the quantities of the Temple bound.

    ``logpi`` are the normalised log cell masses (``logsumexp = 0``), ``g``
    the pi-normalised, pi-mean-zero iterate.  ``u`` is summed outward from
    the most probable cell ``anchor`` (``u_anchor = 0``) and then shifted by
    its (small) pi-mean, so the mean is removed without cancellation when pi
    sits in one well.  Writes ``u`` and
    ``stats = (sign <g,u>, log|<g,u>|, log <u,u>, log <r,r>)`` with
    ``r = u - <g,u> g`` (all inner products weighted by pi).
    """
    n = g_sign.size
    green_increments(log_up, log_down, g_sign, g_log, du_sign, du_log)
    u_sign[anchor] = 0.0
    u_log[anchor] = -math.inf
    for i in range(anchor + 1, n):
        u_sign[i], u_log[i] = _signed_log_add(u_sign[i - 1], u_log[i - 1], du_sign[i - 1], du_log[i - 1])
    for i in range(anchor - 1, -1, -1):
        u_sign[i], u_log[i] = _signed_log_add(u_sign[i + 1], u_log[i + 1], -du_sign[i], du_log[i])
    ms = 0.0
    ml = -math.inf
    for i in range(n):
        if u_sign[i] != 0.0:
            ms, ml = _signed_log_add(ms, ml, u_sign[i], u_log[i] + logpi[i])
    ts = 0.0
    tl = -math.inf
    nl = -math.inf
    for i in range(n):
        u_sign[i], u_log[i] = _signed_log_add(u_sign[i], u_log[i], -ms, ml)
        if u_sign[i] != 0.0:
            nl = _log_add(nl, logpi[i] + 2.0 * u_log[i])
            if g_sign[i] != 0.0:
                ts, tl = _signed_log_add(ts, tl, u_sign[i] * g_sign[i], logpi[i] + u_log[i] + g_log[i])
    rl = -math.inf
    for i in range(n):
        # r_i = u_i - theta g_i
        if g_sign[i] != 0.0 and ts != 0.0:
            rs, rr = _signed_log_add(u_sign[i], u_log[i], -ts * g_sign[i], tl + g_log[i])
        else:
            rs, rr = u_sign[i], u_log[i]
        if rs != 0.0:
            rl = _log_add(rl, logpi[i] + 2.0 * rr)
    stats[0] = ts
    stats[1] = tl
    stats[2] = nl
    stats[3] = rl
