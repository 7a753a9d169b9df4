"""Fold and Hopf curves in two parameters and their codimension-two points, against closed forms
(normal forms, also in sheared coordinates), independent one-parameter runs, an independent
extended system (scipy fsolve) and exact symbolic fourth/fifth derivatives."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import sympy
from scipy.optimize import fsolve

import bifur
from bifur import BifurcationCurve, ContinuationSettings, Model, StatusCode, continue_bifurcation, continue_equilibria
from bifur.continuation import normal_forms2
from bifur.continuation.codim2_fold import FoldCurveProblem
from bifur.continuation.codim2_hopf import HopfCurveProblem
from bifur.models import hodgkin_huxley, morris_lecar


# -- models ---------------------------------------------------------------------------------
def sheared(name: str, states: tuple[str, ...], params: dict, field, shears=()) -> Model:
    """The model u' = DS(u)⁻¹ g(S(u)) for the vector field g in coordinates x = S(u), S a composition
    of near-identity shears u_i -> u_i + φ(u) (φ independent of u_i, no linear part). Equilibria,
    parameter values of bifurcations and the linear part at the origin are unchanged, so every
    normal-form coefficient keeps its closed form, while B, C, D, E all become non-trivial."""
    u = list(sympy.symbols(states))
    ps = {sympy.Symbol(k): v for k, v in params.items()}
    g = [sympy.sympify(e) for e in field(*u, **{k.name: k for k in ps})]
    for i, phi in shears:
        expr = phi(*u)
        gs = [e.xreplace({u[i]: u[i] + expr}) for e in g]
        grad = [sympy.diff(expr, uj) for uj in u]
        g = [gs[k] if k != i else gs[i] - sum(grad[j] * gs[j] for j in range(len(u)) if j != i)
             for k in range(len(u))]
    return Model(name, {s: 0.0 for s in u}, ps, dict(zip(u, g)), time_unit="1")


def cusp_field(x, y, a, b):
    return [a + b * x - x ** 3, -y + x ** 2]


def bt_field(x, y, b1, b2, s):
    return [y, b1 + b2 * x + x ** 2 + s * x * y]


def bautin_field(x, y, b1, b2, w, s):
    r2 = x ** 2 + y ** 2
    return [b1 * x - w * y + b2 * x * r2 + s * x * r2 ** 2, w * x + b1 * y + b2 * y * r2 + s * y * r2 ** 2]


def zh_field(u, x, y, b1, b2, B, C, D, E, w):
    return [b1 + B * u ** 2 + C * (x ** 2 + y ** 2), b2 * x - w * y + D * u * x - E * u * y,
            w * x + b2 * y + D * u * y + E * u * x]


SHEARS2 = [(0, lambda x, y: 0.3 * y ** 2 - 0.2 * y ** 3), (1, lambda x, y: 0.25 * x ** 2 + 0.1 * x ** 3)]


def quiet_equilibria(*args, **kwargs):
    """A one-parameter run whose BranchWarnings (about parts of the range we do not use) are silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bifur.BranchWarning)
        return continue_equilibria(*args, **kwargs)


# -- closed forms ---------------------------------------------------------------------------
@pytest.mark.parametrize("shears", [(), SHEARS2], ids=["plain", "sheared"])
def test_cusp_fold_curve_and_cusp_point(shears):
    m = sheared("cusp" + str(len(shears)), ("x", "y"), {"a": 0.0, "b": 1.0}, cusp_field, shears)
    lp = quiet_equilibria(m, "a", (-1.0, 1.0), start={"x": 0.6, "y": 0.36}).special("LP")[0]
    curve = continue_bifurcation(m, lp, "b", (-1.0, 1.0))
    assert isinstance(curve, BifurcationCurve) and curve.curve_kind == "LP" and curve.param_names == ("a", "b")
    assert curve.complete and len(curve) > 20
    np.testing.assert_allclose(27 * curve["a"] ** 2, 4 * curve["b"] ** 3, rtol=0, atol=1e-10)
    assert curve["b"].min() < 1e-9 and curve["b"].max() == 1.0      # through the cusp, both folds
    [cp] = curve.special_points
    assert cp.kind == "CP" and abs(cp.param) < 1e-9 and abs(cp.params["a"]) < 1e-9
    assert np.abs(cp.x).max() < 1e-4
    assert cp.data["c"] == pytest.approx(-1.0, rel=1e-8)


@pytest.mark.parametrize("shears, s", [((), -1.0), ((), 1.0), (SHEARS2, -1.0)], ids=["plain-", "plain+", "sheared"])
def test_bogdanov_takens_on_fold_and_hopf_curves(shears, s):
    m = sheared(f"bt{len(shears)}{s:+.0f}", ("x", "y"), {"b1": 0.0, "b2": -1.0, "s": s}, bt_field, shears)
    one = quiet_equilibria(m, "b1", (-0.5, 0.5))
    lp, h = one.special("LP")[0], one.special("H")[0]
    folds = continue_bifurcation(m, lp, "b2", (-1.0, 1.0))
    np.testing.assert_allclose(folds["b2"] ** 2, 4 * folds["b1"], rtol=0, atol=1e-10)
    [bt] = folds.special("BT")
    hopf = continue_bifurcation(m, h, "b2", (-1.0, 1.0))
    np.testing.assert_allclose(hopf["b1"], 0.0, atol=1e-12)
    ok = np.isfinite(hopf.omega)
    np.testing.assert_allclose(hopf.omega[ok] ** 2, -hopf["b2"][ok], rtol=1e-9, atol=1e-12)
    assert hopf.special_points[-1].kind == "BT" and hopf.status.code == StatusCode.SUCCESS   # the curve ends there
    for sp in (bt, hopf.special("BT")[0]):
        assert abs(sp.param) < 1e-9 and abs(sp.params["b1"]) < 1e-9
        assert sp.data["a"] == pytest.approx(1.0, rel=1e-7)
        assert sp.data["b"] == pytest.approx(s, rel=1e-7)


@pytest.mark.parametrize("shears, s", [((), -0.7), ((), 0.4), (SHEARS2, -0.7)], ids=["plain-", "plain+", "sheared"])
def test_bautin_point_and_second_lyapunov_coefficient(shears, s):
    w = 1.3
    m = sheared(f"gh{len(shears)}{s:+.1f}", ("x", "y"), {"b1": -0.5, "b2": -0.5, "w": w, "s": s}, bautin_field, shears)
    h = quiet_equilibria(m, "b1", (-1.0, 1.0)).special("H")[0]
    curve = continue_bifurcation(m, h, "b2", (-1.0, 1.0))
    assert curve.complete
    np.testing.assert_allclose(curve["b1"], 0.0, atol=1e-12)
    np.testing.assert_allclose(curve.omega, w, rtol=1e-12)
    np.testing.assert_allclose(curve.l1, 2 * curve["b2"] / w, rtol=1e-9, atol=1e-12)   # l1 = 2β2/ω
    [gh] = curve.special_points
    assert gh.kind == "GH" and abs(gh.param) < 1e-10 and abs(gh.data["l1"]) < 1e-10
    assert np.sign(gh.data["l2"]) == np.sign(s)
    assert gh.data["l2"] == pytest.approx(4 * s / w, rel=1e-7)                          # l2 = 4s/ω


def test_zero_hopf_on_fold_and_hopf_curves():
    B, C, D, E, w = 0.8, -1.5, 0.4, 0.3, 2.0
    m = sheared("zh", ("u", "x", "y"), {"b1": 0.0, "b2": -0.5, "B": B, "C": C, "D": D, "E": E, "w": w}, zh_field,
                [(0, lambda u, x, y: 0.3 * x * y), (1, lambda u, x, y: 0.2 * u ** 2)])
    lp = quiet_equilibria(m, "b1", (-1.0, 1.0), start={"u": 0.3}).special("LP")[0]
    folds = continue_bifurcation(m, lp, "b2", (-1.0, 1.0))
    np.testing.assert_allclose(folds["b1"], 0.0, atol=1e-12)
    h = quiet_equilibria(m, "b2", (-1.0, 1.0), params={"b1": -0.2}, start={"u": -0.5}).special("H")[0]
    hopf = continue_bifurcation(m, h, "b1", (-1.0, 1.0))
    # the Hopf curve b2 = -D u, b1 = -B u² of the normal form
    np.testing.assert_allclose(hopf["b1"], -B * (hopf["b2"] / D) ** 2, rtol=1e-9, atol=1e-12)
    for zh in (folds.special("ZH")[0], hopf.special("ZH")[0]):
        b1, b2 = zh.params["b1"], zh.params["b2"]
        assert abs(b1) < 1e-9 and abs(b2) < 1e-8
        assert zh.data["omega"] == pytest.approx(w, rel=1e-8)
        # with |q0| = |q1| = 1: b = B, c = 2C (|ζ|² = 2|w|²), d = D + iE
        assert zh.data["b"] == pytest.approx(B, rel=1e-7) and zh.data["c"] == pytest.approx(2 * C, rel=1e-7)
        assert zh.data["d"] == pytest.approx(complex(D, E), rel=1e-7)
        assert zh.data["s"] == -1.0 and zh.data["theta"] == pytest.approx(D / B, rel=1e-7)
    assert [sp.kind for sp in folds.special_points] == ["ZH"]


def test_double_hopf_of_two_oscillators():
    m = Model.from_text("""
        dx1/dt = m1*x1 - w1*y1 - x1*(x1**2 + y1**2)
        dy1/dt = w1*x1 + m1*y1 - y1*(x1**2 + y1**2)
        dx2/dt = m2*x2 - w2*y2 + x2*(x2**2 + y2**2)
        dy2/dt = w2*x2 + m2*y2 + y2*(x2**2 + y2**2)
    """, {"m1": -0.5, "m2": -0.5, "w1": 1.0, "w2": math.sqrt(2.0)},
        {"x1": 0.0, "y1": 0.0, "x2": 0.0, "y2": 0.0}, time_unit="1")
    h = quiet_equilibria(m, "m1", (-1.0, 1.0)).special("H")[0]
    curve = continue_bifurcation(m, h, "m2", (-1.0, 1.0))
    [hh] = curve.special_points
    assert hh.kind == "HH" and abs(hh.param) < 1e-10 and abs(hh.params["m1"]) < 1e-12
    assert hh.data["omega1"] == pytest.approx(1.0, rel=1e-10)
    assert hh.data["omega2"] == pytest.approx(math.sqrt(2.0), rel=1e-10)
    assert np.all(curve.stable[curve["m2"] < -1e-9]) and not np.any(curve.stable[curve["m2"] > 1e-9])


def test_neutral_saddle_is_a_diagnostic_not_a_double_hopf_point():
    m = Model.from_text("""
        dx/dt = m1*x - y - x*(x**2 + y**2)
        dy/dt = x + m1*y - y*(x**2 + y**2)
        du/dt = m2*u + v
        dv/dt = u + m2*v
    """, {"m1": -0.5, "m2": -0.3}, {"x": 0.0, "y": 0.0, "u": 0.0, "v": 0.0}, time_unit="1")
    h = quiet_equilibria(m, "m1", (-1.0, 1.0)).special("H")[0]
    curve = continue_bifurcation(m, h, "m2", (-0.5, 0.5))
    assert curve.special_points == [] and curve.complete
    [d] = curve.diagnostics
    assert d.kind == "HH" and "neutral saddle" in d.message and d.severity == "info" and abs(d.param) < 0.05


# -- independent routes ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def hh_hopf_curve():
    hh = hodgkin_huxley()
    h1 = continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    return continue_bifurcation(hh, h1, "gK", (0.0, 80.0), at=[25.0, 30.0, 40.0, 45.0])


@pytest.mark.parametrize("gK", [25.0, 30.0, 40.0, 45.0])
def test_hh_hopf_curve_equals_one_parameter_hopf_points(hh_hopf_curve, gK):
    curve = hh_hopf_curve
    ref = continue_equilibria(hodgkin_huxley(), "I", (0.0, 250.0), params={"gK": gK}).special("H")
    found = curve.at(gK)
    assert len(found) == len(ref) == 2
    for i in found:
        h = min(ref, key=lambda sp: abs(sp.param - curve["I"][i]))
        assert curve["I"][i] == pytest.approx(h.param, rel=1e-8, abs=1e-8)
        np.testing.assert_allclose(curve.x[i], h.x, rtol=1e-8, atol=1e-10)
        assert curve.omega[i] == pytest.approx(h.omega, rel=1e-8)
        assert curve.l1[i] == pytest.approx(h.l1, rel=1e-6)


def test_hh_hopf_curve_codim2_points(hh_hopf_curve):
    curve = hh_hopf_curve
    kinds = sorted(sp.kind for sp in curve.special_points)
    assert kinds == ["BT", "GH", "GH"] and curve.status.ok and curve.complete
    for gh in curve.special("GH"):
        assert abs(gh.data["l1"]) < 1e-8 * max(1.0, np.abs(curve.l1).max())
        assert gh.data["l2"] < 0
    # l1 changes sign at each GH point along the curve
    for gh in curve.special("GH"):
        k = gh.index
        assert curve.l1[k - 1] * curve.l1[k + 1] < 0


def test_hh_second_lyapunov_coefficient_with_exact_fourth_and_fifth_derivatives(hh_hopf_curve):
    """D⁴f and D⁵f by sympy (exact) instead of differences of D³f: the same l2."""
    model = hodgkin_huxley()
    X = [model.symbol(s) for s in model.state_names]
    P = [model.symbol(p) for p in model.param_names]
    eqs = [model.equations[s] for s in model.state_names]

    def exact(order):
        idx = list(itertools.combinations_with_replacement(range(len(X)), order))
        fn = sympy.lambdify([X, P], [[sympy.diff(e, *[X[k] for k in ix]) for ix in idx] for e in eqs], "numpy")

        def form(cm, x, p, *vecs):
            vals = fn(list(x), list(p))
            out = np.zeros(len(X), dtype=complex)
            for i in range(len(X)):
                for ix, v in zip(idx, vals[i]):
                    if v != 0:
                        out[i] += complex(v) * sum(np.prod([vec[k] for k, vec in zip(perm, vecs)])
                                                   for perm in set(itertools.permutations(ix)))
            return out
        return form

    cm = model.compile()
    for gh in hh_hopf_curve.special("GH"):
        p = cm.param_vector(gh.params)
        fd = normal_forms2.generalized_hopf(cm, gh.x, p, gh.omega)
        mp = pytest.MonkeyPatch()
        mp.setattr(normal_forms2, "quadrilinear", exact(4))
        mp.setattr(normal_forms2, "quintilinear", exact(5))
        try:
            sym = normal_forms2.generalized_hopf(cm, gh.x, p, gh.omega)
        finally:
            mp.undo()
        assert fd["l2"] == pytest.approx(sym["l2"], rel=1e-6)
        assert gh.data["l2"] == pytest.approx(sym["l2"], rel=1e-6)


def _ml_extended_fold(model: Model, params: dict, guess: np.ndarray, I0: float) -> np.ndarray:
    """(V, w, I) of a fold by fsolve on the standard extended system f = 0, J v = 0, v_V = 1, with the
    Morris-Lecar right-hand side written out here in numpy (Jacobian by complex-step differentiation)."""
    P = {**model.params, **params}

    def f(V, w, I):
        minf = 0.5 * (1 + np.tanh((V - P["V1"]) / P["V2"]))
        winf = 0.5 * (1 + np.tanh((V - P["V3"]) / P["V4"]))
        return np.array([(I - P["gL"] * (V - P["EL"]) - P["gCa"] * minf * (V - P["ECa"]) - P["gK"] * w * (V - P["EK"]))
                         / P["C"], P["phi"] * np.cosh((V - P["V3"]) / (2 * P["V4"])) * (winf - w)])

    def jac(V, w, I, h=1e-30):
        # complex-step derivatives: exact to rounding (central differences carried ~1e-10 relative noise
        # into J v, i.e. ~3e-8 into the fold's V, more than the tolerance below)
        return np.column_stack([f(V + 1j * h, w, I).imag / h, f(V, w + 1j * h, I).imag / h])

    def system(y):
        V, w, I, vw = y
        return np.concatenate([f(V, w, I), jac(V, w, I) @ np.array([1.0, vw])])

    y = fsolve(system, [guess[0], guess[1], I0, 0.0], xtol=1e-14, full_output=True)[0]
    return y[:3]


@pytest.mark.parametrize("gCa", [3.0, 3.5, 4.5, 5.0])
def test_morris_lecar_fold_curve_equals_one_parameter_folds(gCa):
    ml = morris_lecar("snic")
    upper = continue_equilibria(ml, "I", (-100.0, 150.0)).special("LP")[0]       # I = 39.96 (the SNIC)
    curve = continue_bifurcation(ml, upper, "gCa", (2.0, 6.0), at=[gCa])
    assert curve.complete and sorted(sp.kind for sp in curve.special_points) == ["BT", "CP"]
    ref = continue_equilibria(ml, "I", (-100.0, 150.0), params={"gCa": gCa}).special("LP")
    found = curve.at(gCa)
    assert len(found) == len(ref) == 2                                            # both folds lie on this curve
    for i in found:
        lp = min(ref, key=lambda sp: abs(sp.param - curve["I"][i]))
        assert curve["I"][i] == pytest.approx(lp.param, rel=1e-8, abs=1e-8)
        # the state of a fold is ill-conditioned in a one-parameter run (error ~ sqrt of the
        # parameter's): compare it with an independent extended system instead
        V, w, I = _ml_extended_fold(ml, {"gCa": gCa}, curve.x[i] + [0.5, 0.001], lp.param)
        np.testing.assert_allclose(curve.x[i], [V, w], rtol=1e-10, atol=1e-12)
        assert curve["I"][i] == pytest.approx(I, rel=1e-8, abs=1e-8)


# -- derivatives of the defining systems ------------------------------------------------------
def _fd_jacobian(problem, z, h=1e-6):
    cols = []
    for k in range(z.size):
        e = np.zeros(z.size)
        e[k] = h * max(1.0, abs(z[k]))
        cols.append((problem.residual(z + e) - problem.residual(z - e)) / (2 * e[k]))
    return np.column_stack(cols)


def test_jacobians_of_the_defining_systems_match_differences(hh_hopf_curve):
    cm = hodgkin_huxley().compile()
    i1, i2 = cm.param_index("I"), cm.param_index("gK")
    k = len(hh_hopf_curve) // 3
    c = hh_hopf_curve
    z = np.concatenate([c.x[k], [c.omega[k] ** 2], [c["I"][k], c["gK"][k]]])
    hp = HopfCurveProblem(cm, i1, i2, cm.param_vector(I=z[-2], gK=z[-1]), z[:4], c.omega[k])
    J = hp.jacobian(z)
    np.testing.assert_allclose(J, _fd_jacobian(hp, z), rtol=1e-5, atol=1e-6 * np.abs(J).max())
    ml = morris_lecar("snic").compile()
    lp = continue_equilibria(morris_lecar("snic"), "I", (0.0, 100.0)).special("LP")[0]
    fp = FoldCurveProblem(ml, ml.param_index("I"), ml.param_index("gCa"), ml.param_vector(), lp.x)
    z = np.concatenate([lp.x, [lp.param, 4.0]])
    J = fp.jacobian(z)
    np.testing.assert_allclose(J, _fd_jacobian(fp, z), rtol=1e-5, atol=1e-6 * np.abs(J).max())


# -- records, bounds, validation ------------------------------------------------------------
def test_curve_saves_and_loads(tmp_path, hh_hopf_curve):
    curve = hh_hopf_curve
    back = bifur.load_branch(curve.save(tmp_path / "hopf"))
    assert isinstance(back, BifurcationCurve) and back.curve_kind == "H" and back.param_names == ("I", "gK")
    for name in ("I", "gK", "V", "omega", "l1", "period"):
        np.testing.assert_array_equal(back[name], curve[name])
    np.testing.assert_array_equal(back.eigenvalues, curve.eigenvalues)
    assert [sp.kind for sp in back.special_points] == [sp.kind for sp in curve.special_points]
    for a, b in zip(back.special_points, curve.special_points):
        assert a.params == b.params and a.data.get("l2") == b.data.get("l2") and a.data.get("a") == b.data.get("a")
    df = back.to_dataframe()
    assert list(df.columns[:2]) == ["I", "gK"] and len(df) == len(curve)


def test_first_parameter_bound_ends_the_curve_on_it():
    m = Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 1.0}, {"x": 0.6}, time_unit="1")
    lp = continue_equilibria(m, "a", (-1.0, 1.0)).special("LP")[0]          # a = ±0.3849 at b = 1
    curve = continue_bifurcation(m, lp, "b", (-1.0, 2.0), p1_range=(-0.5, 0.5))
    assert curve["a"].min() >= -0.5 and curve["a"].max() <= 0.5
    assert -0.5 in curve["a"] and curve.status.ok
    i = int(np.argmin(curve["a"]))
    assert 27 * curve["a"][i] ** 2 == pytest.approx(4 * curve["b"][i] ** 3, rel=1e-10)


def test_invalid_requests_are_refused_with_reasons():
    m = Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 1.0}, {"x": 0.6}, time_unit="1")
    lp = continue_equilibria(m, "a", (-1.0, 1.0)).special("LP")[0]
    with pytest.raises(ValueError, match="second parameter"):
        continue_bifurcation(m, lp, "a", (-1.0, 1.0))
    with pytest.raises(ValueError, match="unknown parameter"):
        continue_bifurcation(m, lp, "c", (-1.0, 1.0))
    with pytest.raises(ValueError, match="outside p_range"):
        continue_bifurcation(m, lp, "b", (2.0, 3.0))
    with pytest.raises(ValueError, match="outside p1_range"):
        continue_bifurcation(m, lp, "b", (-1.0, 2.0), p1_range=(lp.param + 0.1, lp.param + 1.0))
    bp = bifur.SpecialPoint("BP", 0.1, np.zeros(1), 0, {}, "a", params={"a": 0.1, "b": 1.0})
    with pytest.raises(ValueError, match="not 'BP'"):
        continue_bifurcation(m, bp, "b", (-1.0, 1.0))
    lpc = bifur.SpecialPoint("LPC", 0.1, np.zeros(1), 0, {}, "a", params={"a": 0.1, "b": 1.0})
    with pytest.raises(ValueError, match="carries no period"):  # not a point of a cycle branch
        continue_bifurcation(m, lpc, "b", (-1.0, 1.0))
    with pytest.raises(ValueError, match="SpecialPoint"):
        continue_bifurcation(m, {"kind": "LP"}, "b", (-1.0, 1.0))
    with pytest.raises(ValueError, match="settings"):
        continue_bifurcation(m, lp, "b", (-1.0, 1.0), settings={"ds_max": 0.1})


def test_steps_follow_the_curve_scales_and_settings():
    m = Model.from_text("dx/dt = a + b*x - x**3", {"a": 0.0, "b": 1.0}, {"x": 0.6}, time_unit="1")
    lp = continue_equilibria(m, "a", (-1.0, 1.0)).special("LP")[0]
    coarse = continue_bifurcation(m, lp, "b", (-1.0, 1.0))
    fine = continue_bifurcation(m, lp, "b", (-1.0, 1.0), settings=ContinuationSettings(ds_max=0.01))
    assert len(fine) > 3 * len(coarse)
    assert [sp.kind for sp in fine.special_points] == ["CP"]
