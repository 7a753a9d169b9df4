"""SNIC curves, saddle-node-loop points and homoclinic curves, checked against things bifur did not compute:
a plain-numpy Morris-Lecar integrated by scipy's solve_ivp, an independent fold location (brentq on the
steady-state I-V curve), and the homoclinic ends of one-parameter cycle branches."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import bifur
from bifur.continuation.homoclinic import continue_homoclinic, period_shift
from bifur.continuation.snic import classify_snic, saddle_node_loop
from bifur.models import morris_lecar

# -- a Morris-Lecar written out in numpy, independent of bifur's parser and code generation ------------
ML = dict(C=20.0, gL=2.0, gK=8.0, EL=-60.0, EK=-84.0, ECa=120.0, V1=-1.2, V2=18.0, gCa=4.0, V3=12.0, V4=17.4)


def _m_inf(V):
    return 0.5 * (1.0 + np.tanh((V - ML["V1"]) / ML["V2"]))


def _w_inf(V):
    return 0.5 * (1.0 + np.tanh((V - ML["V3"]) / ML["V4"]))


def ml_rhs(t, y, I, phi):
    V, w = y
    dV = (I - ML["gL"] * (V - ML["EL"]) - ML["gCa"] * _m_inf(V) * (V - ML["ECa"]) - ML["gK"] * w * (V - ML["EK"]))
    return np.array([dV / ML["C"], phi * np.cosh((V - ML["V3"]) / (2 * ML["V4"])) * (_w_inf(V) - w)])


def _i_steady(V):
    return (ML["gL"] * (V - ML["EL"]) + ML["gCa"] * _m_inf(V) * (V - ML["ECa"])
            + ML["gK"] * _w_inf(V) * (V - ML["EK"]))


def _fold():
    """The lower knee of the steady-state I-V curve (where dI/dV = 0): the saddle-node of rest."""
    dI = lambda V: (_i_steady(V + 1e-6) - _i_steady(V - 1e-6)) / 2e-6  # noqa: E731
    V = brentq(dI, -40.0, -20.0, xtol=1e-13)
    return np.array([V, float(_w_inf(V))]), float(_i_steady(V))


def _fate(phi: float, t_end: float):
    """Integrate the unstable branch of the saddle-node's centre manifold with solve_ivp; return
    (largest scaled distance reached, scaled distance at the end, its trend over the last 10 %, centre
    coordinate at the end on the unstable side's orientation)."""
    x, I = _fold()
    h = 1e-6
    J = np.column_stack([(ml_rhs(0, x + h * e * max(1, abs(x[k])), I, phi) - ml_rhs(0, x - h * e * max(1, abs(x[k])), I, phi))
                         / (2 * h * max(1, abs(x[k]))) for k, e in enumerate(np.eye(2))])
    ev, R = np.linalg.eig(J)
    k = int(np.argmin(np.abs(ev)))
    v = np.real(R[:, k])
    evl, L = np.linalg.eig(J.T)
    w = np.real(L[:, int(np.argmin(np.abs(evl)))])
    w /= w @ v
    side = 1.0 if ml_rhs(0, x + 0.05 * v, I, phi) @ w > 0 else -1.0  # the centre coordinate grows there
    sol = solve_ivp(ml_rhs, (0.0, t_end), x + side * 0.05 * v, args=(I, phi), method="LSODA", rtol=1e-10,
                    atol=1e-12, dense_output=True)
    assert sol.success
    t = np.linspace(0.0, t_end, 100_001)
    X = sol.sol(t)
    scale = np.array([80.0, 0.4])  # the orbit's extent in V and w
    d = np.hypot((X[0] - x[0]) / scale[0], (X[1] - x[1]) / scale[1])
    tail = d[t >= 0.9 * t_end]
    xi = side * float(w @ (X[:, -1] - x))
    return float(d.max()), float(d[-1]), float(tail[-1] - tail[0]), xi


@pytest.fixture(scope="module")
def ml_folds():
    ml = morris_lecar("snic")
    lp = bifur.continue_equilibria(ml, "I", (-20.0, 150.0)).special("LP")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        curve = bifur.continue_bifurcation(ml, lp, "phi", (0.05, 0.5))
    return ml, classify_snic(curve)


def test_fold_curve_is_split_at_one_snl(ml_folds):
    ml, folds = ml_folds
    [snl] = folds.special("SNL")
    # the SNIC part is below the SNL, the plain fold above; the SNL carries its bracket
    phi = folds["phi"]
    assert np.all(folds["snic"][phi < snl.bracket[0] - 1e-9] == 1.0)
    assert np.all(folds["snic"][phi > snl.bracket[1] + 1e-9] == 0.0)
    assert snl.refined and snl.bracket[0] < snl.param < snl.bracket[1]
    assert snl.precision < 1e-7 * (1 + snl.param)
    assert snl.data["param1"] == "I" and snl.data["snic_at"][1] == snl.bracket[0]
    # the fold is where the independent I-V computation puts it (equilibria do not depend on phi)
    _, I_fold = _fold()
    assert abs(snl.params["I"] - I_fold) < 1e-8
    assert folds.to_dataframe().shape[0] == len(folds)


def test_snl_by_plain_scipy_simulation(ml_folds):
    """On either side of the SNL the unstable manifold of the saddle-node does / does not return."""
    _, folds = ml_folds
    [snl] = folds.special("SNL")
    for delta in (1e-3, 2e-5):
        far, end, trend, xi = _fate(snl.param - delta, 30000.0)  # SNIC side
        assert far > 0.5 and end < 1e-3 and trend <= 0.0 and xi < 0.0  # back at the saddle-node, from its node side
        far, end, trend, xi = _fate(snl.param + delta, 30000.0)  # beyond the SNL
        assert far > 0.5 and xi > 0.0  # back near it but on the side it leaves from
        assert end > 1e-3 or trend > 0.0  # so it goes round again, or is on its way out


def test_loop_check_outcomes():
    ml = morris_lecar("snic")
    lp = bifur.continue_equilibria(ml, "I", (-20.0, 150.0)).special("LP")
    snic = saddle_node_loop(ml, lp[0].x, {"I": lp[0].param})
    assert snic.on_circle is True and snic.xi < 0
    big = saddle_node_loop(ml, lp[0].x, {"I": lp[0].param, "phi": 0.3})
    assert big.on_circle is False and big.closest > 0.1
    # the other fold of the S-shaped I-V curve joins a saddle and an unstable node: never a SNIC
    upper = saddle_node_loop(ml, lp[1].x, {"I": lp[1].param})
    assert upper.on_circle is False and "stable node" in upper.reason
    assert saddle_node_loop(ml, [-60.0, 0.0], {"I": 0.0}).on_circle is None  # not a saddle-node at all


@pytest.fixture(scope="module")
def ml_hom(ml_folds):
    ml, folds = ml_folds
    [snl] = folds.special("SNL")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        hom = continue_homoclinic(ml, snl, "phi", (0.05, 0.5), at=[0.1, 0.23, 0.3], error_points=0)
    return ml, folds, hom


def test_hom_curve_matches_one_parameter_homoclinic_ends(ml_hom):
    """At fixed phi the fixed-period curve passes through the HOM end of a continue_cycles branch."""
    ml, _, hom = ml_hom
    for phi in (0.23, 0.3):
        [i] = hom.at(phi)
        assert hom["bottleneck"][i] == 1.0 and hom["lambda_u"][i] > 0
        h = bifur.continue_equilibria(ml, "I", (-20.0, 150.0), params={"phi": phi}).special("H")[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bifur.BranchWarning)
            cyc = bifur.continue_cycles(ml, h, "I", (-20.0, 150.0))
        [end] = cyc.special("HOM")
        # the one-parameter end is its last cycle (period end.period): |p - p*| ~ exp(-lambda_u T) there
        claim = abs(period_shift(hom, int(i)))
        assert claim < 1e-8
        assert abs(end.param - hom["I"][i]) < 1e-6 + 10 * math.exp(-end.lambda_u * end.period)


def test_hom_curve_error_model(ml_hom):
    """The approximation's error: exponentially small on the homoclinic part, ~1/T^2 on the SNIC part
    (there the curve is offset from the fold by 4/3 of its shift between T and 2T)."""
    ml, folds, hom = ml_hom
    [i] = hom.at(0.1)
    assert hom["bottleneck"][i] == 0.0  # the ghost of the saddle-node: the SNIC part
    shift = period_shift(hom, int(i))
    offset = hom["I"][i] - folds.special("SNL")[0].params["I"]
    assert shift < 0 < offset
    assert abs(offset - 4.0 / 3.0 * abs(shift)) < 0.1 * offset
    # the curve switches from the ghost to the saddle next to the SNL, and ends where its loop shrinks
    # into the Bogdanov-Takens point of the other fold
    phi_snl = folds.special("SNL")[0].param
    change = hom["phi"][np.flatnonzero(np.diff(hom["bottleneck"]))]
    assert change.size == 1 and abs(change[0] - phi_snl) < 0.01
    assert hom.meta["end"]["bt"] and abs(hom.meta["end"]["phi"] - 0.3909620) < 1e-3


def test_hom_start_validation(ml_folds):
    ml, folds = ml_folds
    with pytest.raises(ValueError, match="SNL"):
        continue_homoclinic(ml, folds.special_points[0] if folds.special_points[0].kind != "SNL" else
                            bifur.SpecialPoint("LP", 1.0, np.zeros(2), 0), "phi", (0.05, 0.5))
    with pytest.raises(ValueError, match="param1"):
        cyc = bifur.find_cycle(ml, params={"I": 60.0})
        continue_homoclinic(ml, cyc, "phi", (0.05, 0.5))
