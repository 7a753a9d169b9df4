"""Curves of codimension-one bifurcations of cycles in two parameters: folds (LPC), period
doublings (PD) and tori (NS), started by :func:`bifur.continue_bifurcation` from a special point of
a cycle branch.

This module registers the builders of ``"LPC"``, ``"PD"`` and ``"NS"`` curves in
:data:`~.codim2.CURVE_BUILDERS` and assembles their :class:`~bifur.curves.BifurcationCurve`;
the problems are in :mod:`~.codim2_lpc`, :mod:`~.codim2_pd` and :mod:`~.codim2_ns`, their
shared machinery in :mod:`~.codim2_cycle_base`.

Why minimally extended systems. AUTO continues these curves with the *standard* extended
boundary-value problem: the orbit together with the critical eigenfunction (and for PD and NS
its second half or complex part), 2n or 3n unknowns per node, solved by its collocation solver
with more parameter columns and dense rows. MatCont and BifurcationKit use *minimally extended*
systems: the orbit, T, the parameters and one or two scalar functions g(z) defined by a bordered
collocation matrix that is singular on the curve (Doedel, Govaerts & Kuznetsov, SIAM J. Numer.
Anal. 41:401, 2003). bifur follows the latter: the unknowns stay those of cycle continuation
(plus the angle θ of a torus), every linear system is a condensed collocation solve of the
existing kind (for folds it is exactly the bordered solve of one-parameter continuation, with p1
as its parameter), and the derivatives of g come from the same solves with exact Jacobian
differences, without the transposed (adjoint) solves a direct implementation would need. That
keeps a curve point at the cost of a few cycle-continuation steps, and makes each point, by
construction, the LPC, PD or NS point that one-parameter continuation finds on the same
discretisation. The bordering vectors are the kernel vectors of the last accepted point, so
the bordered matrices stay well conditioned along the curve.

Starting data. A PD point of :func:`bifur.continue_cycles` carries its orbit (``profile``,
``mesh``, ``ncol``) and eigenfunction. LPC and NS points carry the period, the multipliers and
the state at phase 0; when the orbit is not in ``data``, it is recomputed by integrating one
period from ``sp.x`` (scipy's DOP853, rtol 1e-11) on a mesh of 60 intervals adapted to it, and
the point is then converged onto the curve.
"""
from __future__ import annotations

import math

import numpy as np

from .._mesh import Basis, adapt_mesh, node_times
from ..branch import Branch, SpecialPoint
from ..curves import BifurcationCurve
from ..errors import ModelError, SolverError, Status, StatusCode
from .codim2 import CurveRequest, follow_curve, register_curve_builder
from .codim2_cycle_base import CycleCurveProblem
from .codim2_lpc import LPCCurveProblem
from .codim2_ns import NSCurveProblem
from .codim2_pd import PDCurveProblem
from .cycle_bordered import eigenfunction
from .cycles import CycleProblem
from .engine import correct_at_fixed_param
from .report import raw_to_branch

__all__ = ["lpc_curve", "pd_curve", "ns_curve", "start_orbit", "DEFAULT_NTST"]

#: Mesh intervals of an orbit recomputed from a point that does not carry one.
DEFAULT_NTST = 60

_ARRAYS = ("period", "frequency_hz", "multipliers", "precision", "amplitude", "n_unstable", "max", "min")


def start_orbit(req: CurveRequest) -> tuple[np.ndarray, np.ndarray, float, int]:
    """(mesh, profile, period, ncol) of the orbit at the starting point."""
    sp = req.point
    period = float(sp.data.get("period", math.nan))
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"the {sp.kind} point carries no period: use a point located by bifur.continue_cycles")
    if all(k in sp.data for k in ("profile", "mesh", "ncol")):
        mesh = np.asarray(sp.data["mesh"], dtype=float)
        ncol = int(sp.data["ncol"])
        X = np.asarray(sp.data["profile"], dtype=float)
        if X.shape != ((mesh.size - 1) * ncol + 1, req.model.n_states):
            raise ValueError(f"the {sp.kind} point's profile has shape {X.shape}, which does not fit its mesh")
        return mesh, X, period, ncol
    return _integrated_orbit(req, period)


def _integrated_orbit(req: CurveRequest, period: float, ncol: int = 4) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The orbit through ``point.x`` by integrating one period, sampled on an adapted mesh."""
    from scipy.integrate import solve_ivp  # here: importing scipy.integrate costs 0.13 s of `import bifur`
    cm = req.model.compile()
    p = cm.param_vector(req.point.params | {req.param1: req.point.param})
    sol = solve_ivp(lambda t, x: cm.rhs(x, p), (0.0, period), req.x, method="DOP853", rtol=1e-11, atol=1e-13,
                    dense_output=True)
    if not sol.success:
        raise SolverError(Status(StatusCode.NONFINITE, f"integrating the {req.point.kind} orbit failed: {sol.message}"))
    basis = Basis(ncol)
    mesh = np.linspace(0.0, 1.0, DEFAULT_NTST + 1)
    for _ in range(2):
        X = sol.sol(node_times(mesh, ncol) * period).T
        mesh = adapt_mesh(X, mesh, basis)
    X = sol.sol(node_times(mesh, ncol) * period).T
    X[-1] = X[0]
    return mesh, X, period, ncol


def converge(req: CurveRequest, problem: CycleCurveProblem, z0: np.ndarray) -> np.ndarray:
    """z0 corrected onto the curve with p2 fixed; borders, scales and p1 bounds set there."""
    problem.start_at(z0)
    z, ok = correct_at_fixed_param(problem, z0, req.settings)
    if not ok or not np.all(np.isfinite(z)):
        raise SolverError(Status(StatusCode.NEWTON_FAILED, f"the {req.point.kind} point does not converge onto the "
                                 f"curve at {req.param2}={z0[-1]:g}: start from a point of bifur.continue_cycles run "
                                 "at these parameter values"))
    problem.start_at(z)
    problem.p1_bounds = req.p1_range
    return z


def run_curve(req: CurveRequest, problem: CycleCurveProblem, z0: np.ndarray, extras: tuple[str, ...]) -> Branch:
    """Continue a curve of cycle bifurcations and assemble its record."""
    raw = follow_curve(req, problem, converge(req, problem, z0))
    recs = [pt.record for pt in raw.points]
    data = {"param1": np.array([pt.z[-2] for pt in raw.points])}
    data.update({k: np.array([r[k] for r in recs]) for k in _ARRAYS})
    data["profiles"] = np.array([r["profile"] for r in recs])
    data["meshes"] = np.array([r["mesh"] for r in recs])
    data.update({k: np.array([r.get(k, math.nan) for r in recs], dtype=float) for k in extras})
    others = {k: v for k, v in req.params.items() if k != req.param1}
    meta = {"curve": req.point.kind, "param1": req.param1, "param2": req.param2, "ncol": problem.m,
            "ntst": problem.N}
    br = raw_to_branch(raw, "curve", req.model, req.param2, others, data, np.array([r["x0"] for r in recs]),
                       np.array([r["stable"] for r in recs]), meta)
    for sp in br.special_points:
        sp.data.pop("terminal", None)
    return br


def _setup(req: CurveRequest):
    cm = req.model.compile()
    i1, i2 = cm.param_index(req.param1), cm.param_index(req.param2)
    mesh, X, period, ncol = start_orbit(req)
    return cm, i1, i2, cm.param_vector(req.params), mesh, X, period, Basis(ncol)


def lpc_curve(req: CurveRequest) -> Branch:
    """Builder for "LPC" points of cycle branches: the curve of folds of cycles (see :mod:`.codim2_lpc`)."""
    cm, i1, i2, p, mesh, X, period, basis = _setup(req)
    problem = LPCCurveProblem(cm, i1, i2, p, mesh, basis, X, period)
    return run_curve(req, problem, problem.pack(X, period, [], p[i1], p[i2]), ("cpc",))


def _eigenfunction(cm, i1: int, p: np.ndarray, mesh: np.ndarray, basis: Basis, X: np.ndarray, T: float,
                   target: complex) -> tuple[np.ndarray, complex]:
    pb = CycleProblem(cm, i1, p, mesh, basis, X, adapt_every=0, hopf_ends=False)
    return eigenfunction(pb, pb.pack(X, T, float(p[i1])), target)


def pd_curve(req: CurveRequest) -> Branch:
    """Builder for "PD" points of cycle branches: the curve of period doublings (see :mod:`.codim2_pd`)."""
    cm, i1, i2, p, mesh, X, period, basis = _setup(req)
    V = req.point.data.get("eigenfunction")
    if V is None or np.shape(V) != X.shape:
        Vc, _ = _eigenfunction(cm, i1, p, mesh, basis, X, period, -1.0)
        V = Vc.real
    problem = PDCurveProblem(cm, i1, i2, p, mesh, basis, X, period, V=np.asarray(V, dtype=float))
    return run_curve(req, problem, problem.pack(X, period, [], p[i1], p[i2]), ("pd_c",))


def ns_curve(req: CurveRequest) -> Branch:
    """Builder for "NS" points of cycle branches: the curve of torus bifurcations (see :mod:`.codim2_ns`)."""
    cm, i1, i2, p, mesh, X, period, basis = _setup(req)
    theta = float(req.point.data.get("theta", math.nan))
    mu_list = np.asarray(req.point.data.get("multipliers", []), dtype=complex)
    if not math.isfinite(theta):
        on = mu_list[np.abs(mu_list.imag) > 1e-8]
        if on.size == 0:
            raise ValueError("the NS point has no complex pair of multipliers: it is not a torus bifurcation")
        theta = float(abs(np.angle(on[np.argmin(np.abs(np.abs(on) - 1.0))])))
    if not 0.0 < theta < math.pi:
        raise ValueError(f"the NS point's angle θ = {theta:g} is not in (0, π)")
    V, mu = _eigenfunction(cm, i1, p, mesh, basis, X, period, complex(math.cos(theta), math.sin(theta)))
    if mu.imag < 0:
        V = V.conj()
    theta = float(abs(np.angle(mu)))
    problem = NSCurveProblem(cm, i1, i2, p, mesh, basis, X, period, V=V, theta=theta)
    return run_curve(req, problem, problem.pack(X, period, [theta], p[i1], p[i2]), ("theta",))


register_curve_builder("LPC", lpc_curve)
register_curve_builder("PD", pd_curve)
register_curve_builder("NS", ns_curve)
