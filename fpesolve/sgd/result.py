"""The result of a Monte Carlo SGD run: :class:`SGDEnsemble`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .._util.deprecation import renamed_attribute, renamed_keyword, renamed_method
from .._util.result import Result

__all__ = ["SGDEnsemble", "CensoredMean"]


@dataclass(frozen=True, repr=False)
class CensoredMean(Result):
    """The mean of a first-event iteration over the walkers that saw the event, with the censored count.

    Returned by :meth:`SGDEnsemble.mean_escape_iterations` and
    :meth:`SGDEnsemble.mean_passage_iterations`.  Walkers whose event did not
    happen within ``n_iterations`` are *censored*: the mean is conditional on
    the event happening in the run, and is biased low when many walkers are
    censored.  It unpacks like the 0.1 tuple: ``mean, stderr, n_censored = result``.

    Attributes
    ----------
    event : str
        What was timed (``"escape from the initial basin"``,
        ``"first passage over +0.5"``).
    mean : float or None
        Mean iteration of the event among the walkers that saw it; ``None``
        when none did (there is no estimate, not a NaN).
    stderr : float or None
        Its standard error, the sample standard deviation (``ddof=1``) over
        the square root of the number observed; ``None`` with fewer than two
        observations (one value has no spread to estimate).
    n_censored : int
        Walkers without the event within ``n_iterations``.
    n : int
        All walkers (observed plus censored).

    Examples
    --------
    >>> import numpy as np
    >>> from fpesolve.sgd.result import CensoredMean
    >>> m = CensoredMean.of(np.array([4, -1, 6, -1]), "escape")
    >>> m.mean, m.stderr, m.n_censored, m.n_observed
    (5.0, 1.0, 2, 2)
    >>> print(CensoredMean.of(np.array([-1, -1]), "escape"))
    escape: none of 2 walkers within the run (2 censored): no mean
    >>> mean, stderr, n_censored = CensoredMean.of(np.array([3, -1]), "escape")
    >>> mean, stderr, n_censored
    (3.0, None, 1)
    """

    event: str
    mean: Optional[float]
    stderr: Optional[float]
    n_censored: int
    n: int

    @classmethod
    def of(cls, iterations: np.ndarray, event: str) -> "CensoredMean":
        """The censored mean of per-walker event iterations (``-1``: no event).

        Parameters
        ----------
        iterations : ndarray of int, shape (n_walkers,)
            The event iteration of each walker, ``-1`` for none.
        event : str
            What was timed, for the summary.

        Returns
        -------
        CensoredMean
        """
        iterations = np.asarray(iterations)
        done = iterations[iterations >= 0].astype(float)
        mean = float(done.mean()) if done.size else None
        stderr = float(done.std(ddof=1) / math.sqrt(done.size)) if done.size > 1 else None
        return cls(event=event, mean=mean, stderr=stderr, n_censored=int(iterations.size - done.size),
                   n=int(iterations.size))

    @property
    def n_observed(self) -> int:
        """Walkers that saw the event within the run (``n - n_censored``)."""
        return self.n - self.n_censored

    def __iter__(self):
        """``(mean, stderr, n_censored)``, the 0.1 tuple."""
        return iter((self.mean, self.stderr, self.n_censored))

    def text(self) -> str:
        """The estimate in one phrase (``"7 +- 0.5 iterations (among 12 of 20; 8 censored)"``).

        Returns
        -------
        str
            The mean and standard error, saying ``no mean`` when no walker saw
            the event and ``stderr n/a`` with a single observation.
        """
        if self.mean is None:
            return f"none of {self.n} walkers within the run ({self.n_censored} censored): no mean"
        err = f"+- {self.stderr:.2g}" if self.stderr is not None else "(stderr n/a: one walker)"
        among = f" (among {self.n_observed} of {self.n}; {self.n_censored} censored)" if self.n_censored else ""
        return f"{self.mean:.6g} {err} iterations{among}"

    def summary(self) -> str:
        """One line: what was timed and the estimate.

        Returns
        -------
        str
            ``"<event>: <mean> +- <stderr> iterations ..."``, or the reason
            there is no mean or no standard error.
        """
        return f"{self.event}: {self.text()}"


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
    record_iterations : ndarray of int, shape (R,)
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
    escape_iterations : ndarray of int, shape (n_walkers,)
        First iteration at which a walker is in another basin than its
        initial one (-1: never within ``n_iterations``).
    escape_basins : ndarray of int
        The basin it entered then (-1: never).
    passage_points : ndarray, shape (P,)
    passage_iterations : ndarray of int, shape (P, n_walkers)
        First iteration on the other side of each passage point (-1: never).
    divergence_iterations : ndarray of int, shape (n_walkers,)
        First iteration with ``|x| > divergence_bound`` or ``x`` not finite (-1: never).
    divergence_bound : float
    elapsed : float
        Wall-clock seconds of the stepping (kernel calls or numpy loop).

    Notes
    -----
    The 0.1 names ``record_steps``, ``escape_steps``, ``passage_steps``,
    ``divergence_steps``, ``n_steps``, ``mean_escape_steps()``,
    ``mean_passage_steps()``, ``walker_steps_per_second`` and the ``step=``
    keyword of :meth:`density` / :meth:`occupancy_fraction` still work in 0.2
    with a ``FutureWarning`` (SGD time is counted in *iterations*; see the
    glossary).

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
    >>> tuple(run.mean_passage_iterations(0)), tuple(run.mean_escape_iterations())
    ((7.0, 0.0, 0), (7.0, 0.0, 0))
    >>> print(run.mean_escape_iterations())
    escape from the initial basin: 7 +- 0 iterations
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
    record_iterations: np.ndarray
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
    escape_iterations: np.ndarray
    escape_basins: np.ndarray
    passage_points: np.ndarray
    passage_iterations: np.ndarray
    divergence_iterations: np.ndarray
    divergence_bound: float
    elapsed: float = field(compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.n_walkers, bool) or not isinstance(self.n_walkers, (int, np.integer)) or self.n_walkers < 1:
            raise ValueError(f"`n_walkers` must be a positive int (an ensemble without walkers has no fractions "
                             f"or means), got {self.n_walkers!r}")

    # ------------------------------------------------------------------ 0.1 names (one release)
    n_steps = renamed_attribute("n_steps", "n_iterations")
    record_steps = renamed_attribute("record_steps", "record_iterations")
    escape_steps = renamed_attribute("escape_steps", "escape_iterations")
    passage_steps = renamed_attribute("passage_steps", "passage_iterations")
    divergence_steps = renamed_attribute("divergence_steps", "divergence_iterations")
    walker_steps_per_second = renamed_attribute("walker_steps_per_second",
                                                "walker_iterations_per_second")

    # ------------------------------------------------------------------ derived quantities
    @property
    def diverged(self) -> np.ndarray:
        """Boolean flags: walker diverged within ``n_iterations``."""
        return self.divergence_iterations >= 0

    @property
    def fraction_diverged(self) -> float:
        """Fraction of walkers that diverged."""
        return float(np.mean(self.diverged))

    def _record_index(self, iteration: Optional[int]) -> int:
        if self.record_iterations.size == 0:
            raise ValueError("no histograms were recorded (`record_at` was empty); pass `record_at` iterations "
                             "to simulate_sgd to get densities and basin occupancies")
        if iteration is None:
            return self.record_iterations.size - 1
        hits = np.flatnonzero(self.record_iterations == int(iteration))
        if hits.size == 0:
            raise ValueError(f"`iteration` = {iteration!r} was not recorded; recorded iterations: "
                             f"{self.record_iterations.tolist()}")
        return int(hits[0])

    @renamed_keyword("step", "iteration")
    def density(self, iteration: Optional[int] = None) -> np.ndarray:
        """Histogram density (1/[theta]) at a recorded iteration (default the last),
        normalised by *all* walkers: ``counts / (n_walkers * bin width)``.

        Parameters
        ----------
        iteration : int, optional
            One of :attr:`record_iterations` (SGD iterations); default the last.
            (``step=`` is its deprecated 0.1 name.)

        Returns
        -------
        ndarray, shape (M,)
            Density per bin of :attr:`bin_edges`; its integral is the fraction
            of walkers inside the bins (less than 1 when some are outside,
            diverged or stopped).

        Raises
        ------
        ValueError
            When ``iteration`` was not recorded (the message lists the recorded
            iterations), or nothing was recorded.
        """
        r = self._record_index(iteration)
        return self.counts[r] / (self.n_walkers * np.diff(self.bin_edges))

    @renamed_keyword("step", "iteration")
    def occupancy_fraction(self, iteration: Optional[int] = None) -> np.ndarray:
        """Fraction of all walkers in each basin at a recorded iteration (default the last).

        Parameters
        ----------
        iteration : int, optional
            One of :attr:`record_iterations` (SGD iterations); default the last.
            (``step=`` is its deprecated 0.1 name.)

        Returns
        -------
        ndarray, shape (K,)
            Running walkers per basin (split at :attr:`basin_edges`) divided by
            :attr:`n_walkers`; sums to less than 1 when walkers diverged or stopped.

        Raises
        ------
        ValueError
            When ``iteration`` was not recorded (the message lists the recorded
            iterations), or nothing was recorded.
        """
        return self.occupancy[self._record_index(iteration)] / self.n_walkers

    def mean_escape_iterations(self) -> CensoredMean:
        """Mean of :attr:`escape_iterations` over the walkers that escaped, with its standard error.

        Returns
        -------
        CensoredMean
            ``mean`` (conditional on escaping within ``n_iterations``; ``None``
            when no walker escaped), ``stderr`` (``None`` with fewer than two
            escapers), ``n_censored`` (walkers that did not escape) and ``n``.
            Unpacks as ``mean, stderr, n_censored``.
        """
        return CensoredMean.of(self.escape_iterations, "escape from the initial basin")

    def mean_passage_iterations(self, k: int = 0) -> CensoredMean:
        """Mean first-passage iteration over ``passage_points[k]``, with its standard error.

        Parameters
        ----------
        k : int
            Index into :attr:`passage_points`.

        Returns
        -------
        CensoredMean
            ``mean`` (conditional on crossing within ``n_iterations``; ``None``
            when no walker crossed), ``stderr`` (``None`` with fewer than two
            crossings), ``n_censored`` (walkers that did not cross) and ``n``.
            Unpacks as ``mean, stderr, n_censored``.

        Raises
        ------
        IndexError
            When there is no passage point ``k`` (the message gives their number).
        """
        n_points = self.passage_points.size
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not -n_points <= k < n_points:
            raise IndexError(f"`k` = {k!r} is not the index of a passage point; this run has {n_points} "
                             f"(passage_points = {self.passage_points.tolist()})")
        return CensoredMean.of(self.passage_iterations[k], f"first passage over {self.passage_points[k]:+.6g}")

    mean_escape_steps = renamed_method("SGDEnsemble", "mean_escape_steps", mean_escape_iterations)
    mean_passage_steps = renamed_method("SGDEnsemble", "mean_passage_steps", mean_passage_iterations)

    @property
    def walker_iterations_per_second(self) -> Optional[float]:
        """Throughput of the stepping: ``n_walkers * n_iterations / elapsed`` (walker-iterations per second).

        An upper bound on the iterations actually taken (diverged or stopped
        walkers stop early); ``None`` when :attr:`elapsed` is zero (a run too
        short for the clock).
        """
        return self.n_walkers * self.n_iterations / self.elapsed if self.elapsed > 0 else None

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
        if self.basin_edges.size and self.record_iterations.size:
            occ = self.occupancy_fraction()
            lines.append(f"  basins split at {np.array2string(self.basin_edges, precision=6)}; occupancy at "
                         f"iteration {self.record_iterations[-1]}: " + ", ".join(f"{o:.4f}" for o in occ))
        if self.basin_edges.size:
            esc = self.mean_escape_iterations()
            lines.append(f"  escaped from the initial basin: {esc.n_observed}; mean escape after {esc.text()}")
        for k in range(self.passage_points.size):
            lines.append(f"  {self.mean_passage_iterations(k)}")
        if self.record_iterations.size:
            lines.append(f"  histograms at iterations {self.record_iterations.tolist()} on {self.bin_edges.size - 1} "
                         f"bins [{self.bin_edges[0]:g}, {self.bin_edges[-1]:g}]")
        else:
            lines.append("  no histograms recorded (`record_at` was empty)")
        rate = self.walker_iterations_per_second
        lines.append(f"  {self.elapsed:.3g} s, " + (f"{rate:.3g} walker-iterations/s" if rate is not None
                                                    else "too fast to time"))
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
        for r, iteration in enumerate(self.record_iterations):
            rows.append([int(iteration), int(self.counts[r].sum()), int(self.underflow[r]), int(self.overflow[r]),
                         int(self.diverged_by[r]), int(self.stopped_by[r])]
                        + [int(v) for v in self.occupancy[r]])
        return headers, rows
