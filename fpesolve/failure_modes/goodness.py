r"""The paper's criteria of a good solution, G1–G4, at every minimum, and the chain G1 => G3 => G4.

Section 2.3 of the failure-modes paper calls a minimum :math:`\theta^*` good
by one or more of

* **G1** low noise ratio :math:`\Sigma(\theta^*)/H(\theta^*)`;
* **G2** low Jacobian complexity :math:`\mathcal C = \|J\|_F/\sqrt n` "in the
  interpolation regime";
* **G3** leave-one-out stability: "the stability coefficient
  :math:`\beta` is small";
* **G4** a small generalisation gap :math:`L_{\mathrm{test}} - L_{\mathrm{train}}`,

and argues that (G1) => (G3) => (G4) "under mild regularity conditions".
The paper defines neither :math:`J` nor :math:`\beta`; the readings chosen
here are:

G2
    :math:`J` is the :math:`n \times d` Jacobian of the per-sample model
    outputs :math:`f_i(\theta)` (as in Wu & Su 2023, which the paper cites for
    the interpolation regime), so in one dimension
    :math:`\mathcal C = \sqrt{\frac1n\sum_i f_i'(\theta^*)^2}`.  It is
    computed from a ``jacobian`` callable when one is given (any minimum).
    Without one it is computed only at an interpolating minimum (every
    per-sample gradient vanishes there), from the per-sample Hessians: for a
    squared loss :math:`\ell_i'' = f_i'^2 + (f_i - y_i) f_i'' = f_i'^2` there,
    so :math:`\mathcal C^2 = \frac1n\sum_i \ell_i'' = H` (``method="gauss-newton"``).
    Elsewhere G2 is not defined (``None``, with the reason).
G3
    The uniform leave-one-out stability on the training set,
    :math:`\beta = \max_{i,j} |\ell_i(\theta_{-j}) - \ell_i(\theta^*)|`, with
    :math:`\theta_{-j}` the exact refit without sample ``j``
    (:func:`~fpesolve.failure_modes.n4_alignment.leave_one_out_refits`).  Beside it the
    pointwise version :math:`\frac1n\sum_j|\ell_j(\theta_{-j}) - \ell_j(\theta^*)|`
    and the leading order of Proposition 2.2's proof
    (:math:`\theta_{-j} - \theta^* \approx \ell_j'/((n-1)H_{-j})`,
    :math:`H_{-j} = (nH - \ell_j'')/(n-1)`):
    :math:`\beta_{\mathrm{lead}} = \max_{i,j}|\ell_i'\ell_j'|/((n-1)H_{-j})`.
    Where a refit does not exist (with two samples, the one left may have no
    minimum in the basin) the leading order is used, and ``stability_method``
    says so.
G4
    The generalisation gap N4 uses (given, from a test loss, or the exact
    leave-one-out gap :math:`\frac1n\sum_j[\ell_j(\theta_{-j}) - \ell_j(\theta^*)]`).

The chain is checked pairwise over the minima: a link "X => Y" holds when
every pair of minima that X separates (relative difference above ``rtol``) is
ordered the same way by Y; it is ``None`` (not applicable) when X separates
no pair.  Bousquet–Elisseeff's bound :math:`|\mathrm{Gap}_{\mathrm{LOO}}| \le
\beta` holds by construction of :math:`\beta`; the link that can fail is the
ordering, and it fails on F4, where the test loss (the paper's modelling
premise) ranks the minima against :math:`\Sigma/H`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .._util.result import Result
from .._util.validation import probability
from ..core.landscape import Landscape
from ._minima import _fmt, _labels, _minima_and_basins
from .n4_alignment import leave_one_out_refits

__all__ = ["GoodnessMinimum", "ChainLink", "GoodnessResult", "check_goodness", "INTERPOLATION_RTOL"]

#: a minimum interpolates when every |l_i'| is below this fraction of the gradients' scale on the domain
INTERPOLATION_RTOL = 1e-10


@dataclass(frozen=True, repr=False)
class GoodnessMinimum(Result):
    r"""G1–G4 at one minimum (module docstring for the definitions).

    Attributes
    ----------
    label : str
        The well's label (``"A"``, ``"B"``, or ``"min0"``, ... without labelled wells).
    x : float
        Position of the minimum.
    sigma_over_hess : float
        G1: :math:`\Sigma/H` (per step, batch size included).
    interpolating : bool or None
        Whether every per-sample gradient vanishes at the minimum (``None``
        without per-sample gradients).
    jacobian_complexity : float or None
        G2: :math:`\|J\|_F/\sqrt n`.
    jacobian_method : str
        ``"jacobian"``, ``"gauss-newton"`` or why G2 is not defined.
    stability : float or None
        G3: :math:`\beta`.
    stability_method : str
        ``"exact refits"`` or ``"leading order (Prop. 2.2)"`` or why it is not defined.
    stability_pointwise : float or None
        :math:`\frac1n\sum_j|\ell_j(\theta_{-j}) - \ell_j(\theta^*)|` (exact refits only).
    stability_leading : float or None
        :math:`\beta_{\mathrm{lead}}`.
    loo_gap : float or None
        The exact leave-one-out gap (exact refits only).
    generalization_gap : float or None
        G4, in units of ``L``.

    Examples
    --------
    F4's wells: the good well A has the larger :math:`\Sigma/H` (G1) and, to
    leading order, the larger leave-one-out stability coefficient (G3), but
    the smaller generalisation gap (G4):

    >>> from fpesolve.failure_modes import check_goodness, construction
    >>> c = construction("f4")
    >>> A, B = check_goodness(c, [0.05, 0.5], gap_method="test-loss").minima
    >>> A.label, round(A.sigma_over_hess, 9), round(A.stability, 9), A.generalization_gap
    ('A', 10.0, 10.0, 0.05)
    >>> B.label, round(B.sigma_over_hess, 9), round(B.stability, 9), B.generalization_gap
    ('B', 0.5, 0.5, 0.5)
    >>> A.stability_method
    'leading order (Prop. 2.2)'
    """

    label: str
    x: float
    sigma_over_hess: float
    interpolating: Optional[bool]
    jacobian_complexity: Optional[float]
    jacobian_method: str
    stability: Optional[float]
    stability_method: str
    stability_pointwise: Optional[float]
    stability_leading: Optional[float]
    loo_gap: Optional[float]
    generalization_gap: Optional[float]


@dataclass(frozen=True, repr=False)
class ChainLink(Result):
    """One link of the chain G1 => G3 => G4: ``holds`` True, False or None (not applicable), and why.

    Attributes
    ----------
    name : str
        ``"G1 => G3"`` or ``"G3 => G4"``.
    holds : bool or None
        True when every pair of minima that the first criterion separates
        (relative difference above ``rtol``) is ordered the same way by the
        second; False when the second orders such a pair the other way or
        does not separate it; None (not applicable) when either criterion is
        undefined at some minimum or the first separates no pair.
    detail : str
        Which pairs were compared, or which pair breaks the link.

    Examples
    --------
    >>> from fpesolve.failure_modes import check_goodness, construction
    >>> link = check_goodness(construction("f4"), [0.05, 0.5]).chain[1]
    >>> link.name, link.status
    ('G3 => G4', 'violated')
    >>> link.detail
    'the generalisation gap orders A/B against beta'
    """

    name: str
    holds: Optional[bool]
    detail: str

    @property
    def status(self) -> str:
        """``"holds"``, ``"violated"`` or ``"not applicable"``."""
        return {True: "holds", False: "violated", None: "not applicable"}[self.holds]


@dataclass(frozen=True, repr=False)
class GoodnessResult(Result):
    """G1–G4 at every minimum and the chain G1 => G3 => G4 (module docstring).

    Attributes
    ----------
    minima : tuple of GoodnessMinimum
        G1–G4 at each minimum, left to right.
    gap_method : str
        Where G4 came from (``"given"``, ``"test-loss"``, ``"leave-one-out"``, or ``"none"``).
    chain : tuple of ChainLink
        ``G1 => G3`` and ``G3 => G4``.
    rtol : float
        Relative difference below which two values count as equal.

    Examples
    --------
    On F4 with its modelled gaps (0.05 at the good well A, 0.5 at B), G1 and
    G3 agree but G4 orders the wells the other way, so the paper's chain
    breaks at G3 => G4:

    >>> from fpesolve.failure_modes import check_goodness, construction
    >>> res = check_goodness(construction("f4"), [0.05, 0.5], gap_method="test-loss")
    >>> [(link.name, link.status) for link in res.chain]
    [('G1 => G3', 'holds'), ('G3 => G4', 'violated')]
    >>> res.table()[0]
    ('minimum', 'x', 'G1 Sigma/H', 'G2 ||J||_F/sqrt(n)', 'G3 beta', 'G3 method', 'G4 gap')
    """

    minima: Tuple[GoodnessMinimum, ...]
    gap_method: str
    chain: Tuple[ChainLink, ...]
    rtol: float

    def table(self):
        """One row per minimum: G1, G2, G3 (and its method), G4.

        Returns
        -------
        headers : tuple of str
            ``("minimum", "x", "G1 Sigma/H", "G2 ||J||_F/sqrt(n)", "G3 beta", "G3 method", "G4 gap")``.
        rows : list of tuple
            One per minimum: the label, ``x`` and G1 as floats, G2, G3 and G4
            as texts (``"-"`` where undefined), the G3 method.
        """
        rows = [(m.label, m.x, m.sigma_over_hess, _fmt(m.jacobian_complexity), _fmt(m.stability),
                 m.stability_method, _fmt(m.generalization_gap)) for m in self.minima]
        return ("minimum", "x", "G1 Sigma/H", "G2 ||J||_F/sqrt(n)", "G3 beta", "G3 method", "G4 gap"), rows

    def summary(self) -> str:
        """The G1–G4 table and the chain.

        Returns
        -------
        str
            The :meth:`table` with a headline naming the source of the gaps,
            then one line per link of the chain with its status and detail.
        """
        head, rows = self.table()
        lines = [f"G1-G4 at the minima (G4 gaps: {self.gap_method})",
                 f"  {head[0]:>8s} {head[1]:>12s} {head[2]:>11s} {head[3]:>19s} {head[4]:>12s}  {head[5]:<26s} "
                 f"{head[6]:>10s}"]
        for r in rows:
            lines.append(f"  {r[0]:>8s} {r[1]:>+12.6g} {r[2]:>11.6g} {r[3]:>19s} {r[4]:>12s}  {r[5]:<26s} {r[6]:>10s}")
        for link in self.chain:
            lines.append(f"  {link.name}: {link.status} ({link.detail})")
        return "\n".join(lines)


def _ordering(name_x: str, x: Sequence[Optional[float]], name_y: str, y: Sequence[Optional[float]],
              labels: Sequence[str], rtol: float, link: str) -> ChainLink:
    """A pairwise link: every pair that ``x`` separates is ordered the same way by ``y``."""
    if any(v is None for v in x) or any(v is None for v in y):
        return ChainLink(link, None, f"{name_x if any(v is None for v in x) else name_y} is not defined at every "
                                     f"minimum")
    counted, broken = 0, []
    for i, j in itertools.combinations(range(len(labels)), 2):
        dx, dy = x[j] - x[i], y[j] - y[i]
        if abs(dx) <= rtol * max(abs(x[i]), abs(x[j]), 1e-300):
            continue
        counted += 1
        if abs(dy) <= rtol * max(abs(y[i]), abs(y[j]), 1e-300) or (dx > 0) != (dy > 0):
            broken.append(f"{labels[i]}/{labels[j]}")
    if counted == 0:
        return ChainLink(link, None, f"{name_x} is equal at the minima: no ordering to pass on")
    if broken:
        return ChainLink(link, False, f"{name_y} orders {', '.join(broken)} against {name_x}")
    return ChainLink(link, True, f"{name_y} orders the minima as {name_x} does ({counted} pair(s))")


def check_goodness(landscape: Landscape, generalization_gaps: Optional[Sequence[float]] = None, *,
                   gap_method: str = "given", jacobian: Optional[Callable[[np.ndarray], np.ndarray]] = None,
                   rtol: float = 1e-6) -> GoodnessResult:
    r"""G1–G4 at every minimum of ``landscape`` and the chain G1 => G3 => G4 (module docstring).

    Parameters
    ----------
    landscape : Landscape
        G2 and G3 need per-sample gradients (:meth:`~fpesolve.Landscape.from_samples`);
        without them only G1 and G4 are filled in.
    generalization_gaps : sequence of float, optional
        G4, one per minimum left to right (e.g. :class:`~fpesolve.failure_modes.n4_alignment.N4Result`'s
        ``gaps``); default the exact leave-one-out gaps where the refits exist.
    gap_method : str
        A label for where the given gaps came from.
    jacobian : callable, optional
        ``x`` of shape ``(m,)`` to the per-sample output derivatives
        :math:`f_i'(x)`, shape ``(n, m)``, for G2 at every minimum.
    rtol : float
        Values closer than this (relative) count as equal in the chain.

    Returns
    -------
    GoodnessResult

    Raises
    ------
    ValueError
        A gap array of the wrong length, or a ``jacobian`` of the wrong shape.

    Examples
    --------
    >>> from fpesolve.failure_modes.constructions import construction
    >>> c = construction("f4")
    >>> res = check_goodness(c, [c.generalization_gaps["A"], c.generalization_gaps["B"]], gap_method="test-loss")
    >>> [link.status for link in res.chain]
    ['holds', 'violated']
    """
    rtol = probability(rtol, "rtol")
    minima, _ = _minima_and_basins(landscape)
    labels = _labels(landscape, minima)
    xs = np.array([cp.x for cp in minima])
    samples = landscape.samples
    n = None if samples is None else samples.n
    grads = hessians = losses_star = None
    interpolating: Sequence[Optional[bool]] = [None] * len(minima)
    if samples is not None:
        grads = samples.evaluate("grads", xs)                        # (n, k)
        losses_star = samples.evaluate("losses", xs)
        if samples.hessians is not None:
            hessians = samples.evaluate("hessians", xs)
        a, b = landscape.domain
        scale = float(np.max(np.abs(samples.evaluate("grads", np.linspace(a, b, 257))))) or 1.0
        interpolating = [bool(np.all(np.abs(grads[:, k]) <= INTERPOLATION_RTOL * scale)) for k in range(len(minima))]

    # G2
    g2: list = []
    if jacobian is not None:
        jac = np.asarray(jacobian(xs), dtype=float)
        if jac.ndim != 2 or jac.shape[1] != xs.size or not np.all(np.isfinite(jac)):
            raise ValueError(f"`jacobian` must return finite values of shape (n, {xs.size}) at the minima, got "
                             f"shape {jac.shape}")
        g2 = [(float(np.sqrt(np.mean(jac[:, k] ** 2))), "jacobian") for k in range(xs.size)]
    else:
        for k in range(xs.size):
            if interpolating[k] and hessians is not None:
                g2.append((float(math.sqrt(max(float(np.mean(hessians[:, k])), 0.0))), "gauss-newton"))
            elif interpolating[k] is None:
                g2.append((None, "no per-sample gradients"))
            elif not interpolating[k]:
                g2.append((None, "not interpolating (give `jacobian`)"))
            else:
                g2.append((None, "no per-sample Hessians"))

    # G3: exact refits where they exist, else the leading order of Prop. 2.2
    g3 = [(None, "no per-sample losses", None, None, None)] * xs.size
    if samples is not None and n is not None and n >= 2:
        try:
            refits = leave_one_out_refits(landscape, xs)
        except ValueError:
            refits = None
        g3 = []
        for k in range(xs.size):
            lead = None
            if hessians is not None:
                h_loo = (n * minima[k].hess - hessians[:, k]) / (n - 1)
                if np.all(h_loo > 0):
                    g = grads[:, k]
                    lead = float(np.max(np.abs(g)[:, None] * np.abs(g)[None, :] / ((n - 1) * h_loo[None, :])))
            if refits is not None:
                at_refits = samples.evaluate("losses", refits[k])     # (n_i, n_j)
                diff = at_refits - losses_star[:, k][:, None]
                g3.append((float(np.max(np.abs(diff))), "exact refits", float(np.mean(np.abs(np.diag(diff)))),
                           lead, float(np.mean(np.diag(diff)))))
            elif lead is not None:
                g3.append((lead, "leading order (Prop. 2.2)", None, lead, None))
            else:
                g3.append((None, "no refit and H_-j <= 0", None, None, None))
    elif n is not None:
        g3 = [(None, "a single sample", None, None, None)] * xs.size

    # G4
    method = gap_method
    if generalization_gaps is not None:
        gaps = [float(v) for v in np.asarray(generalization_gaps, dtype=float).ravel()]
        if len(gaps) != xs.size:
            raise ValueError(f"`generalization_gaps` has {len(gaps)} entries but the landscape has {xs.size} minima")
    elif all(entry[4] is not None for entry in g3):
        gaps, method = [entry[4] for entry in g3], "leave-one-out"
    else:
        gaps, method = [None] * xs.size, "none"

    rows = tuple(GoodnessMinimum(label=lab, x=float(cp.x), sigma_over_hess=float(cp.sigma_over_hess),
                                 interpolating=interpolating[k], jacobian_complexity=g2[k][0],
                                 jacobian_method=g2[k][1], stability=g3[k][0], stability_method=g3[k][1],
                                 stability_pointwise=g3[k][2], stability_leading=g3[k][3], loo_gap=g3[k][4],
                                 generalization_gap=gaps[k])
                 for k, (lab, cp) in enumerate(zip(labels, minima)))
    g1 = [m.sigma_over_hess for m in rows]
    beta = [m.stability for m in rows]
    chain = (_ordering("Sigma/H", g1, "beta", beta, labels, rtol, "G1 => G3"),
             _ordering("beta", beta, "the generalisation gap", gaps, labels, rtol, "G3 => G4"))
    return GoodnessResult(minima=rows, gap_method=method, chain=chain, rtol=rtol)
