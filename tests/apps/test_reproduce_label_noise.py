"""The label-noise part of `fpesolve reproduce`: every row has a verdict, the checks pass, the claims found off."""

import json
import math

import pytest

from fpesolve.apps.reproduce import Reproduction
from fpesolve.apps.reproduce.label_noise import reproduce_label_noise


@pytest.fixture(scope="module")
def quick():
    return reproduce_label_noise(quick=True)


def test_quick_run_passes_its_checks_and_names_the_claims_found_off(quick):
    assert isinstance(quick, Reproduction) and quick.name == "label-noise"
    assert quick.ok, [c.description for c in quick.checks if not c.passed]
    # the claims fpesolve finds off (each is a computed counterexample in the rows)
    for claim in ("Eq. (6) sign", "Sec. 6.1 limit", "Prop. 5 constant", "Sec. 4 lower bound"):
        assert any(claim in v for v in quick.violated), claim
    # every row states a verdict and the numbers are finite where numeric
    for row in quick.rows:
        assert row.note.split(":")[0].split(" ")[0] in {"holds", "off", "fpesolve's", "fit"}, row.quantity
        for value in (row.exact, row.paper, row.simulated):
            if isinstance(value, float):
                assert math.isfinite(value), row.quantity
    json.dumps(quick.to_dict(), allow_nan=False)
    text = quick.summary()
    assert "App. F.2" in text and "App. E" in text and "Theorem 1" in text


def test_exact_values_of_the_closed_form_rows(quick):
    rows = {r.quantity.split(":")[0]: r for r in quick.rows}
    six = next(r for r in quick.rows if r.quantity.startswith("Sec. 6.1: lim"))
    assert six.exact == pytest.approx(0.75, rel=1e-15) and six.paper == 3.0     # lambda_1 / 4 vs the paper's lambda_1
    prop1 = next(r for r in quick.rows if r.quantity.startswith("Prop. 1"))
    assert prop1.exact == pytest.approx(12.5, rel=1e-14)                         # |E| = m2 |uv - 1| = 25 * 0.5
    assert "Eq. (1)" in rows


@pytest.mark.slow
def test_figures_are_written(tmp_path):
    rep = reproduce_label_noise(quick=True, out=str(tmp_path))
    assert len(rep.figures) == 6
    for path in rep.figures:
        assert (tmp_path / path.split("/")[-1]).stat().st_size > 10_000
