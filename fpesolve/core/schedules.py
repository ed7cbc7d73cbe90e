r"""Learning-rate schedules :math:`\eta_k` and the map between SGD iterations and continuous time.

A :class:`Schedule` gives the learning rate of every SGD iteration
:math:`k = 0, 1, 2, \dots` (:meth:`Schedule.etas`).  Iteration :math:`k`
lasts the continuous time :math:`\eta_k`, so iteration :math:`k` starts at

.. math:: t_k = \sum_{j<k} \eta_j \qquad (t_0 = 0),

and within it time runs linearly: :meth:`Schedule.time_of` maps a
(fractional) iteration to :math:`t`, :meth:`Schedule.iteration_at` is its
inverse, :meth:`Schedule.eta_at_time` the rate in force at time :math:`t`.

Every schedule also has a *continuous form* :math:`\eta(s)` of a real
iteration variable :math:`s` with :math:`\eta(k) = \eta_k` (the closed form
of the constructors; linear interpolation for :func:`from_function` with
integer-only callables), and the points where it has a kink or a jump
(:attr:`Schedule.breakpoints`).  The Fokker–Planck solver under a schedule
(:mod:`fpesolve.core.scheduled`) integrates in :math:`s` with the rate
:math:`\eta(s - 1/2)`, whose average over iteration :math:`k` is
:math:`\eta_k + \eta''/24`: holding each :math:`\eta_k` for its iteration
instead differs by a relative :math:`|\eta''|/(24\eta)` in the generator
(4e-13 for a cosine schedule over 1e6 iterations).  Piecewise-constant
schedules (:func:`constant`, :func:`step_decay`, :func:`piecewise_constant`)
are propagated exactly, piece by piece.

Constructors: :func:`constant`, :func:`warmup`, :func:`step_decay`,
:func:`piecewise_constant`, :func:`cosine`, :func:`cyclical`,
:func:`from_function`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import positive_float, positive_int
from .stationary import _compensated_cumsum

__all__ = ["Schedule", "constant", "warmup", "step_decay", "piecewise_constant", "cosine", "cyclical",
           "from_function", "as_schedule"]

#: iterations per block of the cached prefix sums of the time map
_BLOCK = 4096
#: largest iteration the generic time map sums over (8e9 learning rates in blocks)
_MAX_ITERATION = 2 ** 33


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule (frozen; build it with the constructors of this module).

    Attributes
    ----------
    kind : str
        ``"constant"``, ``"warmup"``, ``"step_decay"``, ``"piecewise_constant"``,
        ``"cosine"``, ``"cyclical"`` or ``"function"``.
    description : str
        The formula, for summaries.
    breakpoints : tuple of float
        Iterations :math:`s` where the continuous form has a kink or a jump.
    pieces : tuple of (int, float) or None
        For a piecewise-constant schedule, ``(first iteration, eta)`` of every
        piece (the last piece lasts for ever); ``None`` otherwise.
    eta_of : callable
        ``eta_of(s)``: the learning rate at (real, vectorised) iterations ``s``.
    integer_only : bool
        Whether ``eta_of`` is defined at integers only (then :meth:`rate`
        interpolates linearly between iterations).

    Examples
    --------
    >>> from fpesolve.core import schedules
    >>> s = schedules.warmup(0.1, 4)
    >>> s.etas(6).round(12).tolist()
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    >>> float(s.time_of(6))             # t_6 = sum of the six rates
    0.45
    >>> float(s.iteration_at(0.45))
    6.0
    """

    kind: str
    description: str
    eta_of: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    breakpoints: Tuple[float, ...] = ()
    pieces: Optional[Tuple[Tuple[int, float], ...]] = None
    integer_only: bool = field(default=False, repr=False)
    _prefix: Dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ rates
    @property
    def piecewise_constant(self) -> bool:
        """Whether the schedule is a finite sequence of constant pieces (propagated exactly)."""
        return self.pieces is not None

    def _checked(self, values, where) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        bad = ~(np.isfinite(values) & (values >= 0))
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(f"the schedule {self.description!r} gave eta = {float(values.ravel()[i])!r} at iteration "
                             f"{float(np.ravel(where)[i])!r}; learning rates must be finite and >= 0")
        return values

    def etas(self, n_iterations: int) -> np.ndarray:
        """The learning rates :math:`\\eta_0, \\dots, \\eta_{n-1}` of the first ``n_iterations`` iterations.

        Parameters
        ----------
        n_iterations : int
            Number of iterations, >= 0.

        Returns
        -------
        ndarray, shape (n_iterations,)
            The learning rates (dimensionless, >= 0).
        """
        n_iterations = positive_int(n_iterations, "n_iterations", minimum=0)
        k = np.arange(n_iterations, dtype=float)
        return self._checked(np.broadcast_to(self.eta_of(k), k.shape), k).copy()

    def rate(self, s) -> np.ndarray:
        """The continuous form :math:`\\eta(s)` at real iterations ``s >= 0`` (``eta(k) = eta_k``).

        Parameters
        ----------
        s : float or array_like
            Real iterations, >= 0.

        Returns
        -------
        ndarray
            :math:`\\eta(s)`, the shape of ``s``.
        """
        s = np.asarray(s, dtype=float)
        if self.integer_only:
            lo = np.floor(s)
            frac = s - lo
            a = np.asarray(self.eta_of(lo), dtype=float)
            b = np.asarray(self.eta_of(lo + 1.0), dtype=float)
            values = np.where(frac > 0, a + frac * (b - a), a)
        else:
            values = self.eta_of(s)
        return self._checked(np.broadcast_to(values, s.shape), s)

    def max_eta(self, n_iterations: int) -> float:
        """The largest :math:`\\eta_k` for :math:`k < n` (sampled at every iteration up to 1e6, then densely).

        Parameters
        ----------
        n_iterations : int
            Number of iterations :math:`n`, >= 1.

        Returns
        -------
        float
            :math:`\\max_{k<n}\\eta_k`.
        """
        n = positive_int(n_iterations, "n_iterations")
        k = np.arange(n, dtype=float) if n <= 10 ** 6 else np.unique(np.concatenate(
            (np.linspace(0, n - 1, 10 ** 6), [b for b in self.breakpoints if b < n])))
        return float(np.max(self.rate(k)))

    # ------------------------------------------------------------------ time map
    def _block_prefix(self, k_max: int) -> np.ndarray:
        """t at multiples of the block size, up to ``k_max`` (cached; each block summed with math.fsum)."""
        cached = self._prefix.get("blocks", np.zeros(1))
        n_blocks = k_max // _BLOCK + 1
        if cached.size < n_blocks:
            sums = [cached[-1]]
            for b in range(cached.size - 1, n_blocks - 1):
                k = np.arange(b * _BLOCK, (b + 1) * _BLOCK, dtype=float)
                sums.append(sums[-1] + math.fsum(self._checked(self.eta_of(k), k).ravel()))
            cached = np.concatenate((cached, np.array(sums[1:])))
            self._prefix["blocks"] = cached
        return cached

    def _time_at_integer(self, k: np.ndarray) -> np.ndarray:
        if self.pieces is not None:
            out = np.zeros(k.shape)
            starts = [p[0] for p in self.pieces] + [math.inf]
            for (start, eta), stop in zip(self.pieces, starts[1:]):
                out += eta * np.clip(k - start, 0, stop - start)
            return out
        if np.max(k, initial=0) > _MAX_ITERATION:
            raise ValueError(f"iterations above {_MAX_ITERATION} are beyond the generic time map; build the schedule "
                             f"with a piecewise-constant constructor")
        prefix = self._block_prefix(int(np.max(k, initial=0)))
        out = np.empty(k.shape)
        flat_k, flat_out = k.ravel(), out.ravel()
        for i, kk in enumerate(flat_k):
            b = int(kk) // _BLOCK
            within = np.arange(b * _BLOCK, int(kk), dtype=float)
            flat_out[i] = prefix[b] + (math.fsum(self._checked(self.eta_of(within), within).ravel())
                                       if within.size else 0.0)
        return flat_out.reshape(k.shape)

    def time_of(self, iterations) -> np.ndarray:
        """Continuous time :math:`t` reached after ``iterations`` (real, >= 0; vectorised).

        :math:`t_k = \\sum_{j<k}\\eta_j` at integers, linear within an
        iteration: :math:`t(k + f) = t_k + f\\eta_k`.

        Parameters
        ----------
        iterations : float or array_like
            Real iteration counts, finite and >= 0.

        Returns
        -------
        ndarray
            Continuous time :math:`t` (the SDE's time, i.e. summed learning
            rates), the shape of ``iterations``.

        Raises
        ------
        ValueError
            For a negative or non-finite iteration count.
        """
        s = np.asarray(iterations, dtype=float)
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError(f"`iterations` must be finite and >= 0, got {iterations!r}")
        k = np.floor(s)
        frac = s - k
        t = self._time_at_integer(k)
        with_frac = frac > 0
        if np.any(with_frac):
            t = t + np.where(with_frac, frac * np.broadcast_to(self._checked(self.eta_of(k), k), k.shape), 0.0)
        return t

    def iteration_at(self, t) -> np.ndarray:
        """The (fractional) iteration :math:`s` with ``time_of(s) = t`` (vectorised; ``floor`` = iterations completed).

        Parameters
        ----------
        t : float or array_like
            Continuous times, finite and >= 0.

        Returns
        -------
        ndarray
            The fractional iterations, the shape of ``t``.

        Raises
        ------
        ValueError
            For a negative or non-finite time, or one the schedule does not
            reach within the generic time map's range of iterations.
        """
        t = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError(f"`t` must be finite and >= 0, got {t!r}")
        out = np.empty(t.shape)
        flat_t, flat_out = t.ravel(), out.ravel()
        for i, ti in enumerate(flat_t):
            flat_out[i] = self._iteration_at_scalar(float(ti))
        return out.reshape(t.shape)

    def _iteration_at_scalar(self, t: float) -> float:
        if t == 0.0:
            return 0.0
        if self.pieces is not None:
            elapsed = 0.0
            starts = [p[0] for p in self.pieces] + [math.inf]
            for (start, eta), stop in zip(self.pieces, starts[1:]):
                span = eta * (stop - start) if math.isfinite(stop) else math.inf
                if elapsed + span >= t:
                    if eta == 0:
                        return float(start)
                    return float(start + (t - elapsed) / eta)
                elapsed += span
        # generic: grow the block prefix until it passes t, then search inside the block
        b_max = 1
        while True:
            prefix = self._block_prefix(b_max * _BLOCK)
            if prefix[-1] >= t:
                break
            if b_max * _BLOCK > _MAX_ITERATION:
                raise ValueError(f"time t = {t!r} is not reached within {_MAX_ITERATION} iterations of this schedule")
            b_max *= 2
        b = int(np.searchsorted(prefix, t, side="right")) - 1
        k = np.arange(b * _BLOCK, (b + 1) * _BLOCK, dtype=float)
        etas = self._checked(self.eta_of(k), k)
        cum = prefix[b] + _compensated_cumsum(etas)
        j = min(int(np.searchsorted(cum, t, side="right")) - 1, _BLOCK - 1)
        eta = float(etas[j])
        return float(b * _BLOCK + j + ((t - cum[j]) / eta if eta > 0 else 0.0))

    def eta_at_time(self, t) -> np.ndarray:
        """The learning rate :math:`\\eta_k` of the iteration in progress at continuous time ``t`` (vectorised).

        Parameters
        ----------
        t : float or array_like
            Continuous times, finite and >= 0.

        Returns
        -------
        ndarray
            :math:`\\eta_k` with :math:`k = \\lfloor s(t) \\rfloor`, the shape of ``t``.
        """
        k = np.floor(self.iteration_at(t))
        return self._checked(np.broadcast_to(self.eta_of(k), k.shape), k).copy()

    def kinks_between(self, lo: float, hi: float) -> np.ndarray:
        """The :attr:`breakpoints` strictly between iterations ``lo`` and ``hi`` (sorted).

        Parameters
        ----------
        lo, hi : float
            The open interval of iterations.

        Returns
        -------
        ndarray
            The sorted breakpoints in ``(lo, hi)``.
        """
        b = np.asarray(sorted(self.breakpoints), dtype=float)
        return b[(b > lo) & (b < hi)]

    def __str__(self) -> str:
        return f"{self.kind} schedule: {self.description}"


# ---------------------------------------------------------------------------------------------- constructors
def constant(eta: float) -> Schedule:
    """:math:`\\eta_k = \\eta` for every iteration."""
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    return Schedule("constant", f"eta = {eta:g}", lambda s: np.full(np.shape(s), eta), pieces=((0, eta),))


def warmup(eta: float, n_warmup: int, then: Optional[Schedule] = None) -> Schedule:
    """Linear warm-up :math:`\\eta_k = \\eta\\,(k+1)/n_{warmup}` for :math:`k < n_{warmup}`, then ``then`` (default constant ``eta``).

    ``then`` is started at iteration 0 when the warm-up ends (so ``warmup(0.1,
    100, cosine(0.1, 900))`` decays over iterations 100–999).
    """
    eta = positive_float(eta, "eta", "eta is the peak learning rate after the warm-up")
    n_warmup = positive_int(n_warmup, "n_warmup")
    after = then if then is not None else constant(eta)
    if not isinstance(after, Schedule):
        raise TypeError(f"`then` must be a Schedule, got {type(then).__name__}")

    def eta_of(s):
        s = np.asarray(s, dtype=float)
        ramp = eta * np.minimum(s + 1.0, n_warmup) / n_warmup
        later = np.asarray(after.rate(np.maximum(s - n_warmup, 0.0)), dtype=float)
        return np.where(s < n_warmup, ramp, later)

    breaks = (float(n_warmup - 1), float(n_warmup)) + tuple(b + n_warmup for b in after.breakpoints)
    return Schedule("warmup", f"linear warm-up to {eta:g} over {n_warmup} iterations, then {after.description}",
                    eta_of, breakpoints=breaks)


def piecewise_constant(milestones: Sequence[int], etas: Sequence[float]) -> Schedule:
    """``etas[0]`` before ``milestones[0]``, ``etas[j]`` from ``milestones[j-1]`` on (``len(etas) = len(milestones) + 1``)."""
    stones = [positive_int(m, "milestones") for m in milestones]
    if any(b <= a for a, b in zip(stones, stones[1:])):
        raise ValueError(f"`milestones` must be strictly increasing, got {list(milestones)!r}")
    values = [positive_float(e, "etas") for e in etas]
    if len(values) != len(stones) + 1:
        raise ValueError(f"`etas` needs len(milestones) + 1 = {len(stones) + 1} values, got {len(values)}")
    starts = np.array([0] + stones, dtype=float)
    vals = np.array(values)

    def eta_of(s):
        idx = np.searchsorted(starts, np.asarray(s, dtype=float), side="right") - 1
        return vals[np.clip(idx, 0, vals.size - 1)]

    return Schedule("piecewise_constant", f"eta = {values} from iterations {[0] + stones}", eta_of,
                    breakpoints=tuple(float(m) for m in stones), pieces=tuple(zip([0] + stones, values)))


def step_decay(eta: float, step_size: int, gamma: float = 0.1, n_steps: int = 8) -> Schedule:
    """:math:`\\eta_k = \\eta\\,\\gamma^{\\lfloor k/\\mathrm{step\\_size}\\rfloor}` (PyTorch ``StepLR``), for ``n_steps`` decays, then constant."""
    eta = positive_float(eta, "eta", "eta is the initial learning rate")
    step_size = positive_int(step_size, "step_size")
    gamma = positive_float(gamma, "gamma", "gamma is the factor applied at every decay")
    n_steps = positive_int(n_steps, "n_steps")
    sched = piecewise_constant([step_size * (j + 1) for j in range(n_steps)],
                               [eta * gamma ** j for j in range(n_steps + 1)])
    return Schedule("step_decay", f"eta = {eta:g} * {gamma:g}^floor(k / {step_size}) (for {n_steps} decays)",
                    sched.eta_of, breakpoints=sched.breakpoints, pieces=sched.pieces)


def cosine(eta_max: float, n_iterations: int, eta_min: float = 0.0) -> Schedule:
    """Cosine annealing :math:`\\eta_k = \\eta_{min} + (\\eta_{max} - \\eta_{min})(1 + \\cos(\\pi k/n))/2` for :math:`k \\le n`, then :math:`\\eta_{min}`."""
    eta_max = positive_float(eta_max, "eta_max", "eta_max is the initial learning rate")
    n = positive_int(n_iterations, "n_iterations")
    eta_min = float(eta_min)
    if not (math.isfinite(eta_min) and 0 <= eta_min <= eta_max):
        raise ValueError(f"`eta_min` must lie in [0, eta_max = {eta_max!r}], got {eta_min!r}")

    def eta_of(s):
        s = np.minimum(np.asarray(s, dtype=float), n)
        return eta_min + (eta_max - eta_min) * 0.5 * (1.0 + np.cos(math.pi * s / n))

    return Schedule("cosine", f"cosine from {eta_max:g} to {eta_min:g} over {n} iterations", eta_of,
                    breakpoints=(float(n),))


def cyclical(eta_min: float, eta_max: float, half_period: int) -> Schedule:
    """Triangular cyclical rates (Smith 2017): linear from ``eta_min`` up to ``eta_max`` over ``half_period`` iterations and back."""
    eta_min = positive_float(eta_min, "eta_min", "eta_min is the lowest learning rate of the cycle")
    eta_max = positive_float(eta_max, "eta_max", "eta_max is the highest learning rate of the cycle")
    if eta_max < eta_min:
        raise ValueError(f"`eta_max` = {eta_max!r} must be >= `eta_min` = {eta_min!r}")
    half = positive_int(half_period, "half_period")

    def eta_of(s):
        phase = np.mod(np.asarray(s, dtype=float), 2 * half) / half
        return eta_min + (eta_max - eta_min) * np.where(phase <= 1.0, phase, 2.0 - phase)

    return _CyclicSchedule("cyclical", f"triangular between {eta_min:g} and {eta_max:g}, half period {half}",
                           eta_of, half_period=half)


@dataclass(frozen=True)
class _CyclicSchedule(Schedule):
    """A schedule whose kinks repeat every ``half_period`` iterations (generated, not stored)."""

    half_period: int = 1

    def kinks_between(self, lo: float, hi: float) -> np.ndarray:
        """The peaks and troughs strictly between iterations ``lo`` and ``hi``.

        Parameters
        ----------
        lo, hi : float
            The open interval of iterations.

        Returns
        -------
        ndarray
            The sorted kinks in ``(lo, hi)``.
        """
        first = math.floor(lo / self.half_period) + 1
        last = math.ceil(hi / self.half_period) - 1
        if last - first > 10 ** 7:
            raise ValueError("more than 1e7 cycles in one run; use fewer iterations or a longer half period")
        kinks = np.arange(first, last + 1, dtype=float) * self.half_period
        return kinks[(kinks > lo) & (kinks < hi)]


def from_function(func: Callable, *, continuous: bool = False, breakpoints: Sequence[float] = (),
                  description: str = "user function") -> Schedule:
    """A schedule from any callable of the iteration.

    Parameters
    ----------
    func : callable
        ``func(k)`` -> :math:`\\eta_k`.  Called with a float array of
        iterations when it accepts one (vectorised), otherwise element by element.
    continuous : bool
        Whether ``func`` is meaningful at real iterations ``s`` (a closed form).
        If not (the default), the continuous form interpolates linearly between
        the integer values.
    breakpoints : sequence of float
        Iterations where ``func`` has a kink or a jump.
    """
    if not callable(func):
        raise TypeError(f"`func` must be a callable of the iteration, got {func!r}")

    def eta_of(s):
        s = np.asarray(s, dtype=float)
        try:
            values = np.asarray(func(s), dtype=float)
            if values.shape == s.shape or values.size == 1:
                return np.broadcast_to(values, s.shape)
        except Exception:  # not vectorised: called element by element below, where its own errors surface
            pass
        return np.array([float(func(int(x) if not continuous and float(x).is_integer() else float(x)))
                         for x in s.ravel()]).reshape(s.shape)

    return Schedule("function", description, eta_of, breakpoints=tuple(float(b) for b in breakpoints),
                    integer_only=not continuous)


def as_schedule(eta) -> Schedule:
    """``eta`` as a :class:`Schedule`: a number is a constant schedule, a callable of the iteration goes through
    :func:`from_function` (integer iterations; wrap it yourself for ``continuous=True`` or breakpoints)."""
    if isinstance(eta, Schedule):
        return eta
    if callable(eta):
        return from_function(eta, description=getattr(eta, "__name__", "user function"))
    return constant(eta)
