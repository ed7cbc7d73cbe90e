"""Tests for the `fpesolve` command line (fpesolve.cli), in process via main([...]) and via `python -m fpesolve`."""

import dataclasses
import importlib.machinery
import json
import math
import subprocess
import sys
import types

import numpy as np
import pytest
from scipy import integrate

from fpesolve import cli
from fpesolve.apps.cli import SUBCOMMANDS, CommandUnavailable, load_landscape, load_target, main, register

COMMANDS = ["stationary", "spectrum", "mfpt", "diagnose", "reproduce"]


def _run_module(*args):
    return subprocess.run([sys.executable, "-m", "fpesolve", *args], capture_output=True, text=True, timeout=120)


def test_top_level_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fpesolve")
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_subcommand_help(name, capsys):
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fpesolve {name}")
    assert SUBCOMMANDS[name].help in " ".join(out.split())


def test_help_via_python_dash_m():
    top = _run_module("--help")
    assert top.returncode == 0 and all(name in top.stdout for name in COMMANDS)
    sub = _run_module("diagnose", "--help")
    assert sub.returncode == 0 and sub.stdout.startswith("usage: fpesolve diagnose")


def test_bad_construction_name_is_one_line_and_exit_2(capsys):
    assert main(["diagnose", "no-such-construction"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fpesolve: error: unknown landscape or construction "
                                                   "'no-such-construction'")
    proc = _run_module("diagnose", "no-such-construction")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("argv, fragment", [
    (["stationary", "ou", "--eta", "x"], "invalid float value: 'x'"),
    (["stationary", "ou", "--eta", "-0.1"], "`eta` must be a finite positive number, got -0.1"),
    (["stationary", "ou", "--bogus"], "unrecognized arguments: --bogus"),
    (["stationary"], "give a landscape name or file"),
    ([], "required: command"),
    (["mfpt", "ou", "--from", "7"], "`from` = 7.0 lies outside the domain"),
])
def test_bad_arguments_exit_2_with_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and fragment in err and "Traceback" not in err


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
    assert [b["minimum"] for b in data["basins"]] == pytest.approx([-1.0, 1.0], abs=1e-12)
    # modes of p solve L' + (tau/2) Sigma' = 0 (Ito): check the residual with the closed forms
    modes = np.array(data["modes"])
    assert modes.size == 2
    residual = modes ** 3 - modes + 0.5 * eta / np.cosh(2 * modes) ** 2
    np.testing.assert_allclose(residual, 0.0, atol=1e-12)


def test_stationary_text_and_figure(tmp_path, capsys):
    out = tmp_path / "ou.png"
    assert main(["stationary", "ou", "--eta", "0.5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mass=1" in text and f"figure written to {out}" in text
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["stationary", "ou", "--out", str(tmp_path / "missing" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_landscape_from_user_file(tmp_path, capsys):
    good = tmp_path / "mine.py"
    good.write_text("import numpy as np\nfrom fpesolve import Landscape\n"
                    "def make_landscape():\n"
                    "    return Landscape(grad=lambda x: 4 * x, sigma=lambda x: 2 + 0 * x, domain=(-3, 3), name='mine')\n")
    assert main(["stationary", str(good), "--eta", "0.25", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # L = 2 x^2 (H = 4), Sigma = 2: one minimum at 0 with Sigma/H = 0.5
    assert data["landscape"] == "mine" and data["critical_points"][0]["sigma_over_hess"] == pytest.approx(0.5)
    direct = tmp_path / "direct.py"
    direct.write_text("from fpesolve.apps.cli import builtin_landscapes, load_landscape\nlandscape = load_landscape('ou')\n")
    assert load_landscape(str(direct)).name == "ou"
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["stationary", str(empty)]) == 2
    assert "defines neither `landscape`" in capsys.readouterr().err
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    assert main(["stationary", str(broken)]) == 2
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_lookup_tries_constructions_first():
    from fpesolve.failure_modes.constructions import Construction
    assert isinstance(load_target("F1"), Construction) and load_target("F1").key == "f1"
    assert load_target("ou").name == "ou"  # a built-in
    with pytest.raises(ValueError, match="choose one of f1, .*double-well, ou"):
        load_target("F9")


def test_json_conversion_of_results():
    from fpesolve.core.landscape import CriticalPoint
    cp = CriticalPoint(x=1.0, kind="minimum", loss=0.0, hess=2.0, sigma=float("inf"))
    converted = cli._jsonable({"a": np.arange(3), "b": np.float64(2.5), "c": (np.bool_(True), None), "cp": cp})
    assert converted == {"a": [0, 1, 2], "b": 2.5, "c": [True, None],
                         "cp": {"x": 1.0, "kind": "minimum", "loss": 0.0, "hess": 2.0, "sigma": None}}
    json.dumps(converted, allow_nan=False)

    @dataclasses.dataclass(frozen=True)
    class Result:
        rates: np.ndarray
        vectors: np.ndarray

    # matrices inside result objects are left out of the JSON output
    assert cli._jsonable(Result(rates=np.array([1.0, 2.0]), vectors=np.eye(2))) == {"rates": [1.0, 2.0]}
