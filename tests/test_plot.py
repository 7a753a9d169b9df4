"""Figures fit to publish: the artists of bifur.plot inspected after drawing.

Labels never overlap (their window extents do not intersect), coincident labels are merged, a key
exists, axis labels carry units, the stable/unstable style switches exactly at the located special
point, label= and styling keywords reach matplotlib, ax=None gives a new figure, and the f-I plot
shows the firing range with rest at 0 Hz wherever rest is stable.
"""
from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bifur  # noqa: E402
from bifur.branch import EquilibriumBranch, SpecialPoint  # noqa: E402
from bifur.errors import Status  # noqa: E402
from bifur.models import hodgkin_huxley  # noqa: E402
from bifur.plot import stability_pieces  # noqa: E402


@pytest.fixture(scope="module")
def hh():
    model = hodgkin_huxley()
    eq = bifur.continue_equilibria(model, "I", (0.0, 200.0))
    cyc = bifur.continue_cycles(model, eq.special("H")[0], "I", (0.0, 200.0))
    return eq, cyc


@pytest.fixture(scope="module")
def hh_fi():
    return bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 700.0))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _curve_lines(ax):
    """Lines drawn for data (not the key's empty proxies, not single markers)."""
    return [ln for ln in ax.lines if len(ln.get_xdata()) > 1]


def _labels(ax):
    """Visible special-point labels with their extents in display coordinates (after a draw)."""
    ax.figure.canvas.draw()
    out = []
    for t in ax.texts:
        if t.get_visible() and t.get_text():
            out.append((t.get_text(), t.get_window_extent()))
    return out


def _assert_apart(labels):
    for (ta, a), (tb, b) in itertools.combinations(labels, 2):
        assert not a.overlaps(b), f"labels {ta!r} and {tb!r} overlap: {a} {b}"


def _synthetic(params, kinds, stable=None, ys=None):
    """An equilibrium branch with special points at the given parameter values (no model)."""
    p = np.linspace(0.0, 10.0, 401)
    y = np.sin(p) if ys is None else ys(p)
    sps = []
    for v, kind in zip(params, kinds):
        k = int(np.argmin(np.abs(p - v)))
        p[k] = v
        y[k] = np.sin(v) if ys is None else ys(np.array([v]))[0]
        sps.append(SpecialPoint(kind, float(v), np.array([y[k]]), k, param_name="p"))
    st = np.ones(p.size, bool) if stable is None else stable(p)
    return EquilibriumBranch("equilibrium", "p", p, y[:, None], st, sps, Status.success(), ("x",), {},
                             arrays={"eigenvalues": np.zeros((p.size, 1), complex),
                                     "n_unstable": np.zeros(p.size, int)})


# -- stability switch ----------------------------------------------------------------------------------------
def test_style_switches_exactly_at_the_hopf_points(hh):
    eq, _ = hh
    ax = bifur.plot.diagram(eq)
    h1, h2 = eq.special("H")
    lines = _curve_lines(ax)
    assert [ln.get_linestyle() for ln in lines] == ["-", "--", "-"]
    solid1, dashed, solid2 = (np.asarray(ln.get_xdata()) for ln in lines)
    assert solid1[-1] == h1.param == dashed[0]            # 9.7754, not the next point (10.44)
    assert dashed[-1] == h2.param == solid2[0]
    assert math.isclose(h1.param, 9.7754380, rel_tol=1e-7)


def test_style_switches_at_the_fold_of_cycles(hh):
    _, cyc = hh
    ax = bifur.plot.period(cyc)
    lpc = [sp for sp in cyc.special("LPC") if sp.param < 7.0][0]          # the fold where firing starts
    starts = [ln.get_xdata()[0] for ln in _curve_lines(ax) if ln.get_linestyle() == "-"]
    ends = [ln.get_xdata()[-1] for ln in _curve_lines(ax) if ln.get_linestyle() == "--"]
    assert lpc.param in starts and lpc.param in ends


def test_unlocated_change_switches_halfway():
    x = np.arange(5.0)
    pieces = stability_pieces(x, x, np.array([True, True, False, False, True]))
    assert [(p[0][0], p[0][-1], p[2]) for p in pieces] == [(0.0, 1.5, True), (1.5, 3.5, False), (3.5, 4.0, True)]


# -- labels --------------------------------------------------------------------------------------------------
def test_diagram_labels_merged_and_apart(hh):
    eq, cyc = hh
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    bifur.plot.diagram([eq, cyc], ax=a1)
    bifur.plot.period(cyc, ax=a2, frequency=True)
    for ax in (a1, a2):
        labels = _labels(ax)
        _assert_apart(labels)
        texts = [t for t, _ in labels]
        assert "LPC, PD" in texts                          # LPC and PD 0.003 apart: one label
        assert not any(t == "PD" for t in texts)
    # the H of the equilibria and the H where the cycles start are one point: one label
    assert [t for t, _ in _labels(a1)].count("H") == 2


def test_labels_stay_apart_when_crowded_and_after_zooming():
    rng = np.random.default_rng(3)
    params = np.sort(rng.uniform(2.0, 3.0, 14))
    kinds = rng.choice(["LP", "H", "BP", "LPC", "PD", "NS"], params.size)
    br = _synthetic(params, kinds)
    ax = bifur.plot.diagram(br)
    _assert_apart(_labels(ax))
    ax.set_xlim(1.8, 3.2)                                   # zoomed: points apart, labels re-placed
    labels = _labels(ax)
    _assert_apart(labels)
    assert len(labels) >= 8
    ax.figure.set_size_inches(3, 2)
    _assert_apart(_labels(ax))


def test_labels_of_two_calls_on_one_axes_avoid_each_other():
    a = _synthetic([4.0, 4.02], ["H", "LP"])
    b = _synthetic([4.01, 4.03], ["BP", "H"], ys=lambda p: np.sin(p) + 0.01)
    fig, ax = plt.subplots()
    bifur.plot.diagram(a, ax=ax)
    bifur.plot.diagram(b, ax=ax)
    labels = _labels(ax)
    _assert_apart(labels)
    assert sorted(labels[0][0].split(", ")) == ["BP", "H", "LP"]   # all four coincide on the figure


def test_fi_labels_apart(hh_fi):
    ax = bifur.plot.fi(hh_fi)
    labels = _labels(ax)
    assert sorted(t for t, _ in labels) == ["block (H)", "onset (LPC)"]
    _assert_apart(labels)


# -- key, units, keywords, axes -----------------------------------------------------------------------------
def test_key_and_units(hh, hh_fi):
    eq, cyc = hh
    ax = bifur.plot.diagram([eq, cyc])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["equilibria", "cycles (max/min of V)", "stable", "unstable"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (µA/cm²)", "V (mV)")
    ax = bifur.plot.period(cyc)
    assert ax.get_ylabel() == "period (ms)"
    assert bifur.plot.period(cyc, frequency=True).get_ylabel() == "frequency (Hz)"
    ax = bifur.plot.fi(hh_fi)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (µA/cm²)", "firing rate (Hz)")
    assert ax.get_legend() is not None


def test_fg_axis_has_the_conductance_unit():
    fg = bifur.fg_curve(hodgkin_huxley(), reversal=0.0, p_range=(0.0, 5.0))
    assert bifur.plot.fi(fg).get_xlabel() == "G (mS/cm²)"


def test_label_and_style_keywords_reach_matplotlib(hh, hh_fi):
    eq, _ = hh
    fig, ax = plt.subplots()
    assert bifur.plot.fi(hh_fi, ax=ax, label="HH, current", color="tab:red", lw=2.5, alpha=0.7) is ax
    bifur.plot.diagram(eq, ax=ax, label="rest branch", legend=False)
    ax.legend()                                              # the user's own legend call
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "HH, current" in names and "rest branch" in names
    red = [ln for ln in _curve_lines(ax) if ln.get_color() == "tab:red"]
    assert red and all(ln.get_alpha() == 0.7 for ln in red)
    assert any(ln.get_linewidth() == 2.5 for ln in red)


def test_one_label_for_several_branches_and_one_per_branch(hh):
    eq, cyc = hh
    ax = bifur.plot.diagram([eq, cyc], label="HH")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["HH", "stable", "unstable"]
    assert len({ln.get_color() for ln in _curve_lines(ax)}) == 1
    ax = bifur.plot.diagram([eq, cyc], label=["rest", "spiking"])
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["rest", "spiking"]
    with pytest.raises(ValueError, match="2 branches"):
        bifur.plot.diagram([eq, cyc], label=["only one"])


def test_separate_axes_unless_asked(hh, hh_fi):
    eq, _ = hh
    a = bifur.plot.diagram(eq)
    b = bifur.plot.fi(hh_fi)
    assert a is not b and a.figure is not b.figure
    assert a.get_xlim()[1] > 190 and b.get_ylabel() == "firing rate (Hz)"
    fig, (c, d) = plt.subplots(1, 2)
    assert bifur.plot.diagram(eq, ax=c) is c and bifur.plot.fi(hh_fi, ax=d) is d
    assert not _curve_lines(d)[0] in c.lines


# -- f-I plot ranges and rest ------------------------------------------------------------------------------------
def test_fi_range_around_firing_and_rest_where_stable(hh_fi):
    ax = bifur.plot.fi(hh_fi)
    lo, hi = ax.get_xlim()
    block = hh_fi.block.param
    assert lo == 0.0 and block < hi < 1.3 * block            # not to I = 700
    rest = [np.asarray(ln.get_xdata()) for ln in _curve_lines(ax) if np.all(np.asarray(ln.get_ydata()) == 0)]
    h1 = hodgkin_huxley()
    assert any(x[0] == 0.0 and math.isclose(x[-1], 9.7754380, rel_tol=1e-7) for x in rest)
    (a, b), = hh_fi.bistable
    assert any(x[0] <= a and x[-1] >= b for x in rest)       # rest drawn across the bistable range
    assert any(math.isclose(x[0], block, rel_tol=1e-9) and x[-1] == 700.0 for x in rest)
    assert all(ln.get_linestyle() == "-" for ln in _curve_lines(ax) if np.all(np.asarray(ln.get_ydata()) == 0))
    del h1


def test_fi_of_a_simulation_curve():
    curve = bifur.fi_curve(hodgkin_huxley(), "I", (0.0, 30.0), method="simulation",
                             at=np.linspace(0.0, 30.0, 16), t_end=300.0)
    ax = bifur.plot.fi(curve, label="HH")
    assert "HH (simulation)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() == "I (µA/cm²)"
