"""Small input checks shared by the public functions.

Every check raises :class:`ValueError` (or :class:`TypeError`) with a message
that quotes the offending parameter in backticks, gives the bad value and
says what to do instead.

:func:`call_user_function` calls a function the user gave (a loss, a
gradient, :math:`\\Sigma`) on a float array and turns whatever goes wrong —
an exception, strings, complex values, the wrong shape — into one message that
names the function, the point and the fix.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

__all__ = ["positive_float", "finite_float", "positive_int", "probability", "as_1d_float_array",
           "learning_rate", "call_user_function", "real_array"]

def _real_scalar(value: Any, name: str) -> float:
    """``value`` as a float; ``TypeError`` for strings, booleans, complex numbers and arrays with elements."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"`{name}` must be a real number, got {value!r}")
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(f"`{name}` must be a single real number, got an array of shape {value.shape}")
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"`{name}` must be a real number, got the complex number {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a real number, got {value!r}") from None


def positive_float(value: Any, name: str, hint: str = "") -> float:
    """Return ``value`` as a finite positive float or raise ``ValueError`` (``TypeError`` for a non-number).

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.
    hint : str
        Appended to the ``ValueError`` message (what the parameter means).

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number (strings, booleans, complex
        numbers and arrays with elements are refused).
    ValueError
        When it is not finite or ``<= 0``.

    Examples
    --------
    >>> positive_float(1, "eta")
    1.0
    >>> positive_float(-0.1, "eta", "eta is the SGD learning rate")
    Traceback (most recent call last):
    ...
    ValueError: `eta` must be a finite positive number, got -0.1; eta is the SGD learning rate
    """
    out = _real_scalar(value, name)
    if not math.isfinite(out) or out <= 0.0:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"`{name}` must be a finite positive number, got {value!r}{extra}")
    return out


def finite_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float or raise ``ValueError`` (``TypeError`` for a non-number).

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is NaN or infinite.

    Examples
    --------
    >>> finite_float(-2, "x0")
    -2.0
    """
    out = _real_scalar(value, name)
    if not math.isfinite(out):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    return out


def learning_rate(value: Any, name: str = "eta") -> float:
    """A learning rate: a finite positive *normal* float (``2/eta`` must not overflow).

    Parameters
    ----------
    value : object
        The learning rate :math:`\\eta`.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is not finite, ``<= 0``, or below the smallest normal float64
        (``np.finfo(float).tiny``, about 2.2e-308).

    Examples
    --------
    >>> learning_rate(0.1)
    0.1
    >>> learning_rate(1e-310)
    Traceback (most recent call last):
    ...
    ValueError: `eta` = 1e-310 is below the smallest normal float64 (2.23e-308): ...
    """
    out = positive_float(value, name, "eta is the SGD learning rate (the temperature of its diffusion)")
    if out < np.finfo(float).tiny:
        raise ValueError(f"`{name}` = {value!r} is below the smallest normal float64 ({np.finfo(float).tiny:.3g}): "
                         f"the exponent 2/eta of the stationary density overflows; use a learning rate >= 1e-300")
    return out


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum`` or raise.

    Parameters
    ----------
    value : object
        The argument to check; a float with an integer value (``1e6``) is accepted.
    name : str
        The parameter name quoted in backticks in the messages.
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a bool, a non-integral float or a non-number.
    ValueError
        When the value is below ``minimum``.

    Examples
    --------
    >>> positive_int(1e6, "n_iterations")
    1000000
    >>> positive_int(0, "n_walkers")
    Traceback (most recent call last):
    ...
    ValueError: `n_walkers` must be an integer >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"`{name}` must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}")
    return value


def probability(value: Any, name: str) -> float:
    """Return ``value`` as a float strictly inside (0, 1) or raise.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When ``value`` is not a real number.
    ValueError
        When it is not finite or outside (0, 1).

    Examples
    --------
    >>> probability(0.25, "eps")
    0.25
    """
    out = finite_float(value, name)
    if not 0.0 < out < 1.0:
        raise ValueError(f"`{name}` must lie strictly between 0 and 1, got {value!r}")
    return out


def as_1d_float_array(values: Any, name: str) -> np.ndarray:
    """Return a finite 1D float array (scalars become length-1 arrays).

    Parameters
    ----------
    values : array_like
        The argument to check.
    name : str
        The parameter name quoted in backticks in the messages.

    Returns
    -------
    ndarray, shape ``(n,)``

    Raises
    ------
    ValueError
        For more than one dimension or a non-finite entry (the message gives
        the value and its index).

    Examples
    --------
    >>> as_1d_float_array(2, "hessians").tolist(), as_1d_float_array([18, 2], "hessians").tolist()
    ([2.0], [18.0, 2.0])
    """
    arr = np.atleast_1d(real_array(values, name))
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"`{name}` contains a non-finite value ({float(arr[bad][0])!r}) at index {int(np.flatnonzero(bad)[0])}")
    return arr


def real_array(values: Any, name: str, origin: str = "") -> np.ndarray:
    """``values`` as a float array; ``TypeError`` for ragged sequences, strings, booleans and complex values.

    Complex values whose imaginary parts are all exactly zero are accepted
    (nothing is lost); any nonzero imaginary part is an error, never dropped.
    ``origin`` follows the backticked name in messages (e.g. ``" of landscape 'dw' at x in [0, 1]"``).

    Parameters
    ----------
    values : array_like
        The values to convert.
    name : str
        The name quoted in backticks in the messages.
    origin : str
        Text after the name in the messages.

    Returns
    -------
    ndarray of float
        Same shape as ``values`` (no copy when it is already a float array).

    Raises
    ------
    TypeError
        For ragged sequences, strings, booleans, complex values with a
        nonzero imaginary part, and objects that do not convert to float.

    Examples
    --------
    >>> real_array([1, 2], "grad").tolist(), real_array(np.array([1 + 0j]), "grad").tolist()
    ([1.0, 2.0], [1.0])
    >>> real_array([1j], "sigma")
    Traceback (most recent call last):
    ...
    TypeError: `sigma` must be real, got complex values (imaginary part 1 at index 0); ...
    """
    what = f"`{name}`{origin}"
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # ragged nested sequences
        raise TypeError(f"{what} must be a rectangular array of real numbers, got a ragged sequence ({exc})") from None
    kind = arr.dtype.kind
    if kind in "fiu":
        return arr.astype(float, copy=False)
    if kind == "c":
        imag = np.abs(arr.imag)
        if np.any(imag != 0):
            i = int(np.argmax(imag.ravel()))
            raise TypeError(f"{what} must be real, got complex values (imaginary part {imag.ravel()[i]:.3g} at index "
                            f"{i}); return the real quantity (e.g. np.abs(z)**2, not z**2); the imaginary part is "
                            f"never dropped silently")
        return arr.real.astype(float)
    if kind == "b":
        raise TypeError(f"{what} must be real numbers, got booleans")
    if kind in "USa":
        raise TypeError(f"{what} must be real numbers, got strings (dtype {arr.dtype})")
    try:
        return arr.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be real numbers, got {type(values).__name__} of dtype {arr.dtype} that does "
                        f"not convert to float") from None


def _raises(func: Callable, x: np.ndarray):
    """The exception ``func(x)`` raises, or ``None``."""
    try:
        with np.errstate(all="ignore"):
            func(x)
    except Exception as exc:  # noqa: BLE001 - reporting the user's own error
        return exc
    return None


def _first_failing_point(func: Callable, x: np.ndarray):
    """A point of ``x`` where ``func`` raises when called on it alone, found by bisection; ``(None, None)``
    when every part works on its own (the function is not vectorised)."""
    seg = x.ravel()
    exc = None
    while seg.size > 1:
        half = seg.size // 2
        for part in (seg[:half], seg[half:]):
            exc = _raises(func, part)
            if exc is not None:
                seg = part
                break
        else:
            return None, None
    if exc is None:
        exc = _raises(func, seg)
    return (float(seg[0]), exc) if exc is not None else (None, None)


def call_user_function(func: Callable, x: np.ndarray, name: str, where: str = "") -> np.ndarray:
    r"""Call a user function on the 1D float array ``x`` and return a float array shaped like ``x``.

    A 0-d result (a constant) is broadcast.  Errors say which function failed
    and how:

    * it raises on the array but not on a single float: ``TypeError``, it is
      not vectorised (use numpy operations or :func:`numpy.vectorize`);
    * it raises at some point: ``ValueError`` naming the point and the
      original exception (chained);
    * strings, booleans, complex values with a nonzero imaginary part, ragged
      lists: ``TypeError``;
    * any other shape than ``x.shape`` (e.g. a column ``(n, 1)``): ``ValueError``.

    ``where`` names the owner in messages (e.g. ``" of landscape 'dw'"``).

    Parameters
    ----------
    func : callable
        The user's function.
    x : ndarray, shape ``(n,)``
        Float points to evaluate at.
    name : str
        The function's role (``"grad"``, ``"sigma"``), quoted in the messages.
    where : str
        Text after the name in the messages.

    Returns
    -------
    ndarray, shape ``(n,)``
        ``func(x)`` as floats (a constant broadcast to the shape of ``x``).

    Raises
    ------
    TypeError
        For a function that is not vectorised, or returns strings, booleans,
        complex values or ragged lists.
    ValueError
        For a function that raises at some point (named), or returns another shape.

    Examples
    --------
    >>> import math
    >>> call_user_function(lambda x: 2.0 * x, np.array([0.5, 1.0]), "grad").tolist()
    [1.0, 2.0]
    >>> call_user_function(lambda x: 3.0, np.array([0.5, 1.0]), "sigma").tolist()     # a constant
    [3.0, 3.0]
    >>> call_user_function(lambda x: math.exp(x), np.array([0.5, 1.0]), "sigma")
    Traceback (most recent call last):
    ...
    TypeError: `sigma` is not vectorised: called with a float array of shape (2,) ...
    """
    try:
        raw = func(x)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's function; re-raised with context below
        if getattr(exc, "_fpesolve_context", False):
            raise
        bad_x, point_exc = _first_failing_point(func, x) if x.size > 1 else (float(x[0]) if x.size else None, exc)
        scalar_ok = bad_x is not None and _raises(func, bad_x) is None
        if bad_x is None or scalar_ok:
            err: Exception = TypeError(
                f"`{name}`{where} is not vectorised: called with a float array of shape {x.shape} it raised "
                f"{type(exc).__name__}: {exc}, but it works on a single float. Write it with numpy operations "
                f"(np.where instead of if/else, np.exp instead of math.exp) or wrap it with np.vectorize")
        else:
            err = ValueError(f"`{name}`{where} raised {type(point_exc).__name__}: {point_exc} at x = {bad_x!r}; "
                             f"it must be defined (and finite) on the whole domain: fix it there or shrink the domain")
        err._fpesolve_context = True  # type: ignore[attr-defined]
        raise err from exc
    span = f" (called at x in [{float(x.min()):.6g}, {float(x.max()):.6g}])" if x.size else ""
    try:
        out = real_array(raw, name, f"{where}{span}")
    except TypeError as exc:
        exc._fpesolve_context = True  # type: ignore[attr-defined]
        raise
    if out.shape != x.shape:
        if out.ndim == 0:
            return np.full(x.shape, float(out))
        err = ValueError(f"`{name}`{where} must return an array shaped like its input {x.shape}, got shape {out.shape}"
                         + ("; return a flat array (e.g. np.ravel(...)), not a column" if out.size == x.size else
                            "; it must be vectorised: one value per point of the float array it is called with"))
        err._fpesolve_context = True  # type: ignore[attr-defined]
        raise err
    return out
