"""Branch points of equilibria: always reported, refined, switched; closed branches; nothing dropped.

Evidence: normal forms with closed-form branches (pitchfork x' = μx - x³, transcritical
x' = μx - x²), a two-dimensional pitchfork whose bifurcating branch is known in closed form,
a linear system with a neutral saddle, and the engine's behaviour when refinement is made
impossible on purpose.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bifur
from bifur import Model, StatusCode, continue_equilibria
from bifur.continuation.engine import continuation
from bifur.continuation.equilibria import EquilibriumProblem
from bifur.continuation.report import raw_to_branch


def _text(eqs: str, params: dict, init: dict) -> Model:
    return Model.from_text(eqs, params=params, init=init, time_unit="1")


PITCHFORK = _text("dx/dt = mu*x - x**3", {"mu": -1.0}, {"x": 0.0})
TRANSCRITICAL = _text("dx/dt = mu*x - x**2", {"mu": -1.0}, {"x": 0.0})
# x' = μx - x³ - x y, y' = -y + x²: trivial branch x = y = 0; at μ = 0 the branch x² = μ/2, y = x²
PITCHFORK_2D = _text("dx/dt = mu*x - x**3 - x*y\ndy/dt = -y + x**2", {"mu": -1.0}, {"x": 0.0, "y": 0.0})


def test_pitchfork_switching_follows_both_halves_of_the_parabola():
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        trivial = continue_equilibria(PITCHFORK, "mu", (-1.0, 1.0))
        [bp] = trivial.special("BP")
        other = continue_equilibria(PITCHFORK, "mu", (-1.0, 1.0), start=bp)
    assert bp.refined and abs(bp.param) < 1e-10
    x, mu = other["x"], other["mu"]
    np.testing.assert_allclose(x ** 2, mu, atol=1e-9)  # closed form x = ±√μ
    assert x.max() > 0.9 and x.min() < -0.9          # both halves, up to the bound μ = 1
    assert np.all(mu >= -1e-9)
    assert other.special_points[0].kind == "BP" and other.special_points[0].data["switched"]
    assert other.status.ok


def test_transcritical_switching_follows_x_equals_mu_through_the_crossing():
    trivial = continue_equilibria(TRANSCRITICAL, "mu", (-1.0, 1.0))
    [bp] = trivial.special("BP")
    assert abs(bp.param) < 1e-10 and bp.data["switching"] == "algebraic"
    other = continue_equilibria(TRANSCRITICAL, "mu", (-1.0, 1.0), start=bp)
    np.testing.assert_allclose(other["x"], other["mu"], atol=1e-9)
    assert other["mu"].min() == pytest.approx(-1.0) and other["mu"].max() == pytest.approx(1.0)
    # stability exchanges: x = μ is stable for μ > 0 (f_x = μ - 2x = -μ)
    assert np.all(other.stable[other["mu"] > 1e-3]) and not np.any(other.stable[other["mu"] < -1e-3])


def test_two_dimensional_pitchfork_branch_matches_closed_form():
    trivial = continue_equilibria(PITCHFORK_2D, "mu", (-1.0, 1.0))
    [bp] = trivial.special("BP")
    other = continue_equilibria(PITCHFORK_2D, "mu", (-1.0, 1.0), start=bp)
    x, y, mu = other["x"], other["y"], other["mu"]
    np.testing.assert_allclose(2 * x ** 2, mu, atol=1e-9)
    np.testing.assert_allclose(y, x ** 2, atol=1e-9)
    assert x.max() > 0.6 and x.min() < -0.6


ENZ = Model.from_text("""
    ds1/dt = (s0 - s1) + (s2 - s1) - rho*s1/(1 + s1 + kappa*s1**2)
    ds2/dt = (s0 + mu - s2) + (s1 - s2) - rho*s2/(1 + s2 + kappa*s2**2)
""", params=dict(s0=0.0, mu=0.0, rho=100.0, kappa=1.0), init=dict(s1=0.0, s2=0.0), name="enz", time_unit="1")


def test_branch_point_kept_unrefined_with_its_bracket_when_refinement_fails():
    """On the enzyme model's symmetric branch the corrector fails next to the pitchforks (the
    bordered system is singular there). With the extended-system refinement disabled on purpose,
    the points must stay, marked unrefined, with brackets that contain the refined values, and warn."""

    class NoRefine(EquilibriumProblem):
        def refine(self, kind, point):
            return None

    refined = continue_equilibria(ENZ, "s0", (0.0, 50.0)).special("BP")
    assert len(refined) == 2 and all(bp.refined for bp in refined)
    cm = ENZ.compile()
    pb = NoRefine(cm, 0, cm.param_vector())
    raw = continuation(pb, np.array([0.0, 0.0, 0.0]), (0.0, 50.0))
    with pytest.warns(bifur.BranchWarning, match="could not be refined"):
        br = raw_to_branch(raw, "equilibrium", ENZ, "s0", dict(ENZ.params),
                           {}, np.array([p.z[:-1] for p in raw.points]), np.ones(len(raw.points), bool))
    bps = br.special("BP")
    assert len(bps) == 2 and not br.complete
    for bp, ref in zip(bps, refined):
        lo, hi = bp.bracket
        assert not bp.refined and lo <= ref.param <= hi and hi - lo < 1e-2
        assert abs(bp.param - ref.param) < 1e-6  # the secant estimate inside the bracket


def test_neutral_saddle_is_a_diagnostic_not_a_hopf_point():
    # eigenvalues mu + 1 and mu - 1: their sum crosses zero at mu = 0 with both real
    m = _text("dx/dt = (mu + 1)*x\ndy/dt = (mu - 1)*y", {"mu": -0.5}, {"x": 0.0, "y": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error", bifur.BranchWarning)
        br = continue_equilibria(m, "mu", (-0.5, 0.5))
    assert br.special_points == []
    [d] = br.diagnostics
    assert d.kind == "H" and d.severity == "info" and "neutral saddle" in d.message and abs(d.param) < 0.1
    assert br.complete


def test_closed_branch_stops_once_in_either_direction():
    """The circle x² + y² = 1 - ... traced by (x, y) = (cos, sin) of the parameter-free loop
    x' = 1 - x² - mu², y' = -y: equilibria x = ±√(1 - mu²), a closed curve in (mu, x)."""
    m = _text("dx/dt = 1 - x**2 - mu**2\ndy/dt = -y", {"mu": 0.0}, {"x": 1.0, "y": 0.0})
    for direction in ("forward", "backward", "both"):
        st = bifur.ContinuationSettings(ds_max=0.05, direction=direction)
        br = continue_equilibria(m, "mu", (-2.0, 2.0), start=[1.0, 0.0], settings=st)
        assert br.status.code == StatusCode.CLOSED_LOOP, direction
        np.testing.assert_allclose(br["x"] ** 2 + br["mu"] ** 2, 1.0, atol=1e-9)
        folds = sorted(round(sp.param, 9) for sp in br.special("LP"))
        assert folds == [-1.0, 1.0], direction  # each fold once
        assert len(br) < 200


def test_branch_start_is_where_the_user_is():
    """x' = μ - x² with μ = 1 as the default: the branch starts at μ = 1 (not at the range end
    μ = -1, where there is no equilibrium) and finds the fold at 0."""
    m = _text("dx/dt = mu - x**2", {"mu": 1.0}, {"x": 1.0})
    br = continue_equilibria(m, "mu", (-1.0, 1.0))
    [lp] = br.special("LP")
    assert abs(lp.param) < 1e-10 and lp.refined
    np.testing.assert_allclose(br["x"] ** 2, br["mu"], atol=1e-9)


def test_no_equilibrium_anywhere_is_a_solver_error():
    m = _text("dx/dt = mu - x**2", {"mu": -1.0}, {"x": 0.0})
    with pytest.raises(bifur.SolverError) as err:
        continue_equilibria(m, "mu", (-2.0, -1.0))
    assert err.value.status.code == StatusCode.NO_SOLUTION


def test_fold_normal_form_sign_is_fixed_in_two_dimensions():
    """q points towards increasing voltage. V' = I + V² - w, w' = V - 2w has its fold at
    I = 1/16, V = 1/4, where q = (2, 1)/√5, w = (2, -1)√5/3 (so <w, q> = 1), B(q, q) = (8/5, 0):
    a = <w, B(q,q)>/2 = 8√5/15 and b = <w, f_I> = 2√5/3, from either side and whatever the SVD's sign."""
    text = "dV/dt = I + V**2 - w\ndw/dt = V - 2*w"
    for I0, V0 in ((0.0, 0.0), (0.1, 1.0)):
        m = Model.from_text(text, params={"I": I0}, init={"V": V0, "w": V0 / 2}, time_unit="1")
        [lp] = continue_equilibria(m, "I", (0.0, 0.1)).special("LP")
        assert lp.param == pytest.approx(1 / 16, abs=1e-10)
        np.testing.assert_allclose(lp.data["q"], np.array([2.0, 1.0]) / math.sqrt(5), atol=1e-8)
        np.testing.assert_allclose(lp.data["w"], np.array([2.0, -1.0]) * math.sqrt(5) / 3, atol=1e-7)
        assert lp.data["a"] == pytest.approx(8 * math.sqrt(5) / 15, rel=1e-7)
        assert lp.data["b"] == pytest.approx(2 * math.sqrt(5) / 3, rel=1e-7)
