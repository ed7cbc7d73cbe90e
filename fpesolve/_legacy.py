"""Module paths of fpesolve 0.1 (one flat folder), kept importable.

fpesolve 0.1 kept every module in one folder (``fpesolve.spectrum``,
``fpesolve.passage``, ...).  Since 0.2 the code lives in subpackages whose
dependencies run one way (``_util`` <- ``core`` <- ``sgd``, ``labelnoise`` <-
``failure_modes`` <- ``apps``).  :func:`install_module_aliases` registers the
old dotted paths in :data:`sys.modules`, so ``from fpesolve.passage import
escape_times`` keeps working; new code should import from ``fpesolve`` or from
the subpackages.  (``fpesolve.sweep`` is the sweep function; its module is
:mod:`fpesolve.apps.sweep`.)

Some old paths are also the names of package attributes: ``fpesolve.discretize``
is the function :func:`~fpesolve.discretize` and the 0.1 module path of
:mod:`fpesolve.core.discretize` (``fpesolve.constructions`` is the module
itself).  The attribute wins.  Python's import system sets ``package.<child>``
to a submodule after *loading* it, so these aliases are entered in
:data:`sys.modules` when the package is imported (their modules are loaded by
then): the import system finds them there and loads nothing, and the attribute
is never rebound.  ``from fpesolve.discretize import Discretization`` keeps
working; ``import fpesolve.discretize as m`` binds ``m`` to the function
(``import ... as`` reads the attribute): write ``from fpesolve.core import
discretize as m``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old module path (below ``fpesolve.``) -> its home since 0.2
OLD_MODULE_PATHS = {
    "landscape": "core.landscape",
    "grid": "core.grid",
    "quadrature": "core.quadrature",
    "stationary": "core.stationary",
    "discretize": "core.discretize",
    "evolve": "core.evolve",
    "fokker_planck": "core.fokker_planck",
    "spectrum": "core.spectrum",
    "green": "core.green",
    "passage": "core.passage",
    "mixing": "core.mixing",
    "convergence": "core.convergence",
    "regularizer": "labelnoise.regularizer",
    "label_noise": "labelnoise.models",
    "constructions": "failure_modes.constructions",
    "lyapunov": "failure_modes.n2_stability",
    "conditions": "failure_modes",
    "reproduce": "apps.reproduce",
    "cli": "apps.cli",
    "plotting": "apps.plotting",
}

#: module paths below ``fpesolve.`` that are not old ones but name a public module attribute of the package
#: (``fpesolve.schedules``), so that ``from fpesolve.schedules import cosine`` works like the attribute
MODULE_ATTRIBUTE_PATHS = {
    "schedules": "core.schedules",
}


def install_module_aliases() -> None:
    """Make ``import fpesolve.<old>`` resolve to the module's new home (imported only when asked for).

    Old paths that are also attributes of the package (``discretize``,
    ``constructions``) and the :data:`MODULE_ATTRIBUTE_PATHS` (``schedules``)
    are entered in :data:`sys.modules` at once, so that
    importing them does not rebind the attribute; the others are found lazily
    by a meta-path finder.
    """
    package_name = __name__.rpartition(".")[0]
    package = sys.modules[package_name]
    for old, new in {**OLD_MODULE_PATHS, **MODULE_ATTRIBUTE_PATHS}.items():
        if old in vars(package):
            sys.modules.setdefault(f"{package_name}.{old}", importlib.import_module(f"{package_name}.{new}"))
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder(package_name))


class _AliasLoader(importlib.abc.Loader):
    """Hands back the already importable new module instead of executing a file."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._own_spec  # the import system set the alias's spec; keep the module's own


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``fpesolve.<old>`` for the names of :data:`OLD_MODULE_PATHS`."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, fullname, path=None, target=None):
        prefix = self.package + "."
        old = fullname[len(prefix):] if fullname.startswith(prefix) else None
        if old not in OLD_MODULE_PATHS:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(f"{self.package}.{OLD_MODULE_PATHS[old]}"))
