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
over the N+1 mesh nodes, T and p; :func:`solve_reduced` eliminates the inner mesh nodes one
after another (row pivoting over the 2n rows that hold each node), solves the dense system
left in (x(0), x(1), T, p) and back-substitutes; :func:`expand` recovers the interior nodes.
Everything is O(N n^3) and runs in numba, and both steps return log|det| and its sign for the
branch-point test function. The Floquet multipliers come from the same factorisation
(:func:`reduced_monodromy`): the n rows that condensation leaves of interval j give the map
M_j from x(τ_j) to x(τ_{j+1}) of the linearised flow, and the monodromy matrix is
M_{N-1} ... M_0.
"""
from __future__ import annotations

import math

import numpy as np
from .._fnptr import call
from .._jit import cached_njit, I64 as _I
from .._linalg import lu_factor, lu_solve_matrix
from .._mesh import Basis, adapt_mesh, evaluate, node_times, node_weights

__all__ = ["Basis", "colloc_residual", "colloc_jacobian", "condense", "solve_reduced", "expand",
           "reduced_monodromy", "evaluate", "node_times", "adapt_mesh", "node_weights"]

#: Kernels a compiled model binds to the addresses of its functions (bifur.codegen.CompiledModel.kernel).
__kernels__ = ("colloc_residual", "colloc_jacobian")


@cached_njit(error_model="numpy")
def _at_gauss(L, X, base, k, y):
    """y = the polynomial of the interval starting at node ``base``, at its k-th Gauss point."""
    for c in range(X.shape[1]):
        s = 0.0
        for i in range(L.shape[1]):
            s += L[k, i] * X[base + i, c]
        y[c] = s


@cached_njit(error_model="numpy")
def _entry(D, L, hT, J, k, i, c, d):
    """d(collocation residual (k, c))/d(node i, component d) = D[k,i] δ_cd - h T L[k,i] J[c,d]."""
    v = -hT * L[k, i] * J[c, d]
    return v + D[k, i] if c == d else v


@cached_njit(error_model="numpy")
def colloc_residual(rhs_t_into, X, T, p, h, L, D, out):
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
            call(rhs_t_into, 0.0, y, p, f)
            r = (base + k) * n
            for c in range(n):
                d = 0.0
                for i in range(m + 1):
                    d += D[k, i] * X[base + i, c]
                out[r + c] = d - h[j] * T * f[c]
    r0 = N * m * n
    for c in range(n):
        out[r0 + c] = X[0, c] - X[N * m, c]


@cached_njit(error_model="numpy")
def colloc_jacobian(rhs_t_into, jac_t_into, dfdp_into, X, T, p, ip, h, L, D, vals):
    """Values of the collocation rows of the Jacobian: for each interval, Gauss point and component,
    the m+1 node blocks of n entries, then d/dT and d/dp (the order :func:`condense` reads)."""
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
            call(rhs_t_into, 0.0, y, p, f)
            call(jac_t_into, 0.0, y, p, J)
            call(dfdp_into, y, p, Fp)
            for c in range(n):
                for i in range(m + 1):
                    for d in range(n):
                        vals[pos] = _entry(D, L, hT, J, k, i, c, d)
                        pos += 1
                vals[pos] = -h[j] * f[c]
                vals[pos + 1] = -hT * Fp[c, ip]
                pos += 2
    return pos


@cached_njit(error_model="numpy")
def _pivot_step(A, q, col, nrows, c0):
    """One step of Gaussian elimination with partial pivoting on column ``col``: the row of rows
    q..nrows-1 with the largest entry there is swapped into row q, then eliminated from the rows
    below it over columns c0 onwards. Returns the index of the row swapped in (q if none)."""
    best = q
    big = abs(A[q, col])
    for r in range(q + 1, nrows):
        if abs(A[r, col]) > big:
            big = abs(A[r, col])
            best = r
    if best != q:
        for c2 in range(A.shape[1]):
            A[q, c2], A[best, c2] = A[best, c2], A[q, c2]
    pv = A[q, col]
    if pv != 0.0:
        for r in range(q + 1, nrows):
            f = A[r, col] / pv
            if f != 0.0:
                for c2 in range(c0, A.shape[1]):
                    A[r, c2] -= f * A[q, c2]
    return best


@cached_njit(error_model="numpy")
def condense(vals, rhs, phi, beta, N, m, n, red_vals, red_rhs, piv_rows):
    """Condensation of parameters: eliminate the interior nodes of every interval.

    ``vals`` holds the collocation rows in kernel order, ``rhs`` their right-hand side,
    ``phi`` and ``beta`` the two dense rows (phase, bordering), each over all unknowns plus a
    last entry for their right-hand side. Writes the condensed block rows into ``red_vals``
    (N, n, 2n+2) and ``red_rhs`` (N, n), keeps the pivot rows for back-substitution in
    ``piv_rows`` (N, (m-1)n, (m+1)n+3) (rows already permuted), and updates phi
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
                for d in range(nin):  # node blocks i = 1..m-1: the interior columns
                    A[r, d] = vals[base + n + d]
                for d in range(n):  # i = 0 and i = m: the left and right mesh nodes
                    A[r, nin + d] = vals[base + d]
                    A[r, nin + n + d] = vals[base + m * n + d]
                A[r, nin + 2 * n] = vals[base + (m + 1) * n]
                A[r, nin + 2 * n + 1] = vals[base + (m + 1) * n + 1]
                A[r, ncol - 1] = rhs[(j * m + k) * n + c]
        # Gaussian elimination with partial pivoting on the interior columns
        for q in range(nin):
            if _pivot_step(A, q, q, m * n, q) != q:
                sign = -sign
            pv = A[q, q]
            if pv == 0.0:
                return -np.inf, 0.0
            logdet += math.log(abs(pv))
            if pv < 0:
                sign = -sign
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


@cached_njit(error_model="numpy")
def expand(piv_rows, X_mesh, theta, N, m, n, rhs_weight, out):
    """Back-substitution: the interior nodes from the mesh nodes and (T, p); fills the full solution.
    The collocation right-hand side kept in the pivot rows enters multiplied by ``rhs_weight``
    (0.0 for the solution with the right-hand side of :func:`solve_reduced`'s ``tsol``)."""
    nin = (m - 1) * n
    ncol = (m + 1) * n + 3
    P = N * m + 1
    xi = np.empty(nin)
    for j in range(N):
        for q in range(nin - 1, -1, -1):
            s = rhs_weight * piv_rows[j, q, ncol - 1]
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


@cached_njit(error_model="numpy")
def _pivot_tracked(A, q, col, nrows, c0, ids, order, no, det):
    """:func:`_pivot_step` keeping the row ids in step: records the pivot row's id in order[no] and
    accumulates log|pivot| and its sign in det = [log|det|, sign]. Returns False on a zero pivot."""
    best = _pivot_step(A, q, col, nrows, c0)
    ids[q], ids[best] = ids[best], ids[q]
    order[no] = ids[q]
    pv = A[q, col]
    if pv == 0.0:
        return False
    det[0] += math.log(abs(pv))
    if pv < 0:
        det[1] = -det[1]
    return True


@cached_njit(error_model="numpy")
def _block_logdet(A, r0, c0, k):
    """(log|det|, sign) of the k x k block of A at (r0, c0), by LU with partial pivoting on a copy
    (sign 0.0 when it is singular)."""
    B = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            B[i, j] = A[r0 + i, c0 + j]
    logdet = 0.0
    sign = 1.0
    for q in range(k):
        if _pivot_step(B, q, q, k, q) != q:
            sign = -sign
        pv = B[q, q]
        if pv == 0.0:
            return -np.inf, 0.0
        logdet += math.log(abs(pv))
        if pv < 0:
            sign = -sign
    return logdet, sign


@cached_njit(error_model="numpy")
def _mesh_back_substitution(F, piv, N, n, rhs_col, rhs_weight, sol):
    """The mesh-node solution of :func:`solve_reduced` from the triangular dense system F with the
    right-hand side in its column ``rhs_col``, back-substituted through the inner mesh nodes, whose
    pivot rows' right-hand side enters multiplied by ``rhs_weight``."""
    K = 2 * n + 2
    R = (N + 1) * n + 2
    W = 3 * n + 3
    y = np.empty(K)
    for q in range(K - 1, -1, -1):
        s = F[q, rhs_col]
        for q2 in range(q + 1, K):
            s -= F[q, q2] * y[q2]
        y[q] = s / F[q, q]
    for d in range(n):
        sol[d] = y[d]
        sol[N * n + d] = y[n + d]
    sol[R - 2] = y[2 * n]
    sol[R - 1] = y[2 * n + 1]
    for j in range(N - 1, 0, -1):
        for q in range(n - 1, -1, -1):
            s = rhs_weight * piv[j, q, W - 1] - piv[j, q, 3 * n] * sol[R - 2] - piv[j, q, 3 * n + 1] * sol[R - 1]
            for d in range(n):
                s -= piv[j, q, d] * sol[d] + piv[j, q, 2 * n + d] * sol[(j + 1) * n + d]
            for q2 in range(q + 1, n):
                s -= piv[j, q, n + q2] * sol[j * n + q2]
            sol[j * n + q] = s / piv[j, q, n + q]


@cached_njit(error_model="numpy")
def reduced_monodromy(red_vals, N, n, M):
    """Monodromy matrix M = M_{N-1} ... M_0 from the condensed block rows of :func:`condense`
    (N, n, 2n+2): row block j reads A_j x_j + B_j x_{j+1} + (T, p columns) = rhs, so the linearised
    flow at fixed T and p maps x_j to x_{j+1} = M_j x_j with M_j = -B_j^{-1} A_j.

    Returns False if some B_j is singular."""
    B = np.empty((n, n))
    A = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    tmp = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            M[a, b] = 1.0 if a == b else 0.0
    for j in range(N):
        for a in range(n):
            for b in range(n):
                B[a, b] = red_vals[j, a, n + b]
                A[a, b] = -red_vals[j, a, b]
        if not lu_factor(B, piv):
            return False
        lu_solve_matrix(B, piv, A)
        for a in range(n):
            for b in range(n):
                s = 0.0
                for c in range(n):
                    s += A[a, c] * M[c, b]
                tmp[a, b] = s
        for a in range(n):
            for b in range(n):
                M[a, b] = tmp[a, b]
    return True


@cached_njit(error_model="numpy")
def solve_reduced(red_vals, red_rhs, per_rhs, phi, beta, N, m, n, piv, sol, shoot, tsol):
    """Solve the condensed system over the mesh nodes and (T, p), as AUTO does: eliminate the
    inner mesh nodes one after another (row-pivoted over the 2n rows that contain each node),
    then solve the remaining dense system in (x_0, x_N, T, p) and back-substitute.

    Rows: the N condensed block rows ``red_vals`` (N, n, 2n+2) over (x_j, x_j+1, T, p) with
    right-hand side ``red_rhs``; periodicity x_0 - x_N = ``per_rhs``; the phase and bordering
    rows ``phi`` and ``beta`` (full length, as left by :func:`condense`, right-hand side last),
    never used as pivots. ``piv`` (N, n, 3n+3) keeps the pivot rows; the solution goes to ``sol``.
    Returns (sum of log|pivot|, sign) of the determinant in a fixed row and column order
    (sign 0.0 if a pivot vanishes). ``shoot`` receives (log|r|, sign r) of the ratio
    r = det(E) / det(E_N) of the dense system E left in (x_0, x_N, T, p) and its block E_N
    over x_N in the carry rows: the determinant of the whole system divided by that of the
    discrete initial-value problem (x_0 given), which never vanishes on a resolving mesh. r does
    not depend on the pivoting (any row operation on the carry rows multiplies both factors)
    and is, up to sign, the bordered shooting determinant det[[M - I, ...]; phase; border].

    ``tsol`` receives, from the same factorisation, the mesh-node part of the solution with the
    right-hand side zero in every row but the bordering row, which is 1 (for cycle continuation:
    the tangent of the branch oriented by ``beta``); :func:`expand` with ``rhs_weight`` 0.0
    completes it.
    """
    R = (N + 1) * n + 2
    P = N * m + 1
    W = 3 * n + 3  # columns: x_0 | x_j | x_j+1 | T | p | rhs
    S = np.zeros((2 * n, W))
    ids = np.empty(2 * n, dtype=np.int64)
    order = np.empty(R, dtype=np.int64)
    Dr = np.zeros((2, W))  # phase and bordering rows over the same columns
    no = _I(0)
    det = np.array([0.0, 1.0])  # log|det|, sign
    for c in range(n):  # carry rows: block 0, over x_0 | x_1
        for d in range(n):
            S[c, d] = red_vals[0, c, d]
            S[c, n + d] = red_vals[0, c, n + d]
        S[c, 3 * n] = red_vals[0, c, 2 * n]
        S[c, 3 * n + 1] = red_vals[0, c, 2 * n + 1]
        S[c, W - 1] = red_rhs[0, c]
        ids[c] = c
    for k in range(2):
        row = phi if k == 0 else beta
        for d in range(n):
            Dr[k, d] = row[d]
            Dr[k, n + d] = row[m * n + d]
        Dr[k, 3 * n] = row[P * n]
        Dr[k, 3 * n + 1] = row[P * n + 1]
        Dr[k, W - 1] = row[P * n + 2]
    for j in range(1, N):
        for c in range(n):  # block j below the carry rows: x_j | x_j+1 | T | p
            r = n + c
            for d in range(n):
                S[r, d] = 0.0
                S[r, n + d] = red_vals[j, c, d]
                S[r, 2 * n + d] = red_vals[j, c, n + d]
            S[r, 3 * n] = red_vals[j, c, 2 * n]
            S[r, 3 * n + 1] = red_vals[j, c, 2 * n + 1]
            S[r, W - 1] = red_rhs[j, c]
            ids[r] = j * n + c
        for q in range(n):  # eliminate x_j
            if not _pivot_tracked(S, q, n + q, 2 * n, _I(0), ids, order, no, det):  # all columns: x_0 fills in
                return -np.inf, 0.0
            no += 1
        for k in range(2):  # the dense rows: x_j entries eliminated, x_j+1 entries loaded
            row = phi if k == 0 else beta
            for d in range(n):
                Dr[k, 2 * n + d] = row[(j + 1) * m * n + d]
            for q in range(n):
                f = Dr[k, n + q] / S[q, n + q]
                if f != 0.0:
                    for c2 in range(W):
                        Dr[k, c2] -= f * S[q, c2]
        for q in range(n):
            for c2 in range(W):
                piv[j, q, c2] = S[q, c2]
        for c in range(n):  # the remaining rows carry on, over x_0 | x_j+1
            for d in range(n):
                S[c, d] = S[n + c, d]
                S[c, n + d] = S[n + c, 2 * n + d]
                S[c, 2 * n + d] = 0.0
            for c2 in range(3 * n, W):
                S[c, c2] = S[n + c, c2]
            ids[c] = ids[n + c]
        for k in range(2):
            for d in range(n):
                Dr[k, n + d] = Dr[k, 2 * n + d]
                Dr[k, 2 * n + d] = 0.0
    # the dense system in (x_0, x_N, T, p): carry rows, periodicity, phase, bordering
    K = 2 * n + 2
    F = np.zeros((K, K + 2))  # the system, its right-hand side, the bordering row's unit right-hand side
    fid = np.empty(K, dtype=np.int64)
    for c in range(n):
        for d in range(2 * n):
            F[c, d] = S[c, d]
        F[c, 2 * n] = S[c, 3 * n]
        F[c, 2 * n + 1] = S[c, 3 * n + 1]
        F[c, K] = S[c, W - 1]
        fid[c] = ids[c]
        F[n + c, c] = 1.0
        F[n + c, n + c] = -1.0
        F[n + c, K] = per_rhs[c]
        fid[n + c] = N * n + c
    for k in range(2):
        for d in range(2 * n):
            F[2 * n + k, d] = Dr[k, d]
        F[2 * n + k, 2 * n] = Dr[k, 3 * n]
        F[2 * n + k, 2 * n + 1] = Dr[k, 3 * n + 1]
        F[2 * n + k, K] = Dr[k, W - 1]
        fid[2 * n + k] = (N + 1) * n + k
    F[2 * n + 1, K + 1] = 1.0
    la, sa = _block_logdet(F, _I(0), _I(0), K)
    lb, sb = _block_logdet(F, _I(0), n, n)
    shoot[0] = la - lb
    shoot[1] = sa * sb
    for q in range(K):
        if not _pivot_tracked(F, q, q, K, q, fid, order, no, det):
            return -np.inf, 0.0
        no += 1
    _mesh_back_substitution(F, piv, N, n, K, 1.0, sol)
    _mesh_back_substitution(F, piv, N, n, K + 1, 0.0, tsol)
    # sign of the row permutation (pivot order against the natural order)
    seen = np.zeros(R, dtype=np.bool_)
    for i in range(R):
        if not seen[i]:
            k = i
            length = 0
            while not seen[k]:
                seen[k] = True
                k = order[k]
                length += 1
            if length % 2 == 0:
                det[1] = -det[1]
    return det[0], det[1]
