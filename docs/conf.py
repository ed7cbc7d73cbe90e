"""Sphinx configuration for fpesolve.

Build (warnings are errors)::

    sphinx-build -W -b html docs docs/_build/html

The API reference (``docs/api/index.rst``, generated here from the ``__all__``
lists of :data:`API_SECTIONS`) has one autosummary stub page per public
function and class (``docs/api/generated/``).  numpydoc validates every
documented docstring (:data:`NUMPYDOC_CHECKS`); the objects still exempt from
a check are listed in ``docs/_numpydoc_exemptions.py``.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fpesolve  # noqa: E402

project = "fpesolve"
author = "fpesolve developers"
copyright = "fpesolve developers"
release = fpesolve.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip"]
templates_path = ["_templates"]
html_static_path = []
html_theme = "alabaster"
html_title = f"fpesolve {release}"

# -- autodoc / autosummary / numpydoc -------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections carry the types
autosummary_generate = True  # one stub page per public function and class, in docs/api/generated/
autosummary_generate_overwrite = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# numpydoc validation: a public function or class whose docstring lacks a required section is a warning,
# and ``sphinx-build -W`` turns it into a failed build.  The checks switched on:
#   PR01  a parameter of the signature is not documented        RT01  no Returns section
#   GL08  no docstring at all                                    EX01  no Examples section
NUMPYDOC_CHECKS = {"GL08", "PR01", "RT01", "EX01"}
# numpydoc's own validation (numpydoc_validation_checks) can only exempt an object from every check at once;
# _check_docstring below runs the same validator with an exemption per object and check.  Objects exempt
# until their docstrings are completed (full name -> the checks it still fails) are in
# docs/_numpydoc_exemptions.py; remove an entry when its docstring is fixed, and the build checks it too.
# To run numpydoc's validation instead, with no exemptions:  numpydoc_validation_checks = set(NUMPYDOC_CHECKS)
from _numpydoc_exemptions import EXEMPT  # noqa: E402


def _check_docstring(app, what, name, obj, options, lines):
    """Warn (an error under -W) when a public function, class or method lacks a section of NUMPYDOC_CHECKS.

    Two readings of numpydoc's checks: a method needs no Examples section of its own (EX01 applies to
    functions and classes), and a dataclass (a result) may document its fields under Attributes
    instead of Parameters (PR01).
    """
    if what not in ("function", "class", "method") or name.rsplit(".", 1)[-1].startswith("_"):
        return
    import dataclasses
    import inspect

    from numpydoc.docscrape import get_doc_object
    from numpydoc.validate import validate

    doc = get_doc_object(obj)
    skip = set(EXEMPT.get(name, ())) | ({"EX01"} if what == "method" else set())
    if what == "class" and dataclasses.is_dataclass(obj):
        documented = {part.strip() for entry in list(doc["Parameters"]) + list(doc["Attributes"])
                      for part in entry.name.split(",")}
        if set(inspect.signature(obj).parameters) <= documented:
            skip.add("PR01")
    failing = [(code, text) for code, text in validate(doc)["errors"] if code in NUMPYDOC_CHECKS - skip]
    if failing:
        from sphinx.util import logging
        logging.getLogger("numpydoc-checks").warning(
            "[numpydoc] %s: %s", name, "; ".join(f"{code} {text}" for code, text in failing))


# -- sphinx-gallery -------------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "show_signature": False,
}

# -- the API reference: generated from the __all__ lists ----------------------------------------------
#: (section title, module whose __all__ is listed, module docstring shown) in reading order; an object is
#: listed once, under the first module that exports it (so it has one page, e.g. ``fpesolve.Landscape``)
API_SECTIONS = [
    ("The package namespace", "fpesolve"),
    ("Core: landscapes, grids, the Fokker-Planck equation and what is computed from it", "fpesolve.core"),
    ("Modes of the stationary density", "fpesolve.core.modes"),
    ("Monte Carlo SGD", "fpesolve.sgd"),
    ("Label noise", "fpesolve.labelnoise"),
    ("Failure modes: constructions and the conditions N1-N4", "fpesolve.failure_modes"),
    ("Parameter sweeps", "fpesolve.apps.sweep"),
    ("Figures", "fpesolve.apps.plotting"),
    ("The command line", "fpesolve.apps.cli"),
]
API_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "api", "index.rst")


def _api_reference() -> str:
    import importlib
    import inspect

    seen = set()
    out = ["API reference", "=============", "",
           "One page per public function and class, generated from the ``__all__`` of the package and of its",
           "subpackages.  Names exported by :mod:`fpesolve` are documented under that name",
           "(``fpesolve.Landscape``); they import from their subpackages as well.", ""]
    for title, modname in API_SECTIONS:
        module = importlib.import_module(modname)
        names = []
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue  # modules, constants and the version string are described in the module docstrings
            seen.add(id(obj))
            names.append(name)
        out += [title, "-" * len(title), "", f".. automodule:: {modname}", "   :no-members:", "",
                f".. currentmodule:: {modname}", "", ".. autosummary::", "   :toctree: generated/",
                "   :nosignatures:", ""] + [f"   {name}" for name in names] + [""]
    return "\n".join(out)


def _write_api_reference() -> None:
    text = _api_reference()
    os.makedirs(os.path.dirname(API_FILE), exist_ok=True)
    old = open(API_FILE, encoding="utf-8").read() if os.path.exists(API_FILE) else None
    if text != old:  # unchanged files keep their time stamps (no needless rebuilds)
        with open(API_FILE, "w", encoding="utf-8") as fh:
            fh.write(text)


_write_api_reference()  # before Sphinx looks for source files, so autosummary sees the listing


def setup(app):
    app.connect("autodoc-process-docstring", _check_docstring, priority=400)  # before numpydoc rewrites it
