"""Tests for the `fpesolve` command line, from the user's side: in process via main([...]) and via `python -m fpesolve`.

Exit statuses (fpesolve.apps.cli.failures): 0 ok, 1 violated / failed check, 2 bad input, 3 accuracy, 4 bug.
"""

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate

import fpesolve
from fpesolve._util.formatting import significant_digits
from fpesolve.apps import cli
from fpesolve.apps.cli import (EXIT_BUG, EXIT_INPUT, EXIT_OK, EXIT_VIOLATED, SUBCOMMANDS, load_landscape, load_target,
                               main, register)

COMMANDS = ["stationary", "spectrum", "mfpt", "diagnose", "reproduce"]


def _run_module(*args, env=None):
    return subprocess.run([sys.executable, "-m", "fpesolve", *args], capture_output=True, text=True, timeout=180,
                          env=env)


def _one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(r"fpesolve( [\w-]+)?: error: ", lines[0]) and "Traceback" not in err, err
    return lines[0]


# ---------------------------------------------------------------------------- help and options
def test_top_level_help_lists_every_subcommand_and_the_exit_statuses(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fpesolve")
    for name in COMMANDS:
        assert name in out
    for code in range(5):
        assert re.search(rf"^  {code}  ", out, flags=re.M), f"exit status {code} is not documented"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_subcommand_has_out_json_and_progress(name, capsys):
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fpesolve {name}")
    assert SUBCOMMANDS[name].help in " ".join(out.split())
    for option in ("--out", "--json", "--progress", "--no-progress"):
        assert option in out
    assert "(default None)" not in out


def test_diagnose_help_says_what_the_eta_default_is(capsys):
    main(["diagnose", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: the construction's own; required for a landscape file)" in text


def test_help_via_python_dash_m():
    top = _run_module("--help")
    assert top.returncode == 0 and all(name in top.stdout for name in COMMANDS)
    sub = _run_module("diagnose", "--help")
    assert sub.returncode == 0 and sub.stdout.startswith("usage: fpesolve diagnose")


def test_list_is_aligned(capsys):
    assert main(["stationary", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = fpesolve.constructions.available() + ("double-well", "ou")
    assert [line.split()[0] for line in lines] == list(names)
    starts = {len(line) - len(line[len(line.split()[0]):].lstrip()) for line in lines}
    assert len(starts) == 1  # every description starts in the same column


# ---------------------------------------------------------------------------- bad input: exit 2, one line
def test_unknown_name_is_one_line_listing_each_name_once(capsys):
    assert main(["diagnose", "no-such-construction"]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    line = _one_error_line(captured.err)
    assert line.startswith("fpesolve: error: unknown landscape or construction 'no-such-construction'")
    for name in fpesolve.constructions.available() + ("double-well", "ou"):
        assert len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", line)) == 1, name
    proc = _run_module("diagnose", "no-such-construction")
    assert proc.returncode == EXIT_INPUT and proc.stdout == ""
    _one_error_line(proc.stderr)


@pytest.mark.parametrize("argv, fragment", [
    (["stationary", "ou", "--eta", "x"], "invalid float value: 'x'"),
    (["stationary", "ou", "--eta", "-0.1"], "`eta` must be a finite positive number, got -0.1"),
    (["stationary", "ou", "--eta", "nan"], "`eta` must be a finite positive number, got nan"),
    (["stationary", "ou", "--bogus"], "unrecognized arguments: --bogus"),
    (["stationary"], "give a landscape name or file"),
    ([], "required: command"),
    (["mfpt", "ou", "--from", "7"], "`from` = 7.0 lies outside the domain"),
    (["mfpt", "ou"], "'ou' has 1 minimum; give the target with --to"),
    (["spectrum", "ou", "--n", "40.5"], "`n` must be a whole number of cells, got '40.5'"),
    (["spectrum", "ou", "--n", "2"], "`n` must be at least 3 cells"),
    (["spectrum", "ou", "-k", "0"], "`k` must be a positive number of rates"),
    (["reproduce", "everything"], "invalid choice: 'everything'"),
    (["stationary", "ou", "--out", "/no/such/dir/x.png"], "directory '/no/such/dir' does not exist"),
])
def test_bad_arguments_exit_2_with_one_line(argv, fragment, capsys):
    assert main(argv) == EXIT_INPUT
    assert fragment in _one_error_line(capsys.readouterr().err)


def test_subnormal_eta_is_refused_before_any_work():
    # issue 9: `--eta 1e-320` gave a NaN conversion error
    proc = _run_module("spectrum", "double-well", "--eta", "1e-320")
    assert proc.returncode == EXIT_INPUT and proc.stdout == ""
    line = _one_error_line(proc.stderr)
    assert "`eta` = 1e-320 is below the smallest normal float64" in line and "give eta >= 2.23e-308" in line


def test_a_billion_cells_is_a_cost_message_not_a_memory_error():
    # issue 9: `--n 1e9` gave a MemoryError traceback; the estimate (2.2 kB per cell) is refused before any work
    proc = _run_module("spectrum", "double-well", "--n", "1e9")
    assert proc.returncode == EXIT_INPUT
    line = _one_error_line(proc.stderr)
    assert "`n` = 1000000000 cells needs about 2.2e+03 GB of memory" in line and "give a smaller --n" in line


# ---------------------------------------------------------------------------- the user's own functions
def _user_file(tmp_path, body, name="mine.py"):
    path = tmp_path / name
    path.write_text("import math\nimport numpy as np\nfrom fpesolve import Landscape\n" + body)
    return str(path)


def test_user_function_raising_names_the_function_the_exception_and_x(tmp_path, capsys):
    path = _user_file(tmp_path, "def grad(x):\n    return 4.0 * x\n"
                                "def sigma(x):\n"
                                "    if np.any(np.abs(x - 0.25) < 1e-3):\n"
                                "        raise ZeroDivisionError('sigma has a pole')\n"
                                "    return 2.0 + 0.0 * x\n"
                                "landscape = Landscape(grad=grad, sigma=sigma, domain=(-1.0, 0.25 + 1e-4), name='mine')\n")
    assert main(["stationary", path]) == EXIT_INPUT
    line = _one_error_line(capsys.readouterr().err)
    # fpesolve finds the point where the user's function raised and names it; the CLI adds the file and line
    match = re.search(r"`sigma` of landscape 'mine' raised ZeroDivisionError: sigma has a pole at x = (\S+);.*"
                      r"\(mine\.py:8\)$", line)
    assert match and abs(float(match.group(1)) - 0.25) < 1e-3


def test_user_lambda_that_is_not_vectorised(tmp_path):
    path = _user_file(tmp_path, "landscape = Landscape(grad=lambda x: 2.0 * x, sigma=lambda x: 1.0 + math.exp(x), "
                                "domain=(-1.0, 1.0))\n")
    proc = _run_module("spectrum", path, "--n", "50")
    assert proc.returncode == EXIT_INPUT
    line = _one_error_line(proc.stderr)
    assert "TypeError" in line and "`sigma`" in line and "not vectorised" in line and "np.vectorize" in line


def test_user_function_raising_at_a_scalar_point_reports_that_point(tmp_path, capsys):
    # the gradient is called at single points (arrays of one value) while the critical points are refined
    path = _user_file(tmp_path, "def grad(x):\n"
                                "    if x.size == 1 and abs(float(x[0])) < 0.01:\n"
                                "        raise RuntimeError('refusing x near 0')\n"
                                "    return x ** 3 - x\n"
                                "landscape = Landscape(grad=grad, sigma=lambda x: 1.0 + 0.0 * x, domain=(-2.0, 2.0))\n")
    assert main(["mfpt", path, "--to", "1.0"]) == EXIT_INPUT
    line = _one_error_line(capsys.readouterr().err)
    match = re.search(r"`grad` of landscape '\w+' raised RuntimeError: refusing x near 0 at x = ([^;]+);.*\(mine\.py:6\)$",
                      line)
    assert match and abs(float(match.group(1))) < 0.01


def test_landscape_from_user_file(tmp_path, capsys):
    good = tmp_path / "good.py"
    good.write_text("import numpy as np\nfrom fpesolve import Landscape\n"
                    "def make_landscape():\n"
                    "    return Landscape(grad=lambda x: 4 * x, sigma=lambda x: 2 + 0 * x, domain=(-3, 3), name='mine')\n")
    assert main(["stationary", str(good), "--eta", "0.25", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # L = 2 x^2 (H = 4), Sigma = 2: one minimum at 0 with Sigma/H = 0.5
    assert data["landscape"] == "mine" and data["critical_points"][0]["sigma_over_hess"] == pytest.approx(0.5)
    direct = tmp_path / "direct.py"
    direct.write_text("from fpesolve.apps.cli import load_landscape\nlandscape = load_landscape('ou')\n")
    assert load_landscape(str(direct)).name == "ou"
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["stationary", str(empty)]) == EXIT_INPUT
    assert "defines neither `landscape`" in capsys.readouterr().err
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    assert main(["stationary", str(broken)]) == EXIT_INPUT
    assert "RuntimeError: boom" in _one_error_line(capsys.readouterr().err)


# ---------------------------------------------------------------------------- bugs show as bugs
def _bug_arguments(parser):
    parser.add_argument("kind")


@register("test-bug", help="raises", arguments=_bug_arguments)
def _run_bug(args):
    if args.kind == "index":
        return [][1]
    if args.kind == "numpy":
        return np.linspace(0.0, 1.0, -1)  # a ValueError raised inside numpy: a bug of the caller
    if args.kind == "convergence":
        raise fpesolve.ConvergenceError("did not converge; use more cells")
    return fpesolve.FokkerPlanck(load_target("ou"), -1.0, 10)  # a ValueError fpesolve raises on purpose


def test_a_bug_shows_its_traceback_and_exit_4(capsys):
    try:
        for kind in ("index", "numpy"):
            assert main(["test-bug", kind]) == EXIT_BUG
            err = capsys.readouterr().err
            assert "Traceback (most recent call last)" in err and "internal error (a bug in fpesolve" in err
        assert main(["test-bug", "convergence"]) == 3
        assert "did not converge; use more cells" in _one_error_line(capsys.readouterr().err)
        assert main(["test-bug", "input"]) == EXIT_INPUT
        assert "`eta` must be a finite positive number" in _one_error_line(capsys.readouterr().err)
    finally:
        del SUBCOMMANDS["test-bug"]


# ---------------------------------------------------------------------------- the computations
def test_stationary_json_matches_independent_quadrature(capsys):
    eta = 0.3
    assert main(["stationary", "double-well", "--eta", str(eta), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["landscape"] == "double-well" and data["eta"] == eta and data["domain"] == [-2.5, 2.5]
    assert [cp["kind"] for cp in data["critical_points"]] == ["minimum", "saddle", "minimum"]
    np.testing.assert_allclose([cp["x"] for cp in data["critical_points"]], [-1.0, 0.0, 1.0], atol=1e-12)

    # basin masses against adaptive quadrature of the closed form p ∝ exp(-(2/tau) int_0^x L'/Sigma) / Sigma
    def sigma(s):
        return 1.0 + 0.5 * np.tanh(2.0 * s)

    def unnormalised(x):
        phi = integrate.quad(lambda s: (s ** 3 - s) / sigma(s), 0.0, x, epsabs=1e-14, epsrel=1e-13)[0]
        return math.exp(-2.0 / eta * phi) / sigma(x)

    left = integrate.quad(unnormalised, -2.5, 0.0, epsabs=0, epsrel=1e-11, limit=200)[0]
    right = integrate.quad(unnormalised, 0.0, 2.5, epsabs=0, epsrel=1e-11, limit=200)[0]
    masses = [b["mass"] for b in data["basins"]]
    np.testing.assert_allclose(masses, [left / (left + right), right / (left + right)], rtol=1e-9)
    # modes of p solve L' + (tau/2) Sigma' = 0 (Ito): check the residual with the closed forms
    modes = np.array(data["modes"])
    assert modes.size == 2 and len(data["antimodes"]) == 1
    residual = modes ** 3 - modes + 0.5 * eta / np.cosh(2 * modes) ** 2
    np.testing.assert_allclose(residual, 0.0, atol=1e-12)


def test_stationary_text_is_aligned_and_draws_a_figure(tmp_path, capsys):
    out = tmp_path / "dw.png"
    assert main(["stationary", "double-well", "--eta", "0.5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    rows = [line for line in text.splitlines() if "mass=" in line]
    assert len(rows) == 2 and len({row.index("mass=") for row in rows}) == 1
    assert f"figure written to {out}" in text and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_spectrum_default_grid_is_the_api_default_and_digits_follow_the_error(capsys):
    # issue 13 item 4: `--n 400` and FokkerPlanck(L, eta, 400) are the same (uniform) grid; issue 11.5: the
    # printed digits are those the discretisation-error bound supports
    assert main(["spectrum", "ou", "--eta", "0.5", "--n", "400", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    api = fpesolve.core.spectrum(fpesolve.FokkerPlanck(load_target("ou"), 0.5, 400), 4, vectors=False,
                                 accuracy="estimate")
    assert data["grid"] == "uniform" and data["n"] == 400 and data["rates"] == api.rates.tolist()
    assert data["rates"] == fpesolve.core.spectrum(fpesolve.FokkerPlanck(load_target("ou"), 0.5, 400), 4,
                                                   vectors=False).rates.tolist()
    # OU with L = x^2: rates 2, 4, 6, 8 (exact); the stated bound must cover the true grid error (~1e-3)
    exact = np.array([2.0, 4.0, 6.0, 8.0])
    assert np.all(np.abs(np.array(data["rates"]) - exact) <= np.array(data["errors"]))
    assert np.all(np.array(data["rel_errors"]) < 5e-3)
    assert main(["spectrum", "ou", "--eta", "0.5", "--n", "400"]) == 0
    text = capsys.readouterr().out
    assert "Grid(uniform, n=400" in text and "digits shown are those the bound supports" in text
    printed = [line.split()[1] for line in text.splitlines() if re.match(r"^\s+[1-4]\s", line)]
    assert len(printed) == 4
    for value, rate, err in zip(printed, data["rates"], data["errors"]):
        digits = re.sub(r"e.*$", "", value).replace(".", "").lstrip("0")
        assert len(digits) == significant_digits(rate, err) <= 4   # error ~1e-3: 17 digits would be a lie
    assert main(["spectrum", "ou", "--eta", "0.5", "--n", "100", "--accuracy", "continuum", "--json"]) == 0
    cont = json.loads(capsys.readouterr().out)
    assert np.all(np.abs(np.array(cont["rates"]) - exact) <= np.array(cont["errors"]))
    assert max(cont["rel_errors"]) <= 1e-11
    assert main(["spectrum", "ou", "--eta", "0.5", "--n", "1e3", "--grid", "refined", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 1000


def _mfpt_quadrature(eta, start, target, n=400_001):
    """T(start -> target < start) with a reflecting right end, double well: trapezoid on a fine grid (rel ~1e-10)."""
    y = np.linspace(target, 2.5, n)
    sigma = 1.0 + 0.5 * np.tanh(2.0 * y)
    phi = integrate.cumulative_trapezoid((y ** 3 - y) / sigma, y, initial=0.0)
    p = np.exp(-2.0 / eta * phi) / sigma
    cumulative = integrate.cumulative_trapezoid(p, y, initial=0.0)
    tail = cumulative[-1] - cumulative  # int_y^b p
    integrand = tail / (0.5 * eta * sigma * p)
    inside = y <= start
    return integrate.trapezoid(integrand[inside], y[inside])


def test_mfpt_default_target_is_the_neighbouring_basin(capsys):
    # issue 13 item 6: `--from 0.9456` picked the minimum +1 of its own basin and reported T = 0.068
    assert main(["mfpt", "double-well", "--from", "0.9456", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == 0.9456 and data["to"] == pytest.approx(-1.0, abs=1e-12)
    expected = _mfpt_quadrature(0.3, 0.9456, -1.0)
    assert data["result"]["time"] == pytest.approx(expected, rel=1e-6)  # trapezoid error ~1e-9 on 4e5 points
    assert data["result"]["time"] > 10.0
    assert main(["mfpt", "double-well", "--json"]) == 0  # default: the leftmost minimum to the next basin's
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == pytest.approx(-1.0) and data["to"] == pytest.approx(1.0)


@pytest.mark.parametrize("argv", [["mfpt", "double-well"], ["diagnose", "healthy"], ["spectrum", "ou", "--n", "60"]])
def test_out_writes_a_figure_for_every_subcommand(argv, tmp_path, capsys):
    out = tmp_path / "figure.png"
    assert main(argv + ["--out", str(out)]) == 0
    assert f"figure written to {out}" in capsys.readouterr().out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_diagnose_exit_status_is_1_when_a_condition_is_violated(capsys):
    assert main(["diagnose", "f4", "--json"]) == EXIT_VIOLATED
    report = json.loads(capsys.readouterr().out)
    assert report["violated"] == ["N4"] and report["conditions"]["N4"]["status"] == "violated"
    assert main(["diagnose", "healthy"]) == EXIT_OK
    assert "all applicable conditions hold" in capsys.readouterr().out
    proc = _run_module("diagnose", "f4")
    assert proc.returncode == EXIT_VIOLATED and "N4 alignment" in proc.stdout and proc.stderr == ""


# ---------------------------------------------------------------------------- reproduce and progress
@pytest.mark.parametrize("argv, expected", [
    (["reproduce"], {"quick": False, "out": "fpesolve-output", "as_json": False, "only": None}),
    (["reproduce", "all", "--quick"], {"quick": True, "out": "fpesolve-output", "as_json": False, "only": None}),
    (["reproduce", "label-noise", "--json", "--out", "x"],
     {"quick": False, "out": "x", "as_json": True, "only": None, "part": "label-noise"}),
    (["reproduce", "failure-modes", "--only", "F1", "F3"],
     {"quick": False, "out": "fpesolve-output", "as_json": False, "only": ["F1", "F3"], "part": "failure-modes"}),
])
def test_reproduce_part_maps_to_reproduce_main(argv, expected, monkeypatch):
    from fpesolve.apps import reproduce

    calls = []
    monkeypatch.setattr(reproduce, "main", lambda **kwargs: calls.append(kwargs) or 1)
    assert main(argv) == 1  # reproduce's status (1: a check failed) is the exit status
    assert calls == [expected]


def test_progress_switch_sets_the_package_default(monkeypatch):
    from fpesolve._util import progress

    monkeypatch.setattr(progress, "_default", "auto")
    assert main(["stationary", "ou", "--no-progress"]) == 0 and progress.get_progress() is False
    assert main(["stationary", "ou", "--progress"]) == 0 and progress.get_progress() is True


def test_compile_notice_before_numba_kernels(monkeypatch, capsys):
    from fpesolve._util import progress

    monkeypatch.setattr(progress, "_cached", lambda module_file: False)  # as on a first run
    monkeypatch.setattr(progress, "_announced", set())
    assert main(["spectrum", "ou", "--n", "30"]) == 0
    err = capsys.readouterr().err
    assert err.count("fpesolve: compiling numba kernels for spectra (first run only, ~1 s)") == 1
    assert main(["spectrum", "ou", "--n", "30"]) == 0
    assert capsys.readouterr().err == ""  # once per process


def test_json_output_is_plain_json_of_the_result(capsys):
    assert main(["mfpt", "ou", "--from", "0", "--to", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"landscape", "eta", "from", "to", "result"}
    assert data["result"]["method"] == "exact quadrature (log space)"


def test_cli_is_importable_under_its_old_path():
    import importlib

    assert importlib.import_module("fpesolve.cli") is cli and callable(cli.main)
