"""Equilibrium continuation against AUTO-07p, closed forms and independent scalar equations."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

import bifur
from bifur import ContinuationSettings, Model, ModelError, StatusCode, continue_equilibria
from bifur.models import hodgkin_huxley, izhikevich, morris_lecar

# AUTO-07p values quoted in issue 3 (also in ../shared/reference/hodgkin_huxley_auto07p.json)
HB1_I, HB1_V, HB1_T = 9.7754379954, -59.654143603, 10.717882808
HB2_I, HB2_T = 154.52243367, 5.9112394413


@pytest.fixture(scope="module")
def hh_branch():
    return continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))


def test_hh_hopf_points_match_auto(hh_branch):
    br = hh_branch
    assert [sp.kind for sp in br.special_points] == ["H", "H"]  # and no fold
    h1, h2 = br.special("H")
    assert h1.param == pytest.approx(HB1_I, rel=1e-7)
    assert h1.x[0] == pytest.approx(HB1_V, rel=1e-7)
    assert h1.data["period"] == pytest.approx(HB1_T, rel=1e-7)
    assert h2.param == pytest.approx(HB2_I, rel=1e-7)
    assert h2.data["period"] == pytest.approx(HB2_T, rel=1e-7)
    assert h1.data["l1"] > 0 and h1.data["criticality"] == "subcritical"
    assert h2.data["l1"] < 0 and h2.data["criticality"] == "supercritical"
    assert h1.data["frequency_hz"] == pytest.approx(1000.0 / HB1_T, rel=1e-7)
    assert h1.precision <= 1e-10 * h1.param


def test_hh_lyapunov_coefficients_match_independent_values(hh_reference):
    br = continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    for sp, ref in zip(br.special("H"), hh_reference["hopf_points"]):
        indep = ref["independent_check_INDEP_MPMATH"]
        assert sp.param == pytest.approx(indep["I"], rel=1e-9)
        assert sp.data["omega"] == pytest.approx(indep["omega_rad_per_ms"], rel=1e-9)
        # same normalisation (<q,q> = 1, <p,q> = 1, raw coordinates) as the 40-digit reference
        assert sp.data["l1"] == pytest.approx(indep["l1"], rel=1e-6)


def test_hh_stability_pattern(hh_branch):
    br = hh_branch
    h1, h2 = br.special("H")
    inside = (br.param > h1.param + 1e-6) & (br.param < h2.param - 1e-6)
    outside = (br.param < h1.param - 1e-6) | (br.param > h2.param + 1e-6)
    assert not br.stable[inside].any() and br.stable[outside].all()
    assert set(br["n_unstable"][inside]) == {2}
    assert br.param[0] == 0.0 and br.param[-1] == 200.0
    assert br.status.code == StatusCode.PARAM_BOUND and br.status.ok


def test_fold_normal_form():
    m = Model.from_text("dx/dt = mu - x**2", params={"mu": 1.0}, init={"x": 1.0}, time_unit="1")
    br = continue_equilibria(m, "mu", (1.0, -1.0))
    [lp] = br.special_points
    assert lp.kind == "LP" and abs(lp.param) < 1e-9 and abs(lp.x[0]) < 1e-4
    assert lp.data["a"] == pytest.approx(-1.0, rel=1e-6) and lp.data["b"] == pytest.approx(1.0, rel=1e-6)
    # both branches x = ±sqrt(mu) were followed, stable one on top
    assert br["x"].min() < -0.99 and br["x"].max() > 0.99
    np.testing.assert_array_equal(br.stable, br["x"] > 0)


@pytest.mark.parametrize("sigma, omega", [(-1.0, 1.0), (1.0, 1.0), (-0.5, 2.0)])
def test_hopf_normal_form_lyapunov_closed_form(sigma, omega):
    m = Model.from_text("""
        dx/dt = mu*x - omega*y + sigma*x*(x**2 + y**2)
        dy/dt = omega*x + mu*y + sigma*y*(x**2 + y**2)
    """, params={"mu": -1.0, "sigma": sigma, "omega": omega}, init={"x": 0.0, "y": 0.0}, time_unit="1")
    br = continue_equilibria(m, "mu", (-1.0, 1.0))
    [h] = br.special_points
    assert h.kind == "H" and abs(h.param) < 1e-9
    assert h.data["omega"] == pytest.approx(omega, rel=1e-9)
    assert h.data["period"] == pytest.approx(2 * math.pi / omega, rel=1e-9)
    # documented normalisation (<q,q> = 1, <p,q> = 1): l1 = 2 sigma / omega
    assert h.data["l1"] == pytest.approx(2 * sigma / omega, rel=1e-8)
    assert h.data["criticality"] == ("subcritical" if sigma > 0 else "supercritical")


def test_pitchfork_branch_point():
    m = Model.from_text("dx/dt = mu*x - x**3", params={"mu": -1.0}, init={"x": 0.0}, time_unit="1")
    br = continue_equilibria(m, "mu", (-1.0, 1.0))
    [bp] = br.special_points
    assert bp.kind == "BP" and abs(bp.param) < 1e-9 and bp.refined
    # the known branch leaves along mu, the other along x (closed form)
    assert abs(bp.data["tangent"][1]) == pytest.approx(1.0, abs=1e-9)
    assert abs(bp.data["other_tangent"][0]) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("b", [1.0, 2.0])
def test_cusp_folds_on_27a2_equals_4b3(b):
    m = Model.from_text("dx/dt = a + b*x - x**3", params={"a": -2.0, "b": b}, init={"x": -1.5}, time_unit="1")
    br = continue_equilibria(m, "a", (-2.0, 2.0))
    lps = br.special("LP")
    assert len(lps) == 2
    for lp in lps:
        assert 27 * lp.param ** 2 == pytest.approx(4 * b ** 3, rel=1e-9)


def test_neutral_saddle_is_not_a_hopf_point():
    # x' = y, y' = x + mu*y: a saddle for every mu with eigenvalue sum mu (neutral at mu = 0)
    m = Model.from_text("dx/dt = y\ndy/dt = x + mu*y", params={"mu": -1.0}, init={"x": 0.0, "y": 0.0},
                        time_unit="1")
    br = continue_equilibria(m, "mu", (-1.0, 1.0))
    assert br.special_points == []
    assert not br.stable.any()


@pytest.mark.parametrize("cell", ["RS", "FS", "LTS", "RZ"])
def test_izhikevich_saddle_node_and_hopf_closed_forms(cell):
    model = izhikevich(cell)
    a, b = model.params["a"], model.params["b"]
    br = continue_equilibria(model, "I", (-20.0, 10.0))
    i_sn = (5 - b) ** 2 / 0.16 - 140
    v_h = (a - 5) / 0.08
    i_h = -0.04 * v_h ** 2 - (5 - b) * v_h - 140
    [lp] = br.special("LP")
    [h] = br.special("H")
    assert lp.param == pytest.approx(i_sn, abs=1e-8)
    assert h.param == pytest.approx(i_h, abs=1e-8)
    assert h.x[0] == pytest.approx(v_h, abs=1e-8)
    assert h.data["criticality"] == "subcritical"


def _ml_scalar(model):
    P = dict(model.params)
    minf = lambda V: 0.5 * (1 + np.tanh((V - P["V1"]) / P["V2"]))  # noqa: E731
    winf = lambda V: 0.5 * (1 + np.tanh((V - P["V3"]) / P["V4"]))  # noqa: E731
    iss = lambda V: P["gL"] * (V - P["EL"]) + P["gCa"] * minf(V) * (V - P["ECa"]) + P["gK"] * winf(V) * (V - P["EK"])  # noqa: E731,E501
    return P, minf, winf, iss


def test_morris_lecar_s_shaped_branch_folds_and_hopf():
    model = morris_lecar("snic")
    br = continue_equilibria(model, "I", (-100.0, 300.0))
    # followed through both folds without skipping or turning back: V is monotone along the S
    assert np.all(np.diff(br["V"]) > 0)
    assert br.param[0] == -100.0 and br.param[-1] == 300.0
    P, minf, winf, iss = _ml_scalar(model)
    h = 1e-6
    diss = lambda V: (iss(V + h) - iss(V - h)) / (2 * h)  # noqa: E731
    v_folds = [brentq(diss, -40, -20), brentq(diss, -20, 10)]
    lps = sorted(br.special("LP"), key=lambda sp: sp.x[0])
    assert len(lps) == 2
    for lp, vf in zip(lps, v_folds):
        assert lp.x[0] == pytest.approx(vf, abs=1e-5)
        assert lp.param == pytest.approx(iss(vf), rel=1e-9)
    assert lps[0].param == pytest.approx(39.963153, rel=1e-6)  # value quoted in issue 4
    # Hopf: trace of the 2x2 Jacobian vanishes on the upper branch
    def trace(V):
        C, phi = P["C"], P["phi"]
        dminf = (minf(V + h) - minf(V - h)) / (2 * h)
        dfdV = -(P["gL"] + P["gCa"] * (minf(V) + dminf * (V - P["ECa"])) + P["gK"] * winf(V)) / C
        return dfdV - phi * np.cosh((V - P["V3"]) / (2 * P["V4"]))
    [hp] = br.special("H")
    vh = brentq(trace, 0.0, 30.0)
    assert hp.x[0] == pytest.approx(vh, abs=1e-5)
    assert hp.param == pytest.approx(iss(vh), rel=1e-8)


def test_branch_save_load_round_trip(tmp_path, hh_branch):
    path = hh_branch.save(tmp_path / "hh")
    br = bifur.load_branch(path)
    np.testing.assert_array_equal(br.param, hh_branch.param)
    np.testing.assert_array_equal(br.x, hh_branch.x)
    np.testing.assert_array_equal(br.stable, hh_branch.stable)
    np.testing.assert_array_equal(br.eigenvalues, hh_branch.eigenvalues)
    for a, b in zip(br.special_points, hh_branch.special_points):
        assert (a.kind, a.param, a.index, a.bracket, a.precision) == (b.kind, b.param, b.index, b.bracket, b.precision)
        assert a.data["l1"] == b.data["l1"] and a.data["criticality"] == b.data["criticality"]
        np.testing.assert_array_equal(a.data["q"], b.data["q"])
        np.testing.assert_array_equal(a.x, b.x)
    assert br.status == hh_branch.status
    m = br.model
    cm, cm0 = m.compile(), hodgkin_huxley().compile()
    x, p = cm0.init_vector(V=-50.0), cm0.param_vector(I=3.0)
    np.testing.assert_allclose(cm.rhs(x, p), cm0.rhs(x, p), rtol=1e-14)


def test_to_dataframe(hh_branch):
    df = hh_branch.to_dataframe()
    assert list(df.columns[:6]) == ["I", "V", "m", "h", "n", "stable"]
    assert len(df) == len(hh_branch)


def test_partial_branch_and_advice_when_newton_fails():
    # x = 1 - mu^2 ends at mu = 0 where the Jacobian is infinite: the branch cannot be continued
    m = Model.from_text("dx/dt = mu - sqrt(1 - x)", params={"mu": 1.0}, init={"x": 0.0}, time_unit="1")
    with pytest.warns(bifur.BranchWarning, match="stopped early"):
        br = continue_equilibria(m, "mu", (1.0, -1.0), start=[0.0])
    assert br.status.code == StatusCode.STEP_TOO_SMALL and not br.status.ok
    assert "ds_min" in br.status.message and "mu=" in br.status.message
    assert len(br) > 5 and br.param.min() < 0.05  # the computed part is kept


def test_max_steps_status():
    with pytest.warns(bifur.BranchWarning, match="max_steps"):
        br = continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0), settings=ContinuationSettings(max_steps=5))
    assert br.status.code == StatusCode.MAX_STEPS and "max_steps" in br.status.message
    assert len(br) - len(br.special_points) == 6  # the start and 5 steps, plus located points


def test_bad_input():
    with pytest.raises(ModelError, match="unknown parameter"):
        continue_equilibria(hodgkin_huxley(), "Iapp", (0.0, 1.0))
    forced = Model.from_text("dx/dt = -x + sin(t)", params={"a": 1.0}, init={"x": 0.0}, time_unit="1")
    with pytest.raises(ModelError, match="autonomous"):
        continue_equilibria(forced, "a", (0.0, 1.0))
    with pytest.raises(ValueError, match="ds_min"):
        continue_equilibria(hodgkin_huxley(), "I", (0.0, 1.0), settings=ContinuationSettings(ds=10.0, ds_max=1.0))


def test_diagram_styles(hh_branch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    assert bifur.plot.diagram(hh_branch, ax=ax) is ax
    lines = [a for a in ax.lines if len(a.get_xdata()) > 1]
    assert [ln.get_linestyle() for ln in lines] == ["-", "--", "-"]
    fig.canvas.draw()   # labels are placed (and merged) at draw time; see tests/test_plot.py
    texts = [a.get_text() for a in ax.texts if a.get_visible()]
    assert texts == ["H", "H"]
    plt.close(fig)
