"""Piecewise polynomials on a mesh of [0, 1]: the representation of periodic orbits.

A periodic orbit in collocation form is the piecewise polynomial of degree m (NCOL) through
its values at the N m + 1 nodes of a mesh 0 = τ_0 < ... < τ_N = 1 (m + 1 equally spaced
nodes per interval, the last node being τ = 1). This module evaluates, integrates and
re-meshes such profiles. It is plain numpy and imports nothing else from bifur, so the
:class:`~bifur.Cycle` record and the collocation algorithms can both use it.

Examples
--------
>>> import numpy as np
>>> mesh = np.linspace(0.0, 1.0, 5)
>>> tau = node_times(mesh, 3)
>>> X = np.column_stack([np.cos(2 * np.pi * tau), np.sin(2 * np.pi * tau)])
>>> float(np.round(evaluate(X, mesh, Basis(3), [0.25])[0, 1], 4))
1.0
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["Basis", "node_times", "node_weights", "evaluate", "adapt_mesh"]


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
