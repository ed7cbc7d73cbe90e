"""The landscapes the ``fpesolve`` command accepts: built-ins, constructions and Python files.

A landscape argument is

* a construction name (:func:`fpesolve.failure_modes.constructions.available`), e.g. ``f1``;
* a built-in name (:data:`BUILTINS`): ``double-well`` or ``ou``;
* the path of a Python file defining ``landscape`` (a :class:`~fpesolve.Landscape`)
  or a function ``make_landscape()`` returning one.

An exception raised later inside a function defined in such a file is
reported as the user's (exit status 2, naming the function, the exception
and ``x``), see :mod:`fpesolve.apps.cli.failures`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Callable, Dict, List, Tuple

import numpy as np

from ...core.landscape import Landscape
from ...failure_modes import constructions
from .failures import InputError, one_line, register_user_file

__all__ = ["BUILTINS", "builtin_landscapes", "available_names", "load_landscape", "load_target"]


def _dw_loss(x):
    return x ** 4 / 4.0 - x ** 2 / 2.0


def _dw_grad(x):
    return x ** 3 - x


def _dw_hess(x):
    return 3.0 * x ** 2 - 1.0


def _dw_sigma(x):
    return 1.0 + 0.5 * np.tanh(2.0 * x)


def _dw_sigma_grad(x):
    return 1.0 / np.cosh(2.0 * x) ** 2


def _ou_loss(x):
    return x ** 2


def _ou_grad(x):
    return 2.0 * x


def _ou_hess(x):
    return np.full_like(np.asarray(x, dtype=float), 2.0)


def _ou_sigma(x):
    return np.ones_like(np.asarray(x, dtype=float))


def _ou_sigma_grad(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def _double_well() -> Landscape:
    return Landscape(grad=_dw_grad, sigma=_dw_sigma, domain=(-2.5, 2.5), loss=_dw_loss, hess=_dw_hess,
                     sigma_grad=_dw_sigma_grad, name="double-well")


def _ou() -> Landscape:
    return Landscape(grad=_ou_grad, sigma=_ou_sigma, domain=(-5.0, 5.0), loss=_ou_loss, hess=_ou_hess,
                     sigma_grad=_ou_sigma_grad, name="ou")


#: built-in landscape name -> (factory, one-line description)
BUILTINS: Dict[str, Tuple[Callable[[], Landscape], str]] = {
    "double-well": (_double_well, "L = x^4/4 - x^2/2, Sigma = 1 + 0.5 tanh(2x) on [-2.5, 2.5]"),
    "ou": (_ou, "Ornstein-Uhlenbeck: L = x^2, Sigma = 1 on [-5, 5]"),
}


def builtin_landscapes() -> Dict[str, str]:
    """The built-in landscape names with a one-line description each.

    Returns
    -------
    dict of str to str
        Name to description.

    Examples
    --------
    >>> sorted(builtin_landscapes())
    ['double-well', 'ou']
    """
    return {name: text for name, (_, text) in BUILTINS.items()}


def available_names() -> List[str]:
    """Names accepted by :func:`load_target`: the constructions, then the built-ins (each once).

    Returns
    -------
    list of str
        Construction names first.

    Examples
    --------
    >>> available_names()[0], available_names()[-2:]
    ('f1', ['double-well', 'ou'])
    """
    names = list(constructions.available())
    return names + [name for name in BUILTINS if name not in names]


def load_target(spec: str) -> Landscape:
    """Resolve a landscape argument: a Python file, a construction or a built-in.

    Parameters
    ----------
    spec : str
        A construction name (case-insensitive), a built-in name, or the path
        of a ``.py`` file.

    Returns
    -------
    Landscape
        A :class:`~fpesolve.failure_modes.constructions.Construction` for a
        construction name.

    Raises
    ------
    ValueError
        If the name is unknown (the message lists the names once) or the file
        does not define a landscape.

    Examples
    --------
    >>> load_target("F1").key, load_target("ou").domain
    ('f1', (-5.0, 5.0))
    """
    spec = str(spec)
    if spec.endswith(".py") or os.path.sep in spec or os.path.isfile(spec):
        return _load_file(spec)
    key = spec.strip().lower().replace("_", "-")
    if constructions.canonical_name(spec) is not None:
        return constructions.construction(spec)
    if key in BUILTINS:
        return BUILTINS[key][0]()
    raise InputError(f"unknown landscape or construction {spec!r}; choose one of {', '.join(available_names())} "
                     f"(see --list), or give the path of a Python file defining `landscape` or `make_landscape()`")


def load_landscape(spec: str) -> Landscape:
    """The :class:`~fpesolve.Landscape` named by ``spec`` (the same as :func:`load_target`).

    Parameters
    ----------
    spec : str
        See :func:`load_target`.

    Returns
    -------
    Landscape

    Raises
    ------
    ValueError
        See :func:`load_target`.

    Examples
    --------
    >>> load_landscape("double-well").name
    'double-well'
    """
    return load_target(spec)


def _as_landscape(obj: object, where: str) -> Landscape:
    if not isinstance(obj, Landscape):
        raise InputError(f"{where} must be a fpesolve.Landscape, got {type(obj).__name__}")
    return obj


def _load_file(path: str) -> Landscape:
    if not os.path.isfile(path):
        raise InputError(f"landscape file {path!r} does not exist")
    path = os.path.abspath(path)
    name = "_fpesolve_user_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"cannot import {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so that functions defined there can be pickled by reference
    register_user_file(path)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise InputError(f"running {path!r} failed: {type(exc).__name__}: {one_line(exc)}") from None
    if hasattr(module, "landscape"):
        return _as_landscape(module.landscape, f"`landscape` in {path!r}")
    factory = getattr(module, "make_landscape", None)
    if callable(factory):
        return _as_landscape(factory(), f"`make_landscape()` in {path!r}")
    raise InputError(f"{path!r} defines neither `landscape` (a fpesolve.Landscape) nor `make_landscape()`")
