"""Events: test functions that change sign between two points of a branch, located along the arclength.

Location is an Illinois (modified secant) iteration on the arclength s between the two points,
safeguarded by bisection, with the Newton corrector on the hyperplanes orthogonal to the first
point's tangent. Next to a branch point the corrector fails (the bordered system is singular
there): the event is then estimated by secant interpolation inside the last bracket and handed
to :meth:`~bifur.continuation.problem.Problem.refine`; if that cannot refine it either, it is
kept as an *unrefined* special point with its bracket. Nothing located is dropped: zeros that
are not special points become :class:`~bifur.branch.Diagnostic` entries with their reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..branch import Diagnostic
from .corrector import SOLVE_ERRORS, Newton, hermite_at, wnorm
from .problem import Discard, Point, Problem
from .settings import ContinuationSettings

__all__ = ["find_events", "Located", "locate"]


@dataclass
class Located:
    """Result of :func:`locate`: arclength from the first point, the point, bracket and precision."""

    s: float
    point: Point
    bracket: tuple[float, float]
    precision: float
    refined: bool
    width: float = 0.0  # of the final bracket in arclength


def _crosses(a: np.ndarray, b: np.ndarray) -> list[int]:
    return [k for k in range(min(a.size, b.size)) if np.isfinite(a[k] * b[k]) and a[k] * b[k] < 0]


def _interpolated(problem: Problem, lo: tuple, hi: tuple, w) -> tuple[float, Point]:
    """Secant estimate of the zero between the bracket ends lo, hi = (s, f, Point)."""
    (sa, fa, pa), (sb, fb, pb) = lo, hi
    theta = fa / (fa - fb) if fa != fb else 0.5
    theta = min(max(theta, 0.0), 1.0)
    z = hermite_at(pa, pb, theta, w)
    tb = pb.tangent if pa.tangent @ pb.tangent >= 0 else -pb.tangent
    tau = (1 - theta) * pa.tangent + theta * tb
    tau = tau / wnorm(tau, w)
    return sa + theta * (sb - sa), Point(z, tau, problem.record(z), np.full(pa.tests.size, np.nan))


def locate(problem: Problem, a: Point, b: Point, k: int, settings: ContinuationSettings,
           newton: Newton) -> Located:
    """Locate the zero of the k-th test function between a and b (which have opposite signs)."""
    w = problem.weights(a.z)
    row = a.tangent * (w if w is not None else 1.0)
    s_b = float(row @ (b.z - a.z))
    lo, hi = (0.0, float(a.tests[k]), a), (s_b, float(b.tests[k]), b)
    scale = max(1.0, abs(float(a.z[-1])))
    side, width_before, best, exact = 0, abs(s_b), None, False
    for it in range(80):
        (sa, fa, pa), (sb, fb, pb) = lo, hi
        if abs(pb.z[-1] - pa.z[-1]) <= settings.locate_tol * scale and abs(sb - sa) <= 1e-6 * abs(s_b):
            break
        s = (sa * fb - sb * fa) / (fb - fa) if fb != fa else 0.5 * (sa + sb)
        if not (min(sa, sb) < s < max(sa, sb)) or (it % 3 == 2 and abs(sb - sa) > 0.5 * width_before):
            s = 0.5 * (sa + sb)  # bisection safeguard: the bracket must at least halve every 3 steps
        if it % 3 == 2:
            width_before = abs(sb - sa)
        theta = (s - sa) / (sb - sa)
        z_pred = hermite_at(pa, pb, theta, w)
        z, ok, _ = newton.correct(z_pred, row, row @ a.z + s)
        if ok and wnorm(z - z_pred, w) > 0.1 * abs(sb - sa) + 1e-14 * (1.0 + wnorm(z, w)):
            ok = False  # the corrector jumped to another branch crossing this hyperplane
        if not ok:
            break
        try:
            pt = newton.full_point(z, a.tangent, w)
        except SOLVE_ERRORS:
            break
        f = float(pt.tests[k])
        best = pt
        if f == 0.0:
            exact = True
            lo = hi = (s, f, pt)
            break
        if f * fa < 0:
            hi = (s, f, pt)
            if side == -1:
                lo = (sa, 0.5 * fa, pa)
            side = -1
        else:
            lo = (s, f, pt)
            if side == 1:
                hi = (sb, 0.5 * fb, pb)
            side = 1
    (sa, _, pa), (sb, _, pb) = lo, hi
    width = abs(float(pb.z[-1]) - float(pa.z[-1]))
    bracket = (min(float(pa.z[-1]), float(pb.z[-1])), max(float(pa.z[-1]), float(pb.z[-1])))
    refined = exact or (width <= settings.locate_tol * scale and best is not None
                        and abs(sb - sa) <= 1e-6 * abs(s_b))
    if exact:
        return Located(abs(sa), best, bracket, 0.0, True)
    s_est, est = _interpolated(problem, lo, hi, w)
    if refined:
        # the last corrected point is within tolerance; the secant estimate is better still when
        # the test function is smooth, but keep a corrected point (it lies on the branch)
        return Located(abs(s_est), best, bracket, width, True, abs(sb - sa))
    return Located(abs(s_est), est, bracket, width, False, abs(sb - sa))


def find_events(problem: Problem, a: Point, b: Point, settings: ContinuationSettings, newton: Newton,
                diagnostics: list[Diagnostic]) -> list[Point]:
    """Locate every test function that changed sign between a and b; return the special points in
    arclength order. Zeros that are not special points are appended to ``diagnostics``."""
    found: list[tuple[float, Point]] = []
    p_mid = 0.5 * (float(a.z[-1]) + float(b.z[-1]))
    for k in _crosses(a.tests, b.tests):
        kind = problem.event_kinds[k]
        skip = problem.is_candidate(kind, a.record, b.record)
        if skip is not None:
            diagnostics.append(Diagnostic(kind, skip.reason, p_mid, skip.severity))
            continue
        loc = locate(problem, a, b, k, settings, newton)
        pt, refined, precision = loc.point, loc.refined, loc.precision
        bracket = loc.bracket
        if not refined:
            better = problem.refine(kind, pt)
            w = problem.weights(pt.z)
            if better is not None and wnorm(better[0] - pt.z, w) <= 2.0 * loc.width + 1e-6 * (1.0 + wnorm(pt.z, w)):
                z, precision = better
                pt = Point(z, pt.tangent, problem.record(z), pt.tests)
                bracket = (min(bracket[0], float(z[-1])), max(bracket[1], float(z[-1])))
                refined = True
        sp = problem.special_point(kind, pt.z, pt.tangent, pt.record)
        if isinstance(sp, Discard):
            diagnostics.append(Diagnostic(kind, sp.reason, float(pt.z[-1]), sp.severity))
            continue
        sp.bracket, sp.precision, sp.refined = bracket, float(precision), refined
        pt.special = sp
        found.append((loc.s, pt))
    found.sort(key=lambda item: item[0])
    return [pt for _, pt in found]
