r"""Section 6.1: the regulariser at the largest learning rates, :math:`\eta=(2-\nu)/\lambda_1`, :math:`\nu\to0`.

With :math:`\eta=(2-\nu)/\lambda_1` (:math:`\lambda_1` the largest Hessian
eigenvalue, multiplicity :math:`m_1`) the top terms of
:math:`R=\sum_ir(\lambda_i)`, :math:`r(h)=-\frac1{2\eta}\log(1-\eta h/2)`, are
:math:`\frac{\lambda_1}{2(2-\nu)}\log\frac2\nu` exactly, and the others stay
bounded, so

.. math::

    \frac{R}{\log(2/\nu)}=\frac{m_1\lambda_1}{2(2-\nu)}
        +\frac{1}{\log(2/\nu)}\sum_{\lambda_i<\lambda_1}r_{\eta}(\lambda_i)
    \;=\;\frac{m_1\lambda_1}{4}+\frac{c}{\log(2/\nu)}+O(\nu),
    \qquad c=-\frac{\lambda_1}{4}\sum_{\lambda_i<\lambda_1}\log\Big(1-\frac{\lambda_i}{\lambda_1}\Big).

The paper states the limit as :math:`\|\nabla^2L\|_2=\lambda_1`; the exact
limit is :math:`m_1\lambda_1/4`, i.e. :math:`\|\nabla^2L\|_2/4` for a simple
top eigenvalue — the same factor :math:`1/4` as in the paper's other limit
:math:`R\to\operatorname{tr}\nabla^2L/4` as :math:`\eta\to0`.  So the
interpolation the paper describes runs between
:math:`\operatorname{tr}\nabla^2L/4` and :math:`\|\nabla^2L\|_2/4`, and the
correction is indeed :math:`O(1/\log(2/\nu))` with the coefficient :math:`c`
above (the paper's footnote 2, referenced there, is not in our text).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._util.result import Result
from ._params import checked_symmetric

__all__ = ["LargeStepLimit", "large_step_limit", "TOP_MULTIPLICITY_RTOL"]

#: eigenvalues within this relative distance of the largest count as copies of it (multiplicity m_1)
TOP_MULTIPLICITY_RTOL = 1e-12


@dataclass(frozen=True, repr=False, eq=False)
class LargeStepLimit(Result):
    r""":math:`R/\log(2/\nu)` at :math:`\eta=(2-\nu)/\lambda_1` for a sequence of :math:`\nu`, with its exact limit.

    Attributes
    ----------
    nu, eta : ndarray, shape ``(q,)``
        :math:`\nu` and :math:`\eta=(2-\nu)/\lambda_1`.
    regularizer : ndarray, shape ``(q,)``
        :math:`R` at that :math:`\eta`.
    normalized : ndarray, shape ``(q,)``
        :math:`R/\log(2/\nu)`.
    limit : float
        :math:`m_1\lambda_1/4`, the exact :math:`\nu\to0` limit.
    correction : float
        :math:`c`, the coefficient of :math:`1/\log(2/\nu)`.
    remainder : ndarray, shape ``(q,)``
        ``normalized - limit - correction / log(2/nu)`` (:math:`O(\nu)`).
    spectral_norm : float
        :math:`\lambda_1=\|\nabla^2L\|_2` (the paper's stated limit).
    multiplicity : int
        :math:`m_1`.
    eigenvalues : ndarray
        The Hessian eigenvalues, ascending.

    Examples
    --------
    A doubled top eigenvalue :math:`\lambda_1=3` (:math:`m_1=2`): the limit is
    :math:`m_1\lambda_1/4=1.5`, and the remainder after the
    :math:`c/\log(2/\nu)` correction falls like :math:`\nu`:

    >>> import numpy as np
    >>> res = large_step_limit(np.diag([3.0, 3.0, 1.0]), [1e-2, 1e-6])
    >>> res.multiplicity, res.limit, round(res.correction, 6)         # c = -(3/4) log(1 - 1/3)
    (2, 1.5, 0.304099)
    >>> res.normalized.round(5).tolist(), np.abs(res.remainder).round(9).tolist()
    ([1.56487, 1.52096], [0.007470887, 7.48e-07])
    """

    nu: np.ndarray
    eta: np.ndarray
    regularizer: np.ndarray
    normalized: np.ndarray
    limit: float
    correction: float
    remainder: np.ndarray
    spectral_norm: float
    multiplicity: int
    eigenvalues: np.ndarray

    def table(self):
        """One row per :math:`\\nu`: :math:`\\eta`, :math:`R`, :math:`R/\\log(2/\\nu)` and the two-term prediction.

        Returns
        -------
        headers : tuple of str
            ``("nu", "eta", "R", "R/log(2/nu)", "limit + c/log(2/nu)")``.
        rows : list of tuple of float
            One per entry of :attr:`nu`.
        """
        headers = ("nu", "eta", "R", "R/log(2/nu)", "limit + c/log(2/nu)")
        rows = [(float(n), float(e), float(r), float(x), float(self.limit + self.correction / np.log(2.0 / n)))
                for n, e, r, x in zip(self.nu, self.eta, self.regularizer, self.normalized)]
        return headers, rows

    def summary(self) -> str:
        """One line: :math:`R/\\log(2/\\nu)` at the first and last :math:`\\nu`, the exact limit against the paper's.

        Returns
        -------
        str
            Also :math:`c` and the largest remainder.
        """
        return (f"R/log(2/nu) at eta = (2-nu)/lambda_1 (lambda_1 = {self.spectral_norm:.6g}, multiplicity "
                f"{self.multiplicity}): {self.normalized[0]:.6g} (nu={self.nu[0]:.3g}) ... {self.normalized[-1]:.6g} "
                f"(nu={self.nu[-1]:.3g}); exact limit m1 lambda_1/4 = {self.limit:.6g} (paper: ||H||_2 = "
                f"{self.spectral_norm:.6g}); correction c/log(2/nu) with c = {self.correction:.6g}; "
                f"max |remainder| = {float(np.max(np.abs(self.remainder))):.3g}")


def large_step_limit(hessian, nu) -> LargeStepLimit:
    r""":math:`R/\log(2/\nu)` as :math:`\eta=(2-\nu)/\lambda_1\to2/\lambda_1`, and its exact limit :math:`m_1\lambda_1/4`.

    Parameters
    ----------
    hessian : array_like
        A symmetric matrix of shape ``(d, d)``, or its eigenvalues (1D); the
        largest eigenvalue must be positive.
    nu : float or array_like
        Values in :math:`(0,2)`; :math:`\eta=(2-\nu)/\lambda_1`.

    Returns
    -------
    LargeStepLimit
        :math:`R` and :math:`R/\log(2/\nu)` per :math:`\nu`, the limit, :math:`c` and the remainder.

    Raises
    ------
    ValueError
        If :math:`\lambda_1\le0`, some :math:`\nu\notin(0,2)`, or the input is
        not a symmetric matrix / finite eigenvalue vector.

    Examples
    --------
    >>> res = large_step_limit([3.0, 1.0, 0.5], [1e-3, 1e-9, 1e-30])
    >>> res.limit, res.spectral_norm                       # exact limit lambda_1/4, not lambda_1
    (0.75, 3.0)
    >>> bool(abs(res.normalized[-1] - 0.75 - res.correction / np.log(2e30)) < 1e-12)
    True
    """
    arr = np.asarray(hessian, dtype=float)
    if arr.ndim == 1:
        if not np.all(np.isfinite(arr)) or arr.size == 0:
            raise ValueError("`hessian` given as eigenvalues must be a non-empty finite vector")
        h = np.sort(arr)
    else:
        h = np.linalg.eigvalsh(checked_symmetric(arr))
    lam1 = float(h[-1])
    if not lam1 > 0.0:
        raise ValueError(f"the largest Hessian eigenvalue must be positive for eta = (2 - nu)/lambda_1, got {lam1!r}")
    nus = np.atleast_1d(np.asarray(nu, dtype=float))
    if not np.all(np.isfinite(nus)) or np.any((nus <= 0.0) | (nus >= 2.0)):
        raise ValueError(f"`nu` must lie in (0, 2), got {nu!r}")
    top = np.abs(h - lam1) <= TOP_MULTIPLICITY_RTOL * lam1
    m1 = int(top.sum())
    rest = h[~top]
    eta = (2.0 - nus) / lam1
    log2nu = np.log(2.0 / nus)
    # top terms exactly: -log(1 - eta lam1 / 2) = log(2/nu)
    top_terms = m1 * log2nu / (2.0 * eta)
    others = -np.log1p(-0.5 * eta[:, None] * rest[None, :]).sum(axis=1) / (2.0 * eta) if rest.size else 0.0 * eta
    R = top_terms + others
    normalized = R / log2nu
    limit = m1 * lam1 / 4.0
    correction = float(-(lam1 / 4.0) * np.log1p(-rest / lam1).sum()) if rest.size else 0.0
    remainder = normalized - limit - correction / log2nu
    return LargeStepLimit(nu=nus, eta=eta, regularizer=R, normalized=normalized, limit=limit, correction=correction,
                          remainder=remainder, spectral_norm=lam1, multiplicity=m1, eigenvalues=h)
