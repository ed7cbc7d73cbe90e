"""Renamed parameters keep working for one release, with a warning that names the new spelling."""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

__all__ = ["renamed_keyword", "renamed_attribute", "renamed_method"]


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

    The one helper for renamed result fields (the warning quotes the class of
    the instance read).

    Parameters
    ----------
    old : str
        The former attribute name, still readable for one release.
    new : str
        The attribute it now reads.
    since : str
        The fpesolve version of the rename, quoted in the warning.

    Returns
    -------
    property
        To be assigned in the class body as ``old = renamed_attribute(...)``.

    Examples
    --------
    >>> import warnings
    >>> class Run:
    ...     n_iterations = 7
    ...     n_steps = renamed_attribute("n_steps", "n_iterations")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = Run().n_steps
    >>> value, str(caught[0].message)
    (7, '`Run.n_steps` was renamed `n_iterations` in fpesolve 0.2; read `Run.n_iterations`')
    """

    def getter(self):
        owner = type(self).__name__
        warnings.warn(f"`{owner}.{old}` was renamed `{new}` in fpesolve {since}; read `{owner}.{new}`",
                      FutureWarning, stacklevel=2)
        return getattr(self, new)

    getter.__name__ = old
    getter.__doc__ = f"Deprecated name of :attr:`{new}` (a FutureWarning; renamed in fpesolve {since})."
    return property(getter)


def renamed_method(owner: str, old: str, new: Callable, since: str = "0.2") -> Callable:
    """A method ``old`` that calls method ``new`` with the same arguments, with a :class:`FutureWarning`.

    Parameters
    ----------
    owner : str
        The class name, quoted in the warning.
    old : str
        The former method name, still callable for one release.
    new : callable
        The method it now calls (the function defined above in the class
        body); ``old`` gets its signature and, after a deprecation summary,
        its docstring sections.
    since : str
        The fpesolve version of the rename, quoted in the warning.

    Returns
    -------
    callable
        To be assigned in the class body as ``old = renamed_method(...)``.

    Examples
    --------
    >>> import warnings
    >>> class Run:
    ...     def mean_iterations(self, k=0):
    ...         "The mean."
    ...         return 10 + k
    ...     mean_steps = renamed_method("Run", "mean_steps", mean_iterations)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = Run().mean_steps(2)
    >>> value, str(caught[0].message)
    (12, '`Run.mean_steps()` was renamed `mean_iterations()` in fpesolve 0.2; call `Run.mean_iterations()`')
    """
    new_name = new.__name__

    @functools.wraps(new)
    def method(self, *args, **kwargs):
        warnings.warn(f"`{owner}.{old}()` was renamed `{new_name}()` in fpesolve {since}; call "
                      f"`{owner}.{new_name}()`", FutureWarning, stacklevel=2)
        return getattr(self, new_name)(*args, **kwargs)

    method.__name__ = old
    method.__qualname__ = f"{owner}.{old}"
    sections = inspect.cleandoc(new.__doc__ or "").partition("\n\n")[2]
    method.__doc__ = (f"Deprecated name of :meth:`{new_name}` (a FutureWarning; renamed in fpesolve {since}).\n\n"
                      + sections)
    return method
