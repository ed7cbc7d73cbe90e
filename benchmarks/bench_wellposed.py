"""Cost of the well-posedness check (fpesolve.core.wellposed) beside the work it guards.

Prints, side by side in one run, for the double well (L' = x^3 - x, Sigma = 1 + 0.5 tanh 2x on (-2.5, 2.5)),
a Jacobi landscape (Sigma = x(1 - x), both ends singular) and a 200-sample finite sum:
  * check_well_posed on a fresh landscape (the scan of Sigma and grad, golden-section refinement, end exponents);
  * the same call again (cached verdict);
  * discretize() on 400 cells (which includes the cached check) and stationary_density at 50 points;
and the ratio of the cold check to discretize.

Run:  python benchmarks/bench_wellposed.py
"""

import time

import numpy as np

import fpesolve as fs
from fpesolve.core.discretize import discretize
from fpesolve.core.wellposed import check_well_posed

ETA = 0.3
SHIFTS = np.linspace(-2.0, 2.0, 200)[:, None]


def double_well():
    return fs.Landscape(grad=lambda x: x ** 3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))


def jacobi():
    return fs.Landscape(grad=lambda x: x - 0.4, sigma=lambda x: x * (1 - x), domain=(0.0, 1.0))


def finite_sum():
    return fs.Landscape.from_samples(lambda x: 0.5 * (x - SHIFTS) ** 2, lambda x: x - SHIFTS, (-3.0, 3.0))


def best_of(func, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    print(f"{'landscape':<12s} {'check cold':>12s} {'check cached':>13s} {'discretize':>12s} "
          f"{'density':>10s} {'cold/discretize':>16s}")
    for name, make in (("double well", double_well), ("Jacobi", jacobi), ("finite sum", finite_sum)):
        cold = best_of(lambda: check_well_posed(make(), ETA)) - best_of(make)
        land = make()
        check_well_posed(land, ETA)
        cached = best_of(lambda: check_well_posed(land, ETA), repeat=50)
        grid = fs.Grid.uniform(*land.domain, 400)
        disc = best_of(lambda: discretize(land, ETA, grid))
        a, b = land.domain
        dens = best_of(lambda: fs.stationary_density(land, ETA, np.linspace(a, b, 52)[1:-1]))
        print(f"{name:<12s} {cold * 1e3:10.2f}ms {cached * 1e6:11.1f}us {disc * 1e3:10.2f}ms {dens * 1e3:8.2f}ms "
              f"{cold / disc:16.2f}")


if __name__ == "__main__":
    main()
