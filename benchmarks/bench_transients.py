"""Transients: fpesolve's time routes beside scipy.integrate.solve_ivp (BDF, sparse banded Jacobian) and
scipy.sparse.linalg.expm_multiply on the same generator, one run, ratios side by side (issue 11 targets).

Problems (all on fpesolve's Scharfetter–Gummel generator, so every route solves the same ODE dm/dt = Q m):

1. multiplicative double well L' = x^3 - x, Sigma = 1 + 0.5 tanh(2x) (Sigma varies 0.5..1.5, 3x), eta = 0.3,
   N = 1e4, t = 5, from a point mass at -1; reference: the eigen-expansion built from the Golub–Kahan
   eigenpairs (core.spectrum, relative accuracy; independent of every route timed);
2. Ornstein–Uhlenbeck (exact Gaussian transient) and Jacobi (exact Legendre transient) at N = 1e5, against the
   exact solutions at the cell centres: the time error must sit below the grid's spatial error;
3. t = 1e6 / gap on the metastable double well of issue 9 (gap 2.7e-17): TV distance to the exact stationary
   state and the smallest density;
4. a cosine and a cyclical learning-rate schedule over 1e6 SGD iterations on F1's landscape
   (fpesolve.constructions.construction("f1")) with rtol 1e-8, checked against rtol 1e-11 and, with the
   schedule held constant, against the exact fixed-rate contour result.

Run:  python benchmarks/bench_transients.py        (about two minutes; timings are the best of a few runs)
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply
from scipy.special import eval_legendre

import fpesolve as fs
from fpesolve.core import schedules

SCIPY_TIMEOUT = 120.0  # seconds allowed to one scipy run (in a subprocess)


def best_of(func, repeat=3):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def l1(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).sum())


# ---------------------------------------------------------------------------------------------- scipy routes
def _bdf(q, m0, t, rtol, atol):
    sol = solve_ivp(lambda _t, y: q @ y, (0.0, t), m0, method="BDF", jac=q, rtol=rtol, atol=atol, t_eval=[t])
    return sol.y[:, -1]


def _expm(q, m0, t):
    return expm_multiply(q * t, m0)


def _worker(queue, name, args):
    t0 = time.perf_counter()
    try:
        out = (_bdf if name == "bdf" else _expm)(*args)
        queue.put((time.perf_counter() - t0, out, ""))
    except Exception as exc:  # report, do not hide, a scipy failure
        queue.put((time.perf_counter() - t0, None, f"{type(exc).__name__}: {exc}"))


def scipy_run(name, *args, timeout=SCIPY_TIMEOUT):
    """(seconds, masses or None, note) of a scipy route in a subprocess with a time limit."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(queue, name, args))
    proc.start()
    try:
        seconds, out, note = queue.get(timeout=timeout + 30.0)  # read before join: a large result blocks the child
    except Exception:
        proc.kill()
        proc.join()
        return timeout, None, f"did not finish in {timeout:g} s"
    proc.join()
    if seconds > timeout:
        note = (note or "") + f" (over the {timeout:g} s budget)"
    return seconds, out, note


def row(label, seconds, error, base_seconds, note=""):
    ratio = f"{seconds / base_seconds:8.1f}x" if base_seconds and error is not None else "        "
    err = f"{error:10.2e}" if error is not None else "       n/a"
    print(f"  {label:44s} {seconds:9.4f} s  l1 error {err}  {ratio}  {note}")


# ---------------------------------------------------------------------------------------------- 1. double well
def double_well_n1e4():
    print("1. multiplicative double well, eta = 0.3, N = 1e4, t = 5, point mass at -1 "
          "(target: l1 <= 1e-9 in <= 0.02 s)")
    land = fs.Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))
    fp = fs.FokkerPlanck(land, 0.3, 10_000)
    t = 5.0
    m0 = fp.point_mass(-1.0) * fp.grid.widths
    spec = fp.spectrum(40, vectors=True)
    nz = m0 != 0
    ref = np.exp(fp.discretization.log_stationary_mass)
    for j in range(spec.k):
        ref = ref + (spec.observables[j][nz] @ m0[nz]) * math.exp(-spec.rates[j] * t) * spec.densities[j] * fp.grid.widths
    print(f"  reference: 40 Golub–Kahan modes (the last decays by exp(-{spec.rates[-1] * t:.0f}))")
    fp.evolve(fp.point_mass(-1.0), [t])
    sec, ev = best_of(lambda: fp.evolve(fp.point_mass(-1.0), [t]), 5)
    base = sec
    row("fpesolve contour (default)", sec, l1(ev.densities[0] * fp.grid.widths, ref), base,
        f"estimate {ev.error[0]:.1e}, {ev.n_solves} solves")
    sec, ev = best_of(lambda: fp.evolve(fp.point_mass(-1.0), [t], method="eigen"), 1)
    row("fpesolve eigen-expansion (LAPACK)", sec, l1(ev.densities[0] * fp.grid.widths, ref), base,
        f"estimate {ev.error[0]:.1e}")
    sec, ev = best_of(lambda: fp.evolve(fp.point_mass(-1.0), [t], method="tr-bdf2", rtol=1e-8), 1)
    row("fpesolve TR-BDF2 rtol 1e-8", sec, l1(ev.densities[0] * fp.grid.widths, ref), base,
        f"estimate {ev.error[0]:.1e}, {ev.n_steps} steps")
    q = fp.generator().tocsc()
    for rtol in (1e-8, 1e-10):
        sec, out, note = scipy_run("bdf", q, m0, t, rtol, 1e-14)
        row(f"scipy solve_ivp BDF rtol {rtol:g} (sparse jac)", sec, None if out is None else l1(out, ref), base, note)
    sec, out, note = scipy_run("expm", q, m0, t)
    row("scipy expm_multiply", sec, None if out is None else l1(out, ref), base, note)


# ---------------------------------------------------------------------------------------------- 2. OU, Jacobi
def _spatial(fp_fine, fp_coarse, p_fine, p_coarse):
    """l1 difference of the N and N/2 solutions (cell masses, the coarse one summed onto the fine pairs)."""
    fine = p_fine * fp_fine.grid.widths
    coarse = p_coarse * fp_coarse.grid.widths
    return l1(fine.reshape(-1, 2).sum(axis=1), coarse)


def ou_and_jacobi_n1e5():
    print("2. OU and Jacobi at N = 1e5 against exact transients (target: time error below the spatial error "
          "in <= 0.1 s)")
    n = 100_000
    k, eta, m_start, v_start, t = 2.0, 0.5, 1.0, 0.05, 0.5
    ou = fs.Landscape(grad=lambda x: k * x, sigma=lambda x: np.ones_like(x), domain=(-4.0, 4.0))

    def gauss(x, mean, var):
        return np.exp(-((x - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)

    mean = m_start * math.exp(-k * t)
    var = v_start * math.exp(-2 * k * t) + eta / (2 * k) * (1 - math.exp(-2 * k * t))
    a, b = 1.0, 1.0
    jac = fs.Landscape(grad=lambda x: -0.5 * (a * (1 - x) - b * x), sigma=lambda x: x * (1 - x), domain=(0.0, 1.0))

    def legendre_start(x):
        y = 2 * x - 1
        return 1 + 0.5 * eval_legendre(1, y) + 0.3 * eval_legendre(2, y)

    def legendre_exact(x, s):  # rates n(n+1)/2 for a = b = 1, eta = 1: e^{-t}, e^{-3t}
        y = 2 * x - 1
        return 1 + 0.5 * math.exp(-s) * eval_legendre(1, y) + 0.3 * math.exp(-3 * s) * eval_legendre(2, y)

    cases = [("OU (k = 2, eta = 0.5), t = 0.5", ou, eta, lambda x: gauss(x, m_start, v_start),
              lambda x: gauss(x, mean, var), t),
             ("Jacobi (Beta(1,1), Legendre modes), t = 0.3", jac, 1.0, legendre_start,
              lambda x: legendre_exact(x, 0.3), 0.3)]
    for label, land, e, start, exact, tt in cases:
        fp = fs.FokkerPlanck(land, e, n)
        coarse = fs.FokkerPlanck(land, e, n // 2)
        fp.evolve(start, [tt])
        sec, ev = best_of(lambda: fp.evolve(start, [tt]), 3)
        exact_at = exact(fp.grid.centres)
        exact_at = exact_at / (exact_at @ fp.grid.widths)
        err = l1(ev.densities[0] * fp.grid.widths, exact_at * fp.grid.widths)
        spatial = _spatial(fp, coarse, ev.densities[0], coarse.evolve(start, [tt]).densities[0]) / 3.0
        print(f"  {label}")
        row("fpesolve contour", sec, err, sec, f"time-error estimate {ev.error[0]:.1e}, spatial (N/2 diff/3) "
            f"{spatial:.1e}")
        q = fp.generator().tocsc()
        m0 = fp.density_from(start) * fp.grid.widths
        sec_b, out, note = scipy_run("bdf", q, m0, tt, 1e-8, 1e-14)
        row("scipy solve_ivp BDF rtol 1e-8", sec_b, None if out is None else l1(out, exact_at * fp.grid.widths),
            sec, note)
        sec_e, out, note = scipy_run("expm", q, m0, tt)
        row("scipy expm_multiply", sec_e, None if out is None else l1(out, exact_at * fp.grid.widths), sec, note)


# ---------------------------------------------------------------------------------------------- 3. long times
def long_times():
    print("3. t = 1e6 / gap on the metastable double well of issue 9 (eta = 0.01, N = 400) "
          "(target: TV <= 1e-12, density >= 0)")
    land = fs.Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))
    fp = fs.FokkerPlanck(land, 0.01, 400)
    gap = fp.spectral_gap().value
    t = 1e6 / gap
    pi = fp.stationary()
    sec, ev = best_of(lambda: fp.evolve(fp.point_mass(-1.0), [t]), 3)
    tv = 0.5 * l1(ev.densities[0] * fp.grid.widths, pi * fp.grid.widths)
    print(f"  gap {gap:.4g}, t = {t:.3g}")
    print(f"  fpesolve contour            {sec:9.4f} s  TV {tv:.2e}  min density {ev.densities.min():.2e}  "
          f"estimate {ev.error[0]:.1e}")
    for dt_label, dt in (("t/1000", t / 1000), ("t", t)):
        sec, ev = best_of(lambda: fp.evolve(fp.point_mass(-1.0), [t], method="backward-euler", dt=dt), 1)
        tv = 0.5 * l1(ev.densities[0] * fp.grid.widths, pi * fp.grid.widths)
        print(f"  fpesolve backward Euler dt = {dt_label:7s} {sec:7.4f} s  TV {tv:.2e}  min density "
              f"{ev.densities.min():.2e}")
    q = fp.generator().tocsc()
    m0 = fp.point_mass(-1.0) * fp.grid.widths
    sec, out, note = scipy_run("bdf", q, m0, t, 1e-8, 1e-14, timeout=60.0)
    if out is None:
        print(f"  scipy solve_ivp BDF         {sec:9.4f} s  {note}")
    else:
        print(f"  scipy solve_ivp BDF         {sec:9.4f} s  TV {0.5 * l1(out, pi * fp.grid.widths):.2e}  "
              f"min {out.min() / fp.grid.widths[0]:.2e}")
    print(f"  scipy expm_multiply         not run: its cost grows like t |Q| = {t * abs(q.diagonal()).max():.1e}")


# ---------------------------------------------------------------------------------------------- 4. schedules
def f1_schedules():
    print("4. schedules over 1e6 SGD iterations on F1's landscape, rtol 1e-8, N = 2000, start at well B "
          "(target: <= 1 s)")
    from fpesolve.constructions import construction
    f1 = construction("f1")
    fp = fs.FokkerPlanck(f1, f1.eta, 2000)
    p0 = fp.point_mass(f1.wells["B"])
    n_iter = 10 ** 6
    for sched in (schedules.cosine(0.05, n_iter, 0.005), schedules.cyclical(0.005, 0.05, 10 ** 5)):
        fp.evolve_schedule(sched, p0, [1000], rtol=1e-8)
        sec, ev = best_of(lambda: fp.evolve_schedule(sched, p0, [n_iter], rtol=1e-8), 3)
        ref = fp.evolve_schedule(sched, p0, [n_iter], rtol=1e-11, atol=1e-15)
        diff = l1(ev.densities[0] * fp.grid.widths, ref.densities[0] * fp.grid.widths)
        print(f"  {sched.description:52s} {sec:7.3f} s  {ev.n_steps} steps ({ev.n_rejected} rejected), "
              f"t = {ev.times[0]:.6g}; l1 to rtol 1e-11: {diff:.1e} (estimate {ev.error[0]:.1e})")
    eta = 0.02
    held = schedules.cosine(eta, n_iter, eta)   # constant, through the time-dependent stepper
    ev = fp.evolve_schedule(held, p0, [n_iter], rtol=1e-8)
    fixed = fs.FokkerPlanck(f1, eta, fp.grid).evolve(p0, [eta * n_iter])
    print(f"  constant eta = {eta} through the schedule stepper vs the exact fixed-rate contour: l1 "
          f"{l1(ev.densities[0] * fp.grid.widths, fixed.densities[0] * fp.grid.widths):.1e} "
          f"(estimate {ev.error[0]:.1e})")


def main():
    fs.set_progress(False)
    print(f"fpesolve {fs.__version__}; numpy {np.__version__}; one numba thread recommended "
          f"(NUMBA_NUM_THREADS=1); columns: seconds, l1 error of the cell masses, time / fpesolve's time")
    double_well_n1e4()
    ou_and_jacobi_n1e5()
    long_times()
    f1_schedules()


if __name__ == "__main__":
    main()
