"""fpesolve's exceptions and warnings.

Bad input raises the standard :class:`ValueError` / :class:`TypeError` with a
message naming the parameter.  The classes here say more precisely what went
wrong; each subclasses the standard exception a caller would expect, so
``except ValueError`` still catches an ill-posed problem.

Exceptions
----------
:class:`IllPosedError`
    The question has no answer: the stationary density cannot be
    normalised, :math:`\\Sigma` vanishes inside the domain, an absorbing end
    has no noise.  A ``ValueError``.
:class:`ConvergenceError`
    A method did not reach the accuracy it promises (the message says what
    was reached and what to change).  A ``RuntimeError``.
:class:`CostLimitError`
    The estimated cost of a computation exceeds the limit; raised before
    the work starts, with the estimate and a cheaper route.  A ``RuntimeError``.

Warnings
--------
All derive from :class:`FpesolveWarning`, so
``warnings.simplefilter("error", fpesolve.FpesolveWarning)`` turns every one
of them into an error.

:class:`AccuracyWarning`
    A result is returned with less accuracy than asked for (the result's
    error estimate says how much).
:class:`PerformanceWarning`
    A slower route was taken (e.g. a numpy stepper where numba could not
    compile a user function); the numbers are the same.
"""

from __future__ import annotations

__all__ = ["FpesolveError", "IllPosedError", "ConvergenceError", "CostLimitError", "FpesolveWarning",
           "AccuracyWarning", "PerformanceWarning"]


class FpesolveError(Exception):
    """Base class of fpesolve's own exceptions.

    Examples
    --------
    >>> issubclass(IllPosedError, FpesolveError), issubclass(ConvergenceError, FpesolveError)
    (True, True)
    """


class IllPosedError(FpesolveError, ValueError):
    """The problem has no answer as posed (e.g. a density that cannot be normalised).

    A :class:`ValueError`: the input describes a question without an answer,
    and the message says which and what to change.

    Examples
    --------
    >>> try:
    ...     raise IllPosedError("Sigma vanishes at x = 0: no stationary law; restrict the domain")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, "caught as ValueError")
    IllPosedError caught as ValueError
    """


class ConvergenceError(FpesolveError, RuntimeError):
    """A method did not reach its stated accuracy.

    A :class:`RuntimeError`; the message says what was reached and what to change.

    Examples
    --------
    >>> issubclass(ConvergenceError, RuntimeError)
    True
    """


class CostLimitError(FpesolveError, RuntimeError):
    """The estimated cost exceeds the limit (raised before the work starts).

    A :class:`RuntimeError`; the message gives the estimate and a cheaper route.

    Examples
    --------
    >>> issubclass(CostLimitError, RuntimeError), issubclass(CostLimitError, FpesolveError)
    (True, True)
    """


class FpesolveWarning(UserWarning):
    """Base class of fpesolve's warnings.

    Examples
    --------
    Turn every fpesolve warning into an error:

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", FpesolveWarning)
    ...     try:
    ...         warnings.warn("slow route", PerformanceWarning)
    ...     except FpesolveWarning as w:
    ...         print(type(w).__name__)
    PerformanceWarning
    """


class AccuracyWarning(FpesolveWarning):
    """A result carries less accuracy than was asked for; its error estimate says how much.

    Examples
    --------
    >>> issubclass(AccuracyWarning, FpesolveWarning), issubclass(AccuracyWarning, UserWarning)
    (True, True)
    """


class PerformanceWarning(FpesolveWarning):
    """A slower route was taken; the result is the same.

    Examples
    --------
    >>> issubclass(PerformanceWarning, FpesolveWarning)
    True
    """
