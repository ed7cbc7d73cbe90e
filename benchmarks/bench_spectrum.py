"""Benchmark the spectra, first-passage and mixing code of fpesolve.

Prints: the first-call time of the bisection kernel in a fresh process (numba
compile with an empty cache, and cache load),
the spectral gap at N = 1e6 (goal <= 2 s), the 10 slowest rates at N = 1e5
(goal <= 1 s; with eigenvectors too), an MFPT on 1e5 nodes (goal <= 50 ms:
the grid backward-equation solution on a 1e5-cell grid, and the exact
quadrature for comparison), and a mixing time.  Times are the best of a few
repetitions (wall clock), excluding the assembly of the grid generator,
which is printed separately.

Run: python benchmarks/bench_spectrum.py
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.core.mixing import mixing_time
from fpesolve.core.passage import mean_first_passage_time, mfpt_on_grid
from fpesolve.core.spectrum import spectral_gap, spectrum


def best_of(func, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


_COMPILE_SNIPPET = """
import time, numpy as np
from fpesolve.core.fokker_planck import FokkerPlanck
from fpesolve.core.landscape import Landscape
from fpesolve.core.spectrum import spectral_gap
fp = FokkerPlanck(Landscape(grad=lambda x: x**3 - x, sigma=lambda x: np.ones_like(x), domain=(-2.0, 2.0)), 0.3, 100)
t0 = time.perf_counter()
spectral_gap(fp)
print(time.perf_counter() - t0)
"""


def first_call_seconds(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", _COMPILE_SNIPPET], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as cache:
        cold = first_call_seconds(cache)
        warm = first_call_seconds(cache)
    print(f"first spectral_gap call, fresh process: empty numba cache {cold:.3f} s, warm cache {warm:.3f} s")
    well = Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.3 * np.tanh(x), domain=(-2.5, 2.5),
                     name="double well")

    t0 = time.perf_counter()
    fp6 = FokkerPlanck(well, 0.05, 1_000_000)
    print(f"assemble generator, N = 1e6:                                {time.perf_counter() - t0:8.3f} s")
    t, gap = best_of(lambda: spectral_gap(fp6))
    print(f"spectral gap, N = 1e6 (goal <= 2 s):                        {t:8.3f} s   gap = {gap.value:.12e}")

    fp5 = FokkerPlanck(well, 0.05, 100_000)
    t, s = best_of(lambda: spectrum(fp5, 10, vectors=False))
    print(f"10 slowest rates, N = 1e5 (goal <= 1 s):                    {t:8.3f} s   rates[:3] = {s.rates[:3]}")
    t, s = best_of(lambda: spectrum(fp5, 10, vectors=True), repeat=1)
    print(f"10 slowest rates + eigenvectors, N = 1e5:                   {t:8.3f} s")

    t, res = best_of(lambda: mfpt_on_grid(fp5, 1.0).at(-1.0), repeat=5)
    print(f"MFPT on 1e5 nodes, grid backward equation (goal <= 50 ms):  {t * 1e3:8.2f} ms  log10 T = "
          f"{res.log10_time:.10f}")
    t, res = best_of(lambda: mean_first_passage_time(well, 0.05, -1.0, 1.0), repeat=5)
    print(f"MFPT, exact log-space quadrature:                           {t * 1e3:8.2f} ms  log10 T = "
          f"{res.log10_time:.10f}")

    # continuum accuracy (issue 11 part 5): Richardson over nested grids from 100 cells, beside the plain grid value
    from tests.landscapes import double_well, jacobi, ou
    n5 = np.arange(1, 6)
    cases = [("OU gap", ou(domain=(-10.0, 10.0)), 1.0, 1, np.array([2.0]), 1e-12),
             ("Jacobi(1,1) 5 slowest rates", jacobi(), 1.0, 5, n5 * (n5 + 1) / 2.0, 1e-12),
             ("multiplicative double well gap", double_well(), 0.3, 1, None, 1e-11)]
    reference_dw = FokkerPlanck(double_well(), 0.3, 400).spectral_gap(accuracy="continuum")
    for label, land, eta, k, exact, goal in cases:
        fp = FokkerPlanck(land, eta, 100)
        plain = spectrum(fp, k, vectors=False).rates
        t, s = best_of(lambda: spectrum(FokkerPlanck(land, eta, 100), k, vectors=False, accuracy="continuum"))
        ref = exact if exact is not None else np.array([reference_dw.value])
        true = np.max(np.abs(s.rates / ref - 1))
        print(f"{label} (goal <= {goal:.0e} in <= 0.1 s): {t:6.3f} s  bound {np.max(s.rel_errors):.1e}  true "
              f"{true:.1e}{(' (vs ladder from N=400, its bound %.1e)' % reference_dw.rel_error) if exact is None else ''}  N = {s.extrapolation.resolutions[-1]}; "
              f"plain N=100 error {np.max(np.abs(plain / ref - 1)):.1e}")

    # Jacobi from a base grid graded toward its singular ends (Sigma = x (1 - x) vanishes there), beside uniform
    from fpesolve import Grid
    for label, base in (("uniform 100", Grid.uniform(0.0, 1.0, 100)),
                        ("graded 100 (Grid.refined at both ends, strength 4)",
                         Grid.refined(0.0, 1.0, 100, [0.0, 1.0], strength=4.0))):
        for acc in ("continuum", 1e-11):
            t, s = best_of(lambda: spectrum(FokkerPlanck(jacobi(), 1.0, base), 5, vectors=False, accuracy=acc))
            true = np.max(np.abs(s.rates / (n5 * (n5 + 1) / 2.0) - 1))
            print(f"Jacobi(1,1) 5 rates, {label}, accuracy={acc!r}: {t:6.3f} s  bound {np.max(s.rel_errors):.1e}  "
                  f"true {true:.1e}  N = {s.extrapolation.resolutions[-1]}")

    fp = FokkerPlanck(well, 0.1, 1000)
    t, mt = best_of(lambda: mixing_time(fp), repeat=1)
    print(f"worst-start TV mixing time, N = 1000 (5 starts):            {t:8.3f} s   t_mix = {mt.t_mix:.6g}")


if __name__ == "__main__":
    main()
