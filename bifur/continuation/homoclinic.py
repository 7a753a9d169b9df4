"""Saddle homoclinic curves in two parameters, approximated by cycles of a large fixed period.

Why this approximation rather than a homoclinic boundary-value problem (projection boundary
conditions at a saddle that is itself an unknown, as in HomCont): near a homoclinic orbit to a
hyperbolic saddle the period of the nearby cycles grows like T ≈ -(1/λu) ln|p - p*| (λu the
unstable eigenvalue of the saddle), so a cycle of fixed period T lies at |p - p*| ∝ exp(-λu T)
from the homoclinic curve: the error falls *exponentially* with T and is measured by doing the
same computation at 2T. The problem is the collocation problem of
:class:`~bifur.continuation.cycles.CycleProblem` (same kernels, mesh adaptation, condensed
bordered solve) with the period held fixed and both parameters free, continued by the one
engine; the same curve runs smoothly through the saddle-node-loop point (SNL) onto the SNIC
curve, where the saddle becomes a saddle-node's ghost: there the error is algebraic,
|p - p*| ∝ 1/T², because T ≈ K/√|p - p*|. A true homoclinic BVP degenerates at the SNL
(λu → 0) where this one does not, and would need a new discretisation of its own.

Unknowns: z = (profile X, e1, e2) with (e1, e2) = (p1, p2) at fixed T (``mode="params"``), or
(p1, T) at fixed p2 (``mode="period"``: continuation *in the period*, used to reach the target
period from a start cycle and to measure the error at 2T).

Each point of the curve is classified by what the orbit's slowest point sits next to: a saddle
equilibrium (``bottleneck`` = 1: the homoclinic part, with λu and the saddle quantity
σ = λu + max Re λs, negative where the homoclinic orbit creates a stable cycle) or no
equilibrium at all (0: the ghost of a saddle-node, the SNIC part of the curve).
"""
from __future__ import annotations

import math
import warnings
from typing import Mapping, Sequence

import numpy as np

from .. import _checks
from .._mesh import Basis, adapt_mesh, evaluate, node_times, node_weights
from ..branch import Diagnostic, SpecialPoint
from ..curves import BifurcationCurve
from ..cycle import Cycle
from ..equilibria import newton
from ..errors import BranchWarning, ModelError, SolverError, Status, StatusCode
from ..model import Model
from .cycles import CycleProblem
from .engine import continuation
from .equilibria import check_autonomous
from .problem import BorderedSolve, Point
from .report import raw_to_branch
from .settings import ContinuationSettings
from .snic import fold_null_vectors

__all__ = ["FixedPeriodProblem", "continue_homoclinic", "period_shift"]


class FixedPeriodProblem(CycleProblem):
    """Periodic orbits of fixed period T in two free parameters (``mode="params"``: z = (X, p1, p2)),
    or of free period at a fixed second parameter (``mode="period"``: z = (X, p1, T), continued in T).

    Parameters
    ----------
    cm : CompiledModel
    i1, i2 : int
        Indices of p1 and p2 in the parameter vector.
    p : ndarray
        Parameter vector (p1, p2 overwritten by the unknowns; in "period" mode p2 stays fixed).
    mesh, basis, reference
        As for :class:`~bifur.continuation.cycles.CycleProblem`.
    period : float
        The fixed period ("params" mode; ignored in "period" mode).
    mode : {"params", "period"}
    scales : (float, float, float)
        Scales of the orbit (its L2 amplitude) and of the two extra unknowns in the arclength.
    adapt_every : int
        Re-equidistribute the mesh every this many accepted points.
    """

    event_kinds = ()
    closed_loop_check = False
    vanishing_at_start: dict = {}

    def __init__(self, cm, i1: int, i2: int, p: np.ndarray, mesh: np.ndarray, basis: Basis,
                 reference: np.ndarray, period: float, mode: str = "params",
                 scales: tuple[float, float, float] = (1.0, 1.0, 1.0), adapt_every: int = 3):
        if mode not in ("params", "period"):
            raise ValueError(f"mode must be 'params' or 'period', got {mode!r}")
        self.mode = mode
        self.i1, self.i2 = i1, i2
        self.fixed_period = float(period)
        self.scales = tuple(float(s) if s > 0 and math.isfinite(s) else 1.0 for s in scales)
        self.p1_bounds = (-math.inf, math.inf)
        super().__init__(cm, i1, p, mesh, basis, reference, adapt_every, hopf_ends=False)
        self.param_name = cm.param_names[i2] if mode == "params" else "period"
        self.param1 = cm.param_names[i1]
        self.diagnostics: list[Diagnostic] = []
        self.collapse: dict | None = None

    # -- unknowns ---------------------------------------------------------------------------
    def unpack(self, z: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        p = self.p.copy()
        p[self.i1] = z[self.nx]
        if self.mode == "params":
            p[self.i2] = z[self.nx + 1]
            T = self.fixed_period
        else:
            T = float(z[self.nx + 1])
        return z[:self.nx].reshape(self.P, self.n), T, p

    def pack_extra(self, X: np.ndarray, e1: float, e2: float) -> np.ndarray:
        return np.concatenate([X.reshape(-1), [e1, e2]])

    def set_mesh(self, mesh: np.ndarray) -> None:
        super().set_mesh(mesh)
        amp, s1, s2 = self.scales
        self._w = self._w.copy()
        self._w[:self.nx] /= amp ** 2
        self._w[self.nx:] = [1.0 / s1 ** 2, 1.0 / s2 ** 2]

    def weights(self, z: np.ndarray) -> np.ndarray:
        return self._w

    def default_ds_max(self) -> float | None:
        return 0.05

    # -- equations ----------------------------------------------------------------------------
    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """The collocation rows with the two extra columns of this problem's unknowns (the kernel
        gives d/dT and d/dp for one parameter; a second call gives d/dp2)."""
        X, T, p = self.unpack(z)
        vals = np.empty(self.nk)
        self.k_jac(X, T, p, self.i1, self.h, self.basis.L, self.basis.D, vals)
        V = vals.reshape(-1, (self.m + 1) * self.n + 2)
        if self.mode == "params":
            other = np.empty(self.nk)
            self.k_jac(X, T, p, self.i2, self.h, self.basis.L, self.basis.D, other)
            V[:, -2] = V[:, -1]
            V[:, -1] = other.reshape(V.shape)[:, -1]
        else:
            dT = V[:, -2].copy()
            V[:, -2] = V[:, -1]
            V[:, -1] = dT
        return vals

    def test_functions(self, z, tangent, record, bordered) -> np.ndarray:
        return np.zeros(0)

    def record_solved(self, z: np.ndarray, solve: BorderedSolve | None) -> dict:
        rec = super().record_solved(z, solve)
        rec["p1"] = float(z[self.nx])
        return rec

    # -- hooks ----------------------------------------------------------------------------------
    def begin_direction(self, start: Point) -> Point:
        mesh, ref = self._initial
        self.set_mesh(mesh)
        self.set_reference(ref)
        self.steps = 0
        self._direction_start = start
        return start

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.steps += 1
        X = z[:self.nx].reshape(self.P, self.n)
        if self.adapt_every and self.steps % self.adapt_every == 0:
            new = adapt_mesh(X, self.mesh, self.basis)
            tau = node_times(new, self.m)
            Xn = evaluate(X, self.mesh, self.basis, tau)
            Xn[-1] = Xn[0] + (X[-1] - X[0])
            Tn = evaluate(tangent[:self.nx].reshape(self.P, self.n), self.mesh, self.basis, tau)
            self.set_mesh(new)
            z = np.concatenate([Xn.reshape(-1), z[self.nx:]])
            tangent = np.concatenate([Tn.reshape(-1), tangent[self.nx:]])
            tangent /= math.sqrt(tangent @ (self._w * tangent))
            X = Xn
        self.set_reference(X)
        return z, tangent

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        """Stop past the bound of p1 (the engine bounds the continuation unknown only), and where the
        orbit shrinks to a point: the homoclinic loop collapses into an equilibrium (at a
        Bogdanov-Takens point); past it the continuation would come back along the same curve
        with the orbits shifted in phase."""
        lo, hi = self.p1_bounds
        p1 = float(points[-1].z[self.nx])
        if not lo <= p1 <= hi:
            del points[-1]
            bound = lo if p1 < lo else hi
            return Status(StatusCode.PARAM_BOUND, f"reached the end of p1_range, {self.param1}={bound:.8g}"), [], False
        amp = points[-1].record["amplitude"]
        self.amp_max = max(self.amp_max, amp)
        if len(points) >= 2 and amp < 0.02 * self.amp_max and amp < points[-2].record["amplitude"]:
            X, _, p = self.unpack(points[-1].z)
            self.collapse = _collapse_point(self, X, p)
            where = f"{self.param1}={p1:.8g}, {self.param_name}={float(points[-1].z[-1]):.8g}"
            return Status(StatusCode.SUCCESS, f"the orbit shrank to a point at {where}" + (
                ", next to a Bogdanov-Takens point: the homoclinic curve ends there" if self.collapse["bt"] else
                ": the curve ends there")), [], False
        return None

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        return status

    def terminal_status(self, sp: SpecialPoint) -> Status:
        return Status(StatusCode.SUCCESS, f"branch ended at {sp.kind}")


def _collapse_point(pb: FixedPeriodProblem, X: np.ndarray, p: np.ndarray) -> dict:
    """The equilibrium a collapsing loop shrinks to, its eigenvalues, and whether two of them are
    near zero (both below 5 % of the norm of the Jacobian: next to a Bogdanov-Takens point)."""
    x_eq, ok = newton(pb.cm, pb.node_weights @ X, p)
    if not ok:
        return {"bt": False}
    J = pb.cm.jac(x_eq, p)
    ev = np.linalg.eigvals(J)
    small = np.sort(np.abs(ev))
    return {"bt": bool(ev.size >= 2 and small[1] <= 0.05 * float(np.linalg.norm(J))), "equilibrium": x_eq,
            "eigenvalues": ev, pb.param1: float(p[pb.i1]), pb.param_name: float(p[pb.i2])}


# -- classification of the bottleneck ------------------------------------------------------------------
def bottleneck(cm, X: np.ndarray, p: np.ndarray, period: float = math.inf) -> dict:
    """What the slowest point of the orbit X sits next to: a saddle (code 1, with λu, the saddle
    quantity and the saddle itself), no equilibrium (code 0: a saddle-node's ghost), or another
    equilibrium (code -1).

    A saddle so weakly hyperbolic that the orbit's period is less than 5/λu behaves like a
    saddle-node's ghost (the next to an SNL, or where the fixed-period curve runs within round-off of
    a fold): code 0, with its λu kept."""
    speeds = np.linalg.norm(np.array([cm.rhs(x, p) for x in X]), axis=1)
    k = int(np.argmin(speeds))
    diam = float(np.linalg.norm(X.max(axis=0) - X.min(axis=0))) or 1.0
    x_eq, ok = newton(cm, X[k], p)
    nan = {"code": 0, "lambda_u": math.nan, "saddle_quantity": math.nan, "saddle": np.full(X.shape[1], math.nan)}
    if not ok or float(np.min(np.linalg.norm(X - x_eq[None, :], axis=1))) > 0.05 * diam:
        return nan
    ev = np.linalg.eigvals(cm.jac(x_eq, p))
    pos, neg = ev[ev.real > 0], ev[ev.real < 0]
    if pos.size == 1 and neg.size == ev.size - 1 and abs(pos[0].imag) == 0.0:
        lam_u = float(pos[0].real)
        return {"code": 1 if lam_u * period >= 5.0 else 0, "lambda_u": lam_u,
                "saddle_quantity": lam_u + float(np.max(neg.real)), "saddle": x_eq}
    return {**nan, "code": -1, "saddle": x_eq}


# -- the public function ---------------------------------------------------------------------------------
def _scales(X: np.ndarray, mesh: np.ndarray, basis: Basis, p1: float, p2: float) -> tuple[float, float, float]:
    w = node_weights(mesh, basis)
    mean = w @ X
    amp = float(np.sqrt(w @ np.sum((X - mean) ** 2, axis=1))) or 1.0
    return amp, max(abs(p1), 1e-3), max(abs(p2), 1e-3)


def _period_run(cm, i1: int, i2: int, p: np.ndarray, mesh: np.ndarray, basis: Basis, X: np.ndarray, T0: float,
                p1: float, T1: float, settings: ContinuationSettings | None = None
                ) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Continue cycles in the period from T0 to T1 at fixed p2 (p1 free); (mesh, X, p1, T) at T1, or None."""
    lo, hi = min(T0, T1), max(T0, T1)
    amp, s1, _ = _scales(X, mesh, basis, p1, 1.0)
    pb = FixedPeriodProblem(cm, i1, i2, p, mesh, basis, X, T0, "period", (amp, s1, max(T0, T1)))
    st = (settings or ContinuationSettings(max_steps=2000)).with_(direction="forward" if T1 > T0 else "backward")
    z0 = pb.pack_extra(X, p1, T0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BranchWarning)
        raw = continuation(pb, z0, (lo, hi), st)
    end = raw.points[-1] if T1 > T0 else raw.points[0]
    if abs(end.z[-1] - T1) > 1e-9 * T1:
        return None
    return end.record["mesh"], end.record["profile"], float(end.z[pb.nx]), float(end.z[-1])


def period_shift(curve: BifurcationCurve, i: int, factor: float = 2.0) -> float:
    """How far the fixed-period curve moves in p1 at point i when the period is multiplied by
    ``factor`` (p2 fixed): p1(factor T) - p1(T). NaN when the continuation in T does not get there.

    On the homoclinic part the error of the curve itself is about this shift (it decays like
    exp(-λu T)); on the SNIC part (error ∝ 1/T²) the error at T is 4/3 of the shift for factor 2."""
    model = curve.model
    cm = model.compile()
    p1n, p2n = curve.param_names
    i1, i2 = cm.param_index(p1n), cm.param_index(p2n)
    p = cm.param_vector({**curve.params, p1n: float(curve.p1[i]), p2n: float(curve.p2[i])})
    basis = Basis(int(curve.meta.get("ncol", 4)))
    T = float(curve.meta["period"])
    out = _period_run(cm, i1, i2, p, curve.arrays["meshes"][i], basis, curve.arrays["profiles"][i], T,
                      float(curve.p1[i]), factor * T)
    return math.nan if out is None else out[2] - float(curve.p1[i])


def _start_from_snl(model: Model, sp: SpecialPoint, param: str, ntst: int, ncol: int, period: float | None
                    ) -> tuple[Cycle, str]:
    """A cycle of moderate period just past the fold, on the SNIC side of an SNL point."""
    p1n = sp.data.get("param1")
    if not p1n:
        raise ModelError("this SNL point carries no 'param1': use one located by bifur.classify_snic")
    if param != sp.param_name:
        raise ValueError(f"the SNL point lies on a fold curve continued in {sp.param_name!r}: continue the "
                         f"homoclinic curve in the same plane ({p1n!r}, {sp.param_name!r})")
    from .find_cycle import find_cycle  # the cycle record's producer, above the records

    cm = model.compile()
    p1s, p2s = sp.data["snic_at"]
    pars = {**sp.params, p1n: float(p1s), param: float(p2s)}
    p = cm.param_vector(pars)
    x, ok = newton(cm, np.asarray(sp.x, dtype=float), p)
    if not ok:
        x = np.asarray(sp.x, dtype=float)
    ev, v, w, a = fold_null_vectors(cm, x, p)
    b = float(w @ cm.dfdp(x, p)[:, cm.param_index(p1n)])
    if not (math.isfinite(a) and a != 0 and b != 0):
        raise SolverError(Status(StatusCode.NO_SOLUTION, "the fold at the SNL point is degenerate (a = 0 or b = 0): "
                                 "start the homoclinic curve from a Cycle instead"))
    direction = math.copysign(1.0, a * b)  # x' = b dp1 + a ξ² has no equilibria where a b dp1 > 0
    rest = np.delete(ev, int(np.argmin(np.abs(ev))))
    t_fast = 1.0 / float(np.min(np.abs(rest.real)))
    # passage time π/√(|a b| δ) of a few times the slowest relaxation time: a cycle that a simulation
    # finds quickly (then continued in the period up to the one asked for)
    t_pass = 20.0 * t_fast if period is None else min(20.0 * t_fast, 0.25 * period)
    delta = (math.pi / t_pass) ** 2 / abs(a * b)
    pars[p1n] = float(p1s) + direction * delta
    second = 200.0 if model.time_unit == "1" else 1.0 / model.seconds_per_time_unit  # find_cycle's own chunk
    cyc = find_cycle(model, params=pars, x0=x, ntst=ntst, ncol=ncol, t_chunk=max(second, 5.0 * t_pass))
    return cyc, p1n


def continue_homoclinic(model: Model, start, param: str, p_range: tuple[float, float], *,
                        param1: str | None = None, period: float | None = None,
                        p1_range: tuple[float, float] | None = None, ntst: int = 120, ncol: int = 4,
                        settings: ContinuationSettings | None = None, progress: bool = False,
                        error_points: int = 5, at: Sequence[float] | None = None) -> BifurcationCurve:
    """The saddle homoclinic curve (HOM) in two parameters, as cycles of a large fixed period.

    Parameters
    ----------
    model : Model
    start : SpecialPoint or Cycle
        An "SNL" point of :func:`classify_snic` (the curve leaves it: a cycle just past the fold
        on its SNIC side is found by simulation and continued in the period up to ``period``),
        or a large-period :class:`~bifur.Cycle` (e.g. ``branch.orbit(i)`` at the HOM end of a
        :func:`bifur.continue_cycles` branch, with ``param1`` the branch's parameter).
    param : str
        The second parameter p2, bounded by ``p_range``.
    p_range : (float, float)
        Bounds of p2.
    param1 : str, optional
        The first parameter p1 (for a Cycle start; an SNL point knows it).
    period : float, optional
        The fixed period T. Default: the start cycle's period for a Cycle start; from an SNL point,
        200 times the slowest relaxation time 1/|λ| of the saddle-node (for Morris-Lecar at its
        SNL, about 600 ms).
    p1_range : (float, float), optional
        Bounds of p1.
    ntst, ncol : int
        Collocation mesh (adapted along the curve).
    settings : ContinuationSettings, optional
        Steps are arclengths relative to the orbit's amplitude and the parameters' magnitudes
        (default ``ds_max`` 0.05).
    progress : bool
    error_points : int
        Number of points (spread along the curve) at which the error is measured by the same
        computation at period 2T (:func:`period_shift`; 0 to skip).
    at : sequence of float, optional
        Values of p2 at which points are inserted exactly.

    Returns
    -------
    BifurcationCurve
        ``curve_kind`` "HOM"; ``curve[p1]``, ``curve[p2]``; arrays ``bottleneck`` (1: the slow part
        of the orbit sits at a saddle, the homoclinic part; 0: at no equilibrium, the ghost of a
        saddle-node, the SNIC part), ``lambda_u``, ``saddle_quantity`` (σ = λu + max Re λs; σ < 0:
        the homoclinic orbit creates a stable cycle), ``amplitude``, ``profiles``, ``meshes``,
        ``shift_2T`` (p1(2T) - p1(T) at the error points, NaN elsewhere); ``meta["period"]`` = T
        and ``meta["max_shift_hom"]``, ``meta["max_shift_snic"]``, the largest |shift| on each part.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> ml = morris_lecar("snic")
    >>> lp = bifur.continue_equilibria(ml, "I", (-20.0, 150.0)).special("LP")[0]
    >>> folds = bifur.classify_snic(bifur.continue_bifurcation(ml, lp, "phi", (0.05, 0.3)))
    >>> hom = continue_homoclinic(ml, folds.special("SNL")[0], "phi", (0.05, 0.4), error_points=0, at=[0.3])
    >>> [i] = hom.at(0.3)
    >>> int(hom["bottleneck"][i]), round(float(hom["I"][i]), 1)   # f-I at phi = 0.3: onset HOM at I = 14.703
    (1, 14.7)
    """
    check_autonomous(model)
    model.check_param(param)
    lo, hi = _checks.interval(p_range, "p_range")
    _, ncol = _checks.collocation_size(model.n_states, ntst, ncol)
    basis = Basis(ncol)
    cm = model.compile()
    if isinstance(start, SpecialPoint):
        if start.kind != "SNL":
            raise ValueError(f"a homoclinic curve starts from an 'SNL' point of bifur.classify_snic or a Cycle, "
                             f"not from {start.kind!r} (for the HOM end of a cycle branch pass branch.orbit(i))")
        cyc, param1 = _start_from_snl(model, start, param, ntst, ncol, period)
        if period is None:
            lam = np.delete(start.data["eigenvalues"], int(np.argmin(np.abs(start.data["eigenvalues"]))))
            period = 200.0 / float(np.min(np.abs(np.real(lam))))
    elif isinstance(start, Cycle):
        _checks.same_states(model, start.model, "the start cycle")
        if param1 is None:
            raise ValueError("param1 (the first parameter) is needed for a Cycle start")
        cyc = start
        period = float(start.period) if period is None else period
    else:
        raise ValueError(f"start must be an 'SNL' SpecialPoint or a Cycle, got {type(start).__name__}")
    model.check_param(param1)
    if param1 == param:
        raise ValueError("param1 and param must differ")
    period = _checks.positive(period, "period")
    i1, i2 = cm.param_index(param1), cm.param_index(param)
    pars = {**model.param_values(cyc.params)}
    p = cm.param_vector(pars)
    mesh, X = cyc.mesh, cyc.profile
    if cyc.ncol != ncol or mesh.size - 1 != ntst:
        mesh = cyc.adapted_mesh(ntst)
        X = cyc.evaluate_tau(node_times(mesh, ncol))
    p1, T0 = float(pars[param1]), float(cyc.period)
    if abs(T0 - period) > 1e-12 * period:
        got = _period_run(cm, i1, i2, p, mesh, basis, X, T0, p1, period)
        if got is None:
            raise SolverError(Status(StatusCode.NO_SOLUTION, f"the cycles could not be continued from period {T0:.6g} "
                                     f"to {period:.6g} at {param}={pars[param]:.8g}: choose a smaller period"))
        mesh, X, p1, _ = got
    p[i1] = p1
    p2 = float(p[i2])
    if not lo <= p2 <= hi:
        raise ValueError(f"the start is at {param}={p2:g}, outside p_range [{lo:g}, {hi:g}]")
    problem = FixedPeriodProblem(cm, i1, i2, p, mesh, basis, X, period, "params", _scales(X, mesh, basis, p1, p2))
    if p1_range is not None:
        problem.p1_bounds = _checks.interval(p1_range, "p1_range")
    settings = settings or ContinuationSettings()
    z0 = problem.pack_extra(X, p1, p2)
    raw = continuation(problem, z0, (lo, hi), settings, progress, label=f"HOM curve in ({param1}, {param})", at=at)
    raw.diagnostics.extend(problem.diagnostics)
    return _assemble(model, cm, raw, problem, param1, param, pars, period, ncol, error_points)


def _assemble(model: Model, cm, raw, problem: FixedPeriodProblem, param1: str, param: str, pars: dict,
              period: float, ncol: int, error_points: int) -> BifurcationCurve:
    recs = [pt.record for pt in raw.points]
    necks = []
    for pt, r in zip(raw.points, recs):
        X, _, p = problem.unpack(pt.z)
        necks.append(bottleneck(cm, X, p, period))
    arrays = {"param1": np.array([r["p1"] for r in recs]),
              "period": np.full(len(recs), period),
              "amplitude": np.array([r["amplitude"] for r in recs]),
              "multipliers": np.array([r["multipliers"] for r in recs]),
              "n_unstable": np.array([r["n_unstable"] for r in recs]),
              "max": np.array([r["max"] for r in recs]), "min": np.array([r["min"] for r in recs]),
              "profiles": np.array([r["profile"] for r in recs]), "meshes": np.array([r["mesh"] for r in recs]),
              "bottleneck": np.array([nk["code"] for nk in necks], dtype=float),
              "lambda_u": np.array([nk["lambda_u"] for nk in necks]),
              "saddle_quantity": np.array([nk["saddle_quantity"] for nk in necks]),
              "saddle": np.array([nk["saddle"] for nk in necks]),
              "shift_2T": np.full(len(recs), math.nan)}
    others = {k: v for k, v in pars.items() if k not in (param1,)}
    meta = {"curve": "HOM", "param1": param1, "param2": param, "period": period, "ncol": ncol,
            "approximation": f"cycles of fixed period T={period:.6g} {model.time_unit}"}
    if problem.collapse is not None:
        meta["end"] = problem.collapse
    curve = raw_to_branch(raw, "curve", model, param, others, arrays, np.array([r["x0"] for r in recs]),
                          np.array([r["stable"] for r in recs]), meta)
    if error_points > 0 and len(curve) > 0:
        idx = np.unique(np.linspace(0, len(curve) - 1, error_points).round().astype(int))
        for i in idx:
            curve.arrays["shift_2T"][i] = period_shift(curve, int(i))
    sh = curve.arrays["shift_2T"]
    code = curve.arrays["bottleneck"]
    for name, c in (("max_shift_hom", 1), ("max_shift_snic", 0)):
        vals = np.abs(sh[(code == c) & np.isfinite(sh)])
        curve.meta[name] = float(vals.max()) if vals.size else math.nan
    return curve
