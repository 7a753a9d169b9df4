"""The pyramidal model meets every characteristic stated by Chizhov et al. (2023), checked on its own
f-I and f-G curves (continuation), with simulation cross-checks."""
from __future__ import annotations

import numpy as np
import pytest

import bifur
from bifur.models import pyramidal5d


@pytest.fixture(scope="module")
def curves():
    m = pyramidal5d()
    gin = bifur.input_conductance(m)
    fi = bifur.fi_curve(m, "I", (0.0, 150.0 * gin))
    fg = bifur.fg_curve(m, reversal=0.0, p_range=(0.0, 10.0 * gin))
    return m, gin, fi, fg


def test_firing_starts_at_a_snic(curves):
    m, gin, fi, fg = curves
    assert fi.onset.kind == "SNIC" and fi.excitability_class == 1
    # the SNIC is the fold of the equilibria (independent equilibrium continuation)
    eq = bifur.continue_equilibria(m, "I", (0.0, fi.rheobase * 1.5))
    assert fi.rheobase == pytest.approx(eq.special("LP")[0].param, rel=1e-9)
    assert fi.bistable == [] or all(lo > fi.rheobase for lo, _ in fi.bistable)


def test_rate_never_exceeds_30_hz(curves):
    m, gin, fi, fg = curves
    for curve in (fi, fg):
        rates = curve.rate_hz[np.isfinite(curve.rate_hz)]
        assert 0 < rates.max() <= 30.0
        for br in curve.cycles:  # every stable cycle, not only the evaluation points
            assert np.all(br.frequency_hz[br.stable] <= 30.0)


def test_depolarization_block_through_a_fold_of_cycles(curves):
    m, gin, fi, fg = curves
    assert fi.block.kind == "LPC" and fi.block.param / gin <= 80.0
    assert fg.block.kind == "LPC" and fg.block.param / gin <= 3.0
    assert fg.onset.kind in ("SNIC", "HOM")


def test_ahp_trough_near_the_middle_of_the_isi(curves):
    m, gin, fi, fg = curves
    mid = 0.5 * (fi.rheobase + fi.block.param)
    br = fi.cycles[0]
    i = int(np.argmin(np.where(br.stable, np.abs(br.param - mid), np.inf)))
    orbit = br.orbit(i)
    v = orbit.evaluate_tau(np.linspace(0.0, 1.0, 4001, endpoint=False))[:, 0]
    frac = ((np.argmin(v) - np.argmax(v)) % v.size) / v.size
    assert 0.35 <= frac <= 0.65
    # the same from a simulation of that orbit's parameters
    tr = bifur.simulate(m, 5 * orbit.period, params=orbit.params, x0=orbit.x[0], dt=orbit.period / 2000)
    last = tr.t >= tr.t[-1] - orbit.period
    vs, ts = tr["V"][last], tr.t[last]
    sim_frac = ((ts[np.argmin(vs)] - ts[np.argmax(vs)]) % orbit.period) / orbit.period
    assert sim_frac == pytest.approx(frac, abs=0.01)


def test_rates_agree_with_simulation(curves):
    m, gin, fi, fg = curves
    lo, hi = fi.rheobase, fi.block.param
    at = list(lo + (hi - lo) * np.array([0.25, 0.5, 0.75]))
    exact = bifur.fi_curve(m, "I", fi.p_range, at=at)
    for current, rate in zip(at, exact.rate_hz):
        tr = bifur.simulate(m, 3000.0, params={"I": current}, x0={"V": -30.0}, threshold=-20.0)
        assert tr.rate_hz(t_from=1000.0) == pytest.approx(rate, rel=1e-4)
