"""The one continuation loop: pseudo-arclength predictor-corrector with events.

Every problem (equilibria, limit cycles, fixed points of reset maps, ...; see
:class:`~bifur.continuation.problem.Problem`) is continued by :func:`continuation`: tangent
predictor, Newton corrector on the bordered (Keller) system, step adaptation, parameter
bounds, closed branches, points at requested parameter values, and events located by
:mod:`~bifur.continuation.events`. What it notices but does not report as a special point
goes into the diagnostics of the result.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .. import _checks
from ..branch import Diagnostic
from ..errors import Status, StatusCode
from .corrector import SOLVE_ERRORS, Newton, at_param, merge, user_points, wnorm
from .events import find_events
from .problem import BorderedSolve, Discard, Point, Problem, RawBranch, product_test
from .settings import ContinuationSettings
from .stability import locate_index_changes, unexplained_change

__all__ = ["ContinuationSettings", "Problem", "continuation", "correct_at_fixed_param", "Point", "RawBranch",
           "product_test", "Discard", "BorderedSolve"]


class _Progress:
    """``progress=True``: a tqdm progress bar (a widget in notebooks, a line on stderr in terminals)
    counting the points computed, with their rate, the current parameter value and the part of the
    parameter range covered so far. Nothing is imported or shown when disabled."""

    def __init__(self, enabled: bool, label: str):
        self.enabled, self.label = bool(enabled), label
        self.bar = None
        self.lo, self.hi = math.inf, -math.inf

    def update(self, n: int, p: float, name: str, force: bool = False) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm.auto import tqdm
            self.bar = tqdm(desc=f"bifur: {self.label}", unit=" points", file=sys.stderr, dynamic_ncols=True,
                            mininterval=0.2, leave=True)
        self.lo, self.hi = min(self.lo, p), max(self.hi, p)
        self.bar.set_postfix_str(f"{name}={p:.6g}, covered [{self.lo:.6g}, {self.hi:.6g}]", refresh=False)
        self.bar.update(max(0, n - self.bar.n))
        if force:
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _fmt(name: str, p: float) -> str:
    return f"{name}={p:.8g}"


@dataclass
class _Run:
    """Everything one call of :func:`continuation` shares between its two directions."""

    problem: Problem
    settings: ContinuationSettings
    newton: Newton
    progress: _Progress
    bounds: tuple[float, float]
    at: np.ndarray
    diagnostics: list[Diagnostic] = field(default_factory=list)
    masked: tuple[int, ...] = ()  # tests whose sign is meaningless at the start point

    def start_tests(self, tests: np.ndarray) -> np.ndarray:
        """Test values at the start point with the meaningless ones replaced by NaN."""
        if not self.masked:
            return tests
        out = np.array(tests, dtype=float)
        out[list(self.masked)] = np.nan
        return out

    def between(self, a: Point, b: Point, w) -> list[Point]:
        """Special points and requested points strictly between a and b, in arclength order."""
        evs = (find_events(self.problem, a, b, self.settings, self.newton, self.diagnostics)
               if self.settings.detect_events else [])
        if self.settings.detect_events and unexplained_change(self.problem, a, b, evs):
            evs += locate_index_changes(self.problem, a, b, self.settings, self.newton, evs, self.diagnostics)
        users, failed = user_points(self.problem, a, b, self.at, self.newton, w)
        for v in failed:
            self.diagnostics.append(Diagnostic("at", f"the corrector failed at the requested value "
                                               f"{_fmt(self.problem.param_name, v)}", v, "warning"))
        return merge(a, evs + users, w)


def _stall(run: _Run, out: list[Point], what: str, p: float) -> tuple[list[Point], Status]:
    status = Status(StatusCode.STEP_TOO_SMALL,
                    f"{what} at {_fmt(run.problem.param_name, p)}: {run.problem.stall_hint}")
    return out, run.problem.stalled(out, status)


def _to_bound(run: _Run, prev: Point, z_new: np.ndarray, w) -> tuple[list[Point], Status]:
    """End exactly on the parameter bound crossed between prev and z_new."""
    pb, name = run.problem, run.problem.param_name
    lo, hi = run.bounds
    bound = lo if z_new[-1] < lo else hi
    status = Status(StatusCode.PARAM_BOUND, f"reached the end of the parameter range, {_fmt(name, bound)}")
    if abs(prev.z[-1] - bound) <= 1e-12 * max(1.0, abs(bound)):
        return [], status
    pt = at_param(pb, prev, Point(z_new, prev.tangent, {}, prev.tests), bound, run.newton, w)
    if pt is None:
        run.diagnostics.append(Diagnostic("end", f"the corrector failed on the bound {_fmt(name, bound)}: events "
                                          f"between {_fmt(name, float(prev.z[-1]))} and the bound were not "
                                          "checked (try a smaller ds_max)", bound, "warning"))
        return [], status
    pt.user = bool(np.any(run.at == bound))
    return run.between(prev, pt, w) + [pt], status


def _closes(run: _Run, start: Point, sign: float, prev: Point, pt: Point, ds: float, n: int) -> bool:
    """Whether the step prev -> pt passed through the start point again in the direction of travel
    (a closed branch), in either direction of continuation."""
    if n < 4:
        return False
    w = run.problem.weights(start.z)
    row = sign * start.tangent * (w if w is not None else 1.0)
    s_prev, s_new = float(row @ (prev.z - start.z)), float(row @ (pt.z - start.z))
    if not (s_prev < 0.0 <= s_new):
        return False
    theta = -s_prev / (s_new - s_prev) if s_new != s_prev else 0.0
    cross = prev.z + theta * (pt.z - prev.z)
    heading = float((pt.tangent * (w if w is not None else 1.0)) @ (sign * start.tangent))
    near = wnorm(cross - start.z, w) < 0.5 * ds + 1e-12 * (1.0 + wnorm(start.z, w))
    # a branch switched at a branch point may come back to it along the crossing branch
    return near and (heading > 0.5 or start.special is not None)


def _step(run: _Run, prev: Point, ds: float) -> tuple[np.ndarray | None, np.ndarray | None, object, int]:
    """One predictor-corrector step; (z, tangent, bordered solve, iterations) or Nones on failure."""
    st, w = run.settings, run.problem.weights(prev.z)
    t_prev = prev.tangent / wnorm(prev.tangent, w)  # unit in this step's norm (weights may vary)
    row = t_prev * (w if w is not None else 1.0)
    z_new, ok, iters = run.newton.correct(prev.z + ds * t_prev, row, row @ prev.z + ds)
    if not ok:
        return None, None, None, iters
    try:
        tau, sol = run.newton.tangent(z_new, t_prev, w, reuse=run.newton.last_solve)
    except SOLVE_ERRORS:
        return None, None, None, iters
    cos = float(np.clip((tau * (w if w is not None else 1.0)) @ t_prev, -1, 1))
    if cos < 0:  # keep orientation
        tau, cos = -tau, -cos
    if math.acos(cos) > st.max_turn and ds > 4 * st.ds_min:
        return None, None, None, iters
    return z_new, tau, sol, iters


def _run_direction(run: _Run, start: Point, sign: float, n_done: int, out: list[Point]) -> Status:
    """Continue from ``start`` in one direction, appending the new points (start excluded) to
    ``out`` as they are accepted (so that an interrupt keeps them); returns the status."""
    points, status = _direction(run, start, sign, n_done, out)
    if points is not out:
        out[:] = points
    return status


def _direction(run: _Run, start: Point, sign: float, n_done: int, out: list[Point]) -> tuple[list[Point], Status]:
    problem, st = run.problem, run.settings
    name = problem.param_name
    lo, hi = run.bounds
    start = problem.begin_direction(start)
    tau = sign * start.tangent  # test functions may depend on the orientation (LP, BP): recompute
    prev = Point(start.z, tau, start.record,
                 start.tests if sign > 0 else run.start_tests(_retest(run, start.z, tau, start.record)))
    ds, failures = st.ds, 0  # corrector failures since the step was last of a normal size
    for _ in range(st.max_steps):
        z_new, tau, sol, iters = _step(run, prev, ds)
        if z_new is None:
            ds *= st.shrink
            failures += 1
            if ds < st.ds_min or failures > 40:
                what = (f"step size reached ds_min={st.ds_min:.3g}" if ds < st.ds_min
                        else "the corrector keeps failing and the branch hardly progresses")
                return _stall(run, out, what, float(prev.z[-1]))
            continue
        failures = 0 if ds > 1e-2 * st.ds_max else failures + 1
        if failures > 40:
            return _stall(run, out, "the corrector keeps failing and the branch hardly progresses",
                          float(prev.z[-1]))
        w = problem.weights(prev.z)
        if z_new[-1] < lo or z_new[-1] > hi:
            extra, status = _to_bound(run, prev, z_new, w)
            return out + extra, status
        rec = problem.record_solved(z_new, sol)
        if ds > 4.0 * st.ds_min and problem.step_too_large(prev.record, rec):
            ds *= st.shrink  # the problem's own measure of change (e.g. a cycle's period) moved too much
            continue
        pt = Point(z_new, tau, rec, problem.test_functions(z_new, tau, rec, sol))
        between = run.between(prev, pt, w)
        outside = [e for e in between if not lo <= e.z[-1] <= hi]
        if outside:  # the branch left the range and came back within this step: stop on the bound
            extra, status = _to_bound(run, prev, outside[0].z, w)
            return out + extra, status
        back = _returns_to_start(run, start, between)
        if back is not None:  # the branch came back to the special point it started from
            row = prev.tangent * (w if w is not None else 1.0)
            s_back = float(row @ (back.z - prev.z))
            out += [e for e in between if float(row @ (e.z - prev.z)) < s_back]
            return out, Status(StatusCode.CLOSED_LOOP, f"the branch is closed: it returned to its start, the "
                               f"{start.special.kind} at {_fmt(name, float(start.z[-1]))}, after {len(out)} points")
        term = [e for e in between if e.special is not None and e.special.data.get("terminal")]
        if term:
            row = prev.tangent * (w if w is not None else 1.0)
            s_end = float(row @ (term[0].z - prev.z))
            out += [e for e in between if float(row @ (e.z - prev.z)) < s_end] + [term[0]]
            return out, problem.terminal_status(term[0].special)
        loop = None if problem.closed_loop_check or len(out) < 4 else \
            _closes_by_signature(problem, start, out[0], prev, pt)
        if loop is not None:  # phase/mesh-independent coordinates came back to the start's
            out += [e for e in between if _signature_position(problem, e, prev, pt) < loop]
            out.append(Point(start.z, sign * start.tangent, start.record, start.tests))  # closes the loop
            return out, Status(StatusCode.CLOSED_LOOP, f"the branch is closed: it returned to its start at "
                               f"{_fmt(name, float(start.z[-1]))} after {len(out) + 1} points")
        if problem.closed_loop_check and _closes(run, start, sign, prev, pt, ds, len(out)):
            return out + _close_on_start(run, prev, start, sign, w), Status(
                StatusCode.CLOSED_LOOP, f"the branch is closed: it returned to its start at "
                f"{_fmt(name, float(start.z[-1]))} after {len(out) + 1} points")
        out += between
        pt.user = pt.user or bool(np.any(run.at == z_new[-1]))
        z_acc, tau_acc = problem.accept(z_new, tau)
        if z_acc is not z_new:
            # the problem changed its discretisation (a new mesh): test functions such as the
            # determinant's sign are only comparable on one discretisation, so evaluate them again
            pt = Point(z_acc, tau_acc, pt.record, _retest(run, z_acc, tau_acc, pt.record), user=pt.user)
        out.append(pt)
        run.progress.update(n_done + len(out), float(z_new[-1]), name)
        end = problem.check_end(out)
        if end is not None:
            status, extra, drop_last = end
            return (out[:-1] if drop_last else out) + list(extra), status
        if iters <= st.fast_iter:
            ds = min(st.ds_max, ds * st.grow)
        elif iters >= st.newton_max_iter - 2:
            ds = max(st.ds_min, ds * st.shrink)
        prev = pt
    return out, Status(StatusCode.MAX_STEPS, f"max_steps={st.max_steps} reached at {_fmt(name, float(prev.z[-1]))}: "
                       "raise settings.max_steps or ds_max to go further")


def _signatures(problem: Problem, *points: Point) -> list[np.ndarray] | None:
    sigs = [problem.loop_signature(p.z, p.record) for p in points]
    return None if any(s is None or not np.all(np.isfinite(s)) for s in sigs) else sigs


def _signature_position(problem: Problem, e: Point, prev: Point, pt: Point) -> float:
    """Where ``e`` lies along the step prev -> pt, by the projection of its loop signature (0..1)."""
    sigs = _signatures(problem, e, prev, pt)
    if sigs is None:
        return 0.0
    se, sp, sn = sigs
    d = sn - sp
    return float((se - sp) @ d / (d @ d)) if d @ d > 0 else 0.0


def _closes_by_signature(problem: Problem, start: Point, first: Point, prev: Point, pt: Point) -> float | None:
    """For problems whose unknowns depend on a mesh or a phase: whether the step prev -> pt passed
    through the start's loop signature (:meth:`Problem.loop_signature`) heading the way the branch
    first left it. Returns where along the step (0..1), or None. Each coordinate is measured
    relative to its size at the start, and the start must lie within half a step of the segment."""
    sigs = _signatures(problem, start, first, prev, pt)
    if sigs is None or start is first:
        return None
    s0, s1, sp, sn = sigs
    scale = np.maximum(np.abs(s0), 1e-6 * max(float(np.max(np.abs(s0))), 1e-300))
    s1, sp, sn = (s1 - s0) / scale, (sp - s0) / scale, (sn - s0) / scale
    d = sn - sp
    dd = float(d @ d)
    if dd == 0.0 or float(d @ s1) <= 0.0:  # not moving, or heading against the branch's first step
        return None
    theta = float(-sp @ d / dd)
    if not 0.0 < theta <= 1.0:
        return None
    gap = float(np.linalg.norm(sp + theta * d))
    if gap >= 0.5 * math.sqrt(dd):
        return None
    return theta


def _returns_to_start(run: _Run, start: Point, events: list[Point]) -> Point | None:
    """The located event that is the start itself (same kind, same point), if any: a branch that
    starts at a special point (e.g. switched at a branch point) and comes back to it is closed,
    even if the step that reaches it also jumps onto the other branch crossing there."""
    if start.special is None:
        return None
    w = run.problem.weights(start.z)
    for e in events:
        if e.special is not None and e.special.kind == start.special.kind and \
                wnorm(e.z - start.z, w) <= 1e-6 * (1.0 + wnorm(start.z, w)):
            return e
    return None


def _retest(run: _Run, z: np.ndarray, tau: np.ndarray, record: dict) -> np.ndarray:
    """Test functions at z for the reversed orientation."""
    try:
        _, sol = run.newton.tangent(z, tau, run.problem.weights(z))
    except SOLVE_ERRORS:
        sol = BorderedSolve(tau, tau)
    return run.problem.test_functions(z, tau, record, sol)


def _close_on_start(run: _Run, prev: Point, start: Point, sign: float, w) -> list[Point]:
    """Events between the last point and the start, where a closed branch ends (the start point
    itself is already on the branch)."""
    back = Point(start.z, sign * start.tangent, start.record, start.tests if sign > 0 else
                 run.start_tests(_retest(run, start.z, sign * start.tangent, start.record)))
    return run.between(prev, back, w)


def _initial_tangent(newton: Newton, problem: Problem, z0: np.ndarray,
                     tangent0: np.ndarray | None) -> tuple[np.ndarray, BorderedSolve]:
    w = problem.weights(z0)
    if tangent0 is not None:
        tau0 = tangent0 / wnorm(tangent0, w)
        try:
            _, sol = newton.tangent(z0, tau0, w)
        except SOLVE_ERRORS:  # a singular start (a Hopf or branch point): no determinant there
            sol = BorderedSolve(tau0, tau0)
        return tau0, sol
    e_p = np.zeros_like(z0)
    e_p[-1] = 1.0
    try:
        tau0, sol = newton.tangent(z0, e_p, w)
    except SOLVE_ERRORS:
        rng = np.random.default_rng(0)
        tau0, sol = newton.tangent(z0, e_p + 1e-3 * rng.normal(size=z0.size), w)
    if tau0[-1] < 0:
        tau0 = -tau0
    return tau0, sol


def continuation(problem: Problem, z0: np.ndarray, bounds: tuple[float, float],
                 settings: ContinuationSettings | None = None, progress: bool = False,
                 label: str = "continuation", tangent0: np.ndarray | None = None,
                 at: Sequence[float] | None = None, start_special=None) -> RawBranch:
    """Continue the solution curve of ``problem`` through ``z0`` (already converged) within bounds.

    Parameters
    ----------
    problem : Problem
    z0 : ndarray
        Starting point (its last entry is the parameter).
    bounds : (float, float)
        Parameter range; each direction stops on its boundary.
    settings : ContinuationSettings, optional
        Defaults are resolved from the width of ``bounds`` where the problem set none.
    progress : bool
        Print a progress line on stderr.
    label : str
        Name shown by the progress line.
    tangent0 : ndarray, optional
        Initial tangent (for branch switching at a Hopf or branch point, where it cannot be
        computed); "forward" follows it.
    at : sequence of float, optional
        Parameter values at which points are inserted exactly (marked ``user``), like AUTO's UZR.
    start_special : SpecialPoint, optional
        Label of the start point (e.g. the branch point a switched branch starts from).

    Returns
    -------
    RawBranch
        Points in order of increasing arclength (backward points first, reversed), a status
        combining both directions, and diagnostics. A closed branch is traversed once: when the
        forward run returns to its start, there is no backward run.
    """
    t0 = time.perf_counter()
    lo, hi = float(min(bounds)), float(max(bounds))
    settings = (settings or ContinuationSettings()).resolved(hi - lo, problem.default_ds_max())
    newton = Newton(problem, settings)
    tau0, sol0 = _initial_tangent(newton, problem, z0, tangent0)
    rec0 = problem.record(z0)
    at_arr = np.unique(_checks.values(at if at is not None else [], "at"))
    kinds = problem.vanishing_at_start.get(start_special.kind, ()) if start_special is not None else ()
    run = _Run(problem, settings, newton, _Progress(progress, label), (lo, hi), at_arr,
               masked=tuple(k for k, kind in enumerate(problem.event_kinds) if kind in kinds))
    start = Point(z0.copy(), tau0, rec0, run.start_tests(problem.test_functions(z0, tau0, rec0, sol0)),
                  special=start_special, user=bool(np.any(at_arr == z0[-1])))
    fwd: list[Point] = []
    bwd: list[Point] = []
    statuses: dict[str, Status] = {}
    try:
        if settings.direction in ("both", "forward"):
            statuses["forward"] = _run_direction(run, start, 1.0, 0, fwd)
        closed = statuses.get("forward") is not None and statuses["forward"].code == StatusCode.CLOSED_LOOP
        if settings.direction in ("both", "backward") and not closed:
            statuses["backward"] = _run_direction(run, start, -1.0, len(fwd), bwd)
    except KeyboardInterrupt:
        where = "backward" if "forward" in statuses or settings.direction == "backward" else "forward"
        last = (bwd or fwd or [start])[-1]
        statuses[where] = Status(StatusCode.INTERRUPTED, f"interrupted (Ctrl-C) at "
                                 f"{_fmt(problem.param_name, float(last.z[-1]))}; the points computed so far are kept")
    run.progress.close()
    for pt in bwd:
        pt.tangent = -pt.tangent
    points = bwd[::-1] + [start] + fwd
    return RawBranch(points, _combine(statuses), statuses, time.perf_counter() - t0, run.diagnostics)


def _combine(statuses: dict[str, Status]) -> Status:
    if not statuses:
        return Status.success()
    bad = [s for s in statuses.values() if not s.ok]
    msg = "; ".join(f"{d}: {s.message}" for d, s in statuses.items())
    if bad:
        return Status(bad[0].code, msg)
    codes = {s.code for s in statuses.values()}
    code = StatusCode.PARAM_BOUND if codes == {StatusCode.PARAM_BOUND} else next(
        s.code for s in statuses.values() if s.code != StatusCode.PARAM_BOUND)
    return Status(code, msg)


def correct_at_fixed_param(problem: Problem, z: np.ndarray, settings: ContinuationSettings | None = None
                           ) -> tuple[np.ndarray, bool]:
    """Newton on F(z) = 0 with the parameter z[-1] held fixed (natural-parameter corrector)."""
    newton = Newton(problem, settings or ContinuationSettings())
    e_p = np.zeros(z.size)
    e_p[-1] = 1.0
    z, ok, _ = newton.correct(z, e_p, float(z[-1]))
    return z, ok
