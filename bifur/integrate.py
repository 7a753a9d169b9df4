"""Numba integrators: Dormand-Prince 5(4) and a Rosenbrock 2(3) stiff method, with dense
output, located spike events and instantaneous resets.

Both methods produce, for each accepted step, a continuous extension written in
Hairer's form ``y(θ) = r0 + θ(r1 + (1-θ)(r2 + θ(r3 + (1-θ) r4)))``: the 4th-order
Shampine interpolant for DOPRI5 and the cubic Hermite interpolant (r4 = 0) for the
Rosenbrock method. Events are located on it by the Illinois method: the reset
function g(x, p) of a reduced model crossing zero upwards, an upward threshold crossing
of the voltage (``MODE_THRESHOLD``), or every local maximum and minimum of the voltage
(``MODE_EXTREMA``, zeros of the derivative of the interpolant), from which spikes are
recognised by their prominence without any fixed threshold (see :mod:`bifur.spikes`).

Kernels stop after ``step_budget`` accepted steps with status ``PAUSED`` and return
their state, so that Python regains control at bounded intervals (Ctrl-C works) and
calls them again to continue.

The kernels take the addresses of the model's generated functions as their first
arguments and call them through :mod:`bifur._fnptr`, so they are compiled once for every
model and cached; :meth:`bifur.codegen.CompiledModel.kernel` binds a model's addresses.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._fnptr import call, call_real
from ._jit import cached_njit, I64 as _I
from ._linalg import lu_factor as _lu_factor, lu_solve as _lu_solve

__all__ = ["solve", "events_batch", "flow_to_event", "DOPRI5", "ROSENBROCK"]

#: Kernels a compiled model binds to its functions (bifur.codegen.CompiledModel.kernel).
__kernels__ = ("solve", "events_batch", "flow_to_event")

DOPRI5 = 0
ROSENBROCK = 1

#: Status codes of the kernels (turned into Status messages by bifur.simulate).
OK, MAX_STEPS, STEP_SMALL, NONFINITE, BUFFER_FULL, PAUSED = 0, 1, 2, 3, 4, 6

#: Event modes for the voltage (models with a reset always report their resets).
MODE_NONE, MODE_THRESHOLD, MODE_EXTREMA = 0, 1, 2

# Dormand-Prince 5(4) tableau (Hairer, Norsett & Wanner, Solving ODEs I)
A21 = 0.2
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
B1, B3, B4, B5, B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
C2, C3, C4, C5 = 0.2, 0.3, 0.8, 8.0 / 9.0
E1, E3, E4, E5, E6, E7 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0
D1, D3, D4 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0, -10690763975.0 / 1880347072.0
D5, D6, D7 = 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0
# Rosenbrock 2(3) of Shampine & Reichelt (MATLAB ode23s)
RD = 1.0 / (2.0 + math.sqrt(2.0))
RE32 = 6.0 + math.sqrt(2.0)


@cached_njit(error_model="numpy")
def _dense(r, theta, out):
    th1 = 1.0 - theta
    for i in range(out.shape[0]):
        out[i] = r[0, i] + theta * (r[1, i] + th1 * (r[2, i] + theta * (r[3, i] + th1 * r[4, i])))


@cached_njit(error_model="numpy")
def _dense_slope(r, theta, i):
    """d/dθ of component i of the dense output."""
    u, v = theta, 1.0 - theta
    a = r[3, i] + v * r[4, i]
    b = r[2, i] + u * a
    c = r[1, i] + v * b
    dc = -b + v * (a - u * r[4, i])
    return c + u * dc


@cached_njit(error_model="numpy")
def _extremum(r, i, g0, g1):
    """θ in [0, 1] where the slope of component i vanishes (Illinois), given its end values g0, g1."""
    a, b, fa, fb = 0.0, 1.0, g0, g1
    side = 0
    c = 0.5
    for _ in range(100):
        c = (a * fb - b * fa) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not (a < c < b):
            c = 0.5 * (a + b)
        fc = _dense_slope(r, c, i)
        if fc == 0.0 or b - a < 1e-15:
            break
        if (fc > 0.0) == (fa > 0.0):
            a, fa = c, fc
            if side == 1:
                fb *= 0.5
            side = 1
        else:
            b, fb = c, fc
            if side == -1:
                fa *= 0.5
            side = -1
    return c


@cached_njit(error_model="numpy")
def _copy_rows(src, dst):
    """dst[:len(src)] = src for 2-D arrays, as loops: numba's slice assignment brings its whole
    broadcasting machinery (and its error messages' string code) into the kernel, seconds of
    compilation for a copy."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


@cached_njit(error_model="numpy")
def _set_row(dst, i, v):
    """dst[i] = v, as a loop (see :func:`_copy_rows`)."""
    for j in range(v.shape[0]):
        dst[i, j] = v[j]


@cached_njit(error_model="numpy")
def _grow_events(ev, need):
    if need <= ev.shape[0]:
        return ev
    out = np.empty((max(2 * ev.shape[0], need), 3))
    _copy_rows(ev, out)
    return out


@cached_njit(error_model="numpy")
def _errnorm(e, x, xn, rtol, atol, n_err):
    """RMS of the scaled local error over the first n_err components (all when n_err <= 0)."""
    m = x.shape[0] if n_err <= 0 else n_err
    s = 0.0
    for i in range(m):
        sc = atol + rtol * max(abs(x[i]), abs(xn[i]))
        s += (e[i] / sc) ** 2
    return math.sqrt(s / m)


@cached_njit(error_model="numpy")
def _hermite(x, xn, f0, f1, h, r):
    """Cubic Hermite coefficients in Hairer's form (r[4] = 0)."""
    for i in range(x.shape[0]):
        r[0, i] = x[i]
        r[1, i] = xn[i] - x[i]
        r[2, i] = h * f0[i] - r[1, i]
        r[3, i] = r[1, i] - h * f1[i] - r[2, i]
        r[4, i] = 0.0


@cached_njit(error_model="numpy")
def _dopri_step(rhs_t_into, t, x, h, p, k, xs, xn, err, r):
    """One DOPRI5 step; k[0] must hold f(t, x) and k[6] receives f(t+h, xn). Returns the error norm input."""
    n = x.shape[0]
    for i in range(n):
        xs[i] = x[i] + h * A21 * k[0, i]
    call(rhs_t_into, t + C2 * h, xs, p, k[1])
    for i in range(n):
        xs[i] = x[i] + h * (A31 * k[0, i] + A32 * k[1, i])
    call(rhs_t_into, t + C3 * h, xs, p, k[2])
    for i in range(n):
        xs[i] = x[i] + h * (A41 * k[0, i] + A42 * k[1, i] + A43 * k[2, i])
    call(rhs_t_into, t + C4 * h, xs, p, k[3])
    for i in range(n):
        xs[i] = x[i] + h * (A51 * k[0, i] + A52 * k[1, i] + A53 * k[2, i] + A54 * k[3, i])
    call(rhs_t_into, t + C5 * h, xs, p, k[4])
    for i in range(n):
        xs[i] = x[i] + h * (A61 * k[0, i] + A62 * k[1, i] + A63 * k[2, i] + A64 * k[3, i] + A65 * k[4, i])
    call(rhs_t_into, t + h, xs, p, k[5])
    for i in range(n):
        xn[i] = x[i] + h * (B1 * k[0, i] + B3 * k[2, i] + B4 * k[3, i] + B5 * k[4, i] + B6 * k[5, i])
    call(rhs_t_into, t + h, xn, p, k[6])
    for i in range(n):
        err[i] = h * (E1 * k[0, i] + E3 * k[2, i] + E4 * k[3, i] + E5 * k[4, i] + E6 * k[5, i] + E7 * k[6, i])
        dx = xn[i] - x[i]
        bspl = h * k[0, i] - dx
        r[0, i] = x[i]
        r[1, i] = dx
        r[2, i] = bspl
        r[3, i] = dx - h * k[6, i] - bspl
        r[4, i] = h * (D1 * k[0, i] + D3 * k[2, i] + D4 * k[3, i] + D5 * k[4, i] + D6 * k[5, i] + D7 * k[6, i])


@cached_njit(error_model="numpy")
def _rosenbrock_step(rhs_t_into, jac_t_into, t, x, h, p, k, xs, xn, err, r, w, piv, autonomous):
    """One step of the L-stable Rosenbrock 2(3) method; k[0] = f(t, x) on entry, k[6] = f(t+h, xn) on exit."""
    n = x.shape[0]
    call(jac_t_into, t, x, p, w)
    tdot = k[5]
    if autonomous:
        tdot[:] = 0.0
    else:
        dt = 1e-7 * max(1.0, abs(t))
        call(rhs_t_into, t + dt, x, p, tdot)
        for i in range(n):
            tdot[i] = (tdot[i] - k[0, i]) / dt
    for i in range(n):
        for j in range(n):
            w[i, j] = -h * RD * w[i, j]
        w[i, i] += 1.0
    if not _lu_factor(w, piv):
        return False
    k1, k2, k3, f1 = k[1], k[2], k[3], k[4]
    for i in range(n):
        k1[i] = k[0, i] + h * RD * tdot[i]
    _lu_solve(w, piv, k1)
    for i in range(n):
        xs[i] = x[i] + 0.5 * h * k1[i]
    call(rhs_t_into, t + 0.5 * h, xs, p, f1)
    for i in range(n):
        k2[i] = f1[i] - k1[i]
    _lu_solve(w, piv, k2)
    for i in range(n):
        k2[i] += k1[i]
        xn[i] = x[i] + h * k2[i]
    call(rhs_t_into, t + h, xn, p, k[6])
    for i in range(n):
        k3[i] = k[6, i] - RE32 * (k2[i] - f1[i]) - 2.0 * (k1[i] - k[0, i]) + h * RD * tdot[i]
    _lu_solve(w, piv, k3)
    for i in range(n):
        err[i] = h / 6.0 * (k1[i] - 2.0 * k2[i] + k3[i])
    _hermite(x, xn, k[0], k[6], h, r)
    return True


@cached_njit(error_model="numpy")
def _locate(reset_g, r, p, vidx, thr, use_g, g0, g1, xs):
    """Zero in (0, 1] of the event function along the dense output (Illinois method)."""
    a, b = 0.0, 1.0
    fa, fb = g0, g1
    side = 0
    for _ in range(200):
        c = (a * fb - b * fa) / (fb - fa)
        if not (a < c < b):
            c = 0.5 * (a + b)
        _dense(r, c, xs)
        fc = call_real(reset_g, xs, p) if use_g else xs[vidx] - thr
        if fc >= 0.0:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
        else:
            a, fa = c, fc
            if side == -1:
                fb *= 0.5
            side = -1
        if b - a < 1e-15 or fc == 0.0:
            break
    return b


@cached_njit(error_model="numpy")
def _refine_event(rhs_t_into, reset_g, t, x, h, p, k, xs, xn, err, r, theta, xe):
    """Secant iteration on g(x(t + θh)) = 0 using real DOPRI5 sub-steps; k[0] = f(t, x) on entry.
    Returns (event time, θ) and leaves the event state in xe (k, r, xn are overwritten)."""
    n = x.shape[0]
    th_a = theta
    _dopri_step(rhs_t_into, t, x, th_a * h, p, k, xs, xn, err, r)
    g_a = call_real(reset_g, xn, p)
    for i in range(n):
        xe[i] = xn[i]
    if g_a == 0.0 or not math.isfinite(g_a):
        return t + th_a * h, th_a
    best, g_best = th_a, abs(g_a)
    th_b = th_a * (1.0 - 1e-6) if g_a > 0 else min(1.0, th_a * (1.0 + 1e-6))
    for _ in range(8):
        _dopri_step(rhs_t_into, t, x, th_b * h, p, k, xs, xn, err, r)
        g_b = call_real(reset_g, xn, p)
        if not math.isfinite(g_b):
            break
        if abs(g_b) < g_best:
            best, g_best = th_b, abs(g_b)
            for i in range(n):
                xe[i] = xn[i]
        if g_b == 0.0 or g_b == g_a or abs(th_b - th_a) <= 1e-15 * th_b:
            break
        th_c = th_b - g_b * (th_b - th_a) / (g_b - g_a)
        if not (0.0 < th_c <= 1.0):
            break
        th_a, g_a, th_b = th_b, g_b, th_c
    return t + best * h, best


@cached_njit(error_model="numpy")
def _initial_step(rhs_t_into, t, x, f0, p, rtol, atol, order, xs, f1, hmax):
    n = x.shape[0]
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(x[i])
        d0 += (x[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, hmax)
    for i in range(n):
        xs[i] = x[i] + h0 * f0[i]
    call(rhs_t_into, t + h0, xs, p, f1)
    d2 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(x[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / n) / h0
    if not math.isfinite(d2):
        return 1e-3 * h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100.0 * h0, h1, hmax)


@cached_njit(error_model="numpy")
def _grow(ts, xs, need):
    if need <= ts.shape[0]:
        return ts, xs
    cap = max(2 * ts.shape[0], need)
    nt = np.empty(cap)
    nx = np.empty((cap, xs.shape[1]))
    for i in range(ts.shape[0]):
        nt[i] = ts[i]
    _copy_rows(xs, nx)
    return nt, nx


@cached_njit(error_model="numpy")
def _all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


@cached_njit(error_model="numpy")
def _record_event(ev, n_ev, grow, t, value, kind):
    """Store event number n_ev (time, value, kind) if it fits (growing the buffer if allowed)."""
    if grow:
        ev = _grow_events(ev, n_ev + 1)
    if n_ev < ev.shape[0]:
        ev[n_ev, 0] = t
        ev[n_ev, 1] = value
        ev[n_ev, 2] = kind
    return ev


@cached_njit(error_model="numpy")
def _integrate(rhs_t_into, jac_t_into, reset_g, reset_apply_into, x0, p, t0, t_end, rtol, atol,
               hmax, max_steps, method, mode, vidx, thr, has_reset, autonomous, record, dt_out, grid_t0,
               ev, n_ev, grow_ev, t_count, h_start, step_budget, stop_at_event=False, n_err=0):
    """Integrate from t0 towards t_end; record the trajectory (record=1 every step, 2 on the grid
    grid_t0 + k dt_out).

    Events at times >= t_count are written into ``ev`` rows (time, value, kind) from row n_ev on:
    resets (kind 1, value g), upward threshold crossings of x[vidx] (mode 1; kind 1) or maxima
    (kind 1) and minima (kind -1) of x[vidx] (mode 2). The count goes on past the buffer's end
    unless ``grow_ev`` lets it grow. With ``stop_at_event`` the integration ends at the first
    reset event, before the reset. Only the first ``n_err`` components enter the error control
    (all when 0). After ``step_budget`` steps it returns with status PAUSED (``max_steps`` counts
    the steps of this call). ``h_start`` > 0 is the first step to try (else it is estimated).
    Returns (ts, xs, n_rec, ev, n_ev, status, t, x, nfev, n_steps, h).

    Callers pass their fixed options as constants, which numba compiles into each caller's copy
    (no runtime tests of them in the step loop); the event count is a counter, not an option.
    """
    n_ev = _I(n_ev)
    n = x0.shape[0]
    k = np.empty((7, n))
    xs = np.empty(n)
    xn = np.empty(n)
    err = np.empty(n)
    r = np.empty((5, n))
    w = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    xe = np.empty(n)
    x = x0.copy()
    t = t0
    cap = 1024 if record > 0 else 1
    ts = np.empty(cap)
    xrec = np.empty((cap, n))
    nrec = 0
    status = OK
    nfev = 0
    nsteps = 0
    order = 5 if method == DOPRI5 else 2
    if record == 1:
        ts[0] = t
        _set_row(xrec, _I(0), x)
        nrec = 1
    n_out = int(math.floor((t0 - grid_t0) / dt_out + 1e-9)) + 1 if record == 2 else 1
    next_out = grid_t0 + n_out * dt_out
    call(rhs_t_into, t, x, p, k[0])
    nfev += 1
    if not (_all_finite(k[0]) and _all_finite(x)):
        return ts, xrec, nrec, ev, n_ev, NONFINITE, t, x, nfev, nsteps, 0.0
    if h_start > 0.0:
        h = min(h_start, hmax)
    else:
        h = _initial_step(rhs_t_into, t, x, k[0], p, rtol, atol, order, xs, xn, hmax)
        nfev += 1
    use_g = has_reset
    crossing = mode == MODE_THRESHOLD and vidx >= 0 and not use_g
    extrema = mode == MODE_EXTREMA and vidx >= 0 and not use_g
    ev_prev = 0.0
    if use_g:
        ev_prev = call_real(reset_g, x, p)
    elif crossing:
        ev_prev = x[vidx] - thr
    nan_seen = False
    while t < t_end:
        if nsteps >= max_steps:
            status = MAX_STEPS
            break
        if nsteps >= step_budget:
            status = PAUSED
            break
        last = False
        if t + h >= t_end:
            h = t_end - t
            last = True
        hmin = 1e-14 * max(1.0, abs(t))
        theta_ev = 2.0
        ev_new = 0.0
        en = 0.0
        blowup = False
        if h < hmin:
            # A reset model whose solution blows up in finite time towards the reset condition
            # (QIF, AdEx): the time left is below the smallest resolvable step. Reach the event
            # along the vector field (error ~ hmin), otherwise report the underflow.
            probe = 100.0 * hmin
            g1 = -1.0
            if use_g and ev_prev < 0.0 and _all_finite(k[0]):
                while probe <= 1e6 * hmin:
                    for i in range(n):
                        xs[i] = x[i] + probe * k[0, i]
                    g1 = call_real(reset_g, xs, p)
                    if g1 >= 0.0:
                        break
                    probe *= 4.0
            if not (g1 >= 0.0 and math.isfinite(g1)):
                status = NONFINITE if nan_seen else STEP_SMALL
                break
            h = probe
            for i in range(n):
                r[0, i] = x[i]
                r[1, i] = xs[i] - x[i]
                r[2, i] = 0.0
                r[3, i] = 0.0
                r[4, i] = 0.0
            theta_ev = -ev_prev / (g1 - ev_prev)
            nsteps += 1
            blowup = True
        else:
            if method == DOPRI5:
                _dopri_step(rhs_t_into, t, x, h, p, k, xs, xn, err, r)
                nfev += 6
                good = True
            else:
                good = _rosenbrock_step(rhs_t_into, jac_t_into, t, x, h, p, k, xs, xn, err, r, w, piv, autonomous)
                nfev += 2
            en = _errnorm(err, x, xn, rtol, atol, n_err) if good else np.inf
            if not (en <= 1.0):  # also catches NaN
                if not math.isfinite(en):
                    nan_seen = True
                    h *= 0.2
                else:
                    h *= max(0.2, 0.9 * en ** (-1.0 / order))
                continue
            nan_seen = False
            nsteps += 1
            # event detection on the accepted step
            if use_g:
                ev_new = call_real(reset_g, xn, p)
            elif crossing:
                ev_new = xn[vidx] - thr
            if (use_g or crossing) and ev_prev < 0.0 and ev_new >= 0.0:
                theta_ev = _locate(reset_g, r, p, vidx, thr, use_g, ev_prev, ev_new, xe)
        # dense recording up to the event (or step end)
        t_stop = t + min(theta_ev, 1.0) * h
        if record == 2:
            while next_out <= t_stop + 1e-12 * abs(t_stop) and next_out <= t_end * (1.0 + 1e-15):
                ts, xrec = _grow(ts, xrec, nrec + 1)
                _dense(r, min(1.0, (next_out - t) / h), xrec[nrec])
                ts[nrec] = next_out
                nrec += 1
                n_out += 1
                next_out = grid_t0 + n_out * dt_out
        if theta_ev <= 1.0:
            te = t + theta_ev * h
            _dense(r, theta_ev, xe)
            if blowup:
                # keep the last resolved state: the remaining instant of the explosion only moves the
                # exploding component (which the reset replaces), and the variational part stays exact
                for i in range(n):
                    xe[i] = x[i]
            if use_g and method == DOPRI5 and en > 0.0:
                # refine the reset event with real sub-steps from t (the dense output may be less
                # accurate than the step when the solution explodes, e.g. exponential models)
                te, theta_ev = _refine_event(rhs_t_into, reset_g, t, x, h, p, k, xs, xn, err, r, theta_ev, xe)
            if te >= t_count:
                ev = _record_event(ev, n_ev, grow_ev, te, xe[vidx] if vidx >= 0 else 0.0, 1.0)
                n_ev += 1
            if use_g and stop_at_event:
                t = te
                for i in range(n):
                    x[i] = xe[i]
                break
            if use_g:
                if record == 1:
                    ts, xrec = _grow(ts, xrec, nrec + 1)
                    ts[nrec] = te
                    _set_row(xrec, nrec, xe)
                    nrec += 1
                call(reset_apply_into, xe, p, x)
                t = te
                if record > 0:
                    ts, xrec = _grow(ts, xrec, nrec + 1)
                    ts[nrec] = t
                    _set_row(xrec, nrec, x)
                    nrec += 1
                call(rhs_t_into, t, x, p, k[0])
                nfev += 1
                if not _all_finite(x):
                    status = NONFINITE
                    break
                ev_prev = call_real(reset_g, x, p)
                h = min(h, hmax)
                continue
        if extrema:
            d0, d1 = k[0, vidx], k[6, vidx]
            if (d0 > 0.0 and d1 <= 0.0) or (d0 < 0.0 and d1 >= 0.0):
                th = _extremum(r, vidx, h * d0, h * d1)
                te = t + th * h
                if te >= t_count:
                    _dense(r, th, xe)
                    ev = _record_event(ev, n_ev, grow_ev, te, xe[vidx], 1.0 if d0 > 0.0 else -1.0)
                    n_ev += 1
        # accept the full step
        t = t + h if not last else t_end
        for i in range(n):
            x[i] = xn[i]
            k[0, i] = k[6, i]
        ev_prev = ev_new
        if record == 1:
            ts, xrec = _grow(ts, xrec, nrec + 1)
            ts[nrec] = t
            _set_row(xrec, nrec, x)
            nrec += 1
        if not _all_finite(k[0]):
            status = NONFINITE
            break
        if not last:
            fac = 0.9 * en ** (-1.0 / order) if en > 0 else 10.0
            h = min(hmax, h * min(10.0, max(0.2, fac)))
    return ts, xrec, nrec, ev, n_ev, status, t, x, nfev, nsteps, h


@cached_njit(error_model="numpy")
def solve(rhs_t_into, jac_t_into, reset_g, reset_apply_into, x0, p, t0, t_end, rtol, atol, hmax,
          max_steps, method, mode, vidx, thr, has_reset, autonomous, record, dt_out, grid_t0, t_count,
          h_start, step_budget):
    """Integrate one trajectory for at most ``step_budget`` steps.

    Returns (t, x, events (n, 3), n_events, status, nfev, n_steps, last t, last x, next h)."""
    ev = np.empty((16, 3))
    ts, xs, nrec, ev, n_ev, status, t, x, nfev, nsteps, h = _integrate(
        rhs_t_into, jac_t_into, reset_g, reset_apply_into, x0, p, t0, t_end, rtol, atol, hmax,
        max_steps, method, mode, vidx, thr, has_reset, autonomous, record, dt_out, grid_t0, ev, 0, True,
        t_count, h_start, step_budget)
    return ts[:nrec].copy(), xs[:nrec].copy(), ev[:n_ev].copy(), n_ev, status, nfev, nsteps, t, x, h


@cached_njit(error_model="numpy")
def _events_one(rhs_t_into, jac_t_into, reset_g, reset_apply_into, x, p, t_end, t_count, rtol, atol,
                hmax, max_steps, method, mode, vidx, thr, has_reset, autonomous, step_budget, ev, state):
    """Advance one run of a batch by at most ``step_budget`` steps.

    ``x`` (n,) is the current state (updated in place); ``ev`` (cap, 3) the run's event buffer;
    ``state`` = [t, h, n_events, status, nfev, n_steps] (read and updated)."""
    if state[3] != PAUSED:
        return
    budget_left = max_steps - int(state[5])
    ts, xs, nrec, ev_out, n_ev, status, t, xn, nfev, nsteps, h = _integrate(
        rhs_t_into, jac_t_into, reset_g, reset_apply_into, x, p, state[0], t_end, rtol, atol, hmax,
        budget_left, method, mode, vidx, thr, has_reset, autonomous, 0, 1.0, 0.0, ev, int(state[2]), False,
        t_count, state[1], step_budget)
    for i in range(x.shape[0]):
        x[i] = xn[i]
    state[0] = t
    state[1] = h
    state[2] = n_ev
    state[3] = status
    state[4] += nfev
    state[5] += nsteps


@cached_njit(error_model="numpy", parallel=True)
def events_batch(rhs_t_into, jac_t_into, reset_g, reset_apply_into, x, p, t_end, t_count, rtol, atol,
                 hmax, max_steps, method, mode, vidx, thr, has_reset, autonomous, step_budget, ev, state):
    """Advance every run of a batch by at most ``step_budget`` steps, runs in parallel.

    Row k of ``x`` (m, n), ``p`` (m, n_params), ``ev`` (m, cap, 3) and ``state`` (m, 6) belong to
    run k (see :func:`_events_one`)."""
    for k in prange(x.shape[0]):
        _events_one(rhs_t_into, jac_t_into, reset_g, reset_apply_into, x[k], p[k], t_end, t_count, rtol, atol,
                    hmax, max_steps, method, mode, vidx, thr, has_reset, autonomous, step_budget, ev[k], state[k])


@cached_njit(error_model="numpy")
def flow_to_event(var_rhs_t_into, jac_t_into, reset_g, reset_apply_into, y0, p, t_max, rtol, atol, max_steps,
                  n_err):
    """Integrate the variational system y = (x, dx/dx0, dx/dp) from y0 until the reset condition
    g(x) crosses zero upwards (located on the dense output); returns (y at the event, time, status).
    status 0: event reached; 1: max_steps; 2: step underflow; 3: non-finite; 5: no event before t_max."""
    ev = np.empty((1, 3))
    ts, xs, nrec, ev, n_ev, status, t, y, nfev, nsteps, h = _integrate(
        var_rhs_t_into, jac_t_into, reset_g, reset_apply_into, y0, p, 0.0, t_max, rtol, atol, np.inf,
        max_steps, DOPRI5, MODE_NONE, -1, 0.0, True, True, 0, 1.0, 0.0, ev, 0, False, 0.0, 0.0, max_steps + 1,
        True, n_err)
    if status == OK and n_ev == 0:
        status = 5
    return y, t, status
