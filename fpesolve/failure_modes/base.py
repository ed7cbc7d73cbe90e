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
    """A :class:`~fpesolve.Landscape` built from per-sample losses, with its story.

    Besides everything a Landscape offers (``samples``, ``batch_size``,
    ``sample_gradients``, ``wells``, ...) a construction declares the fields
    below; functions that need them read them directly (no look-ups with a
    fallback).

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
        How :math:`\\sqrt\\Sigma` varies between the wells (``"tanh"``,
        ``"sigmoid"``), ``None`` where the noise is not a two-well profile.
    generalization_gaps : dict or None
        Well label to generalisation gap :math:`L_{\\mathrm{test}} - L` at the
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

        Raises
        ------
        ValueError
            When the construction was built without generalisation gaps.
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
        """The paper's claim ``key`` (a ``KeyError`` listing the available ones otherwise)."""
        try:
            return self.paper_claims[key]
        except KeyError:
            raise KeyError(f"construction {self.key!r} has no paper claim {key!r}; it has "
                           f"{sorted(self.paper_claims)}") from None

    def summary(self) -> str:
        """The documented critical points, generalisation gaps, the paper's claims and the notes."""
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
