"""f-I / f-G curves, onset, class, block and inputs, against AUTO-07p, closed forms and simulation."""
from __future__ import annotations

import math

import numpy as np
import pytest

import bifur
from bifur import ModelError, depolarization_block, fg_curve, fi_curve, input_conductance, with_conductance_input
from bifur.models import hodgkin_huxley, izhikevich, morris_lecar, wang_buzsaki

LPC_C, HB1, HB2 = 6.2603212745, 9.7754379954, 154.52243367  # AUTO-07p (issue 5)


@pytest.fixture(scope="module")
def hh_fi():
    return fi_curve(hodgkin_huxley(), "I", (0.0, 200.0), at=np.linspace(0.0, 200.0, 81))


def test_hh_onset_block_class_bistability(hh_fi):
    fi = hh_fi
    assert fi.onset.kind == "LPC" and fi.onset.param == pytest.approx(LPC_C, rel=1e-6)
    assert fi.rheobase == pytest.approx(LPC_C, rel=1e-6)
    assert fi.block.kind == "H" and fi.block.param == pytest.approx(HB2, rel=1e-6)
    assert fi.excitability_class == 2
    [(lo, hi)] = fi.bistable
    assert lo == pytest.approx(LPC_C, rel=1e-6) and hi == pytest.approx(HB1, rel=1e-6)


def test_hh_rates(hh_fi):
    fi = hh_fi
    assert fi.rate_at(20.0) == pytest.approx(86.4700527, rel=1e-6)  # AUTO-07p: T(20) = 11.564697478 ms
    assert np.all(fi.rate_hz[fi.param < LPC_C] == 0)       # no rate below the onset
    assert np.all(fi.rate_hz[fi.param > HB2] == 0)         # nor above the block
    firing = (fi.param > LPC_C) & (fi.param < HB2)
    assert np.all(fi.rate_hz[firing] > 50)
    assert np.all(np.diff(fi.rate_hz[firing]) > 0)


def test_hh_simulation_agrees_within_one_percent(hh_fi):
    at = np.arange(20.0, 101.0, 10.0)
    sim = fi_curve(hodgkin_huxley(), "I", (0.0, 200.0), at=at, method="simulation", threshold=-40.0)
    cont = np.array([hh_fi.rate_at(v) for v in at])
    np.testing.assert_allclose(sim.rate_hz, cont, rtol=0.01)


def test_simulation_threshold_artifact_versus_true_block():
    """Spike counting puts the 'block' where the spike peak falls below the threshold (issue 5)."""
    at = np.arange(90.0, 160.0, 0.5)
    last = {}
    for thr in (-20.0, -40.0):
        sim = fi_curve(hodgkin_huxley(), "I", (0.0, 200.0), at=at, method="simulation", threshold=thr)
        last[thr] = at[sim.rate_hz > 0].max()
    assert 98.0 <= last[-20.0] <= 101.0 and 150.0 <= last[-40.0] <= 153.0
    assert depolarization_block(hodgkin_huxley(), "I", (0.0, 200.0)).param == pytest.approx(HB2, rel=1e-6)


def test_morris_lecar_snic_class1():
    fi = fi_curve(morris_lecar("snic"), "I", (0.0, 150.0))
    assert fi.onset.kind == "SNIC" and fi.onset.param == pytest.approx(39.963153, rel=1e-6)
    assert fi.excitability_class == 1
    assert fi.block is not None and fi.block.kind == "LPC"
    # no bistability at the onset (a SNIC); above the subcritical Hopf point of the depolarized
    # state, that state coexists with firing up to the fold of cycles
    [(lo, hi)] = fi.bistable
    hopf = [sp for br in fi.equilibria for sp in br.special("H")]
    assert lo == pytest.approx(hopf[0].param, rel=1e-6) and hi == pytest.approx(fi.block.param, rel=1e-6)
    assert fi.rate_hz[np.isfinite(fi.rate_hz)].max() < 30.0
    # rate -> 0 like sqrt(I - I*): near the onset T = K/sqrt(I - I*) + C, with K the constant of the
    # fold's normal form, pi/sqrt(ab) (independent of the cycles)
    k_nf = fi.onset.data["K_normal_form"]
    near = (fi.param > fi.rheobase) & (fi.param < fi.rheobase + 2.0) & (fi.rate_hz > 0)
    assert near.sum() >= 5
    T = 1000.0 / fi.rate_hz[near]
    x = 1.0 / np.sqrt(fi.param[near] - fi.rheobase)
    (K, C), res, *_ = np.polyfit(x, T, 1, full=True)
    assert K == pytest.approx(k_nf, rel=0.02)
    assert np.sqrt(res[0] / near.sum()) < 0.01 * T.max()


def test_morris_lecar_hopf_class2():
    fi = fi_curve(morris_lecar("hopf"), "I", (0.0, 150.0))
    assert fi.onset.kind == "LPC" and fi.excitability_class == 2
    assert fi.rate_at(fi.param[np.argmax(fi.rate_hz > 0)]) > 5.0  # starts at a finite rate


def test_wang_buzsaki_class1():
    fi = fi_curve(wang_buzsaki(), "I", (0.0, 5.0))
    assert fi.onset.kind == "SNIC" and fi.excitability_class == 1


def test_no_firing_is_class3():
    fi = fi_curve(hodgkin_huxley(), "I", (0.0, 5.0))
    assert fi.excitability_class == 3 and fi.onset is None and math.isnan(fi.rheobase)
    assert np.all(fi.rate_hz == 0)


def test_conductance_input_and_input_conductance():
    hh = hodgkin_huxley()
    m = with_conductance_input(hh, "G", reversal=0.0)
    cm, cm0 = m.compile(), hh.compile()
    x = cm0.init_vector(V=-50.0)
    g = 0.3
    # -G (V - 0) / C added to dV/dt: equals injecting I = -G V
    np.testing.assert_allclose(cm.rhs(x, cm.param_vector(G=g)), cm0.rhs(x, cm0.param_vector(I=-g * -50.0)),
                               rtol=1e-13)
    # input conductance: finite-difference slope of the steady-state I-V relation at rest
    gin = input_conductance(hh)
    v = [bifur.find_equilibria(hh, params={"I": i}, simulate_seed=False)[0]["V"] for i in (-1e-4, 1e-4)]
    assert gin == pytest.approx(2e-4 / (v[1] - v[0]), rel=1e-6)
    assert input_conductance(izhikevich("RS")) == pytest.approx(-(0.08 * -70.0 + 5 - 0.2), rel=1e-12)
    with pytest.raises(ModelError, match="already has"):
        with_conductance_input(m, "G")


def test_fg_curve_hh_against_simulation():
    at = [0.5, 1.0, 1.5]
    fg = fg_curve(hodgkin_huxley(), reversal=0.0, p_range=(0.0, 5.0), at=at)
    assert fg.param_name == "G" and fg.onset.kind == "LPC" and fg.excitability_class == 2
    model = with_conductance_input(hodgkin_huxley(), "G", 0.0)
    for g in at:
        tr = bifur.simulate(model, 600.0, params={"G": g}, x0={"V": -40.0}, rtol=1e-10, atol=1e-12, threshold=-45.0)
        assert fg.rate_at(g) == pytest.approx(tr.rate_hz(t_from=300.0), rel=1e-5)


def test_bad_input():
    with pytest.raises(ModelError, match="unknown parameter"):
        fi_curve(hodgkin_huxley(), "Iext", (0.0, 10.0))
    with pytest.raises(ValueError, match="two different numbers"):
        fi_curve(hodgkin_huxley(), "I", (10.0, 10.0))
    with pytest.raises(ValueError, match="method"):
        fi_curve(hodgkin_huxley(), "I", (0.0, 10.0), method="brute")


def test_fi_plot(hh_fi):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    assert bifur.plot.fi(hh_fi, ax=ax) is ax
    fig.canvas.draw()   # labels are placed at draw time; see tests/test_plot.py
    texts = [a.get_text() for a in ax.texts if a.get_visible()]
    assert texts == ["onset (LPC)", "block (H)"]
    plt.close(fig)
