r"""How an exact value moves with the noise profile, where the paper gives :math:`\Sigma` only at the wells.

Every profile here has the paper's :math:`\Sigma_A, \Sigma_B` at the wells,
the paper's :math:`H_A, H_B`, loss values and barrier; they differ only in
how :math:`\sqrt\Sigma` goes from one well's value to the other's:

* the faithful one (the default): a tanh step at the saddle, width
  :data:`~fpesolve.failure_modes.two_well.SWITCH_WIDTH` :math:`\ell_s`;
* wider steps at the saddle (5 and 20 times);
* the step moved 30 % of the way from the saddle toward well A, and toward well B;
* fpesolve 0.1's algebraic sigmoid between the wells.

For a profile monotone between the wells the barrier from the low-noise side
is at most :math:`\Delta V/\Sigma_{\min}` and from the high-noise side at
least :math:`\Delta V/\Sigma_{\max}`, and the paper's values are attained by
the step at the saddle as its width goes to 0.  So a claim that holds on the
faithful construction and is monotone in the barriers holds, or fails, on
all of them in the same direction; the table shows by how much the value
moves.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Tuple

from ...failure_modes.base import Construction
from ...failure_modes.constructions import construction
from ...failure_modes.two_well import SWITCH_WIDTH

__all__ = ["PROFILE_LABELS", "profile_family"]

#: the shift of the moved steps, as a fraction of the saddle-to-well distance
SHIFT = 0.3
#: widths of the wider steps, in units of the default width
WIDER = (5.0, 20.0)

PROFILE_LABELS = ("tanh at saddle (faithful)", f"tanh x{WIDER[0]:g} wider", f"tanh x{WIDER[1]:g} wider",
                  f"tanh {SHIFT:.0%} toward A", f"tanh {SHIFT:.0%} toward B", "sigmoid (fpesolve 0.1)")


def profile_family(key: str, **kwargs) -> List[Tuple[str, Construction]]:
    """The construction ``key`` under each profile of the module docstring, as ``(label, construction)``.

    Parameters
    ----------
    key : str
        A two-well construction (``"f1"``, ``"f4"``, ...).
    **kwargs
        Passed to :func:`~fpesolve.failure_modes.constructions.construction`.

    Returns
    -------
    list of (str, Construction)
        The faithful profile first.

    Examples
    --------
    >>> [label for label, _ in profile_family("f4")][:2]
    ['tanh at saddle (faithful)', 'tanh x5 wider']
    """
    base = construction(key, **kwargs)
    x_a, x_b = base.wells["A"], base.wells["B"]
    x_s = base.saddle.x
    width = base.parameters["switch_width"]
    ell_s = base.parameters["saddle_length"]
    variants: List[Dict[str, object]] = [
        {},
        {"switch_width": WIDER[0] * SWITCH_WIDTH * ell_s},
        {"switch_width": WIDER[1] * SWITCH_WIDTH * ell_s},
        {"switch_at": x_s + SHIFT * (x_a - x_s), "switch_width": width},
        {"switch_at": x_s + SHIFT * (x_b - x_s), "switch_width": width},
        {"noise_profile": "sigmoid"},
    ]
    return [(label, base if not extra else construction(key, **kwargs, **extra))
            for label, extra in zip(PROFILE_LABELS, variants)]


def evaluate(family: List[Tuple[str, Construction]],
             quantity: Callable[[Construction], Tuple[float, ...]]) -> List[Tuple[str, Tuple[float, ...]]]:
    """``quantity`` on each profile of the family.

    Parameters
    ----------
    family : list of (str, Construction)
        From :func:`profile_family`.
    quantity : callable
        A construction to a tuple of numbers.

    Returns
    -------
    list of (str, tuple of float)
        The label and the quantity, per profile.

    Examples
    --------
    >>> family = profile_family("f4")[:2]
    >>> [(label, (round(c.sigma_over_hess, 6),)) for label, (c,) in
    ...  evaluate(family, lambda land: (land.minima()[0],))]
    [('tanh at saddle (faithful)', (10.0,)), ('tanh x5 wider', (10.0,))]
    """
    return [(label, quantity(c)) for label, c in family]
