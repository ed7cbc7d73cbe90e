r"""The numpy SGD stepper (private): all walkers advanced together, one iteration at a time.

The route for landscapes whose callables numba cannot compile.  It keeps the
numba kernel's bookkeeping exactly (records, basins, escapes, passages,
divergence, stopping after the passages, the order of the checks) and draws
from one :class:`numpy.random.Generator`, so its results equal the kernel's
in distribution, not bit for bit.  Cost per iteration: a few numpy calls on
the running walkers plus the user's callables.
"""

from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from .._util.validation import positive_int

__all__ = ["run_numpy", "NUMPY_BLOCK_ELEMENTS", "moments_gradient", "per_sample_gradient"]

#: largest (n_samples x walkers) array of per-sample gradients evaluated at once
NUMPY_BLOCK_ELEMENTS = 1 << 22

GradientFunction = Callable[[np.ndarray, np.random.Generator, int], np.ndarray]


def moments_gradient(landscape, draw) -> GradientFunction:
    r"""``g = L'(x) + sqrt(Sigma(x)) xi`` from the landscape's vectorised callables (Sigma not divided again)."""

    def gradient(x, rng, t):
        g = landscape.grad(x)
        s = landscape.sigma(x)
        bad = ~(s >= 0.0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise bad_sigma_error(landscape, float(x[k]), float(s[k]), t)
        return g + np.sqrt(s) * draw(rng, x.size)

    return gradient


def per_sample_gradient(samples, batch_size: int, replacement: bool) -> GradientFunction:
    r"""Minibatch gradients :math:`\frac1B\sum_b \ell_{z_b}'(x)` from ``samples.grads(x) -> (n, m)``.

    With replacement the indices are i.i.d. uniform; without, a uniform
    ``B``-subset (the ``B`` smallest of ``n`` uniform keys).
    """
    n = samples.n
    batch_size = positive_int(batch_size, "batch_size")
    block = max(1, NUMPY_BLOCK_ELEMENTS // n)

    def gradient(x, rng, t):
        out = np.empty(x.size)
        for lo in range(0, x.size, block):
            xb = x[lo:lo + block]
            m = xb.size
            G = samples.evaluate("grads", xb)
            cols = np.arange(m)
            if replacement:
                idx = rng.integers(0, n, size=(batch_size, m))
            else:
                idx = np.argpartition(rng.random((n, m)), batch_size - 1, axis=0)[:batch_size]
            out[lo:lo + m] = G[idx, cols[None, :]].sum(axis=0) / batch_size
        return out

    return gradient


def bad_sigma_error(landscape, x: float, value: float, t: int) -> ValueError:
    """The error for a walker that reached a point where Sigma is negative or not a number."""
    return ValueError(f"`Sigma` = {value!r} at x = {x:.17g} (reached by a walker at iteration {t}) in landscape "
                      f"{landscape.name!r}: the gradient-noise variance must be >= 0 and finite "
                      f"wherever walkers go; fix `sigma`, or stop walkers earlier with a smaller `divergence_bound`")


def run_numpy(gradient: GradientFunction, spec, x0: np.ndarray, rng: np.random.Generator, bar) -> Dict[str, np.ndarray]:
    """Run every walker of ``x0`` for ``spec.n_iterations`` iterations; the kernel's outputs (one chunk).

    ``spec`` is a :class:`~fpesolve.sgd._ensemble_kernel.RunSpec`;
    ``bar.update(k)`` is called after every ``k`` iterations.
    """
    n_walkers = x0.size
    records, edges, basin_edges, points = spec.record_iterations, spec.bin_edges, spec.basin_edges, spec.passage_points
    n_record, n_bins, n_pass = records.size, edges.size - 1, points.size
    etas = spec.etas
    hist = np.zeros((n_record, n_bins + 2), dtype=np.int64)
    occupancy = np.zeros((n_record, basin_edges.size + 1), dtype=np.int64)
    absent = np.zeros((n_record, 2), dtype=np.int64)
    escape_step = np.full(n_walkers, -1, dtype=np.int64)
    escape_basin = np.full(n_walkers, -1, dtype=np.int64)
    passage_step = np.full((n_pass, n_walkers), -1, dtype=np.int64)
    diverged_step = np.full(n_walkers, -1, dtype=np.int64)

    x = np.array(x0, dtype=float)
    final_x = x.copy()
    reason = np.full(n_walkers, -1, dtype=np.int64)           # -1 running, 0 diverged, 1 stopped
    basin0 = np.searchsorted(basin_edges, x, side="left")      # number of edges strictly below x
    escaped = np.full(n_walkers, basin_edges.size == 0)
    side = x[None, :] < points[:, None]                        # (P, W)
    n_open = np.full(n_walkers, n_pass, dtype=np.int64)
    running = np.flatnonzero(reason < 0)

    def record(r):
        xr = x[running]
        b = np.searchsorted(edges, xr, side="right")
        b[(b == n_bins + 1) & (xr == edges[-1])] = n_bins
        hist[r] = np.bincount(b, minlength=n_bins + 2)
        occupancy[r] = np.bincount(np.searchsorted(basin_edges, xr, side="left"), minlength=basin_edges.size + 1)

    def retire(w, why):
        reason[w] = why
        final_x[w] = x[w]

    r, t, since_update = 0, 0, 0
    n_iterations = spec.n_iterations
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            while r < n_record and records[r] == t:
                record(r)
                absent[r] = np.bincount(reason[reason >= 0], minlength=2)
                r += 1
            if t == n_iterations or running.size == 0:
                break
            t += 1
            eta = etas[0] if etas.size == 1 else etas[t - 1]
            xr = x[running] - eta * gradient(x[running], rng, t)
            x[running] = xr
            diverged = ~(np.abs(xr) <= spec.bound)
            if diverged.any():
                w = running[diverged]
                diverged_step[w] = t
                retire(w, 0)
            alive = running[~diverged]
            xa = x[alive]
            if basin_edges.size:
                open_ = ~escaped[alive]
                bsn = np.searchsorted(basin_edges, xa, side="left")
                new = open_ & (bsn != basin0[alive])
                w = alive[new]
                escaped[w] = True
                escape_step[w] = t
                escape_basin[w] = bsn[new]
            if n_pass:
                crossed = (passage_step[:, alive] < 0) & ((xa[None, :] < points[:, None]) != side[:, alive])
                for k in range(n_pass):
                    passage_step[k, alive[crossed[k]]] = t
                n_open[alive] -= crossed.sum(axis=0)
                if spec.stop_after_passage:
                    done = alive[n_open[alive] == 0]
                    retire(done, 1)
            running = np.flatnonzero(reason < 0)
            since_update += 1
            if since_update * max(running.size, 1) >= 1_000_000 or t == n_iterations:
                bar.update(since_update)
                since_update = 0
    for rr in range(r, n_record):                              # records after every walker stopped
        absent[rr] = np.bincount(reason[reason >= 0], minlength=2)
    final_x[running] = x[running]
    return dict(hist=hist[None], occupancy=occupancy[None], absent=absent[None], final_x=final_x,
                escape_step=escape_step, escape_basin=escape_basin, passage_step=passage_step,
                diverged_step=diverged_step)
