"""Firing maps: region labels against plain-scipy simulations of a numpy Morris-Lecar with an injected
conductance, boundaries against one-parameter f-I curves at fixed conductance, rates against simulated
inter-spike intervals, and the record and plot."""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import bifur
from bifur.models import morris_lecar

ML = dict(C=20.0, gL=2.0, gK=8.0, EL=-60.0, EK=-84.0, ECa=120.0, V1=-1.2, V2=18.0, gCa=4.0, V3=12.0, V4=17.4,
          phi=1.0 / 15.0)
E_G = 0.0
BOX = dict(I=(0.0, 150.0), G=(0.0, 1.0))


def _m_inf(V):
    return 0.5 * (1.0 + np.tanh((V - ML["V1"]) / ML["V2"]))


def _w_inf(V):
    return 0.5 * (1.0 + np.tanh((V - ML["V3"]) / ML["V4"]))


def rhs(t, y, I, G):
    V, w = y
    cur = (I - ML["gL"] * (V - ML["EL"]) - ML["gCa"] * _m_inf(V) * (V - ML["ECa"]) - ML["gK"] * w * (V - ML["EK"])
           - G * (V - E_G))
    return np.array([cur / ML["C"], ML["phi"] * np.cosh((V - ML["V3"]) / (2 * ML["V4"])) * (_w_inf(V) - w)])


def i_steady(V, G):
    return (ML["gL"] * (V - ML["EL"]) + ML["gCa"] * _m_inf(V) * (V - ML["ECa"]) + ML["gK"] * _w_inf(V) * (V - ML["EK"])
            + G * (V - E_G))


def equilibria(I, G):
    """All equilibria (roots of the steady-state I-V relation), by bracketing on a fine voltage grid."""
    Vs = np.linspace(-90.0, 60.0, 3001)
    r = i_steady(Vs, G) - I
    return [brentq(lambda V: i_steady(V, G) - I, Vs[k], Vs[k + 1], xtol=1e-12)
            for k in np.flatnonzero(np.sign(r[:-1]) != np.sign(r[1:]))]


def knee(G):
    """Voltage of the lower knee of the I-V curve (where the rest state disappears), NaN if monotonic."""
    dI = lambda V: (i_steady(V + 1e-6, G) - i_steady(V - 1e-6, G)) / 2e-6  # noqa: E731
    Vs = np.linspace(-60.0, 0.0, 601)
    d = np.array([dI(V) for V in Vs])
    k = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0))
    return brentq(dI, Vs[k[0]], Vs[k[0] + 1]) if k.size else np.nan


def simulate_label(I, G, firing_start):
    """The region by simulation: stable equilibria (each equilibrium, nudged, stays), firing (from a state
    on a spike the orbit still oscillates after 3 s), rest/block by the equilibrium's voltage against
    the knee of the I-V curve."""
    stable = []
    eqs = equilibria(I, G)
    for V in sorted({eqs[0], eqs[-1]}):  # the lowest and the highest (a middle one is a saddle)
        x = np.array([V, _w_inf(V)])
        sol = solve_ivp(rhs, (0.0, 2000.0), x + np.array([0.05, 0.0]), args=(I, G), method="LSODA", rtol=1e-8,
                        atol=1e-10)
        if np.linalg.norm((sol.y[:, -1] - x) / [1.0, 0.01]) < 1e-3:
            stable.append(V)
    sol = solve_ivp(rhs, (0.0, 2000.0), firing_start, args=(I, G), method="LSODA", rtol=1e-8, atol=1e-10,
                    dense_output=True)
    V = sol.sol(np.linspace(1200.0, 2000.0, 8001))[0]
    fires = np.ptp(V) > 10.0
    vk = knee(G)
    rest = any(v < vk for v in stable) if np.isfinite(vk) else False
    block = any(not (v < vk) for v in stable)
    if fires:
        return "bistable" if stable else "tonic"
    return "block" if block and not rest else "rest" if rest and not block else "both"


@functools.lru_cache(maxsize=None)
def firing_state(G):
    """A state on the big spiking orbit: the voltage maximum of a run at I = 60."""
    sol = solve_ivp(rhs, (0.0, 1500.0), [-20.0, 0.1], args=(60.0, G), method="LSODA", rtol=1e-8, atol=1e-10,
                    dense_output=True)
    t = np.linspace(1000.0, 1500.0, 10001)
    X = sol.sol(t)
    return X[:, int(np.argmax(X[0]))]


@pytest.fixture(scope="module")
def ml_map():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        fm = bifur.firing_map(morris_lecar("snic"), ("I", BOX["I"]), ("G", BOX["G"]), rows=5, rate_points=7)
    return fm


def _interior_cells(fm, code, margin=8, per_row=1):
    out = []
    for i in range(fm.rows.size):
        lab = fm.labels[i]
        ok = [j for j in range(margin, lab.size - margin) if np.all(lab[j - margin:j + margin + 1] == code)]
        if ok:
            out.append((float(fm.grid1[ok[len(ok) // 2]]), float(fm.rows[i])))
    return out[::max(1, len(out) // 2)][:2]


def test_regions_agree_with_simulation(ml_map):
    fm = ml_map
    names = {0: "rest", 1: "tonic", 2: "bistable", 3: "block"}
    seen = set()
    for code, name in names.items():
        cells = _interior_cells(fm, code)
        assert cells, f"no {name} region in the map"
        for I, G in cells:
            assert fm.region_at(I, G) == name
            assert simulate_label(I, G, firing_state(G)) == name, (I, G, name)
            seen.add(name)
    assert seen == set(names.values())


def test_boundaries_agree_with_fi_curves(ml_map):
    fm = ml_map
    kinds = {b.kind for b in fm.boundaries}
    assert {"SNIC", "H", "LPC"} <= kinds
    for G in (fm.rows[1], fm.rows[3], 0.6):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bifur.BranchWarning)
            fi = bifur.fi_curve(fm.model, "I", BOX["I"], params={"G": float(G)})
        on_row = bool(np.any(fm.rows == G))
        tol = 1e-6 if on_row else 1e-3  # exact curve points on the rows; straight segments between them
        assert fi.onset.kind == "SNIC" and fi.block.kind == "LPC"
        [snic] = fm.crossings("SNIC", "G", float(G))
        assert abs(snic - fi.onset.param) < tol * (1 + abs(snic))
        assert any(abs(c - fi.block.param) < tol * (1 + abs(c)) for c in fm.crossings("LPC", "G", float(G)))
        # the bistable interval of the row starts at the (subcritical) Hopf boundary
        [(a, b)] = fi.bistable
        [h] = fm.crossings("H", "G", float(G))
        assert abs(a - h) < tol * (1 + abs(h))
        assert abs(b - fi.block.param) < 1e-9 * (1 + abs(b))
    # the fold curve has been classified: the SNIC boundary is a fold on an invariant circle throughout
    folds = [c for c in fm.curves if c.meta.get("curve") == "LP"]
    assert folds and all("snic" in c.arrays for c in folds)


def test_rates_are_exact(ml_map):
    fm = ml_map
    k = fm.rows.size // 2
    G = float(fm.rows[k])
    j = int(np.argmax(np.nan_to_num(fm.rates[k])))
    I = float(fm.rate_grid1[j])
    sol = solve_ivp(rhs, (0.0, 1500.0), firing_state(G), args=(I, G), method="LSODA", rtol=1e-11, atol=1e-12,
                    dense_output=True)
    t = np.linspace(500.0, 1500.0, 200001)
    V = sol.sol(t)[0]
    up = np.flatnonzero((V[:-1] < 0.0) & (V[1:] >= 0.0))
    tc = t[up] - V[up] * (t[up + 1] - t[up]) / (V[up + 1] - V[up])
    rate = 1000.0 / np.mean(np.diff(tc))
    assert fm.rates[k, j] == pytest.approx(rate, rel=1e-4)
    assert np.all(fm.rates[fm.rates == fm.rates] >= 0.0)


def test_record_and_plot(ml_map):
    fm = ml_map
    df = fm.to_dataframe()
    assert df.shape == (fm.rows.size * fm.grid1.size, 4) and set(df.region) <= {"rest", "tonic", "bistable", "block",
                                                                                "undecided"}
    bd = fm.to_dataframe("boundaries")
    assert set(bd.kind) == {b.kind for b in fm.boundaries} and len(bd) == sum(len(b) for b in fm.boundaries)
    assert fm.to_dataframe("rates").shape == (fm.rows.size * fm.rate_grid1.size, 3)
    assert "tonic" in fm.summary()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    out = bifur.plot.firing_map(fm, ax=ax, lw=0.9, region_colors={"tonic": "#00ff00"})
    assert out is ax
    assert len(ax.patches) >= 4  # the shaded regions
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"rest", "tonic", "bistable", "block", "SNIC", "H"} <= set(labels)
    drawn = [line for line in ax.lines if line.get_xydata().shape[0] > 1]
    assert drawn and all(line.get_linewidth() == 0.9 for line in drawn)
    own = bifur.plot.firing_map(fm)   # without ax=: a figure of its own, never the current one
    assert own.figure is not fig and not ax.figure.axes[1:]
    plt.close(fig)
    plt.close(own.figure)


def test_inputs_validated():
    ml = morris_lecar("snic")
    with pytest.raises(ValueError):
        bifur.firing_map(ml, ("I", (0.0, 10.0)), ("I", (0.0, 1.0)))
    with pytest.raises(bifur.ModelError):
        bifur.firing_map(ml, ("nope", (0.0, 10.0)), ("G", (0.0, 1.0)), curves=False, rows=1)
