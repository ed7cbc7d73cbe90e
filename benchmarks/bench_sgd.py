"""Speed of Monte Carlo SGD (fpesolve.simulate_sgd): the three routes side by side, and compile times.

Prints
  * the first-call time in a fresh process with an empty numba cache (cold) and with the cache filled by the
    previous process (warm), for the built-in kernel (a construction) and for the compiled-user route (a plain
    Landscape with Gaussian noise: the cached kernel plus the per-process compilation of the user's callables);
  * walker-iterations per second on one thread (parallel=False) and over all numba threads for
      - the built-in kernel on the F4 construction (minibatch B = 1, 2; Gaussian; two-point),
      - the numba-compiled user routes: a plain Landscape (Gaussian, two-point), a Landscape.from_samples
        (real minibatches B = 2), a user @numba.njit per-sample gradient,
      - the numpy stepper on the same plain landscape and finite sum (method="numpy").

Goal: >= 5e7 walker-iterations per second per core for minibatch SGD on the built-in constructions.

Run:  python benchmarks/bench_sgd.py [--quick]
"""

import os
import subprocess
import sys
import tempfile
import warnings

import numba
import numpy as np

from fpesolve import Landscape, SampleGradients, set_progress, simulate_sgd
from fpesolve.failure_modes.constructions import construction

_SNIPPET = """
import time, numpy as np
t0 = time.perf_counter()
from fpesolve import Landscape, simulate_sgd
from fpesolve.failure_modes.constructions import construction
t1 = time.perf_counter()
if {user}:
    target = Landscape(grad=lambda x: 0.2 * x * (x * x - 1.0), sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                       domain=(-3.0, 3.0))
    simulate_sgd(target, 0.05, 10, 16, -1.0, noise="gaussian", parallel={parallel}, progress=False)
else:
    simulate_sgd(construction("f4"), 0.1, 10, 16, "A", parallel={parallel}, progress=False)
print(time.perf_counter() - t1)
"""


def compile_times(user: bool, parallel: bool):
    """(cold, warm) seconds of the first call in a fresh process."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", _SNIPPET.format(user=user, parallel=parallel)], env=env,
                                 capture_output=True, text=True, check=True)
            out.append(float(res.stdout.split()[-1]))
    return out


def throughput(target, eta, n_walkers, n_iterations, parallel, init, repeats=3, **kw):
    """Best walker-iterations per second of ``repeats`` runs (after a warm-up call)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulate_sgd(target, eta, 10, 64, init, parallel=parallel, rng=0, **kw)
        best = 0.0
        for _ in range(repeats):
            run = simulate_sgd(target, eta, n_iterations, n_walkers, init, parallel=parallel, rng=1, bins=50, **kw)
            rate = run.walker_iterations_per_second      # None when the run was too short for the clock
            best = max(best, rate if rate is not None else 0.0)
    return best, run.method


@numba.njit
def user_grad(x, i, params):
    return params[i] * (x - params[2 + i])


def cases():
    f4 = construction("f4")
    plain = Landscape(grad=lambda x: 0.2 * x * (x * x - 1.0), sigma=lambda x: 1.0 + 0.5 * np.tanh(2.0 * x),
                      domain=(-3.0, 3.0), name="plain double well")
    h, c = np.array([0.5, 1.5, 1.0, 1.0]), np.array([-1.0, 1.0, 0.5, -0.5])
    finite_sum = Landscape.from_samples(lambda x: 0.5 * h[:, None] * (x[None, :] - c[:, None]) ** 2,
                                        lambda x: h[:, None] * (x[None, :] - c[:, None]), (-3.0, 3.0), batch_size=2)
    user = SampleGradients(user_grad, np.array([18.0, 2.0, 0.0, 0.0]), n=2)
    yield "built-in F4", "samples B=1", f4, f4.eta, "A", dict(batch_size=1)
    yield "built-in F4", "samples B=2", f4, f4.eta, "A", dict(batch_size=2)
    yield "built-in F4", "gaussian", f4, f4.eta, "A", dict(noise="gaussian")
    yield "built-in F4", "two-point", f4, f4.eta, "A", dict(noise="two-point")
    yield "user njit func", "samples B=1", user, 0.05, 0.5, dict(batch_size=1)
    yield "plain Landscape", "gaussian", plain, 0.05, -1.0, dict(noise="gaussian")
    yield "plain Landscape", "two-point", plain, 0.05, -1.0, dict(noise="two-point")
    yield "from_samples n=4", "samples B=2", finite_sum, 0.02, 0.5, dict()
    yield "plain Landscape", "gaussian", plain, 0.05, -1.0, dict(noise="gaussian", method="numpy")
    yield "from_samples n=4", "samples B=2", finite_sum, 0.02, 0.5, dict(method="numpy")


def main(quick: bool = False):
    set_progress(False)
    threads = numba.get_num_threads()
    n_walkers, n_iterations = (4096, 500) if quick else (16384, 2000)
    print(f"numba threads: {threads}; {n_walkers} walkers x {n_iterations} iterations per run (best of 3)")
    for user in (False, True):
        for parallel in (False, True):
            cold, warm = compile_times(user, parallel)
            what = "compiled-user route (plain Landscape)" if user else "built-in kernel (construction)"
            print(f"first call, {what}, parallel={parallel}: {cold:.2f} s cold (empty cache), {warm:.2f} s warm")
    print()
    print(f"{'gradients':18s} {'noise':12s} {'method':7s} {'1 thread /s':>12s} {f'{threads} threads /s':>13s}")
    for name, mode, target, eta, init, kw in cases():
        serial, method = throughput(target, eta, n_walkers, n_iterations, False, init, **kw)
        par, _ = throughput(target, eta, n_walkers, n_iterations, True, init, **kw)
        print(f"{name:18s} {mode:12s} {method:7s} {serial:12.3g} {par:13.3g}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
