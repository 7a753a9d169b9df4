"""Curves of period doublings (PD) of cycles in two parameters: generalized period doubling (GPD),
strong resonance 1:2 (R2), fold-flip (LPPD) and flip-torus (PDNS) points.

Defining function (minimally extended, as MatCont): the linearised flow with the antiperiodic
boundary condition, bordered,

    [[D - h T f_x(x(ζ)),  b], [v(0) + v(1), 0], [cᵀ, 0]] [v; g] = [0; 0; 1],

is singular exactly where the discrete monodromy matrix has the multiplier -1 (the collocation
rows are those of the cycle's Jacobian; x_N = -u_N brings the boundary rows to the form of the
condensed solver, see :mod:`~.cycle_bordered`), so g = 0 is the PD condition that the
one-parameter test (prod (μ + 1)) locates, on the same discretisation. Borders: c = the PD
eigenfunction of the last accepted point (L2-weighted), b = the same function embedded in the
collocation rows; b pairs with the adjoint eigenfunction v* through ∫ v*·v ≠ 0 (a simple
multiplier), which keeps the matrix regular.

Normal form (Iooss; Kuznetsov, Govaerts, Doedel & Dhooge, SIAM J. Numer. Anal. 43:1407, 2005).
On the centre manifold x = x0(τ) + ξ v(τ) + ½ ξ² h2(τ) + ..., dτ/dt = 1 + a ξ², dξ/dt = c ξ³;
in time scaled by the period (τ ∈ [0, 1], ' = d/dτ, A = T f_x, B and C the second and third
derivatives of T f):

    h2' - A h2 = B(v, v) - 2a x0',   h2 periodic,
    c = ∫ v*·(C(v, v, v) + 3 B(v, h2) - 6a v') dτ / (6 ∫ v*·v dτ),

with v* the antiperiodic adjoint eigenfunction. Here h2 and a come from one solve with the
cycle's own bordered matrix (the x0' column of the period absorbs -2a x0', so a = -σ/(2T) where σ
is the period component of the solution), and the integrals against v* are read off the PD
bordered system itself: the g-slot of [[...]]⁻¹[r; 0] is proportional to ∫ v*·r for a function r
embedded in the collocation rows (the left null vector there is the discrete v*). The F-component
of h2 (fixed by the phase condition instead of ∫ φ*·h2 = 0) does not change c. ``c`` is reported in
the model's time unit with ∫_0^T |v|² dt = 1; c < 0: supercritical (stable period-doubled cycles
next to the unstable primary ones), c > 0: subcritical. ``GPD`` is where c changes sign.

Test functions: ``GPD`` c (a sign change through a pole of c, where ∫ v*·v or the periodic
problem degenerates, is a diagnostic); ``R2`` :func:`~.codim2_cycle_base.symmetric_test` of
degree n - 1 at -1 (a second multiplier -1); ``LPPD`` the same at +1 (a multiplier 1 besides the
trivial one); ``PDNS`` prod (μi μj - 1) over the multipliers other than the trivial one and -1.
"""
from __future__ import annotations

import math

import numpy as np

from .._mesh import Basis, evaluate
from ..branch import SpecialPoint
from ..codegen import CompiledModel
from .codim2_cycle_base import (Critical, CycleCurveProblem, Linear, multiplier_stability, nearest, pairs_test,
                                symmetric_test)
from .corrector import SOLVE_ERRORS
from .cycle_bordered import BorderedCollocation, row_vector, twisted_rows
from .problem import BorderedSolve, Discard

__all__ = ["PDCurveProblem", "flip_coefficient"]


class PDCurveProblem(CycleCurveProblem):
    """Period doublings of cycles in two parameters: z = (X, T, p1, p2) (see the module docstring).

    ``V`` is the PD eigenfunction at the nodes of ``mesh`` (V(1) = -V(0)).

    Examples
    --------
    >>> import bifur
    >>> from bifur.continuation.cycle_bordered import eigenfunction
    >>> text = "\\n".join(["dx/dt = -y - z", "dy/dt = x + a*y", "dz/dt = b + z*(x - c)"])
    >>> ross = bifur.Model.from_text(text, {"a": 0.2, "b": 0.2, "c": 2.8}, {"x": 1.0, "y": 0.0, "z": 0.0},
    ...                              time_unit="1")
    >>> [pd] = bifur.continue_cycles(ross, bifur.find_cycle(ross), "c", (2.5, 3.0)).special("PD")
    >>> cm = ross.compile()
    >>> X, mesh = pd.data["profile"], pd.data["mesh"]
    >>> pb = PDCurveProblem(cm, 2, 0, cm.param_vector(pd.params), mesh, Basis(4), X, pd.data["period"],
    ...                     V=pd.data["eigenfunction"])
    >>> z = pb.pack(X, pd.data["period"], [], pd.param, 0.2)
    >>> pb.start_at(z)
    >>> bool(np.max(np.abs(pb.residual(z))) < 1e-8)
    True
    """

    kind = "PD"
    event_kinds = ("GPD", "R2", "LPPD", "PDNS")

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray, mesh: np.ndarray, basis: Basis,
                 X: np.ndarray, T: float, V: np.ndarray, adapt_every: int = 3, max_period_factor: float = 10.0):
        super().__init__(cm, i1, i2, p, mesh, basis, X, T, adapt_every, max_period_factor)
        self.solver = BorderedCollocation(self.N, self.m, self.n)
        self.R = -np.eye(self.n)
        V = np.asarray(V, dtype=float)
        self.v_vec = V / math.sqrt(float(self.cyc.node_weights @ np.sum(V ** 2, axis=1)))
        self._c_scale = 0.0

    # -- the bordered PD system ------------------------------------------------------------------
    def critical(self, z: np.ndarray, vals: np.ndarray, yt: np.ndarray) -> Critical:
        rows = twisted_rows(vals, self.N, self.m, self.n, self.R, np.zeros(self.N * self.m * self.n),
                            row_vector(self.cyc, self.v_vec))
        c = np.outer(self.cyc.node_weights, np.ones(self.n)) * self.v_vec
        c[-1] = self.R.T @ c[-1]
        phi = np.zeros(self.nx + 2)
        phi[self.nx] = 1.0  # slot a is unused: its unknown is 0
        beta = np.concatenate([c.reshape(-1), [0.0, 0.0]])
        x = self.solver.solve(rows, phi, beta, np.zeros(self.N * self.m * self.n), np.zeros(self.n), 0.0, 1.0)
        V = x[:self.nx].reshape(self.P, self.n).copy()
        V[-1] = self.R @ V[-1]
        return Critical(np.array([x[-1]]), [(V, 0.0, np.zeros(2))], {"v": V, "rows": rows, "phi": phi, "beta": beta})

    def crit_solve(self, z: np.ndarray, lin: Linear | None, rhs_coll: np.ndarray, crit: Critical | None = None
                   ) -> np.ndarray:
        d = (crit or lin.crit).data
        return self.solver.solve(d["rows"], d["phi"], d["beta"], rhs_coll, np.zeros(self.n), 0.0, 0.0)[-1:]

    def border_state(self) -> dict:
        return {"v_vec": self.v_vec}

    def set_borders(self, z: np.ndarray, crit: Critical) -> None:
        V = crit.data["v"]
        self.v_vec = V / math.sqrt(float(self.cyc.node_weights @ np.sum(V ** 2, axis=1)))

    def remesh_borders(self, old: np.ndarray, new_tau: np.ndarray) -> None:
        V = evaluate(self.v_vec, old, self.basis, new_tau[:-1])
        self.v_vec = np.vstack([V, self.R @ V[0]])

    # -- per point ------------------------------------------------------------------------------
    def record(self, z: np.ndarray) -> dict:
        rec = self.base_record(z)
        mu = rec["multipliers"]
        ok = bool(np.all(np.isfinite(mu)))
        crit_idx = sorted(set(nearest(mu, 1.0) + nearest(mu, -1.0))) if ok else []
        rec["n_unstable"], rec["stable"] = multiplier_stability(mu, crit_idx)
        rec["critical"] = crit_idx
        try:
            crit = self._point(z)["crit"]
            rec["pd_c"] = flip_coefficient(self, z, crit)
        except SOLVE_ERRORS:
            rec["pd_c"] = math.nan
        if math.isfinite(rec["pd_c"]):
            self._c_scale = max(self._c_scale, abs(rec["pd_c"]))
        return rec

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        mu = record["multipliers"]
        return np.array([record["pd_c"], symmetric_test(mu, -1.0, self.n - 1), symmetric_test(mu, 1.0, self.n - 1),
                         pairs_test(mu, record["critical"])])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        if kind == "PDNS":
            def cplx(r):
                rest = np.delete(r["multipliers"], r["critical"])
                return bool(np.any(np.abs(rest.imag) > 1e-8))
            if not (cplx(a) or cplx(b)):
                return Discard("neutral saddle cycle (a real pair μ, 1/μ besides the trivial 1 and the -1), not a "
                               "flip-torus point")
        return None

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        mu = record["multipliers"]
        data = self.point_data(z, record)
        data["c"] = record["pd_c"]
        if kind == "GPD":
            if not (math.isfinite(record["pd_c"]) and abs(record["pd_c"]) <= 1e-4 * max(self._c_scale, 1e-300)):
                return Discard(f"the GPD test changed sign through a pole (c = {record['pd_c']:.3g} at the located point): "
                               "the periodic problem or ∫ v*·v degenerates here (near a fold-flip or 1:2 resonance)")
        elif kind == "R2":
            if np.sum(np.abs(mu + 1.0) < 0.05) < 2:
                return Discard("the R2 test changed sign but a second multiplier is not near -1", "warning")
        elif kind == "LPPD":
            if np.sum(np.abs(mu - 1.0) < 0.05) < 2:
                return Discard("the LPPD test changed sign but a second multiplier is not near 1", "warning")
        elif kind == "PDNS":
            rest = np.delete(mu, record["critical"])
            on = rest[(np.abs(np.abs(rest) - 1.0) < 1e-3) & (np.abs(rest.imag) > 1e-6)]
            if on.size < 2:
                return Discard("neutral saddle cycle (a real pair μ, 1/μ), not a flip-torus point")
            data["theta"] = float(abs(np.angle(on[0])))
        return self.special(kind, z, data)


def _forms(pb: PDCurveProblem, X: np.ndarray, p: np.ndarray, V: np.ndarray, W: np.ndarray,
           U: np.ndarray | None = None) -> np.ndarray:
    """B(V, W) (or C(V, W, U)) at every Gauss point, in row order (N m, n), exact symbolic forms."""
    N, m, n = pb.N, pb.m, pb.n
    idx = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    L = pb.basis.L

    def gauss(Y):
        return np.ascontiguousarray(np.einsum("ki,jic->jkc", L, Y[idx]).reshape(N * m, n))

    xs, vs, ws = gauss(X), gauss(V), gauss(W)
    us = gauss(U) if U is not None else None
    f2, f3 = pb.cm.d2, pb.cm.d3
    out = np.empty((N * m, n))
    for r in range(N * m):
        out[r] = f2(xs[r], p, vs[r], ws[r]) if us is None else f3(xs[r], p, vs[r], ws[r], us[r])
    return out


def flip_coefficient(pb: PDCurveProblem, z: np.ndarray, crit: Critical) -> float:
    """The cubic coefficient c of the PD normal form at the curve point z (see the module docstring);
    NaN when a solve fails."""
    X, T, _, p = pb.unpack(z)
    N, m, n = pb.N, pb.m, pb.n
    V = crit.data["v"]
    V = V / math.sqrt(float(pb.cyc.node_weights @ np.sum(V ** 2, axis=1)))
    h = np.repeat(pb.cyc.h, m)[:, None]
    # h2 and a: the cycle's bordered matrix with the parameter column removed (its unknown held at 0)
    cz = pb.cycle_z(z)
    vals = pb.cyc.jacobian(cz).copy()
    vals.reshape(pb.cols.shape)[:, -1] = 0.0
    e_p = np.zeros(pb.nx + 2)
    e_p[-1] = 1.0
    rhs = np.concatenate([(h * T * _forms(pb, X, p, V, V)).reshape(-1), np.zeros(n + 1)])
    sol = pb.cyc.solve_bordered(vals, e_p, rhs, 0.0).x
    H2 = sol[:pb.nx].reshape(pb.P, n)
    a = -float(sol[pb.nx]) / (2.0 * T)
    # h_j v' at the Gauss points: the D part of the collocation rows
    idx = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    dv = np.einsum("ki,jic->jkc", pb.basis.D, V[idx]).reshape(N * m, n)
    r3 = h * T * (_forms(pb, X, p, V, V, V) + 3.0 * _forms(pb, X, p, V, H2)) - 6.0 * a * dv
    num = pb.crit_solve(z, None, r3.reshape(-1), crit)[0]
    den = pb.crit_solve(z, None, row_vector(pb.cyc, V), crit)[0]
    if den == 0.0 or not math.isfinite(num / den):
        return math.nan
    return float(num / den) / 6.0 / T ** 2
