"""Newton corrector on the bordered (Keller) system, tangents, and points at given parameter values."""
from __future__ import annotations

import math

import numpy as np

from .problem import BorderedSolve, Point, Problem
from .settings import ContinuationSettings

__all__ = ["Newton", "wnorm", "hermite_predictor", "hermite_at", "at_param", "user_points", "merge",
           "SOLVE_ERRORS"]

SOLVE_ERRORS = (np.linalg.LinAlgError, RuntimeError, ValueError, ZeroDivisionError)


class Newton:
    """Corrector on F(z) = 0, row·z = target, and tangent computation, for one problem."""

    def __init__(self, problem: Problem, settings: ContinuationSettings):
        self.pb = problem
        self.st = settings
        self.nsolve = 0
        #: The bordered solve of the last iteration of the last :meth:`correct` (None if it failed
        #: before one): its factorisation is of the Jacobian within one update of the returned point.
        self.last_solve: BorderedSolve | None = None

    def correct(self, z: np.ndarray, row: np.ndarray, target: float) -> tuple[np.ndarray, bool, int]:
        """Newton from z; returns (z, converged, iterations). A diverging iterate is a failure."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._correct(z, row, target)

    def _correct(self, z: np.ndarray, row: np.ndarray, target: float) -> tuple[np.ndarray, bool, int]:
        z = z.copy()
        tol = self.st.newton_tol
        prev = math.inf
        self.last_solve = None
        for it in range(1, self.st.newton_max_iter + 1):
            F = self.pb.residual(z)
            if not np.isfinite(F).all():
                return z, False, it
            try:
                self.last_solve = self.pb.solve_bordered(self.pb.jacobian(z), row, -F, target - row @ z)
            except SOLVE_ERRORS:
                return z, False, it
            d = self.last_solve.x
            self.nsolve += 1
            if not np.isfinite(d).all():
                return z, False, it
            z += d
            step = math.sqrt(d @ d)
            if step <= tol * (1.0 + math.sqrt(z @ z)):
                Fn = self.pb.residual(z)
                if np.isfinite(Fn).all() and math.sqrt(Fn @ Fn) <= 1e3 * tol * (1.0 + math.sqrt(z @ z)):
                    return z, True, it
            if it > 2 and step > 2.0 * prev:
                return z, False, it  # diverging
            prev = step
        return z, False, self.st.newton_max_iter

    def tangent(self, z: np.ndarray, guess: np.ndarray, w: np.ndarray | None,
                reuse: BorderedSolve | None = None) -> tuple[np.ndarray, BorderedSolve]:
        """Unit tangent at z oriented like ``guess``, and the factorised bordered system it came from.

        ``reuse``: a solve whose factorisation may stand for the Jacobian at z (the last Newton
        iteration that converged to z, :attr:`last_solve`); its ``border_x`` is the tangent when it
        has one and was bordered by the same row, as AUTO takes the tangent from the corrector's
        last factorisation. Otherwise the Jacobian at z is factorised.

        Raises ``numpy.linalg.LinAlgError`` (or RuntimeError) at an exactly singular point."""
        row = guess * (w if w is not None else 1.0)
        if reuse is not None and reuse.border_x is not None and np.array_equal(reuse.row, row):
            sol = reuse
            t = sol.border_x
        else:
            sol = self.pb.solve_bordered(self.pb.jacobian(z), row, np.zeros(z.size - 1), 1.0)
            t = sol.x
        norm = wnorm(t, w)
        if not (np.all(np.isfinite(t)) and norm > 0):
            raise np.linalg.LinAlgError("tangent not computable")
        return t / norm, sol

    def full_point(self, z: np.ndarray, guess: np.ndarray, w: np.ndarray | None, user: bool = False) -> Point:
        """A Point at z with its tangent, record and test functions."""
        tau, sol = self.tangent(z, guess, w)
        rec = self.pb.record(z)
        return Point(z, tau, rec, self.pb.test_functions(z, tau, rec, sol), user=user)


def wnorm(v: np.ndarray, w: np.ndarray | None) -> float:
    return float(math.sqrt(v @ (v * w) if w is not None else v @ v))


def hermite_predictor(a: Point, b: Point, value: float, frac: float, w) -> np.ndarray:
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


def hermite_at(a: Point, b: Point, theta: float, w) -> np.ndarray:
    """The cubic Hermite interpolant between a (θ = 0) and b (θ = 1) in arclength."""
    d = b.z - a.z
    dw = d * (w if w is not None else 1.0)
    ds = math.sqrt(float(d @ dw))
    ta = a.tangent * (1.0 if a.tangent @ dw >= 0 else -1.0) * ds
    tb = b.tangent * (1.0 if b.tangent @ dw >= 0 else -1.0) * ds
    th = theta
    return (((2 * th - 3) * th * th + 1) * a.z + ((th - 2) * th + 1) * th * ta
            + (3 - 2 * th) * th * th * b.z + (th - 1) * th * th * tb)


def at_param(problem: Problem, a: Point, b: Point, value: float, newton: Newton, w,
             full: bool = True) -> Point | None:
    """The point of the branch between a and b whose parameter equals ``value`` (natural-parameter
    corrector). Without ``full`` its tangent is interpolated and no test function is evaluated (a
    point requested with ``at=``, inside an interval already checked for events)."""
    frac = (value - a.z[-1]) / (b.z[-1] - a.z[-1])
    e_p = np.zeros_like(a.z)
    e_p[-1] = 1.0
    z, ok, _ = newton.correct(hermite_predictor(a, b, value, frac, w), e_p, value)
    if not ok:
        return None
    z[-1] = value
    if not full:
        tau = a.tangent + frac * (b.tangent - a.tangent)
        return Point(z, tau / wnorm(tau, w), problem.record_solved(z, newton.last_solve),
                     np.full(a.tests.size, np.nan))
    try:
        return newton.full_point(z, a.tangent, w)
    except SOLVE_ERRORS:
        return None


def user_points(problem: Problem, a: Point, b: Point, at: np.ndarray, newton: Newton,
                w) -> tuple[list[Point], list[float]]:
    """Points at the requested parameter values strictly between p_a and p_b, and the values at
    which the corrector failed."""
    pa, pb = float(a.z[-1]), float(b.z[-1])
    if at.size == 0 or pa == pb:
        return [], []
    lo, hi = min(pa, pb), max(pa, pb)
    vals = at[(at > lo) & (at < hi)]
    out, failed = [], []
    for v in sorted(vals, key=lambda v: abs(v - pa)):
        pt = at_param(problem, a, b, float(v), newton, w, full=False)
        if pt is None:
            failed.append(float(v))
        else:
            pt.user = True
            out.append(pt)
    return out, failed


def merge(a: Point, inserted: list[Point], w) -> list[Point]:
    """Order points inserted between a and the next point by arclength from a."""
    row = a.tangent * (w if w is not None else 1.0)
    return sorted(inserted, key=lambda pt: float(row @ (pt.z - a.z)))
