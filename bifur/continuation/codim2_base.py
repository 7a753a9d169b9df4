"""What the curves of codimension-one points of equilibria share: unknowns, derivatives, bounds.

A curve problem has unknowns z = (x, e, p1, p2): the state, ``n_extra`` problem-specific
unknowns e (κ = ω² for Hopf curves), and the two parameters; the engine continues it in p2 =
z[-1] (bounded by the engine) while p1 = z[-2] is bounded here, by :meth:`CurveProblem.check_end`.

Derivatives. The Jacobians of the defining systems need derivatives of f_x: along the state
they are the exact second-order form B = D²f (:meth:`CompiledModel.d2`, one call per column);
along the parameters the generated code has no f_xp, so J_p u = D_x(f_p)[u] is a central
difference of the exact f_p along u (step ε^(1/3) relative to the state). It enters only
Newton's matrix and the tangent, never the residual: converged points are exact.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import _checks
from ..branch import Diagnostic, SpecialPoint
from ..codegen import CompiledModel
from ..errors import Status, StatusCode
from .corrector import SOLVE_ERRORS, Newton
from .problem import Point, Problem, product_test
from .settings import ContinuationSettings

__all__ = ["CurveProblem", "is_complex", "pair_test", "nearest_pair"]

_FD = float(np.finfo(float).eps) ** (1.0 / 3.0)


def is_complex(ev: np.ndarray) -> bool:
    """Whether some eigenvalue is genuinely complex (not a real one with round-off)."""
    return bool(np.any(np.abs(ev.imag) > 1e-10 * (1.0 + np.abs(ev))))


def pair_test(ev: np.ndarray) -> float:
    """prod_{i<j} (λi + λj) as a :func:`~.problem.product_test`: changes sign when a complex pair
    crosses the imaginary axis (and at neutral saddles λ, -λ); 1 for fewer than two eigenvalues."""
    if ev.size < 2:
        return 1.0
    i, j = np.triu_indices(ev.size, 1)
    return product_test(ev[i] + ev[j])


def nearest_pair(ev: np.ndarray) -> tuple[complex, complex]:
    """The two eigenvalues with the smallest |λi + λj| (the pair nearest the imaginary axis)."""
    i, j = np.triu_indices(ev.size, 1)
    k = int(np.argmin(np.abs(ev[i] + ev[j])))
    return complex(ev[i[k]]), complex(ev[j[k]])


class CurveProblem(Problem):
    """Base of the fold and Hopf curve problems: z = (x, extra, p1, p2)."""

    n_extra = 0
    stall_hint = ("try a smaller ds_max, or start from a point nearer the trouble (the curve may end at a "
                  "degenerate point, or the model may be singular there)")

    def __init__(self, cm: CompiledModel, i1: int, i2: int, p: np.ndarray):
        self.cm = cm
        self.n = cm.n_states
        self.i1, self.i2 = i1, i2
        self.p = np.array(p, dtype=float)
        self.param_name = cm.param_names[i2]
        self.param1 = cm.param_names[i1]
        self.p1_bounds = (-math.inf, math.inf)
        self.settings: ContinuationSettings | None = None
        self.diagnostics: list[Diagnostic] = []
        # the generated functions without the argument checks of CompiledModel, for the inner loops
        # of the derivatives below: every array passed is built here with the checked shapes
        self._d2, self._dfdp = cm.fast("d2"), cm.fast("dfdp")
        self._units = [np.ascontiguousarray(e) for e in np.eye(self.n)]

    # -- unknowns -------------------------------------------------------------------------
    def params_at(self, z: np.ndarray) -> np.ndarray:
        p = self.p.copy()
        p[self.i1], p[self.i2] = z[-2], z[-1]
        return p

    def state(self, z: np.ndarray) -> np.ndarray:
        return z[:self.n]

    def extra(self, z: np.ndarray) -> np.ndarray:
        return z[self.n:self.n + self.n_extra]

    # -- arclength in the curve's own scales ----------------------------------------------
    #: Largest step by default, in the weighted norm of :meth:`scale_to` (5 % of the scales).
    ds_max_default = 0.05

    def scale_to(self, z: np.ndarray) -> None:
        """Measure arclength relative to the curve's scales, taken at z and grown with the values
        met (:meth:`grow_scales`):

        * each state by its magnitude, at least a tenth of the largest (1 when all are below
          1e-8: a normal form at its origin);
        * each parameter by its magnitude, at least 1 % of the change that alters f as much as
          moving the states by their scales, ‖J diag(s_x)‖/‖f_p‖ (so that a parameter that is 0
          at the start still has a scale);
        * extra unknowns (κ) by :meth:`extra_scales`.
        """
        x, p = self.state(z), self.params_at(z)
        mag = np.abs(x)
        top = float(mag.max()) if mag.size else 0.0
        sx = np.maximum(mag, 0.1 * top) if top > 1e-8 else np.ones(self.n)
        J, fp = self.cm.jac(x, p), self.f_p(x, p)
        moved = float(np.linalg.norm(J * sx[None, :]))
        floors = [0.01 * moved / float(np.linalg.norm(fp[:, k])) if np.linalg.norm(fp[:, k]) > 0 else 1.0
                  for k in range(2)]
        sp = [max(abs(float(z[-2 + k])), floors[k]) for k in range(2)]
        sp = [v if math.isfinite(v) and v > 0 else 1.0 for v in sp]
        self._scales = np.concatenate([sx, self.extra_scales(z, J), sp])
        self._w = 1.0 / self._scales ** 2
        self._initial_scales = self._scales.copy()

    def extra_scales(self, z: np.ndarray, J: np.ndarray) -> np.ndarray:
        """Scales of the extra unknowns (none here)."""
        return np.zeros(0)

    def grow_scales(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grow the scales with the values met. When they change, return a copy of z (so that the
        engine evaluates the point again) and the tangent normalised in the new norm (the engine
        compares consecutive tangents in the current norm)."""
        grown = np.maximum(self._scales, np.abs(z))
        if not np.any(grown > 1.5 * self._scales):
            return z, tangent
        self._scales = grown
        self._w = 1.0 / grown ** 2
        return z.copy(), tangent / float(np.sqrt(tangent @ (tangent * self._w)))

    def weights(self, z: np.ndarray) -> np.ndarray | None:
        return getattr(self, "_w", None)

    def default_ds_max(self) -> float | None:
        return self.ds_max_default

    # -- derivatives ----------------------------------------------------------------------
    def f_p(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """∂f/∂(p1, p2), n x 2 (exact)."""
        x, p = _checks.vector(x, self.n, "x"), _checks.vector(p, self.p.size, "p")
        return self._dfdp(x, p)[:, [self.i1, self.i2]]

    def dJ(self, x: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
        """D_x(f_x)[u], the derivative of the Jacobian along u: column k is B(u, e_k) (exact)."""
        x, p, u = (_checks.vector(x, self.n, "x"), _checks.vector(p, self.p.size, "p"),
                   _checks.vector(u, self.n, "u"))
        out = np.empty((self.n, self.n))
        for k, e in enumerate(self._units):
            out[:, k] = self._d2(x, p, u, e)
        return out

    def J_p(self, x: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
        """(∂f_x/∂p1 u, ∂f_x/∂p2 u), n x 2, as D_x(f_p)[u] by a central difference along u."""
        size = float(np.max(np.abs(u)))
        if size == 0.0:
            return np.zeros((self.n, 2))
        h = _FD * (1.0 + float(np.max(np.abs(x)))) / size
        return (self.f_p(x + h * u, p) - self.f_p(x - h * u, p)) / (2 * h)

    # -- records --------------------------------------------------------------------------
    def special(self, kind: str, z: np.ndarray, data: dict) -> SpecialPoint:
        """A special point at z: its parameter is p2, and ``params`` carries p1."""
        return SpecialPoint(kind, float(z[-1]), self.state(z).copy(), -1, data, self.param_name,
                            params={self.param1: float(z[-2])})

    @staticmethod
    def stability(rest: np.ndarray) -> tuple[int, bool]:
        """(number of non-critical eigenvalues with Re > 0, whether all have Re < 0)."""
        return int(np.sum(rest.real > 0)), bool(np.all(rest.real < 0))

    # -- the bound on p1 ------------------------------------------------------------------
    def begin_direction(self, start: Point) -> Point:
        """Each direction starts with the scales of the start (its tangent is normalised in them)."""
        self._direction_start = start
        if getattr(self, "_initial_scales", None) is not None:
            self._scales = self._initial_scales.copy()
            self._w = 1.0 / self._scales ** 2
        return start

    def check_end(self, points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
        """Stop on the bound of p1 crossed by the last step (the engine bounds only p2): the
        points beyond it (the step's end and any event past the bound) are removed from
        ``points`` (the engine's list of this direction) and the point on the bound is appended."""
        lo, hi = self.p1_bounds
        if lo <= points[-1].z[-2] <= hi:
            return None
        k = len(points) - 1
        while k > 0 and not lo <= points[k - 1].z[-2] <= hi:
            k -= 1
        inside, outside = (points[k - 1] if k > 0 else self._direction_start), points[k]
        bound = lo if outside.z[-2] < lo else hi
        status = Status(StatusCode.PARAM_BOUND, f"reached the end of p1_range, {self.param1}={bound:.8g}")
        end = self._on_p1(inside, outside, bound)
        del points[k:]
        if end is None:
            self.diagnostics.append(Diagnostic("end", f"the corrector failed on the bound {self.param1}={bound:.8g}: "
                                               "events just before it were not checked", bound, "warning"))
            return status, [], False
        return status, [end], False

    def _on_p1(self, a: Point, b: Point, value: float) -> Point | None:
        """The curve's point with p1 = value between a and b (Newton with p1 fixed)."""
        newton = Newton(self, self.settings or ContinuationSettings())
        frac = (value - a.z[-2]) / (b.z[-2] - a.z[-2])
        row = np.zeros(a.z.size)
        row[-2] = 1.0
        z, ok, _ = newton.correct(a.z + frac * (b.z - a.z), row, value)
        if not ok:
            return None
        z[-2] = value
        try:
            return newton.full_point(z, a.tangent, self.weights(z))
        except SOLVE_ERRORS:
            return None
