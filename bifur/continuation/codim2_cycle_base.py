"""What the curves of fold, period-doubling and torus bifurcations of cycles share.

Unknowns z = (X, T, e, p1, p2): the orbit at the collocation nodes, the period, ``n_extra``
problem-specific unknowns e (the angle θ of a Neimark-Sacker pair), and the two parameters;
the engine continues in p2 = z[-1], p1 = z[-2] is bounded by :meth:`CurveProblem.check_end`.
Equations: the collocation equations of the cycle (with periodicity and the integral phase
condition, as :class:`~.cycles.CycleProblem`) and k defining functions g(z) = 0, each the Schur
complement of a bordered collocation matrix that is singular on the curve (*minimally extended
systems*; see :mod:`~.codim2_cycles` for why).

Linear algebra. Every linear system is solved with the condensed collocation solver (O(N n³)):

* the *family matrix* M_ext = [[F_X, F_T, F_q], [phase], [tᵀ]], the bordered matrix of the
  one-parameter cycle family along the direction q of the parameter plane, with t its tangent at
  the last accepted point. q starts as the p1 axis (the fold, flip or torus point was found in p1)
  and then follows the normal of the curve in the parameter plane: the family crosses the curve
  transversally, so M_ext stays regular (a family *along* the curve, e.g. in p1 where the curve
  turns in p2, has a branch point there);
* the *critical matrix* of each kind (for a fold of cycles it is M_ext itself).

Newton's system [[F_y, F_q⊥, 0], [g_y, g_q⊥, g_e], [rowᵀ]] (y = (X, T, s), parameters
P = s q + s⊥ q⊥) is solved by block elimination around M_ext: y = y0 - s⊥ yp + α yt with
M_ext y0 = [r; 0], M_ext yp = [F_q⊥; 0], M_ext yt = [0; 1], leaving a (k + 1) x (k + 1) system in
(α, s⊥, e). Derivatives of g come from
the bordered solves themselves, g_z δ = -(M_crit⁻¹ [(∂_δ M_crit) V; 0])_slots with V the critical
kernel vector: (∂_δ M_crit) V = F_zz[V, δ] is the product of δ with the difference of the exact
collocation Jacobian along V (:func:`~.cycle_bordered.jacobian_difference`; it enters Newton's
matrix only, never the residual). No transposed solve, no dense or sparse factorisation.

Mesh adaptation every ``adapt_every`` accepted points (AUTO's criterion, as for cycle branches),
the phase reference moved to the last orbit, the borders refreshed to the kernel vectors of the
accepted point; arclength in the curve's own scales (orbit components, period, parameters).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .._mesh import Basis, adapt_mesh, evaluate, node_times
from ..codegen import CompiledModel
from ..errors import Status, StatusCode
from .codim2_base import CurveProblem
from .codim2_cycle_ends import shrinking_end, stalled_end
from .cycle_bordered import jacobian_difference, kernel_columns, kernel_matvec
from .cycles import CycleProblem
from .problem import BorderedSolve, Point, product_test

__all__ = ["CycleCurveProblem", "Critical", "Linear", "multiplier_stability", "symmetric_test", "pairs_test",
           "nearest"]


@dataclass
class Critical:
    """The critical bordered system at a point: defining values ``g``, the kernel directions
    ``dirs`` (each (V, VT, Vp1) in the cycle unknowns) with their Jacobian differences, and
    ``data`` (kernel vectors as functions) for the problem's records and borders."""

    g: np.ndarray
    dirs: list
    data: dict = field(default_factory=dict)
    diffs: list | None = None


@dataclass
class Linear:
    """Newton's matrix at a point, factorised for :meth:`CycleCurveProblem.solve_bordered`:
    M_ext's values (``vals``, parameter column F_q), its solutions yt = M_ext⁻¹[0; 1] and
    yp = M_ext⁻¹[F_q⊥; 0], the critical system, and g's derivatives along yt, yp, q⊥ and e."""

    z: np.ndarray
    vals: np.ndarray
    yt: np.ndarray
    yp: np.ndarray
    crit: Critical
    dg_yt: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dg_yp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dg_perp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dg_e: np.ndarray = field(default_factory=lambda: np.zeros(0))


def multiplier_stability(mu: np.ndarray, critical: Sequence[int]) -> tuple[int, bool]:
    """(number of multipliers outside the unit circle, whether all are inside) among those not
    in ``critical`` (indices of the trivial and critical multipliers)."""
    rest = np.delete(mu, list(critical))
    if not np.all(np.isfinite(rest)):
        return -1, False
    return int(np.sum(np.abs(rest) > 1.0)), bool(np.all(np.abs(rest) < 1.0))


def symmetric_test(mu: np.ndarray, shift: float, order: int) -> float:
    """The elementary symmetric polynomial of degree ``order`` of (shift - μ_k) over all multipliers,
    divided by prod max(1, |shift - μ_k|): continuous, real, no multiplier singled out.

    With n - order multipliers at ``shift`` exactly (or to round-off), every term but one has a
    vanishing factor, and the test is the product of (shift - μ) over the *other* multipliers: it
    changes sign when one more real multiplier crosses ``shift``. (Order n - 1 at shift 1 deflates the
    trivial multiplier; order n - 2 on a fold of cycles deflates the double multiplier 1.)

    Examples
    --------
    >>> mu = np.array([1.0, 1.0, 0.5, 0.2])
    >>> round(symmetric_test(mu, 1.0, 2), 12)
    0.4
    >>> round(symmetric_test(np.array([1.0, 1.0, 1.5, 0.2]), 1.0, 2), 12)
    -0.4
    """
    if not np.all(np.isfinite(mu)):
        return math.nan
    d = shift - mu.astype(complex)
    if order <= 0:
        return 1.0
    coeffs = np.poly(d)
    e = (-1) ** order * coeffs[order]
    return float(e.real / np.prod(np.maximum(1.0, np.abs(d))))


def nearest(mu: np.ndarray, target: complex, k: int = 1) -> list[int]:
    """Indices of the k multipliers nearest ``target``."""
    return [int(i) for i in np.argsort(np.abs(mu - target), kind="stable")[:k]]


def pairs_test(mu: np.ndarray, exclude: Sequence[int]) -> float:
    """prod_{i<j} (μi μj - 1) over the multipliers not in ``exclude``, as a product test: changes
    sign when a complex pair crosses the unit circle (and at neutral saddles μ, 1/μ)."""
    rest = np.delete(mu, list(exclude))
    if rest.size < 2 or not np.all(np.isfinite(rest)):
        return 1.0
    i, j = np.triu_indices(rest.size, 1)
    return product_test(rest[i] * rest[j] - 1.0)


class CycleCurveProblem(CurveProblem):
    """Base of the LPC, PD and NS curve problems (see the module docstring).

    Subclasses define ``kind``, ``n_extra``, ``n_g``, :meth:`critical`, :meth:`crit_solve`,
    :meth:`dg_extra`, :meth:`set_borders` and the test functions.
    """

    kind = ""
    n_g = 1
    closed_loop_check = False  # points live on changing meshes
    stall_hint = ("try a smaller ds_max, a finer mesh (the point's ntst), or start nearer the trouble (the curve may "
                  "end at a degenerate point)")

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray, mesh: np.ndarray, basis: Basis,
                 X: np.ndarray, T: float, adapt_every: int = 3, max_period_factor: float = 10.0):
        super().__init__(cm, i1, i2, p)
        self.cyc = CycleProblem(cm, i1, self.p, mesh, basis, X, adapt_every=0, hopf_ends=False)
        self.basis, self.adapt_every, self.max_period_factor = basis, adapt_every, max_period_factor
        self.N, self.m, self.nx, self.P = self.cyc.N, basis.m, self.cyc.nx, self.cyc.P
        self.cols = kernel_columns(self.N, self.m, self.n)
        self.size = self.nx + 1 + self.n_extra + 2
        self.steps, self.version, self.T_start = 0, 0, float(T)
        self._cache: tuple | None = None
        self._lin: tuple | None = None
        self.t_vec = np.zeros(self.nx + 2)
        self.q = np.array([1.0, 0.0])  # the family direction in (p1, p2): transversal to the curve
        self.amp_max = 0.0

    # -- unknowns -------------------------------------------------------------------------
    def unpack(self, z: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """(X (P x n), T, extra unknowns, full parameter vector)."""
        return (z[:self.nx].reshape(self.P, self.n), float(z[self.nx]), z[self.nx + 1:self.nx + 1 + self.n_extra],
                self.params_at(z))

    def pack(self, X: np.ndarray, T: float, extra: Sequence[float], p1: float, p2: float) -> np.ndarray:
        return np.concatenate([X.reshape(-1), [T], np.asarray(extra, float), [p1, p2]])

    def cycle_z(self, z: np.ndarray) -> np.ndarray:
        """(X, T, p1) for the one-parameter problem in p1, whose other parameters are set to z's."""
        self.cyc.p[self.i2] = z[-1]
        return np.concatenate([z[:self.nx + 1], z[-2:-1]])

    def state(self, z: np.ndarray) -> np.ndarray:
        return z[:self.n]

    # -- the family matrix M_ext ------------------------------------------------------------
    def t_row(self) -> np.ndarray:
        """The border row of M_ext: the family tangent, weighted like the orbit's L2 norm."""
        w = np.concatenate([np.repeat(self.cyc.node_weights, self.n), [1.0, 1.0]])
        return w * self.t_vec

    def ext_solve(self, vals_q: np.ndarray, rhs_F: np.ndarray, rhs_last: float) -> np.ndarray:
        """Solve with M_ext, whose parameter column (the p-slot of ``vals_q``) is F_q."""
        return self.cyc.solve_bordered(vals_q, self.t_row(), rhs_F, rhs_last).x

    def qperp(self) -> np.ndarray:
        return np.array([-self.q[1], self.q[0]])

    def _family_values(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """M_ext's collocation values at z (parameter column F_q), and (F_p1, F_p2) in the collocation rows."""
        cz = self.cycle_z(z)
        vals = self.cyc.jacobian(cz)
        X, T, _, p = self.unpack(z)
        other = np.empty(self.cyc.nk)
        self.cyc.k_jac(X, T, p, self.i2, self.cyc.h, self.basis.L, self.basis.D, other)
        fp = np.column_stack([vals.reshape(self.cols.shape)[:, -1], other.reshape(self.cols.shape)[:, -1]])
        vals.reshape(self.cols.shape)[:, -1] = fp @ self.q
        return vals, fp

    def _point(self, z: np.ndarray) -> dict:
        """Jacobian values, family tangent and critical system at z (cached on z's values)."""
        key = (z.tobytes(), self.version)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        vals_q, fp = self._family_values(z)
        yt = self.ext_solve(vals_q, np.zeros(self.nx + 1), 1.0)
        st = {"vals": vals_q, "fp": fp, "yt": yt}
        st["crit"] = self.critical(z, vals_q, yt)
        self._cache = (key, st)
        return st

    # -- the defining system --------------------------------------------------------------
    def residual(self, z: np.ndarray) -> np.ndarray:
        F = self.cyc.residual(self.cycle_z(z))
        return np.concatenate([F, self._point(z)["crit"].g])

    def jacobian(self, z: np.ndarray) -> Linear:
        key = (z.tobytes(), self.version)
        if self._lin is not None and self._lin[0] == key:
            return self._lin[1]
        st = self._point(z)
        vals, yt, crit = st["vals"], st["yt"], st["crit"]
        yp = self.ext_solve(vals, np.concatenate([st["fp"] @ self.qperp(), np.zeros(self.n + 1)]), 0.0)
        crit.diffs = [self._difference(z, d) for d in crit.dirs]
        lin = Linear(z.copy(), vals, yt, yp, crit)
        lin.dg_yt, lin.dg_yp = self.dg_y(lin, yt), self.dg_y(lin, yp)
        lin.dg_perp = self.dg(lin, np.zeros(self.nx + 1), self.qperp())
        lin.dg_e = self.dg_extra(z, crit) if self.n_extra else np.zeros((self.n_g, 0))
        self._lin = (key, lin)
        return lin

    def _difference(self, z: np.ndarray, direction: tuple) -> tuple[np.ndarray, np.ndarray]:
        X, T, _, p = self.unpack(z)
        V, VT, VP = direction
        Vp = np.zeros(p.size)
        Vp[self.i1], Vp[self.i2] = VP
        vals, extra = jacobian_difference(self.cyc, X, T, p, (self.i1, self.i2), V, VT, Vp)
        return vals, extra[0]

    def direction_of(self, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """A solution y = (X, T, s) of M_ext as a direction (V, VT, (dp1, dp2)) of z (s along q)."""
        return y[:self.nx].reshape(self.P, self.n), float(y[self.nx]), float(y[-1]) * self.q

    def dg(self, lin: Linear, dxt: np.ndarray, dP: np.ndarray) -> np.ndarray:
        """g_z · δ for the direction δ = (dxt over (X, T), e held fixed, dP over (p1, p2))."""
        u = np.concatenate([dxt, [dP[0]]])
        parts = [kernel_matvec(d, self.cols, u) + dP[1] * e for d, e in lin.crit.diffs]
        return -self.crit_solve(lin.z, lin, self.combine(parts))

    def dg_y(self, lin: Linear, y: np.ndarray) -> np.ndarray:
        return self.dg(lin, y[:self.nx + 1], float(y[-1]) * self.q)

    def combine(self, parts: list) -> np.ndarray:
        """The critical system's collocation right-hand side from the products with each kernel direction."""
        return parts[0]

    def solve_bordered(self, J: Linear, row: np.ndarray, rhs: np.ndarray, rhs_last: float) -> BorderedSolve:
        """Block elimination around M_ext (see the module docstring)."""
        nx, k, ne = self.nx, self.n_g, self.n_extra
        q, qp = self.q, self.qperp()
        y0 = self.ext_solve(J.vals, rhs[:nx + 1], 0.0)
        dg0 = self.dg_y(J, y0)
        rq = float(row[-2:] @ q)

        def r(y: np.ndarray) -> float:
            return float(row[:nx + 1] @ y[:nx + 1]) + rq * float(y[-1])

        S = np.zeros((k + 1, 2 + ne))
        b = np.zeros(k + 1)
        S[:k, 0], S[:k, 1], S[:k, 2:] = J.dg_yt, J.dg_perp - J.dg_yp, J.dg_e
        b[:k] = rhs[nx + 1:] - dg0
        S[k, 0], S[k, 1], S[k, 2:] = r(J.yt), float(row[-2:] @ qp) - r(J.yp), row[nx + 1:nx + 1 + ne]
        b[k] = rhs_last - r(y0)
        u = np.linalg.solve(S, b)
        y = y0 + u[0] * J.yt - u[1] * J.yp
        dP = float(y[-1]) * q + u[1] * qp
        return BorderedSolve(np.concatenate([y[:nx + 1], u[2:], dP]), row)

    # -- to be defined by each kind ----------------------------------------------------------
    def critical(self, z: np.ndarray, vals: np.ndarray, yt: np.ndarray) -> Critical:
        raise NotImplementedError

    def crit_solve(self, z: np.ndarray, lin: Linear, rhs_coll: np.ndarray) -> np.ndarray:
        """The slots (the g components) of the critical system's solution for a collocation right-hand side."""
        raise NotImplementedError

    def dg_extra(self, z: np.ndarray, crit: Critical) -> np.ndarray:
        """∂g/∂e, shape (n_g, n_extra)."""
        return np.zeros((self.n_g, self.n_extra))

    def set_borders(self, z: np.ndarray, crit: Critical) -> None:
        """Borders of the critical system from the kernel vectors at an accepted point."""

    def remesh_borders(self, old: np.ndarray, new_tau: np.ndarray) -> None:
        """Move the functions kept for the borders to a new mesh (``old`` mesh, new node times)."""

    # -- borders and mesh follow the curve -----------------------------------------------------
    def start_at(self, z: np.ndarray) -> None:
        """Borders, reference and scales for a start at z (both directions begin with them)."""
        if not np.any(self.t_vec):
            self.t_vec = self._family_tangent(z)
        self.refresh(z)
        self.scale_to(z)
        self._initial = self._snapshot()

    def _family_tangent(self, z: np.ndarray) -> np.ndarray:
        """The kernel of the one-parameter family's Jacobian at z by two bordered solves from a fixed
        generic border (the second with the first result as border)."""
        vals, _ = self._family_values(z)
        row = np.random.default_rng(2024).standard_normal(self.nx + 2)
        w = np.concatenate([np.repeat(self.cyc.node_weights, self.n), [1.0, 1.0]])
        for _ in range(2):
            t = self.cyc.solve_bordered(vals, row, np.zeros(self.nx + 1), 1.0).x
            t = t / math.sqrt(float(t @ (w * t)))
            row = w * t
        return t

    def _snapshot(self) -> dict:
        return {"mesh": self.cyc.mesh.copy(), "phase": self.cyc.phase.copy(), "t_vec": self.t_vec.copy(),
                "q": self.q.copy(),
                **{k: np.array(v, copy=True) for k, v in self.border_state().items()}}

    def border_state(self) -> dict:
        """The arrays that define the critical borders (restored at the start of each direction)."""
        return {}

    def restore_borders(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, np.array(v, copy=True))

    def refresh(self, z: np.ndarray) -> None:
        """Family tangent and critical borders from the point z (on the current mesh)."""
        self.version += 1
        st = self._point(z)
        yt = st["yt"]
        w = np.concatenate([np.repeat(self.cyc.node_weights, self.n), [1.0, 1.0]])
        self.t_vec = yt / math.sqrt(float(yt @ (w * yt)))
        self.set_borders(z, st["crit"])
        self.version += 1
        self._cache = None

    def turn_family(self, tangent: np.ndarray) -> None:
        """Point the family direction q along the normal of the curve in the parameter plane (where
        M_ext is best conditioned), keeping its orientation (so that test functions built on the
        family keep their signs through a cusp, where the curve reverses)."""
        tp = tangent[-2:]
        size = float(np.linalg.norm(tp))
        if not size > 0:
            return
        q = np.array([-tp[1], tp[0]]) / size
        self.q = q if q @ self.q >= 0 else -q

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.steps += 1
        X, T, extra, p = self.unpack(z)
        if self.adapt_every and self.steps % self.adapt_every == 0:
            old = self.cyc.mesh.copy()
            new = adapt_mesh(X, old, self.basis)
            tau = node_times(new, self.m)
            move = (lambda Y: evaluate(Y, old, self.basis, tau))
            Xn = move(X)
            Xn[-1] = Xn[0] + (X[-1] - X[0])
            Tn = move(tangent[:self.nx].reshape(self.P, self.n))
            tv = move(self.t_vec[:self.nx].reshape(self.P, self.n))
            self.remesh_borders(old, tau)
            self.cyc.set_mesh(new)
            self.t_vec = np.concatenate([tv.reshape(-1), self.t_vec[self.nx:]])
            z = self.pack(Xn, T, extra, z[-2], z[-1])
            tangent = np.concatenate([Tn.reshape(-1), tangent[self.nx:]])
            X = Xn
            self.version += 1
            self.scale_to(z, keep=True)
            tangent = tangent / math.sqrt(float(tangent @ (self.weights(z) * tangent)))
        self.cyc.set_reference(X)
        self.turn_family(tangent)
        self.version += 1
        self.refresh(z)
        z, tangent = self.grow_scales(z, tangent)
        return z, tangent

    def begin_direction(self, start: Point) -> Point:
        init = self._initial
        self.cyc.set_mesh(init["mesh"])
        self.cyc.phase = init["phase"].copy()
        self.t_vec, self.q = init["t_vec"].copy(), init["q"].copy()
        self.restore_borders({k: v for k, v in init.items() if k not in ("mesh", "phase", "t_vec", "q")})
        self.steps, self.version, self._cache = 0, self.version + 1, None
        self.T_start = float(start.z[self.nx])
        self.amp_max = max(self.amp_max, start.record.get("amplitude", 0.0))
        self._scales, self._w = self._initial_scales.copy(), None
        self._w = self._weights_from_scales()
        self._direction_start = start
        return start

    # -- arclength in the curve's own scales ----------------------------------------------------
    def scale_to(self, z: np.ndarray, keep: bool = False) -> None:
        """Scales: each orbit component by its largest magnitude on the orbit (at least a tenth of
        the largest), the period by itself, θ by π, each parameter by its magnitude (at least 1 % of
        the change that alters the vector field as much as moving the states by their scales)."""
        X, T, _, p = self.unpack(z)
        if not keep:
            mag = np.abs(X).max(axis=0)
            top = float(mag.max())
            sx = np.maximum(mag, 0.1 * top) if top > 1e-8 else np.ones(self.n)
            x_mid = X.mean(axis=0)
            J, fp = self.cm.jac(x_mid, p), self.cm.dfdp(x_mid, p)[:, [self.i1, self.i2]]
            moved = float(np.linalg.norm(J * sx[None, :])) + float(np.linalg.norm(self.cm.rhs(x_mid, p)))
            sp = []
            for k in range(2):
                nf = float(np.linalg.norm(fp[:, k]))
                floor = 0.01 * moved / nf if nf > 0 else 1.0
                v = max(abs(float(z[-2 + k])), floor)
                sp.append(v if math.isfinite(v) and v > 0 else 1.0)
            self._scales = np.concatenate([sx, [abs(T)], np.full(self.n_extra, math.pi), sp])
            self._initial_scales = self._scales.copy()
        self._w = self._weights_from_scales()

    def _weights_from_scales(self) -> np.ndarray:
        s = self._scales
        wx = np.outer(self.cyc.node_weights, 1.0 / s[:self.n] ** 2).reshape(-1)
        return np.concatenate([wx, 1.0 / s[self.n:] ** 2])

    def grow_scales(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, T, _, _ = self.unpack(z)
        met = np.concatenate([np.abs(X).max(axis=0), [abs(T)], np.zeros(self.n_extra), np.abs(z[-2:])])
        grown = np.maximum(self._scales, met)
        if not np.any(grown > 1.5 * self._scales):
            return z, tangent
        self._scales = grown
        self._w = self._weights_from_scales()
        return z.copy(), tangent / math.sqrt(float(tangent @ (self._w * tangent)))

    def weights(self, z: np.ndarray) -> np.ndarray | None:
        return getattr(self, "_w", None)

    # -- records ----------------------------------------------------------------------------
    def base_record(self, z: np.ndarray) -> dict:
        X, T, _, p = self.unpack(z)
        mu = self.cyc.multipliers(X, T, p)
        mean = self.cyc.node_weights @ X
        amp = float(np.sqrt(self.cyc.node_weights @ np.sum((X - mean) ** 2, axis=1)))
        prec = float(np.min(np.abs(mu - 1.0))) if np.all(np.isfinite(mu)) else math.nan
        return {"period": T, "multipliers": mu, "precision": prec, "max": X.max(axis=0), "min": X.min(axis=0),
                "x0": X[0].copy(), "mesh": self.cyc.mesh.copy(), "profile": X.copy(), "amplitude": amp,
                "mean": mean, "frequency_hz": 1.0 / (T * self.cm.model.seconds_per_time_unit)}

    def point_data(self, z: np.ndarray, record: dict) -> dict:
        """What every special point of the curve carries: the orbit, period and multipliers."""
        return {"period": record["period"], "frequency_hz": record["frequency_hz"],
                "multipliers": record["multipliers"], "amplitude": record["amplitude"],
                "profile": record["profile"].copy(), "mesh": record["mesh"].copy(), "ncol": self.m}

    #: Kinds of codimension-two points of the Hopf curve where this curve can end (its cycles
    #: shrinking to zero amplitude), see :mod:`~.codim2_cycle_ends`.
    hopf_end_kinds: tuple[str, ...] = ()

    def end_record_defaults(self) -> dict:
        """Record entries of a terminal zero-amplitude point that :meth:`base_record` lacks."""
        return {"critical": []}

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        return stalled_end(self, points, status)

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        end = super().check_end(points)
        if end is not None:
            return end
        end = shrinking_end(self, points)
        if end is not None:
            return end
        rec = points[-1].record
        self.amp_max = max(self.amp_max, rec["amplitude"])
        if rec["period"] > self.max_period_factor * self.T_start:
            return (Status(StatusCode.UNEXPLAINED,
                           f"the period grew to T={rec['period']:.6g} (from {self.T_start:.6g}) at "
                           f"{self.param1}={points[-1].z[-2]:.8g}, {self.param_name}={points[-1].z[-1]:.8g}: the "
                           f"{self.kind} curve may approach a homoclinic orbit; it was not classified (start from a "
                           "point nearer it, with a finer mesh, to follow it further)"), [], False)
        return None
