"""Numba kernels for steady states: damped Newton on f(x, p) = 0 (optionally with one state
clamped and its equation dropped), and the steady-state current-voltage relation along a grid of
clamped voltages.

Used by :func:`bifur.equilibria.newton` and :func:`bifur.equilibria.voltage_scan`, whose zeros of
the voltage residual seed :func:`bifur.find_equilibria`.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._linalg import lu_factor, lu_solve

__all__ = ["damped_newton", "clamp_scan"]

#: Kernels wrapped per model by bifur.codegen.
__kernels__ = {"damped_newton": None, "clamp_scan": None}


@njit(error_model="numpy")
def _residual_norm(rhs_into, x, p, iv, f, out):
    """f = rhs without the clamped equation iv (none if iv < 0); returns |f|."""
    rhs_into(x, p, out)
    s = 0.0
    k = 0
    for i in range(x.size):
        if i != iv:
            f[k] = out[i]
            s += out[i] * out[i]
            k += 1
    return math.sqrt(s)


@njit(error_model="numpy")  # not cached itself: compiled into each model's cached wrapper
def damped_newton(rhs_into, jac_into, x, p, iv, tol, max_iter):
    """Damped Newton (backtracking line search on |f|) with the compiled Jacobian, updating x in
    place. With iv >= 0, state iv is held and its equation dropped. Returns True on convergence;
    a non-finite or non-decreasing iterate is a failure."""
    n = x.size
    nr = n - 1 if iv >= 0 else n
    f = np.empty(nr)
    out = np.empty(n)
    Jf = np.empty((n, n))
    J = np.empty((nr, nr))
    piv = np.empty(nr, dtype=np.int64)
    dx = np.empty(nr)
    xt = np.empty(n)
    ft = np.empty(nr)
    norm = _residual_norm(rhs_into, x, p, iv, f, out)
    for _ in range(max_iter):
        if not math.isfinite(norm):
            return False
        jac_into(x, p, Jf)
        a = 0
        for i in range(n):
            if i == iv:
                continue
            b = 0
            for j in range(n):
                if j != iv:
                    J[a, b] = Jf[i, j]
                    b += 1
            dx[a] = -f[a]
            a += 1
        if not lu_factor(J, piv):
            return False
        lu_solve(J, piv, dx)
        for a in range(nr):
            if not math.isfinite(dx[a]):
                return False
        lam = 1.0
        accepted = False
        nt = 0.0
        for _ in range(30):
            a = 0
            for i in range(n):
                xt[i] = x[i]
                if i != iv:
                    xt[i] += lam * dx[a]
                    a += 1
            nt = _residual_norm(rhs_into, xt, p, iv, ft, out)
            if math.isfinite(nt) and (nt <= (1 - 1e-4 * lam) * norm or lam < 1e-3):
                accepted = True
                break
            lam *= 0.5
        if not accepted:
            return False
        step = 0.0
        xnorm = 0.0
        a = 0
        for i in range(n):
            x[i] = xt[i]
            if i != iv:
                step += (lam * dx[a]) ** 2
                xnorm += x[i] * x[i]
                f[a] = ft[a]
                a += 1
        norm = nt
        scale = 1.0 + math.sqrt(xnorm)
        if math.sqrt(step) <= tol * scale and norm <= 1e3 * tol * scale:
            return True
        if norm == 0.0:
            return True
    xnorm = 0.0
    for i in range(n):
        xnorm += x[i] * x[i]
    return norm <= 1e3 * tol * (1.0 + math.sqrt(xnorm))


@njit(error_model="numpy")  # not cached itself: compiled into each model's cached wrapper
def clamp_scan(rhs_into, jac_into, grid, iv, init, p, tol, max_iter, states, resid):
    """For every voltage in ``grid``: clamp state iv there and solve the other equations, starting
    from the previous solution (or from ``init`` if that fails). Fills ``states`` (len(grid), n) and
    ``resid`` (the voltage equation's right-hand side); NaN where Newton fails."""
    n = init.size
    guess = init.copy()
    x = np.empty(n)
    out = np.empty(n)
    for k in range(grid.size):
        ok = False
        for attempt in range(2):
            for i in range(n):
                x[i] = guess[i] if attempt == 0 else init[i]
            x[iv] = grid[k]
            ok = True if n == 1 else damped_newton(rhs_into, jac_into, x, p, iv, tol, max_iter)
            if ok:
                break
        if ok:
            rhs_into(x, p, out)
            for i in range(n):
                states[k, i] = x[i]
                guess[i] = x[i]
            resid[k] = out[iv]
        else:
            for i in range(n):
                states[k, i] = np.nan
            resid[k] = np.nan
