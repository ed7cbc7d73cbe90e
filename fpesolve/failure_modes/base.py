r"""The :class:`Construction` type: a landscape built from per-sample losses, with its story as typed fields.

A construction is a :class:`~fpesolve.Landscape` (closed-form :math:`L, L', L'',
\Sigma, \Sigma'`) that is *also* a finite sum of per-sample losses, so that
real SGD can be simulated on it, and that declares what the failure-modes
paper says about it: its wells and saddle, the generalisation gaps of the
wells, a test loss, the learning rate and training length it is about, and
the paper's leading-order claims (quoted, never used as results).
"""

from __future__ import annotations

from typing import Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from ..core.landscape import CriticalPoint, Landscape

__all__ = ["Construction"]

ClaimValue = object


class Construction(Landscape):
    r"""A :class:`~fpesolve.Landscape` built from per-sample losses, with its story.

    Besides everything a Landscape offers (``samples``, ``batch_size``,
    ``sample_gradients``, ``wells``, ...) a construction declares the fields
    below; functions that need them read them directly (no look-ups with a
    fallback).  Constructions are normally built by the factories of
    :mod:`fpesolve.failure_modes.constructions` (:func:`construction`), not by
    hand.

    Parameters
    ----------
    key : str
        The registry name (e.g. ``"f1"``).
    parameters : mapping of str to object
        The parameters the construction was built from (numbers and names),
        stored as a dict.
    documented : tuple of CriticalPoint
        The critical points from the closed forms (A, saddle, B for two wells).
    saddle : CriticalPoint, optional
        The documented saddle between the wells (``None`` for one well).
    noise_profile : str, optional
        How :math:`\sqrt\Sigma` varies between the wells (``"tanh"``,
        ``"sigmoid"``); ``None`` where the noise is not a two-well profile.
    test_loss : callable, optional
        :math:`L_{\mathrm{test}}(\theta)`, vectorised (float array in, float
        array of the same shape out), in the units of ``L``; gives
        :meth:`test_loss`.
    generalization_gaps : mapping of str to float, optional
        Well label to generalisation gap :math:`L_{\mathrm{test}} - L` at the
        well, in units of ``L``.
    paper_claims : mapping of str to object, optional
        The paper's leading-order statements, quoted (never used as results).
    notes : str
        Where the exact construction differs from the paper's reading.
    eta : float, optional
        The learning rate the construction is about.
    n_iterations : int, optional
        The training length :math:`T` in SGD iterations.
    **landscape_args
        Everything :class:`~fpesolve.Landscape` takes: ``grad``, ``sigma``,
        ``domain`` (required) and ``loss``, ``hess``, ``sigma_grad``,
        ``name``, ``samples``, ``batch_size``, ``replacement``,
        ``sample_gradients``, ``wells``.

    Attributes
    ----------
    key : str
        The registry name (e.g. ``"f1"``).
    parameters : dict
        The parameters the construction was built from (numbers and names).
    documented : tuple of CriticalPoint
        The critical points from the closed forms (A, saddle, B for two wells).
    saddle : CriticalPoint or None
        The documented saddle between the wells (``None`` for one well).
    noise_profile : str or None
        How :math:`\sqrt\Sigma` varies between the wells (``"tanh"``,
        ``"sigmoid"``), ``None`` where the noise is not a two-well profile.
    generalization_gaps : dict or None
        Well label to generalisation gap :math:`L_{\mathrm{test}} - L` at the
        well (a modelling choice, see :mod:`fpesolve.failure_modes.two_well`).
    paper_claims : dict
        The paper's leading-order statements, quoted (never used as results).
    notes : str
        Where the exact construction differs from the paper's reading.
    eta : float or None
        The learning rate the construction is about (the paper's, or the rate
        at which the healthy construction satisfies N1–N4).
    n_iterations : int or None
        The training length :math:`T` in SGD iterations (N1).

    Raises
    ------
    TypeError, ValueError
        The errors of :class:`~fpesolve.Landscape` for bad ``landscape_args``
        (a ``grad`` or ``sigma`` that is not callable, an empty ``domain``, a
        ``batch_size`` above the number of samples).

    Examples
    --------
    F1 of the failure-modes paper: wells A (good) and B (bad) with
    :math:`\Sigma/H` = 0.5 and 1, a barrier of 100 in ``L``:

    >>> from fpesolve.failure_modes import construction
    >>> c = construction("f1")
    >>> [(cp.kind, round(cp.x, 4), round(cp.sigma_over_hess, 3)) for cp in c.documented]
    [('minimum', -13.3333, 0.5), ('saddle', 2.8697, -1.231), ('minimum', 13.3333, 1.0)]
    >>> c.eta, c.n_iterations, c.claim("violated condition")
    (0.01, 1000000, 'N1')
    """

    key: str
    parameters: Dict[str, object]
    documented: Tuple[CriticalPoint, ...]
    saddle: Optional[CriticalPoint]
    noise_profile: Optional[str]
    generalization_gaps: Optional[Dict[str, float]]
    paper_claims: Dict[str, ClaimValue]
    notes: str
    eta: Optional[float]
    n_iterations: Optional[int]

    def __init__(self, *, key: str, parameters: Mapping[str, object], documented: Tuple[CriticalPoint, ...],
                 saddle: Optional[CriticalPoint] = None, noise_profile: Optional[str] = None,
                 test_loss: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                 generalization_gaps: Optional[Mapping[str, float]] = None,
                 paper_claims: Optional[Mapping[str, ClaimValue]] = None, notes: str = "",
                 eta: Optional[float] = None, n_iterations: Optional[int] = None, **landscape_args) -> None:
        super().__init__(**landscape_args)
        self.key = str(key)
        self.parameters = dict(parameters)
        self.documented = tuple(documented)
        self.saddle = saddle
        self.noise_profile = noise_profile
        self._test_loss = test_loss
        self.generalization_gaps = None if generalization_gaps is None else {str(k): float(v) for k, v in
                                                                             generalization_gaps.items()}
        self.paper_claims = dict(paper_claims or {})
        self.notes = str(notes)
        self.eta = None if eta is None else float(eta)
        self.n_iterations = None if n_iterations is None else int(n_iterations)

    def test_loss(self, x) -> np.ndarray:
        """:math:`L_{\\mathrm{test}}(x)`, the population loss the generalisation gaps come from.

        Parameters
        ----------
        x : float or array_like
            Parameter values :math:`\\theta`.

        Returns
        -------
        ndarray
            :math:`L_{\\mathrm{test}}(\\theta)`, shaped like ``x``, in the units
            of ``L``; :math:`L_{\\mathrm{test}} - L` at a well is its
            generalisation gap.

        Raises
        ------
        ValueError
            When the construction was built without a test loss (no
            generalisation gaps); give the gaps explicitly to the checks then.
        """
        if self._test_loss is None:
            raise ValueError(f"construction {self.key!r} has no test loss; give generalisation gaps explicitly")
        arr = np.asarray(x, dtype=float)
        return np.asarray(self._test_loss(arr), dtype=float)

    @property
    def has_test_loss(self) -> bool:
        """Whether :meth:`test_loss` is available."""
        return self._test_loss is not None

    def claim(self, key: str) -> ClaimValue:
        """The paper's claim ``key``, as quoted in :attr:`paper_claims`.

        Parameters
        ----------
        key : str
            A key of :attr:`paper_claims`, e.g. ``"violated condition"``.

        Returns
        -------
        object
            The quoted claim: a number or a text (never used as a result).

        Raises
        ------
        KeyError
            For a key the construction has no claim under; the message lists
            the available keys.
        """
        try:
            return self.paper_claims[key]
        except KeyError:
            raise KeyError(f"construction {self.key!r} has no paper claim {key!r}; it has "
                           f"{sorted(self.paper_claims)}") from None

    def summary(self) -> str:
        """The documented critical points, generalisation gaps, the paper's claims and the notes.

        Returns
        -------
        str
            Several lines: the critical points (``x``, ``L``, ``H``,
            :math:`\\Sigma`, :math:`\\Sigma/H`), the noise profile, the gaps,
            ``eta`` and ``n_iterations``, the claims and the notes.
        """
        lines = [f"Construction {self.key!r}: {self.name}", "  documented critical points:"]
        lines += ["    " + str(cp) for cp in self.documented]
        if self.noise_profile is not None:
            lines.append(f"  noise profile: {self.noise_profile}")
        if self.generalization_gaps:
            lines.append("  generalisation gaps (modelling choice): "
                         + ", ".join(f"{k}={v:g}" for k, v in self.generalization_gaps.items()))
        if self.eta is not None:
            lines.append(f"  eta = {self.eta:g}"
                         + (f", n_iterations = {self.n_iterations}" if self.n_iterations else ""))
        if self.paper_claims:
            lines.append("  paper's leading-order claims:")
            lines += [f"    {k}: {v}" for k, v in self.paper_claims.items()]
        if self.notes:
            lines.append("  notes: " + self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Construction(key={self.key!r}, name={self.name!r}, domain={self.domain!r})"
