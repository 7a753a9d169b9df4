"""Branch points of a curve F(z) = 0, F: R^N -> R^(N-1): refinement and the direction of the other branch.

At a simple branch point z* the Jacobian F_z has a two-dimensional kernel span{φ1, φ2} (φ1
the tangent of the known branch) and a left null vector ψ. The tangents of the two branches
through z* are the directions α φ1 + β φ2 solving the *algebraic bifurcation equation*
(Keller 1977; Kuznetsov, *Elements of Applied Bifurcation Theory*, §10.2)

    c11 α² + 2 c12 α β + c22 β² = 0,   c_ij = ψ·F_zz[φi, φj].

The point itself is refined with Moore's extended system (Moore 1980), which is regular at a
simple branch point although the pseudo-arclength system is not:

    F(z) + β ψ = 0,   F_z(z)ᵀ ψ = 0,   ψ·ψ = 1     (unknowns z, β, ψ; β = 0 at the solution).

Its residual is exact (the compiled Jacobian); derivatives of F_z needed by Newton and by the
quadratic form F_zz are taken by central differences of F_z (the documented fallback: these
derivatives enter only Newton's matrix and the predictor, not the solution).

Examples
--------
The pitchfork of x' = μx - x³ at the origin: the other branch leaves along x.

>>> import numpy as np
>>> F = lambda z: np.array([z[1] * z[0] - z[0] ** 3])
>>> Fz = lambda z: np.array([[z[1] - 3 * z[0] ** 2, z[0]]])
>>> info = analyse(F, Fz, np.array([1e-9, 2e-9]), np.array([0.0, 1.0]))
>>> np.round(np.abs(info.other), 6), info.method
(array([1., 0.]), 'algebraic')
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["BranchPointInfo", "analyse", "refine_moore", "second_derivative"]

Vec = np.ndarray
Fun = Callable[[Vec], Vec]


@dataclass(frozen=True)
class BranchPointInfo:
    """Kernel vectors, left null vector, the quadratic form and the direction of the other branch."""

    phi1: Vec
    phi2: Vec
    psi: Vec
    coefficients: tuple[float, float, float]
    other: Vec
    method: str  # "algebraic" (from the bifurcation equation) or "perpendicular" (fallback)


def _fd_step(z: Vec) -> float:
    return 1e-5 * (1.0 + float(np.max(np.abs(z))))


def second_derivative(jac: Fun, z: Vec, u: Vec, v: Vec) -> Vec:
    """F_zz[u, v] by a central difference of the Jacobian along v, applied to u."""
    h = _fd_step(z)
    return (jac(z + h * v) @ u - jac(z - h * v) @ u) / (2 * h)


def analyse(residual: Fun, jac: Fun, z: Vec, tangent: Vec) -> BranchPointInfo:
    """Kernel, left null vector and the other branch's tangent at a branch point z (approximate)."""
    J = jac(z)
    U, _, Vt = np.linalg.svd(J)
    psi = U[:, -1]
    phi1 = tangent / np.linalg.norm(tangent)
    # the (near-)kernel of J is spanned by the last two right singular vectors; φ2 is its
    # direction orthogonal to the known tangent
    comps = [v - phi1 * (phi1 @ v) for v in Vt[-2:]]
    phi2 = max(comps, key=np.linalg.norm)
    phi2 = phi2 / np.linalg.norm(phi2)
    c11 = float(psi @ second_derivative(jac, z, phi1, phi1))
    c12 = float(psi @ second_derivative(jac, z, phi1, phi2))
    c22 = float(psi @ second_derivative(jac, z, phi2, phi2))
    theta = _other_root(c11, c12, c22)
    if theta is None:
        return BranchPointInfo(phi1, phi2, psi, (c11, c12, c22), phi2.copy(), "perpendicular")
    other = math.cos(theta) * phi1 + math.sin(theta) * phi2
    return BranchPointInfo(phi1, phi2, psi, (c11, c12, c22), other / np.linalg.norm(other), "algebraic")


def _other_root(c11: float, c12: float, c22: float) -> float | None:
    """The angle θ of the root of c11 cos² + 2 c12 cos sin + c22 sin² = 0 farther from θ = 0
    (the known branch), or None when the form has no two distinct real roots."""
    a, b, r = 0.5 * (c11 + c22), 0.5 * (c11 - c22), math.hypot(0.5 * (c11 - c22), c12)
    scale = abs(c11) + abs(c12) + abs(c22)
    if scale == 0.0 or r <= 1e-9 * scale or abs(a) >= r:
        return None
    phase = math.atan2(c12, b)
    roots = [(phase + sgn * math.acos(-a / r)) / 2 for sgn in (1.0, -1.0)]
    roots = [t % math.pi for t in roots]
    return max(roots, key=lambda t: min(t, math.pi - t))


def refine_moore(residual: Fun, jac: Fun, z0: Vec, psi0: Vec, tol: float = 1e-12,
                 max_iter: int = 30) -> tuple[Vec, float] | None:
    """Newton on Moore's extended system from (z0, β = 0, ψ0). Returns (z, |last parameter step|)
    or None if it does not converge."""
    n = z0.size
    y = np.concatenate([z0, [0.0], psi0 / np.linalg.norm(psi0)])
    last = math.inf
    for _ in range(max_iter):
        z, beta, psi = y[:n], y[n], y[n + 1:]
        J = jac(z)
        G = np.concatenate([residual(z) + beta * psi, J.T @ psi, [psi @ psi - 1.0]])
        if not np.all(np.isfinite(G)):
            return None
        A = np.zeros((2 * n, 2 * n))
        A[:n - 1, :n] = J
        A[:n - 1, n] = psi
        A[:n - 1, n + 1:] = beta * np.eye(n - 1)
        h = _fd_step(z)
        for j in range(n):
            e = np.zeros(n)
            e[j] = h
            A[n - 1:2 * n - 1, j] = (jac(z + e).T @ psi - jac(z - e).T @ psi) / (2 * h)
        A[n - 1:2 * n - 1, n + 1:] = J.T
        A[-1, n + 1:] = 2 * psi
        try:
            d = np.linalg.solve(A, -G)
        except np.linalg.LinAlgError:
            return None
        y = y + d
        last = abs(float(d[n - 1]))
        if np.linalg.norm(d[:n]) <= tol * (1.0 + np.linalg.norm(z)):
            z = y[:n]
            if np.linalg.norm(residual(z)) <= 1e3 * tol * (1.0 + np.linalg.norm(z)):
                return z.copy(), max(last, tol * (1.0 + abs(float(z[-1]))))
    return None
