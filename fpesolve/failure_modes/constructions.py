r"""Smooth landscapes realising the failure modes F1–F4 of the failure-modes paper.

Every construction is a :class:`~fpesolve.failure_modes.base.Construction`: a
:class:`~fpesolve.Landscape` (closed-form :math:`L, L', L'', \Sigma, \Sigma'`)
that is *also* a finite sum of per-sample losses, so that real SGD can be
simulated on it (:func:`fpesolve.simulate_sgd`), and that declares its wells,
saddle, generalisation gaps, learning rate, training length and the paper's
leading-order claims as fields.

=====================  ================================================  =========
name                   paper's numbers                                   condition
=====================  ================================================  =========
``f1``                 H = 2, 8; Sigma = 1, 8; barrier 100; eta = 0.01   N1
``f2``                 per-sample Hessians 18, 2; eta = 0.15             N2
``f3-equal-hessian``   H = 2, 2; Sigma = 2, 2 (Sigma/H = 1); barrier 1   N3
``f3-unequal-hessian`` H = 2, 8; Sigma = 2, 8 (Sigma/H = 1); barrier 1   N3
``f4``                 L = 0.1; H = 2, 2; Sigma = 20, 1; barrier 10      N4
``healthy``            H = 2, 2; Sigma = 1, 4; barrier 0.25; eta = 0.1   none
=====================  ================================================  =========

The two-well constructions (:mod:`fpesolve.failure_modes.two_well`) switch
:math:`\sqrt\Sigma` with a narrow tanh step at the saddle by default
(``noise_profile="tanh"``): :math:`\Sigma` is then held at :math:`\Sigma_k`
from each well to the saddle, which is how the paper reads its barriers
:math:`\Delta V/\Sigma_k`.  ``noise_profile="sigmoid"`` gives fpesolve 0.1's
algebraic sigmoid between the wells; ``switch_at`` and ``switch_width`` move
and widen the step (the sensitivity study of ``fpesolve reproduce``).  F2 is
quadratic (:mod:`fpesolve.failure_modes.quadratic`).
"""

from __future__ import annotations

import functools
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._util.validation import positive_float
from .base import Construction
from .quadratic import quadratic_samples
from .two_well import NOISE_PROFILES, double_well

__all__ = ["Construction", "double_well", "f1_landscape", "f2_landscape", "f3_landscape", "f4_landscape",
           "healthy_landscape", "CONSTRUCTIONS", "construction", "available", "NOISE_PROFILES"]

_GAPS_NOTE = "The generalisation gaps are modelling choices (the paper names only the good and the bad well)."
_PROFILE_NOTES = {
    "tanh": ("sqrt(Sigma) switches by a narrow tanh step at the saddle, so Sigma is held at Sigma_k from each well to "
             "the saddle as the paper reads its barriers DeltaV/Sigma_k; the exact barriers differ from those by a "
             "relative O((w/l_s)^2) ~ 1e-4 and the prefactors of the escape times are the exact ones. "),
    "sigmoid": ("Sigma(theta) = s(theta)^2 varies all the way between the wells (an algebraic sigmoid), so the V_eff "
                "barrier is int L'/Sigma along the path rather than barrier/Sigma_k, the V_eff minima are O(eta) "
                "away from the L minima, and the per-sample Hessians at a well are H_k +- s'(theta_k). "),
}


def _profile_args(noise_profile: str, switch_at: Optional[float], switch_width: Optional[float],
                  steepness: Optional[float]) -> Dict[str, object]:
    return dict(noise_profile=noise_profile, switch_at=switch_at, switch_width=switch_width, steepness=steepness)


def _notes(noise_profile: str, extra: str = "") -> str:
    head = _PROFILE_NOTES.get(str(noise_profile).strip().lower(), "")
    return head + extra + _GAPS_NOTE


def f1_landscape(H_A: float = 2.0, Sigma_A: float = 1.0, H_B: float = 8.0, Sigma_B: float = 8.0,
                 barrier: float = 100.0, *, eta: float = 0.01, n_iterations: int = 10 ** 6, batch_size: int = 1,
                 gaps: Tuple[float, float] = (0.05, 0.5), noise_profile: str = "tanh",
                 switch_at: Optional[float] = None, switch_width: Optional[float] = None,
                 steepness: Optional[float] = None) -> Construction:
    r"""F1, insufficient mixing: a barrier of 100 between a good and a bad well.

    Well A (good): :math:`H_A = 2`, :math:`\Sigma_A = 1` (:math:`\Sigma/H = 0.5`);
    well B (bad, where SGD starts): :math:`H_B = 8`, :math:`\Sigma_B = 8`
    (:math:`\Sigma/H = 1`); :math:`L_A = L_B = 0`, barrier :math:`\Delta V = 100`
    in ``L``; the paper's :math:`\eta = 0.01`.

    The paper's leading-order escape estimate from B is
    :math:`\eta^{-1}\exp(2\Delta V/(\Sigma_B\eta)) = 100\,e^{2500}`
    iterations (:math:`\log_{10} \approx 1087.7`); on the default (tanh)
    construction the exact mean first-passage time is within 0.2 decades of
    it, the difference being the Kramers prefactor.

    Parameters
    ----------
    H_A, Sigma_A, H_B, Sigma_B, barrier : float
        The paper's curvatures, noise variances and barrier.
    eta : float
        The learning rate the construction is about.
    n_iterations : int
        The training length :math:`T` in SGD iterations.
    batch_size : int
        ``B`` (1 or 2).
    gaps : (float, float)
        Generalisation gaps of wells A and B (a modelling choice).
    noise_profile, switch_at, switch_width, steepness
        The noise profile and its parameters (:func:`double_well`).

    Returns
    -------
    Construction

    Examples
    --------
    >>> c = f1_landscape()
    >>> c.key, c.eta, c.noise_profile
    ('f1', 0.01, 'tanh')
    """
    claims = {"Sigma_A/H_A": 0.5, "Sigma_B/H_B": 1.0, "V_eff barrier from B (barrier/Sigma_B)": 12.5,
              "escape iterations from B": "(1/eta) exp(25/eta) = 100 exp(2500) ~ 10^1087 at eta = 0.01",
              "violated condition": "N1"}
    return double_well(H_A, H_B, Sigma_A, Sigma_B, barrier, batch_size=batch_size, gaps=gaps, key="f1",
                       name="F1 insufficient mixing", paper_claims=claims, notes=_notes(noise_profile),
                       eta=eta, n_iterations=n_iterations,
                       **_profile_args(noise_profile, switch_at, switch_width, steepness))


def f3_landscape(variant: str = "equal-hessian", *, H_A: Optional[float] = None, H_B: Optional[float] = None,
                 ratio: float = 1.0, barrier: float = 1.0, eta: float = 0.2, n_iterations: int = 10 ** 6,
                 batch_size: int = 1, gaps: Tuple[float, float] = (0.05, 0.5), noise_profile: str = "tanh",
                 switch_at: Optional[float] = None, switch_width: Optional[float] = None,
                 steepness: Optional[float] = None) -> Construction:
    r"""F3, degenerate selection: equal :math:`\Sigma/H` at both wells.

    ``variant="equal-hessian"``: :math:`H_A = H_B = 2`, :math:`\Sigma_A = \Sigma_B
    = 2` (:math:`\Sigma` constant, ``L`` symmetric): :math:`\pi(A) = \pi(B) = 1/2`
    exactly, by symmetry, for every profile.

    ``variant="unequal-hessian"``: :math:`H_A = 2`, :math:`H_B = 8`,
    :math:`\Sigma_k = \text{ratio}\cdot H_k`.  The paper's Laplace argument
    claims :math:`\pi(A)/\pi(B) = 1` here too; its own weights
    :math:`\Sigma_k^{-1}\sqrt{\pi\tau\Sigma_k/H_k} = \sqrt{\pi\tau/(\Sigma_k H_k)}`
    give :math:`\sqrt{\Sigma_B H_B/(\Sigma_A H_A)} = 4` instead, and the
    exponent :math:`(2/\tau)(\Delta V/\Sigma_A - \Delta V/\Sigma_B)` does not
    vanish either.

    Both variants: :math:`L_A = L_B = 0`, barrier 1 in ``L``, :math:`\Sigma/H = 1`;
    at the default :math:`\eta = 0.2` the escape times are ~10^2–10^3
    iterations, so with :math:`T = 10^6` mixing (N1) holds and only N3 is at stake.

    Parameters
    ----------
    variant : {"equal-hessian", "unequal-hessian"}
    H_A, H_B : float, optional
        The curvatures (defaults 2 and 2, or 2 and 8).
    ratio : float
        :math:`\Sigma/H` at both wells.
    barrier : float
        :math:`\Delta V`.
    eta : float
        The learning rate the construction is about.
    n_iterations : int
        The training length :math:`T` in SGD iterations.
    batch_size : int
        ``B`` (1 or 2).
    gaps : (float, float)
        Generalisation gaps of wells A and B (a modelling choice).
    noise_profile, switch_at, switch_width, steepness
        The noise profile and its parameters (:func:`double_well`).

    Returns
    -------
    Construction

    Raises
    ------
    ValueError
        For an unknown ``variant`` or unequal Hessians in the equal-hessian variant.

    Examples
    --------
    >>> f3_landscape("unequal-hessian").key
    'f3-unequal-hessian'
    """
    key = str(variant).strip().lower().replace("_", "-").replace(" ", "-")
    ratio = positive_float(ratio, "ratio", "ratio is Sigma/H at both wells")
    if key == "equal-hessian":
        hA = 2.0 if H_A is None else H_A
        hB = hA if H_B is None else H_B
        if hA != hB:
            raise ValueError(f"the equal-hessian variant needs H_A == H_B, got {hA!r} and {hB!r}")
    elif key == "unequal-hessian":
        hA = 2.0 if H_A is None else H_A
        hB = 8.0 if H_B is None else H_B
    else:
        raise ValueError(f"`variant` must be 'equal-hessian' or 'unequal-hessian', got {variant!r}")
    claims = {"Sigma_A/H_A = Sigma_B/H_B": ratio, "pi(A)": 0.5, "pi(B)": 0.5,
              "Laplace ratio pi(A)/pi(B)": 1.0, "violated condition": "N3"}
    if key == "equal-hessian":
        notes = "Sigma is constant and L symmetric, so pi(A) = pi(B) = 1/2 exactly at every eta. " + _GAPS_NOTE
    else:
        notes = _notes(noise_profile, "With Sigma larger at well B the exact stationary law is far from the paper's "
                                      "1/2 : 1/2 (it favours A), although Sigma/H is equal at both wells. ")
    return double_well(hA, hB, ratio * hA, ratio * hB, barrier, batch_size=batch_size, gaps=gaps,
                       key=f"f3-{key}", name=f"F3 degenerate selection ({key})", paper_claims=claims, notes=notes,
                       eta=eta, n_iterations=n_iterations,
                       **_profile_args(noise_profile, switch_at, switch_width, steepness))


def f4_landscape(loss_min: float = 0.1, H: float = 2.0, Sigma_A: float = 20.0, Sigma_B: float = 1.0,
                 barrier: float = 10.0, *, eta: float = 0.2, n_iterations: int = 10 ** 6, batch_size: int = 1,
                 gaps: Tuple[float, float] = (0.05, 0.5), noise_profile: str = "tanh",
                 switch_at: Optional[float] = None, switch_width: Optional[float] = None,
                 steepness: Optional[float] = None) -> Construction:
    r"""F4, noise–generalisation reversal: the good well has the larger noise.

    :math:`L_A = L_B = 0.1`, :math:`H_A = H_B = 2`, :math:`\Sigma_A = 20` (good
    well, low generalisation gap), :math:`\Sigma_B = 1` (bad well, high gap),
    barrier 10 in ``L``; wells at :math:`\mp\sqrt{40}` (``L`` is the symmetric
    quartic :math:`0.1 + 10(1 - \theta^2/40)^2`).

    Paper: :math:`\Delta U_A = 10/20 = 0.5`, :math:`\Delta U_B = 10/1 = 10`,
    :math:`\tau_A/\tau_B \sim e^{-19/\eta}`.  On the default (tanh)
    construction the exact barriers are these to ~1e-4 and
    :math:`\eta\ln(\tau_A/\tau_B)` is within 0.1 of -19 at
    :math:`\eta = 0.1` (the rest is the prefactors).  The gaps (0.05 at A, 0.5
    at B) are a modelling choice that makes :math:`\mathrm{Corr}(\Sigma,
    \mathrm{Gap}) < 0` (N4 violated); the leave-one-out proxy
    :math:`\Sigma/(H(n-1))` would instead rank A worse.  At the default
    :math:`\eta = 0.2` (the paper gives none) the diffusion leaves A after
    ~10^3 iterations and B after ~10^45, so with :math:`T = 10^6` SGD started
    in A ends in B; real two-sample SGD, whose kicks are bounded, leaves A
    several times more slowly than the diffusion.

    Parameters
    ----------
    loss_min, H, Sigma_A, Sigma_B, barrier : float
        The paper's loss value, curvature, noise variances and barrier.
    eta : float
        The learning rate the construction is about.
    n_iterations : int
        The training length :math:`T` in SGD iterations.
    batch_size : int
        ``B`` (1 or 2).
    gaps : (float, float)
        Generalisation gaps of wells A and B (a modelling choice).
    noise_profile, switch_at, switch_width, steepness
        The noise profile and its parameters (:func:`double_well`).

    Returns
    -------
    Construction

    Examples
    --------
    >>> c = f4_landscape()
    >>> c.generalization_gaps
    {'A': 0.05, 'B': 0.5}
    """
    claims = {"Delta U_A (barrier/Sigma_A)": 0.5, "Delta U_B (barrier/Sigma_B)": 10.0,
              "eta * ln(tau_A/tau_B)": -19.0, "Gap_A proxy * (n-1)": 10.0, "Gap_B proxy * (n-1)": 0.5,
              "violated condition": "N4"}
    return double_well(H, H, Sigma_A, Sigma_B, barrier, loss_min=loss_min, batch_size=batch_size, gaps=gaps,
                       key="f4", name="F4 noise-generalisation reversal", paper_claims=claims,
                       notes=_notes(noise_profile), eta=eta, n_iterations=n_iterations,
                       **_profile_args(noise_profile, switch_at, switch_width, steepness))


def healthy_landscape(H_A: float = 2.0, Sigma_A: float = 1.0, H_B: float = 2.0, Sigma_B: float = 4.0,
                      barrier: float = 0.25, *, eta: float = 0.1, n_iterations: int = 10 ** 6, batch_size: int = 1,
                      gaps: Tuple[float, float] = (0.05, 0.5), noise_profile: str = "tanh",
                      switch_at: Optional[float] = None, switch_width: Optional[float] = None,
                      steepness: Optional[float] = None) -> Construction:
    r"""A two-well landscape built to satisfy N1–N4 at :math:`\eta = 0.1`, :math:`T = 10^6`.

    * N1: the barrier (0.25 in ``L``; :math:`V_{\mathrm{eff}}` barriers 0.25
      from A, 0.0625 from B) is low enough that :math:`\eta T = 10^5` dwarfs
      the mixing time;
    * N2: per-sample Hessians at the wells are 2, far below :math:`2/\eta = 20`;
    * N3: :math:`\Sigma/H` = 0.5 at A and 2 at B differ, and the stationary law
      puts most of its mass in A;
    * N4: the low-noise well A also has the low gap (0.05 against 0.5), so
      :math:`\mathrm{Corr}(\Sigma, \mathrm{Gap}) = +1`.

    Parameters
    ----------
    H_A, Sigma_A, H_B, Sigma_B, barrier : float
        Curvatures, noise variances and barrier.
    eta : float
        The learning rate the construction is about.
    n_iterations : int
        The training length :math:`T` in SGD iterations.
    batch_size : int
        ``B`` (1 or 2).
    gaps : (float, float)
        Generalisation gaps of wells A and B (a modelling choice).
    noise_profile, switch_at, switch_width, steepness
        The noise profile and its parameters (:func:`double_well`).

    Returns
    -------
    Construction

    Examples
    --------
    >>> healthy_landscape().paper_claims
    {'violated condition': 'none'}
    """
    return double_well(H_A, H_B, Sigma_A, Sigma_B, barrier, batch_size=batch_size, gaps=gaps, key="healthy",
                       name="healthy (N1-N4 hold at eta = 0.1)", paper_claims={"violated condition": "none"},
                       notes=_notes(noise_profile), eta=eta, n_iterations=n_iterations,
                       **_profile_args(noise_profile, switch_at, switch_width, steepness))


def f2_landscape(hessians: Sequence[float] = (18.0, 2.0), centres: Optional[Sequence[float]] = None, *,
                 eta: float = 0.15, n_iterations: int = 10 ** 4, batch_size: int = 1,
                 domain: Tuple[float, float] = (-1.0, 1.0)) -> Construction:
    r"""F2, discrete instability: quadratic per-sample losses with Hessians 18 and 2.

    :math:`\ell_i(\theta) = \tfrac12 h_i \theta^2` (:func:`quadratic_samples`):
    :math:`L = 5\theta^2` and :math:`\Sigma = 64\theta^2` vanishes at the
    minimum, so there is no Fokker–Planck stationary density and the fate of
    SGD is decided by the Lyapunov exponent
    :math:`\Lambda = \tfrac12\ln|1-18\eta| + \tfrac12\ln|1-2\eta|` (N2): the
    paper's :math:`\eta = 0.15` gives :math:`\tfrac12\ln 1.19 > 0`, while
    :math:`\eta = 0.12 > 2/18` is stable, so :math:`2/\lambda_{\max}` is a
    sufficient bound, not the threshold.

    Parameters
    ----------
    hessians, centres : sequence of float
        The per-sample Hessians and centres (:func:`quadratic_samples`).
    eta : float
        The paper's learning rate.
    n_iterations : int
        Iterations of the simulated runs.
    batch_size : int
        ``B``.
    domain : (float, float)
        The interval.

    Returns
    -------
    Construction

    Examples
    --------
    >>> f2_landscape().parameters["hessians"]
    (18.0, 2.0)
    """
    h = np.asarray(hessians, dtype=float)
    claims = {"Lambda(eta=0.15)": "0.5 ln(1.7 * 0.7) = 0.5 ln 1.19 ~ 0.0870",
              "stability threshold eta_c = 2/h_max": 2.0 / float(h.max()), "violated condition": "N2"}
    notes = ("Sigma(theta) vanishes at the minimum (interpolation): the FPE stationary density does not exist, "
             "N2 decides. The paper's 2/lambda_max is a sufficient bound, not the stability threshold: "
             "Lambda < 0 on (0, 0.1309) and (0.4248, 0.5556) for h = (18, 2), B = 1.")
    return quadratic_samples(hessians, centres, batch_size=batch_size, domain=domain, key="f2",
                             name="F2 discrete instability", paper_claims=claims, notes=notes, eta=eta,
                             n_iterations=n_iterations)


# ---------------------------------------------------------------------------- registry
#: construction name -> factory
CONSTRUCTIONS: Dict[str, Callable[..., Construction]] = {
    "f1": f1_landscape,
    "f2": f2_landscape,
    "f3-equal-hessian": functools.partial(f3_landscape, "equal-hessian"),
    "f3-unequal-hessian": functools.partial(f3_landscape, "unequal-hessian"),
    "f4": f4_landscape,
    "healthy": healthy_landscape,
}
_ALIASES = {"f3": "f3-equal-hessian"}


def available() -> Tuple[str, ...]:
    """The names accepted by :func:`construction`.

    Parameters
    ----------
    None

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> available()[:2]
    ('f1', 'f2')
    """
    return tuple(CONSTRUCTIONS)


def construction(name: str, **kwargs) -> Construction:
    """Build the construction registered as ``name`` (case-insensitive; ``_`` and ``-`` alike).

    Parameters
    ----------
    name : str
        A key of :data:`CONSTRUCTIONS` (or the alias ``"f3"``).
    **kwargs
        Passed to the factory (e.g. ``construction("f1", eta=0.05)`` or
        ``construction("f4", noise_profile="sigmoid")``).

    Returns
    -------
    Construction

    Raises
    ------
    ValueError
        For an unknown ``name``; the message lists the valid ones.

    Examples
    --------
    >>> construction("F3").key
    'f3-equal-hessian'
    """
    key = canonical_name(name)
    if key is None:
        raise ValueError(f"`name` = {name!r} is not a construction; valid names: {', '.join(CONSTRUCTIONS)} "
                         f"(and the alias 'f3' for 'f3-equal-hessian')")
    return CONSTRUCTIONS[key](**kwargs)


def canonical_name(name: str) -> Optional[str]:
    """The registry key that ``name`` denotes (case-insensitive, ``_``/``-``/space alike, aliases), or ``None``.

    Parameters
    ----------
    name : str
        A construction name such as ``"F1"`` or ``"f3_unequal_hessian"``.

    Returns
    -------
    str or None
        The key of :data:`CONSTRUCTIONS`, or ``None`` when ``name`` is not a construction.

    Examples
    --------
    >>> canonical_name("F3"), canonical_name("ou")
    ('f3-equal-hessian', None)
    """
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    return key if key in CONSTRUCTIONS else None
