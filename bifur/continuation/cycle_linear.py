"""Linear algebra of the collocation system beyond Newton's solve: the branch-point test of cycles,
the monodromy matrix of a factorisation and which of its multipliers are resolved, the
period-doubling eigenfunction, kernel vectors at branch points of cycles, and the dense
Jacobian for the few one-off computations that need it.

Branch-point test (BPC). The determinant of the bordered collocation matrix [J; τ] vanishes
at a branch point of cycles, but its magnitude is a product over every interval of the mesh and
is useless for locating the zero. It factors as

    det [J; τ] = det(IVP) · r,

where det(IVP) is the determinant of the collocation equations with x(0) given (the discrete
initial-value problem, which never vanishes on a mesh that resolves the orbit) and r is what is
left after every node but x(0) and x(1) has been eliminated: the determinant of a (2n+2) x (2n+2)
system divided by that of its n x n block over x(1), in effect the bordered shooting determinant
det [[M - I, x'(1)/T, x_p(1)]; phase; border] with the monodromy matrix M.
:func:`~bifur.continuation.collocation.solve_reduced` computes r with the factorisation, so
the test costs nothing. The test function is sign(det [J; τ]) · |r|: its sign changes exactly
where the full determinant's does (never where the initial-value problem is singular), and its
magnitude is linear in the arclength next to a simple branch point, where secant location
converges fast.

Period doubling. At a PD point the linearised problem v' = T f_x(x(t)) v has a solution with
v(1) = -v(0) (multiplier -1). It is computed on the collocation mesh from the transfer matrices
of the intervals (condensation of each interval, as for the monodromy matrix), from the
eigenvector of the monodromy matrix for the multiplier nearest -1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from .collocation import reduced_monodromy
from .problem import BorderedSolve

if TYPE_CHECKING:
    from .cycles import CycleProblem

__all__ = ["CollocationSolve", "resolved_multipliers", "MULTIPLIER_FLOOR", "column_index", "matvec",
           "sparse_jacobian", "dense_jacobian", "transfer_maps", "pd_eigenfunction", "kernel_vector",
           "left_null_vector", "other_branch"]


#: Multipliers smaller than this times the largest one are at the rounding level of the monodromy
#: matrix (its product of N transfer matrices carries errors of ~1e-16 times its norm): the torus
#: and period-doubling tests treat them as 0 (see :func:`resolved_multipliers`).
MULTIPLIER_FLOOR = 1e3 * float(np.finfo(float).eps)


def resolved_multipliers(record: dict) -> np.ndarray:
    """The nontrivial multipliers of a cycle record, with those below the rounding level
    (:data:`MULTIPLIER_FLOOR` times the largest modulus) set to 0.

    On a strongly unstable cycle (μ_max ~ 1e8, as on HH's unstable branch) the smallest multipliers
    computed are rounding noise of size ~1e-16 μ_max, complex or of either sign; their products
    with μ_max are O(1) and would change the sign of the torus test μ_i μ_j - 1 at random places.
    A genuine pair μ, 1/μ below the floor needs μ_max > (MULTIPLIER_FLOOR)^(-1/2) ≈ 2e6 and cannot
    be resolved in double precision anyway. Zero keeps the test continuous: a factor μ_s μ_j - 1
    becomes exactly -1, the value it has whenever μ_s is that small and μ_j resolved.

    Examples
    --------
    >>> rec = {"multipliers": np.array([1e8 + 0j, 1.0 + 0j, 2e-8 + 1e-8j, 2e-8 - 1e-8j]), "trivial": 1}
    >>> resolved_multipliers(rec)
    array([1.e+08+0.j, 0.e+00+0.j, 0.e+00+0.j])
    """
    mu = np.delete(record["multipliers"], record["trivial"])
    if mu.size == 0:
        return mu
    floor = MULTIPLIER_FLOOR * max(1.0, float(np.max(np.abs(record["multipliers"]))))
    return np.where(np.abs(mu) < floor, 0.0, mu)


@dataclass(frozen=True)
class CollocationSolve(BorderedSolve):
    """A bordered solve of the collocation system with the shooting factor of its determinant:
    ``shoot_logdet`` = log|r|, ``shoot_sign`` = sign r (see the module docstring), and the
    condensed block rows ``blocks`` ((N, n, 2n+2), :func:`~.collocation.condense`), from which
    :meth:`monodromy` follows at the cost of N small solves."""

    shoot_logdet: float = float("nan")
    shoot_sign: float = float("nan")
    blocks: np.ndarray | None = None

    def monodromy(self) -> np.ndarray | None:
        """The monodromy matrix of the linearised flow of the Jacobian this solve factorised (None
        without blocks or when a block is singular).

        Examples
        --------
        One interval of x' = -x (n = 1) whose condensed row reads e^T x_0 - x_1 = 0 has M = e^-T:

        >>> blocks = np.array([[[math.exp(-2.0), -1.0, 0.0, 0.0]]])
        >>> s = CollocationSolve(np.zeros(2), np.zeros(2), blocks=blocks)
        >>> round(float(s.monodromy()[0, 0]), 12) == round(math.exp(-2.0), 12)
        True
        """
        if self.blocks is None:
            return None
        n = self.blocks.shape[1]
        M = np.empty((n, n))
        return M if reduced_monodromy(self.blocks, self.blocks.shape[0], n, M) else None

    def bpc_test(self, tangent: np.ndarray) -> float:
        """sign(det [J; τ]) · |r| / |row·τ|: continuous, linear next to a simple branch point of cycles.

        Examples
        --------
        >>> s = CollocationSolve(np.zeros(2), np.array([0.0, 2.0]), 5.0, -1.0, math.log(3.0), 1.0)
        >>> round(s.bpc_test(np.array([0.0, 1.0])), 12)
        -1.5
        """
        _, sign = self.det_along(tangent)
        rt = abs(float(self.row @ tangent))
        if not (math.isfinite(sign) and math.isfinite(self.shoot_logdet)) or rt == 0.0:
            return math.nan
        return sign * math.exp(min(self.shoot_logdet - math.log(rt), 700.0))


def column_index(pb: "CycleProblem") -> np.ndarray:
    """Column of every Jacobian entry in kernel order: shape (N m n, (m+1) n + 2), the node
    columns of each interval followed by T and p."""
    N, m, n, nx = pb.N, pb.m, pb.n, pb.nx
    nodes = (np.arange(N)[:, None] * m + np.arange(m + 1)[None, :])  # (N, m+1)
    cols = (nodes[:, :, None] * n + np.arange(n)[None, None, :]).reshape(N, (m + 1) * n)
    cols = np.concatenate([cols, np.full((N, 1), nx), np.full((N, 1), nx + 1)], axis=1)
    return np.repeat(cols, m * n, axis=0)


def matvec(pb: "CycleProblem", vals: np.ndarray, u: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """J u for the Jacobian ``vals`` (kernel order) of the collocation residual with its
    periodicity and phase rows (length size - 1)."""
    cols = column_index(pb) if cols is None else cols
    rows = vals.reshape(cols.shape)
    n, nx = pb.n, pb.nx
    X = u[:nx].reshape(pb.P, n)
    return np.concatenate([np.sum(rows * u[cols], axis=1), X[0] - X[-1], [pb.phase @ u[:nx]]])


def sparse_jacobian(pb: "CycleProblem", z: np.ndarray) -> scipy.sparse.csr_matrix:
    """The (size - 1) x size Jacobian at z as a sparse matrix (for one-off computations)."""
    cols = column_index(pb)
    r, width = cols.shape
    n, nx = pb.n, pb.nx
    rows = np.concatenate([np.repeat(np.arange(r), width), r + np.arange(n), r + np.arange(n),
                           np.full(nx, pb.size - 2)])
    cidx = np.concatenate([cols.ravel(), np.arange(n), nx - n + np.arange(n), np.arange(nx)])
    vals = np.concatenate([pb.jacobian(z), np.ones(n), -np.ones(n), pb.phase])
    return scipy.sparse.csr_matrix((vals, (rows, cidx)), shape=(pb.size - 1, pb.size))


def dense_jacobian(pb: "CycleProblem", z: np.ndarray) -> np.ndarray:
    """The (size - 1) x size Jacobian at z as a dense array."""
    return sparse_jacobian(pb, z).toarray()


def transfer_maps(pb: "CycleProblem", z: np.ndarray) -> np.ndarray:
    """For every interval j the matrix Y_j ((m n) x n) giving the values of the linearised flow at
    the interior and right nodes of the interval from its value at the left node."""
    N, m, n = pb.N, pb.m, pb.n
    A = pb.jacobian(z).reshape(N, m * n, (m + 1) * n + 2)[:, :, :(m + 1) * n]
    return np.linalg.solve(A[:, :, n:], -A[:, :, :n])


def pd_eigenfunction(pb: "CycleProblem", z: np.ndarray) -> tuple[np.ndarray, complex]:
    """The solution v of the linearised problem with v(1) = μ v(0), μ the multiplier nearest -1,
    at the nodes ((N m + 1) x n), normalised to unit L2 norm over [0, 1]; and μ.

    Examples
    --------
    For x' = -x (n = 1) the multiplier is exp(-T); nothing is near -1, but the function still
    returns the eigenfunction exp(-T t) of the nearest multiplier:

    >>> import bifur
    >>> from bifur.continuation.cycles import CycleProblem
    >>> from bifur._mesh import Basis
    >>> m = bifur.Model.from_text("dx/dt = -a*x", {"a": 1.0}, {"x": 0.0}, time_unit="1")
    >>> cm = m.compile()
    >>> pb = CycleProblem(cm, 0, cm.param_vector(), np.linspace(0, 1, 5), Basis(3), np.zeros((13, 1)))
    >>> v, mu = pd_eigenfunction(pb, pb.pack(np.zeros((13, 1)), 1.0, 1.0))
    >>> round(mu.real, 6), round(float(v[-1, 0] / v[0, 0]), 6)
    (0.367879, 0.367879)
    """
    N, m, n = pb.N, pb.m, pb.n
    Y = transfer_maps(pb, z)
    M = np.eye(n)
    for j in range(N):
        M = Y[j, (m - 1) * n:] @ M
    ev, vecs = np.linalg.eig(M)
    k = int(np.argmin(np.abs(ev + 1.0)))
    v0 = np.real(vecs[:, k])
    V = np.empty((pb.P, n))
    V[0] = v0
    for j in range(N):
        V[j * m + 1:(j + 1) * m + 1] = (Y[j] @ V[j * m]).reshape(m, n)
    V /= math.sqrt(float(pb.node_weights @ np.sum(V ** 2, axis=1)))
    return V, complex(ev[k])


def kernel_vector(pb: "CycleProblem", z: np.ndarray, tangent: np.ndarray, iterations: int = 3) -> np.ndarray:
    """The kernel direction of J at a branch point of cycles orthogonal to the branch tangent τ
    (weighted inner product), by inverse iteration on the bordered matrix [J; τ], which is
    singular there; unit length in the weighted norm."""
    w = pb.weights(z)
    row = tangent * w
    vals = pb.jacobian(z)
    b = np.random.default_rng(12345).standard_normal(pb.size)
    x = b
    for _ in range(iterations):
        x = pb.solve_bordered(vals, row, b[:-1], float(b[-1])).x
        if not np.all(np.isfinite(x)):
            raise np.linalg.LinAlgError("inverse iteration failed")
        x = x / math.sqrt(float(x @ (w * x)))
        b = x
    x = x - tangent * float(x @ (w * tangent))
    return x / math.sqrt(float(x @ (w * x)))


def left_null_vector(A, iterations: int = 2) -> np.ndarray:
    """Unit left null vector of a nearly singular square matrix (dense or sparse), by inverse
    iteration with a sparse LU of A (transposed solves).

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-12]])
    >>> y = left_null_vector(A)
    >>> bool(np.allclose(np.abs(y), np.array([2.0, 1.0]) / np.sqrt(5.0)))
    True
    """
    lu = scipy.sparse.linalg.splu(scipy.sparse.csc_matrix(A))
    y = np.random.default_rng(7).standard_normal(A.shape[0])
    for _ in range(iterations):
        y = lu.solve(y, trans="T")
        y /= np.linalg.norm(y)
    return y


def other_branch(pb: "CycleProblem", z: np.ndarray, tangent: np.ndarray, kernel: np.ndarray
                 ) -> np.ndarray | None:
    """Tangent of the other branch through a branch point of cycles z, from the algebraic
    bifurcation equation c11 α² + 2 c12 α β + c22 β² = 0 in the kernel span{τ, φ} (τ the known
    branch's tangent, φ the kernel vector orthogonal to it), c_ij = ψ·F_zz[φi, φj] with ψ the left
    null vector of F_z. Of the equation's two roots, τ (β = 0) is the known branch; the other one
    is returned, or None when the roots are complex or the form vanishes (then only the
    perpendicular predictor φ is left). F_zz is a central difference of F_z along φj."""
    w = pb.weights(z)
    psi = left_null_vector(scipy.sparse.vstack([sparse_jacobian(pb, z), tangent * w]))[:-1]
    cols = column_index(pb)
    h = 1e-5 * (1.0 + float(np.max(np.abs(z))))

    def form(u: np.ndarray, v: np.ndarray) -> float:
        d = matvec(pb, pb.jacobian(z + h * v), u, cols) - matvec(pb, pb.jacobian(z - h * v), u, cols)
        return float(psi @ d) / (2 * h)

    c11, c12, c22 = form(tangent, tangent), form(tangent, kernel), form(kernel, kernel)
    disc = c12 * c12 - c11 * c22
    scale = abs(c11) + abs(c12) + abs(c22)
    if scale == 0.0 or disc <= (1e-9 * scale) ** 2:
        return None
    # t = α/β: the root of c11 t² + 2 c12 t + c22 = 0 of smaller modulus (the other one, large,
    # is the known branch, exactly at infinity when c11 = 0)
    t = -c22 / (c12 + math.copysign(math.sqrt(disc), c12))
    other = t * tangent + kernel
    return other / math.sqrt(float(other @ (w * other)))
