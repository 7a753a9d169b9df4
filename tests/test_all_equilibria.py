"""find_equilibria finds every equilibrium in its state box: closed forms, scalar steady-state
equations solved independently, and systems whose equilibria no seed is near."""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import pytest
from scipy.optimize import brentq

from bifur import BifurWarning, Model, find_equilibria
from bifur.equilibria import newton, search_box
from bifur.models import hodgkin_huxley, morris_lecar

SIGMA, B = 10.0, 8.0 / 3.0


def lorenz(rho: float) -> Model:
    return Model.from_text("dx/dt = s*(y - x)\ndy/dt = x*(r - z) - y\ndz/dt = x*y - b*z",
                           params=dict(s=SIGMA, r=rho, b=B), init=dict(x=1.0, y=1.0, z=1.0),
                           name="lorenz", time_unit="1")


def _match(found: np.ndarray, expected: np.ndarray, atol: float) -> None:
    """Same set of points (rows), in any order."""
    assert len(found) == len(expected), (found, expected)
    for e in expected:
        d = np.max(np.abs(found - e), axis=1)
        assert d.min() <= atol, f"{e} not found among {found}"


def _roots_1d(g, lo: float, hi: float, n: int) -> list[float]:
    """Every sign change of g on a grid of n points, refined by brentq."""
    grid = np.linspace(lo, hi, n)
    vals = g(grid)
    return [brentq(g, a, b, xtol=1e-14, rtol=1e-15)
            for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:]) if fa * fb < 0]


# -- Lorenz: origin, and C± = (±sqrt(b(rho-1)), ±sqrt(b(rho-1)), rho-1) for rho > 1 ---------------
@pytest.mark.parametrize("simulate_seed", [True, False])
def test_lorenz_below_pitchfork_has_only_the_origin(simulate_seed):
    eqs = find_equilibria(lorenz(0.5), simulate_seed=simulate_seed)
    assert len(eqs) == 1
    np.testing.assert_allclose(eqs[0].x, 0.0, atol=1e-10)
    assert eqs[0].stable


@pytest.mark.parametrize("rho", [2.0, 28.0])
@pytest.mark.parametrize("simulate_seed", [True, False])
def test_lorenz_three_equilibria_closed_form(rho, simulate_seed):
    eqs = find_equilibria(lorenz(rho), simulate_seed=simulate_seed)
    c = np.sqrt(B * (rho - 1.0))
    expected = np.array([[0.0, 0.0, 0.0], [c, c, rho - 1.0], [-c, -c, rho - 1.0]])
    _match(np.array([e.x for e in eqs]), expected, atol=1e-10)
    # sorted by the first state; the origin is a saddle with one unstable direction, and C± lose
    # stability at the Hopf point rho_H = sigma (sigma + b + 3)/(sigma - b - 1) = 24.74
    assert [e["x"] for e in eqs] == sorted(e["x"] for e in eqs)
    rho_h = SIGMA * (SIGMA + B + 3) / (SIGMA - B - 1)
    assert eqs[1].n_unstable == 1
    assert [eqs[0].n_unstable, eqs[2].n_unstable] == ([0, 0] if rho < rho_h else [2, 2])


# -- polynomial systems with a known number of real roots ----------------------------------------
def test_two_ellipses_meet_at_four_points():
    # x²/9 + y² = 1 and x² + y²/9 = 1 meet where x² = y² = 9/10
    m = Model.from_text("dx/dt = x**2/9 + y**2 - 1\ndy/dt = x**2 + y**2/9 - 1", params={},
                        init=dict(x=0.5, y=0.5), name="ellipses", time_unit="1")
    s = 3.0 / np.sqrt(10.0)
    expected = np.array([[a * s, b * s] for a in (1, -1) for b in (1, -1)])
    _match(np.array([e.x for e in find_equilibria(m)]), expected, atol=1e-12)


def test_fifth_roots_of_unity():
    # real and imaginary parts of z^5 - 1: Newton's basins of attraction are fractal
    m = Model.from_text("dx/dt = x**5 - 10*x**3*y**2 + 5*x*y**4 - 1\n"
                        "dy/dt = 5*x**4*y - 10*x**2*y**3 + y**5",
                        params={}, init=dict(x=0.3, y=0.2), name="z5", time_unit="1")
    k = np.arange(5)
    expected = np.column_stack([np.cos(2 * np.pi * k / 5), np.sin(2 * np.pi * k / 5)])
    _match(np.array([e.x for e in find_equilibria(m)]), expected, atol=1e-12)


def test_cubic_nullcline_three_equilibria():
    # x' = x³ - x - y, y' = y - c x: x (x² - 1 - c) = 0
    c = 3.0
    m = Model.from_text("dx/dt = x**3 - x - y\ndy/dt = y - c*x", params=dict(c=c),
                        init=dict(x=0.1, y=0.1), name="cubic", time_unit="1")
    r = np.sqrt(1 + c)
    expected = np.array([[-r, -c * r], [0.0, 0.0], [r, c * r]])
    eqs = find_equilibria(m, simulate_seed=False)
    np.testing.assert_allclose([e.x for e in eqs], expected, atol=1e-12)


def test_deflation_finds_equilibria_far_from_the_only_seed():
    # one seed (the initial state, no simulation, no box points): damped Newton from it reaches
    # x = 40 only; deflation, restarted from the same seed, must find the other two
    m = Model.from_text("dx/dt = (x - 40)*(x - 70)*(x + 55)/1000\ndy/dt = 2*x - y", params={},
                        init=dict(x=0.0, y=0.0), name="far", time_unit="1")
    cm = m.compile()
    x, ok = newton(cm, np.zeros(2), cm.param_vector(None))
    assert ok and x[0] == pytest.approx(40.0)
    eqs = find_equilibria(m, simulate_seed=False, box_seeds=0, box={"x": (-100, 100), "y": (-200, 200)})
    np.testing.assert_allclose([e.x for e in eqs], [[-55, -110], [40, 80], [70, 140]], atol=1e-10)


# -- neuron models: independent scalar steady-state equations ------------------------------------
def _hh_steady_current(V: np.ndarray, P: dict) -> np.ndarray:
    """The current needed to hold V with every gate at its steady state (written out here)."""
    am = 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))
    bm = 4 * np.exp(-(V + 65) / 18)
    ah = 0.07 * np.exp(-(V + 65) / 20)
    bh = 1 / (1 + np.exp(-(V + 35) / 10))
    an = 0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10))
    bn = 0.125 * np.exp(-(V + 65) / 80)
    m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    return P["gNa"] * m ** 3 * h * (V - P["ENa"]) + P["gK"] * n ** 4 * (V - P["EK"]) + P["gL"] * (V - P["EL"])


@pytest.mark.parametrize("I", [0.0, 10.0, 100.0])
def test_hodgkin_huxley_has_exactly_one_equilibrium(I):
    model = hodgkin_huxley()
    P = dict(model.params)
    # grid offset so that it never hits the removable singularities at -40 and -55 mV
    roots = _roots_1d(lambda V: _hh_steady_current(V, P) - I, -150.0 + 1e-3, 100.0, 25001)
    eqs = find_equilibria(model, params={"I": I})
    assert len(roots) == len(eqs) == 1
    assert eqs[0]["V"] == pytest.approx(roots[0], abs=1e-8)
    if I == 0.0:
        assert eqs[0]["V"] == pytest.approx(-64.996379331, abs=1e-6)   # AUTO-07p, issue 2


def _ml_roots(P: dict, I: float) -> tuple[list[float], Callable[[np.ndarray], np.ndarray]]:
    minf = lambda V: 0.5 * (1 + np.tanh((V - P["V1"]) / P["V2"]))  # noqa: E731
    winf = lambda V: 0.5 * (1 + np.tanh((V - P["V3"]) / P["V4"]))  # noqa: E731
    iv = lambda V: (I - P["gL"] * (V - P["EL"]) - P["gCa"] * minf(V) * (V - P["ECa"])  # noqa: E731
                    - P["gK"] * winf(V) * (V - P["EK"]))
    return _roots_1d(iv, -100.0, 60.0, 160001), winf


@pytest.mark.parametrize("I", [0.0, 39.96])
def test_morris_lecar_snic_three_equilibria(I):
    # at I = 39.96, 0.003 below the fold, the two lower equilibria are 0.4 mV apart: the voltage
    # scan brackets both, but damped Newton from both bracketing seeds reaches the same one
    model = morris_lecar("snic")
    roots, winf = _ml_roots(dict(model.params), I)
    eqs = find_equilibria(model, params={"I": I})
    assert len(roots) == len(eqs) == 3
    np.testing.assert_allclose([e["V"] for e in eqs], roots, atol=1e-8)
    np.testing.assert_allclose([e["w"] for e in eqs], winf(np.array(roots)), atol=1e-10)
    assert [e.n_unstable for e in eqs] == [0, 1, 2]


# -- the box --------------------------------------------------------------------------------------
def _outside_scan_model() -> Model:
    # equilibria at V = -65, 95 and 150 mV; the voltage scan covers -120..60 only
    return Model.from_text("dV/dt = -(V + 65)*(V - 95)*(V - 150)/1e4\n"
                           "dn/dt = (1/(1 + exp(-V/10)) - n)/5",
                           params={}, init=dict(V=-65.0, n=0.0), name="hot", time_unit="ms", voltage="V")


def test_equilibrium_outside_the_scan_but_inside_the_box_is_found():
    m = _outside_scan_model()
    eqs = find_equilibria(m, simulate_seed=False, box={"V": (-150.0, 200.0)})
    V = np.array([-65.0, 95.0, 150.0])
    np.testing.assert_allclose([e["V"] for e in eqs], V, atol=1e-10)
    np.testing.assert_allclose([e["n"] for e in eqs], 1 / (1 + np.exp(-V / 10)), atol=1e-12)


def test_search_keeps_only_equilibria_in_its_box():
    # default box: V in -120..60, so the search keeps the rest state only
    [eq] = find_equilibria(_outside_scan_model(), simulate_seed=False)
    assert eq["V"] == pytest.approx(-65.0, abs=1e-10)


def test_periodic_model_every_equilibrium_in_the_box():
    m = Model.from_text("dx/dt = sin(x)\ndy/dt = -y", params={}, init=dict(x=0.5, y=0.0),
                        name="periodic", time_unit="1")
    eqs = find_equilibria(m, box={"x": (-10.0, 10.0)})
    np.testing.assert_allclose([e["x"] for e in eqs], np.pi * np.arange(-3, 4), atol=1e-12)


def test_search_stops_with_a_warning_when_equilibria_never_end():
    m = Model.from_text("dx/dt = sin(x)\ndy/dt = -y", params={}, init=dict(x=0.5, y=0.0),
                        name="periodic", time_unit="1")
    with pytest.warns(BifurWarning, match="stopped after 64"):
        eqs = find_equilibria(m, simulate_seed=False, box={"x": (-1e4, 1e4)}, box_seeds=512)
    assert len(eqs) == 64 + 1   # the root reached from the initial state, then 64 more
    np.testing.assert_allclose(np.sin([e["x"] for e in eqs]), 0.0, atol=1e-10)


def test_default_box():
    lo, hi = search_box(hodgkin_huxley())
    np.testing.assert_array_equal(lo, [-120.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi, [60.0, 1.0, 1.0, 1.0])
    lo, hi = search_box(lorenz(2.0), box={"z": (0.0, 50.0)})   # no voltage: init ± 30 max(1, |init|)
    np.testing.assert_array_equal(lo, [-29.0, -29.0, 0.0])
    np.testing.assert_array_equal(hi, [31.0, 31.0, 50.0])


def test_results_are_reproducible():
    a = find_equilibria(lorenz(28.0))
    b = find_equilibria(lorenz(28.0))
    assert [e.x.tolist() for e in a] == [e.x.tolist() for e in b]


@pytest.mark.parametrize("kwargs, message", [
    (dict(box={"q": (0, 1)}), "unknown state 'q'"),
    (dict(box={"V": (10, -10)}), r"box\['V'\] must be \(low, high\) with low < high"),
    (dict(box={"V": (-10, float("inf"))}), r"box\['V'\]\[1\] must be finite"),
    (dict(box={"V": 3.0}), r"box\['V'\] must be a pair"),
    (dict(box=[(-10, 10)]), "box must be a mapping of state names"),
    (dict(box_seeds=-1), "box_seeds must be between 0 and 4096"),
    (dict(box_seeds=8.0), "box_seeds must be an integer"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        find_equilibria(hodgkin_huxley(), simulate_seed=False, **kwargs)


def test_no_warning_for_library_models():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(find_equilibria(morris_lecar("hopf"))) == 1
