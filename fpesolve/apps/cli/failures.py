"""Exit statuses of the ``fpesolve`` command and the mapping of exceptions to them.

===========  =====================================================================
exit status  meaning
===========  =====================================================================
0            success; every condition holds (``diagnose``), every check passed (``reproduce``)
1            a necessary condition is violated (``diagnose``) or a reproduction check failed
             (``reproduce``), as linters exit 1 when they find something
2            the input was refused: a bad argument, a bad landscape, an error raised inside
             the user's own landscape function, a cost above the limit; one line
             ``fpesolve: error: ...`` on stderr
3            a computation did not reach the accuracy it promises
             (:class:`~fpesolve.ConvergenceError`); one line saying what to change
4            an internal error (a bug in fpesolve): the full traceback, please report it
===========  =====================================================================

A ``ValueError`` or ``TypeError`` counts as refused input only when
fpesolve raised it on purpose (a ``raise`` statement in fpesolve's own code,
i.e. a validation) or when it comes from the user's landscape file; the same
exception raised inside numpy, scipy or Python itself while fpesolve was
running is a bug and shows its traceback.
"""

from __future__ import annotations

import dis
import os
import traceback
import types
from typing import Any, Optional, Set, Tuple

import numpy as np

from ..._util.errors import ConvergenceError, CostLimitError

__all__ = ["EXIT_OK", "EXIT_VIOLATED", "EXIT_INPUT", "EXIT_ACCURACY", "EXIT_BUG", "InputError", "classify",
           "one_line", "register_user_file"]

EXIT_OK = 0
EXIT_VIOLATED = 1
EXIT_INPUT = 2
EXIT_ACCURACY = 3
EXIT_BUG = 4

#: fpesolve's package directory: code here raises validation errors on purpose
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: the landscape methods that call a user's function, by the name of the argument they were given as
_ROLES = ("grad", "sigma", "loss", "hess", "sigma_grad")
_USER_FILES: Set[str] = set()


class InputError(ValueError):
    """A bad command-line argument (exit status 2).

    Examples
    --------
    >>> classify(InputError("`eta` must be positive, got -0.1"))
    (2, '`eta` must be positive, got -0.1')
    """


def register_user_file(path: str) -> None:
    """Remember a landscape file loaded by the CLI: exceptions raised in its code are the user's.

    Parameters
    ----------
    path : str
        The file's path (stored absolute).

    Examples
    --------
    >>> register_user_file("my_landscape.py")
    >>> os.path.abspath("my_landscape.py") in _USER_FILES
    True
    >>> _USER_FILES.discard(os.path.abspath("my_landscape.py"))
    """
    _USER_FILES.add(os.path.abspath(path))


def one_line(message: Any) -> str:
    """``message`` with its whitespace (newlines included) collapsed to single spaces.

    Parameters
    ----------
    message : object
        An exception or a text (``str()`` is taken).

    Returns
    -------
    str

    Examples
    --------
    >>> one_line("stationary mass did not converge\\n  shrink the domain")
    'stationary mass did not converge shrink the domain'
    """
    return " ".join(str(message).split())


def _frames(tb: Optional[types.TracebackType]):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _in_package(tb: types.TracebackType) -> bool:
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep)


def _raised_on_purpose(tb: types.TracebackType) -> bool:
    """Whether the innermost frame raised with a ``raise`` statement (not an operation that failed)."""
    for instruction in dis.get_instructions(tb.tb_frame.f_code):
        if instruction.offset == tb.tb_lasti:
            return instruction.opname in ("RAISE_VARARGS", "RERAISE")
    return False


def _describe_x(value: Any) -> str:
    arr = np.asarray(value) if isinstance(value, (np.ndarray, float, int, np.floating)) else None
    if arr is None or arr.dtype.kind not in "fiu":
        return f"with argument {value!r}"[:120]
    if arr.size == 1:
        return f"at x = {float(arr.ravel()[0]):.17g}"
    finite = arr[np.isfinite(arr)]
    span = f" in [{finite.min():.6g}, {finite.max():.6g}]" if finite.size else ""
    return (f"at x = an array of {arr.size} points{span} (the functions of a landscape are called with arrays "
            f"and must be vectorised)")


def _user_function_error(exc: BaseException) -> Optional[str]:
    """One line naming the user's function, the exception and x, if ``exc`` was raised in a user file."""
    frames = list(_frames(exc.__traceback__))
    user = [k for k, tb in enumerate(frames)
            if os.path.abspath(tb.tb_frame.f_code.co_filename) in _USER_FILES]
    if not user:
        return None
    outer, inner = frames[user[0]], frames[user[-1]]
    code = outer.tb_frame.f_code
    if code.co_name == "<module>":
        return None  # raised while the file itself ran: reported by the loader
    role = next((tb.tb_frame.f_code.co_name for tb in reversed(frames[:user[0]])
                 if _in_package(tb) and tb.tb_frame.f_code.co_name in _ROLES), None)
    args = code.co_varnames[:code.co_argcount]
    where = _describe_x(outer.tb_frame.f_locals[args[0]]) if args else ""
    name = f"`{code.co_name}`" + (f" (the landscape's `{role}`)" if role and role != code.co_name else "")
    place = f"{os.path.basename(inner.tb_frame.f_code.co_filename)}:{inner.tb_lineno}"
    text = one_line(exc) or "(no message)"
    return f"your function {name} raised {type(exc).__name__}: {text} {where} ({place})"


def _user_place(exc: BaseException) -> Optional[str]:
    """``file:line`` of the innermost frame of a user file in ``exc``'s traceback, if any."""
    frames = [tb for tb in _frames(exc.__traceback__)
              if os.path.abspath(tb.tb_frame.f_code.co_filename) in _USER_FILES]
    if not frames or frames[0].tb_frame.f_code.co_name == "<module>":
        return None
    return f"{os.path.basename(frames[-1].tb_frame.f_code.co_filename)}:{frames[-1].tb_lineno}"


def classify(exc: BaseException) -> Tuple[int, Optional[str]]:
    """The exit status for ``exc`` and its one-line message (``None``: print the traceback, it is a bug).

    Parameters
    ----------
    exc : BaseException
        The exception that ended the command.

    Returns
    -------
    status : int
        :data:`EXIT_INPUT` (2) for refused input (an :class:`InputError`, a
        cost above the limit, an ``OSError``, a validation ``ValueError`` or
        ``TypeError`` raised by fpesolve on purpose, an error in the user's
        landscape file, running out of memory), :data:`EXIT_ACCURACY` (3) for a
        :class:`~fpesolve.ConvergenceError`, :data:`EXIT_BUG` (4) otherwise.
    message : str or None
        The line to print after ``fpesolve: error:``; ``None`` for a bug.

    Examples
    --------
    >>> from fpesolve._util.errors import ConvergenceError
    >>> classify(ConvergenceError("the gap did not converge; use more cells"))
    (3, 'the gap did not converge; use more cells')
    >>> classify(ZeroDivisionError("division by zero"))
    (4, None)
    """
    user = _user_function_error(exc)
    if user is not None:
        return EXIT_INPUT, user
    cause = exc.__cause__
    if isinstance(exc, (ValueError, TypeError)) and cause is not None and _user_place(cause) is not None:
        # fpesolve caught the user's exception and said which function raised what, where: add the file and line
        return EXIT_INPUT, f"{one_line(exc)} ({_user_place(cause)})"
    if isinstance(exc, (InputError, CostLimitError, OSError)):
        return EXIT_INPUT, one_line(exc)
    if isinstance(exc, ConvergenceError):
        return EXIT_ACCURACY, one_line(exc)
    if isinstance(exc, MemoryError):
        return EXIT_INPUT, ("ran out of memory: the problem is too large for this machine; use fewer cells "
                            "(--n) or a smaller domain")
    if isinstance(exc, (ValueError, TypeError)):
        frames = list(_frames(exc.__traceback__))
        if frames and _in_package(frames[-1]) and _raised_on_purpose(frames[-1]):
            return EXIT_INPUT, one_line(exc)
    return EXIT_BUG, None


def bug_report(exc: BaseException) -> str:
    """The traceback of an internal error, with a line asking to report it.

    Parameters
    ----------
    exc : BaseException
        The exception (with its traceback, if it was raised).

    Returns
    -------
    str
        The formatted traceback and the request to report it (exit status 4).

    Examples
    --------
    >>> print(bug_report(ZeroDivisionError("division by zero")))     # doctest: +ELLIPSIS
    ZeroDivisionError: division by zero
    fpesolve: internal error (a bug in fpesolve, exit status 4): please report it ...
    """
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return text + ("fpesolve: internal error (a bug in fpesolve, exit status 4): please report it with the "
                   "traceback above and the command that produced it\n")
