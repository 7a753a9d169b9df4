"""The rebuilt pyramidal model (bifur.models.pyramidal5d) against the characteristics published by
Chizhov et al. (2023) and a realistic spike, each measured independently where possible, and the
reproducible fit (bifur.models.pyramidal_fit). Criteria the current parameters do not meet are
marked xfail(strict=True): they are stated, measured and reported, not hidden."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import bifur
from bifur.models import pyramidal5d
from bifur.models.pyramidal_fit import TARGETS, fit_pyramidal, spike_features


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        yield


@pytest.fixture(scope="module")
def curves():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        m = pyramidal5d()
        gin = bifur.input_conductance(m)
        fi = bifur.fi_curve(m, "I", (0.0, 100.0 * gin))
        fg = bifur.fg_curve(m, reversal=0.0, p_range=(0.0, 4.0 * gin))
    return m, gin, fi, fg


@pytest.fixture(scope="module")
def spike():
    m = pyramidal5d()
    return m, spike_features(m)


def test_reconstruction_keeps_the_published_kinetics():
    m = pyramidal5d()
    assert m.state_names == ("V", "O", "i", "n", "nM")
    p = m.params
    assert (p["C"], p["ENa"], p["EK"], p["EM"], p["Va_Na"], p["Vd_Na"], p["tau_i"], p["Vi"], p["Vn"], p["VM"]) == (
        0.7, 65.0, -70.0, -80.0, -51.0, -57.0, 100.0, -52.0, -5.0, -45.0)
    assert p["gL"] == pytest.approx(0.7 / 14.4)
    assert all(n in m.units for n in (*m.state_names, *m.param_names))
    assert "reconstruction" in pyramidal5d.__doc__
    with pytest.raises(bifur.ModelError):
        pyramidal5d(gCa=1.0)
    # G_rest from the steady voltages of simulations at I = +-h, independently of bifur.input_conductance
    h = 1e-3
    v = [bifur.simulate(m, 3000.0, params={"I": s * h}, rtol=1e-10, atol=1e-12)["V"][-1] for s in (1, -1)]
    assert 2 * h / (v[0] - v[1]) == pytest.approx(bifur.input_conductance(m), rel=1e-3)


def test_rate_never_exceeds_30_hz(curves):
    m, gin, fi, fg = curves
    for curve in (fi, fg):
        rates = curve.rate_hz[np.isfinite(curve.rate_hz)]
        assert 0 < rates.max() <= 30.0
        for br in curve.cycles:
            assert np.all(br.frequency_hz[br.stable] <= 30.0)


def test_block_under_conductance_is_a_fold_of_cycles_with_s_crit_at_most_3(curves):
    m, gin, fg = curves[0], curves[1], curves[3]
    assert fg.block is not None and fg.block.kind == "LPC"
    assert fg.block.param / gin <= 3.0


@pytest.mark.xfail(strict=True, reason="not met by the current parameters: the f-I continuation reports no "
                                       "block for u <= 100 mV")
def test_block_under_current_is_a_fold_of_cycles_with_u_crit_at_most_80_mv(curves):
    m, gin, fi, fg = curves
    assert fi.block is not None and fi.block.kind == "LPC" and fi.block.param / gin <= 80.0


@pytest.mark.xfail(strict=True, reason="not met by the current parameters: onset undecided (a bistable window "
                                       "of ~0.02 uA/cm2 at rheobase, stiff sodium activation k = 1 mV)")
def test_firing_starts_at_a_snic_under_current_and_conductance(curves):
    m, gin, fi, fg = curves
    assert fi.onset is not None and fi.onset.kind == "SNIC"
    assert fg.onset is not None and fg.onset.kind == "SNIC"


def test_rate_falls_towards_zero_at_rheobase_and_matches_simulation(curves):
    m, gin, fi, fg = curves
    rates = fi.rate_hz[np.isfinite(fi.rate_hz) & (fi.rate_hz > 0)]
    assert rates.min() < 3.0          # low rates at onset (class 1 like), continuation
    # simulated rate at u = 40 mV against the converged cycle's rate there
    f = spike_features(m)
    tr = bifur.simulate(m, 3000.0, params={"I": f["I"]}, x0={"V": -40.0}, threshold=-20.0)
    assert tr.rate_hz(t_from=1000.0) == pytest.approx(f["rate_hz"], rel=1e-3)


def test_spike_peak_and_ahp_trough(spike):
    m, f = spike
    assert 20.0 <= f["peak"] <= 45.0
    assert f["trough"] < -55.0
    # the same from a simulation
    tr = bifur.simulate(m, 4 * f["period"] + 500.0, params={"I": f["I"]}, x0={"V": -40.0}, dt=0.01)
    last = tr.t >= tr.t[-1] - f["period"]
    assert tr["V"][last].max() == pytest.approx(f["peak"], abs=0.1)
    assert tr["V"][last].min() == pytest.approx(f["trough"], abs=0.1)


def test_deepest_ahp_near_the_middle_of_the_isi(spike):
    m, f = spike
    assert 0.35 <= f["trough_phase"] <= 0.65
    tr = bifur.simulate(m, 4 * f["period"] + 500.0, params={"I": f["I"]}, x0={"V": -40.0}, dt=0.01)
    last = tr.t >= tr.t[-1] - f["period"]
    vs, ts = tr["V"][last], tr.t[last]
    frac = ((ts[np.argmin(vs)] - ts[np.argmax(vs)]) % f["period"]) / f["period"]
    assert frac == pytest.approx(f["trough_phase"], abs=0.01)


@pytest.mark.xfail(strict=True, reason="not met by the current parameters: the spike has a plateau, width at "
                                       "half amplitude ~40 ms")
def test_spike_width_at_half_amplitude_at_most_2_ms(spike):
    m, f = spike
    assert f["width"] <= 2.0


def test_fit_reduces_the_cost_from_a_perturbed_start():
    start = {"gM": 0.981 * 1.3}
    free = {"gM": (0.3, 2.0)}
    res = fit_pyramidal(start=start, free=free, curves=False, max_nfev=3)
    names = ("peak", "width", "trough", "trough_phase")
    f0 = spike_features(pyramidal5d(**start))
    r0 = np.array([(f0[k] - TARGETS[k][0]) / TARGETS[k][1] for k in names])
    assert res.cost < 0.5 * float(r0 @ r0)
    assert list(res.table["quantity"]) == ["extra"] * 4
