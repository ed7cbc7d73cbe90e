"""Results for people and scripts: numbers carried by their log10, and JSON (private).

Times of 10^1000 iterations and gaps of 10^-1000 are carried as ``log10``
values; these helpers turn them into floats where float64 can hold them and
into readable text either way.  :func:`to_jsonable` turns results into plain
JSON types for ``--json`` output and written reports.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional

import numpy as np

__all__ = ["float_from_log10", "format_log10", "format_with_error", "significant_digits", "to_jsonable"]

#: significant digits printed for a number whose error is not known
DEFAULT_DIGITS = 6


def float_from_log10(log10_value: float) -> float:
    """``10**log10_value``, ``inf`` above the float64 range and ``0`` below it (no OverflowError).

    Parameters
    ----------
    log10_value : float
        The base-10 logarithm of the number (``-inf`` for 0).

    Returns
    -------
    float
        ``inf`` for ``log10_value > 308.2``, ``0.0`` below ``-340``.

    Examples
    --------
    >>> float_from_log10(2.0), float_from_log10(1087.6), float_from_log10(-400.0)
    (100.0, inf, 0.0)
    """
    if log10_value == -math.inf or log10_value < -340.0:
        return 0.0
    if log10_value > 308.2:
        return math.inf
    return 10.0 ** log10_value


def format_log10(log10_value: float, plain_digits: int = 10, mantissa_digits: int = 6,
                 plain_below: float = 15.0) -> str:
    """Text for ``10**log10_value``: a plain number when ``|log10_value| < plain_below``, else ``m.mmmme+N``.

    Parameters
    ----------
    log10_value : float
        The base-10 logarithm of the number.
    plain_digits : int
        Significant digits of a plain number.
    mantissa_digits : int
        Digits after the point of the mantissa in the ``m.mmmme+N`` form.
    plain_below : float
        Numbers with ``|log10_value|`` below this are printed plainly.

    Returns
    -------
    str
        ``"inf"`` or ``"0"`` for an infinite ``log10_value``.

    Examples
    --------
    >>> format_log10(2.0), format_log10(1194.48, mantissa_digits=3)
    ('100', '3.020e+1194')
    """
    if not math.isfinite(log10_value):
        return "inf" if log10_value > 0 else "0"
    if abs(log10_value) < plain_below:
        return f"{10.0 ** log10_value:.{plain_digits}g}"
    exponent = math.floor(log10_value)
    return f"{10.0 ** (log10_value - exponent):.{mantissa_digits}f}e{int(exponent):+d}"


def significant_digits(value: float, error: Optional[float] = None, default: int = DEFAULT_DIGITS) -> int:
    """How many significant digits of ``value`` its absolute ``error`` supports.

    The last digit printed is the one in the decimal place of the error's
    leading digit, so it is uncertain by at most a few units:
    ``floor(log10|value|) - floor(log10 error) + 1`` digits, at least 1 and at
    most 17 (float64).  Without an error (``None``) ``default`` digits.

    Parameters
    ----------
    value : float
        The number to print.
    error : float, optional
        Its estimated absolute error (``>= 0``); ``None`` when not known.
    default : int
        Digits when ``error`` is ``None``.

    Returns
    -------
    int
        Between 1 and 17.

    Raises
    ------
    ValueError
        If ``error`` is negative or NaN.

    Examples
    --------
    >>> significant_digits(6.2056807e-3, 2.5e-6), significant_digits(1.0, 0.0), significant_digits(3.0)
    (4, 17, 6)
    """
    if error is None:
        return int(default)
    error = float(error)
    if not error >= 0.0:
        raise ValueError(f"`error` must be a non-negative number, got {error!r}")
    value = float(value)
    if error == 0.0 or value == 0.0 or not math.isfinite(value):
        return 17 if error == 0.0 else 1
    if not math.isfinite(error):
        return 1
    digits = math.floor(math.log10(abs(value))) - math.floor(math.log10(error)) + 1
    return int(min(max(digits, 1), 17))


def format_with_error(value: float, error: Optional[float] = None, default: int = DEFAULT_DIGITS) -> str:
    """``value`` with the significant digits its absolute ``error`` supports (see :func:`significant_digits`).

    Parameters
    ----------
    value : float
        The number to print.
    error : float, optional
        Its estimated absolute error; ``None`` prints ``default`` significant digits.
    default : int
        Digits when the error is not known.

    Returns
    -------
    str
        ``format(value, ".{d}g")`` with ``d`` significant digits.

    Raises
    ------
    ValueError
        If ``error`` is negative or NaN.

    Examples
    --------
    A spectral gap 6.2056807284e-3 with a grid error of 4e-4 relative:

    >>> format_with_error(6.2056807284e-3, 4e-4 * 6.2056807284e-3)
    '0.006206'
    >>> format_with_error(2.0 / 3.0), format_with_error(2.0 / 3.0, 0.0)
    ('0.666667', '0.66666666666666663')
    """
    return f"{float(value):.{significant_digits(value, error, default)}g}"


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types: dataclasses and objects become dicts, arrays lists, non-finite floats None.

    Parameters
    ----------
    obj : object
        Anything: numbers, strings, arrays, containers, results (through
        their ``to_dict()``), dataclasses; other objects become ``str(obj)``.

    Returns
    -------
    object
        ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` or ``dict``
        (keys made strings), nested.  Dataclass fields holding matrices
        (``ndim >= 2``), callables or objects whose class sets
        ``_skip_in_json = True`` (landscapes, grids) are left out.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"t": np.float64(np.inf), "x": np.arange(3), 1: (np.int64(2), np.bool_(True))})
    {'t': None, 'x': [0, 1, 2], '1': [2, True]}
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # fields holding matrices (eigenvectors, densities over time), landscapes or grids are left out
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not f.name.startswith("_") and not _is_heavy(getattr(obj, f.name))}
    return str(obj)


def _is_heavy(value: Any) -> bool:
    """Objects that do not belong in JSON output (matrices, callables, and classes that say so).

    A class opts out of JSON output by setting ``_skip_in_json = True``
    (landscapes and grids do: they are inputs, not results).
    """
    if isinstance(value, np.ndarray):
        return value.ndim >= 2
    return bool(getattr(type(value), "_skip_in_json", False)) or callable(value)
