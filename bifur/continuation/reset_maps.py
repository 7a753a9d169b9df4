"""Tonic spiking and bursts of reduced models with a reset, as fixed points of the reset map.

For a model with a :class:`~bifur.Reset`, the map P takes the state just after one reset
to the state just after the next: integrate the flow from x0 until g(x) = 0 (crossing
upwards) at time τ(x0), then apply the reset R. Its derivative follows from the
variational equation Φ = dx/dx0 along the flight and the dependence of the event time,
dτ/dx0 = -(∇g·Φ)/(∇g·f):

    DP = DR (Φ + f dτ/dx0),   dP/dp = DR (Φ_p + f dτ/dp) + dR/dp.

A tonic spiking orbit is a fixed point of P (period = time of flight); a burst of k spikes
a fixed point of P^k. Both are continued by the same engine as equilibria and cycles, with
folds (LPC), period doubling (PD, the route to chattering and bursting) and torus (NS)
detected from the eigenvalues of DP^k.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .. import _checks
from ..branch import Branch, SpecialPoint
from ..codegen import CompiledModel
from ..errors import ModelError, SolverError, Status, StatusCode
from ..model import Model
from .engine import continuation, correct_at_fixed_param
from .problem import BorderedSolve, Discard, Point, Problem, product_test
from .settings import ContinuationSettings
from .equilibria import check_autonomous
from .report import raw_to_branch

__all__ = ["ResetMap", "ResetMapProblem", "continue_reset_cycles", "reset_fixed_point"]


class ResetMap:
    """The reset map of a compiled model, with its derivatives (see the module docstring)."""

    def __init__(self, cm: CompiledModel, rtol: float = 1e-11, atol: float = 1e-12, t_max: float = 1e4,
                 max_steps: int = 2_000_000):
        if not cm.has_reset:
            raise ModelError(f"model {cm.model.name!r} has no reset")
        self.cm = cm
        self.n, self.np = cm.n_states, cm.n_params
        self.kernel = cm.kernel("flow_to_event")
        self.rtol, self.atol, self.t_max, self.max_steps = rtol, atol, t_max, max_steps

    def __call__(self, x0: np.ndarray, p: np.ndarray):
        """(P(x0), DP, dP/dp (all parameters), time of flight, state before the reset); raises
        SolverError when the flow does not reach the reset condition."""
        n, m, cm = self.n, self.np, self.cm
        y0 = np.concatenate([x0, np.eye(n).ravel(), np.zeros(n * m)])
        y, tof, status = self.kernel(y0, p, float(self.t_max), self.rtol, self.atol, int(self.max_steps), n)
        if status != 0 or not np.all(np.isfinite(y)):
            why = {5: f"the flow did not reach the reset condition within t={self.t_max:g} (it settles at rest)",
                   3: "the right-hand side became NaN or infinite"}.get(int(status), f"integration failed ({status})")
            code = {3: StatusCode.NONFINITE, 5: StatusCode.NO_SOLUTION}.get(int(status), StatusCode.SINGULAR)
            raise SolverError(Status(code, why))
        xm = y[:n].copy()
        Phi = y[n:n + n * n].reshape(n, n)
        Phip = y[n + n * n:].reshape(n, m)
        f = cm.rhs(xm, p)
        dg = cm.reset_dg(xm, p)
        den = float(dg @ f)  # (after a finite-time blow-up, xm is the last resolved state, g(xm) < 0)
        if not den > 0:
            raise SolverError(Status(StatusCode.SINGULAR, "the orbit touches the reset condition tangentially"))
        dtau_dx = -(dg @ Phi) / den
        dtau_dp = -(dg @ Phip + cm.reset_dgdp(xm, p)) / den
        DR = cm.reset_jac(xm, p)
        DP = DR @ (Phi + np.outer(f, dtau_dx))
        Pp = DR @ (Phip + np.outer(f, dtau_dp)) + cm.reset_dRdp(xm, p)
        return cm.reset_apply(xm, p), DP, Pp, float(tof), xm

    def iterate(self, x0: np.ndarray, p: np.ndarray, k: int):
        """P^k with its derivatives: (x_k, DP^k, dP^k/dp, flight times, states before each reset)."""
        x = x0.copy()
        D = np.eye(self.n)
        Dp = np.zeros((self.n, self.np))
        tofs, pre = [], []
        for _ in range(k):
            x, DP, Pp, tof, xm = self(x, p)
            D = DP @ D
            Dp = DP @ Dp + Pp
            tofs.append(tof)
            pre.append(xm)
        return x, D, Dp, np.array(tofs), np.array(pre)


class ResetMapProblem(Problem):
    """Fixed points x0 = P^k(x0, p) in the unknowns z = (x0, p[ip])."""

    event_kinds = ("LPC", "PD", "NS")
    stall_hint = ("the fixed point of the reset map may meet the edge of its domain here (beyond it the flow "
                  "no longer reaches the reset condition, e.g. it settles at rest): the branch ends")

    def __init__(self, cm: CompiledModel, ip: int, p: np.ndarray, k: int = 1, max_period_factor: float = 10.0,
                 rmap: ResetMap | None = None):
        self.cm, self.ip, self.p, self.k = cm, ip, p.copy(), k
        self.param_name = cm.param_names[ip]
        self.n = cm.n_states
        self.map = rmap or ResetMap(cm)
        self.max_period_factor = max_period_factor
        self.T_start = math.nan
        self.next_check = math.inf
        self._cache: tuple | None = None

    def params_at(self, z: np.ndarray) -> np.ndarray:
        p = self.p.copy()
        p[self.ip] = z[-1]
        return p

    def _eval(self, z: np.ndarray):
        if self._cache is not None and np.array_equal(self._cache[0], z):
            return self._cache[1]
        out = self.map.iterate(z[:-1], self.params_at(z), self.k)
        self._cache = (z.copy(), out)
        return out

    def residual(self, z: np.ndarray) -> np.ndarray:
        try:
            xk = self._eval(z)[0]
        except SolverError:
            return np.full(self.n, np.nan)
        return xk - z[:-1]

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        _, D, Dp, _, _ = self._eval(z)
        return np.hstack([D - np.eye(self.n), Dp[:, self.ip:self.ip + 1]])

    def record(self, z: np.ndarray) -> dict:
        _, D, _, tofs, pre = self._eval(z)
        mu = np.linalg.eigvals(D)
        mu = mu[np.argsort(-np.abs(mu), kind="stable")]
        period = float(tofs.sum())
        xs = np.vstack([z[:-1], pre])
        return {"period": period, "isi": tofs, "multipliers": mu, "stable": bool(np.all(np.abs(mu) < 1.0)),
                "n_unstable": int(np.sum(np.abs(mu) > 1.0)), "precision": math.nan, "x0": z[:-1].copy(),
                "pre_reset": pre[-1].copy(), "max": xs.max(axis=0), "min": xs.min(axis=0)}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        mu = record["multipliers"]
        if mu.size >= 2:
            i, j = np.triu_indices(mu.size, 1)
            ns = product_test(mu[i] * mu[j] - 1.0)
        else:
            ns = 1.0
        return np.array([tangent[-1], product_test(mu + 1.0), ns])

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        if kind != "NS" or any(bool(np.any(np.abs(r["multipliers"].imag) > 1e-8)) for r in (a, b)):
            return None
        return Discard("neutral saddle cycle (a real pair of multipliers μ, 1/μ), not a torus bifurcation")

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        mu = record["multipliers"]
        if kind == "PD" and not np.any(np.abs(mu + 1.0) < 1e-3):
            return Discard("the PD test changed sign but no multiplier is near -1 at the located point", "warning")
        if kind == "NS":
            i, j = np.triu_indices(mu.size, 1)
            k = int(np.argmin(np.abs(mu[i] * mu[j] - 1.0)))
            if abs(mu[i[k]].imag) < 1e-6:
                return Discard("neutral saddle cycle (a real pair of multipliers μ, 1/μ), not a torus "
                               "bifurcation")
        T = record["period"]
        data = {"period": T, "frequency_hz": self.k / (T * self.cm.model.seconds_per_time_unit), "multipliers": mu,
                "isi": record["isi"]}
        return SpecialPoint(kind, float(z[-1]), z[:-1].copy(), -1, data, self.param_name)

    def begin_direction(self, start: Point) -> Point:
        self.T_start = start.record["period"]
        self.next_check = self.max_period_factor * self.T_start
        return start

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        """Where the fixed point meets the edge of the map's domain, the orbit from the reset lands on
        the stable manifold of a saddle: a homoclinic end (the period grows like -ln|p - p*|/λu)."""
        if not points:
            return status
        from .cycle_ends import classify_divergence
        last = points[-1]
        T = last.record["period"]
        X = _orbit_samples(self.cm, last.z[:-1], self.params_at(last.z), T)
        new, _ = classify_divergence(self, points, X, T, self.params_at(last.z), final=True)
        return new if last.special is not None else status

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        if not points or not points[-1].record["period"] > self.next_check:
            return None
        from .cycle_ends import divergence_end
        last = points[-1]
        T = last.record["period"]
        X = _orbit_samples(self.cm, last.z[:-1], self.params_at(last.z), T)
        end = divergence_end(self, points, X, T, self.params_at(last.z), 10 * self.max_period_factor * self.T_start)
        return None if end is None else (end[0], end[1], False)


def _orbit_samples(cm: CompiledModel, x0: np.ndarray, p: np.ndarray, T: float) -> np.ndarray:
    return _sampled_orbit(cm, x0, p, T)[1]


def _sampled_orbit(cm: CompiledModel, x0: np.ndarray, p: np.ndarray, T: float,
                   per_period: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """(t, x) on a grid of one period from the post-reset state x0, both sides of each reset included."""
    from ..simulate import simulate
    tr = simulate(cm.model, T * (1 - 1e-9), params=dict(zip(cm.param_names, p)), x0=x0, dt=T / per_period,
                  throw=True)
    return tr.t, tr.x


def _orbit_arrays(cm: CompiledModel, p: np.ndarray, ip: int, points: list, per_period: int = 400) -> dict:
    """Sampled orbits (padded with NaN) and their true extremes over the flights, per branch point."""
    ts, xs = [], []
    for pt in points:
        q = p.copy()
        q[ip] = pt.z[-1]
        t, x = _sampled_orbit(cm, pt.z[:-1], q, pt.record["period"], per_period)
        x = np.vstack([x, pt.record["pre_reset"][None, :]])  # the exact state at the last reset
        ts.append(np.append(t, pt.record["period"]))
        xs.append(x)
    M = max(t.size for t in ts)
    orbit_t = np.full((len(ts), M), np.nan)
    orbit_x = np.full((len(ts), M, cm.n_states), np.nan)
    for i, (t, x) in enumerate(zip(ts, xs)):
        orbit_t[i, :t.size], orbit_x[i, :t.size] = t, x
    return {"orbit_t": orbit_t, "orbit_x": orbit_x, "max": np.nanmax(orbit_x, axis=1),
            "min": np.nanmin(orbit_x, axis=1)}


def reset_fixed_point(model: Model, params: Mapping[str, float] | None = None, x0=None, k: int = 1,
                      transient: int = 50) -> tuple[np.ndarray, dict]:
    """A fixed point of P^k: iterate P from a simulated post-reset state, then Newton.

    Returns (x0, record) with record keys ``period``, ``isi``, ``multipliers``, ``stable``.
    """
    cm = model.compile()
    p = cm.param_vector(params)
    rmap = ResetMap(cm)
    x = cm.reset_apply(cm.init_vector(), p) if x0 is None else _checks.state(model, x0, "x0")
    k = _checks.count(k, "k", 1, 1000)
    for _ in range(transient):
        x = rmap(x, p)[0]
    pb = ResetMapProblem(cm, 0, p, k, rmap=rmap)
    z, ok = correct_at_fixed_param(pb, np.append(x, p[0]), ContinuationSettings(newton_max_iter=30))
    if not ok:
        raise SolverError(Status(StatusCode.NEWTON_FAILED, f"Newton on P^{k}(x) = x did not converge"))
    return z[:-1], pb.record(z)


def continue_reset_cycles(model: Model, start, param: str, p_range: tuple[float, float], k: int = 1,
                          settings: ContinuationSettings | None = None, progress: bool = False,
                          params: Mapping[str, float] | None = None, max_period_factor: float = 10.0,
                          at=None, throw: bool = False) -> Branch:
    """Continue fixed points of the reset map P^k of a model with a reset (tonic spiking for k = 1).

    Parameters
    ----------
    model : Model
        A model with a reset.
    start : float, Cycle or None
        A parameter value at which to find the fixed point from a simulation, a :class:`~bifur.Cycle`
        (its first state is taken as the post-reset state), or None (the start of ``p_range``).
    param, p_range, settings, progress, params, max_period_factor, at :
        As in :func:`continue_cycles`.
    k : int
        Spikes per period (P^k).

    Returns
    -------
    Branch
        kind "cycle" (``meta["hybrid"]`` True): ``period`` (sum of the k flights), ``frequency_hz``,
        ``multipliers`` (eigenvalues of DP^k), ``stable``, ``isi``; special points LPC, PD, NS and
        at a diverging period SNIC/HOM.

    Examples
    --------
    >>> from bifur.models import qif
    >>> br = continue_reset_cycles(qif(), 1.0, "I", (0.5, 4.0))
    >>> import math
    >>> T = (math.atan(100 / 2) - math.atan(-100 / 2)) / 2   # closed form at I = 4
    >>> bool(abs(br.period[-1] / T - 1) < 1e-8)
    True
    """
    from ..cycle import Cycle
    check_autonomous(model)
    if model.reset is None:
        raise ModelError(f"model {model.name!r} has no reset: use continue_cycles")
    cm = model.compile()
    ip = cm.param_index(param)
    lo, hi = float(min(p_range)), float(max(p_range))
    pars = model.param_values(params)
    if isinstance(start, Cycle):
        _checks.same_states(model, start.model, "the start cycle")
        pars = {**start.params, **(params or {})}
        x0 = start.x[0].copy()
    else:
        pars[param] = _checks.real(p_range[0] if start is None else start, "start")
        x0 = None
    if not lo <= pars[param] <= hi:
        raise ModelError(f"the start ({param}={pars[param]:g}) is outside p_range {p_range}")
    x0, _ = reset_fixed_point(model, pars, x0, k)
    p = cm.param_vector(pars)
    problem = ResetMapProblem(cm, ip, p, k, max_period_factor)
    T0 = problem.record(np.append(x0, p[ip]))["period"]
    problem.map.t_max = 20 * 10 * max_period_factor * T0
    settings = settings or ContinuationSettings()
    if settings.ds_max is None:
        scale = max(1.0, float(np.abs(x0).max()))  # the branch's own scale, not the range's width
        settings = settings.with_(ds_max=0.02 * scale)
    raw = continuation(problem, np.append(x0, p[ip]), (lo, hi), settings, progress,
                       label=f"reset map in {param}", at=at)
    recs = [pt.record for pt in raw.points]
    arrays = {k_: np.array([r[k_] for r in recs]) for k_ in ("period", "multipliers", "precision", "n_unstable",
                                                              "isi")}
    arrays.update(_orbit_arrays(cm, p, ip, raw.points))
    return raw_to_branch(raw, "cycle", model, param, model.param_values(pars), arrays,
                         np.array([r["x0"] for r in recs]), np.array([r["stable"] for r in recs]),
                         meta={"hybrid": True, "k": k}, throw=throw)
