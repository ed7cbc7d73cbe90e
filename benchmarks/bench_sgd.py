"""Speed of the Monte Carlo SGD kernels (fpesolve.sgd.ensemble.simulate_sgd).

Prints
  * the first-call numba compile time in a fresh process with an empty cache, and the warm-cache load time;
  * walker-steps per second per core for minibatch SGD (B = 1, 2) and the Gaussian / two-point noise models
    on every built-in construction, single-threaded (parallel=False) and over all numba threads;
  * the compile time of a user-supplied numba per-sample gradient (not disk-cached).

Goal: >= 5e7 walker-steps per second per core for minibatch SGD on the built-in constructions.

Run:  python benchmarks/bench_sgd.py [--quick]
"""

import os
import subprocess
import sys
import tempfile
import time

import numba
import numpy as np

from fpesolve.failure_modes.constructions import available, construction
from fpesolve.sgd.ensemble import SampleGradients, simulate_sgd

_SNIPPET = """
import time
t0 = time.perf_counter()
from fpesolve.failure_modes.constructions import construction
from fpesolve.sgd.ensemble import simulate_sgd
c = construction("f4")
t1 = time.perf_counter()
simulate_sgd(c, 0.1, 10, 16, "A", parallel={parallel})
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def compile_times(parallel: bool):
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = []
        for _ in range(2):   # cold, then warm (same cache directory)
            res = subprocess.run([sys.executable, "-c", _SNIPPET.format(parallel=parallel)], env=env,
                                 capture_output=True, text=True, check=True)
            out.append(float(res.stdout.split()[1]))
    return out


def throughput(c, eta, noise, batch_size, parallel, n_walkers, n_steps):
    simulate_sgd(c, eta, 10, 16, c.wells["A"], noise=noise, batch_size=batch_size, parallel=parallel)  # warm
    best = 0.0
    for _ in range(3):
        run = simulate_sgd(c, eta, n_steps, n_walkers, c.wells["A"], noise=noise, batch_size=batch_size,
                           parallel=parallel, bins=50)
        best = max(best, run.walker_steps_per_second)
    return best


@numba.njit
def user_grad(x, i, params):
    return params[i] * x


def main(quick: bool = False):
    threads = numba.get_num_threads()
    n_walkers, n_steps = (4096, 2000) if quick else (16384, 5000)
    print(f"numba threads: {threads}; {n_walkers} walkers x {n_steps} iterations per run (best of 3)")
    for parallel in (False, True):
        cold, warm = compile_times(parallel)
        print(f"first call, parallel={parallel}: compile {cold:.2f} s (empty cache), {warm:.3f} s (warm cache)")
    user = SampleGradients(user_grad, np.array([18.0, 2.0]), n=2)
    start = time.perf_counter()
    simulate_sgd(user, 0.1, 10, 16, 0.5, parallel=False)
    print(f"user numba gradient: first call (kernel compile, not disk-cached) {time.perf_counter() - start:.2f} s")
    print()
    print(f"{'construction':20s} {'mode':14s} {'1 thread /s':>13s} {f'{threads} threads /s':>14s} {'per core /s':>12s}")
    for name in available():
        c = construction(name)
        eta = c.eta if name != "f2" else 0.12   # f2's own eta diverges; 0.12 is stable
        for noise, batch in ((None, 1), (None, 2), ("gaussian", 1), ("two-point", 1)):
            serial = throughput(c, eta, noise, batch, False, n_walkers, n_steps)
            par = throughput(c, eta, noise, batch, True, n_walkers, n_steps)
            mode = f"{noise or 'samples'} B={batch}"
            print(f"{name:20s} {mode:14s} {serial:13.3g} {par:14.3g} {par / threads:12.3g}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
