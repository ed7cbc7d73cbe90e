"""The result of a Monte Carlo SGD run: :class:`SGDEnsemble`."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.result import Result

__all__ = ["SGDEnsemble"]


def _mean_stderr(steps: np.ndarray) -> Tuple[float, float, int]:
    done = steps[steps >= 0].astype(float)
    censored = int(steps.size - done.size)
    if done.size == 0:
        return math.nan, math.nan, censored
    err = float(done.std(ddof=1) / math.sqrt(done.size)) if done.size > 1 else math.inf
    return float(done.mean()), err, censored


@dataclass(frozen=True, repr=False)
class SGDEnsemble(Result):
    """The outcome of :func:`~fpesolve.simulate_sgd` (all times in SGD iterations).

    Attributes
    ----------
    method : str
        How the walkers were stepped: ``"numba"`` (a compiled kernel) or
        ``"numpy"`` (the vectorised numpy stepper).
    source : str
        Where the stochastic gradients came from (built-in model, user numba
        function, the landscape's compiled callables, per-sample gradients).
    noise : str
        ``"samples"`` (real minibatches), ``"gaussian"`` or ``"two-point"``.
    eta : float or ndarray
        The learning rate, or the rate of every iteration (shape ``(n_iterations,)``).
    batch_size : int or None
        The minibatch size B (``None`` where the step does not use one:
        Gaussian / two-point noise from a landscape's per-step Sigma).
    n_iterations, n_walkers : int
    seed : int
        The seed of the walkers' random streams (drawn from ``rng`` unless
        ``rng`` was an int); ``rng=seed`` repeats the run exactly.
    record_steps : ndarray of int, shape (R,)
        Iterations at which histograms and basin counts were taken.
    bin_edges : ndarray, shape (M + 1,)
    counts : ndarray of int, shape (R, M)
        Walkers per bin at each recorded iteration.
    underflow, overflow : ndarray of int, shape (R,)
        Running walkers left of / right of the bins.
    diverged_by, stopped_by : ndarray of int, shape (R,)
        Walkers that had diverged (or stopped after their passages) by then.
    basin_edges : ndarray, shape (K - 1,)
        The saddles that split the line into ``K`` basins (basin ``j`` is
        ``basin_edges[j-1] < x <= basin_edges[j]``).
    occupancy : ndarray of int, shape (R, K)
        Running walkers per basin at each recorded iteration.
    initial_positions, final_positions : ndarray, shape (n_walkers,)
        Final positions of diverged walkers are their first out-of-bound value.
    escape_steps : ndarray of int, shape (n_walkers,)
        First iteration at which a walker is in another basin than its
        initial one (-1: never within ``n_iterations``).
    escape_basins : ndarray of int
        The basin it entered then (-1: never).
    passage_points : ndarray, shape (P,)
    passage_steps : ndarray of int, shape (P, n_walkers)
        First iteration on the other side of each passage point (-1: never).
    divergence_steps : ndarray of int, shape (n_walkers,)
        First iteration with ``|x| > divergence_bound`` or ``x`` not finite (-1: never).
    divergence_bound : float
    elapsed : float
        Wall-clock seconds of the stepping (kernel calls or numpy loop).

    Examples
    --------
    With almost no noise, SGD on :math:`L = \\theta^2/2` is the map
    :math:`\\theta_{k+1} = (1 - \\eta)\\theta_k`: from 1 at :math:`\\eta = 0.1`
    it first lies below 0.5 at iteration 7 (:math:`0.9^7 = 0.478`), where
    every walker crosses the passage point and changes basin:

    >>> import numpy as np
    >>> from fpesolve import Landscape, simulate_sgd
    >>> quiet = Landscape(grad=lambda x: x, sigma=lambda x: np.full_like(x, 1e-8), domain=(-2.0, 2.0))
    >>> run = simulate_sgd(quiet, 0.1, 50, 100, init=1.0, noise="gaussian", rng=0, passage_points=[0.5],
    ...                    basin_edges=[0.5], record_at=[0, 50], progress=False)
    >>> run.mean_passage_steps(0), run.mean_escape_steps()
    ((7.0, 0.0, 0), (7.0, 0.0, 0))
    >>> run.occupancy_fraction(0).tolist(), run.occupancy_fraction().tolist()
    ([0.0, 1.0], [1.0, 0.0])
    >>> float(run.density() @ np.diff(run.bin_edges))   # every walker inside the bins
    1.0
    """

    method: str
    source: str
    noise: str
    eta: Union[float, np.ndarray]
    batch_size: Optional[int]
    n_iterations: int
    n_walkers: int
    seed: int
    record_steps: np.ndarray
    bin_edges: np.ndarray
    counts: np.ndarray
    underflow: np.ndarray
    overflow: np.ndarray
    diverged_by: np.ndarray
    stopped_by: np.ndarray
    basin_edges: np.ndarray
    occupancy: np.ndarray
    initial_positions: np.ndarray
    final_positions: np.ndarray
    escape_steps: np.ndarray
    escape_basins: np.ndarray
    passage_points: np.ndarray
    passage_steps: np.ndarray
    divergence_steps: np.ndarray
    divergence_bound: float
    elapsed: float = field(compare=False)

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_steps(self) -> int:
        """Deprecated name of :attr:`n_iterations` (a FutureWarning)."""
        warnings.warn("`SGDEnsemble.n_steps` was renamed `n_iterations` in fpesolve 0.2", FutureWarning,
                      stacklevel=2)
        return self.n_iterations

    @property
    def diverged(self) -> np.ndarray:
        """Boolean flags: walker diverged within ``n_iterations``."""
        return self.divergence_steps >= 0

    @property
    def fraction_diverged(self) -> float:
        """Fraction of walkers that diverged."""
        return float(np.mean(self.diverged))

    def _record_index(self, step: Optional[int]) -> int:
        if step is None:
            return self.record_steps.size - 1
        hits = np.flatnonzero(self.record_steps == int(step))
        if hits.size == 0:
            raise ValueError(f"`step` = {step!r} was not recorded; recorded iterations: {self.record_steps.tolist()}")
        return int(hits[0])

    def density(self, step: Optional[int] = None) -> np.ndarray:
        """Histogram density (1/[theta]) at a recorded iteration (default the last),
        normalised by *all* walkers: ``counts / (n_walkers * bin width)``.

        Parameters
        ----------
        step : int, optional
            One of :attr:`record_steps` (SGD iterations); default the last.

        Returns
        -------
        ndarray, shape (M,)
            Density per bin of :attr:`bin_edges`; its integral is the fraction
            of walkers inside the bins (less than 1 when some are outside,
            diverged or stopped).

        Raises
        ------
        ValueError
            When ``step`` was not recorded (the message lists the recorded iterations).
        """
        r = self._record_index(step)
        return self.counts[r] / (self.n_walkers * np.diff(self.bin_edges))

    def occupancy_fraction(self, step: Optional[int] = None) -> np.ndarray:
        """Fraction of all walkers in each basin at a recorded iteration (default the last).

        Parameters
        ----------
        step : int, optional
            One of :attr:`record_steps` (SGD iterations); default the last.

        Returns
        -------
        ndarray, shape (K,)
            Running walkers per basin (split at :attr:`basin_edges`) divided by
            :attr:`n_walkers`; sums to less than 1 when walkers diverged or stopped.

        Raises
        ------
        ValueError
            When ``step`` was not recorded (the message lists the recorded iterations).
        """
        return self.occupancy[self._record_index(step)] / self.n_walkers

    def mean_escape_steps(self) -> Tuple[float, float, int]:
        """(mean, standard error, number censored) of :attr:`escape_steps` over walkers that escaped.

        Returns
        -------
        mean : float
            Mean escape iteration among the walkers that escaped (conditional
            on escaping within ``n_iterations``); NaN when none escaped.
        stderr : float
            Its standard error (sample standard deviation over the square root
            of the number of escapers); ``inf`` for a single escaper, NaN for none.
        censored : int
            Walkers that did not escape within ``n_iterations``.
        """
        return _mean_stderr(self.escape_steps)

    def mean_passage_steps(self, k: int = 0) -> Tuple[float, float, int]:
        """(mean, standard error, number censored) of the first passage over ``passage_points[k]``.

        Parameters
        ----------
        k : int
            Index into :attr:`passage_points`.

        Returns
        -------
        mean : float
            Mean first-passage iteration among the walkers that crossed
            (conditional on crossing within ``n_iterations``); NaN when none did.
        stderr : float
            Its standard error; ``inf`` for a single crossing, NaN for none.
        censored : int
            Walkers that did not cross within ``n_iterations``.

        Raises
        ------
        IndexError
            When there is no passage point ``k``.
        """
        return _mean_stderr(self.passage_steps[k])

    @property
    def walker_steps_per_second(self) -> float:
        """Throughput of the stepping (upper bound on steps actually taken)."""
        return self.n_walkers * self.n_iterations / self.elapsed if self.elapsed > 0 else math.inf

    # ------------------------------------------------------------------ text
    def _eta_text(self) -> str:
        if np.ndim(self.eta) == 0:
            return f"eta = {float(self.eta):g}"
        etas = np.asarray(self.eta)
        return f"eta from {etas[0]:g} to {etas[-1]:g} (schedule)"

    def summary(self) -> str:
        """A readable report of the run.

        Returns
        -------
        str
            Walkers, iterations, learning rate, batch size, noise, seed and
            method; divergences; basin occupancy and mean escape iteration;
            mean first-passage iterations; the histogram settings and the speed.
        """
        b = "B = n/a" if self.batch_size is None else f"B = {self.batch_size}"
        lines = [f"SGD ensemble: {self.n_walkers} walkers x {self.n_iterations} iterations, {self._eta_text()}, "
                 f"{b}, noise = {self.noise}, seed = {self.seed}",
                 f"  method {self.method!r} ({self.source})",
                 f"  diverged: {int(self.diverged.sum())} ({self.fraction_diverged:.3%}) beyond |x| > "
                 f"{self.divergence_bound:g}"]
        if self.basin_edges.size:
            occ = self.occupancy_fraction()
            lines.append(f"  basins split at {np.array2string(self.basin_edges, precision=6)}; occupancy at "
                         f"iteration {self.record_steps[-1]}: " + ", ".join(f"{o:.4f}" for o in occ))
            mean, err, cens = self.mean_escape_steps()
            n_esc = self.n_walkers - cens
            lines.append(f"  escaped from the initial basin: {n_esc}; mean escape iteration "
                         + (f"{mean:.6g} +- {err:.2g}" if n_esc else "n/a")
                         + (f" (among escapers; {cens} censored)" if cens else ""))
        for k, point in enumerate(self.passage_points):
            mean, err, cens = self.mean_passage_steps(k)
            lines.append(f"  first passage over {point:+.6g}: mean {mean:.6g} +- {err:.2g} iterations"
                         + (f" ({cens} censored)" if cens else ""))
        lines.append(f"  histograms at iterations {self.record_steps.tolist()} on {self.bin_edges.size - 1} bins "
                     f"[{self.bin_edges[0]:g}, {self.bin_edges[-1]:g}]")
        lines.append(f"  {self.elapsed:.3g} s, {self.walker_steps_per_second:.3g} walker-steps/s")
        return "\n".join(lines)

    def table(self) -> Tuple[Sequence[str], Sequence[Sequence[Any]]]:
        """One row per recorded iteration: walkers in the bins, outside them, gone, and per basin.

        Returns
        -------
        headers : list of str
        rows : list of list
        """
        headers: List[str] = ["iteration", "in bins", "underflow", "overflow", "diverged", "stopped"]
        headers += [f"basin {k}" for k in range(self.occupancy.shape[1])]
        rows = []
        for r, step in enumerate(self.record_steps):
            rows.append([int(step), int(self.counts[r].sum()), int(self.underflow[r]), int(self.overflow[r]),
                         int(self.diverged_by[r]), int(self.stopped_by[r])]
                        + [int(v) for v in self.occupancy[r]])
        return headers, rows
