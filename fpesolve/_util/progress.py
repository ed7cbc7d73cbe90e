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
    """Set the package-wide default of every ``progress=None`` argument: ``True``, ``False`` or ``"auto"``."""
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
    """The current package default (``True``, ``False`` or ``"auto"``)."""
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
    """A tqdm bar (or a do-nothing stand-in) following the ``progress`` argument and the package default."""
    mode = _default if progress is None else progress
    if isinstance(mode, str):
        mode = _MODES.get(mode.strip().lower(), "auto")
    if mode is False:
        bar = _NoBar()
    else:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
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
    ``module_file`` or the notice for ``group`` was given before.
    """
    if group in _announced:
        return
    _announced.add(group)
    if _cached(module_file) or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return
    print(f"fpesolve: compiling numba kernels for {group} (first run only, ~{seconds:.0f} s)",
          file=stream or sys.stderr, flush=True)
