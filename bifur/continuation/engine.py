"""The one continuation loop: pseudo-arclength predictor-corrector with events.

A *problem* (equilibria, limit cycles, fixed points of reset maps, ...) describes a
curve F(z) = 0, F: R^N -> R^(N-1), whose last unknown is the continuation parameter.
It supplies the residual, the Jacobian (dense or sparse, or its own type together with
:meth:`Problem.solve_bordered`), per-point records, continuous test functions and how to
describe the special points where they vanish. :func:`continuation` does the rest,
once for every problem: tangent predictor, Newton corrector on the bordered (Keller)
system, step adaptation, parameter bounds, event detection by sign changes and event
location by the Illinois (modified secant) method along the arclength.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from .. import _checks
from ..branch import SpecialPoint
from ..errors import Status, StatusCode

__all__ = ["ContinuationSettings", "Problem", "continuation", "correct_at_fixed_param", "Point", "RawBranch",
           "product_test"]


def product_test(factors: np.ndarray) -> float:
    """Test function with the zeros and sign of Re(prod(factors)): sign times the smallest |factor|.

    Continuous, and linear near a simple zero (where the factor that vanishes is the smallest),
    which keeps the secant location fast; 1 for no factors.

    Examples
    --------
    >>> product_test(np.array([2.0, -0.1, 3.0]))
    -0.1
    """
    if factors.size == 0:
        return 1.0
    prod = np.prod(factors / np.maximum(np.abs(factors), 1e-300))
    return float(np.sign(prod.real) * np.min(np.abs(factors))) if prod.real != 0 else 0.0


@dataclass(frozen=True)
class ContinuationSettings:
    """Settings of :func:`continuation` (immutable; use ``dataclasses.replace`` or ``.with_``).

    Attributes
    ----------
    ds : float or None
        Initial step (arclength in the problem's weighted norm). None: ``ds_max / 5``.
    ds_min : float or None
        Smallest step before giving up. None: ``1e-7 * ds_max``.
    ds_max : float or None
        Largest step. None: 2 % of the width of the parameter range.
    max_steps : int
        Maximum number of points per direction.
    newton_tol : float
        Newton converges when the update and residual are below ``newton_tol`` (relative).
    newton_max_iter : int
        Newton iterations per corrector before the step is halved.
    grow, shrink : float
        Step factors after a fast convergence / a failure.
    fast_iter : int
        A corrector that converged in at most this many iterations grows the step.
    max_turn : float
        Largest angle (radians) between consecutive tangents; a sharper turn halves the step.
    detect_events : bool
        Detect and locate special points.
    locate_tol : float
        Events are located to this relative precision in the parameter.
    direction : {"both", "forward", "backward"}
        "forward" is towards increasing parameter at the start point.

    Examples
    --------
    >>> s = ContinuationSettings(ds_max=2.0).with_(max_steps=200)
    >>> s.ds_max, s.max_steps, s.resolved(100.0).ds
    (2.0, 200, 0.4)
    """

    ds: float | None = None
    ds_min: float | None = None
    ds_max: float | None = None
    max_steps: int = 1000
    newton_tol: float = 1e-10
    newton_max_iter: int = 10
    grow: float = 1.5
    shrink: float = 0.5
    fast_iter: int = 3
    max_turn: float = 0.5
    detect_events: bool = True
    locate_tol: float = 1e-10
    direction: str = "both"

    def with_(self, **changes: Any) -> "ContinuationSettings":
        """A copy with some fields changed."""
        return replace(self, **changes)

    def resolved(self, width: float) -> "ContinuationSettings":
        """Fill the step-size defaults from the width of the parameter range."""
        ds_max = self.ds_max if self.ds_max is not None else 0.02 * width
        ds = self.ds if self.ds is not None else ds_max / 5
        ds_min = self.ds_min if self.ds_min is not None else 1e-7 * ds_max
        if not (0 < ds_min <= ds <= ds_max):
            raise ValueError(f"need 0 < ds_min <= ds <= ds_max, got {ds_min}, {ds}, {ds_max}")
        if self.direction not in ("both", "forward", "backward"):
            raise ValueError(f"direction must be 'both', 'forward' or 'backward', got {self.direction!r}")
        return replace(self, ds=ds, ds_min=ds_min, ds_max=ds_max)


@dataclass
class Point:
    """A converged point: unknowns, unit tangent, problem record and test-function values."""

    z: np.ndarray
    tangent: np.ndarray
    record: dict
    tests: np.ndarray
    special: SpecialPoint | None = None
    user: bool = False  # inserted at a parameter value requested with ``at``


@dataclass
class RawBranch:
    """Output of :func:`continuation`: points in branch order and the final status."""

    points: list[Point]
    status: Status
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0


class Problem:
    """Interface of a continuation problem. Subclasses implement the first four methods.

    The unknown vector z ends with the continuation parameter (``z[-1]``).
    """

    #: Labels of the test functions returned by :meth:`test_functions`.
    event_kinds: tuple[str, ...] = ()
    param_name: str = "p"

    def residual(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def jacobian(self, z: np.ndarray) -> Any:
        """dF/dz, (N-1) x N: dense array, scipy sparse matrix, or anything solve_bordered accepts."""
        raise NotImplementedError

    def record(self, z: np.ndarray) -> dict:
        """Per-point data stored on the branch (eigenvalues, stability, ...)."""
        return {}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict) -> np.ndarray:
        """Continuous functions whose sign changes mark special points (one per event kind)."""
        return np.zeros(0)

    def is_candidate(self, kind: str, a: dict, b: dict) -> bool:
        """Whether a sign change of a test function between points with records a and b is worth
        locating (e.g. not when no complex eigenvalue pair is involved for a Hopf test)."""
        return True

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | None:
        """Describe a located special point, or return None to discard it (e.g. a neutral saddle)."""
        return SpecialPoint(kind, float(z[-1]), z[:-1].copy(), -1, {}, self.param_name)

    def weights(self, z: np.ndarray) -> np.ndarray | None:
        """Weights of the arclength norm (None: Euclidean)."""
        return None

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hook after a point is accepted (e.g. mesh adaptation); may return transformed vectors."""
        return z, tangent

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        """Return (status, points to append, drop_last) to stop this direction, e.g. at a diverging
        period; it may attach a special point to ``points[-1]``, or ask to drop that point."""
        return None

    def begin_direction(self, start: Point) -> Point:
        """Hook called before each direction (restore state changed by the previous one)."""
        return start

    def stalled(self, points: Sequence[Point], status: Status) -> Status:
        """Hook when a direction stalls: may classify the end (attaching a special point) and
        return a more precise status."""
        return status

    def terminal_status(self, sp: SpecialPoint) -> Status:
        """Status when a special point marked ``data["terminal"]`` ends the branch."""
        return Status(StatusCode.SUCCESS, f"branch ended at {sp.kind} ({sp.param_name}={sp.param:.10g})")

    #: Stop when the branch returns to its start (disable when points live on changing meshes).
    closed_loop_check: bool = True
    #: Advice appended when the corrector stalls.
    stall_hint: str = ("try a smaller ds_max or ds_min, and check the model near this point (a singularity, "
                       "or NaN in the right-hand side)")

    # -- linear algebra (override for structured Jacobians) -----------------------------
    def solve_bordered(self, J: Any, row: np.ndarray, rhs: np.ndarray, rhs_last: float) -> np.ndarray:
        """Solve [J; row^T] d = [rhs; rhs_last]."""
        if scipy.sparse.issparse(J):
            A = scipy.sparse.vstack([J, scipy.sparse.csr_matrix(row)], format="csc")
            return scipy.sparse.linalg.splu(A).solve(np.append(rhs, rhs_last))
        A = np.vstack([J, row])
        return scipy.linalg.solve(A, np.append(rhs, rhs_last), check_finite=False)


class _Newton:
    """Corrector on F(z) = 0, row·z = target, and tangent computation, for one problem."""

    def __init__(self, problem: Problem, settings: ContinuationSettings):
        self.pb = problem
        self.st = settings
        self.nsolve = 0

    def correct(self, z: np.ndarray, row: np.ndarray, target: float) -> tuple[np.ndarray, bool, int]:
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging iterate is a failure, not a warning
            return self._correct(z, row, target)

    def _correct(self, z: np.ndarray, row: np.ndarray, target: float) -> tuple[np.ndarray, bool, int]:
        z = z.copy()
        tol = self.st.newton_tol
        prev = math.inf
        for it in range(1, self.st.newton_max_iter + 1):
            F = self.pb.residual(z)
            if not np.all(np.isfinite(F)):
                return z, False, it
            J = self.pb.jacobian(z)
            try:
                d = self.pb.solve_bordered(J, row, -F, target - row @ z)
            except (np.linalg.LinAlgError, RuntimeError, ValueError):
                return z, False, it
            self.nsolve += 1
            if not np.all(np.isfinite(d)):
                return z, False, it
            z += d
            step = np.linalg.norm(d)
            if step <= tol * (1.0 + np.linalg.norm(z)):
                Fn = self.pb.residual(z)
                if np.all(np.isfinite(Fn)) and np.linalg.norm(Fn) <= 1e3 * tol * (1.0 + np.linalg.norm(z)):
                    return z, True, it
            if it > 2 and step > 2.0 * prev:
                return z, False, it  # diverging
            prev = step
        return z, False, self.st.newton_max_iter

    def tangent(self, z: np.ndarray, guess: np.ndarray, w: np.ndarray | None) -> np.ndarray:
        J = self.pb.jacobian(z)
        row = guess * (w if w is not None else 1.0)
        t = self.pb.solve_bordered(J, row, np.zeros(z.size - 1), 1.0)
        return t / _wnorm(t, w)


def _wnorm(v: np.ndarray, w: np.ndarray | None) -> float:
    return float(math.sqrt(v @ (v * w) if w is not None else v @ v))


def _crosses(a: np.ndarray, b: np.ndarray) -> list[int]:
    return [k for k in range(min(a.size, b.size)) if np.isfinite(a[k] * b[k]) and a[k] * b[k] < 0]


class _Progress:
    def __init__(self, enabled: bool, label: str):
        self.enabled, self.label, self.last = enabled, label, 0.0

    def update(self, n: int, p: float, name: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.enabled and (force or now - self.last > 0.2):
            self.last = now
            sys.stderr.write(f"\r[bifur] {self.label}: {n} points, {name}={p:.6g}   ")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _fmt(name: str, p: float) -> str:
    return f"{name}={p:.8g}"


def _hermite_predictor(a: Point, b: Point, value: float, frac: float, w) -> np.ndarray:
    """Predictor for the point of parameter ``value`` between a and b: the cubic Hermite interpolant
    in arclength through both points and their tangents, at the θ where its parameter equals
    ``value`` (error O(ds^4) against the chord's O(ds^2)); the chord at ``frac`` if that θ is not found."""
    d = b.z - a.z
    dw = d * (w if w is not None else 1.0)
    ds = math.sqrt(float(d @ dw))
    ta = a.tangent * (1.0 if a.tangent @ dw >= 0 else -1.0) * ds
    tb = b.tangent * (1.0 if b.tangent @ dw >= 0 else -1.0) * ds
    def basis(th: float) -> tuple[float, float, float, float]:  # weights of a.z, ta, b.z, tb
        return (2 * th - 3) * th * th + 1, ((th - 2) * th + 1) * th, (3 - 2 * th) * th * th, (th - 1) * th * th

    pa, pb, va, vb = a.z[-1], b.z[-1], ta[-1], tb[-1]
    th = frac
    for _ in range(8):  # Newton on the parameter component of the cubic
        c = basis(th)
        dh = 6 * th * (th - 1) * (pa - pb) + ((3 * th - 4) * th + 1) * va + (3 * th - 2) * th * vb
        if dh == 0.0 or not math.isfinite(dh):
            break
        th -= (c[0] * pa + c[1] * va + c[2] * pb + c[3] * vb - value) / dh
    else:
        if -0.1 <= th <= 1.1:
            c = basis(th)
            return c[0] * a.z + c[1] * ta + c[2] * b.z + c[3] * tb
    return a.z + frac * d


def _at_param(problem: Problem, a: Point, b: Point, value: float, newton: _Newton, w,
              full: bool = True) -> Point | None:
    """The point of the branch between a and b whose parameter equals ``value`` (natural-parameter
    corrector). Without ``full`` its tangent is interpolated and no test function is evaluated (a
    point requested with ``at=``, inside an interval already checked for events)."""
    frac = (value - a.z[-1]) / (b.z[-1] - a.z[-1])
    e_p = np.zeros_like(a.z)
    e_p[-1] = 1.0
    z, ok, _ = newton.correct(_hermite_predictor(a, b, value, frac, w), e_p, value)
    if not ok:
        return None
    z[-1] = value
    rec = problem.record(z)
    if not full:
        tau = a.tangent + frac * (b.tangent - a.tangent)
        return Point(z, tau / _wnorm(tau, w), rec, np.full(a.tests.size, np.nan))
    tau = newton.tangent(z, a.tangent, w)
    return Point(z, tau, rec, problem.test_functions(z, tau, rec))


def _user_points(problem: Problem, a: Point, b: Point, at: np.ndarray, newton: _Newton, w) -> list[Point]:
    """Points at the requested parameter values in (p_a, p_b] (or [p_b, p_a))."""
    pa, pb = float(a.z[-1]), float(b.z[-1])
    if at.size == 0 or pa == pb:
        return []
    lo, hi = min(pa, pb), max(pa, pb)
    vals = at[(at > lo) & (at < hi)]
    out = []
    for v in sorted(vals, key=lambda v: abs(v - pa)):
        pt = _at_param(problem, a, b, float(v), newton, w, full=False)
        if pt is not None:
            pt.user = True
            out.append(pt)
    return out


def _merge(a: Point, inserted: list[Point], w) -> list[Point]:
    """Order points inserted between a and the next point by arclength from a."""
    row = a.tangent * (w if w is not None else 1.0)
    return sorted(inserted, key=lambda pt: float(row @ (pt.z - a.z)))


def _run_direction(problem: Problem, start: Point, sign: float, settings: ContinuationSettings,
                   bounds: tuple[float, float], newton: _Newton, progress: _Progress,
                   n_done: int, at: np.ndarray) -> tuple[list[Point], Status]:
    """Continue from ``start`` in one direction; returns the new points (start excluded)."""
    name = problem.param_name
    lo, hi = bounds
    start = problem.begin_direction(start)
    tau = sign * start.tangent  # test functions may depend on the orientation (LP, BP): recompute
    prev = Point(start.z, tau, start.record, problem.test_functions(start.z, tau, start.record))
    out: list[Point] = []
    ds = settings.ds
    failures = 0  # corrector failures since the step was last of a normal size
    for _ in range(settings.max_steps):
        w = problem.weights(prev.z)
        row = prev.tangent * (w if w is not None else 1.0)
        z_pred = prev.z + ds * prev.tangent
        z_new, ok, iters = newton.correct(z_pred, row, row @ prev.z + ds)
        tau = None
        if ok:
            try:
                tau = newton.tangent(z_new, prev.tangent, w)
            except (np.linalg.LinAlgError, RuntimeError, ValueError):
                ok = False
        if ok:
            cos = float(np.clip((tau * (w if w is not None else 1.0)) @ prev.tangent, -1, 1))
            if cos < 0:  # keep orientation
                tau, cos = -tau, -cos
            ok = math.acos(cos) <= settings.max_turn or ds <= 4 * settings.ds_min
        if not ok:
            ds *= settings.shrink
            failures += 1
            if ds < settings.ds_min or failures > 40:
                p = float(prev.z[-1])
                what = (f"step size reached ds_min={settings.ds_min:.3g}" if ds < settings.ds_min
                        else "the corrector keeps failing and the branch hardly progresses")
                return out, problem.stalled(out, Status(StatusCode.STEP_TOO_SMALL,
                                                        f"{what} at {_fmt(name, p)}: {problem.stall_hint}"))
            continue
        if ds > 1e-2 * settings.ds_max:
            failures = 0
        else:
            failures += 1  # accepted, but with a step this small the branch hardly progresses
            if failures > 40:
                return out, problem.stalled(out, Status(
                    StatusCode.STEP_TOO_SMALL, f"the corrector keeps failing and the branch hardly progresses at "
                    f"{_fmt(name, float(prev.z[-1]))}: {problem.stall_hint}"))
        p_new = float(z_new[-1])
        # parameter bounds: end exactly on the boundary
        if p_new < lo or p_new > hi:
            bound = lo if p_new < lo else hi
            if abs(prev.z[-1] - bound) <= 1e-12 * max(1.0, abs(bound)):
                return out, Status(StatusCode.PARAM_BOUND, f"reached the end of the parameter range, "
                                   f"{_fmt(name, bound)}")
            pt = _at_param(problem, prev, Point(z_new, prev.tangent, {}, prev.tests), bound, newton, w)
            if pt is not None:
                evs = _events(problem, prev, pt, settings, newton) if settings.detect_events else []
                out += _merge(prev, evs + _user_points(problem, prev, pt, at, newton, w), w)
                pt.user = bool(np.any(at == bound))
                out.append(pt)
            return out, Status(StatusCode.PARAM_BOUND, f"reached the end of the parameter range, {_fmt(name, bound)}")
        rec = problem.record(z_new)
        pt = Point(z_new, tau, rec, problem.test_functions(z_new, tau, rec))
        evs = _events(problem, prev, pt, settings, newton) if settings.detect_events else []
        term = [e for e in evs if e.special.data.get("terminal")]
        if term:
            s_end = float(row @ (term[0].z - prev.z))
            users = [u for u in _user_points(problem, prev, pt, at, newton, w) if float(row @ (u.z - prev.z)) < s_end]
            before = [e for e in evs if float(row @ (e.z - prev.z)) < s_end]
            out += _merge(prev, before + users, w) + [term[0]]
            return out, problem.terminal_status(term[0].special)
        out += _merge(prev, evs + _user_points(problem, prev, pt, at, newton, w), w)
        if np.any(at == p_new):
            pt.user = True
        z_acc, tau_acc = problem.accept(z_new, tau)
        if z_acc is not z_new:
            pt = Point(z_acc, tau_acc, pt.record, pt.tests)
        out.append(pt)
        progress.update(n_done + len(out), p_new, name)
        end = problem.check_end(out)
        if end is not None:
            status, extra, drop_last = end
            return (out[:-1] if drop_last else out) + list(extra), status
        if problem.closed_loop_check and _closed(start, pt, ds, len(out)):
            return out, Status(StatusCode.CLOSED_LOOP, f"the branch closed on itself at {_fmt(name, p_new)}")
        if iters <= settings.fast_iter:
            ds = min(settings.ds_max, ds * settings.grow)
        elif iters >= settings.newton_max_iter - 2:
            ds = max(settings.ds_min, ds * settings.shrink)
        prev = pt
    p = float(prev.z[-1])
    return out, Status(StatusCode.MAX_STEPS, f"max_steps={settings.max_steps} reached at {_fmt(name, p)}: "
                       "raise settings.max_steps or ds_max to go further")


def _closed(start: Point, pt: Point, ds: float, n: int) -> bool:
    return n > 10 and np.linalg.norm(pt.z - start.z) < 0.5 * ds and pt.tangent @ start.tangent > 0.9


def _events(problem: Problem, a: Point, b: Point, settings: ContinuationSettings, newton: _Newton) -> list[Point]:
    """Locate every test function that changed sign between a and b; return the special points in order."""
    found: list[tuple[float, Point]] = []
    for k in _crosses(a.tests, b.tests):
        kind = problem.event_kinds[k]
        if not problem.is_candidate(kind, a.record, b.record):
            continue
        loc = _locate(problem, a, b, k, settings, newton)
        if loc is None:
            continue
        s, pt, bracket, prec = loc
        sp = problem.special_point(kind, pt.z, pt.tangent, pt.record)
        if sp is None:
            continue
        sp.bracket, sp.precision = bracket, prec
        pt.special = sp
        found.append((s, pt))
    found.sort(key=lambda item: item[0])
    return [pt for _, pt in found]


def _locate(problem: Problem, a: Point, b: Point, k: int, settings: ContinuationSettings, newton: _Newton):
    """Illinois iteration on the arclength s between a (s=0) and b for the k-th test function."""
    w = problem.weights(a.z)
    row = a.tangent * (w if w is not None else 1.0)
    s_b = float(row @ (b.z - a.z))
    sa, fa, sb, fb = 0.0, float(a.tests[k]), s_b, float(b.tests[k])
    pa, pb = float(a.z[-1]), float(b.z[-1])
    best = b
    side = 0
    scale = max(1.0, abs(pa))
    for _ in range(60):
        s = (sa * fb - sb * fa) / (fb - fa) if fb != fa else 0.5 * (sa + sb)
        if not (min(sa, sb) < s < max(sa, sb)):
            s = 0.5 * (sa + sb)
        z, ok, _ = newton.correct(a.z + s * a.tangent, row, row @ a.z + s)
        if not ok:
            return None
        tau = newton.tangent(z, a.tangent, w)
        rec = problem.record(z)
        tests = problem.test_functions(z, tau, rec)
        f = float(tests[k])
        best = Point(z, tau, rec, tests)
        if f == 0.0:
            pa = pb = float(z[-1])
            break
        if f * fa < 0:
            sb, fb, pb = s, f, float(z[-1])
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            sa, fa, pa = s, f, float(z[-1])
            if side == 1:
                fb *= 0.5
            side = 1
        if abs(pb - pa) <= settings.locate_tol * scale and abs(sb - sa) <= 1e-6 * abs(s_b):
            break
    bracket = (min(pa, pb), max(pa, pb))
    return abs(float(row @ (best.z - a.z))), best, bracket, abs(pb - pa)


def continuation(problem: Problem, z0: np.ndarray, bounds: tuple[float, float],
                 settings: ContinuationSettings | None = None, progress: bool = False,
                 label: str = "continuation", tangent0: np.ndarray | None = None,
                 at: Sequence[float] | None = None) -> RawBranch:
    """Continue the solution curve of ``problem`` through ``z0`` (already converged) within bounds.

    Parameters
    ----------
    problem : Problem
    z0 : ndarray
        Starting point (its last entry is the parameter).
    bounds : (float, float)
        Parameter range; each direction stops on its boundary.
    settings : ContinuationSettings, optional
        Defaults are resolved from the width of ``bounds``.
    progress : bool
        Print a progress line on stderr.
    label : str
        Name shown by the progress line.
    tangent0 : ndarray, optional
        Initial tangent (e.g. for branch switching at a Hopf point, where it cannot be computed);
        "forward" follows it.
    at : sequence of float, optional
        Parameter values at which points are inserted exactly (marked ``user``), like AUTO's UZR.

    Returns
    -------
    RawBranch
        Points in order of increasing arclength (backward points first, reversed), and a status
        combining both directions.
    """
    t0 = time.perf_counter()
    lo, hi = float(min(bounds)), float(max(bounds))
    settings = (settings or ContinuationSettings()).resolved(hi - lo)
    newton = _Newton(problem, settings)
    w = problem.weights(z0)
    if tangent0 is not None:
        tau0 = tangent0 / _wnorm(tangent0, w)
    else:
        e_p = np.zeros_like(z0)
        e_p[-1] = 1.0
        try:
            tau0 = newton.tangent(z0, e_p, w)
        except (np.linalg.LinAlgError, RuntimeError, ValueError):
            rng = np.random.default_rng(0)
            tau0 = newton.tangent(z0, e_p + 1e-3 * rng.normal(size=z0.size), w)
        if tau0[-1] < 0:
            tau0 = -tau0
    rec0 = problem.record(z0)
    at_arr = np.unique(_checks.values(at if at is not None else [], "at"))
    start = Point(z0.copy(), tau0, rec0, problem.test_functions(z0, tau0, rec0), user=bool(np.any(at_arr == z0[-1])))
    prog = _Progress(progress, label)
    fwd: list[Point] = []
    bwd: list[Point] = []
    statuses = {}
    if settings.direction in ("both", "forward"):
        fwd, statuses["forward"] = _run_direction(problem, start, 1.0, settings, (lo, hi), newton, prog, 0, at_arr)
    if settings.direction in ("both", "backward"):
        bwd, statuses["backward"] = _run_direction(problem, start, -1.0, settings, (lo, hi), newton, prog, len(fwd),
                                                   at_arr)
    prog.close()
    for pt in bwd:
        pt.tangent = -pt.tangent
    points = bwd[::-1] + [start] + fwd
    status = _combine(statuses)
    return RawBranch(points, status, statuses, time.perf_counter() - t0)


def _combine(statuses: dict[str, Status]) -> Status:
    if not statuses:
        return Status.success()
    bad = [s for s in statuses.values() if not s.ok]
    if bad:
        msg = "; ".join(f"{d}: {s.message}" for d, s in statuses.items())
        return Status(bad[0].code, msg)
    codes = {s.code for s in statuses.values()}
    code = StatusCode.PARAM_BOUND if codes == {StatusCode.PARAM_BOUND} else next(
        s.code for s in statuses.values() if s.code != StatusCode.PARAM_BOUND)
    return Status(code, "; ".join(f"{d}: {s.message}" for d, s in statuses.items()))


def correct_at_fixed_param(problem: Problem, z: np.ndarray, settings: ContinuationSettings | None = None
                           ) -> tuple[np.ndarray, bool]:
    """Newton on F(z) = 0 with the parameter z[-1] held fixed (natural-parameter corrector)."""
    newton = _Newton(problem, settings or ContinuationSettings())
    e_p = np.zeros(z.size)
    e_p[-1] = 1.0
    z, ok, _ = newton.correct(z, e_p, float(z[-1]))
    return z, ok
