"""What a continuation problem supplies to the engine, and the records the engine returns.

A *problem* (equilibria, limit cycles, fixed points of reset maps, ...) describes a curve
F(z) = 0, F: R^N -> R^(N-1), whose last unknown is the continuation parameter. It supplies
the residual, the Jacobian (dense, sparse, or its own type together with
:meth:`Problem.solve_bordered`), per-point records, continuous test functions and how to
describe the special points where they vanish. :func:`bifur.continuation.engine.continuation`
does everything else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.sparse
import scipy.sparse.linalg

from .._linalg import BORDERED_LIMIT, bordered_solve
from ..branch import Diagnostic, SpecialPoint
from ..errors import Status, StatusCode

__all__ = ["Problem", "Point", "RawBranch", "Discard", "BorderedSolve", "product_test"]


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
class BorderedSolve:
    """The solution of a bordered system [J; r^T] x = [rhs; rhs_last] with what the factorisation
    tells about the matrix: ``logdet`` = log|det [J; r^T]| and its ``sign`` (NaN when the solver
    does not provide them).

    Since J is (N-1) x N with kernel spanned by the unit tangent τ, det [J; r^T] = (r·τ) det [J; τ^T]:
    :meth:`det_along` gives det [J; τ^T], whose sign changes at branch points.

    ``border_x`` is the solution of [J; r^T] x = [0; 1] from the same factorisation when the solver
    provides it at little cost (None otherwise): the kernel direction of J scaled so that r·x = 1,
    i.e. the unnormalised tangent oriented by r.
    """

    x: np.ndarray
    row: np.ndarray
    logdet: float = float("nan")
    sign: float = float("nan")
    border_x: np.ndarray | None = field(default=None, kw_only=True)

    def det_along(self, tangent: np.ndarray) -> tuple[float, float]:
        """(log|det [J; τ^T]|, sign) for the tangent τ."""
        rt = float(self.row @ tangent)
        if rt == 0.0 or not np.isfinite(self.logdet):
            return float("nan"), float("nan")
        return self.logdet - float(np.log(abs(rt))), self.sign * float(np.sign(rt))


@dataclass(frozen=True)
class Discard:
    """Returned by :meth:`Problem.special_point` when a located test-function zero is not a special
    point; the engine records it on the branch as a :class:`~bifur.branch.Diagnostic`.

    ``severity="info"`` for zeros that are understood not to be bifurcations (a neutral saddle);
    ``"warning"`` when something might be missed (multipliers too imprecise to decide), which
    also raises a :class:`~bifur.errors.BranchWarning`.
    """

    reason: str
    severity: str = "info"


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
    """Output of the engine: points in branch order, the final status, and diagnostics."""

    points: list[Point]
    status: Status
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)


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

    def record_solved(self, z: np.ndarray, solve: BorderedSolve | None) -> dict:
        """:meth:`record` at a point z that Newton's method just converged to, given the bordered
        solve of its last iteration (a factorisation of the Jacobian within one converged update
        of z), which a problem may reuse instead of factorising again. Default: ``record(z)``."""
        return self.record(z)

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        """Continuous functions whose sign changes mark special points (one per event kind).

        ``bordered`` is the factorised system of the tangent computation at z: its
        :meth:`BorderedSolve.det_along` gives the branch-point test without another solve."""
        return np.zeros(0)

    def is_candidate(self, kind: str, a: dict, b: dict) -> Discard | None:
        """None when a sign change of a test function between points with records a and b is worth
        locating; otherwise a :class:`Discard` saying why not (e.g. a Hopf test that changed sign
        with no complex eigenvalue pair involved: a neutral saddle)."""
        return None

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        """Describe a located special point, or return a :class:`Discard` with the reason."""
        return SpecialPoint(kind, float(z[-1]), z[:-1].copy(), -1, {}, self.param_name)

    def refine(self, kind: str, point: Point) -> tuple[np.ndarray, float] | None:
        """Called when the secant iteration along the branch could not reach the requested
        precision (the corrector fails next to a branch point, where the bordered system is
        singular). Return (z, precision in the parameter) from a problem-specific regular
        system, or None to keep the estimate as an unrefined point."""
        return None

    def weights(self, z: np.ndarray) -> np.ndarray | None:
        """Weights of the arclength norm (None: Euclidean)."""
        return None

    def default_ds_max(self) -> float | None:
        """Largest step when the settings give none, in the problem's own (weighted) norm; None
        lets the engine take 2 % of the width of the parameter range."""
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

    #: How much each event kind changes :meth:`stability_index` (see :mod:`.stability`).
    index_change: dict[str, int] = {}

    def stability_index(self, record: dict) -> int | None:
        """Number of unstable eigenvalues (or multipliers) in a point's record, or None if the
        problem keeps none; the engine checks that events explain every change of it."""
        return None

    def index_special_point(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                            multiplicity: int) -> SpecialPoint | Discard:
        """Describe a change of the stability index located by bisection (no test function saw it)."""
        return Discard(f"the stability index changes by {multiplicity} here but no test function changed sign",
                       "warning")

    #: Stop when the branch returns to its start (disable when points live on changing meshes).
    closed_loop_check: bool = True

    def step_too_large(self, previous: dict, record: dict) -> bool:
        """Whether an accepted step changed a quantity the arclength does not see well by more than
        the problem allows (the step is then retried shorter). Default: never."""
        return False

    def loop_signature(self, z: np.ndarray, record: dict) -> np.ndarray | None:
        """Coordinates of a point that do not depend on its discretisation (mesh, phase), for
        problems whose unknowns do (``closed_loop_check`` False): the engine recognises a closed
        branch when they return to those of the start. None: no such check."""
        return None
    #: Test functions that vanish by construction at a start point of a given kind (e.g. the fold
    #: test where a switched branch leaves a pitchfork vertically); their sign is not used there.
    vanishing_at_start: dict[str, tuple[str, ...]] = {}
    #: Advice appended when the corrector stalls.
    stall_hint: str = ("try a smaller ds_max or ds_min, and check the model near this point (a singularity, "
                       "or NaN in the right-hand side)")

    # -- linear algebra (override for structured Jacobians) -----------------------------
    def solve_bordered(self, J: Any, row: np.ndarray, rhs: np.ndarray, rhs_last: float) -> BorderedSolve:
        """Solve [J; row^T] d = [rhs; rhs_last], reporting the determinant of the matrix.

        Raises ``numpy.linalg.LinAlgError`` when the matrix is exactly singular.
        """
        if scipy.sparse.issparse(J):
            b = np.append(rhs, rhs_last)
            A = scipy.sparse.vstack([J, scipy.sparse.csr_matrix(row)], format="csc")
            return BorderedSolve(scipy.sparse.linalg.splu(A).solve(b), row)
        if row.size <= BORDERED_LIMIT and J.dtype == np.float64:
            x = np.empty(row.size)
            logdet, sign = bordered_solve(np.ascontiguousarray(J), np.ascontiguousarray(row, dtype=float),
                                          np.ascontiguousarray(rhs, dtype=float), float(rhs_last), x)
            if sign == 0.0:
                raise np.linalg.LinAlgError("singular bordered system")
            return BorderedSolve(x, row, logdet, sign)
        b = np.append(rhs, rhs_last)
        A = np.vstack([J, row])
        lu, piv, info = scipy.linalg.lapack.dgetrf(A)
        diag = np.diag(lu)
        if info != 0 or np.any(diag == 0.0):
            raise np.linalg.LinAlgError("singular bordered system")
        swaps = int(np.sum(piv != np.arange(piv.size)))
        sign = float(np.prod(np.sign(diag))) * (-1.0) ** swaps
        x, info = scipy.linalg.lapack.dgetrs(lu, piv, b)
        return BorderedSolve(x, row, float(np.sum(np.log(np.abs(diag)))), sign)
