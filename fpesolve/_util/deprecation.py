"""Renamed parameters keep working for one release, with a warning that names the new spelling."""

from __future__ import annotations

import functools
import warnings
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

__all__ = ["renamed_keyword", "renamed_attribute"]


def renamed_keyword(old: str, new: str, since: str = "0.2") -> Callable[[F], F]:
    """Accept the keyword ``old`` as ``new``, with a :class:`FutureWarning`.

    Passing both is a ``TypeError``; the wrapped function sees only ``new``.

    Parameters
    ----------
    old : str
        The former keyword, still accepted for one release.
    new : str
        The keyword of the signature it maps to.
    since : str
        The fpesolve version of the rename, quoted in the warning.

    Returns
    -------
    callable
        A decorator; the decorated function keeps its name, docstring and
        signature (``functools.wraps``).

    Raises
    ------
    TypeError
        At call time, when both ``old`` and ``new`` are passed.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keyword("steps", "n_iterations")
    ... def run(n_iterations=1):
    ...     return n_iterations
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = run(steps=5)
    >>> value, caught[0].category.__name__
    (5, 'FutureWarning')
    >>> run(steps=5, n_iterations=5)
    Traceback (most recent call last):
    ...
    TypeError: run() got both `steps` and `n_iterations`; `steps` was renamed `n_iterations` in fpesolve 0.2: pass only `n_iterations`
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{func.__qualname__}() got both `{old}` and `{new}`; `{old}` was renamed "
                                    f"`{new}` in fpesolve {since}: pass only `{new}`")
                warnings.warn(f"`{old}` was renamed `{new}` in fpesolve {since} ({func.__qualname__}); "
                              f"pass `{new}=`", FutureWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_attribute(old: str, new: str, since: str = "0.2") -> property:
    """A read-only property ``old`` that returns attribute ``new``, with a :class:`FutureWarning`.

    For a result field that was renamed: the old spelling keeps working for
    one release.

    Parameters
    ----------
    old : str
        The former attribute name (used in the warning).
    new : str
        The attribute it now reads.
    since : str
        The fpesolve version of the rename, quoted in the warning.

    Returns
    -------
    property
        To assign in the class body: ``route = renamed_attribute("route", "method")``.

    Examples
    --------
    >>> import warnings
    >>> class Gap:
    ...     method = "dense"
    ...     route = renamed_attribute("route", "method")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = Gap().route
    >>> value, caught[0].category.__name__, str(caught[0].message)
    ('dense', 'FutureWarning', '`Gap.route` was renamed `method` in fpesolve 0.2: read `.method`')
    """

    def getter(self):
        warnings.warn(f"`{type(self).__name__}.{old}` was renamed `{new}` in fpesolve {since}: read `.{new}`",
                      FutureWarning, stacklevel=2)
        return getattr(self, new)

    getter.__name__ = old
    getter.__doc__ = f"Deprecated alias of ``{new}`` (renamed in fpesolve {since}; warns ``FutureWarning``)."
    return property(getter)
