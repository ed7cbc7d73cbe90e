"""Numba kernels (``cache=True``): pure functions on arrays, nothing else.

Conventions: a birth–death generator on ``N`` cells is stored as three arrays
``up`` (rate ``i -> i+1``, length ``N-1``), ``down`` (rate ``i+1 -> i``,
length ``N-1``) and ``out`` (rate of leaving the domain from cell ``i``,
length ``N``; zero for reflecting ends).  The generator acts on cell masses
``m`` by ``dm/dt = Q m``.  Nothing here is compiled at import time.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def bernoulli(z):
    """B(z) = z / (exp(z) - 1), stable for all z (B(0) = 1)."""
    if z == 0.0:
        return 1.0
    if z > 745.0:
        return 0.0 if z > 1e300 else z * math.exp(-z)
    return z / math.expm1(z)


@njit(cache=True)
def log_bernoulli(z):
    """log B(z) without overflow or underflow for any finite z."""
    if z == 0.0:
        return 0.0
    if z > 0.0:
        return math.log(z) - z - math.log(-math.expm1(-z))
    return math.log(z / math.expm1(z))


@njit(cache=True)
def scharfetter_gummel_rates(d, diffusion, spacing, widths, log_up, log_down):
    """Log rates of the Scharfetter–Gummel generator.

    ``d[i] = Phi[i+1] - Phi[i]`` (exact), ``diffusion[i] = D`` at centre i,
    ``spacing[i] = x[i+1] - x[i]``, ``widths[i] = |cell i|``.
    up_i = B(d_i) D_i / (h_i |c_i|), down_i = B(-d_i) D_{i+1} / (h_i |c_{i+1}|).
    """
    for i in range(d.size):
        base = -math.log(spacing[i])
        log_up[i] = log_bernoulli(d[i]) + math.log(diffusion[i]) + base - math.log(widths[i])
        log_down[i] = log_bernoulli(-d[i]) + math.log(diffusion[i + 1]) + base - math.log(widths[i + 1])


@njit(cache=True)
def generator_matvec(up, down, out, x, y):
    """y = Q x for the birth–death generator, in flux form.

    Each edge flux F = up_i x_i - down_i x_{i+1} is computed once and enters
    two cells with opposite signs, so sum(y) telescopes to the boundary
    outflow up to the rounding of the differences (no systematic drift).
    """
    n = x.size
    left = 0.0
    for i in range(n):
        right = up[i] * x[i] - down[i] * x[i + 1] if i < n - 1 else 0.0
        y[i] = left - right - out[i] * x[i]
        left = right


@njit(cache=True)
def factor_shifted(up, down, out, c, mult, pivot):
    """LU factors of (I - c Q) (Thomas algorithm, no pivoting: an M-matrix).

    Writes the elimination multipliers ``mult`` (length N, mult[0] unused)
    and the pivots ``pivot`` (divided by, not multiplied with a rounded reciprocal:
    a rounded reciprocal would bias the mass by the same ulp at every step).
    """
    n = out.size
    for i in range(n):
        diag = 1.0 + c * out[i]
        if i < n - 1:
            diag += c * up[i]
        if i > 0:
            diag += c * down[i - 1]
            # sub-diagonal (row i, col i-1) = -c up[i-1]; super (row i-1, col i) = -c down[i-1]
            m = (-c * up[i - 1]) / pivot[i - 1]
            mult[i] = m
            diag -= m * (-c * down[i - 1])
        else:
            mult[i] = 0.0
        pivot[i] = diag


@njit(cache=True)
def solve_shifted(down, c, mult, pivot, rhs, x):
    """Solve (I - c Q) x = rhs with the factors of :func:`factor_shifted` (x may alias rhs)."""
    n = rhs.size
    x[0] = rhs[0]
    for i in range(1, n):
        x[i] = rhs[i] - mult[i] * x[i - 1]
    x[n - 1] = x[n - 1] / pivot[n - 1]
    for i in range(n - 2, -1, -1):
        x[i] = (x[i] + c * down[i] * x[i + 1]) / pivot[i]


@njit(cache=True)
def implicit_solve(up, down, out, c, mult, pivot, rhs, x, work):
    """x = (I - c Q)^{-1} rhs, followed by the flux-form update x <- rhs + c Q x.

    The update changes x only by the solve's residual (round-off) but makes
    the mass of x equal to that of rhs up to unbiased rounding: the LU
    factors of a perturbed matrix would otherwise bias the mass by the same
    few ulps at every step (1e-11 after 1e5 steps).  ``x`` must not alias ``rhs``.
    """
    solve_shifted(down, c, mult, pivot, rhs, x)
    generator_matvec(up, down, out, x, work)
    for i in range(x.size):
        x[i] = rhs[i] + c * work[i]


@njit(cache=True)
def backward_euler_steps(up, down, out, c, mult, pivot, m, n_steps, x, work):
    """``n_steps`` backward-Euler steps m <- (I - dt Q)^{-1} m in place (c = dt)."""
    n = m.size
    for _ in range(n_steps):
        implicit_solve(up, down, out, c, mult, pivot, m, x, work)
        for i in range(n):
            m[i] = x[i]


@njit(cache=True)
def trbdf2_steps(up, down, out, c, mult, pivot, m, n_steps, stage, x, work):
    """TR-BDF2 steps (gamma = 2 - sqrt 2) in place; both stages use (I - c Q), c = (1 - 1/sqrt2) dt.

    The trapezoidal stage is written as (I - cQ)^{-1}(I + cQ) m = 2 (I - cQ)^{-1} m - m.
    """
    gamma = 2.0 - math.sqrt(2.0)
    w1 = 1.0 / (gamma * (2.0 - gamma))
    w0 = w1 - 1.0  # = (1 - gamma)^2 / (gamma (2 - gamma)); w1 - w0 == 1 exactly
    n = m.size
    for _ in range(n_steps):
        implicit_solve(up, down, out, c, mult, pivot, m, x, work)
        for i in range(n):
            stage[i] = w1 * (2.0 * x[i] - m[i]) - w0 * m[i]
        implicit_solve(up, down, out, c, mult, pivot, stage, m, work)


@njit(cache=True)
def uniformization(up, down, out, rate, t, m, work, nxt, tol):
    """m <- exp(t Q) m by uniformization: a Poisson mixture of P = I + Q/rate (entrywise >= 0).

    ``rate`` must be at least every total exit rate.  The horizon is cut into
    sub-steps with rate * dt <= 32 so the Poisson weights never underflow.
    Every term is non-negative, so the result is too.  Returns the number of
    matrix–vector products used.
    """
    n = m.size
    n_sub = max(1, int(math.ceil(rate * t / 32.0)))
    mu = rate * t / n_sub
    products = 0
    for _ in range(n_sub):
        weight = math.exp(-mu)
        total = weight
        for i in range(n):
            work[i] = m[i]
            m[i] = weight * m[i]
        k = 0
        while k < mu or 1.0 - total > tol:
            k += 1
            # nxt = P work
            for i in range(n):
                exit_i = out[i]
                acc = 0.0
                if i < n - 1:
                    exit_i += up[i]
                    acc += down[i] * work[i + 1]
                if i > 0:
                    exit_i += down[i - 1]
                    acc += up[i - 1] * work[i - 1]
                nxt[i] = work[i] * (1.0 - exit_i / rate) + acc / rate
            products += 1
            weight = weight * mu / k
            total += weight
            for i in range(n):
                work[i] = nxt[i]
                m[i] += weight * nxt[i]
            if k > 10000:
                break
    return products


@njit(cache=True)
def cumulative_log_sum(log_terms, out):
    """Running log-sum-exp: out[i] = log(sum_{j<=i} exp(log_terms[j]))."""
    acc = -np.inf
    for i in range(log_terms.size):
        x = log_terms[i]
        if acc == -np.inf:
            acc = x
        elif x > acc:
            acc = x + math.log1p(math.exp(acc - x))
        else:
            acc = acc + math.log1p(math.exp(x - acc))
        out[i] = acc
