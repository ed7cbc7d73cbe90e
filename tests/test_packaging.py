"""Packaging metadata: the license file matches setup.cfg, py.typed ships, the README names no missing path."""

import configparser
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def test_license_file_matches_the_declared_license():
    cfg = _setup_cfg()
    assert cfg["metadata"]["license"] == "BSD-3-Clause" and cfg["metadata"]["license_files"] == "LICENSE"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Neither the name of the copyright holder nor the names of its" in text  # the third clause


def test_py_typed_marker_ships_with_the_package():
    assert (ROOT / "fpesolve" / "py.typed").is_file()
    assert _setup_cfg()["options.package_data"]["fpesolve"].split() == ["py.typed"]


def test_floors_check_reads_every_requirement_as_a_floor():
    cfg = _setup_cfg()
    lines = cfg["options"]["install_requires"].split("\n") + cfg["options.extras_require"]["test"].split("\n")
    for line in filter(None, (line.strip() for line in lines)):
        assert re.fullmatch(r"[A-Za-z0-9_.\[\]-]+\s*>=\s*[0-9.]+", line), line  # what .ci/check_floors parses
    assert (ROOT / ".ci" / "check_floors").is_file()


def test_readme_points_only_to_paths_in_the_repository():
    text = (ROOT / "README.md").read_text()
    assert "papers/" not in text
    for path in re.findall(r"`((?:docs|examples|benchmarks|\.ci|fpesolve)/[\w./-]*)`", text):
        if path.startswith("docs/_build"):
            continue  # written by the docs build the README describes, not part of a checkout
        assert (ROOT / path.rstrip("/")).exists(), path
    for command in ('python -m pip install -e . && fpesolve reproduce --quick',
                    'python -m pip install -e ".[test,dist]" && python -m pytest'):
        assert command in text


#: third-party modules fpesolve may import only lazily, inside the function that needs them, with a clear
#: ImportError (never at module level and never on the main job's path)
OPTIONAL_IMPORTS = {"pandas"}


def _requirement_names() -> set:
    lines = [ln.strip() for ln in _setup_cfg()["options"]["install_requires"].splitlines() if ln.strip()]
    return {re.split(r"[<>=!~ \[]", ln, maxsplit=1)[0].lower() for ln in lines}


def test_every_third_party_import_is_an_install_requirement():
    """A fresh ``pip install -e .`` must run everything: the library imports nothing from the test or docs
    extras (an ``import mpmath`` in reproduce once made the README's first command exit 4 on a clean machine)."""
    import ast
    import sys

    required = _requirement_names()
    offenders = []
    for path in sorted((ROOT / "fpesolve").rglob("*.py")):
        tree = ast.parse(path.read_text())
        top_level = set(id(node) for node in tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                if root in sys.stdlib_module_names or root == "fpesolve" or root.lower() in required:
                    continue
                if root in OPTIONAL_IMPORTS and id(node) not in top_level:
                    continue
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not offenders, offenders
