"""Equilibrium branches of AUTO-07p's own demo problems, against values bifur did not produce.

References (tests/reference_problems.py): enz pitchforks and folds from mpmath on the reduced
symmetric equations, the asymmetric loop's folds from mpmath on the full system; pp2's
transcritical crossings, fold and Hopf point in closed form; tor's pitchfork in closed form.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from reference_problems import enz_model, enz_reference, pp2_model, pp2_reference, tor_model, tor_reference

import bifur
from bifur import StatusCode, continue_equilibria


@pytest.fixture(scope="module")
def enz():
    m = enz_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        sym = continue_equilibria(m, "s0", (0.0, 50.0))
    return m, sym, enz_reference()


def test_enz_symmetric_branch_reports_both_pitchforks_and_folds(enz):
    m, sym, ref = enz
    bps = sorted(sp.param for sp in sym.special("BP"))
    assert all(sp.refined for sp in sym.special("BP"))
    np.testing.assert_allclose(bps, sorted(r.value for r in ref["BP"]), rtol=1e-10)
    lps = sorted(sp.param for sp in sym.special("LP"))
    np.testing.assert_allclose(lps, sorted(r.value for r in ref["LP_symmetric"]), rtol=1e-10)


def test_enz_switching_at_a_pitchfork_gives_the_closed_asymmetric_loop_once(enz):
    m, sym, ref = enz
    bp = max(sym.special("BP"), key=lambda sp: sp.param)
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        loop = continue_equilibria(m, "s0", (0.0, 50.0), start=bp)
    assert loop.status.code == StatusCode.CLOSED_LOOP and loop.status.ok
    assert np.abs(loop["s1"] - loop["s2"]).max() > 1.0  # really the asymmetric states
    # the loop joins the two pitchforks: the other one lies on it
    other = min(sym.special("BP"), key=lambda sp: sp.param)
    on_loop = [sp for sp in loop.special("BP") if abs(sp.param - other.param) < 1e-8]
    assert len(on_loop) == 1
    # four folds (two mirror pairs), each once, at the reference values and states
    lps = loop.special("LP")
    assert len(lps) == 4
    for r in ref["LP_asymmetric"]:
        state = np.array([r.state["s1"], r.state["s2"]])
        [match] = [sp for sp in lps if np.allclose(sp.x, state, atol=1e-6)]
        assert match.param == pytest.approx(r.value, rel=1e-10)


def test_pp2_transcritical_crossings_and_switching():
    m = pp2_model()
    ref = pp2_reference()
    trivial = continue_equilibria(m, "quota", (0.0, 1.0), start=[0.0, 0.0])
    [bp1] = trivial.special("BP")
    assert bp1.param == pytest.approx(ref["BP"][0].value, abs=1e-10)
    # one half of the crossing branch is unphysical (fish < 0) and tends to quota = 0 only as
    # fish -> -inf, where exp(-p3 fish) overflows: it cannot reach the bound, and says so
    with pytest.warns(bifur.BranchWarning, match="stopped early"), np.errstate(over="ignore"):
        prey = continue_equilibria(m, "quota", (0.0, 1.0), start=bp1)
    prey_only = prey["fish"] >= -1e-12
    assert np.all(np.abs(prey["sharks"]) < 1e-9) and prey["fish"].max() > 0.3 and prey_only.sum() > 10
    [lp] = prey.special("LP")
    assert lp.param == pytest.approx(ref["LP"][0].value, rel=1e-10)
    bp2 = [sp for sp in prey.special("BP") if abs(sp.param - ref["BP"][1].value) < 1e-6]
    assert len(bp2) == 1 and bp2[0].param == pytest.approx(ref["BP"][1].value, rel=1e-10)
    coexist = continue_equilibria(m, "quota", (0.0, 1.0), start=bp2[0])
    assert np.allclose(coexist["fish"], 1 / 3, atol=1e-9)  # closed form: u1 = 1/p4
    [h] = coexist.special("H")
    assert h.param == pytest.approx(ref["H"][0].value, rel=1e-10)
    assert h.data["period"] == pytest.approx(ref["H"][0].period, rel=1e-9)


def test_tor_pitchfork_of_the_origin():
    m = tor_model()
    ref = tor_reference()
    origin = continue_equilibria(m, "nu", (-0.9, -0.4), start=[0.0, 0.0, 0.0])
    [bp] = origin.special("BP")
    assert bp.param == pytest.approx(ref["BP"][0].value, abs=1e-10)
    [h] = origin.special("H")
    assert h.param == pytest.approx(ref["H"][0].value, rel=1e-10)
    pair = continue_equilibria(m, "nu", (-0.9, -0.4), start=bp)
    a3, b3 = m.params["a3"], m.params["b3"]
    x = pair["x"][pair["nu"] < -0.5 - 1e-6]
    nu = pair["nu"][pair["nu"] < -0.5 - 1e-6]
    np.testing.assert_allclose(x ** 2, -(0.5 + nu) / (a3 + b3), rtol=1e-8)  # closed form of the pair
