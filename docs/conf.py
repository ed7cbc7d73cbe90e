"""Sphinx configuration for fpesolve.

Build (warnings are errors)::

    sphinx-build -W -b html docs docs/_build/html

The API page lists every fpesolve module in :data:`API_MODULES`; a module that
is not present in this checkout is left out with a note in the build log (so
the documentation builds while parts of the package are still being written).
A module that exists but fails to import still fails the build; to build
while such a module is being written, name it in the environment variable
``FPESOLVE_DOCS_SKIP`` (comma-separated, e.g. ``FPESOLVE_DOCS_SKIP=constructions``).
"""

import importlib.util
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

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
templates_path = []
html_static_path = []
html_theme = "alabaster"
html_title = f"fpesolve {release}"

# -- autodoc / numpydoc ---------------------------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections carry the types
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

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

# -- the API page ---------------------------------------------------------------------------------------
#: Modules documented on the API page, in reading order, with a one-line title.
API_MODULES = [
    ("core.landscape", "Landscapes: L, L', L'', Sigma"),
    ("core.grid", "Cell-centred grids"),
    ("core.basins", "Basins of attraction"),
    ("core.stationary", "The closed-form stationary density"),
    ("core.discretize", "The Scharfetter–Gummel generator"),
    ("core.evolve", "Time stepping"),
    ("core.fokker_planck", "The FokkerPlanck problem"),
    ("core.convergence", "Grid-refinement studies"),
    ("core.spectrum", "Relaxation spectrum and spectral gap"),
    ("core.green", "Green-operator power iteration (independent gap check)"),
    ("core.passage", "First passage and Kramers"),
    ("core.mixing", "Mixing times"),
    ("sgd.ensemble", "Monte Carlo SGD"),
    ("labelnoise.regularizer", "The label-noise implicit regulariser"),
    ("labelnoise.stationary", "Stationary points of L + lambda R"),
    ("labelnoise.fixed_point", "Proposition 5: the fluctuation covariance S and R_S"),
    ("labelnoise.base", "Per-sample output models"),
    ("labelnoise.models", "Squared-loss models"),
    ("labelnoise.simulation", "Label-noise SGD"),
    ("labelnoise.trajectory", "Regularised trajectories Phi and Phi^S"),
    ("labelnoise.coupling", "Lemma 1 / Proposition 5: the coupling"),
    ("labelnoise.stationarity", "Theorem 1: (epsilon, gamma)-stationarity"),
    ("labelnoise.sharpness", "Section 6.1: the largest learning rates"),
    ("labelnoise.momentum", "Section 5.1: the sign of the momentum regulariser"),
    ("labelnoise.classification", "Appendix E: classification with label flipping"),
    ("labelnoise.cycling", "Appendix F.2: minibatch SGD that cycles"),
    ("failure_modes.constructions", "Failure-mode constructions"),
    ("failure_modes.n1_mixing", "N1: mixing"),
    ("failure_modes.n2_stability", "N2: Lyapunov exponents of linearised SGD"),
    ("failure_modes.n3_selection", "N3: selection power"),
    ("failure_modes.n4_alignment", "N4: alignment"),
    ("failure_modes.reparameterization", "Proposition 5.1: reparameterisation"),
    ("failure_modes.diagnosis", "The N1–N4 diagnosis"),
    ("apps.reproduce", "Reproducing the failure modes F1–F4"),
    ("apps.reproduce_label_noise", "Reproducing the label-noise paper"),
    ("apps.label_noise_figures", "Figures of the label-noise reproduction"),
    ("apps.sweep", "Parameter sweeps"),
    ("apps.plotting", "Figures"),
    ("apps.cli", "The command line"),
]

_MARKER = ".. fpesolve-api-modules"


def _present(module: str) -> bool:
    return importlib.util.find_spec(f"fpesolve.{module}") is not None


def _api_sections() -> str:
    blocks, missing = [], []
    skip = {name.strip() for name in os.environ.get("FPESOLVE_DOCS_SKIP", "").split(",") if name.strip()}
    for module, title in API_MODULES:
        if module in skip or not _present(module):
            missing.append(module)
            continue
        heading = f"``fpesolve.{module}``: {title}"
        blocks.append(f"{heading}\n{'-' * len(heading)}\n\n.. automodule:: fpesolve.{module}\n   :members:\n")
    if missing:
        from sphinx.util import logging
        logging.getLogger(__name__).info("fpesolve API page: modules not present or skipped, left out: %s", ", ".join(missing))
    return "\n".join(blocks)


def _insert_api_sections(app, docname, source):
    if docname == "api" and _MARKER in source[0]:
        source[0] = source[0].replace(_MARKER, _api_sections())


def setup(app):
    app.connect("source-read", _insert_api_sections)
