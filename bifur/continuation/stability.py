"""No crossing lost: the stability index between two points must be explained by their events.

A problem that can count its unstable eigenvalues (or Floquet multipliers) declares
``stability_index(record)`` and how much each event kind changes it (a fold or branch point:
1, a Hopf or torus point: 2). Between two consecutive points the change of the index must be
at most the sum over the test functions that changed sign, with the same parity. When it is
not — two Hopf points inside one step make the bialternate test change sign twice, and a
double Hopf point of a symmetric system (two pairs at once) does not change its sign at all —
every change of the index is located by bisection along the arclength, and each becomes a
special point (with its multiplicity) or, if it cannot be located, a warning diagnostic.
"""
from __future__ import annotations

import numpy as np

from ..branch import Diagnostic
from .corrector import SOLVE_ERRORS, Newton, hermite_at, wnorm
from .problem import Discard, Point, Problem
from .settings import ContinuationSettings

__all__ = ["unexplained_change", "locate_index_changes"]


def _signs_changed(a: Point, b: Point) -> tuple[list[int], list[int]]:
    """(tests that changed sign between a and b, tests whose sign is unknown at either end: a masked
    test at a switched branch's start may account for a change there)."""
    m = min(a.tests.size, b.tests.size)
    prod = a.tests[:m] * b.tests[:m]
    return [k for k in range(m) if np.isfinite(prod[k]) and prod[k] < 0], [k for k in range(m)
                                                                            if not np.isfinite(prod[k])]


def unexplained_change(problem: Problem, a: Point, b: Point, events: list[Point]) -> int:
    """|Δ index| between a and b not accounted for by the special points located between them
    (``events``; a test zero discarded as a neutral saddle explains nothing) and by the tests whose
    sign is unknown at a or b; 0 if consistent or if the problem keeps no index."""
    ia, ib = problem.stability_index(a.record), problem.stability_index(b.record)
    if ia is None or ib is None:
        return 0
    delta = abs(ib - ia)
    _, unknown = _signs_changed(a, b)
    explained = sum(problem.index_change.get(e.special.kind, 0) * int(e.special.data.get("multiplicity", 1))
                    for e in events if e.special is not None)
    wildcard = sum(problem.index_change.get(problem.event_kinds[k], 0) for k in unknown)
    if delta <= explained + wildcard and (wildcard > 0 or (explained - delta) % 2 == 0):
        return 0
    return max(delta - explained - wildcard, 1)


def _point_at(problem: Problem, a: Point, lo: Point, hi: Point, s_lo: float, s_hi: float, s: float,
              newton: Newton, w) -> Point | None:
    """The branch point at arclength s from a (on the hyperplanes normal to a's tangent)."""
    row = a.tangent * (w if w is not None else 1.0)
    theta = (s - s_lo) / (s_hi - s_lo) if s_hi != s_lo else 0.5
    z, ok, _ = newton.correct(hermite_at(lo, hi, theta, w), row, row @ a.z + s)
    if not ok:
        return None
    try:
        tau, _ = newton.tangent(z, a.tangent, w)
    except SOLVE_ERRORS:
        tau = a.tangent
    return Point(z, tau, problem.record(z), np.full(a.tests.size, np.nan))


def _first_change(problem: Problem, a: Point, b: Point, settings: ContinuationSettings, newton: Newton
                  ) -> tuple[Point, Point] | None:
    """Bisection for the first change of the index after a: (last point with a's index, first without)."""
    w = problem.weights(a.z)
    row = a.tangent * (w if w is not None else 1.0)
    ia = problem.stability_index(a.record)
    lo, hi = (0.0, a), (float(row @ (b.z - a.z)), b)
    if problem.stability_index(b.record) == ia:
        return None
    scale = max(1.0, abs(float(a.z[-1])))
    for _ in range(80):
        (s_lo, p_lo), (s_hi, p_hi) = lo, hi
        if abs(float(p_hi.z[-1] - p_lo.z[-1])) <= settings.locate_tol * scale and abs(s_hi - s_lo) <= 1e-9 * (
                1.0 + abs(s_hi)):
            break
        s = 0.5 * (s_lo + s_hi)
        pt = _point_at(problem, a, p_lo, p_hi, s_lo, s_hi, s, newton, w)
        if pt is None:
            break
        if problem.stability_index(pt.record) == ia:
            lo = (s, pt)
        else:
            hi = (s, pt)
    return lo[1], hi[1]


def locate_index_changes(problem: Problem, a: Point, b: Point, settings: ContinuationSettings, newton: Newton,
                         known: list[Point], diagnostics: list[Diagnostic]) -> list[Point]:
    """Special points at every change of the stability index between a and b that no point of
    ``known`` (events located by their test functions) already accounts for."""
    found: list[Point] = []
    start = a
    for _ in range(4 * max(1, a.record.get("n_unstable", 0) + b.record.get("n_unstable", 0) + 2)):
        change = _first_change(problem, start, b, settings, newton)
        if change is None:
            break
        before, after = change
        w = problem.weights(after.z)
        if wnorm(after.z - before.z, w) > 1e-6 * (1.0 + wnorm(after.z, w)):
            diagnostics.append(Diagnostic("stability", f"the number of unstable eigenvalues changes near "
                                          f"{problem.param_name}={float(after.z[-1]):.10g} but the change could "
                                          "not be located (the corrector failed): try a smaller ds_max",
                                          float(after.z[-1]), "warning"))
            break
        delta = problem.stability_index(after.record) - problem.stability_index(before.record)
        near = [k for k in known if k.special is not None and abs(float(k.z[-1] - after.z[-1]))
                <= 1e-6 * (1.0 + abs(float(after.z[-1])))]
        if not near:
            sp = problem.index_special_point(after.z, after.tangent, after.record, abs(delta))
            if isinstance(sp, Discard):
                diagnostics.append(Diagnostic("stability", sp.reason, float(after.z[-1]), sp.severity))
            else:
                sp.bracket = (min(float(before.z[-1]), float(after.z[-1])), max(float(before.z[-1]), float(after.z[-1])))
                sp.precision = sp.bracket[1] - sp.bracket[0]
                after.special = sp
                found.append(after)
        start = after
    return found
