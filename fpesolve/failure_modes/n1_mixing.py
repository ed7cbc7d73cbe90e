r"""Condition N1 (mixing): is SGD's training time :math:`\eta T` long against the mixing time?

The failure-modes paper's N1 asks that the continuous time reached by
:math:`T` iterations, :math:`\eta T`, exceed the total-variation mixing
time of SGD's diffusion, so that the stationary law's preferences are
actually reached.  :func:`check_n1` computes the mixing time exactly
(:func:`fpesolve.core.mixing.mixing_time`, log space) and the distance left
at :math:`t = \eta T`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from .._util.deprecation import renamed_keyword, renamed_attribute
from .._util.formatting import float_from_log10, format_log10
from .._util.result import Result
from .._util.validation import positive_float, positive_int, probability
from ..core.fokker_planck import FokkerPlanck
from ..core.grid import Grid
from ..core.landscape import Landscape
from ..core.mixing import InitSpec, MixingTime, mixing_time

from ._sigma import require_positive_sigma

__all__ = ["N1Result", "check_n1"]

_to_float = float_from_log10


def _fmt(log10_value: float) -> str:
    return format_log10(log10_value, plain_digits=6, mantissa_digits=4, plain_below=6.0)


@dataclass(frozen=True, repr=False)
class N1Result(Result):
    r"""Verdict on condition N1: is the training time :math:`\eta T` long against the mixing time?

    Attributes
    ----------
    holds : bool
        ``True`` when :math:`\eta T \ge t_{mix}(\varepsilon)` from the
        initial law (the worst start if none was given), i.e. the TV distance
        left at :math:`t = \eta T` is at most :math:`\varepsilon`.
    eta : float
        The learning rate :math:`\eta`, the temperature of SGD's diffusion.
    n_iterations : int
        The training length :math:`T` in SGD iterations.
    time_budget, log10_time_budget : float
        :math:`\eta T` in continuous time.
    t_rel, log10_t_rel : float
        Relaxation time :math:`1/\lambda_1`.
    t_mix, log10_t_mix : float
        Mixing time from the initial law (worst start if none given).
    log10_t_mix_iterations : float
        The same in SGD iterations (:math:`t_{mix}/\eta`).
    worst_case : MixingTime
        The full mixing-time report (worst start, bounds).
    tv_left : float
        TV distance to the stationary law at :math:`t = \eta T`.
    margin, log10_margin : float
        :math:`\eta T / t_{mix}`.
    eps : float
        The TV threshold :math:`\varepsilon` of the mixing time.
    explanation : str
        One paragraph in words.

    Examples
    --------
    F1 at the paper's :math:`\eta = 0.01`: the budget :math:`\eta T = 10^4`
    against a mixing time of :math:`\approx 10^{1085.6}` (the escape over
    the barrier from the bad well B); the float fields overflow to ``inf``
    and the ``log10`` ones carry the numbers:

    >>> from fpesolve.failure_modes import check_n1, construction
    >>> r = check_n1(construction("f1"), 0.01, 10**6, grid=300)
    >>> r.holds, r.status, r.time_budget, r.t_mix
    (False, 'violated', 10000.0, inf)
    >>> round(r.log10_t_mix, 1), round(r.log10_t_mix_iterations, 1), round(r.log10_margin, 1)
    (1085.6, 1087.6, -1081.6)
    """

    holds: bool
    eta: float
    n_iterations: int
    time_budget: float
    log10_time_budget: float
    t_rel: float
    log10_t_rel: float
    t_mix: float
    log10_t_mix: float
    log10_t_mix_iterations: float
    tv_left: float
    margin: float
    log10_margin: float
    eps: float
    explanation: str
    worst_case: MixingTime = field(repr=False)

    n_steps = renamed_attribute("n_steps", "n_iterations")

    def summary(self) -> str:
        """The verdict and the explanation.

        Returns
        -------
        str
            ``"N1 (mixing) holds: ..."`` or ``"N1 (mixing) FAILS: ..."`` with
            :attr:`explanation`.
        """
        return f"N1 (mixing) {'holds' if self.holds else 'FAILS'}: {self.explanation}"

    @property
    def status(self) -> str:
        """``"holds"`` or ``"violated"``."""
        return "holds" if self.holds else "violated"


@renamed_keyword("n_steps", "n_iterations")
def check_n1(landscape: Landscape, eta: float, n_iterations: int, init: InitSpec = None, eps: float = 0.25,
             grid: Optional[Union[Grid, int]] = None) -> N1Result:
    r"""Check condition N1: :math:`\eta T \gg t_{mix}` for SGD with learning rate ``eta`` run ``n_iterations`` times.

    Parameters
    ----------
    landscape : Landscape
    eta : float
        Learning rate (= the temperature :math:`\tau` of the diffusion).
    n_iterations : int
        Number of SGD iterations :math:`T` (``n_steps`` before 0.2).
    init : float, ndarray or callable, optional
        Initial law (a point or a density); the worst start when omitted.
    eps : float
        TV threshold in (0, 1).
    grid : Grid or int, optional
        Discretisation; default 1500 cells refined around the critical points.

    Returns
    -------
    N1Result
        Works in log space: times of :math:`10^{1000}` are reported through
        their ``log10`` fields (the ``float`` fields are then ``inf``).

    Raises
    ------
    ValueError
        For ``eta <= 0``, ``n_iterations < 1``, ``eps`` outside (0, 1) or an
        ``init`` outside the domain.
    IllPosedError
        When :math:`\Sigma` vanishes inside the domain (no unique stationary
        law to mix to; :func:`~fpesolve.diagnose` reports N1 as ``"not
        applicable"`` there).

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> check_n1(construction("healthy"), 0.1, 10**6, grid=300).holds
    True
    """
    eta = positive_float(eta, "eta", "eta is the SGD learning rate")
    n_iterations = positive_int(n_iterations, "n_iterations")
    eps = probability(eps, "eps")
    require_positive_sigma(landscape, "N1 (mixing)")
    if grid is None:
        a, b = landscape.domain
        grid = Grid.refined(a, b, 1500, [cp.x for cp in landscape.critical_points()])
    fp = FokkerPlanck(landscape, eta, grid)
    if init is not None and isinstance(init, (int, float, np.floating, np.integer)):
        landscape.contains(init, "init")
    budget = eta * n_iterations
    mix = mixing_time(fp, eps=eps, init=init, horizon=budget)
    log10_tmix = mix.log10_t_mix_init if init is not None else mix.log10_t_mix
    how = mix.method_init if init is not None else mix.method
    log10_budget = math.log10(eta) + math.log10(n_iterations)
    tv_left = float(mix.tv_at_horizon)
    holds = bool(tv_left <= eps)
    log10_margin = log10_budget - log10_tmix
    start_text = "the given initial law" if init is not None else f"the worst start (x = {mix.worst_start:.6g})"
    verdict = "holds" if holds else "fails"
    explanation = (
        f"with eta = {eta:g} and T = {n_iterations} iterations SGD's diffusion runs for eta*T = {_fmt(log10_budget)} "
        f"units of continuous time. From {start_text} its law needs t_mix = {_fmt(log10_tmix)} (log10 "
        f"{log10_tmix:.6g}; {_fmt(log10_tmix - math.log10(eta))} iterations) to come within TV distance "
        f"{eps:g} of the stationary law; the relaxation time is t_rel = 1/gap = {_fmt(mix.log10_t_rel)} "
        f"({mix.gap_method}). The budget is {_fmt(log10_margin)} mixing times and the TV distance left at "
        f"t = eta*T is {tv_left:.4g}, so N1 {verdict}"
        + ("." if holds else ": the stationary law's preferences (e.g. for flat or low-noise minima) are not "
           "reached in this run, and where SGD ends up is decided by where it starts.")
        + f" Mixing time obtained by {how}.")
    return N1Result(holds=holds, eta=eta, n_iterations=n_iterations, time_budget=budget, log10_time_budget=log10_budget,
                    t_rel=mix.t_rel, log10_t_rel=mix.log10_t_rel, t_mix=_to_float(log10_tmix),
                    log10_t_mix=log10_tmix, log10_t_mix_iterations=log10_tmix - math.log10(eta), tv_left=tv_left,
                    margin=_to_float(log10_margin), log10_margin=log10_margin, eps=eps, explanation=explanation,
                    worst_case=mix)
