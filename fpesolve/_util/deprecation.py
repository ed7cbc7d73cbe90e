"""Renamed parameters keep working for one release, with a warning that names the new spelling."""

from __future__ import annotations

import functools
import warnings
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

__all__ = ["renamed_keyword"]


def renamed_keyword(old: str, new: str, since: str = "0.2") -> Callable[[F], F]:
    """Accept the keyword ``old`` as ``new``, with a :class:`FutureWarning`.

    Passing both is a ``TypeError``; the wrapped function sees only ``new``.
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
