"""Refinement of branch points of cycles: Moore's extended system on the collocation discretisation.

Next to a branch point of cycles the pseudo-arclength system is singular and the secant
location along the branch stops short of the requested precision; with a symmetry that the
adapted mesh respects only approximately (Z2 symmetry with a half-period shift), the discrete
pitchfork is also slightly imperfect and the branch itself never passes through the singular
point. Moore's extended system (Moore 1980)

    F(z) + β ψ = 0,   F_z(z)ᵀ ψ = 0,   ψ·ψ = 1        (unknowns z, β, ψ)

is regular at a simple branch point and at a slightly imperfect one (where β is then of the
size of the imperfection). It is solved by Newton's method with a sparse LU of its 2 N x 2 N
matrix (N collocation unknowns; up to :data:`MOORE_LIMIT`). The derivative of F_zᵀ ψ, the
Hessian of ψ·F, is taken by central differences of F_zᵀ ψ along *groups* of unknowns: the
collocation equations of an interval involve only that interval's nodes, T and p, so nodes in
intervals three apart never meet in the Hessian and one difference serves them all
(3 m n + n + 2 differences instead of N).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from .cycle_linear import column_index, left_null_vector, sparse_jacobian

if TYPE_CHECKING:
    from .cycles import CycleProblem

__all__ = ["MOORE_LIMIT", "transpose_matvec", "psi_hessian", "refine_branch_point"]

#: Largest collocation system (unknowns) refined with the extended system.
MOORE_LIMIT = 20000


def transpose_matvec(pb: "CycleProblem", vals: np.ndarray, psi: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """F_zᵀ ψ for the Jacobian ``vals`` (kernel order) with periodicity and phase rows."""
    r, width = cols.shape
    rows = vals.reshape(r, width) * psi[:r, None]
    out = np.bincount(cols.ravel(), weights=rows.ravel(), minlength=pb.size)
    n, nx = pb.n, pb.nx
    per = psi[r:r + n]
    out[:n] += per
    out[nx - n:nx] -= per
    out[:nx] += psi[-1] * pb.phase
    return out


def _groups(pb: "CycleProblem") -> list[tuple[np.ndarray, np.ndarray]]:
    """Groups of unknowns perturbed together, each with the interval range (first and last node
    index) whose columns belong to each member."""
    N, m, n = pb.N, pb.m, pb.n
    out = []
    for r in range(3):
        js = np.arange(r, N, 3)
        for i in range(m):
            nodes = js * m + i
            lo = np.where(i == 0, np.maximum(js - 1, 0), js) * m
            hi = (js + 1) * m
            for d in range(n):
                out.append((nodes * n + d, np.stack([lo, hi], axis=1)))
    last = np.array([N * m])
    for d in range(n):
        out.append((last * n + d, np.array([[(N - 1) * m, N * m]])))
    return out


def psi_hessian(pb: "CycleProblem", z: np.ndarray, psi: np.ndarray) -> scipy.sparse.csc_matrix:
    """The Hessian of ψ·F at z (sparse, size x size), by grouped central differences of F_zᵀ ψ."""
    cols = column_index(pb)
    n, nx, size = pb.n, pb.nx, pb.size
    h = 1e-5 * (1.0 + float(np.max(np.abs(z))))

    def diff(direction: np.ndarray) -> np.ndarray:
        plus = transpose_matvec(pb, pb.jacobian(z + h * direction), psi, cols)
        minus = transpose_matvec(pb, pb.jacobian(z - h * direction), psi, cols)
        return (plus - minus) / (2 * h)

    rows, cidx, vals = [], [], []
    for members, ranges in _groups(pb):
        e = np.zeros(size)
        e[members] = 1.0
        d = diff(e)
        for k, (lo, hi) in zip(members, ranges):
            r = np.arange(lo * n, (hi + 1) * n)
            rows.append(r)
            cidx.append(np.full(r.size, k))
            vals.append(d[r])
    for k in (nx, nx + 1):  # T and p couple to every node: their columns, and their rows by symmetry
        e = np.zeros(size)
        e[k] = 1.0
        d = diff(e)
        rows += [np.arange(size), np.full(nx, k)]
        cidx += [np.full(size, k), np.arange(nx)]
        vals += [d, d[:nx]]
    return scipy.sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))),
                                   shape=(size, size))


def refine_branch_point(pb: "CycleProblem", z0: np.ndarray, tangent: np.ndarray, tol: float = 1e-11,
                        max_iter: int = 12) -> tuple[np.ndarray, float] | None:
    """Newton on Moore's extended system from z0; (z, |last parameter step|) or None when the
    system is too large or Newton does not converge."""
    N = z0.size
    if N > MOORE_LIMIT:
        return None
    J = sparse_jacobian(pb, z0)
    psi = left_null_vector(scipy.sparse.vstack([J, tangent * pb.weights(z0)]))[:-1]
    y = np.concatenate([z0, [0.0], psi / np.linalg.norm(psi)])
    for _ in range(max_iter):
        z, beta, psi = y[:N], y[N], y[N + 1:]
        J = sparse_jacobian(pb, z)
        G = np.concatenate([pb.residual(z) + beta * psi, J.T @ psi, [psi @ psi - 1.0]])
        if not np.all(np.isfinite(G)):
            return None
        A = scipy.sparse.bmat([[J, psi[:, None], beta * scipy.sparse.identity(N - 1)],
                               [psi_hessian(pb, z, psi), None, J.T],
                               [None, None, 2 * psi[None, :]]], format="csc")
        try:  # sparse LU: J, its transpose and the Hessian are block banded apart from a few rows
            d = scipy.sparse.linalg.splu(A).solve(-G)
        except (RuntimeError, ValueError):
            return None
        if not np.all(np.isfinite(d)):
            return None
        y = y + d
        if np.linalg.norm(d[:N]) <= tol * (1.0 + np.linalg.norm(y[:N])):
            return y[:N].copy(), max(abs(float(d[N - 1])), tol * (1.0 + abs(float(y[N - 1]))))
    return None
