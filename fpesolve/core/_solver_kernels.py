"""Numba kernels (``cache=True``) of the real solvers: pure functions on arrays, nothing else.

Conventions: a birth–death generator on ``N`` cells is stored as three arrays
``up`` (rate ``i -> i+1``, length ``N-1``), ``down`` (rate ``i+1 -> i``,
length ``N-1``) and ``out`` (rate of leaving the grid from cell ``i``,
length ``N``; zero at reflecting ends).  The generator acts on cell masses
``m`` by ``dm/dt = Q m``.  Nothing here is compiled at import time.

Shifted solves without cancellation
-----------------------------------
Every implicit step solves :math:`(I - cQ)x = b`.  It is written as
:math:`(\\alpha I - \\beta Q)\\,y = b` with ``(alpha, beta) = (1, c)`` for
``c <= 1`` and ``(1/c, 1)`` for larger ``c`` (so nothing overflows for ``c``
up to 1e300), and ``x = alpha * y``.  The Thomas algorithm is used in the form
of Grassmann, Taksar and Heyman: the pivots ``p_i`` are built from the
column sums of the Schur complements,

.. math:: r_0 = \\alpha + \\beta o_0,\\quad
          r_i = \\alpha + \\beta o_i + \\beta b_{i-1}\\,r_{i-1}/p_{i-1},\\quad
          p_i = r_i + \\beta a_i ,

(:math:`a` = ``up``, :math:`b` = ``down``, :math:`o` = ``out``), the forward
sweep is :math:`z_i = b_i + (\\beta a_{i-1}/p_{i-1}) z_{i-1}` and the back
substitution :math:`y_i = (z_i + \\beta b_i y_{i+1})/p_i`.  Every operation
adds, multiplies or divides non-negative numbers: there is no subtraction at
all, so a non-negative right-hand side gives a non-negative solution for any
step (the M-matrix property holds in floating point, not only in exact
arithmetic), every entry has a small relative error, and no pivot can vanish
(:math:`p_i \\ge r_i \\ge \\alpha > 0`).
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
def rates_at_eta(drift_integrals, up_geometry, down_geometry, end_left, end_right, left_geometry, right_geometry,
                 absorbing_left, absorbing_right, eta, scale, up, down, out):
    r"""``scale`` times the Scharfetter–Gummel rates at learning rate ``eta``, in O(N).

    ``drift_integrals[i]`` is the exact :math:`\int_{x_i}^{x_{i+1}} L'/\Sigma`;
    ``up_geometry[i] = Sigma_i / (h_i |c_i|)``, ``down_geometry[i] = Sigma_{i+1} / (h_i |c_{i+1}|)``;
    ``end_left/right`` the integrals from the grid's ends to the nearest centres and
    ``left/right_geometry = Sigma_c / (h_e |c|)`` there; ``absorbing_left/right`` are 1.0 or 0.0.
    One ``expm1`` per edge: with :math:`s = |d|`, :math:`B(s) = s/(e^s - 1)` is the small one of the
    pair and :math:`B(-s) = B(s) + s` the large one (no cancellation in either).
    """
    n = up_geometry.size + 1
    two_over_eta = 2.0 / eta
    c = scale * 0.5 * eta
    for i in range(n - 1):
        d = two_over_eta * drift_integrals[i]
        a = abs(d)
        small = bernoulli(a)
        large = small + a
        if d >= 0.0:
            up[i] = c * small * up_geometry[i]
            down[i] = c * large * down_geometry[i]
        else:
            up[i] = c * large * up_geometry[i]
            down[i] = c * small * down_geometry[i]
    for i in range(n):
        out[i] = 0.0
    if absorbing_left > 0.0:
        out[0] += c * bernoulli(-two_over_eta * end_left) * left_geometry
    if absorbing_right > 0.0:
        out[n - 1] += c * bernoulli(two_over_eta * end_right) * right_geometry


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
def difference_matvec(up_a, down_a, out_a, up_b, down_b, out_b, x, y):
    """y = (Q_a - Q_b) x in flux form (the edge rates are differenced first)."""
    n = x.size
    left = 0.0
    for i in range(n):
        right = (up_a[i] - up_b[i]) * x[i] - (down_a[i] - down_b[i]) * x[i + 1] if i < n - 1 else 0.0
        y[i] = left - right - (out_a[i] - out_b[i]) * x[i]
        left = right


@njit(cache=True)
def shift_coefficients(c):
    """(alpha, beta) with alpha I - beta Q proportional to I - c Q and no product overflowing (see module notes)."""
    if c <= 1.0:
        return 1.0, c
    return 1.0 / c, 1.0


@njit(cache=True)
def positive_factor(up, down, out, alpha, beta, pivot, lower):
    """GTH-form LU factors of (alpha I - beta Q), all >= 0, no subtraction.

    Writes the reciprocal pivots ``pivot[i] = 1/p_i`` (one division per row;
    the solves then only multiply) and the forward multipliers
    ``lower[i] = beta up[i-1] / p_{i-1}``.
    """
    n = out.size
    r = alpha + beta * out[0]
    inv = 1.0 / (r + (beta * up[0] if n > 1 else 0.0))
    pivot[0] = inv
    lower[0] = 0.0
    for i in range(1, n):
        r = alpha + beta * out[i] + beta * down[i - 1] * (r * inv)
        lower[i] = beta * up[i - 1] * inv
        inv = 1.0 / (r + (beta * up[i] if i < n - 1 else 0.0))
        pivot[i] = inv


@njit(cache=True)
def positive_solve(down, beta, pivot, lower, rhs, y):
    """Solve (alpha I - beta Q) y = rhs with the factors of :func:`positive_factor` (y may alias rhs)."""
    n = rhs.size
    y[0] = rhs[0]
    for i in range(1, n):
        y[i] = rhs[i] + lower[i] * y[i - 1]
    y[n - 1] = y[n - 1] * pivot[n - 1]
    for i in range(n - 2, -1, -1):
        y[i] = (y[i] + beta * down[i] * y[i + 1]) * pivot[i]


@njit(cache=True)
def _l1(x):
    s = 0.0
    for i in range(x.size):
        s += abs(x[i])
    return s


@njit(cache=True)
def backward_euler_steps(up, down, out, alpha, beta, pivot, lower, m, n_steps, y, work):
    """``n_steps`` backward-Euler steps m <- (I - dt Q)^{-1} m in place; returns (lost left, lost right, error).

    ``(alpha, beta) = shift_coefficients(dt)`` and the factors must be those of
    :func:`positive_factor`.  Each step is a solve without subtraction, so
    ``m >= 0`` stays true for any ``dt``.  The identity
    ``sum(m_new) + dt out.m_new = sum(m)`` (column sums of ``I - dt Q``) is
    then imposed by one positive factor ``f``, which removes the drift of the
    mass that a fixed rounding of the factors would cause over many steps.
    The local error :math:`\\tfrac12\\|(I-\\Delta t Q)^{-1}\\Delta - \\Delta\\|_1`
    (:math:`\\Delta = m_{new} - m`; one more solve) is summed into the estimate.
    """
    n = m.size
    lost_left = 0.0
    lost_right = 0.0
    err_total = 0.0
    for _ in range(n_steps):
        before = 0.0
        for i in range(n):
            before += m[i]
        positive_solve(down, beta, pivot, lower, m, y)
        total = 0.0
        leaving = 0.0
        for i in range(n):
            total += y[i]
            leaving += out[i] * y[i]
        denom = alpha * total + beta * leaving
        f = before / denom if denom > 0.0 else 0.0
        lost_left += f * beta * out[0] * y[0]
        lost_right += f * beta * out[n - 1] * y[n - 1]
        for i in range(n):
            new = alpha * f * y[i]
            work[i] = new - m[i]
            m[i] = new
        # local error estimate: (1/2) (A^{-1} delta - delta), A^{-1} b = alpha * solve(b)
        positive_solve(down, beta, pivot, lower, work, y)
        e = 0.0
        for i in range(n):
            e += abs(alpha * y[i] - work[i])
        err_total += 0.5 * e
    return lost_left, lost_right, err_total


@njit(cache=True)
def clip_and_rescale(y, target):
    """Set negative entries of ``y`` to 0 and scale it to mass ``target``; returns (clipped mass, L1 change)."""
    n = y.size
    if not target > 0.0:
        target = 0.0  # (rounding of the outflow can leave -1 ulp)
    clipped = 0.0
    positive = 0.0
    for i in range(n):
        if y[i] < 0.0:
            clipped -= y[i]
        else:
            positive += y[i]
    if positive <= 0.0:
        change = 0.0
        for i in range(n):
            change += abs(y[i])
            y[i] = 0.0
        return clipped, change
    f = target / positive
    change = 0.0
    for i in range(n):
        new = f * y[i] if y[i] > 0.0 else 0.0
        change += abs(new - y[i])
        y[i] = new
    return clipped, change


_BALANCE_RTOL = 1e-10  # quadrature and balance of the TR-BDF2 outflow must agree to this, relative to the mass


@njit(cache=True)
def trbdf2_step(up_n, down_n, out_n, up_g, down_g, out_g, up_1, down_1, out_1, autonomous, h, y_n, y_1,
                z, rhs, work, piv_g, low_g, piv_1, low_1):
    """One TR-BDF2 step (gamma = 2 - sqrt 2) of dm/dt = Q(t) m from ``y_n`` to ``y_1``.

    Rates at the start, at ``t + gamma h`` (``*_g``) and at ``t + h`` (``*_1``);
    with ``autonomous`` true only the ``*_1`` rates are used.  Returns
    ``(error, lost_left, lost_right, clipped, change)``: the L1 norm of the local error
    estimate of Hosea & Shampine (1996) filtered by :math:`(I - dhQ_1)^{-1}`,
    the mass that left through absorbing ends (the method's own quadrature
    of the outflow), the negative mass set to zero, and the L1 change made
    by setting it to zero and rescaling to the conserved mass.

    Stages (d = gamma/2, w1 = (sqrt2 + 1)/2, w0 = w1 - 1):
    TR   z = (I - dhQ_g)^{-1}(2 y_n + dh (Q_n - Q_g) y_n) - y_n
    BDF2 y_1 = (I - dhQ_1)^{-1}(w1 z - w0 y_n)
    error (1/3)(I - dhQ_1)^{-1}[sqrt2 h Q_n y_n - (z - y_n)/d + 2 (y_1 - w1 z + w0 y_n)];
    for an autonomous Q, (I - dhQ)^{-1} h Q y_n = (u - y_n)/d with u = (I - dhQ)^{-1} y_n,
    so no product h Q y_n is formed (nothing overflows for any h).
    """
    n = y_n.size
    sqrt2 = math.sqrt(2.0)
    gamma = 2.0 - sqrt2
    d = 0.5 * gamma
    w1 = 0.5 * (sqrt2 + 1.0)
    w0 = w1 - 1.0
    wq = 0.25 * sqrt2
    c = d * h
    alpha, beta = shift_coefficients(c)
    mass_n = 0.0
    for i in range(n):
        mass_n += y_n[i]
    if autonomous:
        positive_factor(up_1, down_1, out_1, alpha, beta, piv_1, low_1)
        positive_solve(down_1, beta, piv_1, low_1, y_n, work)         # work = u / alpha
        for i in range(n):
            u = alpha * work[i]
            z[i] = 2.0 * u - y_n[i]
            work[i] = sqrt2 * (u - y_n[i]) / d                          # filtered sqrt2 h Q y_n
    else:
        positive_factor(up_g, down_g, out_g, alpha, beta, piv_g, low_g)
        difference_matvec(up_n, down_n, out_n, up_g, down_g, out_g, y_n, rhs)
        for i in range(n):
            rhs[i] = 2.0 * y_n[i] + c * rhs[i]
        positive_solve(down_g, beta, piv_g, low_g, rhs, z)
        for i in range(n):
            z[i] = alpha * z[i] - y_n[i]
        positive_factor(up_1, down_1, out_1, alpha, beta, piv_1, low_1)
        generator_matvec(up_n, down_n, out_n, y_n, work)
        for i in range(n):
            work[i] = sqrt2 * h * work[i]                               # unfiltered sqrt2 h Q_n y_n
    for i in range(n):
        rhs[i] = w1 * z[i] - w0 * y_n[i]
    positive_solve(down_1, beta, piv_1, low_1, rhs, y_1)
    for i in range(n):
        y_1[i] = alpha * y_1[i]
    # error estimate
    for i in range(n):
        rhs[i] = -(z[i] - y_n[i]) / d + 2.0 * (y_1[i] - w1 * z[i] + w0 * y_n[i])
        if not autonomous:
            rhs[i] += work[i]
    positive_solve(down_1, beta, piv_1, low_1, rhs, rhs)
    err = 0.0
    for i in range(n):
        e = alpha * rhs[i]
        if autonomous:
            e += work[i]
        err += abs(e)
    err /= 3.0
    # outflow through absorbing ends (only the end cells have exit rates): h (w o_n y_n + w o_g z + d o_1 y_1)
    last = n - 1
    if autonomous:
        flux_left = out_1[0] * (wq * y_n[0] + wq * z[0] + d * y_1[0])
        flux_right = out_1[last] * (wq * y_n[last] + wq * z[last] + d * y_1[last])
    else:
        flux_left = wq * out_n[0] * y_n[0] + wq * out_g[0] * z[0] + d * out_1[0] * y_1[0]
        flux_right = wq * out_n[last] * y_n[last] + wq * out_g[last] * z[last] + d * out_1[last] * y_1[last]
    # the method's own balance mass_n - sum(y_1) equals h * (flux_left + flux_right) in exact arithmetic; the
    # quadrature keeps relative accuracy for a small outflow, the balance is right when a huge step makes the
    # quadrature a difference of large terms: use the quadrature unless the two disagree
    mass_1 = 0.0
    for i in range(n):
        mass_1 += y_1[i]
    balance = min(max(mass_n - mass_1, 0.0), mass_n)
    quad_left = h * flux_left if abs(flux_left) < mass_n / h else math.copysign(mass_n, flux_left)
    quad_right = h * flux_right if abs(flux_right) < mass_n / h else math.copysign(mass_n, flux_right)
    quad = quad_left + quad_right
    if out_1[0] == 0.0 and out_1[last] == 0.0 and out_n[0] == 0.0 and out_n[last] == 0.0:
        lost_left, lost_right = 0.0, 0.0  # reflecting ends: nothing leaves
    elif quad_left >= 0.0 and quad_right >= 0.0 and abs(quad - balance) <= _BALANCE_RTOL * mass_n:
        lost_left, lost_right = quad_left, quad_right
    else:
        wl = max(quad_left, 0.0)
        wr = max(quad_right, 0.0)
        share = wl / (wl + wr) if wl + wr > 0.0 else (0.5 if out_1[0] > 0.0 and out_1[last] > 0.0 else
                                                       (1.0 if out_1[0] > 0.0 else 0.0))
        lost_left, lost_right = balance * share, balance * (1.0 - share)
    if lost_left + lost_right > mass_n:
        scale = mass_n / (lost_left + lost_right)
        lost_left *= scale
        lost_right *= scale
    clipped, change = clip_and_rescale(y_1, mass_n - lost_left - lost_right)
    return err, lost_left, lost_right, clipped, change


@njit(cache=True)
def trbdf2_fixed_steps(up, down, out, h, m, n_steps, y_1, z, rhs, work, piv_g, low_g, piv_1, low_1, totals):
    """``n_steps`` autonomous TR-BDF2 steps of size ``h`` in place; adds (error, lost left, lost right, clipped,
    change) to ``totals`` (length 5)."""
    n = m.size
    for _ in range(n_steps):
        err, left, right, clipped, change = trbdf2_step(up, down, out, up, down, out, up, down, out, True, h, m,
                                                        y_1, z, rhs, work, piv_g, low_g, piv_1, low_1)
        totals[0] += err
        totals[1] += left
        totals[2] += right
        totals[3] += clipped
        totals[4] += change
        for i in range(n):
            m[i] = y_1[i]


@njit(cache=True)
def uniformization(up, down, out, rate, t, m, work, nxt, tol, max_terms, absorbed):
    r"""m <- exp(t Q) m by uniformization: a Poisson mixture of P = I + Q/rate (entrywise >= 0).

    ``rate`` must be at least every total exit rate.  The horizon is cut into
    sub-steps with rate * dt <= 32 so the Poisson weights never underflow.
    Every term is non-negative, so the result is too.  The mass leaving
    through each end, :math:`\int_0^t o_j m_j`, is added to ``absorbed[0/1]``
    from :math:`\int_0^{dt} e^{-\lambda s}(\lambda s)^k/k!\,ds = P(\mathrm{Poisson}(\lambda dt) > k)/\lambda`.
    Returns the number of matrix–vector products used, or -1 if a sub-step
    needed more than ``max_terms`` terms (then ``m`` is not the answer).
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
        tail = -math.expm1(-mu)
        absorbed[0] += out[0] * work[0] * tail / rate
        absorbed[1] += out[n - 1] * work[n - 1] * tail / rate
        k = 0
        # past the mode the Poisson tail after term k is below weight_k (k+1)/(k+1-mu); the running total cannot
        # be compared with 1 - tol (its own rounding is ~k eps)
        while k < mu or weight * (k + 1.0) / (k + 1.0 - mu) > tol:
            k += 1
            if k > max_terms:
                return -1
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
            tail = max(1.0 - total, 0.0)  # P(Poisson > k): absolute accuracy ~k eps, enough for the outflow
            for i in range(n):
                work[i] = nxt[i]
                m[i] += weight * nxt[i]
            absorbed[0] += out[0] * work[0] * tail / rate
            absorbed[1] += out[n - 1] * work[n - 1] * tail / rate
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
