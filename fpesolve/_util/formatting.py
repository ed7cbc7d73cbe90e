"""Results for people and scripts: numbers carried by their log10, and JSON (private).

Times of 10^1000 iterations and gaps of 10^-1000 are carried as ``log10``
values; these helpers turn them into floats where float64 can hold them and
into readable text either way.  :func:`to_jsonable` turns results into plain
JSON types for ``--json`` output and written reports.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["float_from_log10", "format_log10", "to_jsonable"]


def float_from_log10(log10_value: float) -> float:
    """``10**log10_value``, ``inf`` above the float64 range and ``0`` below it (no OverflowError)."""
    if log10_value == -math.inf or log10_value < -340.0:
        return 0.0
    if log10_value > 308.2:
        return math.inf
    return 10.0 ** log10_value


def format_log10(log10_value: float, plain_digits: int = 10, mantissa_digits: int = 6,
                 plain_below: float = 15.0) -> str:
    """Text for ``10**log10_value``: a plain number when ``|log10_value| < plain_below``, else ``m.mmmme+N``.

    >>> format_log10(2.0), format_log10(1194.48, mantissa_digits=3)
    ('100', '3.020e+1194')
    """
    if not math.isfinite(log10_value):
        return "inf" if log10_value > 0 else "0"
    if abs(log10_value) < plain_below:
        return f"{10.0 ** log10_value:.{plain_digits}g}"
    exponent = math.floor(log10_value)
    return f"{10.0 ** (log10_value - exponent):.{mantissa_digits}f}e{int(exponent):+d}"


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types: dataclasses and objects become dicts, arrays lists, non-finite floats None."""
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
