"""Equilibria against independent values."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from bifur import find_equilibria
from bifur.models import hodgkin_huxley, izhikevich, morris_lecar


def test_hh_rest_state(hh_reference):
    [eq] = find_equilibria(hodgkin_huxley())
    ref = hh_reference["rest_state_I0"]
    assert eq["V"] == pytest.approx(ref["V"], abs=1e-6)
    for s in ("m", "h", "n"):
        assert eq[s] == pytest.approx(ref[s], abs=1e-9)
    assert eq.stable


def test_hh_rest_state_without_shared():
    # AUTO-07p value quoted in issue 2: V = -64.996379331 mV
    [eq] = find_equilibria(hodgkin_huxley())
    assert eq["V"] == pytest.approx(-64.996379331, abs=1e-6)


def test_morris_lecar_three_equilibria_match_scalar_equation():
    model = morris_lecar("snic")
    P = dict(model.params)
    minf = lambda V: 0.5 * (1 + np.tanh((V - P["V1"]) / P["V2"]))  # noqa: E731
    winf = lambda V: 0.5 * (1 + np.tanh((V - P["V3"]) / P["V4"]))  # noqa: E731
    iv = lambda V: (P["gL"] * (V - P["EL"]) + P["gCa"] * minf(V) * (V - P["ECa"])  # noqa: E731
                    + P["gK"] * winf(V) * (V - P["EK"]))
    grid = np.linspace(-100, 60, 3201)
    vals = iv(grid)
    roots = [brentq(iv, a, b, xtol=1e-13) for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:]) if fa * fb < 0]
    eqs = find_equilibria(model)
    assert len(eqs) == len(roots) == 3
    np.testing.assert_allclose([e["V"] for e in eqs], roots, atol=1e-8)
    assert [e.n_unstable for e in eqs] == [0, 1, 2]


@pytest.mark.parametrize("I", [0.0, 3.0])
def test_izhikevich_equilibria_closed_form(I):
    model = izhikevich("RS")
    b = model.params["b"]
    # 0.04 v^2 + (5 - b) v + 140 + I = 0, u = b v
    roots = np.sort(np.roots([0.04, 5 - b, 140 + I]).real)
    eqs = find_equilibria(model, params={"I": I})
    np.testing.assert_allclose([e["v"] for e in eqs], roots, atol=1e-9)
    np.testing.assert_allclose([e["u"] for e in eqs], b * roots, atol=1e-9)
    assert eqs[0].stable and not eqs[1].stable
