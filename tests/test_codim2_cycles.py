"""Curves of bifurcations of cycles in two parameters (LPC, PD, NS), checked against independent
computations: one-parameter continuation at fixed second parameter (a different problem: the
point is located there by the test functions of cycle continuation, not by the curve's extended
system), AUTO-07p's values at the start, and the generalized Hopf point of the *Hopf* curve (of
equilibria: no cycles involved) where the fold-of-cycles curve must end."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import bifur
from bifur.models import hodgkin_huxley

sys.path.insert(0, str(Path(__file__).parent))
from reference_problems import AUTO07P, rossler_model, tor_model  # noqa: E402


@pytest.fixture(scope="module")
def hh_points():
    hh = hodgkin_huxley()
    fi = bifur.fi_curve(hh, "I", (0, 200))
    special = [sp for b in fi.branches for sp in b.special_points]
    lpc = min((sp for sp in special if sp.kind == "LPC"), key=lambda sp: sp.param)
    hopf = [sp for sp in special if sp.kind == "H"][0]
    return hh, lpc, hopf


def test_lpc_curve_matches_one_parameter_continuation(hh_points):
    hh, lpc, _ = hh_points
    curve = bifur.continue_bifurcation(hh, lpc, "gK", (30.0, 40.0))
    assert curve.curve_kind == "LPC" and curve.status.ok
    assert curve.p2.min() == pytest.approx(30.0) and curve.p2.max() == pytest.approx(40.0)
    # the curve passes through its start
    k0 = int(np.argmin(abs(curve.p2 - 36.0)))
    assert curve.p1[k0] == pytest.approx(lpc.param, rel=1e-8)
    for k in (len(curve) // 4, 3 * len(curve) // 4):
        fi = bifur.fi_curve(hh.with_params(gK=float(curve.p2[k])), "I", (0, 200))
        assert fi.onset.kind == "LPC"
        assert curve.p1[k] == pytest.approx(fi.rheobase, rel=1e-7)
    orbit = curve.orbit(k0)
    assert orbit.period == pytest.approx(lpc.data.get("period", orbit.period), rel=1e-6)
    assert np.sum(abs(abs(curve.multipliers[k0]) - 1) < 1e-4) >= 2  # trivial and critical multiplier


def test_lpc_curve_ends_at_the_generalized_hopf_point_of_the_hopf_curve(hh_points):
    hh, lpc, hopf = hh_points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)  # unresolved resonances far from the end
        curve = bifur.continue_bifurcation(hh, lpc, "gK", (5.0, 100.0), p1_range=(-50, 300))
    [gh_end] = curve.special("GH")
    hopf_curve = bifur.continue_bifurcation(hh, hopf, "gK", (5.0, 100.0), p1_range=(-50, 300))
    gh = min(hopf_curve.special("GH"), key=lambda sp: abs(sp.param - gh_end.param))
    assert gh_end.param == pytest.approx(gh.param, rel=1e-8)
    assert gh_end.params["I"] == pytest.approx(gh.params["I"], rel=1e-8)
    assert "generalized Hopf" in curve.status.message
    # the cusp of cycles near (I, gK) = (82.61, 52.32): one-parameter f-I curves see no fold there just
    # below it in gK and a pair of folds just above it (born at the cusp)
    cpc = min(curve.special("CPC"), key=lambda sp: abs(sp.params["I"] - 82.6))
    I_c, g_c = cpc.params["I"], cpc.param
    assert I_c == pytest.approx(82.61, abs=0.05) and g_c == pytest.approx(52.32, abs=0.01)

    def folds_near(gK):
        fi = bifur.fi_curve(hh.with_params(gK=gK), "I", (0.0, 200.0))
        return [sp.param for br in fi.cycles for sp in br.special("LPC") if abs(sp.param - I_c) < 5.0]

    assert folds_near(g_c - 0.07) == [] and len(folds_near(g_c + 0.08)) == 2


def test_pd_curve_of_rossler(tmp_path):
    model = rossler_model()
    period1 = bifur.continue_cycles(model, bifur.find_cycle(model, params={"c": 2.5}), "c", (2.5, 4.5))
    [pd] = period1.special("PD")
    assert pd.param == pytest.approx(AUTO07P["rossler"]["PD"][0], rel=AUTO07P["rossler"]["PD_tol"])
    curve = bifur.continue_bifurcation(model, pd, "b", (0.1, 0.4))
    assert curve.curve_kind == "PD" and curve.status.ok
    for k in (len(curve) // 4, 3 * len(curve) // 4):
        m = model.with_params(b=float(curve.p2[k]))
        branch = bifur.continue_cycles(m, bifur.find_cycle(m, params={"c": 2.5}), "c", (2.0, 4.5))
        assert curve.p1[k] == pytest.approx(branch.special("PD")[0].param, rel=1e-8)
        # a multiplier -1 along the curve
        assert np.min(abs(curve.multipliers[k] + 1)) < 1e-5
    loaded = bifur.load_branch(curve.save(tmp_path / "pd.npz"))
    np.testing.assert_array_equal(loaded.p1, curve.p1)


def test_ns_curve_of_tor():
    model = tor_model()
    eq = bifur.continue_equilibria(model, "nu", (-0.9, -0.4), start=[0.0, 0.0, 0.0])

    def asymmetric_branch(m):
        e = bifur.continue_equilibria(m, "nu", (-0.9, -0.4), start=[0.0, 0.0, 0.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bifur.BranchWarning)
            symmetric = bifur.continue_cycles(m, e.special("H")[0], "nu", (-0.9, -0.5))
        return bifur.continue_cycles(m, symmetric.special("BPC")[0], "nu", (-0.7, -0.5))

    assert eq.special("H")
    ns = asymmetric_branch(model).special("NS")[0]
    # AUTO-07p demo tor, run 3 (its demo mesh): TR at nu = -0.59165021575
    assert ns.param == pytest.approx(-0.59165021575, abs=AUTO07P["tor"]["cycle_tol"])
    curve = bifur.continue_bifurcation(model, ns, "beta", (0.45, 0.55))
    assert curve.curve_kind == "NS" and curve.status.ok
    assert np.all((curve["theta"] > 0) & (curve["theta"] < np.pi))
    for k in (len(curve) // 4, 3 * len(curve) // 4):
        found = asymmetric_branch(model.with_params(beta=float(curve.p2[k]))).special("NS")
        assert any(abs(sp.param - curve.p1[k]) < 1e-9 for sp in found)
        mu = curve.multipliers[k]
        theta = curve["theta"][k]
        assert np.min(abs(mu - np.exp(1j * theta))) < 1e-5  # the critical pair on the unit circle


def test_fi_curve_finds_the_isola_that_the_lpc_curve_crosses(hh_points):
    """Above the generalized Hopf point (gK = 53.33) the fold-of-cycles curve crosses gK = 53.6 twice:
    a family of stable cycles that no Hopf point of rest starts (an isola). The f-I curve must find
    it (bistability from the lower fold; it reported onset at the Hopf point, class 2, no bistability)."""
    hh, lpc, _ = hh_points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        curve = bifur.continue_bifurcation(hh, lpc, "gK", (5.0, 100.0), p1_range=(-50, 300), at=[53.6])
    crossings = sorted(float(curve.p1[i]) for i in np.flatnonzero(np.abs(curve.p2 - 53.6) < 1e-12))
    assert len(crossings) == 2
    fi = bifur.fi_curve(hh.with_params(gK=53.6), "I", (0.0, 200.0), at=[50.0])
    folds = sorted(sp.param for br in fi.cycles for sp in br.special("LPC"))
    np.testing.assert_allclose(folds, crossings, rtol=1e-7)   # two discretisations (meshes) of NTST 60
    assert fi.onset.kind == "LPC" and fi.rheobase == pytest.approx(crossings[0], rel=1e-7)
    [(a, b)] = fi.bistable
    assert a == pytest.approx(crossings[0], rel=1e-7) and b < crossings[1]
    # simulation from the default initial state fires at I = 50, where rest is stable too
    spikes = bifur.simulate(hh.with_params(gK=53.6), 2000.0, params={"I": 50.0}).spike_times
    assert spikes.size > 100 and spikes[-1] > 1900.0
    assert fi.rate_at(50.0) == pytest.approx(1000.0 * (spikes.size - 1) / (spikes[-1] - spikes[0]), rel=2e-3)
