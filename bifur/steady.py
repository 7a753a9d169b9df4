"""Numba kernels for steady states: damped Newton on f(x, p) = 0 (optionally with one state
clamped and its equation dropped), the steady-state current-voltage relation along a grid of
clamped voltages, and deflated Newton from many starting points.

Used by :func:`bifur.equilibria.newton` and :func:`bifur.equilibria.voltage_scan`, whose zeros of
the voltage residual seed :func:`bifur.find_equilibria`, and by its global search
(:func:`deflated_search`).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._fnptr import call
from ._jit import cached_njit, I64 as _I
from ._linalg import lu_factor, lu_solve

__all__ = ["damped_newton", "clamp_scan", "deflated_search", "DEFLATION_POWER", "DEFLATION_SHIFT",
           "DEFLATION_SCALE", "DEFLATION_LOCALITY", "SEARCH_REACH"]

#: Kernels a compiled model binds to the addresses of its functions (bifur.codegen.CompiledModel.kernel).
__kernels__ = ("damped_newton", "clamp_scan", "deflated_search")

#: Deflation operator M(x) = prod_i (1/||(x - r_i)/s||^p + sigma) of Farrell, Birkisson & Funke
#: (SIAM J. Sci. Comput. 37:A2026, 2015) with their default power p and shift sigma.
DEFLATION_POWER = 2.0
DEFLATION_SHIFT = 1.0
#: The distance unit s of the deflation operator, per state, as a fraction of the search box width.
DEFLATION_SCALE = 0.1
#: Each root's distance unit is shrunk to at most this fraction of its distance to the nearest other
#: known root (in units of s): where roots are dense (a periodic state, a wide box) the poles of M
#: would otherwise add up and push iterates away from every root, found or not.
DEFLATION_LOCALITY = 0.25
#: A deflated iterate farther than this many box widths from the box centre is abandoned.
SEARCH_REACH = 10.0


@njit(error_model="numpy")
def _residual_norm(rhs_t_into, x, p, iv, f, out):
    """f = rhs without the clamped equation iv (none if iv < 0); returns |f|."""
    call(rhs_t_into, 0.0, x, p, out)
    s = 0.0
    k = 0
    for i in range(x.size):
        if i != iv:
            f[k] = out[i]
            s += out[i] * out[i]
            k += 1
    return math.sqrt(s)


@cached_njit(error_model="numpy")
def damped_newton(rhs_t_into, jac_t_into, x, p, iv, tol, max_iter):
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
    norm = _residual_norm(rhs_t_into, x, p, iv, f, out)
    for _ in range(max_iter):
        if not math.isfinite(norm):
            return False
        call(jac_t_into, 0.0, x, p, Jf)
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
            nt = _residual_norm(rhs_t_into, xt, p, iv, ft, out)
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


@cached_njit(error_model="numpy")
def clamp_scan(rhs_t_into, jac_t_into, grid, iv, init, p, tol, max_iter, states, resid):
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
            ok = True if n == 1 else damped_newton(rhs_t_into, jac_t_into, x, p, iv, tol, max_iter)
            if ok:
                break
        if ok:
            call(rhs_t_into, 0.0, x, p, out)
            for i in range(n):
                states[k, i] = x[i]
                guess[i] = x[i]
            resid[k] = out[iv]
        else:
            for i in range(n):
                states[k, i] = np.nan
            resid[k] = np.nan


@njit(error_model="numpy")
def _log_deflation(x, roots, radius, nroots, s, grad):
    """log M(x) for the deflation operator of the first ``nroots`` rows of ``roots`` (distance unit
    ``s`` per state times ``radius`` per root); writes grad log M = (grad M)/M into ``grad``.
    Returns inf at a root."""
    n = x.size
    for j in range(n):
        grad[j] = 0.0
    logm = 0.0
    for k in range(nroots):
        d2 = 0.0
        for j in range(n):
            y = (x[j] - roots[k, j]) / (s[j] * radius[k])
            d2 += y * y
        if d2 == 0.0:
            return math.inf
        # m = |y|^-p + sigma with y = (x - r)/u, u = s radius; d m/d x_j = -p |y|^(-p-2) (x_j - r_j)/u_j^2
        dp = d2 ** (-0.5 * DEFLATION_POWER)
        m = dp + DEFLATION_SHIFT
        logm += math.log(m)
        c = -DEFLATION_POWER * dp / (d2 * m)
        for j in range(n):
            grad[j] += c * (x[j] - roots[k, j]) / (s[j] * s[j] * radius[k] * radius[k])
    return logm


@njit(error_model="numpy")
def _outside(x, lo, hi, reach):
    """x is farther than ``reach`` box widths from the centre of [lo, hi] in some state."""
    for j in range(x.size):
        if abs(x[j] - 0.5 * (lo[j] + hi[j])) > reach * (hi[j] - lo[j]):
            return True
    return False


@njit(error_model="numpy")
def _deflated_newton(rhs_t_into, jac_t_into, x, p, roots, radius, nroots, lo, hi, max_iter):
    """Newton's method on G(x) = M(x) f(x), M deflating the known roots, updating x in place.
    Returns True once the undeflated Newton step is below 1e-6 of the deflation unit in every
    state (x is then next to a root of f, to be polished); False on a singular Jacobian, a
    non-finite step, ``max_iter`` iterations, or an iterate that cannot be kept within
    :data:`SEARCH_REACH` box widths of the box centre.

    The step needs only the undeflated Newton step d = -J^-1 f (derivation, ours): the Jacobian of
    G is M J + f (grad M)^T, so dividing the Newton equation by M gives
    (J + f g^T) d_G = -f with g = grad log M. By the Sherman-Morrison formula,
    (J + f g^T)^-1 = J^-1 - J^-1 f g^T J^-1 / (1 + g^T J^-1 f), and with J^-1 f = -d this is
    d_G = d + d (g.d) / (1 - g.d) = d / (1 - g.d).
    Steps are not damped on |G| (a line search on the deflated residual stalls in the shallow
    minima M creates between roots and missed roots in our trials); a step is only halved while
    it lands at a non-finite f or beyond the reach."""
    n = x.size
    s = np.empty(n)
    for j in range(n):
        s[j] = DEFLATION_SCALE * (hi[j] - lo[j])
    f = np.empty(n)
    J = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    d = np.empty(n)
    g = np.empty(n)
    xt = np.empty(n)
    call(rhs_t_into, 0.0, x, p, f)
    for _ in range(max_iter):
        call(jac_t_into, 0.0, x, p, J)
        for j in range(n):
            if not math.isfinite(f[j]):
                return False
            d[j] = -f[j]
        if not lu_factor(J, piv):
            return False
        lu_solve(J, piv, d)
        if not math.isfinite(_log_deflation(x, roots, radius, nroots, s, g)):
            return False
        small = True
        gd = 0.0
        for j in range(n):
            if not math.isfinite(d[j]):
                return False
            if abs(d[j]) > 1e-6 * s[j]:
                small = False
            gd += g[j] * d[j]
        if small:
            return True
        tau = 1.0 / (1.0 - gd)
        if not math.isfinite(tau):
            return False
        lam = tau
        moved = False
        for _ in range(30):
            for j in range(n):
                xt[j] = x[j] + lam * d[j]
            if not _outside(xt, lo, hi, SEARCH_REACH):
                call(rhs_t_into, 0.0, xt, p, f)
                finite = True
                for j in range(n):
                    finite = finite and math.isfinite(f[j])
                if finite:
                    moved = True
                    break
            lam *= 0.5
        if not moved:
            return False
        for j in range(n):
            x[j] = xt[j]
    return False


@njit(error_model="numpy")
def _known(x, roots, nroots, lo, hi):
    """x equals one of the first ``nroots`` roots: |x - r| <= 1e-7 (|x| + |r|) + 1e-9 width in
    every state."""
    for k in range(nroots):
        same = True
        for j in range(x.size):
            if abs(x[j] - roots[k, j]) > 1e-7 * (abs(x[j]) + abs(roots[k, j])) + 1e-9 * (hi[j] - lo[j]):
                same = False
                break
        if same:
            return True
    return False


@njit(error_model="numpy")
def _in_box(x, lo, hi):
    for j in range(x.size):
        tol = 1e-9 * (hi[j] - lo[j])
        if x[j] < lo[j] - tol or x[j] > hi[j] + tol:
            return False
    return True


@njit(error_model="numpy")
def _add_root(roots, radius, k, lo, hi):
    """Row k of ``roots`` joins the known roots: set its deflation radius and shrink its neighbours'
    (:data:`DEFLATION_LOCALITY` times the distance in deflation units, at most 1)."""
    radius[k] = 1.0
    for i in range(k):
        d2 = 0.0
        for j in range(roots.shape[1]):
            y = (roots[k, j] - roots[i, j]) / (DEFLATION_SCALE * (hi[j] - lo[j]))
            d2 += y * y
        r = DEFLATION_LOCALITY * math.sqrt(d2)
        radius[k] = min(radius[k], r)
        radius[i] = min(radius[i], r)


@cached_njit(error_model="numpy")
def deflated_search(rhs_t_into, jac_t_into, seeds, p, lo, hi, roots, nroots, max_iter):
    """Deflated Newton from every row of ``seeds`` (m x n), in order. The first ``nroots`` rows
    of ``roots`` (capacity x n) are known roots; every new root is polished by damped Newton on f
    (tolerance 1e-11) and, if it is new and inside the box [lo, hi], appended, and the search
    restarts from the same seed with it deflated too. A seed is left at the first failure, at a
    known root or at a root outside the box (not stored: the search is for the box). Stops when
    ``roots`` is full. Returns the number of rows of ``roots`` filled."""
    n = seeds.shape[1]
    x = np.empty(n)
    radius = np.ones(roots.shape[0])
    for k in range(nroots):
        _add_root(roots, radius, k, lo, hi)
    for k in range(seeds.shape[0]):
        while nroots < roots.shape[0]:
            for j in range(n):
                x[j] = seeds[k, j]
            if not _deflated_newton(rhs_t_into, jac_t_into, x, p, roots, radius, nroots, lo, hi, max_iter):
                break
            if not damped_newton(rhs_t_into, jac_t_into, x, p, _I(-1), 1e-11, _I(50)):
                break
            if _known(x, roots, nroots, lo, hi) or not _in_box(x, lo, hi):
                break
            for j in range(n):
                roots[nroots, j] = x[j]
            _add_root(roots, radius, nroots, lo, hi)
            nroots += 1
    return nroots
