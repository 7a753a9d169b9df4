"""Exact parameter derivatives of the answers: firing rates, onset and block points, input conductance.

Every answer is a solution of a converged system F(u; θ) = 0 (an equilibrium, a periodic orbit in
collocation form, a fold of either); its derivative with respect to model parameters θ follows
from the implicit-function theorem, F_u du/dθ = -F_θ, with F_θ from the generated exact
``dfdp`` — one extra bordered solve per point and parameter, never a finite difference of the
answer. Before differentiating, each point is converged again (Newton to round-off) on its own
discretisation, so that the derivative is that of the very number reported.

* **Rate at a fixed input** (:func:`rate_sensitivity`): the collocation system G(X, T, p) = 0
  (collocation, periodicity, phase) bordered by "the input stays fixed"; dT/dθ from
  [G_(X,T) G_p; e_pᵀ] [dz; dp] = [-G_θ; 0], and d(rate)/dθ = -rate/T · dT/dθ. The condensed
  collocation solve (:meth:`CycleProblem.solve_bordered`, O(N n³)) does not keep its factors, so
  each parameter costs one such solve.
* **Folds of equilibria (LP, and so a SNIC onset) and of cycles (LPC)**: along the branch,
  parametrised by s = cᵀ(u - u₀) with c the branch's direction at the fold, the input p(s) has an
  extremum at the fold. The fold is converged by a secant iteration on dp/ds (itself from one
  bordered solve [F_u F_p; cᵀ 0][du; dp] = [0; 1]), and then, since ∂p/∂s = 0 there (envelope
  theorem), dp*/dθ = ∂p/∂θ at fixed s: [F_u F_p; cᵀ 0][du; dp] = [-F_θ; 0]. The bordered matrix is
  regular at the fold, and nothing but F_θ enters: **exact**, no finite difference at all.
  For LPC, u = (X, T) and F is the collocation system above; for LP, u = x and F = f.
* **Hopf points (H)**: the real part μ of the critical eigenvalue vanishes; with right and left
  eigenvectors q, w (wᴴq = 1), ∂μ/∂θ = Re wᴴ(B(x_θ, q) + J_θ q) along the equilibria
  (x_θ = -J⁻¹f_θ), and dp*/dθ = -μ_θ/μ_p. B = D²f is exact (``d2``); **J_θ q = D_x(f_θ)[q] is a
  central difference** of the exact ``dfdp`` along q (the generated code has no f_xθ).
* **Input conductance** (:func:`input_conductance_sensitivity`): G_in = 1/(dV/dI) with
  y = dx/dI = -J⁻¹f_I at rest; dy/dθ = -J⁻¹(B(x_θ, y) + J_θ y + J_I x_θ + f_Iθ): B exact, the three
  mixed terms **central differences** of the exact ``dfdp`` (along y, along x_θ, and in θ).

Where central differences enter (Hopf points and input conductance) they are fourth-order
differences of exact first derivatives, with the step ε^(1/5) relative to the state (ε the machine
epsilon): their error is below 1e-9 relative (measured against sympy's exact mixed derivatives
in ``tests/test_derivatives.py``; the second-order difference with step ε^(1/3) was off by 1.4e-7
for HH's ∂²f_V/∂V∂C), and the Hopf and G_in derivatives agree with finite differences of the
answers to 1e-8. The rates, LP, SNIC and LPC derivatives are exact to round-off.

Examples
--------
>>> import bifur
>>> from bifur.models import morris_lecar
>>> ml = morris_lecar("snic")
>>> fi = bifur.fi_curve(ml, "I", (0.0, 150.0), at=[60.0])
>>> s = onset_sensitivity(fi, ["gCa", "gL"])
>>> s.kind, round(s.value, 6), round(s.gradient["gL"], 4)
('SNIC', 39.963153, 30.6102)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .branch import SpecialPoint
from .errors import BifurError, ModelError
from .model import Model

__all__ = ["Sensitivity", "rate_sensitivity", "period_sensitivity", "fold_sensitivity", "hopf_sensitivity",
           "lpc_sensitivity", "input_conductance_sensitivity", "onset_sensitivity", "block_sensitivity",
           "rate_sensitivities", "point_sensitivity", "converge_cycle", "mixed_derivative"]

_EPS = float(np.finfo(float).eps)
_FD = _EPS ** (1.0 / 5.0)  # the step of the fourth-order central difference


def _central4(fun, h: float) -> np.ndarray:
    """(8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h: error O(h⁴) + O(ε/h)."""
    return (8.0 * (fun(h) - fun(-h)) - (fun(2 * h) - fun(-2 * h))) / (12.0 * h)


@dataclass
class Sensitivity:
    """An answer and its derivatives with respect to parameters.

    Attributes
    ----------
    quantity : str
        "rate_hz", "period", "input_conductance", or the input parameter of a located point.
    kind : str
        "rate", "period", "G_in", or the point's kind ("LP", "SNIC", "H", "LPC").
    value : float
    gradient : dict
        Parameter name -> d value / d parameter.
    params : dict
        All parameter values at which it was computed.
    point : object
        The converged point (a :class:`~bifur.Cycle`, or a dict with the state).
    """

    quantity: str
    kind: str
    value: float
    gradient: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    point: object = None

    def vector(self, names: Sequence[str]) -> np.ndarray:
        """The gradient as an array ordered as ``names``."""
        return np.array([self.gradient[k] for k in names], dtype=float)

    def __repr__(self) -> str:
        grad = ", ".join(f"{k}: {v:.6g}" for k, v in self.gradient.items())
        return f"Sensitivity({self.kind} {self.quantity}={self.value:.10g}; d/d{{{grad}}})"


# -- helpers on the compiled model ----------------------------------------------------------------------
def _indices(model: Model, wrt: Sequence[str]) -> list[int]:
    if isinstance(wrt, str):
        raise ModelError("wrt must be a sequence of parameter names, e.g. ['gNa']")
    return [model.param_names.index(model.check_param(k)) for k in wrt]


def mixed_derivative(cm, x: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """D_x(f_p)[u] = (∂f_x/∂p_j) u for every parameter j (n x n_params), by a fourth-order central
    difference of the exact ``dfdp`` along u, with a step that moves no state by more than
    ε^(1/5)(1 + |x_k|)."""
    big = np.abs(u) > 0
    if not np.any(big):
        return np.zeros((x.size, p.size))
    h = _FD * float(np.min((1.0 + np.abs(x[big])) / np.abs(u[big])))
    return _central4(lambda t: cm.dfdp(x + t * u, p), h)


def _param_second(cm, x: np.ndarray, p: np.ndarray, i: int, j: int) -> np.ndarray:
    """∂²f/∂p_i∂p_j by a fourth-order central difference in p_j of the exact ∂f/∂p_i."""
    h = _FD * (1.0 + abs(float(p[j])))

    def at(t: float) -> np.ndarray:
        q = p.copy()
        q[j] += t
        return cm.dfdp(x, q)[:, i]

    return _central4(at, h)


def _equilibrium(cm, x: np.ndarray, p: np.ndarray, tol: float = 1e-14, max_iter: int = 50) -> np.ndarray:
    """Newton for f(x, p) = 0 from x."""
    x = np.array(x, dtype=float)
    for _ in range(max_iter):
        dx = np.linalg.solve(cm.jac(x, p), -cm.rhs(x, p))
        x += dx
        if np.max(np.abs(dx)) <= tol * (1.0 + np.max(np.abs(x))):
            return x
    raise BifurError("Newton did not converge to the equilibrium")


# -- rates: the collocation system at a fixed input ------------------------------------------------------
def _cycle_problem(cycle, param: str, params: Mapping[str, float]):
    from .continuation.collocation import Basis
    from .continuation.cycles import CycleProblem
    model = cycle.model
    cm = model.compile()
    p = cm.param_vector(params)
    pb = CycleProblem(cm, cm.param_index(param), p, cycle.mesh, Basis(cycle.ncol), cycle.profile, adapt_every=0)
    return cm, pb


def _theta_rhs(pb, z: np.ndarray, idx: Sequence[int]) -> np.ndarray:
    """-G_θ for every parameter in ``idx``: rows of the collocation system (size - 1) x len(idx);
    only the collocation rows depend on θ: G = D X - h T f(X(ζ), p)."""
    X, T, p = pb.unpack(z)
    L = pb.basis.L
    N, m, n = pb.N, pb.m, pb.n
    idx_nodes = np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]
    gauss = np.einsum("ki,jic->jkc", L, X[idx_nodes])  # (N, m, n)
    out = np.zeros((pb.size - 1, len(idx)))
    dfdp = pb.cm.dfdp
    for j in range(N):
        for k in range(m):
            fp = dfdp(gauss[j, k], p)[:, idx]
            r = (j * m + k) * n
            out[r:r + n] = pb.h[j] * T * fp
    return out


def converge_cycle(cycle, params: Mapping[str, float] | None = None, param: str | None = None,
                   tol: float = 1e-13, max_iter: int = 30):
    """The periodic orbit of ``cycle.model`` at ``params`` (default: the cycle's own), converged by
    Newton on the cycle's own mesh from ``cycle`` (phase condition relative to it).

    ``param`` names any parameter held fixed as the bordering unknown (default: the first one).
    Returns a new :class:`~bifur.Cycle`.
    """
    from .cycle import Cycle
    pars = {**cycle.params, **(params or {})}
    param = param or cycle.model.param_names[0]
    cm, pb = _cycle_problem(cycle, param, pars)
    z = pb.pack(cycle.profile, cycle.period, pars[param])
    row = np.zeros(pb.size)
    row[-1] = 1.0
    for it in range(max_iter):
        res = pb.residual(z)
        sol = pb.solve_bordered(pb.jacobian(z), row, -res, 0.0)
        z = z + sol.x
        if np.max(np.abs(sol.x)) <= tol * (1.0 + np.max(np.abs(z))):
            break
    else:
        raise BifurError(f"Newton did not converge to the cycle at {params} (last step {np.max(np.abs(sol.x)):.2e})")
    X, T, _ = pb.unpack(z)
    return Cycle(cycle.model, dict(pars), float(T), cycle.mesh.copy(), X.copy(), cycle.ncol,
                 cycle.multipliers, cycle.precision, cycle.stable)


def period_sensitivity(cycle, wrt: Sequence[str], params: Mapping[str, float] | None = None) -> Sensitivity:
    """The period of ``cycle`` (converged again at ``params``) and dT/dθ at fixed other parameters.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> c = bifur.find_cycle(hodgkin_huxley(), params={"I": 20.0})
    >>> s = period_sensitivity(c, ["I", "gK"])
    >>> round(s.value, 6), round(s.gradient["I"], 6)
    (11.564697, -0.189237)
    """
    model = cycle.model
    idx = _indices(model, wrt)
    conv = converge_cycle(cycle, params)
    cm, pb = _cycle_problem(conv, model.param_names[0], conv.params)
    z = pb.pack(conv.profile, conv.period, conv.params[model.param_names[0]])
    vals = pb.jacobian(z)
    row = np.zeros(pb.size)
    row[-1] = 1.0
    rhs = _theta_rhs(pb, z, idx)
    grad = {}
    for k, name in enumerate(wrt):
        sol = pb.solve_bordered(vals, row, rhs[:, k], 0.0)
        grad[name] = float(sol.x[pb.nx])
    return Sensitivity("period", "period", float(conv.period), grad, dict(conv.params), conv)


def rate_sensitivity(cycle, wrt: Sequence[str], params: Mapping[str, float] | None = None) -> Sensitivity:
    """The firing rate (Hz) of ``cycle`` (its spikes per period / period) and its derivatives:
    -rate/T · dT/dθ (the number of spikes per period does not change along a smooth branch)."""
    s = period_sensitivity(cycle, wrt, params)
    rate = cycle.spikes / (s.value * cycle.model.seconds_per_time_unit)
    grad = {k: -rate / s.value * v for k, v in s.gradient.items()}
    return Sensitivity("rate_hz", "rate", rate, grad, s.params, s.point)


# -- folds: extremum of the input along the branch -------------------------------------------------------
class _FoldSystem:
    """A branch u(s), p(s) through a fold, parametrised by s = cᵀ(u - u₀); subclasses provide the
    bordered solve of [F_u F_p; cᵀ 0]."""

    def correct(self, w: np.ndarray, s: float) -> np.ndarray:
        for _ in range(40):
            step = self.solve(w, -self.residual(w), s - self.c @ (w[:-1] - self.u0))
            w = w + step
            if np.max(np.abs(step)) <= 1e-14 * (1.0 + np.max(np.abs(w))):
                return w
        return w

    def dp_ds(self, w: np.ndarray) -> float:
        return float(self.solve(w, np.zeros(self.n_eq), 1.0)[-1])

    def fold(self, w: np.ndarray) -> np.ndarray:
        """Secant iteration on dp/ds = 0 (each iterate corrected onto the branch)."""
        scale = 1.0 + float(np.max(np.abs(w[:-1])))
        s0, s1 = 0.0, 1e-4 * scale
        w0 = self.correct(w, s0)
        g0 = self.dp_ds(w0)
        w1 = self.correct(w0, s1)
        g1 = self.dp_ds(w1)
        for _ in range(60):
            if g1 == g0:
                break
            s2 = s1 - g1 * (s1 - s0) / (g1 - g0)
            w2 = self.correct(w1, s2)
            g2 = self.dp_ds(w2)
            s0, g0, s1, g1, w1 = s1, g1, s2, g2, w2
            if abs(s1 - s0) <= 1e-13 * scale:
                break
        else:
            raise BifurError("the fold could not be converged (dp/ds did not vanish)")
        return w1


class _EquilibriumFold(_FoldSystem):
    def __init__(self, cm, ip: int, p: np.ndarray, x: np.ndarray):
        self.cm, self.ip, self.p = cm, ip, p.copy()
        self.n_eq = cm.n_states
        J = cm.jac(x, self.params(np.append(x, p[ip])))
        c = np.linalg.svd(J)[2][-1]
        self.c = c / np.linalg.norm(c)
        self.u0 = x.copy()

    def params(self, w: np.ndarray) -> np.ndarray:
        p = self.p.copy()
        p[self.ip] = w[-1]
        return p

    def residual(self, w: np.ndarray) -> np.ndarray:
        return self.cm.rhs(w[:-1], self.params(w))

    def matrix(self, w: np.ndarray) -> np.ndarray:
        x, p = w[:-1], self.params(w)
        n = x.size
        M = np.zeros((n + 1, n + 1))
        M[:n, :n] = self.cm.jac(x, p)
        M[:n, n] = self.cm.dfdp(x, p)[:, self.ip]
        M[n, :n] = self.c
        return M

    def solve(self, w: np.ndarray, rhs: np.ndarray, last: float) -> np.ndarray:
        return np.linalg.solve(self.matrix(w), np.append(rhs, last))


class _CycleFold(_FoldSystem):
    def __init__(self, pb, z: np.ndarray):
        self.pb = pb
        self.n_eq = pb.size - 1
        self.u0 = z[:-1].copy()
        # the branch direction at the fold: the kernel of the full collocation Jacobian [G_z G_p]
        row = np.zeros(pb.size)
        row[pb.nx] = 1.0  # the period moves along the branch at a fold of cycles
        t = pb.solve_bordered(pb.jacobian(z), row, np.zeros(pb.size - 1), 1.0).x
        c = t[:-1]
        self.c = c / np.linalg.norm(c)

    def residual(self, w: np.ndarray) -> np.ndarray:
        return self.pb.residual(w)

    def solve(self, w: np.ndarray, rhs: np.ndarray, last: float) -> np.ndarray:
        return self.pb.solve_bordered(self.pb.jacobian(w), np.append(self.c, 0.0), rhs, last).x


def _fold_gradient(system: _FoldSystem, w: np.ndarray, minus_f_theta: np.ndarray, wrt: Sequence[str]) -> dict:
    return {name: float(system.solve(w, minus_f_theta[:, k], 0.0)[-1]) for k, name in enumerate(wrt)}


def fold_sensitivity(model: Model, point: SpecialPoint | Mapping, param: str, wrt: Sequence[str],
                     params: Mapping[str, float] | None = None) -> Sensitivity:
    """A fold of equilibria (LP, the saddle-node of a SNIC) converged again and dp*/dθ (exact).

    ``point`` is an LP :class:`SpecialPoint` of an equilibrium branch in ``param``, or a mapping
    with its state ``x`` and parameters ``params``; ``params`` overrides parameter values (the
    point is then the initial guess)."""
    cm = model.compile()
    x0, pars = _state_and_params(model, point, params)
    ip = cm.param_index(param)
    p = cm.param_vector(pars)
    idx = _indices(model, wrt)
    system = _EquilibriumFold(cm, ip, p, x0)
    w = system.fold(np.append(x0, p[ip]))
    pw = system.params(w)
    grad = _fold_gradient(system, w, -cm.dfdp(w[:-1], pw)[:, idx], wrt)
    full = dict(zip(model.param_names, map(float, pw)))
    return Sensitivity(param, "LP", float(w[-1]), grad, full, {"x": w[:-1].copy()})


def lpc_sensitivity(cycle, param: str, wrt: Sequence[str], params: Mapping[str, float] | None = None
                    ) -> Sensitivity:
    """A fold of cycles (LPC) converged again on ``cycle``'s mesh (``cycle`` is the orbit at or near the
    fold, e.g. ``branch.orbit(sp.index)``) and dp*/dθ (exact)."""
    model = cycle.model
    idx = _indices(model, wrt)
    pars = {**cycle.params, **(params or {})}
    cm, pb = _cycle_problem(cycle, param, pars)
    z = pb.pack(cycle.profile, cycle.period, pars[param])
    system = _CycleFold(pb, z)
    w = system.fold(z)
    grad = _fold_gradient(system, w, _theta_rhs(pb, w, idx), wrt)
    X, T, pw = pb.unpack(w)
    from .cycle import Cycle
    full = dict(zip(model.param_names, map(float, pw)))
    orbit = Cycle(model, full, float(T), cycle.mesh.copy(), X.copy(), cycle.ncol)
    return Sensitivity(param, "LPC", float(w[-1]), grad, full, orbit)


# -- Hopf points ----------------------------------------------------------------------------------------
def _critical_pair(J: np.ndarray, omega: float | None):
    ev, vr = np.linalg.eig(J)
    cand = np.flatnonzero(ev.imag > 0)
    if cand.size == 0:
        raise BifurError("no complex pair of eigenvalues: not a Hopf point")
    k = cand[np.argmin(np.abs(ev[cand].real))] if omega is None else cand[np.argmin(np.abs(ev[cand] - 1j * omega))]
    lam, q = ev[k], vr[:, k]
    evl, vl = np.linalg.eig(J.T)
    w = vl[:, np.argmin(np.abs(evl - lam))]  # wᵀJ = λwᵀ
    w = w / (w @ q)                           # wᵀq = 1
    return lam, q, w


def _mu_derivatives(cm, x: np.ndarray, p: np.ndarray, cols: Sequence[int], omega: float | None):
    """(λ, [∂Re λ/∂p_j along the equilibria for j in cols], q)."""
    J = cm.jac(x, p)
    lam, q, w = _critical_pair(J, omega)
    Fp = cm.dfdp(x, p)[:, cols]
    xp = np.linalg.solve(J, -Fp)
    Jq_p = mixed_derivative(cm, x, p, q.real)[:, cols] + 1j * mixed_derivative(cm, x, p, q.imag)[:, cols]
    out = []
    for k in range(len(cols)):
        Bq = cm.d2(x, p, xp[:, k], q.real) + 1j * cm.d2(x, p, xp[:, k], q.imag)
        out.append(float(np.real(w @ (Bq + Jq_p[:, k]))))
    return lam, np.array(out), q


def hopf_sensitivity(model: Model, point: SpecialPoint | Mapping, param: str, wrt: Sequence[str],
                     params: Mapping[str, float] | None = None) -> Sensitivity:
    """A Hopf point converged again (Newton on Re λ = 0 along the equilibria) and dp*/dθ = -μ_θ/μ_p.

    J_θ q enters as a central difference of the exact ``dfdp`` (module docstring)."""
    cm = model.compile()
    x, pars = _state_and_params(model, point, params)
    ip = cm.param_index(param)
    p = cm.param_vector(pars)
    idx = _indices(model, wrt)
    omega = None
    for _ in range(40):
        x = _equilibrium(cm, x, p)
        lam, d, _ = _mu_derivatives(cm, x, p, [ip], omega)
        omega = float(lam.imag)
        step = -float(lam.real) / d[0]
        p[ip] += step
        if abs(step) <= 1e-14 * (1.0 + abs(p[ip])):
            break
    else:
        raise BifurError("the Hopf point could not be converged")
    x = _equilibrium(cm, x, p)
    lam, d, _ = _mu_derivatives(cm, x, p, [ip, *idx], float(lam.imag))
    grad = {name: float(-d[1 + k] / d[0]) for k, name in enumerate(wrt)}
    full = dict(zip(model.param_names, map(float, p)))
    return Sensitivity(param, "H", float(p[ip]), grad, full, {"x": x, "omega": float(lam.imag)})


def _state_and_params(model: Model, point, params) -> tuple[np.ndarray, dict]:
    if isinstance(point, SpecialPoint):
        x, pars = np.asarray(point.x, dtype=float), {**model.params, **point.params}
        if point.param_name:
            pars[point.param_name] = float(point.param)
    else:
        x, pars = np.asarray(point["x"], dtype=float), {**model.params, **point.get("params", {})}
    return x.copy(), {**pars, **(params or {})}


# -- input conductance ----------------------------------------------------------------------------------
def input_conductance_sensitivity(model: Model, wrt: Sequence[str], params: Mapping[str, float] | None = None,
                                  current: str = "I", x0=None) -> Sensitivity:
    """The input conductance at rest, G_in = 1/(dV/dI), and dG_in/dθ (module docstring).

    The rest state is the lowest-voltage stable equilibrium (as :func:`bifur.input_conductance`), or
    Newton's equilibrium from ``x0``.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> s = input_conductance_sensitivity(hodgkin_huxley(), ["gL"])
    >>> round(s.value, 6), round(s.gradient["gL"], 4)
    (1.166895, 2.7079)
    """
    cm = model.compile()
    pars = model.param_values(params)
    p = cm.param_vector(pars)
    if x0 is None:
        from .equilibria import find_equilibria
        rest = [e for e in find_equilibria(model, params=pars, simulate_seed=False) if e.stable]
        if not rest:
            raise BifurError(f"no stable rest state of {model.name!r} at these parameters")
        x0 = rest[0].x
    x = _equilibrium(cm, np.asarray(x0, dtype=float), p)
    iI = cm.param_index(current)
    idx = _indices(model, wrt)
    iv = model.state_names.index(model.voltage)
    J = cm.jac(x, p)
    Fp = cm.dfdp(x, p)
    y = np.linalg.solve(J, -Fp[:, iI])
    g = 1.0 / y[iv]
    Jy = mixed_derivative(cm, x, p, y)  # J_θ y for every θ
    grad = {}
    for k, (name, j) in enumerate(zip(wrt, idx)):
        xt = np.linalg.solve(J, -Fp[:, j])
        rhs = cm.d2(x, p, xt, y) + Jy[:, j] + mixed_derivative(cm, x, p, xt)[:, iI] + _param_second(cm, x, p, iI, j)
        yt = np.linalg.solve(J, -rhs)
        grad[name] = float(-g * g * yt[iv])
    return Sensitivity("input_conductance", "G_in", float(g), grad, pars, {"x": x})


# -- from f-I curves --------------------------------------------------------------------------------------
def point_sensitivity(model: Model, point: SpecialPoint, branch, wrt: Sequence[str],
                      params: Mapping[str, float] | None = None) -> Sensitivity:
    """Sensitivity of a located point by its kind: LP (exact), H, LPC (exact, needs its cycle
    ``branch``)."""
    if point.kind == "LP":
        return fold_sensitivity(model, point, point.param_name, wrt, params)
    if point.kind == "H":
        return hopf_sensitivity(model, point, point.param_name, wrt, params)
    if point.kind == "LPC":
        return lpc_sensitivity(branch.orbit(point.index), point.param_name, wrt, params)
    raise BifurError(f"no derivative for a {point.kind} point (LP, H and LPC are supported)")


def _nearest_lp(curve, value: float) -> SpecialPoint:
    lps = [sp for br in curve.equilibria for sp in br.special("LP")]
    if not lps:
        raise BifurError("a SNIC onset needs the fold (LP) of the equilibrium branch, and none was found")
    return min(lps, key=lambda sp: abs(sp.param - value))


def _curve_point(curve, sp: SpecialPoint, wrt: Sequence[str], params) -> Sensitivity:
    if sp.kind == "SNIC":
        s = fold_sensitivity(curve.model, _nearest_lp(curve, sp.param), curve.param_name, wrt, params)
        s.kind = "SNIC"
        return s
    branch = next((br for br in curve.branches if any(q is sp for q in br.special_points)), None)
    return point_sensitivity(curve.model, sp, branch, wrt, params)


def onset_sensitivity(curve, wrt: Sequence[str], params: Mapping[str, float] | None = None) -> Sensitivity:
    """The onset (rheobase) of an :class:`~bifur.FICurve` and its derivatives: SNIC (the fold of
    equilibria, exact), LPC (exact) or H."""
    if curve.onset is None:
        raise BifurError("the curve has no onset: " + ("; ".join(curve.issues) or "no firing in the range"))
    return _curve_point(curve, curve.onset, wrt, params)


def block_sensitivity(curve, wrt: Sequence[str], params: Mapping[str, float] | None = None) -> Sensitivity:
    """The depolarization block (LPC, exact, or H) of an :class:`~bifur.FICurve` and its derivatives."""
    if curve.block is None:
        raise BifurError("the curve has no depolarization block: " + ("; ".join(curve.issues) or "none in range"))
    return _curve_point(curve, curve.block, wrt, params)


def rate_sensitivities(curve, wrt: Sequence[str]) -> list[Sensitivity]:
    """For each evaluation input of a continuation f-I curve: the rate and its derivatives (the
    stable cycle there; a rate of 0, with zero derivatives, where only rest is stable; NaN where
    neither is known)."""
    out = []
    for v, r in zip(curve.param, curve.rate_hz):
        cyc = None
        if math.isfinite(r) and r > 0:
            best = None
            for br in curve.cycles:
                for i in br.at(float(v), stable=True):
                    if best is None or br.rate_hz[i] > best[0]:
                        best = (br.rate_hz[i], br, i)
            if best is not None:
                cyc = best[1].orbit(best[2])
        if cyc is not None:
            out.append(rate_sensitivity(cyc, wrt))
        else:
            zero = 0.0 if math.isfinite(r) else math.nan
            out.append(Sensitivity("rate_hz", "rate", float(r), {k: zero for k in wrt},
                                   {**curve.model.params, curve.param_name: float(v)}))
    return out
