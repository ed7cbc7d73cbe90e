"""The package's layers and their one-way dependencies, checked from the source.

Layers, lowest first: ``_util`` <- ``core`` <- {``sgd``, ``labelnoise``} <-
``failure_modes`` <- ``apps``.  A module may import from its own layer and
the layers below it, never from above; ``sgd`` and ``labelnoise`` do not
import each other.  Private names (a leading underscore) are not imported
across subpackages.
"""

import ast
import pathlib

import pytest

import fpesolve

PACKAGE = pathlib.Path(fpesolve.__file__).parent
#: layer -> the layers it may import from (besides itself)
ALLOWED = {
    "_util": set(),
    "core": {"_util"},
    "sgd": {"_util", "core"},
    "labelnoise": {"_util", "core"},
    "failure_modes": {"_util", "core", "sgd", "labelnoise"},
    "apps": {"_util", "core", "sgd", "labelnoise", "failure_modes"},
}
TOP_LEVEL = {"__init__.py", "__main__.py", "_legacy.py"}  # the package face: may import every layer


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            assert rel.name in TOP_LEVEL, f"{rel} lies outside every layer; move it into a subpackage"
            continue
        yield rel


def _imports(rel: pathlib.Path):
    """(imported fpesolve module path as a tuple of parts, imported names, line) for every import in ``rel``."""
    tree = ast.parse((PACKAGE / rel).read_text())
    package_parts = list(rel.parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "fpesolve":
                target = node.module.split(".")[1:]
            else:
                continue
            yield tuple(target), [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "fpesolve":
                    yield tuple(parts[1:]), [], node.lineno


def test_every_module_belongs_to_a_layer():
    layers = {rel.parts[0] for rel in _modules()}
    assert layers <= set(ALLOWED), f"unknown layers {layers - set(ALLOWED)}"


@pytest.mark.parametrize("rel", list(_modules()), ids=str)
def test_imports_run_one_way(rel):
    layer = rel.parts[0]
    for target, names, line in _imports(rel):
        assert target, f"{rel}:{line} imports the package root `fpesolve` (import from a layer instead)"
        other = target[0]
        if other == layer:
            continue
        assert other in ALLOWED[layer], (f"{rel}:{line} imports fpesolve.{'.'.join(target)}: layer `{layer}` may "
                                         f"only import from {sorted(ALLOWED[layer]) or 'nothing'}")
        if other != "_util":
            private_module = any(part.startswith("_") for part in target[1:])
            private_names = [n for n in names if n.startswith("_")]
            assert not private_module and not private_names, (
                f"{rel}:{line} imports private {'.'.join(target)} {private_names} from another subpackage; "
                f"make it public in its own layer or move it to _util")


def test_every_public_name_imports_from_the_top():
    for name in fpesolve.__all__:
        assert getattr(fpesolve, name) is not None


def test_old_flat_module_paths_still_import():
    import importlib

    from fpesolve._legacy import OLD_MODULE_PATHS

    for old, new in OLD_MODULE_PATHS.items():
        assert importlib.import_module(f"fpesolve.{old}") is importlib.import_module(f"fpesolve.{new}")
    assert callable(fpesolve.sweep) and fpesolve.sweep.__name__ == "sweep"
