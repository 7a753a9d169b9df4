"""Curves of folds of cycles (LPC) in two parameters: cusp of cycles (CPC), 1:1 resonance (R1),
fold-flip (LPPD), fold-torus (LPNS), and the end at a generalized Hopf point (GH).

Defining function. The one-parameter family of cycles along a direction q of the parameter
plane that crosses the curve (see :mod:`~.codim2_cycle_base`) has the bordered matrix
M_ext = [[F_X, F_T, F_q], [phase], [tᵀ]] (t: the family tangent at the last accepted point);
its solution M_ext yt = [0; 1] is the family tangent normalised by t·yt = 1, and

    g = (yt)_q,

its component along q, vanishes exactly where [F_X, F_T; phase] is singular: where every family
folds, the fold of cycles of a one-parameter continuation in p1 at the same p2 (whose LPC test is
the parameter component of the same family tangent, on the same discretisation). M_ext is regular at and near the fold, so it is both the critical matrix
and the matrix of the block elimination (:mod:`~.codim2_cycle_base`): every solve is the
condensed solve of cycle continuation itself.

Test functions:

* ``CPC``: g_z·yt / ‖yt‖², the derivative of g along the family, i.e. the curvature of the
  family at its fold (s_q ≈ a s²): zero where the fold degenerates into a cusp (q keeps its
  orientation through the cusp, where the curve reverses in the parameter plane);
* ``R1``: :func:`~.codim2_cycle_base.symmetric_test` of degree n - 2 at 1, the product of
  (1 - μ) over the multipliers other than the double multiplier 1 of the fold, without picking
  them out: zero where a third multiplier reaches 1;
* ``LPPD``: prod (μ + 1) over all multipliers (those at 1 contribute 2): a multiplier -1;
* ``LPNS``: prod (μi μj - 1) over the multipliers other than the two nearest 1: a complex pair on
  the unit circle (real pairs μ, 1/μ are neutral saddles, recorded as diagnostics).

End at GH. Where the fold of cycles is born at a Bautin point, its cycles shrink to zero
amplitude and the defining system degenerates. When the last cycle is small and surrounds an
equilibrium with a pair of eigenvalues ±iω, |Re λ| ≤ 2 % ω, whose period 2π/ω is within 2 % of
the cycle's, the GH point is located on the Hopf curve through that equilibrium (the Hopf-curve
problem of :mod:`~.codim2_hopf`, run by the same engine in a window of p2) and the curve ends
there with a terminal ``GH`` point carrying l2, as cycle branches end at Hopf points.
"""
from __future__ import annotations

import math

import numpy as np

from ..branch import SpecialPoint
from .codim2_cycle_base import (Critical, CycleCurveProblem, Linear, multiplier_stability, nearest, pairs_test,
                                symmetric_test)
from .corrector import SOLVE_ERRORS
from .problem import BorderedSolve, Discard, product_test

__all__ = ["LPCCurveProblem"]


class LPCCurveProblem(CycleCurveProblem):
    """Folds of cycles in two parameters: z = (X, T, p1, p2) (see the module docstring).

    Examples
    --------
    The Bautin normal form r' = r(b1 + b2 r² - r⁴), θ' = 1 has its fold of cycles at b1 = -b2²/4,
    r² = b2/2; the fold is a zero of g:

    >>> import bifur
    >>> from bifur._mesh import Basis, node_times
    >>> text = chr(10).join(["dx/dt = b1*x - y + b2*x*(x**2 + y**2) - x*(x**2 + y**2)**2",
    ...                      "dy/dt = x + b1*y + b2*y*(x**2 + y**2) - y*(x**2 + y**2)**2"])
    >>> cm = bifur.Model.from_text(text, {"b1": -0.25, "b2": 1.0}, {"x": 0.0, "y": 0.0}, time_unit="1").compile()
    >>> mesh = np.linspace(0.0, 1.0, 21)
    >>> tau = node_times(mesh, 4)
    >>> X = np.sqrt(0.5) * np.column_stack([np.cos(2 * np.pi * tau), np.sin(2 * np.pi * tau)])
    >>> pb = LPCCurveProblem(cm, 0, 1, cm.param_vector(), mesh, Basis(4), X, 2 * np.pi)
    >>> z = pb.pack(X, 2 * np.pi, [], -0.25, 1.0)
    >>> pb.start_at(z)
    >>> r = pb.residual(z)   # the exact orbit: collocation rows at the discretisation error of 20 intervals
    >>> bool(np.max(np.abs(r)) < 1e-6 and abs(r[-1]) < 1e-7)   # and the fold test g vanishes with it
    True
    """

    kind = "LPC"
    event_kinds = ("CPC", "R1", "LPPD", "LPNS")
    hopf_end_kinds = ("GH",)

    def end_record_defaults(self) -> dict:
        return {"critical": [], "cpc": math.nan}

    # -- the defining system -----------------------------------------------------------------
    def critical(self, z: np.ndarray, vals: np.ndarray, yt: np.ndarray) -> Critical:
        return Critical(np.array([yt[-1]]), [self.direction_of(yt)])

    def crit_solve(self, z: np.ndarray, lin: Linear, rhs_coll: np.ndarray) -> np.ndarray:
        return self.ext_solve(lin.vals, np.concatenate([rhs_coll, np.zeros(self.n + 1)]), 0.0)[-1:]

    # -- per point --------------------------------------------------------------------------
    def record(self, z: np.ndarray) -> dict:
        rec = self.base_record(z)
        mu = rec["multipliers"]
        crit_idx = nearest(mu, 1.0, 2) if np.all(np.isfinite(mu)) else []
        rec["n_unstable"], rec["stable"] = multiplier_stability(mu, crit_idx)
        rec["critical"] = crit_idx
        try:
            lin = self.jacobian(z)
            yt, w = lin.yt, self.weights(z)
            wc = (np.concatenate([w[:self.nx + 1], [float(self.q @ (w[-2:] * self.q))]]) if w is not None
                  else np.ones(yt.size))
            rec["cpc"] = float(lin.dg_yt[0]) / float(yt @ (wc * yt))
        except SOLVE_ERRORS:
            rec["cpc"] = math.nan
        return rec

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        mu = record["multipliers"]
        r1 = symmetric_test(mu, 1.0, self.n - 2)
        lppd = product_test(mu + 1.0) if np.all(np.isfinite(mu)) else math.nan
        return np.array([record["cpc"], r1, lppd, pairs_test(mu, record["critical"])])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        if kind == "LPNS":
            def cplx(r):
                rest = np.delete(r["multipliers"], r["critical"])
                return bool(np.any(np.abs(rest.imag) > 1e-8))
            if not (cplx(a) or cplx(b)):
                return Discard("neutral saddle cycle (a real pair of multipliers μ, 1/μ besides the double 1 of the "
                               "fold), not a fold-torus point")
        return None

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        mu = record["multipliers"]
        data = self.point_data(z, record)
        if kind == "CPC":
            data["cpc"] = record["cpc"]
        elif kind == "R1":
            near = np.sort(np.abs(mu - 1.0))
            if near.size < 3 or near[2] > 1e-3:
                return Discard(f"the R1 test changed sign but only two multipliers are near 1 (the third at distance "
                               f"{near[2] if near.size > 2 else math.inf:.1e})", "warning")
        elif kind == "LPPD":
            if not np.any(np.abs(mu + 1.0) < 1e-3):
                return Discard("the LPPD test changed sign but no multiplier is near -1", "warning")
        elif kind == "LPNS":
            rest = np.delete(mu, record["critical"])
            on = rest[(np.abs(np.abs(rest) - 1.0) < 1e-3) & (np.abs(rest.imag) > 1e-6)]
            if on.size < 2:
                return Discard("neutral saddle cycle (a real pair μ, 1/μ), not a fold-torus point")
            data["theta"] = float(abs(np.angle(on[0])))
        return self.special(kind, z, data)
