"""Orthogonal collocation of periodic orbits (AUTO's discretisation) and its numba kernels.

Time is scaled to τ ∈ [0, 1]: x' = T f(x, p). The mesh 0 = τ_0 < ... < τ_N = 1 has N
intervals (NTST); on interval j the orbit is the polynomial of degree m (NCOL) through
its values at the m+1 equally spaced nodes τ_j + i h_j / m. The unknowns are the values
at the N m + 1 nodes (node j m + i; the last node is τ = 1), the period T and the
parameter. Equations: collocation at the m Gauss-Legendre points of every interval,
``Σ_i D[k,i] x_{j,i} - h_j T f(Σ_i L[k,i] x_{j,i}, p) = 0``, periodicity x(0) = x(1), and
the integral phase condition ∫ x·x̂' dτ = 0 with respect to a reference orbit x̂.

Linear systems are solved by condensation of parameters (as AUTO does): the interior nodes
of each interval are eliminated with partial pivoting (:func:`condense`), leaving a system
over the N+1 mesh nodes, T and p that a sparse LU solves; :func:`expand` recovers the
interior nodes. The Floquet multipliers come from the same blocks: condensing each interval
gives the map M_j from x(τ_j) to x(τ_{j+1}) of the linearised flow, and the monodromy
matrix is M_{N-1} ... M_0.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._linalg import lu_factor, lu_solve_matrix

__all__ = ["Basis", "colloc_residual", "colloc_jacobian", "colloc_monodromy", "reduced_pattern", "condense",
           "expand", "evaluate", "node_times", "adapt_mesh", "node_weights"]

#: Kernels wrapped per model by bifur.codegen.
__kernels__ = {"colloc_residual": None, "colloc_jacobian": None, "colloc_monodromy": None}


class Basis:
    """Lagrange basis on m+1 equidistant nodes of [0, 1], at the m Gauss-Legendre points.

    Attributes: ``L[k, i]`` = l_i(ζ_k), ``D[k, i]`` = l_i'(ζ_k), Gauss points ``zeta`` and
    weights ``w`` on [0, 1], and ``nc[i]`` = ∫_0^1 l_i (Newton-Cotes weights).
    """

    def __init__(self, m: int):
        if not 2 <= m <= 7:
            raise ValueError(f"ncol must be between 2 and 7, got {m}")
        self.m = m
        g, w = np.polynomial.legendre.leggauss(m)
        self.zeta = 0.5 * (g + 1.0)
        self.w = 0.5 * w
        self.nodes = np.arange(m + 1) / m
        self.L = self.values(self.zeta)
        self.D = self.derivatives(self.zeta)
        self.nc = self.w @ self.L

    def values(self, s: np.ndarray) -> np.ndarray:
        """l_i(s) for every s (rows) and i (columns)."""
        s = np.atleast_1d(s)[:, None]
        out = np.ones((s.shape[0], self.m + 1))
        for i, si in enumerate(self.nodes):
            for r, sr in enumerate(self.nodes):
                if r != i:
                    out[:, i] *= (s[:, 0] - sr) / (si - sr)
        return out

    def derivatives(self, s: np.ndarray) -> np.ndarray:
        """l_i'(s)."""
        s = np.atleast_1d(s)
        out = np.zeros((s.size, self.m + 1))
        for i, si in enumerate(self.nodes):
            for q, sq in enumerate(self.nodes):
                if q == i:
                    continue
                term = np.full(s.size, 1.0 / (si - sq))
                for r, sr in enumerate(self.nodes):
                    if r != i and r != q:
                        term *= (s - sr) / (si - sr)
                out[:, i] += term
        return out


@njit(cache=True, error_model="numpy")
def _at_gauss(L, X, base, k, y):
    """y = the polynomial of the interval starting at node ``base``, at its k-th Gauss point."""
    for c in range(X.shape[1]):
        s = 0.0
        for i in range(L.shape[1]):
            s += L[k, i] * X[base + i, c]
        y[c] = s


@njit(cache=True, error_model="numpy")
def _entry(D, L, hT, J, k, i, c, d):
    """d(collocation residual (k, c))/d(node i, component d) = D[k,i] δ_cd - h T L[k,i] J[c,d]."""
    v = -hT * L[k, i] * J[c, d]
    return v + D[k, i] if c == d else v


@njit(error_model="numpy")  # not cached itself: compiled into each model's cached wrapper
def colloc_residual(rhs_into, X, T, p, h, L, D, out):
    """Collocation and periodicity residuals (length N m n + n); the phase condition is added by the caller."""
    N = h.shape[0]
    m = L.shape[0]
    n = X.shape[1]
    y = np.empty(n)
    f = np.empty(n)
    for j in range(N):
        base = j * m
        for k in range(m):
            _at_gauss(L, X, base, k, y)
            rhs_into(y, p, f)
            r = (base + k) * n
            for c in range(n):
                d = 0.0
                for i in range(m + 1):
                    d += D[k, i] * X[base + i, c]
                out[r + c] = d - h[j] * T * f[c]
    r0 = N * m * n
    for c in range(n):
        out[r0 + c] = X[0, c] - X[N * m, c]


@njit(error_model="numpy")  # not cached itself: compiled into each model's cached wrapper
def colloc_jacobian(rhs_into, jac_into, dfdp_into, X, T, p, ip, h, L, D, vals):
    """Values of the collocation rows of the Jacobian, in the order of :func:`jacobian_pattern`."""
    N = h.shape[0]
    m = L.shape[0]
    n = X.shape[1]
    y = np.empty(n)
    f = np.empty(n)
    J = np.empty((n, n))
    Fp = np.empty((n, p.shape[0]))
    pos = 0
    for j in range(N):
        base = j * m
        hT = h[j] * T
        for k in range(m):
            _at_gauss(L, X, base, k, y)
            rhs_into(y, p, f)
            jac_into(y, p, J)
            dfdp_into(y, p, Fp)
            for c in range(n):
                for i in range(m + 1):
                    for d in range(n):
                        vals[pos] = _entry(D, L, hT, J, k, i, c, d)
                        pos += 1
                vals[pos] = -h[j] * f[c]
                vals[pos + 1] = -hT * Fp[c, ip]
                pos += 2
    return pos


@njit(error_model="numpy")  # not cached itself: compiled into each model's cached wrapper
def colloc_monodromy(jac_into, X, T, p, h, L, D, M):
    """Monodromy matrix of the linearised flow by condensation of each interval's interior nodes.

    Returns False if an interval block is singular.
    """
    N = h.shape[0]
    m = L.shape[0]
    n = X.shape[1]
    y = np.empty(n)
    J = np.empty((n, n))
    G = np.empty((m * n, m * n))
    R = np.empty((m * n, n))
    piv = np.empty(m * n, dtype=np.int64)
    tmp = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            M[a, b] = 1.0 if a == b else 0.0
    for j in range(N):
        base = j * m
        hT = h[j] * T
        for k in range(m):
            _at_gauss(L, X, base, k, y)
            jac_into(y, p, J)
            for c in range(n):
                row = k * n + c
                for d in range(n):
                    # column block i = 0 goes to the right-hand side (with a minus sign)
                    R[row, d] = -_entry(D, L, hT, J, k, 0, c, d)
                    for i in range(1, m + 1):
                        G[row, (i - 1) * n + d] = _entry(D, L, hT, J, k, i, c, d)
        if not lu_factor(G, piv):
            return False
        lu_solve_matrix(G, piv, R)
        # M <- M_j M with M_j = rows of the last node
        for a in range(n):
            for b in range(n):
                s = 0.0
                for c in range(n):
                    s += R[(m - 1) * n + a, c] * M[c, b]
                tmp[a, b] = s
        for a in range(n):
            for b in range(n):
                M[a, b] = tmp[a, b]
    return True


def reduced_pattern(N: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the condensed bordered system over the mesh nodes and (T, p).

    Order: the N condensed block rows (node j, node j+1, T, p), the periodicity rows
    (+1 at node 0, -1 at node N), the phase row and the bordering row (all columns).
    """
    R = (N + 1) * n + 2
    jj, cc = np.meshgrid(np.arange(N), np.arange(n), indexing="ij")
    r = (jj * n + cc).reshape(-1)
    local = np.concatenate([np.arange(2 * n), [0, 0]])
    cols = (jj.reshape(-1)[:, None] * n + local[None, :])
    cols[:, 2 * n:] = [(N + 1) * n, (N + 1) * n + 1]
    rows = [np.repeat(r, 2 * n + 2)]
    colsl = [cols.reshape(-1)]
    for c in range(n):
        rows.append(np.array([N * n + c, N * n + c]))
        colsl.append(np.array([c, N * n + c]))
    for k in (R - 2, R - 1):
        rows.append(np.full(R, k))
        colsl.append(np.arange(R))
    return np.concatenate(rows), np.concatenate(colsl)


def node_times(mesh: np.ndarray, m: int) -> np.ndarray:
    """τ of every node (N m + 1 values)."""
    h = np.diff(mesh)
    t = (mesh[:-1, None] + h[:, None] * (np.arange(m) / m)[None, :]).reshape(-1)
    return np.append(t, mesh[-1])


def evaluate(X: np.ndarray, mesh: np.ndarray, basis: Basis, tau: np.ndarray) -> np.ndarray:
    """Values of the piecewise polynomial at times τ (taken modulo 1)."""
    tau = np.mod(np.atleast_1d(tau), 1.0)
    m = basis.m
    N = mesh.size - 1
    j = np.clip(np.searchsorted(mesh, tau, side="right") - 1, 0, N - 1)
    s = (tau - mesh[j]) / (mesh[j + 1] - mesh[j])
    lv = basis.values(s)  # (len, m+1)
    idx = j[:, None] * m + np.arange(m + 1)[None, :]
    return np.einsum("ti,tic->tc", lv, X[idx])


def node_weights(mesh: np.ndarray, basis: Basis) -> np.ndarray:
    """Quadrature weight of every node for ∫_0^1 g(τ) dτ (Newton-Cotes on each interval)."""
    m = basis.m
    h = np.diff(mesh)
    w = np.zeros((mesh.size - 1) * m + 1)
    for i in range(m + 1):
        w[np.arange(mesh.size - 1) * m + i] += h * basis.nc[i]
    return w


def adapt_mesh(X: np.ndarray, mesh: np.ndarray, basis: Basis, n_new: int | None = None) -> np.ndarray:
    """New mesh equidistributing |x^(m+1)|^(1/(m+1)) (AUTO's criterion) with ``n_new`` intervals
    (default: as many as now).

    The m-th derivative is constant on each interval; the (m+1)-th is estimated from its
    jumps between neighbouring intervals (periodically).
    """
    m = basis.m
    N = mesh.size - 1
    h = np.diff(mesh)
    coef = np.array([(-1) ** (m - i) * math.comb(m, i) for i in range(m + 1)], dtype=float)
    idx = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    dm = np.einsum("i,jic->jc", coef, X[idx]) * (m / h[:, None]) ** m  # x^(m) on each interval
    jump_right = (np.roll(dm, -1, axis=0) - dm) / (0.5 * (h + np.roll(h, -1)))[:, None]
    jump_left = np.roll(jump_right, 1, axis=0)
    d1 = 0.5 * (np.abs(jump_left) + np.abs(jump_right))
    theta = np.max(d1, axis=1) ** (1.0 / (m + 1))
    theta = theta + 1e-3 * max(theta.mean(), 1e-300)  # keep every interval finite
    cum = np.concatenate([[0.0], np.cumsum(theta * h)])
    targets = np.linspace(0.0, cum[-1], (n_new or N) + 1)
    new = np.interp(targets, cum, mesh)
    new[0], new[-1] = 0.0, 1.0
    return new


@njit(cache=True, error_model="numpy")
def condense(vals, rhs, phi, beta, N, m, n, red_vals, red_rhs, piv_rows, piv_perm):
    """Condensation of parameters: eliminate the interior nodes of every interval.

    ``vals`` holds the collocation rows in kernel order, ``rhs`` their right-hand side,
    ``phi`` and ``beta`` the two dense rows (phase, bordering), each over all unknowns plus a
    last entry for their right-hand side. Writes the condensed block rows into ``red_vals``
    (N, n, 2n+2) and ``red_rhs`` (N, n), keeps the pivot rows for back-substitution in
    ``piv_rows`` (N, (m-1)n, (m+1)n+3) with row permutations ``piv_perm``, and updates phi
    and beta in place so that their interior entries are eliminated.
    Returns (sum of log|pivot|, sign) of the eliminated part, for the determinant.
    """
    nin = (m - 1) * n
    ncol = (m + 1) * n + 3  # interior, left, right, T, p, rhs
    A = np.empty((m * n, ncol))
    per_row = (m + 1) * n + 2
    logdet = 0.0
    sign = 1.0
    P = N * m + 1
    for j in range(N):
        # local matrix with columns [interior | left | right | T | p | rhs]
        for k in range(m):
            for c in range(n):
                r = k * n + c
                base = ((j * m + k) * n + c) * per_row
                for i in range(m + 1):
                    for d in range(n):
                        v = vals[base + i * n + d]
                        if i == 0:
                            A[r, nin + d] = v
                        elif i == m:
                            A[r, nin + n + d] = v
                        else:
                            A[r, (i - 1) * n + d] = v
                A[r, nin + 2 * n] = vals[base + (m + 1) * n]
                A[r, nin + 2 * n + 1] = vals[base + (m + 1) * n + 1]
                A[r, ncol - 1] = rhs[(j * m + k) * n + c]
        # Gaussian elimination with partial pivoting on the interior columns
        for q in range(nin):
            best = q
            big = abs(A[q, q])
            for r in range(q + 1, m * n):
                if abs(A[r, q]) > big:
                    big = abs(A[r, q])
                    best = r
            piv_perm[j, q] = best
            if best != q:
                for c2 in range(ncol):
                    A[q, c2], A[best, c2] = A[best, c2], A[q, c2]
                sign = -sign
            pv = A[q, q]
            if pv == 0.0:
                return -np.inf, 0.0
            logdet += math.log(abs(pv))
            if pv < 0:
                sign = -sign
            for r in range(q + 1, m * n):
                f = A[r, q] / pv
                if f != 0.0:
                    for c2 in range(q, ncol):
                        A[r, c2] -= f * A[q, c2]
        for q in range(nin):
            for c2 in range(ncol):
                piv_rows[j, q, c2] = A[q, c2]
        for c in range(n):
            r = nin + c
            for c2 in range(2 * n + 2):
                red_vals[j, c, c2] = A[r, nin + c2]
            red_rhs[j, c] = A[r, ncol - 1]
        # eliminate the interior entries of the dense rows with the pivot rows
        for row in (phi, beta):
            y = np.empty(nin)
            for q in range(nin):  # y = row_I U^-1 (forward substitution on U^T)
                s = row[(j * m + 1) * n + q]
                for q2 in range(q):
                    s -= y[q2] * A[q2, q]
                y[q] = s / A[q, q]
                row[(j * m + 1) * n + q] = 0.0
            for q in range(nin):
                if y[q] == 0.0:
                    continue
                for d in range(n):
                    row[j * m * n + d] -= y[q] * A[q, nin + d]
                    row[(j + 1) * m * n + d] -= y[q] * A[q, nin + n + d]
                row[P * n] -= y[q] * A[q, nin + 2 * n]
                row[P * n + 1] -= y[q] * A[q, nin + 2 * n + 1]
                row[P * n + 2] -= y[q] * A[q, ncol - 1]
    return logdet, sign


@njit(cache=True, error_model="numpy")
def expand(piv_rows, X_mesh, theta, N, m, n, out):
    """Back-substitution: the interior nodes from the mesh nodes and (T, p); fills the full solution."""
    nin = (m - 1) * n
    ncol = (m + 1) * n + 3
    P = N * m + 1
    xi = np.empty(nin)
    for j in range(N):
        for q in range(nin - 1, -1, -1):
            s = piv_rows[j, q, ncol - 1]
            for d in range(n):
                s -= piv_rows[j, q, nin + d] * X_mesh[j, d] + piv_rows[j, q, nin + n + d] * X_mesh[j + 1, d]
            s -= piv_rows[j, q, nin + 2 * n] * theta[0] + piv_rows[j, q, nin + 2 * n + 1] * theta[1]
            for q2 in range(q + 1, nin):
                s -= piv_rows[j, q, q2] * xi[q2]
            xi[q] = s / piv_rows[j, q, q]
        for d in range(n):
            out[j * m * n + d] = X_mesh[j, d]
        for q in range(nin):
            out[(j * m + 1) * n + q] = xi[q]
    for d in range(n):
        out[(P - 1) * n + d] = X_mesh[N, d]
    out[P * n] = theta[0]
    out[P * n + 1] = theta[1]
