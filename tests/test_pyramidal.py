"""The pyramidal model meets every characteristic stated by Chizhov et al. (2023) and the spike-shape
criteria, checked on its own f-I and f-G curves (continuation) with independent cross-checks: an
equilibrium continuation for the SNIC, simulations for rates, spike and after-hyperpolarization, a
Newton solve for the resting potential the leak recipe sets."""
from __future__ import annotations

import numpy as np
import pytest

import bifur
from bifur.models import pyramidal5d
from bifur.models.pyramidal import SOURCE, TAU_M0
from bifur.models.pyramidal_fit import CRITERIA, characteristics, unmet


@pytest.fixture(scope="module")
def chars():
    return characteristics(pyramidal5d())


def test_every_published_and_spike_criterion_is_met(chars):
    assert unmet(chars) == [] and chars["issues"] == []
    assert set(CRITERIA) <= set(chars)


def test_firing_starts_at_a_snic(chars):
    m, fi = pyramidal5d(), chars["fi"]
    assert fi.onset.kind == "SNIC" and fi.excitability_class == 1
    # the SNIC is the fold of the equilibria (independent equilibrium continuation)
    eq = bifur.continue_equilibria(m, "I", (0.0, fi.rheobase * 1.5))
    lp = eq.special("LP")[0]
    assert fi.rheobase == pytest.approx(lp.param, rel=1e-9)
    assert fi.bistable == [] or all(lo > fi.rheobase for lo, _ in fi.bistable)
    # the orbit leaving the saddle-node (integrated, not continued) comes back to it: an onset at the
    # fold; it returns ~1e-4 away on the unstable side, i.e. next to a saddle-node-loop point (docstring)
    loop = bifur.saddle_node_loop(m, lp.x, params=lp.params)
    assert loop.closest < 1e-3 and loop.excursion > 50.0


def test_rate_never_exceeds_30_hz(chars):
    for curve in (chars["fi"], chars["fg"]):
        rates = curve.rate_hz[np.isfinite(curve.rate_hz)]
        assert 0 < rates.max() <= 30.0
        for br in curve.cycles:  # every stable cycle, not only the evaluation points
            assert np.all(br.rate_hz[br.stable] <= 30.0)


def test_depolarization_block_through_a_fold_of_cycles(chars):
    fi, fg, gin = chars["fi"], chars["fg"], chars["G_in"]
    assert fi.block.kind == "LPC" and 0 < fi.block.param / gin <= 80.0
    assert fg.block.kind == "LPC" and 0 < fg.block.param / gin <= 3.0
    assert fg.onset.kind == "SNIC"


def test_spike_and_after_hyperpolarization_agree_with_simulation(chars):
    """Peak, trough, width and trough phase of the cycle nearest the middle of the firing range, and
    the same measured with numpy on a simulation at its input."""
    m, s = pyramidal5d(), chars["spike"]
    assert 20.0 <= s.peak <= 45.0 and s.width <= 2.0 and s.trough < -55.0 and 0.35 <= s.trough_phase <= 0.65
    fi = chars["fi"]
    assert abs(chars["I_spike"] - chars["I_mid"]) < 0.05 * (fi.block.param - fi.rheobase)
    cyc = bifur.find_cycle(m, params={"I": chars["I_spike"]}, x0={"V": -40.0})
    assert cyc.period == pytest.approx(s.period, rel=1e-5)  # the orbit the f-I curve measured (mesh error)
    dt = s.period / 40000
    tr = bifur.simulate(m, 3 * s.period, params={"I": chars["I_spike"]}, x0=dict(zip(m.state_names, cyc.x[0])),
                        dt=dt, rtol=1e-10, atol=1e-12)
    last = tr.t >= tr.t[-1] - s.period + 0.5 * dt
    v, t = tr["V"][last], tr.t[last]
    assert s.peak == pytest.approx(v.max(), abs=0.3) and s.trough == pytest.approx(v.min(), abs=0.05)
    assert s.width == pytest.approx(np.sum(v >= 0.5 * (v.max() + v.min())) * dt, rel=0.02)
    phase = ((t[np.argmin(v)] - t[np.argmax(v)]) % s.period) / s.period
    assert s.trough_phase == pytest.approx(phase, abs=0.01)


def test_rates_agree_with_simulation(chars):
    m, fi = pyramidal5d(), chars["fi"]
    lo, hi = fi.rheobase, fi.block.param
    at = list(lo + (hi - lo) * np.array([0.25, 0.5, 0.75]))
    exact = bifur.fi_curve(m, "I", fi.p_range, at=at)
    for current, rate in zip(at, exact.rate_hz):
        tr = bifur.simulate(m, 3000.0, params={"I": current}, x0={"V": -30.0})
        assert tr.rate_hz(t_from=1000.0) == pytest.approx(rate, rel=1e-4)


def test_leak_recipe_sets_rest_at_minus_65_mv():
    """The source's recipe: rest at -65 mV (a Newton solve of the full model finds it) and a total
    chord conductance there of C/tau_m0. Each current g (V - E) contributes g/C to d(dV/dt)/dE, so
    the chord conductance is C times the sum of those parameter derivatives at the rest state."""
    m = pyramidal5d()
    [rest] = [e for e in bifur.find_equilibria(m) if e.stable]
    assert rest["V"] == pytest.approx(-65.0, abs=1e-9)
    cm = m.compile()
    dfdp = cm.dfdp(rest.x, cm.param_vector())
    chord = SOURCE["C"] * sum(dfdp[0, cm.param_index(e)] for e in ("EL", "ENa", "EK", "EM"))
    assert chord == pytest.approx(SOURCE["C"] / TAU_M0, rel=1e-9)
