"""Bordered collocation systems beyond the one of cycle continuation, for curves of cycle bifurcations.

The condensed solver of :mod:`~bifur.continuation.collocation` (condensation of the interior
nodes, elimination of the inner mesh nodes, a dense solve in the end nodes) handles any system of
this shape, for a state of any dimension s:

* N m s collocation rows, each over the m+1 nodes of its interval and two *slot* columns
  (T and p in cycle continuation; here any two border columns);
* s boundary rows x_0 - x_N = r;
* two dense rows over all unknowns (the phase condition and the continuation border there).

:class:`BorderedCollocation` calls it with rows and right-hand sides of one's choosing. Boundary
conditions x_N = R x_0 with an invertible R (antiperiodic for period doubling, R = -I; a rotation
for a Neimark-Sacker pair e^{±iθ}, on the doubled state (Re v, Im v)) are brought to the solver's
form by the change of variables x_N = R u_N on the last node (:func:`twisted_rows`): the last
interval's columns of that node are multiplied by R, the dense rows' entries by Rᵀ, and the
solution's last node by R afterwards. The Schur complements computed with these systems do not
depend on the change of variables.

The module also holds what the defining systems of :mod:`~.codim2_cycles` share: second
derivatives of the collocation residual as differences of its exact Jacobian
(:func:`jacobian_difference`), products with Jacobians in kernel order (:func:`kernel_matvec`), the
embedding of a function into the collocation rows (:func:`row_vector`) and eigenfunctions of the
linearised flow for any multiplier (:func:`eigenfunction`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .collocation import condense, expand, solve_reduced

if TYPE_CHECKING:
    from .cycles import CycleProblem

__all__ = ["BorderedCollocation", "twisted_rows", "kernel_columns", "kernel_matvec", "jacobian_difference",
           "row_vector", "eigenfunction", "FD_STEP"]

#: Relative step of the central differences of the exact Jacobian (ε^(1/3)).
FD_STEP = float(np.finfo(float).eps) ** (1.0 / 3.0)


class BorderedCollocation:
    """Solves of bordered collocation systems of N intervals, m points, state dimension s.

    Examples
    --------
    The scalar problem x' = 0 on one period with x(0) - x(1) = 0, a border column of ones in the
    collocation rows and the dense row ∫ x = 1 has the solution x = 1, border coefficient 0:

    >>> from bifur._mesh import Basis, node_weights
    >>> N, m = 3, 2
    >>> b = Basis(m)
    >>> mesh = np.linspace(0.0, 1.0, N + 1)
    >>> rows = np.zeros((N, m, 1, (m + 1) + 2))
    >>> rows[:, :, 0, :m + 1] = b.D[None, :, :]
    >>> rows[:, :, 0, -1] = 1.0
    >>> P = N * m + 1
    >>> phi = np.zeros(P + 2)
    >>> phi[P] = 1.0                        # the unused slot is zero
    >>> beta = np.concatenate([node_weights(mesh, b), [0.0, 0.0]])
    >>> x = BorderedCollocation(N, m, 1).solve(rows.reshape(-1), phi, beta, np.zeros(N * m), np.zeros(1), 0.0, 1.0)
    >>> bool(np.allclose(x[:P], 1.0)), abs(round(float(x[-1]), 12))
    (True, 0.0)
    """

    def __init__(self, N: int, m: int, s: int):
        self.N, self.m, self.s = int(N), int(m), int(s)
        self.P = self.N * self.m + 1
        self.nx = self.P * self.s
        self._red = (np.empty((self.N, self.s, 2 * self.s + 2)), np.empty((self.N, self.s)),
                     np.empty((self.N, (self.m - 1) * self.s, (self.m + 1) * self.s + 3)),
                     np.empty((self.N, self.s, 3 * self.s + 3)), np.empty((self.N + 1) * self.s + 2))

    def solve(self, rows: np.ndarray, phi: np.ndarray, beta: np.ndarray, rhs_coll: np.ndarray,
              rhs_per: np.ndarray, rhs_phi: float, rhs_beta: float) -> np.ndarray:
        """The solution (nodes, slot a, slot b) of the system with collocation ``rows`` (kernel
        order), dense rows ``phi`` and ``beta`` (length nx + 2 each) and the right-hand sides.

        Raises RuntimeError when the system is singular or not finite."""
        N, m, s, nx = self.N, self.m, self.s, self.nx
        if not (np.all(np.isfinite(rows)) and np.all(np.isfinite(rhs_coll)) and np.all(np.isfinite(phi))
                and np.all(np.isfinite(beta))):
            raise RuntimeError("non-finite entries in the bordered collocation system")
        ph = np.empty(nx + 3)
        ph[:nx + 2], ph[-1] = phi, rhs_phi
        be = np.empty(nx + 3)
        be[:nx + 2], be[-1] = beta, rhs_beta
        red_vals, red_rhs, piv_rows, piv_mesh, sol = self._red
        _, sign = condense(rows, np.ascontiguousarray(rhs_coll, dtype=float), ph, be, N, m, s, red_vals, red_rhs,
                           piv_rows)
        if sign == 0.0:
            raise RuntimeError("singular interval block")
        shoot = np.empty(2)
        _, sign2 = solve_reduced(red_vals, red_rhs, np.ascontiguousarray(rhs_per, dtype=float), ph, be, N, m, s,
                                 piv_mesh, sol, shoot, np.empty_like(sol))
        if sign2 == 0.0:
            raise RuntimeError("singular bordered collocation system")
        out = np.empty(nx + 2)
        expand(piv_rows, sol[:(N + 1) * s].reshape(N + 1, s), sol[(N + 1) * s:], N, m, s, 1.0, out)
        return out


def twisted_rows(vals: np.ndarray, N: int, m: int, n: int, R: np.ndarray, slot_a: np.ndarray,
                 slot_b: np.ndarray) -> np.ndarray:
    """Collocation rows (kernel order) of the linearised flow v' = T f_x v for the state s = len(R):
    s = n (one copy) or 2n (two copies, (Re v, Im v)), with the boundary condition x_N = R x_0 brought
    to x_0 - u_N by x_N = R u_N, and the border columns ``slot_a``, ``slot_b`` (length N m s).

    ``vals`` are the cycle Jacobian's values in kernel order (their T and p entries are dropped)."""
    s = R.shape[0]
    per_row = (m + 1) * n + 2
    node = vals.reshape(N, m, n, per_row)[..., :(m + 1) * n].reshape(N, m, n, m + 1, n)
    W = np.zeros((N, m, s, m + 1, s))
    for k in range(s // n):
        W[:, :, k * n:(k + 1) * n, :, k * n:(k + 1) * n] = node
    W[N - 1, :, :, m, :] = W[N - 1, :, :, m, :] @ R
    out = np.concatenate([W.reshape(N, m, s, (m + 1) * s), slot_a.reshape(N, m, s, 1), slot_b.reshape(N, m, s, 1)],
                         axis=3)
    return np.ascontiguousarray(out.reshape(-1))


def kernel_columns(N: int, m: int, n: int) -> np.ndarray:
    """Column of every Jacobian entry in kernel order, over (nodes, T, p): shape (N m n, (m+1) n + 2)."""
    nx = (N * m + 1) * n
    nodes = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    cols = (nodes[:, :, None] * n + np.arange(n)[None, None, :]).reshape(N, (m + 1) * n)
    cols = np.concatenate([cols, np.full((N, 1), nx), np.full((N, 1), nx + 1)], axis=1)
    return np.repeat(cols, m * n, axis=0)


def kernel_matvec(vals: np.ndarray, cols: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The collocation rows of J u for Jacobian values in kernel order (u over nodes, T, p)."""
    return np.sum(vals.reshape(cols.shape) * u[cols], axis=1)


def jacobian_difference(pb: "CycleProblem", X: np.ndarray, T: float, p: np.ndarray, ips: tuple[int, ...],
                        V: np.ndarray, VT: float = 0.0, Vp: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The derivative of the collocation Jacobian along the direction (V, VT, Vp) of (nodes, T, p), by a
    central difference of the exact Jacobian: (values in kernel order with the p-slot of ``ips[0]``,
    and the p-columns for the other parameters ``ips[1:]``, shape (len - 1, N m n)).

    By the symmetry of second derivatives, its product with any direction δ is F_zz[(V, VT, Vp), δ]."""
    size = max(float(np.max(np.abs(V))), abs(VT), float(np.max(np.abs(Vp))) if Vp is not None else 0.0)
    if size == 0.0:
        return np.zeros(pb.nk), np.zeros((len(ips) - 1, pb.N * pb.m * pb.n))
    h = FD_STEP * (1.0 + float(np.max(np.abs(X)))) / size
    per_row = (pb.m + 1) * pb.n + 2
    out, extra = [], []
    for sgn in (1.0, -1.0):
        Xs, Ts = X + sgn * h * V, T + sgn * h * VT
        ps = p + sgn * h * Vp if Vp is not None else p
        vals = np.empty(pb.nk)
        pb.k_jac(Xs, Ts, ps, ips[0], pb.h, pb.basis.L, pb.basis.D, vals)
        cols = []
        for ip in ips[1:]:
            other = np.empty(pb.nk)
            pb.k_jac(Xs, Ts, ps, ip, pb.h, pb.basis.L, pb.basis.D, other)
            cols.append(other.reshape(-1, per_row)[:, -1])
        out.append(vals)
        extra.append(np.array(cols).reshape(len(ips) - 1, -1))
    return (out[0] - out[1]) / (2 * h), (extra[0] - extra[1]) / (2 * h)


def row_vector(pb: "CycleProblem", V: np.ndarray) -> np.ndarray:
    """The function with node values V embedded into the collocation rows: h_j V(ζ_jk) at every
    interval j and Gauss point k (the rows' own scaling), flattened in row order."""
    N, m = pb.N, pb.m
    idx = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    at_gauss = np.einsum("ki,jic->jkc", pb.basis.L, V[idx])
    return (pb.h[:, None, None] * at_gauss).reshape(-1)


def eigenfunction(pb: "CycleProblem", z: np.ndarray, target: complex) -> tuple[np.ndarray, complex]:
    """The solution v of the linearised problem v' = T f_x v with v(1) = μ v(0) for the Floquet
    multiplier μ nearest ``target``, at the nodes (complex, (N m + 1) x n, unit L2 norm over [0, 1],
    phase fixed so that its largest component is real at τ = 0); and μ."""
    from .cycle_linear import transfer_maps
    N, m, n = pb.N, pb.m, pb.n
    Y = transfer_maps(pb, z)
    M = np.eye(n)
    for j in range(N):
        M = Y[j, (m - 1) * n:] @ M
    ev, vecs = np.linalg.eig(M)
    k = int(np.argmin(np.abs(ev - target)))
    v0 = vecs[:, k].astype(complex)
    v0 = v0 * np.exp(-1j * np.angle(v0[int(np.argmax(np.abs(v0)))]))
    V = np.empty((pb.P, n), dtype=complex)
    V[0] = v0
    for j in range(N):
        V[j * m + 1:(j + 1) * m + 1] = (Y[j] @ V[j * m]).reshape(m, n)
    V /= math.sqrt(float(pb.node_weights @ np.sum(np.abs(V) ** 2, axis=1)))
    return V, complex(ev[k])
