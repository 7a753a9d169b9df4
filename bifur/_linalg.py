"""Small dense linear algebra in numba (LU with partial pivoting) shared by the kernels."""
from __future__ import annotations

import math

import numpy as np

from ._jit import cached_njit

__all__ = ["lu_factor", "lu_solve", "lu_solve_matrix", "bordered_solve", "BORDERED_LIMIT"]

#: Largest dense bordered system solved by :func:`bordered_solve` (beyond, LAPACK's blocked LU is faster).
BORDERED_LIMIT = 48


@cached_njit(error_model="numpy")
def lu_factor(a, piv):
    """In-place LU with partial pivoting of a square matrix; returns False if singular."""
    n = a.shape[0]
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                m = i
        piv[k] = m
        if big == 0.0 or not math.isfinite(big):
            return False
        if m != k:
            for j in range(n):
                a[k, j], a[m, j] = a[m, j], a[k, j]
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            a[i, k] *= inv
            f = a[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return True


@cached_njit(error_model="numpy")
def lu_solve(lu, piv, b):
    """Solve in place with the factors of :func:`lu_factor` (b is a vector)."""
    n = lu.shape[0]
    for k in range(n):
        m = piv[k]
        if m != k:
            b[k], b[m] = b[m], b[k]
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= lu[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= lu[i, j] * b[j]
        b[i] = s / lu[i, i]


@cached_njit(error_model="numpy")
def lu_solve_matrix(lu, piv, B):
    """Solve in place for every column of B."""
    n = lu.shape[0]
    ncols = B.shape[1]
    for k in range(n):
        m = piv[k]
        if m != k:
            for c in range(ncols):
                B[k, c], B[m, c] = B[m, c], B[k, c]
    for c in range(ncols):
        for i in range(n):
            s = B[i, c]
            for j in range(i):
                s -= lu[i, j] * B[j, c]
            B[i, c] = s
        for i in range(n - 1, -1, -1):
            s = B[i, c]
            for j in range(i + 1, n):
                s -= lu[i, j] * B[j, c]
            B[i, c] = s / lu[i, i]


@cached_njit(error_model="numpy")
def bordered_solve(J, row, rhs, rhs_last, x):
    """Solve [J; row] x = [rhs; rhs_last] for J of shape (k - 1, k) by LU with partial pivoting (the
    algorithm of LAPACK's dgetrf, unblocked: small systems without the cost of calling LAPACK).

    Returns (log|det|, sign) of the bordered matrix, sign 0.0 when it is singular (x then holds no solution)."""
    k = row.shape[0]
    a = np.empty((k, k))
    for i in range(k - 1):
        for j in range(k):
            a[i, j] = J[i, j]
        x[i] = rhs[i]
    for j in range(k):
        a[k - 1, j] = row[j]
    x[k - 1] = rhs_last
    piv = np.empty(k, dtype=np.int64)
    if not lu_factor(a, piv):
        return -np.inf, 0.0
    logdet = 0.0
    sign = 1.0
    for i in range(k):
        if piv[i] != i:
            sign = -sign
        d = a[i, i]
        if d < 0.0:
            sign = -sign
        logdet += math.log(abs(d))
    lu_solve(a, piv, x)
    return logdet, sign
