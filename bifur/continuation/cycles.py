"""Limit-cycle branches by orthogonal collocation: folds of cycles (LPC), period doubling (PD),
Neimark-Sacker / torus (NS), branch points of cycles (BPC), and the ends of branches at a Hopf
point, a SNIC or a saddle homoclinic orbit.

Test functions: LPC the parameter component of the tangent; PD and NS products over the
nontrivial Floquet multipliers (μ + 1, μi μj - 1); BPC the determinant of the bordered
collocation matrix divided by that of the discrete initial-value problem (see
:mod:`~bifur.continuation.cycle_linear`), linear in the arclength next to a simple branch point.
BPCs are refined with Moore's extended system (:mod:`~bifur.continuation.cycle_refine`). PD and
BPC points carry the orbit and the eigenfunction or kernel vector that branch switching needs
(:mod:`~bifur.continuation.cycle_starts`); ends are classified in
:mod:`~bifur.continuation.cycle_ends`.
"""
from __future__ import annotations

import copy
import math
from typing import Mapping, Sequence

import numpy as np

from .. import _checks
from ..branch import Branch, SpecialPoint
from ..codegen import CompiledModel
from ..cycle import Cycle
from ..errors import ModelError, Status, StatusCode
from ..model import Model
from .collocation import (Basis, adapt_mesh, condense, evaluate, expand, node_times, node_weights,
                          reduced_monodromy, solve_reduced)
from .cycle_linear import CollocationSolve, kernel_vector, pd_eigenfunction, resolved_multipliers
from . import cycle_starts
from .cycle_refine import refine_branch_point
from .cycle_ends import classify_divergence, divergence_end, hopf_end_points, near_hopf
from .engine import continuation
from .problem import BorderedSolve, Discard, Point, Problem, product_test
from .settings import ContinuationSettings
from .equilibria import check_autonomous
from .report import raw_to_branch

__all__ = ["CycleProblem", "continue_cycles"]


#: Default largest step of a cycle branch, as a fraction of the period or amplitude at its start.
DS_MAX_FRACTION = 0.3
#: Largest relative change of the period in one step (see CycleProblem.step_too_large).
MAX_PERIOD_CHANGE = 0.05
class CycleProblem(Problem):
    """Periodic orbits (x(·), T, p) by collocation, continued in one parameter.

    Parameters
    ----------
    cm : CompiledModel
    ip : int
        Index of the continuation parameter.
    p : ndarray
        Parameter vector (the continuation entry is overwritten by z[-1]).
    mesh : ndarray
        Initial mesh (N+1 points from 0 to 1).
    basis : Basis
    reference : ndarray (N m + 1, n)
        Reference orbit of the phase condition.
    adapt_every : int
        Re-equidistribute the mesh every this many accepted points (0: never).
    max_period_factor : float
        When the period exceeds this multiple of the period at the start of a direction, the end of
        the branch is classified (SNIC or HOM) and the branch stops; if it cannot be classified yet,
        the continuation goes on (checking again as the period grows) up to ten times that multiple.
    hopf_ends : bool
        End the branch where its cycles shrink into a Hopf point (located on the equilibria).
    """

    event_kinds = ("LPC", "PD", "NS", "BPC")
    closed_loop_check = False
    # at a Hopf start the cycles have zero amplitude and leave it with dp/ds = 0: the fold and
    # branch-point tests vanish there by construction (the trivial cycles cross the branch)
    # at a PD or BPC start of a switched branch the new branch leaves a branch point (of the doubled
    # problem for PD), with dp/ds = 0 for a pitchfork
    vanishing_at_start = {"H": ("LPC", "BPC"), "PD": ("LPC", "BPC"), "BPC": ("LPC", "BPC")}

    def __init__(self, cm: CompiledModel, ip: int, p: np.ndarray, mesh: np.ndarray, basis: Basis,
                 reference: np.ndarray, adapt_every: int = 3, max_period_factor: float = 10.0,
                 hopf_ends: bool = True):
        self.cm, self.ip, self.p = cm, ip, p.copy()
        self.param_name = cm.param_names[ip]
        self.basis = basis
        self.n, self.m, self.N = cm.n_states, basis.m, mesh.size - 1
        self.P = self.N * self.m + 1
        self.nx = self.P * self.n
        self.size = self.nx + 2
        self.nk = self.N * self.m * self.n * ((self.m + 1) * self.n + 2)
        self._red = (np.empty((self.N, self.n, 2 * self.n + 2)), np.empty((self.N, self.n)),
                     np.empty((self.N, (self.m - 1) * self.n, (self.m + 1) * self.n + 3)),
                     np.empty((self.N, self.n, 3 * self.n + 3)), np.empty((self.N + 1) * self.n + 2))
        self.k_res = cm.kernel("colloc_residual")
        self.k_jac = cm.kernel("colloc_jacobian")
        self.adapt_every = adapt_every
        self.max_period_factor = max_period_factor
        self.set_mesh(mesh)
        self.set_reference(reference)
        self._initial = (mesh.copy(), reference.copy())
        self.steps = 0
        self.amp_max = 0.0
        self.T_start = math.nan
        self.next_check = math.inf
        self.next_stagnation_check = 0.0
        self.hopf_ends = hopf_ends

    # -- state -------------------------------------------------------------------------
    def set_mesh(self, mesh: np.ndarray) -> None:
        self.mesh = mesh.copy()
        self.h = np.diff(mesh)
        w = node_weights(mesh, self.basis)
        self._w = np.concatenate([np.repeat(w, self.n), [1.0, 1.0]])
        self.node_weights = w

    def set_reference(self, X: np.ndarray) -> None:
        """Use X as reference orbit of the phase condition ∫ x·x̂' dτ = 0."""
        # ∫ x·x̂' dτ by Gauss quadrature on every interval: with h_j x̂' = Σ_l D[k,l] x̂_jl at the Gauss
        # points, node i of interval j gets Σ_l Q[i,l] x̂_jl, Q = Lᵀ diag(w) D (the mesh cancels)
        N, m, n = self.N, self.m, self.n
        Q = self.basis.L.T @ (self.basis.w[:, None] * self.basis.D)
        inner = X[:N * m].reshape(N, m, n)
        nodes = np.concatenate([inner, X[m::m][:, None, :]], axis=1)  # (N, m+1, n): the nodes of each interval
        contrib = Q @ nodes
        coef = np.zeros((self.P, n))
        coef[:N * m] = contrib[:, :m].reshape(N * m, n)
        coef[m::m] += contrib[:, m]  # the right node of interval j is the left node of interval j+1
        self.phase = coef.reshape(-1)

    def unpack(self, z: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        p = self.p.copy()
        p[self.ip] = z[-1]
        return z[:self.nx].reshape(self.P, self.n), float(z[self.nx]), p

    def pack(self, X: np.ndarray, T: float, pval: float) -> np.ndarray:
        return np.concatenate([X.reshape(-1), [T, pval]])

    # -- equations ---------------------------------------------------------------------
    def residual(self, z: np.ndarray) -> np.ndarray:
        X, T, p = self.unpack(z)
        out = np.empty(self.size - 1)
        self.k_res(X, T, p, self.h, self.basis.L, self.basis.D, out)
        out[-1] = self.phase @ z[:self.nx]
        return out

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        X, T, p = self.unpack(z)
        vals = np.empty(self.nk)
        self.k_jac(X, T, p, self.ip, self.h, self.basis.L, self.basis.D, vals)
        return vals

    def solve_bordered(self, J: np.ndarray, row: np.ndarray, rhs: np.ndarray, rhs_last: float) -> BorderedSolve:
        """Condensation of the interior nodes, elimination of the inner mesh nodes, a dense solve in
        (x_0, x_N, T, p), and back-substitution: O(N n^3) operations, all in numba."""
        N, m, n, nx = self.N, self.m, self.n, self.nx
        ncoll = N * m * n
        phi = np.zeros(nx + 3)
        phi[:nx] = self.phase
        phi[-1] = rhs[-1]
        beta = np.empty(nx + 3)
        beta[:nx + 2] = row
        beta[-1] = rhs_last
        red_vals, red_rhs, piv_rows, piv_mesh, sol = self._red
        logdet, sign = condense(J, rhs[:ncoll], phi, beta, N, m, n, red_vals, red_rhs, piv_rows)
        if sign == 0.0:
            raise RuntimeError("singular interval block")
        shoot = np.empty(2)
        tsol = np.empty_like(sol)
        logdet2, sign2 = solve_reduced(red_vals, red_rhs, rhs[ncoll:ncoll + n], phi, beta, N, m, n, piv_mesh, sol,
                                       shoot, tsol)
        if sign2 == 0.0:
            raise RuntimeError("singular collocation system")
        out = np.empty(self.size)
        expand(piv_rows, sol[:(N + 1) * n].reshape(N + 1, n), sol[(N + 1) * n:], N, m, n, 1.0, out)
        if not np.isfinite(out.sum()):  # checked once, on the solution: non-finite entries propagate to it
            raise RuntimeError("non-finite entries in the collocation system" if not (
                np.isfinite(J.sum()) and np.isfinite(rhs.sum()) and np.isfinite(row.sum())) else
                "non-finite solution of the collocation system")
        border = np.empty(self.size)  # [J; row] x = [0; 1] from the same factors: the tangent's direction
        expand(piv_rows, tsol[:(N + 1) * n].reshape(N + 1, n), tsol[(N + 1) * n:], N, m, n, 0.0, border)
        return CollocationSolve(out, row.copy(), float(logdet + logdet2), float(sign * sign2), float(shoot[0]),
                                float(shoot[1]), red_vals.copy(), border_x=border)

    def weights(self, z: np.ndarray) -> np.ndarray:
        """Mesh weights for the orbit (its L2 norm), 1 for the parameter, and for the period 1 up to
        the period at the start, (T_start/T)² beyond: growth of the period is measured relative to
        itself, so that a branch approaching a SNIC or a homoclinic orbit advances by a bounded
        fraction of its period per step whatever the period has become."""
        T = float(z[self.nx])
        if not (math.isfinite(self.T_start) and T > self.T_start > 0):
            return self._w
        w = self._w.copy()
        w[self.nx] = (self.T_start / T) ** 2
        return w

    # -- per-point data and test functions ----------------------------------------------
    def multipliers(self, X: np.ndarray, T: float, p: np.ndarray,
                    solve: BorderedSolve | None = None) -> np.ndarray:
        """Floquet multipliers by decreasing modulus, from the condensed blocks of ``solve`` when it
        has them (a factorisation of the Jacobian at, or within a converged Newton update of, the
        point), else by condensing the Jacobian at (X, T, p)."""
        M = solve.monodromy() if isinstance(solve, CollocationSolve) else self._monodromy(X, T, p)
        if M is None:
            return np.full(self.n, np.nan + 0j)
        mu = np.linalg.eigvals(M)
        return mu[np.argsort(-np.abs(mu), kind="stable")]

    def _monodromy(self, X: np.ndarray, T: float, p: np.ndarray) -> np.ndarray | None:
        """The monodromy matrix at (X, T, p) from the condensed blocks of the Jacobian there (None when
        an interval block is singular)."""
        N, m, n, nx = self.N, self.m, self.n, self.nx
        vals = np.empty(self.nk)
        self.k_jac(X, T, p, self.ip, self.h, self.basis.L, self.basis.D, vals)
        red_vals, red_rhs, piv_rows, _, _ = self._red
        _, sign = condense(vals, np.zeros(N * m * n), np.zeros(nx + 3), np.zeros(nx + 3), N, m, n, red_vals,
                           red_rhs, piv_rows)
        M = np.empty((n, n))
        return M if sign != 0.0 and reduced_monodromy(red_vals, N, n, M) else None

    def step_too_large(self, previous: dict, record: dict) -> bool:
        """A step may change the period by at most :data:`MAX_PERIOD_CHANGE` of itself: where the
        period moves fast (canard explosions, the approach to a SNIC or a homoclinic orbit) steps
        stay short whatever the largest arclength step allows."""
        try:
            T0, T1 = float(previous["period"]), float(record["period"])
        except (KeyError, TypeError):
            return False
        return math.isfinite(T0) and math.isfinite(T1) and abs(T1 - T0) > MAX_PERIOD_CHANGE * min(T0, T1)

    def loop_signature(self, z: np.ndarray, record: dict) -> np.ndarray | None:
        """(parameter, period, amplitude, max and min of every state): independent of the phase
        and the mesh, so a closed branch of cycles (an isola) is recognised when they come back."""
        try:
            return np.concatenate(([z[-1], record["period"], record["amplitude"]], record["max"], record["min"]))
        except (KeyError, TypeError, ValueError):
            return None

    def record(self, z: np.ndarray) -> dict:
        return self.record_solved(z, None)  # subclasses extend record_solved, which both paths go through

    def record_solved(self, z: np.ndarray, solve: BorderedSolve | None) -> dict:
        """The record with the Floquet multipliers from the condensed blocks of ``solve`` when given
        (no second condensation; the Jacobian differs from the one at z by a converged Newton update)."""
        X, T, p = self.unpack(z)
        mu = self.multipliers(X, T, p, solve)
        k = int(np.argmin(np.abs(mu - 1.0))) if np.all(np.isfinite(mu)) else 0
        others = np.delete(mu, k)
        mean = self.node_weights @ X
        amp = float(np.sqrt(self.node_weights @ np.sum((X - mean) ** 2, axis=1)))
        # a zero-amplitude 'cycle' (the Hopf point at the end of a branch) is not a stable orbit
        stable = bool(np.all(np.abs(others) < 1.0)) and amp > 1e-12 * (1.0 + float(np.abs(mean).max()))
        return {"period": T, "multipliers": mu, "precision": float(abs(mu[k] - 1.0)),
                "stable": stable, "n_unstable": int(np.sum(np.abs(others) > 1.0)),
                "trivial": k, "max": X.max(axis=0), "min": X.min(axis=0), "x0": X[0].copy(),
                "mesh": self.mesh.copy(), "profile": X.copy(), "amplitude": amp, "mean": mean}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        mu = resolved_multipliers(record)
        pd = product_test(mu + 1.0)
        if mu.size >= 2:
            i, j = np.triu_indices(mu.size, 1)
            ns = product_test(mu[i] * mu[j] - 1.0)
        else:
            ns = 1.0
        # BPC: det [J; τ] divided by the never-vanishing determinant of the initial-value problem,
        # from the factorisation of the tangent solve at z (see cycle_linear)
        bpc = bordered.bpc_test(tangent) if isinstance(bordered, CollocationSolve) else math.nan
        return np.array([tangent[-1], pd, ns, bpc])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        # a torus bifurcation needs a complex pair of nontrivial multipliers (not a real pair mu, 1/mu)
        if kind != "NS" or any(bool(np.any(np.abs(resolved_multipliers(r).imag) > 1e-8)) for r in (a, b)):
            return None
        return Discard("neutral saddle cycle (a real pair of multipliers μ, 1/μ), not a torus bifurcation")

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        X, T, p = self.unpack(z)
        mu = record["multipliers"]
        nontriv = resolved_multipliers(record)
        data = {"period": T, "frequency_hz": 1.0 / (T * self.cm.model.seconds_per_time_unit), "multipliers": mu,
                "amplitude": record["amplitude"]}
        if kind in ("LPC", "BPC") and record["amplitude"] < 0.5 * self.amp_max and near_hopf(self, z, record):
            # Small cycles next to a Hopf point: the collocation system has a branch point there (the
            # trivial cycles cross) and the branch turns in p as it passes through zero amplitude.
            # Neither is a fold or branch point of cycles: the branch ends at the Hopf point.
            pts = (hopf_end_points(self, z) if record["amplitude"] < 0.25 * self.amp_max and self.hopf_ends
                   else [])
            if pts:
                return pts[-1].special
            return Discard(f"{kind} test zero on small cycles next to a Hopf point: the trivial branch point of "
                           "the collocation system where the branch turns through zero amplitude")
        if kind in ("PD", "NS", "BPC") and record["precision"] > 1e-3:
            return Discard(f"multipliers too imprecise to decide (|μ1 - 1| = {record['precision']:.1e} > 1e-3): "
                           f"raise ntst to resolve this {kind}", "warning")
        if kind == "PD":
            if not np.any(np.abs(nontriv + 1.0) < 1e-3):
                return Discard("the PD test changed sign but no multiplier is near -1 at the located point",
                               "warning")
            V, _ = pd_eigenfunction(self, z)
            data.update(cycle_starts.switching_data("PD", X, self.mesh, self.m, eigenfunction=V))
        if kind == "BPC":
            gap = float(np.min(np.abs(nontriv - 1.0))) if nontriv.size else math.inf
            if gap > 1e-3:
                return Discard(f"the BPC test changed sign but no second multiplier is near 1 (nearest at distance "
                               f"{gap:.1e}) at the located point", "warning")
            data.update(cycle_starts.switching_data("BPC", X, self.mesh, self.m, tangent=tangent,
                                                    kernel=kernel_vector(self, z, tangent)))
        if kind == "NS":
            i, j = np.triu_indices(nontriv.size, 1)
            k = int(np.argmin(np.abs(nontriv[i] * nontriv[j] - 1.0)))
            a, b = nontriv[i[k]], nontriv[j[k]]
            if abs(a.imag) < 1e-6 or abs(a - np.conj(b)) > 1e-4:
                return Discard("neutral saddle cycle (a real pair of multipliers μ, 1/μ), not a torus bifurcation")
            data["theta"] = float(abs(np.angle(a)))
        return SpecialPoint(kind, float(z[-1]), X[0].copy(), -1, data, self.param_name)

    def refine(self, kind: str, point: Point) -> tuple[np.ndarray, float] | None:
        """Branch points of cycles: Moore's extended system on the collocation discretisation
        (dense, for systems up to :data:`~bifur.continuation.cycle_refine.MOORE_LIMIT` unknowns)."""
        if kind != "BPC":
            return None
        return refine_branch_point(self, point.z, point.tangent)

    # -- hooks ---------------------------------------------------------------------------
    def begin_direction(self, start: Point) -> Point:
        mesh, ref = self._initial
        self.set_mesh(mesh)
        self.set_reference(ref)
        self.steps = 0
        self.T_start = float(start.z[self.nx])
        self.next_check = self.max_period_factor * self.T_start
        self.next_stagnation_check = 0.0
        self.amp_max = max(self.amp_max, start.record.get("amplitude", 0.0))
        return start

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.steps += 1
        X, T, _ = self.unpack(z)
        if self.adapt_every and self.steps % self.adapt_every == 0:
            new = adapt_mesh(X, self.mesh, self.basis)
            t_new = node_times(new, self.m)
            Xn = evaluate(X, self.mesh, self.basis, t_new)
            Xn[-1] = Xn[0] + (X[-1] - X[0])  # keep the (tiny) periodicity defect as it was
            Tn = evaluate(tangent[:self.nx].reshape(self.P, self.n), self.mesh, self.basis, t_new)
            self.set_mesh(new)
            z = self.pack(Xn, T, z[-1])
            tangent = np.concatenate([Tn.reshape(-1), tangent[self.nx:]])
            tangent /= math.sqrt(tangent @ (self._w * tangent))
            X = Xn
        self.set_reference(X)
        return z, tangent

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        if not points:
            return None
        rec = points[-1].record
        self.amp_max = max(self.amp_max, rec["amplitude"])
        if len(points) >= 2 and self.hopf_ends:
            prev = points[-2]
            small = 0.05 * self.amp_max
            # (a) shrinking towards a Hopf point
            if (rec["amplitude"] < small and rec["amplitude"] < prev.record["amplitude"]
                    and near_hopf(self, points[-1].z, rec, 0.02)):
                extra = hopf_end_points(self, points[-1].z)
                if extra:
                    return self.terminal_status(extra[-1].special), extra, False
            # (b) one step passed through zero amplitude: p turned back next to a Hopf point (the
            # reflected cycles are the same orbits shifted by half a period); end at the Hopf point
            if (prev.tangent[-1] * points[-1].tangent[-1] < 0 and prev.record["amplitude"] < 5 * small
                    and near_hopf(self, prev.z, prev.record, 0.05)):
                extra = hopf_end_points(self, prev.z)
                if extra:
                    return self.terminal_status(extra[-1].special), extra, True
        if self._stagnates(points) and rec["period"] > self.next_stagnation_check:
            # the period grows while p hardly moves: a homoclinic orbit ahead, or a canard explosion
            # (which the branch passes through): stop only where the orbit meets an equilibrium
            X, T, p = self.unpack(points[-1].z)
            status, extra = classify_divergence(self, points, X, T, p)
            if points[-1].special is not None:
                return status, extra, False
            self.next_stagnation_check = 1.25 * T
        if rec["period"] > self.next_check:
            X, T, p = self.unpack(points[-1].z)
            end = divergence_end(self, points, X, T, p, 10 * self.max_period_factor * self.T_start)
            if end is not None:
                return end[0], end[1], False
        return None

    def _stagnates(self, points: Sequence[Point]) -> bool:
        """The period keeps growing while the parameter no longer moves (approach to a homoclinic
        orbit, where p - p* shrinks like exp(-λu T) below what Newton resolves)."""
        if len(points) < 3:
            return False
        T = [pt.record["period"] for pt in points[-3:]]
        p = [float(pt.z[-1]) for pt in points[-3:]]
        tol = 1e-8 * (1.0 + abs(p[-1]))
        return T[0] < T[1] < T[2] and T[2] > 2 * self.T_start and abs(p[2] - p[1]) < tol and abs(p[1] - p[0]) < tol

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        """A stall after the period has grown: classify the end (SNIC or HOM) when the orbit meets
        an equilibrium or a saddle-node's ghost; otherwise keep the stall's status."""
        if not points or not points[-1].record["period"] > 2.0 * self.T_start:
            return status
        X, T, p = self.unpack(points[-1].z)
        new, _ = classify_divergence(self, points, X, T, p)
        return new if points[-1].special is not None else status

    def terminal_status(self, sp: SpecialPoint) -> Status:
        return Status(StatusCode.HOPF_END, f"the cycles shrank to the Hopf point at {sp.param_name}={sp.param:.10g} "
                      f"(amplitude -> 0); the branch ends there")


def continue_cycles(model: Model, start, param: str, p_range: tuple[float, float], ntst: int | None = None,
                    ncol: int = 4, settings: ContinuationSettings | None = None, progress: bool = False,
                    params: Mapping[str, float] | None = None, adapt_every: int = 3,
                    max_period_factor: float = 10.0, at=None, throw: bool = False) -> Branch:
    """Continue a branch of periodic orbits in one parameter.

    Parameters
    ----------
    model : Model
    start : SpecialPoint or Cycle
        Where the branch starts (see :mod:`~bifur.continuation.cycle_starts`):

        * a Hopf point ("H") from :func:`continue_equilibria`: the cycles born there (branch
          switching along the critical eigenvector);
        * a period-doubling point ("PD") of a cycle branch: the period-doubled branch (the orbit
          run twice on a doubled mesh, leaving along the PD eigenfunction; ``ntst`` defaults to
          twice the PD point's mesh);
        * a branch point of cycles ("BPC") of a cycle branch: both halves of the other branch
          through it (tangent from the algebraic bifurcation equation, or the kernel vector
          orthogonal to the branch as fallback; ``branch.meta["switching"]`` says which);
        * a :class:`~bifur.Cycle` from :func:`find_cycle` or ``branch.orbit(i)``.

        A switched branch carries its start as its first special point (``data["switched"]``).
        PD and BPC points carry what switching needs in ``data`` (``profile``, ``mesh``,
        ``ncol``, ``period``, and ``eigenfunction`` or ``tangent`` and ``kernel``), which survives
        :meth:`~bifur.Branch.save` / :func:`~bifur.load_branch`.

        For a model with a reset, tonic spiking is continued as the fixed point of its reset map
        (see :func:`~bifur.continuation.reset_maps.continue_reset_cycles`; ``start`` may then also
        be a parameter value or None).
    param : str
        Continuation parameter.
    p_range : (float, float)
        Bounds of the parameter.
    ntst : int, optional
        Number of mesh intervals (default 60, or the start cycle's).
    ncol : int
        Collocation points per interval (default 4, as AUTO).
    settings : ContinuationSettings, optional
    progress : bool
    params : mapping, optional
        Other parameter values (default: those of the start point).
    adapt_every : int
        Mesh adaptation every this many points (0 disables it).
    max_period_factor : float
        When the period exceeds this multiple of the period at the start, the end of the branch
        is classified: SNIC or HOM when the orbit meets a saddle-node's ghost or a saddle. A period
        that grows while the orbit stays away from every equilibrium (a canard explosion) is
        followed on; if it passes ten times this multiple unexplained, the branch stops with
        status ``UNEXPLAINED``.
    at : sequence of float, optional
        Parameter values at which cycles are computed exactly (find them with ``branch.at(value)``).
    throw : bool
        Raise :class:`~bifur.SolverError` (carrying the branch) when the run stops for a failure,
        instead of returning the branch with that status and a warning.

    Returns
    -------
    Branch
        kind "cycle": ``period``, ``frequency_hz``, ``multipliers``, ``precision`` (|μ₁ - 1| of the
        trivial multiplier), ``stable``, ``branch.max(state)``, ``branch.min(state)``,
        ``branch.orbit(i)``; special points LPC, PD, NS, BPC, and at the ends H, SNIC or HOM.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> hh = hodgkin_huxley()
    >>> h1 = bifur.continue_equilibria(hh, "I", (0.0, 200.0)).special("H")[0]
    >>> cyc = continue_cycles(hh, h1, "I", (0.0, 200.0))
    >>> [round(sp.param, 4) for sp in cyc.special("LPC")]
    [7.8423, 7.9178, 6.2603]
    >>> cyc.special_points[-1]
    SpecialPoint(H at I=154.5224337, supercritical)

    Switching at a period doubling of the Rössler system follows the period-2 cycles, which
    double again:

    >>> text = "\\n".join(["dx/dt = -y - z", "dy/dt = x + a*y", "dz/dt = b + z*(x - c)"])
    >>> ross = bifur.Model.from_text(text, {"a": 0.2, "b": 0.2, "c": 2.5}, {"x": 1.0, "y": 0.0, "z": 0.0},
    ...                              time_unit="1")
    >>> p1 = continue_cycles(ross, bifur.find_cycle(ross), "c", (2.5, 4.0))
    >>> [pd] = p1.special("PD")
    >>> p2 = continue_cycles(ross, pd, "c", (2.5, 4.0))
    >>> round(pd.param, 6), round(float(p2.period[0] / pd.data["period"]), 9)
    (2.832445, 2.0)
    >>> [round(sp.param, 6) for sp in p2.special("PD")]
    [2.832445, 3.837358]
    """
    check_autonomous(model)
    if model.reset is not None:
        from .reset_maps import continue_reset_cycles
        return continue_reset_cycles(model, start, param, p_range, settings=settings, progress=progress,
                                     params=params, max_period_factor=max_period_factor, at=at, throw=throw)
    n_mesh = ntst if ntst is not None else _default_ntst(start)
    _, ncol = _checks.collocation_size(model.n_states, n_mesh, ncol)
    if isinstance(start, SpecialPoint):
        _checks.state(model, start.x, "start.x")
    elif isinstance(start, Cycle):
        _checks.same_states(model, start.model, "the start cycle")
    cm = model.compile()
    ip = cm.param_index(param)
    settings = settings or ContinuationSettings()
    basis = Basis(ncol)
    label = None
    if isinstance(start, SpecialPoint):
        pars, begin, label = _special_start(cm, start, param, params, basis, ntst, adapt_every)
    elif isinstance(start, Cycle):
        pars = {**start.params, **(params or {})}
        begin = cycle_starts.from_cycle(start, basis, ntst, param)
    else:
        raise ModelError("start must be a SpecialPoint (H, PD or BPC) or a Cycle, got " + type(start).__name__)
    if begin.direction is not None:
        settings = settings.with_(direction=begin.direction)
    mesh, ref, z0, tangent0 = begin.mesh, begin.reference, begin.z0, begin.tangent
    p = cm.param_vector(pars)
    lo, hi = float(min(p_range)), float(max(p_range))
    if not lo <= z0[-1] <= hi:
        raise ModelError(f"the start ({param}={z0[-1]:g}) is outside p_range {p_range}")
    problem = CycleProblem(cm, ip, p, mesh, basis, ref, adapt_every, max_period_factor)
    if settings.ds_max is None:
        # the arclength mixes the parameter, the period and the orbit (L2 norm, AUTO's convention):
        # the default largest step is 5 % of the period or amplitude at the start, a property of
        # the branch (not of the width of the range asked for, which would change the answers)
        amp = problem.record(z0)["amplitude"]
        frac = DS_MAX_FRACTION
        settings = settings.with_(ds_max=max(frac * z0[problem.nx], frac * amp, 1e-6 * (1.0 + abs(z0[-1]))))
    raw = continuation(problem, z0, (lo, hi), settings, progress, label=f"cycles in {param}", tangent0=tangent0,
                       at=at, start_special=label)
    recs = [pt.record for pt in raw.points]
    arrays = {k: np.array([r[k] for r in recs]) for k in ("period", "multipliers", "precision", "max", "min",
                                                            "amplitude", "n_unstable")}
    arrays["profiles"] = np.array([r["profile"] for r in recs])
    arrays["meshes"] = np.array([r["mesh"] for r in recs])
    full = model.param_values(pars)
    br = raw_to_branch(raw, "cycle", model, param, full, arrays, np.array([r["x0"] for r in recs]),
                       np.array([r["stable"] for r in recs]),
                       meta={"ncol": ncol, "ntst": problem.N, **({"switching": begin.method} if label else {})},
                       throw=throw)
    for sp in br.special_points:
        sp.data.pop("terminal", None)
    return br


def _default_ntst(start) -> int:
    if isinstance(start, Cycle):
        return start.mesh.size - 1
    if isinstance(start, SpecialPoint) and "mesh" in start.data:
        mesh_size = np.asarray(start.data["mesh"]).size - 1
        return 2 * mesh_size if start.kind == "PD" else mesh_size
    return 60


def _special_start(cm: CompiledModel, sp: SpecialPoint, param: str, params: Mapping[str, float] | None,
                   basis: Basis, ntst: int | None, adapt_every: int
                   ) -> tuple[dict, cycle_starts.Start, SpecialPoint]:
    """Parameters, start and start label of a branch from a Hopf point, a PD point or a BPC."""
    if sp.kind not in ("H", "PD", "BPC"):
        raise ModelError(f"cycles start from a Hopf point (H), a period doubling (PD), a branch point of cycles "
                         f"(BPC) or a Cycle, not from {sp.kind!r}")
    if sp.param_name and sp.param_name != param:
        raise ModelError(f"the {sp.kind} point was located in {sp.param_name!r}, not in {param!r}")
    pars = {**sp.params, **(params or {}), param: sp.param}
    label = copy.deepcopy(sp)
    if sp.kind == "H":
        return pars, cycle_starts.from_hopf(sp, basis, ntst or 60), label
    label.data["switched"] = True
    if sp.kind == "PD":
        return pars, cycle_starts.from_period_doubling(sp, basis, ntst), label
    p = cm.param_vector(pars)
    ip = cm.param_index(param)

    def problem_at(mesh: np.ndarray, ref: np.ndarray) -> CycleProblem:
        return CycleProblem(cm, ip, p, mesh, basis, ref, adapt_every)

    return pars, cycle_starts.from_branch_point(sp, basis, ntst, problem_at), label
