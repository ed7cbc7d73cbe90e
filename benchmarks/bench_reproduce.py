"""Wall time of `fpesolve reproduce --quick` (the CI job), with a cold and a warm numba cache.

Each run is a fresh process (`python -m fpesolve reproduce --quick --out <tmp>`), so the times include
the imports and the numba kernels' load (warm) or compilation (cold).  The cold run points
NUMBA_CACHE_DIR at an empty directory, as in a fresh CI virtualenv; the warm run reuses that
directory.  The target is well under a minute warm; a cold cache adds the one-off compilation of the
SGD and Fokker-Planck kernels (tens of seconds on two cores).

Run:  python benchmarks/bench_reproduce.py [--warm-only] [--only F1 F2 ...]
"""

import os
import subprocess
import sys
import tempfile
import time


def run(out: str, env: dict, only=None) -> float:
    cmd = [sys.executable, "-m", "fpesolve", "reproduce", "--quick", "--out", out]
    if only:
        cmd += ["--only", *only]
    start = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        print(res.stdout[-2000:], res.stderr[-2000:], sep="\n")
        raise SystemExit(f"fpesolve reproduce --quick exited with status {res.returncode}")
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
    print(f"    {last}")
    return elapsed


def main(argv) -> None:
    warm_only = "--warm-only" in argv
    only = argv[argv.index("--only") + 1:] if "--only" in argv else None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        if warm_only:
            env = dict(os.environ)
            run(out, env, only)            # make sure the default cache is populated
            wall = run(out, env, only)
            print(f"fpesolve reproduce --quick, warm numba cache (default cache dir): {wall:.1f} s")
            return
        cache = os.path.join(tmp, "numba-cache")
        os.makedirs(cache)
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = run(out, env, only)
        print(f"fpesolve reproduce --quick, cold numba cache (empty NUMBA_CACHE_DIR): {cold:.1f} s")
        warm = run(out, env, only)
        print(f"fpesolve reproduce --quick, warm numba cache:                        {warm:.1f} s")
        print(f"compilation and cache writing in the cold run: ~{cold - warm:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
