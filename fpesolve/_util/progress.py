"""Progress bars and compile notices: one default and one switch for the whole package.

Every function that can run for more than a few seconds takes
``progress=None``; ``None`` means the package default, which is
``"auto"``: a tqdm bar on stderr that appears only once the work has taken
more than :data:`AUTO_DELAY` seconds (so quick calls print nothing).
Change the default for a session with :func:`set_progress` or the
environment variable ``FPESOLVE_PROGRESS`` (``auto``, ``on``, ``off``).

:func:`compile_notice` prints one line on stderr, once per process and
kernel group, before numba compiles kernels that are not yet in its disk
cache ("compiling numba kernels (first run only, ~N s)").
"""

from __future__ import annotations

import contextlib
import glob
import os
import sys
from typing import Iterator, Union

__all__ = ["set_progress", "get_progress", "progress_bar", "compile_notice", "AUTO_DELAY"]

#: seconds of work after which an ``"auto"`` bar appears
AUTO_DELAY = 2.0

_MODES = {"auto": "auto", "on": True, "true": True, "1": True, "off": False, "false": False, "0": False}
_default: Union[bool, str] = _MODES.get(os.environ.get("FPESOLVE_PROGRESS", "auto").strip().lower(), "auto")
_announced = set()


def set_progress(mode: Union[bool, str, None]) -> None:
    """Set the package-wide default of every ``progress=None`` argument: ``True``, ``False`` or ``"auto"``.

    Parameters
    ----------
    mode : bool, str or None
        ``True`` (``"on"``): always show a bar; ``False`` (``"off"``): never;
        ``"auto"`` or ``None``: show one once the work has taken more than
        :data:`AUTO_DELAY` seconds.  Strings are case-insensitive (also
        ``"true"``, ``"false"``, ``"1"``, ``"0"``, as for the environment
        variable ``FPESOLVE_PROGRESS``).

    Raises
    ------
    ValueError
        For any other string.
    TypeError
        For a value that is neither a bool, a string nor ``None``.

    Examples
    --------
    >>> before = get_progress()
    >>> set_progress("off")
    >>> get_progress()
    False
    >>> set_progress(None)          # None means "auto"
    >>> get_progress()
    'auto'
    >>> set_progress(before)
    """
    global _default
    if mode is None:
        mode = "auto"
    if isinstance(mode, str):
        key = mode.strip().lower()
        if key not in _MODES:
            raise ValueError(f"`mode` must be True, False or 'auto', got {mode!r}")
        mode = _MODES[key]
    if not isinstance(mode, (bool, str)):
        raise TypeError(f"`mode` must be True, False or 'auto', got {mode!r}")
    _default = mode


def get_progress() -> Union[bool, str]:
    """The current package default (``True``, ``False`` or ``"auto"``).

    Returns
    -------
    bool or str
        What a ``progress=None`` argument means now (see :func:`set_progress`).

    Examples
    --------
    >>> get_progress() in (True, False, "auto")
    True
    """
    return _default


class _NoBar:
    def update(self, n: float = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


@contextlib.contextmanager
def progress_bar(progress: Union[bool, str, None], total: float, desc: str, unit: str = "it") -> Iterator:
    """A tqdm bar (or a do-nothing stand-in) following the ``progress`` argument and the package default.

    Parameters
    ----------
    progress : bool, str or None
        The caller's ``progress`` argument: ``None`` for the package default
        (:func:`get_progress`), ``True``, ``False`` or ``"auto"``.
    total : float
        The amount of work, in ``unit``.
    desc : str
        The label in front of the bar.
    unit : str
        The unit of ``total`` (``"it"`` for iterations).

    Yields
    ------
    bar
        An object with ``update(n)``, ``set_postfix_str(text)`` and
        ``close()``: a ``tqdm`` bar on stderr (``leave=False``; delayed by
        :data:`AUTO_DELAY` seconds in ``"auto"`` mode), or a stand-in that
        does nothing when the bar is off.

    Examples
    --------
    >>> with progress_bar(False, 100, "work") as bar:
    ...     for _ in range(100):
    ...         bar.update(1)
    """
    mode = _default if progress is None else progress
    if isinstance(mode, str):
        mode = _MODES.get(mode.strip().lower(), "auto")
    if mode is False:
        bar = _NoBar()
    else:
        from tqdm.auto import tqdm

        # a fractional amount of work (iterations under a schedule, continuous time) is shown with 4 digits
        fractional = not float(total).is_integer()
        bar_format = ("{l_bar}{bar}| {n:.4g}/{total:.4g} " + unit + " [{elapsed}<{remaining}]") if fractional else None
        bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, bar_format=bar_format,
                   delay=AUTO_DELAY if mode == "auto" else 0.0)
    try:
        yield bar
    finally:
        bar.close()


def _cached(module_file: str) -> bool:
    """Whether numba's disk cache already holds kernels of ``module_file``."""
    folder = os.path.join(os.path.dirname(module_file), "__pycache__")
    stem = os.path.splitext(os.path.basename(module_file))[0]
    return bool(glob.glob(os.path.join(folder, f"{stem}.*.nbi")))


def compile_notice(group: str, module_file: str, seconds: float, stream=None) -> None:
    """Tell the user, once per process, that numba is about to compile ``group`` (about ``seconds`` s).

    Nothing is printed when numba's disk cache already has kernels of
    ``module_file`` (a ``<module>.*.nbi`` index in its ``__pycache__``), the
    notice for ``group`` was given before, or ``NUMBA_DISABLE_JIT=1``.

    Parameters
    ----------
    group : str
        The kernels' name in the message (e.g. ``"the Fokker-Planck solver"``).
    module_file : str
        The ``__file__`` of the module that holds the ``@njit(cache=True)`` kernels.
    seconds : float
        The typical compile time, printed rounded to a whole second.
    stream : file-like, optional
        Where to print (default ``sys.stderr``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> compile_notice("a demo group", "/nonexistent/kernels.py", 12.3, stream=out)
    >>> compile_notice("a demo group", "/nonexistent/kernels.py", 12.3, stream=out)   # once per process
    >>> out.getvalue().count("a demo group") <= 1
    True
    """
    if group in _announced:
        return
    _announced.add(group)
    if _cached(module_file) or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return
    print(f"fpesolve: compiling numba kernels for {group} (first run only, ~{seconds:.0f} s)",
          file=stream or sys.stderr, flush=True)
