"""Speed of the finite-volume solver (issue: foundation).

Prints, for the double well L = x^4/4 - x^2/2, Sigma = 1 + 0.5 tanh(2x), tau = 0.3:
  * first-call numba compile time (in a fresh process with an empty cache) and the warm-cache load time;
  * the time per cell per implicit step (backward Euler and TR-BDF2) for N = 1e3 ... 1e6 (the transient
    routes side by side with scipy are in bench_transients.py);
  * the time to assemble the generator and the stationary density at N = 1e6;
  * when fplanck or FiPy are installed, the same problem solved by them and the ratio.

Run:  python benchmarks/bench_solver.py
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import fpesolve as fs

TAU = 0.3
LANDSCAPE = fs.Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))

_COMPILE_SNIPPET = """
import time, numpy as np
t0 = time.perf_counter()
import fpesolve as fs
land = fs.Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0.5 * np.tanh(2 * x), domain=(-2.5, 2.5))
fp = fs.FokkerPlanck(land, 0.3, 100)
fp.evolve(fp.point_mass(1.0), [0.1], method="backward-euler", dt=0.01)
fp.evolve(fp.point_mass(1.0), [0.1], method="tr-bdf2", dt=0.01)
fp.evolve(fp.point_mass(1.0), [0.01], method="exponential")
fp.evolve(fp.point_mass(1.0), [0.01])
print(time.perf_counter() - t0)
"""


def compile_times():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = float(subprocess.run([sys.executable, "-c", _COMPILE_SNIPPET], env=env, capture_output=True,
                                    text=True, check=True).stdout)
        warm = float(subprocess.run([sys.executable, "-c", _COMPILE_SNIPPET], env=env, capture_output=True,
                                    text=True, check=True).stdout)
    return cold, warm


def best_of(func, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def step_costs():
    rows = []
    for n in (10**3, 10**4, 10**5, 10**6):
        fp = fs.FokkerPlanck(LANDSCAPE, TAU, n)
        p0 = fp.stationary()
        steps = max(10, 10**7 // n)
        fp.evolve(p0, [1e-3], method="backward-euler", dt=1e-3)  # warm up
        row = [n]
        for method in ("backward-euler", "tr-bdf2"):
            t = best_of(lambda: fp.evolve(p0, [steps * 1e-3], method=method, dt=1e-3), repeat=3)
            row.append(t / (steps * n) * 1e9)
        rows.append(row)
    return rows


def stationary_cost(n=10**6):
    grid = fs.Grid.uniform(-2.5, 2.5, n)
    t_build = best_of(lambda: fs.FokkerPlanck(LANDSCAPE, TAU, grid), repeat=3)
    fp = fs.FokkerPlanck(LANDSCAPE, TAU, grid)
    t_stat = best_of(fp.stationary, repeat=3)
    t_closed = best_of(lambda: fs.stationary_density(LANDSCAPE, TAU, grid.centres), repeat=3)
    return t_build, t_stat, t_closed


def _our_step_time(n, steps, dt, method="backward-euler"):
    fp = fs.FokkerPlanck(LANDSCAPE, TAU, n)
    p0 = fp.point_mass(1.0)
    fp.evolve(p0, [dt], method=method, dt=dt)
    return best_of(lambda: fp.evolve(p0, [steps * dt], method=method, dt=dt), repeat=3)


def compare_fplanck(n=2000, horizon=0.2):
    """fplanck propagates with scipy's expm_multiply on its sparse generator."""
    try:
        import fplanck
    except ImportError:
        return "fplanck: not installed (pip install fplanck to compare)"
    from scipy import constants
    if not hasattr(np, "product"):  # fplanck 0.2 still calls np.product, removed in NumPy 2
        np.product = np.prod
    a, b = LANDSCAPE.domain
    # fplanck has constant diffusion k T / drag: compare on the additive-noise version, Sigma = 1
    diffusion = TAU / 2
    t0 = time.perf_counter()
    sim = fplanck.fokker_planck(temperature=diffusion / constants.k, drag=1.0, extent=b - a,
                                resolution=(b - a) / n, force=lambda x: -(x**3 - x),
                                boundary=fplanck.boundary.reflecting)
    p0 = np.zeros(sim.Ngrid[0])
    p0[int(0.7 * n)] = 1.0
    t_build = time.perf_counter() - t0
    t_prop = best_of(lambda: sim.propagate(lambda x: p0 * 0 + (np.abs(x - 1.0) < (b - a) / n), horizon), repeat=1)
    ours_land = fs.Landscape(grad=lambda x: x**3 - x, sigma=lambda x: 1 + 0 * x, domain=LANDSCAPE.domain)
    t1 = time.perf_counter()
    fp = fs.FokkerPlanck(ours_land, TAU, n)
    fp.evolve(fp.point_mass(1.0), [horizon])
    ours = time.perf_counter() - t1
    theirs = t_build + t_prop
    return (f"fplanck (N={n}, exponential propagation to t={horizon}): build+propagate {theirs:.3f} s; "
            f"fpesolve build+contour (exact in time) {ours:.3f} s; ratio {theirs / ours:.1f}x")


def compare_fipy(n=10_000, steps=50, dt=1e-3):
    """FiPy with its exponential convection term and backward Euler, same landscape and noise."""
    try:
        import fipy
    except ImportError:
        return "FiPy: not installed (pip install fipy to compare)"
    a, b = LANDSCAPE.domain
    mesh = fipy.Grid1D(nx=n, dx=(b - a) / n) + ((a,),)
    p = fipy.CellVariable(mesh=mesh, value=0.0)
    xf = mesh.faceCenters[0]
    diff = 0.5 * TAU * (1 + 0.5 * fipy.numerix.tanh(2 * xf))
    ddiff = 0.5 * TAU * 0.5 * 2 / fipy.numerix.cosh(2 * xf) ** 2
    # flux = -(L' + D') p - D p'  =>  dp/dt = div(D grad p) - div(u p) with u = -(L' + D')
    velocity = fipy.FaceVariable(mesh=mesh, rank=1)
    velocity[0] = -(xf**3 - xf + ddiff)
    eq = fipy.TransientTerm() == fipy.DiffusionTerm(coeff=diff) - fipy.ExponentialConvectionTerm(coeff=velocity)
    x = mesh.cellCenters[0].value
    p.setValue(np.exp(-((x - 1.0) ** 2) / 0.01))
    eq.solve(var=p, dt=dt)  # warm up

    def run():
        for _ in range(steps):
            eq.solve(var=p, dt=dt)

    theirs = best_of(run, repeat=1) / (steps * n) * 1e9
    ours = _our_step_time(n, steps, dt) / (steps * n) * 1e9
    return (f"FiPy {fipy.__version__} (N={n}, backward Euler): {theirs:.1f} ns per cell-step; "
            f"fpesolve {ours:.2f} ns; ratio {theirs / ours:.0f}x")


def main():
    cold, warm = compile_times()
    print(f"numba first-call compile (empty cache): {cold:.2f} s; with warm cache: {warm:.2f} s "
          f"(both include importing fpesolve and four tiny evolutions)")
    print("time per cell per implicit step [ns]:")
    print(f"{'N':>10s} {'backward Euler':>15s} {'TR-BDF2':>10s}")
    for n, be, tr in step_costs():
        print(f"{n:10d} {be:15.2f} {tr:10.2f}")
    t_build, t_stat, t_closed = stationary_cost()
    print(f"N = 1e6: assemble generator {t_build:.3f} s, discrete stationary density {t_stat:.4f} s, "
          f"closed form at the centres {t_closed:.3f} s")
    for compare in (compare_fplanck, compare_fipy):
        try:
            print(compare())
        except Exception as exc:  # a broken third-party install must not hide our own figures
            print(f"{compare.__name__}: failed ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
