"""f-I answers are properties of the model, not of the call: the same onset (kind and value),
excitability class, block and bistability for every range that contains them — including ranges
5x and 20x wider than the firing interval, and one starting below zero — and for two step
settings; each checked against a value bifur did not produce.

Independent references: AUTO-07p for Hodgkin-Huxley (../shared/reference/hodgkin_huxley_auto07p.json:
LPC_c = 6.2603212745, HB1 = 9.7754379954, HB2 = 154.52243367); for the others, the steady-state
I-V curve written here in plain numpy (gating variables at their steady states): a SNIC onset is
its fold (dI/dV = 0, scipy brentq), a Hopf point the zero of the real part of the complex pair of
a finite-difference Jacobian of a plain-numpy right-hand side along it.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import brentq

import bifur
from bifur import ContinuationSettings, Model, fi_curve
from bifur.models import hodgkin_huxley, morris_lecar, wang_buzsaki

# -- Connor-Stevens, typed in from Dayan & Abbott (2001), Theoretical Neuroscience, §6.2 ----------
CS_TEXT = """
dV/dt = (I - gL*(V - EL) - gNa*m**3*h*(V - ENa) - gK*n**4*(V - EK) - gA*a**3*b*(V - EA))/C
dn/dt = an*(1 - n) - bn*n
dm/dt = am*(1 - m) - bm*m
dh/dt = ah*(1 - h) - bh*h
da/dt = (ainf - a)/taua
db/dt = (binf - b)/taub
an = 0.02*(V + 45.7)/(1 - exp(-0.1*(V + 45.7)))
bn = 0.25*exp(-0.0125*(V + 55.7))
am = 0.38*(V + 29.7)/(1 - exp(-0.1*(V + 29.7)))
bm = 15.2*exp(-0.0556*(V + 54.7))
ah = 0.266*exp(-0.05*(V + 48))
bh = 3.8/(1 + exp(-0.1*(V + 18)))
ainf = (0.0761*exp(0.0314*(V + 94.22))/(1 + exp(0.0346*(V + 1.17))))**(1/3)
taua = 0.3632 + 1.158/(1 + exp(0.0497*(V + 55.96)))
binf = (1/(1 + exp(0.0688*(V + 53.3))))**4
taub = 1.24 + 2.678/(1 + exp(0.0624*(V + 50)))
"""
CS_PARAMS = dict(I=0.0, C=0.01, gL=0.003, gNa=1.2, gK=0.2, gA=0.477, EL=-17.0, ENa=55.0, EK=-72.0, EA=-75.0)


def connor_stevens() -> Model:
    """V in mV, t in ms, conductances in mS/mm², C in µF/mm², I in µA/mm²."""
    return Model.from_text(CS_TEXT, params=CS_PARAMS, init=dict(V=-68.0, n=0.1, m=0.01, h=0.97, a=0.5, b=0.2),
                           name="connor_stevens", capacitance="C")


# -- plain-numpy steady states and right-hand sides ---------------------------------------------------
def _ab(a, b):
    return a / (a + b)


def _exprel(x):  # x/(1 - exp(-x)) written out, finite at 0
    return 1.0 if abs(x) < 1e-12 else x / (1 - math.exp(-x))


def ml_steady(V, p):
    m = 0.5 * (1 + math.tanh((V - p["V1"]) / p["V2"]))
    w = 0.5 * (1 + math.tanh((V - p["V3"]) / p["V4"]))
    I = p["gL"] * (V - p["EL"]) + p["gCa"] * m * (V - p["ECa"]) + p["gK"] * w * (V - p["EK"])
    return I, np.array([V, w])


def ml_rhs(x, p):
    V, w = x
    m = 0.5 * (1 + math.tanh((V - p["V1"]) / p["V2"]))
    winf = 0.5 * (1 + math.tanh((V - p["V3"]) / p["V4"]))
    dV = (p["I"] - p["gL"] * (V - p["EL"]) - p["gCa"] * m * (V - p["ECa"]) - p["gK"] * w * (V - p["EK"])) / p["C"]
    return np.array([dV, p["phi"] * math.cosh((V - p["V3"]) / (2 * p["V4"])) * (winf - w)])


def _wb_rates(V):
    am = 0.1 * 10 * _exprel((V + 35) / 10)
    bm = 4 * math.exp(-(V + 60) / 18)
    ah, bh = 0.07 * math.exp(-(V + 58) / 20), 1 / (math.exp(-(V + 28) / 10) + 1)
    an, bn = 0.01 * 10 * _exprel((V + 34) / 10), 0.125 * math.exp(-(V + 44) / 80)
    return _ab(am, bm), ah, bh, an, bn


def wb_steady(V, p):
    m, ah, bh, an, bn = _wb_rates(V)
    h, n = _ab(ah, bh), _ab(an, bn)
    I = p["gNa"] * m ** 3 * h * (V - p["ENa"]) + p["gK"] * n ** 4 * (V - p["EK"]) + p["gL"] * (V - p["EL"])
    return I, np.array([V, h, n])


def wb_rhs(x, p):
    V, h, n = x
    m, ah, bh, an, bn = _wb_rates(V)
    dV = (p["I"] - p["gNa"] * m ** 3 * h * (V - p["ENa"]) - p["gK"] * n ** 4 * (V - p["EK"])
          - p["gL"] * (V - p["EL"])) / p["C"]
    return np.array([dV, p["phi"] * (ah * (1 - h) - bh * h), p["phi"] * (an * (1 - n) - bn * n)])


def _cs_rates(V):
    an, bn = 0.02 * 10 * _exprel(0.1 * (V + 45.7)), 0.25 * math.exp(-0.0125 * (V + 55.7))
    am, bm = 0.38 * 10 * _exprel(0.1 * (V + 29.7)), 15.2 * math.exp(-0.0556 * (V + 54.7))
    ah, bh = 0.266 * math.exp(-0.05 * (V + 48)), 3.8 / (1 + math.exp(-0.1 * (V + 18)))
    ainf = (0.0761 * math.exp(0.0314 * (V + 94.22)) / (1 + math.exp(0.0346 * (V + 1.17)))) ** (1 / 3)
    taua = 0.3632 + 1.158 / (1 + math.exp(0.0497 * (V + 55.96)))
    binf = (1 / (1 + math.exp(0.0688 * (V + 53.3)))) ** 4
    taub = 1.24 + 2.678 / (1 + math.exp(0.0624 * (V + 50)))
    return an, bn, am, bm, ah, bh, ainf, taua, binf, taub


def cs_steady(V, p):
    an, bn, am, bm, ah, bh, ainf, _, binf, _ = _cs_rates(V)
    n, m, h = _ab(an, bn), _ab(am, bm), _ab(ah, bh)
    I = (p["gL"] * (V - p["EL"]) + p["gNa"] * m ** 3 * h * (V - p["ENa"]) + p["gK"] * n ** 4 * (V - p["EK"])
         + p["gA"] * ainf ** 3 * binf * (V - p["EA"]))
    return I, np.array([V, n, m, h, ainf, binf])


def cs_rhs(x, p):
    V, n, m, h, a, b = x
    an, bn, am, bm, ah, bh, ainf, taua, binf, taub = _cs_rates(V)
    dV = (p["I"] - p["gL"] * (V - p["EL"]) - p["gNa"] * m ** 3 * h * (V - p["ENa"]) - p["gK"] * n ** 4 * (V - p["EK"])
          - p["gA"] * a ** 3 * b * (V - p["EA"])) / p["C"]
    return np.array([dV, an * (1 - n) - bn * n, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                     (ainf - a) / taua, (binf - b) / taub])


def iv_fold(steady, p, v_lo, v_hi):
    """Current at the fold of the steady-state I-V curve between two voltages (brentq on dI/dV)."""
    dI = lambda V: (steady(V + 1e-5, p)[0] - steady(V - 1e-5, p)[0]) / 2e-5  # noqa: E731
    return steady(brentq(dI, v_lo, v_hi, xtol=1e-13), p)[0]


def iv_hopf(steady, rhs, p, v_lo, v_hi):
    """Current at the Hopf point on the I-V curve between two voltages: brentq on the real part of
    the complex pair of a central-difference Jacobian of the plain right-hand side."""
    def re_pair(V):
        I, x = steady(V, p)
        q = {**p, "I": I}
        J = np.empty((x.size, x.size))
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = 1e-6 * max(1.0, abs(x[j]))
            J[:, j] = (rhs(x + e, q) - rhs(x - e, q)) / (2 * e[j])
        ev = np.linalg.eigvals(J)
        cplx = ev[np.abs(ev.imag) > 1e-9]
        return float(cplx.real.max())
    return steady(brentq(re_pair, v_lo, v_hi, xtol=1e-12), p)[0]


# -- cases ---------------------------------------------------------------------------------------------
def _ml_snic():
    m = morris_lecar("snic")
    return m, {"onset": ("SNIC", iv_fold(ml_steady, dict(m.params), -32.0, -27.0)), "class": 1}


def _ml_hopf():
    m = morris_lecar("hopf")
    # the subcritical Hopf point closes the bistable window [LPC, H]; the onset is the fold of cycles
    h = iv_hopf(ml_steady, ml_rhs, dict(m.params), -28.0, -22.0)
    return m, {"onset": ("LPC", None), "class": 2, "bistable_top": h}


def _wb():
    m = wang_buzsaki()
    p = dict(m.params)
    return m, {"onset": ("SNIC", iv_fold(wb_steady, p, -62.0, -58.0)), "class": 1,
               "block": ("H", iv_hopf(wb_steady, wb_rhs, p, -32.0, -27.0))}


def _cs():
    m = connor_stevens()
    p = dict(m.params)
    return m, {"onset": ("SNIC", iv_fold(cs_steady, p, -58.0, -56.0)), "class": 1,
               "block": ("H", iv_hopf(cs_steady, cs_rhs, p, -25.0, -21.0))}


def _hh():
    return hodgkin_huxley(), {"onset": ("LPC", 6.2603212745), "class": 2, "block": ("H", 154.52243367),
                              "bistable_top": 9.7754379954}


CASES = {"HH": (_hh, 154.6 - 6.2), "ML-snic": (_ml_snic, 116.2 - 40.0), "ML-hopf": (_ml_hopf, 217.0 - 88.3),
         "WB": (_wb, 25.2 - 0.16), "CS": (_cs, 1.78 - 0.081)}
OTHER = ContinuationSettings(max_turn=0.3, grow=1.3)


def _ranges(width: float, top: float) -> list[tuple[float, float]]:
    return [(0.0, 1.2 * top), (0.0, 5 * width), (0.0, 20 * width), (-0.5 * width, 3 * width)]


def _answers(fi):
    return (fi.onset.kind, fi.onset.param, fi.excitability_class,
            None if fi.block is None else (fi.block.kind, fi.block.param),
            [(round(a, 6), round(b, 6)) for a, b in fi.bistable])


@pytest.mark.parametrize("name", sorted(CASES))
def test_answers_do_not_depend_on_the_range_or_the_steps(name):
    build, width = CASES[name]
    model, ref = build()
    top = {"HH": 154.6, "ML-snic": 116.2, "ML-hopf": 217.0, "WB": 25.2, "CS": 1.78}[name]
    runs = []
    with warnings.catch_warnings():  # branches that decide nothing (e.g. CS's sliver) may warn
        warnings.simplefilter("ignore", bifur.BranchWarning)
        for r in _ranges(width, top):
            runs.append((r, None, fi_curve(model, "I", r)))
        runs.append((_ranges(width, top)[1], OTHER, fi_curve(model, "I", _ranges(width, top)[1], settings=OTHER)))
    first = _answers(runs[0][2])
    for r, st, fi in runs:
        assert fi.complete, (r, st, fi.issues)
        got = _answers(fi)
        assert got[0] == first[0] and got[2] == first[2], (r, st, fi.summary())
        assert got[1] == pytest.approx(first[1], rel=1e-6), (r, st)
        if first[3] is None:
            assert got[3] is None or got[3][1] > top, (r, st)  # no block inside the first range
        elif got[3] is not None:
            assert got[3][0] == first[3][0] and got[3][1] == pytest.approx(first[3][1], rel=1e-6), (r, st)
        assert [iv for iv in got[4] if iv[1] <= top] == [iv for iv in first[4] if iv[1] <= top], (r, st)
    # against the independent values
    fi = runs[1][2]
    kind, value = ref["onset"]
    assert fi.onset.kind == kind and fi.excitability_class == ref["class"]
    if value is not None:
        assert fi.rheobase == pytest.approx(value, rel=1e-6)
    if "block" in ref:
        assert (fi.block.kind, fi.block.param) == (ref["block"][0], pytest.approx(ref["block"][1], rel=1e-6))
    if "bistable_top" in ref:
        assert fi.bistable[0][1] == pytest.approx(ref["bistable_top"], rel=1e-6)


def test_a_sliver_of_stable_cycles_decides_nothing():
    """Connor-Stevens has stable cycles in a window 2e-7 wide near I = 0.0788 (between a Hopf point
    on the middle branch and a homoclinic orbit): listed as negligible, the onset is the SNIC."""
    fi = fi_curve(connor_stevens(), "I", (0.0, 2.0))
    assert fi.negligible and all(b - a < 1e-5 for a, b in fi.negligible)
    assert fi.onset.kind == "SNIC"


def test_truncation_is_explicit():
    """A branch cut short leaves the quantities it would decide undecided (None), says so in the
    summary, and warns with the setting to change."""
    hh = hodgkin_huxley()
    with pytest.warns(bifur.BranchWarning, match="max_steps"):
        fi = fi_curve(hh, "I", (0.0, 200.0), settings=ContinuationSettings(max_steps=3))
    assert not fi.complete and fi.issues
    assert "INCOMPLETE" in fi.summary()
    assert fi.onset is None or fi.onset.kind == "LPC"


def test_start_where_the_model_is_and_search_the_range():
    """x' = μ - x² with μ = 1 as the model default: the fold at 0 is found over (-1, 1)."""
    m = Model.from_text("dx/dt = mu - x**2", {"mu": 1.0}, {"x": 1.0}, time_unit="1")
    [lp] = bifur.continue_equilibria(m, "mu", (-1.0, 1.0)).special("LP")
    assert abs(lp.param) < 1e-10


def test_tonic_firing_throughout_the_range_has_an_f_i_curve():
    """The quadratic integrate-and-fire neuron with I > 0 has no rest state at all: its f-I curve
    comes from the reset map, and equals the closed form T = (atan(vp/√I) - atan(vr/√I))/√I."""
    from bifur.models import qif
    m = qif()
    vp, vr = m.params["v_peak"], m.params["v_reset"]
    values = np.linspace(0.05, 10.0, 12)
    fi = fi_curve(m, "I", (0.05, 10.0), at=values)
    T = (np.arctan(vp / np.sqrt(values)) - np.arctan(vr / np.sqrt(values))) / np.sqrt(values)
    np.testing.assert_allclose(fi.rate_hz, 1.0 / (T * m.seconds_per_time_unit), rtol=1e-8)
    assert fi.onset is None and "lower end of the range" in " ".join(fi.issues)
