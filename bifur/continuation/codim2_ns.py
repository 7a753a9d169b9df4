"""Curves of Neimark-Sacker (torus) bifurcations of cycles in two parameters: strong resonances
R1-R4, fold-torus (LPNS) and flip-torus (PDNS) points, and the end at a double multiplier.

Defining functions (minimally extended, in real arithmetic). A pair of multipliers e^{±iθ} means
a solution v = v_r + i v_i of the linearised flow with v(1) = e^{iθ} v(0). On the doubled state
(v_r, v_i) that is the collocation system of two copies of v' = T f_x v with the boundary
condition x_N = R(θ) x_0, R the rotation by θ in the (r, i) plane (:func:`~.cycle_bordered.twisted_rows`).
Its kernel at a torus point is two-dimensional, spanned by V and J V (J: multiplication by i),
so it is bordered twice:

    [[A(θ), b, J b], [bc], [cᵀ, 0, 0], [(J c)ᵀ, 0, 0]] [V; G] = [0; e1],

and because A commutes with J, the 2 x 2 Schur complement G has the form of a complex number:
g = (G11, G21) = (Re, Im) are the two defining functions. θ is an extra unknown (z = (X, T, θ,
p1, p2)); ∂g/∂θ comes from the same solve with the boundary right-hand side R⁻¹R'V(0) = J V(0).
Borders: c = the kernel vector V of the last accepted point (L2-weighted), b = V embedded in the
collocation rows.

Test functions: ``R2`` θ - π, ``R3`` θ - 2π/3, ``R4`` θ - π/2, ``LPNS``
:func:`~.codim2_cycle_base.symmetric_test` of degree n - 1 at 1 (a multiplier 1 besides the
trivial one), ``PDNS`` prod (μ + 1) (a multiplier -1; zero also at R2, where it is a diagnostic).

Ends at a double multiplier. At R1 (θ = 0) and R2 (θ = π) the pair e^{±iθ} becomes a double
real multiplier ±1: beyond it the pair is real (μ, 1/μ, neutral saddle cycles, no torus). At R2
the defining system is regular and retraces the curve with θ reflected: R2 is located by its test
and ends the curve. At θ = 0 every cycle solves the defining system (the trivial multiplier makes
A(0) singular twice over), so R1 is a branch point of it where Newton's method fails; but R1 is
also the point where the fold-of-cycles curve has a triple multiplier 1. When θ becomes small
(or changes sign within a step, or the corrector stalls there), the fold-of-cycles curve through
the last cycle is continued (:mod:`~.codim2_lpc`, same engine, a window of p2) and its ``R1``,
located to the usual precision, ends the torus curve.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .._mesh import Basis, evaluate
from ..branch import SpecialPoint
from ..codegen import CompiledModel
from ..errors import Status, StatusCode
from .codim2_cycle_base import Critical, CycleCurveProblem, Linear, multiplier_stability, nearest, symmetric_test
from .cycle_bordered import BorderedCollocation, row_vector, twisted_rows
from .corrector import SOLVE_ERRORS, Newton
from .engine import continuation
from .problem import BorderedSolve, Discard, Point, product_test
from .settings import ContinuationSettings

__all__ = ["NSCurveProblem", "rotation"]

_RESONANCE = {"R1": 0.0, "R2": math.pi, "R3": 2 * math.pi / 3, "R4": math.pi / 2}


def rotation(theta: float, n: int) -> np.ndarray:
    """R(θ) on (v_r, v_i) ∈ R^2n: multiplication by e^{iθ}."""
    c, s = math.cos(theta), math.sin(theta)
    return np.kron(np.array([[c, -s], [s, c]]), np.eye(n))


def _times_i(V: np.ndarray, n: int) -> np.ndarray:
    """J (v_r, v_i) = (-v_i, v_r), row-wise."""
    return np.concatenate([-V[..., n:], V[..., :n]], axis=-1)


class NSCurveProblem(CycleCurveProblem):
    """Torus bifurcations of cycles in two parameters: z = (X, T, θ, p1, p2).

    ``V`` is the complex eigenfunction at the nodes (V(1) = e^{iθ} V(0)), ``theta`` its angle.

    Examples
    --------
    >>> from bifur.continuation.codim2_ns import rotation
    >>> bool(np.allclose(rotation(np.pi / 2, 1), [[0.0, -1.0], [1.0, 0.0]]))
    True
    """

    kind = "NS"
    n_extra = 1
    n_g = 2
    event_kinds = ("R2", "R3", "R4", "LPNS", "PDNS")
    #: θ below which the end at R1 is sought on the fold-of-cycles curve.
    r1_near = 0.25
    hopf_end_kinds = ("ZH", "HH")

    def end_record_defaults(self) -> dict:
        return {"critical": [], "theta": math.nan}

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray, mesh: np.ndarray, basis: Basis,
                 X: np.ndarray, T: float, V: np.ndarray, theta: float, adapt_every: int = 3,
                 max_period_factor: float = 10.0):
        super().__init__(cm, i1, i2, p, mesh, basis, X, T, adapt_every, max_period_factor)
        self.solver = BorderedCollocation(self.N, self.m, 2 * self.n)
        V = np.asarray(V, dtype=complex)
        self.v_vec = self._unit(np.concatenate([V.real, V.imag], axis=1))
        self._theta_last = float(theta)

    def _unit(self, V: np.ndarray) -> np.ndarray:
        return V / math.sqrt(float(self.cyc.node_weights @ np.sum(V ** 2, axis=1)))

    # -- the bordered torus system -----------------------------------------------------------------
    def critical(self, z: np.ndarray, vals: np.ndarray, yt: np.ndarray) -> Critical:
        n, s = self.n, 2 * self.n
        R = rotation(float(z[self.nx + 1]), n)
        V1, V2 = self.v_vec, _times_i(self.v_vec, n)
        rows = twisted_rows(vals, self.N, self.m, n, R, row_vector(self.cyc, V1), row_vector(self.cyc, V2))
        w = self.cyc.node_weights[:, None]
        c1, c2 = w * V1, w * V2
        c1[-1], c2[-1] = R.T @ c1[-1], R.T @ c2[-1]
        phi = np.concatenate([c1.reshape(-1), [0.0, 0.0]])
        beta = np.concatenate([c2.reshape(-1), [0.0, 0.0]])
        x = self.solver.solve(rows, phi, beta, np.zeros(self.N * self.m * s), np.zeros(s), 1.0, 0.0)
        V = x[:self.P * s].reshape(self.P, s).copy()
        V[-1] = R @ V[-1]
        dirs = [(V[:, :n], 0.0, np.zeros(2)), (V[:, n:], 0.0, np.zeros(2))]
        return Critical(x[-2:].copy(), dirs, {"v": V, "rows": rows, "phi": phi, "beta": beta})

    def combine(self, parts: list) -> np.ndarray:
        N, m, n = self.N, self.m, self.n
        return np.concatenate([parts[0].reshape(N, m, n), parts[1].reshape(N, m, n)], axis=2).reshape(-1)

    def crit_solve(self, z: np.ndarray, lin: Linear, rhs_coll: np.ndarray) -> np.ndarray:
        d = lin.crit.data
        return self.solver.solve(d["rows"], d["phi"], d["beta"], rhs_coll, np.zeros(2 * self.n), 0.0, 0.0)[-2:]

    def dg_extra(self, z: np.ndarray, crit: Critical) -> np.ndarray:
        d = crit.data
        per = _times_i(d["v"][0], self.n)
        x = self.solver.solve(d["rows"], d["phi"], d["beta"], np.zeros(self.N * self.m * 2 * self.n), per, 0.0, 0.0)
        return -x[-2:].reshape(2, 1)

    def border_state(self) -> dict:
        return {"v_vec": self.v_vec}

    def set_borders(self, z: np.ndarray, crit: Critical) -> None:
        self.v_vec = self._unit(crit.data["v"])

    def remesh_borders(self, old: np.ndarray, new_tau: np.ndarray) -> None:
        V = evaluate(self.v_vec, old, self.basis, new_tau[:-1])
        R = rotation(self._theta_last, self.n)
        self.v_vec = np.vstack([V, R @ V[0]])

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._theta_last = float(z[self.nx + 1])
        return super().accept(z, tangent)

    # -- per point ----------------------------------------------------------------------------
    def record(self, z: np.ndarray) -> dict:
        rec = self.base_record(z)
        theta = float(z[self.nx + 1])
        mu = rec["multipliers"]
        ok = bool(np.all(np.isfinite(mu)))
        crit_idx = sorted(set(nearest(mu, 1.0) + nearest(mu, np.exp(1j * theta)) + nearest(mu, np.exp(-1j * theta)))
                          ) if ok else []
        rec["n_unstable"], rec["stable"] = multiplier_stability(mu, crit_idx)
        rec["critical"], rec["theta"] = crit_idx, theta
        return rec

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        theta, mu = record["theta"], record["multipliers"]
        tests = [theta - _RESONANCE[k] for k in ("R2", "R3", "R4")]
        pdns = product_test(mu + 1.0) if np.all(np.isfinite(mu)) else math.nan
        return np.array(tests + [symmetric_test(mu, 1.0, self.n - 1), pdns])

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        mu, theta = record["multipliers"], record["theta"]
        data = self.point_data(z, record)
        data["theta"] = theta
        if kind == "R2":
            data.update(terminal=True, end=f"double multiplier {'+1' if kind == 'R1' else '-1'}")
        elif kind == "LPNS":
            if np.sum(np.abs(mu - 1.0) < 0.05) < 2:
                return Discard("the LPNS test changed sign but a second multiplier is not near 1", "warning")
        elif kind == "PDNS":
            if abs(theta - math.pi) < 1e-3:
                return Discard("the PDNS test vanishes at the 1:2 resonance, where the torus pair itself reaches -1")
            if not np.any(np.abs(mu + 1.0) < 0.05):
                return Discard("the PDNS test changed sign but no multiplier is near -1", "warning")
        return self.special(kind, z, data)

    def terminal_status(self, sp: SpecialPoint) -> Status:
        if sp.kind not in ("R1", "R2"):
            return super().terminal_status(sp)
        return Status(StatusCode.SUCCESS, f"the torus curve ends at the {sp.kind} point ({self.param1}="
                      f"{sp.params[self.param1]:.10g}, {self.param_name}={sp.param:.10g}), where the pair e^(±iθ) "
                      f"becomes a double multiplier {'+1' if sp.kind == 'R1' else '-1'}: beyond it the cycles are "
                      "neutral saddles, not tori")

    # -- the end at R1, located on the fold-of-cycles curve ------------------------------------------
    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        end = super().check_end(points)
        if end is not None or len(points) < 2:
            return end
        th, prev = points[-1].record["theta"], points[-2].record["theta"]
        crossed = th * prev < 0
        if crossed or (abs(th) < min(abs(prev), self.r1_near) and abs(th) < 0.5 * self._r1_tried):
            self._r1_tried = abs(th)
            extra = self.r1_end(points[-2] if crossed else points[-1])
            if extra:
                return self.terminal_status(extra[-1].special), extra, crossed
        return None

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        if points and isinstance(points, list) and abs(points[-1].record["theta"]) < self.r1_near:
            extra = self.r1_end(points[-1])
            if extra:
                points.extend(extra)
                return self.terminal_status(extra[-1].special)
        return super().stalled(points, status)

    def begin_direction(self, start: Point) -> Point:
        self._r1_tried = math.inf
        return super().begin_direction(start)

    def r1_end(self, near: Point) -> list[Point]:
        """The R1 point next to the point ``near``, located on the fold-of-cycles curve (reached from
        ``near`` on the hyperplane normal to this curve's tangent: both curves touch at R1), as the
        curve's final point."""
        from .codim2_lpc import LPCCurveProblem
        z = near.z
        X, T, _, p = self.unpack(z)
        lpc = LPCCurveProblem(self.cm, self.i1, self.i2, p, self.cyc.mesh, self.basis, X, T, adapt_every=0)
        keep = np.r_[0:self.nx + 1, self.size - 2:self.size]
        z0 = z[keep]
        w = self.weights(z)
        row = near.tangent[keep] * (w[keep] if w is not None else 1.0)
        lpc.turn_family(near.tangent)
        try:
            lpc.start_at(z0)
            zc, ok, _ = Newton(lpc, ContinuationSettings()).correct(z0, row, float(row @ z0))
            if not ok:
                return []
            lpc.start_at(zc)
        except SOLVE_ERRORS:
            return []
        s2 = float(self._scales[-1])
        for width in (0.02, 0.1):
            st = ContinuationSettings(max_steps=200, ds_max=0.01)
            lpc.settings = st
            raw = continuation(lpc, zc, (float(zc[-1]) - width * s2, float(zc[-1]) + width * s2), st)
            r1 = [pt for pt in raw.points if pt.special is not None and pt.special.kind == "R1"]
            if r1:
                break
        else:
            return []
        pt = min(r1, key=lambda q: abs(float(q.z[-1] - z[-1])))
        Xr, Tr, _, _ = lpc.unpack(pt.z)
        zend = self.pack(Xr, Tr, [0.0], pt.z[-2], pt.z[-1])
        rec = self.record(zend)
        data = self.point_data(zend, rec)
        data.update(terminal=True, end="double multiplier +1", located_on="LPC curve")
        end = Point(zend, np.zeros_like(zend), rec, np.zeros(len(self.event_kinds)), self.special("R1", zend, data))
        end.special.precision = pt.special.precision
        return [end]

    def point_data(self, z: np.ndarray, record: dict) -> dict:
        data = super().point_data(z, record)
        data["theta"] = float(z[self.nx + 1])
        return data
