"""The 0.1 flat module paths: importing one never rebinds a package attribute of the same name."""

import importlib
import subprocess
import sys
import types

import fpesolve
from fpesolve._legacy import OLD_MODULE_PATHS

#: old module paths that are also public package attributes (the attribute must win)
SHARED = [name for name in OLD_MODULE_PATHS if name in fpesolve.__all__]


def test_shared_names_are_the_known_ones():
    # if this list changes, the new name needs the same protection (and this test the new name)
    assert sorted(SHARED) == ["constructions", "discretize"]


def test_shared_aliases_are_registered_without_loading():
    # entered in sys.modules by `import fpesolve`, so the import statement loads nothing and rebinds nothing
    for name in SHARED:
        assert sys.modules[f"fpesolve.{name}"] is sys.modules[f"fpesolve.{OLD_MODULE_PATHS[name]}"]


def test_import_of_old_path_keeps_the_function():
    before = {name: getattr(fpesolve, name) for name in SHARED}
    for name in SHARED:
        module = importlib.import_module(f"fpesolve.{name}")
        assert module is importlib.import_module(f"fpesolve.{OLD_MODULE_PATHS[name]}")
        assert getattr(fpesolve, name) is before[name]
    assert isinstance(fpesolve.discretize, types.FunctionType)
    assert fpesolve.discretize is sys.modules["fpesolve.core.discretize"].discretize
    assert fpesolve.constructions is fpesolve.failure_modes.constructions


def test_fresh_interpreter_import_statement():
    # the import statement in a new process (nothing imported before), then a call of the function
    code = "\n".join([
        "import fpesolve.discretize",
        "import fpesolve.constructions",
        "from fpesolve.discretize import Discretization, discretize as f",
        "import fpesolve",
        "assert fpesolve.discretize is f and callable(fpesolve.discretize), fpesolve.discretize",
        "assert fpesolve.constructions.construction('healthy') is not None",
        "import sys; assert sys.modules['fpesolve.discretize'] is sys.modules['fpesolve.core.discretize']",
        "from fpesolve import Grid",
        "from fpesolve.failure_modes import construction",
        "d = fpesolve.discretize(construction('healthy'), 0.1, Grid.uniform(-2.0, 2.0, 40))",
        "assert isinstance(d, Discretization)",
        "print('ok')",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr


def test_schedules_import_as_a_module_path():
    """``fpesolve.schedules`` is an attribute (the module fpesolve.core.schedules) and an import path."""
    import fpesolve
    from fpesolve.core import schedules
    from fpesolve.schedules import cyclical

    assert fpesolve.schedules is schedules and cyclical is schedules.cyclical
