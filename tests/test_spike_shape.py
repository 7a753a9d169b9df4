"""Spike shape on a periodic orbit (bifur.spike_shape) against a closed form and a simulation."""
from __future__ import annotations

import math

import numpy as np
import pytest

import bifur
from bifur.models import hodgkin_huxley


def test_hopf_normal_form_orbit_in_closed_form():
    """Stuart-Landau: x = √μ cos(ω t) on the stable cycle: peak √μ, trough -√μ, half the period
    above the mid level 0, the trough half a period after the peak, one spike."""
    mu, om = 0.49, 2.0
    m = bifur.Model.from_text("dx/dt = mu*x - om*y - x*(x**2 + y**2)\ndy/dt = om*x + mu*y - y*(x**2 + y**2)",
                              params=dict(mu=mu, om=om), init=dict(x=0.5, y=0.0), voltage="x", time_unit="1")
    s = bifur.spike_shape(bifur.find_cycle(m, x0={"x": 0.5, "y": 0.0}))
    assert s.peak == pytest.approx(math.sqrt(mu), abs=1e-8)
    assert s.trough == pytest.approx(-math.sqrt(mu), abs=1e-8)
    assert s.period == pytest.approx(2 * math.pi / om, rel=1e-9)
    assert s.width == pytest.approx(math.pi / om, rel=1e-3)
    assert s.trough_phase == pytest.approx(0.5, abs=1e-3)
    assert s.spikes == 1 and s.amplitude == pytest.approx(2 * math.sqrt(mu), abs=1e-8)


def test_hodgkin_huxley_spike_agrees_with_a_simulated_trace():
    """The same measures taken with numpy on a finely sampled simulation of the orbit."""
    hh = hodgkin_huxley()
    cyc = bifur.find_cycle(hh, params={"I": 20.0}, x0={"V": -40.0})
    s = bifur.spike_shape(cyc)
    dt = cyc.period / 20000
    tr = bifur.simulate(hh, 4 * cyc.period, params={"I": 20.0}, x0=dict(zip(hh.state_names, cyc.x[0])), dt=dt,
                        rtol=1e-10, atol=1e-12)
    last = tr.t >= tr.t[-1] - cyc.period + 0.5 * dt
    v, t = tr["V"][last], tr.t[last]
    assert s.peak == pytest.approx(v.max(), abs=0.02)
    assert s.trough == pytest.approx(v.min(), abs=0.02)
    half = 0.5 * (v.max() + v.min())
    assert s.width == pytest.approx(np.sum(v >= half) * dt, rel=2e-3)
    phase = ((t[np.argmin(v)] - t[np.argmax(v)]) % cyc.period) / cyc.period
    assert s.trough_phase == pytest.approx(phase, abs=2e-3)
    assert 1.0 < s.width < 3.0 and s.peak > 0.0 > s.trough   # an HH spike: ~ms wide, overshooting
