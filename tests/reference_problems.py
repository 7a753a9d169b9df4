"""Reference problems for branch points, branch switching and bifurcations of cycles.

Every number here is computed **without bifur**: closed forms, mpmath root finding on
reduced equations (30 digits), or shooting with ``scipy.integrate.solve_ivp`` (DOP853 at
rtol 1e-12) and Newton's method on the multiple-shooting equations, the Jacobians coming
from the variational equations. bifur is used only to build the models
(:meth:`bifur.Model.from_text`), so that tests can hand them to bifur's continuation and
compare what it finds with the values below.

Problems (AUTO-07p demo names in brackets; equations and parameters as in the demo's
``*.f90`` file; ``demos/<name>`` of https://github.com/auto-07p/auto-07p):

* pitchfork ``x' = mu x - x^3`` and transcritical ``x' = mu x - x^2`` normal forms;
* ``enz`` — Kernevez's two-compartment enzyme model: folds and the two symmetry-breaking
  pitchforks of the symmetric branch, folds of the asymmetric (closed-loop) branch;
* ``pp2`` — predator-prey with harvesting: two transcritical crossings, a fold, a Hopf point;
* ``fhn`` — FitzHugh-Nagumo: Hopf points (closed form) and the fold of cycles (LPC) that
  ends the canard explosion of the cycle branch born at the upper Hopf point;
* Rössler (no AUTO demo) — the first two period doublings in c for a = b = 0.2;
* ``tor`` — Freire et al.'s Z2-symmetric electronic oscillator: pitchfork and Hopf point of the
  origin (closed forms), folds (LPC) and symmetry-breaking branch points (BPC) of the symmetric
  cycle branch: the first pair near the Hopf point (unstable cycles), the second at period
  ~19.5, where a *stable* symmetric cycle loses stability to asymmetric ones.

Results are :class:`RefPoint` records, computed when asked for; the expensive ones (shooting,
a few seconds each) are cached per tolerance. One pair (tor's second fold and branch point of
cycles, ~10 s to reach) is embedded as constants computed by
``scripts/references/tor_stable_bpc.py``. ``AUTO07P`` holds what AUTO-07p itself reports for
the same problems (runs made for this module by ``scripts/references/auto07p_runs.py``); AUTO
locates special points only to its tolerances EPSS/EPSL, so those values agree with the
references to 1e-6 ... 1e-10 depending on the point (the ``*_tol`` entries).

Import from tests as ``from reference_problems import ...`` (pytest puts ``tests/`` on
``sys.path``: the folder has a conftest.py and no ``__init__.py``).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import mpmath
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

__all__ = [
    "RefPoint", "AUTO07P",
    "pitchfork_model", "pitchfork_branches", "pitchfork_reference",
    "transcritical_model", "transcritical_branches", "transcritical_reference",
    "ENZ_PARAMS", "enz_model", "enz_rhs", "enz_symmetric_s0", "enz_reference",
    "PP2_PARAMS", "pp2_model", "pp2_rhs", "pp2_reference",
    "FHN_PARAMS", "fhn_model", "fhn_rhs", "fhn_reference", "fhn_lpc",
    "ROSSLER_PARAMS", "rossler_model", "rossler_rhs", "rossler_cycle", "rossler_period_doublings",
    "rossler_poincare_multipliers", "CHAOSBOOK_ROSSLER_UPO",
    "TOR_PARAMS", "tor_model", "tor_rhs", "tor_reference", "tor_symmetric_cycles",
    "tor_bpc_full_period", "tor_second_lpc_bpc", "tor_symmetric_cycle_at_period",
]


@dataclass(frozen=True)
class RefPoint:
    """One reference special point.

    kind : AUTO/MatCont label: ``"BP"``, ``"LP"``, ``"H"`` (equilibria), ``"LPC"``, ``"PD"``,
        ``"BPC"`` (cycles).
    param, value : the continuation parameter and its value at the point.
    state : the equilibrium, or one point of the cycle (on the section named in ``data``).
    period : the cycle's period (for ``"H"``: 2*pi/omega of the critical pair).
    accuracy : absolute accuracy claimed for ``value`` (checked by the tests of this module).
    source : how the value was obtained.
    data : anything else (multipliers, the other parameters, ...).
    """
    kind: str
    param: str
    value: float
    state: Mapping[str, float]
    period: float | None = None
    accuracy: float = 1e-12
    source: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Values reported by AUTO-07p (commit 44cc1c4 of github.com/auto-07p/auto-07p, gfortran 12.2,
# run 2026-12-06 by scripts/references/auto07p_runs.py; parameter values from the b./s. files,
# 11 significant digits). AUTO locates BP/HB/LP points to its tolerances (EPSS), so "tol" is
# the agreement to expect with the references of this module, not AUTO's precision claim.
AUTO07P: dict[str, dict[str, Any]] = {
    "enz": {  # demo enz as shipped (c.enz: EPSS=1e-5), continuation in s0
        "run": "run('enz')",
        "LP_symmetric": [34.356924999, 18.887067658], "LP_symmetric_tol": 1e-8,
        "BP": [34.222886087, 22.181636915], "BP_tol": 2e-6,
        # the same run with EPSL=EPSU=1e-12, EPSS=1e-10, DSMAX=0.05: AUTO's BP converge to ours
        "BP_tight": [34.222886542, 22.181637919], "BP_tight_tol": 2e-8,
        "LP_asymmetric": [25.372714838, 26.62207177], "LP_asymmetric_tol": 1e-7,
        # branch 2 (from the first BP) also reports "LP" 22.18163793 where it returns to the
        # second pitchfork: along the asymmetric loop s0 is extremal at a pitchfork point.
    },
    "pp2": {  # demo pp2 as shipped, continuation in quota (PAR(1))
        "run": "run('pp2')",
        "BP": [0.59999999798, 0.82190434957], "BP_tol": 1e-7,
        "LP": [0.83292932223], "LP_tol": 1e-7,
        "H": [0.67159384717], "H_tol": 1e-7,
    },
    "fhn": {  # demo fhn; run 2 repeated with fold detection and tight tolerances
        "run": "run(r1('HB1'), c='fhn.2', ILP=1, NTST=80, EPSL=1e-10, EPSU=1e-10, EPSS=1e-7, DSMAX=0.05)",
        "H": [0.4227723242], "H_tol": 1e-4,          # the demo's EPSS=1e-4 (exact: 0.42281762942)
        "H_period": [6.5195166743],
        "LPC": [0.43051823672], "LPC_tol": 2e-8, "LPC_period": [16.626789172],
        # with the demo's own c.fhn.2 (ILP=0) AUTO passes the fold without labelling it and
        # ends at a = 0 (UZ) on the relaxation cycle of period 9.5383316. With c.fhn.2 and only
        # ILP=1 (NTST=20, too coarse for the canard cycles) it reports two folds instead of one:
        "LPC_demo_mesh": [0.43051781267, 0.43051672002], "LPC_demo_mesh_period": [14.337643118, 16.883811889],
    },
    "rossler": {  # own FUNC (scripts/references/auto07p_runs.py), cycle from a simulated orbit at c=2.5
        "run": "IPS=2, ICP=[c, PERIOD], NTST=50 (NTST=100 after switching at PD1), EPSL=EPSU=1e-10, EPSS=1e-7",
        "PD": [2.8324450276, 3.8373581682], "PD_tol": 1e-8,
        "PD_period": [5.7698200165, 11.572688804],
    },
    "tor": {  # demo tor as shipped (runs 1-3)
        "run": "r1=run(e='tor',c='tor'); r2=run(r1('HB1'),IPS=2,ICP=[1,11]); r3=run(r2('BP1'),ISW=-1,NMX=90)",
        "BP_equilibria": [-0.50000000007], "H": [-0.58933650799], "H_tol": 1e-7,
        "LPC": [-0.58433479733], "LPC_period": [8.4264728208],
        "BPC": [-0.58702902703], "BPC_period": [8.689671142], "cycle_tol": 2e-7,
        "LPC2": [-0.83251416513], "LPC2_period": [19.415842683],
        "BPC2": [-0.83243801949], "BPC2_period": [19.636529793],
        # further along the symmetric branch: LP -0.78759031148 (T=29.373), LP -0.79989917311
        # (T=39.371), LP -0.79690618189 (T=42.288);
        # on the asymmetric branch from BP1: TR -0.59165021575 (T=8.79415), PD -0.6149552561
        # (T=9.26630), then folds.
    },
}


def _model(text: str, params: Mapping[str, float], init: Mapping[str, float], name: str):
    import bifur  # only to build the model; nothing below depends on bifur's numerics
    return bifur.Model.from_text(text, params=dict(params), init=dict(init), name=name, time_unit="1")


# ============================================================================================
# Normal forms
# ============================================================================================
def pitchfork_model(mu: float = -1.0):
    """``dx/dt = mu*x - x**3`` (supercritical pitchfork at mu = 0), starting on x = 0."""
    return _model("dx/dt = mu*x - x**3", {"mu": mu}, {"x": 0.0}, "pitchfork")


def pitchfork_branches(mu: float) -> dict[str, list[float]]:
    """Equilibria at ``mu``: ``{"trivial": [0], "nontrivial": [-sqrt(mu), sqrt(mu)]}``.

    Eigenvalue (dx'/dx): ``mu`` on the trivial branch, ``-2 mu`` on the nontrivial one.
    """
    return {"trivial": [0.0], "nontrivial": [-math.sqrt(mu), math.sqrt(mu)] if mu > 0 else []}


def pitchfork_reference() -> dict[str, list[RefPoint]]:
    """The branch point of the pitchfork normal form (exact)."""
    return {"BP": [RefPoint("BP", "mu", 0.0, {"x": 0.0}, accuracy=0.0, source="exact",
                            data={"branches": "x = 0 (all mu) and x**2 = mu (mu >= 0)"})]}


def transcritical_model(mu: float = -1.0):
    """``dx/dt = mu*x - x**2`` (transcritical at mu = 0), starting on x = 0."""
    return _model("dx/dt = mu*x - x**2", {"mu": mu}, {"x": 0.0}, "transcritical")


def transcritical_branches(mu: float) -> dict[str, list[float]]:
    """Equilibria at ``mu``: ``{"trivial": [0], "nontrivial": [mu]}``; eigenvalues mu and -mu."""
    return {"trivial": [0.0], "nontrivial": [float(mu)]}


def transcritical_reference() -> dict[str, list[RefPoint]]:
    """The branch point of the transcritical normal form (exact)."""
    return {"BP": [RefPoint("BP", "mu", 0.0, {"x": 0.0}, accuracy=0.0, source="exact",
                            data={"branches": "x = 0 and x = mu, exchanging stability"})]}


# ============================================================================================
# enz: s1' = (s0 - s1) + (s2 - s1) - rho R(s1), s2' = (s0 + mu - s2) + (s1 - s2) - rho R(s2),
#      R(s) = s / (1 + s + kappa s^2)          (AUTO demo enz; Kernevez et al. 1980)
# ============================================================================================
#: AUTO demo enz, STPNT: s0 = 0 (continuation parameter), mu = 0, rho = 100, kappa = 1.
ENZ_PARAMS = {"s0": 0.0, "mu": 0.0, "rho": 100.0, "kappa": 1.0}


def enz_model(**params: float):
    """The enz model; keyword arguments override :data:`ENZ_PARAMS`. Starts at s1 = s2 = 0."""
    text = """
        ds1/dt = (s0 - s1) + (s2 - s1) - rho*R1
        ds2/dt = (s0 + mu - s2) + (s1 - s2) - rho*R2
        R1 = s1/(1 + s1 + kappa*s1**2)
        R2 = s2/(1 + s2 + kappa*s2**2)
    """
    return _model(text, {**ENZ_PARAMS, **params}, {"s1": 0.0, "s2": 0.0}, "enz")


def enz_rhs(x: Sequence[float], p: Mapping[str, float] = ENZ_PARAMS) -> np.ndarray:
    """Plain numpy right-hand side of enz (state order s1, s2)."""
    s1, s2 = x
    R = lambda s: s / (1.0 + s + p["kappa"] * s * s)  # noqa: E731
    return np.array([(p["s0"] - s1) + (s2 - s1) - p["rho"] * R(s1),
                     (p["s0"] + p["mu"] - s2) + (s1 - s2) - p["rho"] * R(s2)])


def enz_symmetric_s0(s: float, rho: float = 100.0, kappa: float = 1.0) -> float:
    """The symmetric branch (mu = 0, s1 = s2 = s) in closed form: s0 = s + rho R(s)."""
    return s + rho * s / (1.0 + s + kappa * s * s)


@functools.lru_cache(maxsize=None)
def enz_reference(dps: int = 30, rho: float = 100.0, kappa: float = 1.0) -> dict[str, list[RefPoint]]:
    """Folds and pitchforks of enz at mu = 0, to ``dps`` digits (returned as floats).

    With mu = 0 the symmetric states s1 = s2 = s satisfy s0 = s + rho R(s). The Jacobian
    there is [[-2 - rho R'(s), 1], [1, -2 - rho R'(s)]]: eigenvalue -1 - rho R'(s) on
    (1, 1) (symmetric: a fold of the branch where it vanishes) and -3 - rho R'(s) on (1, -1)
    (antisymmetric: the symmetry-breaking pitchfork). With R'(s) = (1 - kappa s^2)/D(s)^2,
    D = 1 + s + kappa s^2, these are the quartics
    ``D^2 + rho (1 - kappa s^2) = 0`` (LP) and ``3 D^2 + rho (1 - kappa s^2) = 0`` (BP),
    solved with mpmath.polyroots. The asymmetric states (s1 != s2) satisfy
    ``rho (1 - kappa s1 s2) + 3 D(s1) D(s2) = 0`` (the difference of the equations divided by
    s1 - s2) and form a loop joining the two pitchforks; its folds in s0 solve
    F1 = F2 = det J = 0, found by sampling the loop and mpmath.findroot.

    Returns ``{"LP_symmetric": [2], "BP": [2], "LP_asymmetric": [4]}``, each list ordered by
    increasing s (symmetric) or as two mirror pairs (asymmetric, s1 > s2 first), every
    point with ``data["s"]`` or the state and the critical eigenvector.
    """
    with mpmath.workdps(dps):
        rho_, kap = mpmath.mpf(rho), mpmath.mpf(kappa)
        D = lambda s: 1 + s + kap * s**2  # noqa: E731
        R = lambda s: s / D(s)  # noqa: E731
        dR = lambda s: (1 - kap * s**2) / D(s)**2  # noqa: E731
        s0_of = lambda s: s + rho_ * R(s)  # noqa: E731
        # D^2 = kap^2 s^4 + 2 kap s^3 + (1 + 2 kap) s^2 + 2 s + 1
        d2 = [kap**2, 2 * kap, 1 + 2 * kap, 2, 1]

        def positive_roots(weight):
            coeffs = [weight * c for c in d2]
            coeffs[2] -= rho_ * kap
            coeffs[4] += rho_
            roots = mpmath.polyroots(coeffs, maxsteps=200, extraprec=2 * dps)
            return sorted(mpmath.re(r) for r in roots if abs(mpmath.im(r)) < mpmath.mpf(10)**(-dps // 2)
                          and mpmath.re(r) > 0)

        out: dict[str, list[RefPoint]] = {"LP_symmetric": [], "BP": [], "LP_asymmetric": []}
        tol = 10.0**(-(dps - 8))
        for kind, weight, key in (("LP", 1, "LP_symmetric"), ("BP", 3, "BP")):
            for s in positive_roots(weight):
                out[key].append(RefPoint(
                    kind, "s0", float(s0_of(s)), {"s1": float(s), "s2": float(s)}, accuracy=max(tol, 1e-14),
                    source=f"mpmath.polyroots of {weight}*D(s)^2 + rho*(1 - kappa*s^2) at {dps} digits",
                    data={"s": float(s), "eigenvector": (1.0, 1.0) if kind == "LP" else (1.0, -1.0),
                          "mu": 0.0, "rho": rho, "kappa": kappa}))

        # asymmetric loop: for each s1 the relation is quadratic in s2
        def loop_points(s1):
            a2 = 3 * D(s1) * kap
            a1 = 3 * D(s1) - rho_ * kap * s1
            a0 = rho_ + 3 * D(s1)
            disc = a1**2 - 4 * a2 * a0
            if disc < 0:
                return []
            return [(-a1 - mpmath.sqrt(disc)) / (2 * a2), (-a1 + mpmath.sqrt(disc)) / (2 * a2)]

        def system(s1, s2, s0):
            f1 = (s0 - s1) + (s2 - s1) - rho_ * R(s1)
            f2 = (s0 - s2) + (s1 - s2) - rho_ * R(s2)
            j11, j22 = -2 - rho_ * dR(s1), -2 - rho_ * dR(s2)
            return [f1, f2, j11 * j22 - 1]

        seeds = []
        grid = [mpmath.mpf(k) / 200 for k in range(1, 4001)]  # s1 in (0, 20]
        for which in (0, 1):
            prev = []
            for s1 in grid:
                pts = loop_points(s1)
                if not pts:
                    prev = []
                    continue
                s2 = pts[which]
                prev.append((s1, s2, 2 * s1 - s2 + rho_ * R(s1)))
                if len(prev) >= 3:
                    (_, _, a), (x1, x2, b), (_, _, c) = prev[-3:]
                    if (b - a) * (c - b) < 0 and abs(x1 - x2) > mpmath.mpf("0.05") and x1 > x2:
                        seeds.append((x1, x2, b))
        for x1, x2, b in seeds:
            s1, s2, s0 = mpmath.findroot(system, (x1, x2, b), tol=mpmath.mpf(10)**(-dps + 5))
            res = max(abs(v) for v in system(s1, s2, s0))
            if res > mpmath.mpf(10)**(-dps + 8):
                raise ArithmeticError(f"enz asymmetric fold did not converge (residual {res})")
            for a_, b_ in ((s1, s2), (s2, s1)):
                out["LP_asymmetric"].append(RefPoint(
                    "LP", "s0", float(s0), {"s1": float(a_), "s2": float(b_)}, accuracy=max(tol, 1e-14),
                    source=f"mpmath.findroot on F1 = F2 = det J = 0 at {dps} digits, seeded by sampling the loop",
                    data={"mu": 0.0, "rho": rho, "kappa": kappa}))
        out["LP_asymmetric"].sort(key=lambda r: (r.value, -r.state["s1"]))
        return out


# ============================================================================================
# pp2: u1' = p2 u1 (1 - u1) - u1 u2 - p1 (1 - exp(-p3 u1)), u2' = -u2 + p4 u1 u2
#      (AUTO demo pp2: fish u1, sharks u2, quota p1; p2 = 3, p3 = 5, p4 = 3)
# ============================================================================================
#: AUTO demo pp2, STPNT: quota (PAR(1)) = 0, p2 = 3, p3 = 5, p4 = 3; start at the origin.
PP2_PARAMS = {"quota": 0.0, "p2": 3.0, "p3": 5.0, "p4": 3.0}


def pp2_model(**params: float):
    """The pp2 predator-prey model (states fish, sharks); keywords override :data:`PP2_PARAMS`."""
    text = """
        dfish/dt = p2*fish*(1 - fish) - fish*sharks - quota*(1 - exp(-p3*fish))
        dsharks/dt = -sharks + p4*fish*sharks
    """
    return _model(text, {**PP2_PARAMS, **params}, {"fish": 0.0, "sharks": 0.0}, "pp2")


def pp2_rhs(x: Sequence[float], p: Mapping[str, float] = PP2_PARAMS) -> np.ndarray:
    """Plain numpy right-hand side of pp2 (state order fish, sharks)."""
    u1, u2 = x
    return np.array([p["p2"] * u1 * (1 - u1) - u1 * u2 - p["quota"] * (1 - math.exp(-p["p3"] * u1)),
                     -u2 + p["p4"] * u1 * u2])


@functools.lru_cache(maxsize=None)
def pp2_reference(dps: int = 30) -> dict[str, list[RefPoint]]:
    """Transcritical crossings, fold and Hopf point of pp2, in closed form (mpmath).

    Branches in quota q: the trivial one (0, 0) for all q; the prey-only one u2 = 0,
    q = p2 u1 (1 - u1) / (1 - exp(-p3 u1)); the coexistence one u1 = 1/p4,
    u2 = p2 (1 - u1) - q (1 - E)/u1 with E = exp(-p3/p4).

    * BP trivial/prey-only: u1 -> 0 on the prey-only branch, q = p2/p3 (= 0.6);
    * BP prey-only/coexistence: u1 = 1/p4, u2 = 0, q = p2 u1 (1 - u1)/(1 - E);
    * LP on the prey-only branch: dq/du1 = 0 (mpmath.findroot, bracketed);
    * H on the coexistence branch: the trace p2 (1 - 2 u1) - u2 - q p3 E vanishes, i.e.
      q = p2 u1 / ((1 - E)/u1 - p3 E) (= 1/(3 - 8 exp(-5/3)) for the demo), with
      omega^2 = det J = p4 u1 u2.
    """
    with mpmath.workdps(dps):
        p2, p3, p4 = (mpmath.mpf(PP2_PARAMS[k]) for k in ("p2", "p3", "p4"))
        u1c = 1 / p4
        E = mpmath.exp(-p3 * u1c)
        q_bp1 = p2 / p3
        q_bp2 = p2 * u1c * (1 - u1c) / (1 - E)
        q_prey = lambda u: p2 * u * (1 - u) / (1 - mpmath.exp(-p3 * u))  # noqa: E731
        u_lp = mpmath.findroot(lambda u: mpmath.diff(q_prey, u), (mpmath.mpf("0.3"), mpmath.mpf("0.6")),
                               solver="anderson")
        q_h = p2 * u1c / ((1 - E) / u1c - p3 * E)
        u2_h = p2 * (1 - u1c) - q_h * (1 - E) / u1c
        omega = mpmath.sqrt(p4 * u1c * u2_h)
        src = f"closed form, mpmath {dps} digits"
        return {
            "BP": [
                RefPoint("BP", "quota", float(q_bp1), {"fish": 0.0, "sharks": 0.0}, accuracy=1e-15, source=src,
                         data={"branches": "trivial (0, 0) and prey-only (u1, 0)", "formula": "p2/p3"}),
                RefPoint("BP", "quota", float(q_bp2), {"fish": float(u1c), "sharks": 0.0}, accuracy=1e-15,
                         source=src, data={"branches": "prey-only (u1, 0) and coexistence (1/p4, u2)",
                                           "formula": "p2 u1 (1 - u1)/(1 - exp(-p3 u1)), u1 = 1/p4"}),
            ],
            "LP": [RefPoint("LP", "quota", float(q_prey(u_lp)), {"fish": float(u_lp), "sharks": 0.0},
                            accuracy=1e-14, source=src + " (findroot of dq/du1 on the prey-only branch)")],
            "H": [RefPoint("H", "quota", float(q_h), {"fish": float(u1c), "sharks": float(u2_h)},
                           period=float(2 * mpmath.pi / omega), accuracy=1e-15, source=src,
                           data={"omega": float(omega), "branch": "coexistence"})],
        }


# ============================================================================================
# Shooting machinery (plain numpy/scipy): multiple shooting on N segments, Newton with the
# Jacobian from the variational equations, pseudo-arclength steps, Floquet multipliers.
# ============================================================================================
@dataclass(frozen=True)
class _Field:
    f: Callable[[np.ndarray, float], np.ndarray]      # f(x, p)
    jac: Callable[[np.ndarray, float], np.ndarray]    # df/dx
    dfdp: Callable[[np.ndarray, float], np.ndarray]   # df/dp


def _segment(fld: _Field, x: np.ndarray, h: float, p: float, rtol: float):
    """Flow over time h from x, with d/dx (n x n) and d/dp of the end point."""
    n = x.size

    def aug(_t, y):
        xx = y[:n]
        A = fld.jac(xx, p)
        return np.concatenate([fld.f(xx, p), (A @ y[n:n + n * n].reshape(n, n)).ravel(),
                               A @ y[n + n * n:] + fld.dfdp(xx, p)])

    y0 = np.concatenate([x, np.eye(n).ravel(), np.zeros(n)])
    sol = solve_ivp(aug, (0.0, h), y0, method="DOP853", rtol=rtol, atol=rtol * 1e-3)
    if not sol.success:
        raise ArithmeticError(f"integration failed: {sol.message}")
    y = sol.y[:, -1]
    return y[:n], y[n:n + n * n].reshape(n, n), y[n + n * n:]


@dataclass
class _Cycle:
    X: np.ndarray        # (N, n) segment starting points
    span: float          # integration time covered by the N segments (period, or half of it)
    p: float
    Phis: list           # the segments' state-transition matrices at the solution
    A: np.ndarray        # the last Newton matrix (rows: matching, section[, constraint])

    def z(self) -> np.ndarray:
        return np.concatenate([self.X.ravel(), [self.span, self.p]])

    def map_derivative(self, sym: float) -> np.ndarray:
        """Monodromy matrix (sym = +1), or the half-period map's derivative -Phi(T/2) (sym = -1)."""
        M = np.eye(self.X.shape[1])
        for P in self.Phis:
            M = P @ M
        return sym * M


def _newton(fld: _Field, X, span, p, *, section, rtol, sym=1.0, free="span", constraint=None,
            tol=1e-11, maxit=25, jacobian_only=False) -> _Cycle:
    """Solve the multiple-shooting equations.

    Unknowns: the segment starts X (N x n) and ``free`` ("span", "p" or "both"; with "both",
    ``constraint = (zref, v, sigma)`` adds v.(z - zref) = sigma, z = (X, span, p)).
    Equations: x_k(h) = x_{k+1}, x_{N-1}(h) = sym * x_0 (h = span/N), x_0[j] = c.
    """
    X = np.array(X, dtype=float)
    N, n = X.shape
    j, c = section
    nfree = 2 if free == "both" else 1
    for it in range(maxit):
        h = span / N
        m = n * N + nfree
        A = np.zeros((m, m))
        r = np.zeros(m)
        Phis = []
        for k in range(N):
            xe, Phi, xp = _segment(fld, X[k], h, p, rtol)
            Phis.append(Phi)
            kn = (k + 1) % N
            s = 1.0 if k < N - 1 else sym
            rows = slice(k * n, (k + 1) * n)
            r[rows] = xe - s * X[kn]
            A[rows, k * n:(k + 1) * n] += Phi
            A[rows, kn * n:(kn + 1) * n] -= s * np.eye(n)
            if free in ("span", "both"):
                A[rows, n * N] = fld.f(xe, p) / N
            if free in ("p", "both"):
                A[rows, n * N + nfree - 1] = xp
        r[n * N] = X[0, j] - c
        A[n * N, j] = 1.0
        if free == "both":
            zref, v, sigma = constraint
            z = np.concatenate([X.ravel(), [span, p]])
            r[-1] = v @ (z - zref) - sigma
            A[-1] = v
        if jacobian_only:
            return _Cycle(X, span, p, Phis, A)
        d = np.linalg.solve(A, -r)
        X = X + d[:n * N].reshape(N, n)
        if free == "span":
            span += d[-1]
        elif free == "p":
            p += d[-1]
        else:
            span += d[-2]
            p += d[-1]
        if np.max(np.abs(d)) < tol and it > 0:
            break
    else:
        raise ArithmeticError("shooting Newton iteration did not converge")
    # Phis and A belong to the iterate before the last correction, which moved by < tol
    return _Cycle(X, span, p, Phis, A)


def _tangent(fld: _Field, cyc: _Cycle, *, section, rtol, sym, prev: np.ndarray) -> np.ndarray:
    """Unit tangent of the family at ``cyc`` (null vector of the matching + section rows)."""
    J = _newton(fld, cyc.X, cyc.span, cyc.p, section=section, rtol=rtol, sym=sym, free="both",
                constraint=(cyc.z(), np.zeros(cyc.z().size), 0.0), jacobian_only=True).A[:-1]
    v = np.linalg.svd(J)[2][-1]
    return v if v @ prev > 0 else -v


def _arclength(fld: _Field, cyc: _Cycle, v: np.ndarray, sigma: float, *, section, rtol, sym,
               start: tuple[float, _Cycle] | None = None) -> _Cycle:
    """The family's point at v.(z - z(cyc)) = sigma, from the tangent predictor (at cyc, or at
    ``start = (sigma_start, cycle_start)``, a solution already found on the same chord)."""
    z0 = cyc.z()
    N, n = cyc.X.shape
    s0, base = start if start is not None else (0.0, cyc)
    zp = base.z() + (sigma - s0) * v
    return _newton(fld, zp[:-2].reshape(N, n), zp[-2], zp[-1], section=section, rtol=rtol, sym=sym,
                   free="both", constraint=(z0, v, sigma))


def _initial_segments(fld: _Field, x0, period: float, p: float, N: int, rtol: float = 1e-10) -> np.ndarray:
    sol = solve_ivp(lambda t, x: fld.f(x, p), (0.0, period), np.asarray(x0, float), method="DOP853",
                    rtol=rtol, atol=rtol * 1e-3, dense_output=True)
    return np.array([sol.sol(period * k / N) for k in range(N)])


def _section_crossings(fld: _Field, x0, p: float, t_end: float, j: int, c: float, direction: int):
    """Simulate from x0 and return the crossing times and states of x[j] = c."""
    event = lambda t, x: x[j] - c  # noqa: E731
    event.direction = direction
    sol = solve_ivp(lambda t, x: fld.f(x, p), (0.0, t_end), np.asarray(x0, float), method="DOP853",
                    rtol=1e-10, atol=1e-12, events=event)
    return sol.t_events[0], sol.y_events[0]


# ============================================================================================
# fhn: x' = c (x - x^3/3 + y), y' = -(x - a + b y)/c          (AUTO demo fhn)
# ============================================================================================
#: AUTO demo fhn, STPNT: a = 0 (continuation parameter), b = 0.8, c = 3.
FHN_PARAMS = {"a": 0.0, "b": 0.8, "c": 3.0}


def fhn_model(**params: float):
    """The FitzHugh-Nagumo form of AUTO's fhn demo; keywords override :data:`FHN_PARAMS`."""
    text = """
        dx/dt = c*(x - x**3/3 + y)
        dy/dt = -(x - a + b*y)/c
    """
    return _model(text, {**FHN_PARAMS, **params}, {"x": 0.0, "y": 0.0}, "fhn_auto")


def fhn_rhs(x: Sequence[float], p: Mapping[str, float] = FHN_PARAMS) -> np.ndarray:
    """Plain numpy right-hand side of fhn (state order x, y)."""
    u, w = x
    return np.array([p["c"] * (u - u**3 / 3 + w), -(u - p["a"] + p["b"] * w) / p["c"]])


def _fhn_field(b: float, c: float) -> _Field:
    return _Field(lambda x, a: np.array([c * (x[0] - x[0]**3 / 3 + x[1]), -(x[0] - a + b * x[1]) / c]),
                  lambda x, a: np.array([[c * (1 - x[0]**2), c], [-1 / c, -b / c]]),
                  lambda x, a: np.array([0.0, 1 / c]))


def fhn_reference(b: float = 0.8, c: float = 3.0) -> dict[str, list[RefPoint]]:
    """Hopf points of fhn in closed form.

    Equilibria: y = x^3/3 - x, a = (1 - b) x + b x^3/3. Jacobian [[c(1 - x^2), c],
    [-1/c, -b/c]]: trace zero at x^2 = 1 - b/c^2, where det = omega^2 = 1 - b^2/c^2.
    Ordered by a: [the lower Hopf point (x < 0), the upper one (x > 0, where AUTO's demo
    starts its cycle branch)].
    """
    out = []
    for sgn in (-1.0, 1.0):
        x = sgn * math.sqrt(1 - b / c**2)
        omega = math.sqrt(1 - b * b / c**2)
        out.append(RefPoint("H", "a", (1 - b) * x + b * x**3 / 3, {"x": x, "y": x**3 / 3 - x},
                            period=2 * math.pi / omega, accuracy=1e-15, source="closed form",
                            data={"omega": omega, "b": b, "c": c}))
    return {"H": out}


@functools.lru_cache(maxsize=None)
def _fhn_lpc_bracket(rtol_approach: float, N: int):
    """Follow the cycle branch from the stable cycle at a = 0.4305 until the nontrivial
    multiplier crosses 1 (the fold); return the last point before it and the tangent there."""
    b, c = FHN_PARAMS["b"], FHN_PARAMS["c"]
    fld = _fhn_field(b, c)
    xh = math.sqrt(1 - b / c**2)
    ystar = xh**3 / 3 - xh                     # section y = y*, crossed downwards
    section = (1, ystar)
    a0 = 0.4305                                # just below the fold: a stable relaxation cycle
    te, xe = _section_crossings(fld, [0.0, 0.5], a0, 150.0, 1, ystar, -1)
    period = te[-1] - te[-2]
    X = _initial_segments(fld, xe[-1], period, a0, N)
    cyc = _newton(fld, X, period, a0, section=section, rtol=rtol_approach, free="span")
    prev = np.zeros(cyc.z().size)
    prev[-2] = 1.0                             # towards longer periods (into the canard explosion)
    v = _tangent(fld, cyc, section=section, rtol=rtol_approach, sym=1.0, prev=prev)
    ds, q = 0.3, -1.0
    for _ in range(200):
        try:
            new = _arclength(fld, cyc, v, ds, section=section, rtol=rtol_approach, sym=1.0)
        except (ArithmeticError, np.linalg.LinAlgError):
            ds /= 2
            if ds < 1e-4:
                raise
            continue
        q_new = float(sum(np.log(np.linalg.det(P)) for P in new.Phis))   # log of the multiplier
        if q_new > 0:
            return fld, section, cyc, v, ds
        cyc, q = new, q_new
        v = _tangent(fld, cyc, section=section, rtol=rtol_approach, sym=1.0, prev=v)
        ds = min(1.5 * ds, 1.0)
    raise ArithmeticError("fhn: the fold of cycles was not reached")


@functools.lru_cache(maxsize=None)
def fhn_lpc(rtol: float = 1e-12, method: str = "multiplier", N: int = 20) -> RefPoint:
    """The fold of cycles (LPC) of fhn with AUTO's parameters, by multiple shooting.

    The cycle branch born at the upper (subcritical) Hopf point a = 0.4228176 grows through a
    canard explosion; a rises to a maximum, the fold, and the branch returns as the stable
    relaxation cycle. Route: the stable cycle at a = 0.4305 (simulation), pseudo-arclength
    continuation of the multiple-shooting equations (N segments, section y = y* crossed
    downwards, y* = the Hopf equilibrium's y) towards longer periods until the nontrivial
    multiplier exp(int div f dt) crosses 1, then on the local chord parametrisation:

    * ``method="multiplier"``: brentq for log(multiplier) = 0 (the LPC test function);
    * ``method="extremum"``: Brent maximisation of a along the family (its geometric
      definition; a is flat there, so the period is known only to ~1e-4, a to ~1e-11).

    ``state`` is the cycle's point on the section; ``data["log_multiplier"]`` its test
    function value.
    """
    fld, section, cyc0, v, ds = _fhn_lpc_bracket(1e-9, N)
    last: list = [0.0, cyc0]

    def at(sigma):
        cyc = _arclength(fld, cyc0, v, sigma, section=section, rtol=rtol, sym=1.0, start=tuple(last))
        last[:] = [sigma, cyc]
        return cyc

    def logmult(cyc):
        return float(sum(np.log(np.linalg.det(P)) for P in cyc.Phis))

    if method == "multiplier":
        sigma = brentq(lambda s: logmult(at(s)), 0.0, ds, xtol=1e-11, rtol=1e-15)
        src = "multiple shooting; brentq on log(nontrivial multiplier) = 0"
    elif method == "extremum":
        res = minimize_scalar(lambda s: -at(s).p, bounds=(0.0, ds), method="bounded",
                              options={"xatol": 1e-6})
        sigma = res.x
        src = "multiple shooting; Brent maximisation of a along the family"
    else:
        raise ValueError(method)
    cyc = at(sigma)
    return RefPoint("LPC", "a", float(cyc.p), {"x": float(cyc.X[0, 0]), "y": float(cyc.X[0, 1])},
                    period=float(cyc.span), accuracy=1e-10 if method == "multiplier" else 1e-9,
                    source=f"{src} (N={N}, DOP853 rtol={rtol:g})",
                    data={"log_multiplier": logmult(cyc), "section": "y = y_Hopf, crossed downwards",
                          "b": FHN_PARAMS["b"], "c": FHN_PARAMS["c"],
                          "segments": cyc.X.copy()})


# ============================================================================================
# Rössler: x' = -y - z, y' = x + a y, z' = b + z (x - c), a = b = 0.2, parameter c
# ============================================================================================
#: a = b = 0.2 (Rössler 1976's a = 0.2, b = 0.2); c is the continuation parameter.
ROSSLER_PARAMS = {"a": 0.2, "b": 0.2, "c": 2.5}

#: Published period-1 orbit at c = 5.7 (ChaosBook extras, "Roessler's model",
#: http://cns.physics.gatech.edu/ChaosBook/extras/simon/Roessler.html): on the section x = 0,
#: its period, section point and Floquet multipliers.
CHAOSBOOK_ROSSLER_UPO = {"c": 5.7, "period": 5.88108845586, "y": 6.09176831742, "z": 1.29973195919,
                         "multiplier": -2.403953527}


def rossler_model(**params: float):
    """The Rössler system; keywords override :data:`ROSSLER_PARAMS`."""
    text = """
        dx/dt = -y - z
        dy/dt = x + a*y
        dz/dt = b + z*(x - c)
    """
    return _model(text, {**ROSSLER_PARAMS, **params}, {"x": 1.0, "y": 1.0, "z": 0.0}, "rossler")


def rossler_rhs(x: Sequence[float], p: Mapping[str, float] = ROSSLER_PARAMS) -> np.ndarray:
    """Plain numpy right-hand side of the Rössler system (state order x, y, z)."""
    u, v, w = x
    return np.array([-v - w, u + p["a"] * v, p["b"] + w * (u - p["c"])])


def _rossler_field(a: float = 0.2, b: float = 0.2) -> _Field:
    return _Field(lambda x, c: np.array([-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c)]),
                  lambda x, c: np.array([[0.0, -1.0, -1.0], [1.0, a, 0.0], [x[2], 0.0, x[0] - c]]),
                  lambda x, c: np.array([0.0, 0.0, -x[2]]))


#: Section of the Rössler cycles: x = 0 crossed with x decreasing.
_ROSSLER_SECTION = (0, 0.0)


def rossler_cycle(c: float, rounds: int = 1, seed=None, rtol: float = 1e-12, N: int | None = None):
    """A periodic orbit of the Rössler system at ``c`` that crosses x = 0 (downwards)
    ``rounds`` times per period, by multiple shooting.

    ``seed``: (point on the section, period); default: the attractor's, by simulation (so the
    orbit must be stable, or the seed close to it). Returns (section point, period, Floquet
    multipliers sorted by real part).
    """
    fld = _rossler_field()
    N = N or 8 * rounds
    if seed is None:
        te, xe = _section_crossings(fld, [1.0, 1.0, 0.0], c, 300.0, 0, 0.0, -1)
        seed = (xe[-1], te[-1] - te[-1 - rounds])
    x0, period = seed
    X = _initial_segments(fld, x0, period, c, N)
    cyc = _newton(fld, X, period, c, section=_ROSSLER_SECTION, rtol=rtol, free="span")
    mu = np.linalg.eigvals(cyc.map_derivative(1.0))
    return cyc.X[0].copy(), float(cyc.span), mu[np.argsort(mu.real)]


@functools.lru_cache(maxsize=None)
def rossler_period_doublings(rtol: float = 1e-12) -> list[RefPoint]:
    """The first two period doublings of the Rössler system in c (a = b = 0.2).

    PD1: the period-1 orbit (stable at c = 2.8) gets a multiplier -1; PD2: the period-2 orbit
    born there (stable at c = 3.8) does. Each: multiple shooting (section x = 0, crossed
    downwards), Floquet multipliers from the segments' variational matrices, and brentq in c
    for (the real multiplier nearest -1) + 1 = 0, each evaluation a Newton solve seeded by the
    previous one. ``period`` is the period of the orbit that doubles (the new orbit has twice
    it); ``state`` its point on the section.
    """
    fld = _rossler_field()
    out = []
    for rounds, seed_c, (lo, hi) in ((1, 2.5, (2.8, 2.85)), (2, 3.5, (3.8, 3.9))):
        # seed: the stable orbit at seed_c (simulated; it attracts fast there), then Newton at lo
        te, xe = _section_crossings(fld, [1.0, 1.0, 0.0], seed_c, 200.0, 0, 0.0, -1)
        X = _initial_segments(fld, xe[-1], te[-1] - te[-1 - rounds], seed_c, 8 * rounds)
        cyc = _newton(fld, X, te[-1] - te[-1 - rounds], seed_c, section=_ROSSLER_SECTION, rtol=1e-9,
                      free="span")
        X, period = cyc.X, cyc.span
        cyc = _newton(fld, X, period, lo, section=_ROSSLER_SECTION, rtol=rtol, free="span")
        state = {"cyc": cyc}

        def g(c):
            cur = state["cyc"]
            new = _newton(fld, cur.X, cur.span, c, section=_ROSSLER_SECTION, rtol=rtol, free="span")
            state["cyc"] = new
            mu = np.linalg.eigvals(new.map_derivative(1.0))
            return float(mu[np.argmin(np.abs(mu + 1))].real + 1)

        c_pd = brentq(g, lo, hi, xtol=1e-12, rtol=1e-15)
        g(c_pd)
        cyc = state["cyc"]
        mu = np.linalg.eigvals(cyc.map_derivative(1.0))
        out.append(RefPoint("PD", "c", float(c_pd), dict(zip("xyz", map(float, cyc.X[0]))),
                            period=float(cyc.span), accuracy=1e-10,
                            source=f"multiple shooting (N={8 * rounds}, DOP853 rtol={rtol:g}); brentq on "
                                   "multiplier + 1 = 0",
                            data={"rounds": rounds, "multipliers": tuple(mu[np.argsort(mu.real)]),
                                  "period_after": 2 * float(cyc.span), "a": 0.2, "b": 0.2,
                                  "section": "x = 0, crossed downwards"}))
    return out


def rossler_poincare_multipliers(c: float, seed_point, rounds: int = 1, rtol: float = 1e-12,
                                 h: float = 1e-5):
    """An independent route: the fixed point of the ``rounds``-th return map to x = 0 (crossed
    downwards) in (y, z), by Newton with a central-difference Jacobian, and the eigenvalues
    of that Jacobian (the nontrivial Floquet multipliers). No multiple shooting, no
    variational equations. Returns ((y, z), eigenvalues)."""
    a = b = 0.2
    f = lambda t, x: [-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c)]  # noqa: E731

    def ret(yz):
        x = np.array([0.0, yz[0], yz[1]])
        for _ in range(rounds):
            ev = lambda t, u: u[0] if t > 1e-3 else -1.0  # noqa: E731  (skip the start)
            ev.direction, ev.terminal = -1, True
            sol = solve_ivp(f, (0.0, 50.0), x, method="DOP853", rtol=rtol, atol=rtol * 1e-3, events=ev)
            x = sol.y_events[0][0]
        return x[1:]

    def jac(yz):
        J = np.zeros((2, 2))
        for k in range(2):
            e = np.zeros(2)
            e[k] = h
            J[:, k] = (ret(yz + e) - ret(yz - e)) / (2 * h)
        return J

    yz = np.array(seed_point, float)
    for _ in range(20):
        d = np.linalg.solve(jac(yz) - np.eye(2), -(ret(yz) - yz))
        yz = yz + d
        if np.max(np.abs(d)) < 1e-11:
            break
    else:
        raise ArithmeticError("Poincare-map Newton did not converge")
    return yz, np.sort(np.linalg.eigvals(jac(yz)).real)


# ============================================================================================
# tor: x' = (-(beta + nu) x + beta y - a3 x^3 + b3 (y - x)^3)/r,
#      y' = beta x - (beta + gamma) y - z - b3 (y - x)^3,  z' = y
#      (AUTO demo tor; Freire, Rodriguez-Luis, Gamero & Ponce 1993). Odd in (x, y, z).
# ============================================================================================
#: AUTO demo tor, STPNT: nu = PAR(1) = -0.9 (continuation parameter), beta = 0.5,
#: gamma = -0.6, r = 0.6, a3 = 0.328578, b3 = 0.933578; start at the origin.
TOR_PARAMS = {"nu": -0.9, "beta": 0.5, "gamma": -0.6, "r": 0.6, "a3": 0.328578, "b3": 0.933578}


def tor_model(**params: float):
    """The tor electronic oscillator; keywords override :data:`TOR_PARAMS`."""
    text = """
        dx/dt = (-(beta + nu)*x + beta*y - a3*x**3 + b3*(y - x)**3)/r
        dy/dt = beta*x - (beta + gamma)*y - z - b3*(y - x)**3
        dz/dt = y
    """
    return _model(text, {**TOR_PARAMS, **params}, {"x": 0.0, "y": 0.0, "z": 0.0}, "tor")


def tor_rhs(x: Sequence[float], p: Mapping[str, float] = TOR_PARAMS) -> np.ndarray:
    """Plain numpy right-hand side of tor (state order x, y, z)."""
    u, v, w = x
    d3 = p["b3"] * (v - u)**3
    return np.array([(-(p["beta"] + p["nu"]) * u + p["beta"] * v - p["a3"] * u**3 + d3) / p["r"],
                     p["beta"] * u - (p["beta"] + p["gamma"]) * v - w - d3, v])


def _tor_field(p: Mapping[str, float] = TOR_PARAMS) -> _Field:
    be, ga, r, a3, b3 = (p[k] for k in ("beta", "gamma", "r", "a3", "b3"))

    def f(u, nu):
        x, y, z = u
        d3 = b3 * (y - x)**3
        return np.array([(-(be + nu) * x + be * y - a3 * x**3 + d3) / r, be * x - (be + ga) * y - z - d3, y])

    def jac(u, nu):
        x, y, _ = u
        e = 3 * b3 * (y - x)**2
        return np.array([[(-(be + nu) - 3 * a3 * x * x - e) / r, (be + e) / r, 0.0],
                         [be + e, -(be + ga) - e, -1.0], [0.0, 1.0, 0.0]])

    return _Field(f, jac, lambda u, nu: np.array([-u[0] / r, 0.0, 0.0]))


def tor_reference(dps: int = 30) -> dict[str, list[RefPoint]]:
    """Pitchfork and Hopf point of the origin of tor, in closed form.

    At the origin J = [[A, beta/r, 0], [beta, -D, -1], [0, 1, 0]], A = -(beta + nu)/r,
    D = beta + gamma, and det(lambda I - J) = lambda^3 + (D - A) lambda^2
    + (1 - A D - beta^2/r) lambda - A. A real eigenvalue vanishes at A = 0, nu = -beta: the
    Z2 pitchfork, with the bifurcating equilibria y = 0, x^2 = -(beta + nu)/(a3 + b3),
    z = beta x + b3 x^3 (for nu < -beta). Hopf: (D - A)(1 - A D - beta^2/r) = -A, i.e.
    D A^2 + (beta^2/r - D^2) A + D (1 - beta^2/r) = 0; the root with omega^2 = 1 - A D -
    beta^2/r > 0 in the demo's range -0.9 <= nu <= -0.4 gives nu = -beta - r A (the third
    eigenvalue, A - D, is positive there: the cycles born at this Hopf point are unstable).
    """
    with mpmath.workdps(dps):
        be, ga, r = (mpmath.mpf(TOR_PARAMS[k]) for k in ("beta", "gamma", "r"))
        D, Bb = be + ga, be * be / r
        disc = mpmath.sqrt((Bb - D * D)**2 - 4 * D * D * (1 - Bb))
        roots = [(-(Bb - D * D) + s * disc) / (2 * D) for s in (1, -1)]
        hopf = []
        for A in roots:
            om2 = 1 - A * D - Bb
            nu = -be - r * A
            if om2 > 0 and -0.9 <= nu <= -0.4:
                hopf.append(RefPoint("H", "nu", float(nu), {"x": 0.0, "y": 0.0, "z": 0.0},
                                     period=float(2 * mpmath.pi / mpmath.sqrt(om2)), accuracy=1e-15,
                                     source=f"closed form (quadratic in A = -(beta + nu)/r), mpmath {dps} digits",
                                     data={"omega": float(mpmath.sqrt(om2)), "third_eigenvalue": float(A - D)}))
        bp = RefPoint("BP", "nu", float(-be), {"x": 0.0, "y": 0.0, "z": 0.0}, accuracy=0.0, source="exact",
                      data={"branches": "origin, and y = 0, x = ±sqrt(-(beta + nu)/(a3 + b3)), "
                                        "z = beta x + b3 x^3 for nu < -beta"})
        return {"BP": [bp], "H": hopf}


@functools.lru_cache(maxsize=None)
def _tor_branch(rtol: float = 1e-10, N: int = 10):
    """Symmetric cycles x(t + T/2) = -x(t) from the Hopf point of the origin, by pseudo-
    arclength continuation of the half-period shooting equations; stops after the first
    multiplier -1 of the half-period map. Returns the field, the section and the points."""
    fld = _tor_field()
    h = tor_reference()["H"][0]
    nu_h, omega = h.value, h.data["omega"]
    w, V = np.linalg.eig(fld.jac(np.zeros(3), nu_h))
    q = V[:, np.argmax(w.imag)]
    q = q * np.exp(1j * (math.pi / 2 - np.angle(q[0])))          # Re q[0] = 0: starts on x = 0
    half = math.pi / omega
    section = (0, 0.0)
    eps = 0.05
    X = np.array([eps * np.real(q * np.exp(1j * omega * half * k / N)) for k in range(N)])
    # first point: amplitude fixed by y(0) = eps * Re q[1]
    e = np.zeros(X.size + 2)
    e[1] = 1.0
    cyc = _newton(fld, X, half, nu_h, section=section, rtol=rtol, sym=-1.0, free="both",
                  constraint=(np.zeros(X.size + 2), e, X[0, 1]))
    prev = np.concatenate([X.ravel(), [0.0, 0.0]])
    v = _tangent(fld, cyc, section=section, rtol=rtol, sym=-1.0, prev=prev)
    points = [cyc]
    for _ in range(40):
        cyc = _arclength(fld, cyc, v, 0.1, section=section, rtol=rtol, sym=-1.0)
        points.append(cyc)
        if _half_map_test(points[-2]) * _half_map_test(cyc) < 0:
            return fld, section, points
        v = _tangent(fld, cyc, section=section, rtol=rtol, sym=-1.0, prev=v)
    raise ArithmeticError("tor: no symmetry-breaking multiplier found")


def _pair_tests(M: np.ndarray) -> tuple[float, float]:
    """For a 3 x 3 map derivative with the trivial eigenvalue 1: with s and q the sum and the
    product of the two others (s = trace - 1, q = det), return (l1 - 1)(l2 - 1) = q - s + 1,
    zero when another eigenvalue is +1, and (l1 + 1)(l2 + 1) = q + s + 1, zero when one is -1.
    Smooth in the parameters, and no eigenvalue has to be picked out."""
    s, q = float(np.trace(M)) - 1.0, float(np.linalg.det(M))
    return q - s + 1.0, q + s + 1.0


def _half_map_test(cyc: _Cycle) -> float:
    """Zero where the half-period map has the eigenvalue -1 (a symmetry-breaking BPC)."""
    return _pair_tests(cyc.map_derivative(-1.0))[1]


def _fold_test(cyc: _Cycle, sym: float) -> float:
    """Zero where the map derivative (half-period map for sym = -1, monodromy for sym = +1) has
    a second eigenvalue +1."""
    return _pair_tests(cyc.map_derivative(sym))[0]


@functools.lru_cache(maxsize=None)
def tor_symmetric_cycles(rtol: float = 1e-12) -> dict[str, RefPoint]:
    """Fold (LPC) and symmetry-breaking branch point (BPC) on tor's symmetric cycle branch.

    The branch from the Hopf point (nu = -0.5893365) consists of cycles with
    x(t + T/2) = -x(t); they are fixed points of the half-period map x -> -phi_{T/2}(x),
    whose derivative H = -Phi(T/2) has the trivial eigenvalue +1 and M = H^2.

    * LPC: nu is maximal along the branch; H has a second eigenvalue +1. Located with the
      half-period T/2 as parameter (nu free): brentq for (l1 - 1)(l2 - 1) = 0, l1, l2 the
      nontrivial eigenvalues of H (from its trace and determinant).
    * BPC: H has the eigenvalue -1 (M has a double +1 that is not a fold; the asymmetric
      cycles branch off): brentq in nu for (l1 + 1)(l2 + 1) = 0.

    Multiple shooting over half a period (N = 10 segments, section x = 0).
    """
    fld, section, pts = _tor_branch()
    out = {}
    # LPC: the point where the tangent's nu component changes sign
    nus = [c.p for c in pts]
    k = int(np.argmax(nus))
    lo, hi = pts[k - 1], pts[k + 1]
    state = {"cyc": pts[k]}

    def solve_at_span(span):
        cur = state["cyc"]
        new = _newton(fld, cur.X, span, cur.p, section=section, rtol=rtol, sym=-1.0, free="p")
        state["cyc"] = new
        return new

    def lpc_test(span):
        return _fold_test(solve_at_span(span), -1.0)

    span = brentq(lpc_test, lo.span, hi.span, xtol=1e-13, rtol=1e-15)
    cyc = solve_at_span(span)
    out["LPC"] = RefPoint("LPC", "nu", float(cyc.p), dict(zip("xyz", map(float, cyc.X[0]))),
                          period=2 * float(cyc.span), accuracy=1e-10,
                          source=f"half-period multiple shooting (N=10, DOP853 rtol={rtol:g}); brentq in T/2 "
                                 "for a second eigenvalue +1 of the half-period map",
                          data={"half_map_eigenvalues": tuple(np.linalg.eigvals(cyc.map_derivative(-1.0))),
                                "section": "x = 0", "symmetric": True})
    # BPC: the bracket where the half-map test changes sign
    for c0, c1 in zip(pts[k:-1], pts[k + 1:]):
        if _half_map_test(c0) * _half_map_test(c1) < 0:
            break
    state["cyc"] = c0

    def solve_at_nu(nu):
        cur = state["cyc"]
        new = _newton(fld, cur.X, cur.span, nu, section=section, rtol=rtol, sym=-1.0, free="span")
        state["cyc"] = new
        return new

    nu = brentq(lambda s: _half_map_test(solve_at_nu(s)), c1.p, c0.p, xtol=1e-14, rtol=1e-15)
    cyc = solve_at_nu(nu)
    out["BPC"] = RefPoint("BPC", "nu", float(nu), dict(zip("xyz", map(float, cyc.X[0]))),
                          period=2 * float(cyc.span), accuracy=1e-10,
                          source=f"half-period multiple shooting (N=10, DOP853 rtol={rtol:g}); brentq in nu "
                                 "for the half-period map's eigenvalue -1",
                          data={"half_map_eigenvalues": tuple(np.linalg.eigvals(cyc.map_derivative(-1.0))),
                                "monodromy_eigenvalues": tuple(np.linalg.eigvals(cyc.map_derivative(-1.0)) ** 2),
                                "section": "x = 0", "symmetric": True,
                                "segments": cyc.X.copy()})
    return out


def tor_bpc_full_period(rtol: float = 1e-12, N: int = 16, delta: float = 1e-5) -> RefPoint:
    """A second route to tor's BPC that does not use the symmetry: full-period multiple shooting.

    At the BPC the full-period equations are singular (two branches cross), so the test
    function -- (mu1 - 1)(mu2 - 1) of the monodromy's nontrivial multipliers, from its trace and
    determinant -- is evaluated at nu* + k delta, k = -2, -1, 1, 2, around the half-period
    route's nu*, and its root is that of the cubic through the four values (error ~ delta^4).
    """
    bpc = tor_symmetric_cycles(1e-10)["BPC"]
    fld = _tor_field()
    section = (0, 0.0)
    X0 = _initial_segments(fld, bpc.data["segments"][0], bpc.period, bpc.value, N, rtol=1e-11)
    nus, tests, periods = [], [], []
    for k in (-2, -1, 1, 2):
        nu = bpc.value + k * delta
        cyc = _newton(fld, X0, bpc.period, nu, section=section, rtol=rtol, free="span", tol=1e-10)
        nus.append(nu)
        tests.append(_fold_test(cyc, 1.0))
        periods.append(cyc.span)
    t = (np.array(nus) - bpc.value) / delta
    poly = np.polynomial.Polynomial.fit(t, tests, 3, domain=[-1, 1], window=[-1, 1])
    roots = [r.real for r in poly.roots() if abs(r.imag) < 1e-12 and -2 <= r.real <= 2]
    if len(roots) != 1 or not (min(tests) < 0 < max(tests)):
        raise ArithmeticError(f"tor full-period test: no single sign change ({tests})")
    nu = bpc.value + roots[0] * delta
    period = float(np.polynomial.Polynomial.fit(t, periods, 3)(roots[0]))
    return RefPoint("BPC", "nu", float(nu), {}, period=period, accuracy=1e-9,
                    source=f"full-period multiple shooting (N={N}, DOP853 rtol={rtol:g}); root of the cubic "
                           f"through the monodromy test at nu* + k*{delta:g}, k = -2, -1, 1, 2",
                    data={"test_values": tuple(tests), "nu_values": tuple(nus)})


#: Further along the same symmetric branch (period ~19.5): a second fold, after which the
#: symmetric cycles are *stable*, and a second symmetry-breaking branch point where they lose
#: that stability to asymmetric cycles (the half-period map's eigenvalue passes -1, so the
#: monodromy gets a second multiplier +1; not a fold). Following the branch there takes ~10 s,
#: so these are constants computed by scripts/references/tor_stable_bpc.py on 2026-12-06
#: (half-period multiple shooting N = 10, DOP853 rtol 1e-12, brentq in T/2; the run at rtol
#: 1e-10 agrees to 3e-14 in nu and 5e-12 in the period). Section point on x = 0.
_TOR_SECOND = {
    "LPC": {"nu": -0.8325141453832924, "period": 19.415681386259678,
            "point": (0.0, -0.22771661643445656, -0.04006107667890459)},
    "BPC": {"nu": -0.8324379312674447, "period": 19.63664543630985,
            "point": (0.0, -0.22685179825249685, -0.040859103294084674)},
}


def tor_second_lpc_bpc() -> dict[str, RefPoint]:
    """The second fold (LPC) and second BPC of tor's symmetric cycles (embedded constants, see
    ``_TOR_SECOND``). Between them (nu in (-0.8325141, -0.8324379)) the symmetric cycle is
    stable; past the BPC (longer periods) it is unstable, the half-period map's eigenvalue
    having gone through -1."""
    out = {}
    for kind, d in _TOR_SECOND.items():
        out[kind] = RefPoint(kind, "nu", d["nu"], dict(zip("xyz", d["point"])), period=d["period"],
                             accuracy=1e-10,
                             source="scripts/references/tor_stable_bpc.py, 2026-12-06 (half-period multiple "
                                    "shooting, N=10, DOP853 rtol 1e-12)",
                             data={"symmetric": True, "section": "x = 0",
                                   "stable_side": "longer periods" if kind == "LPC" else "shorter periods"})
    return out


def tor_symmetric_cycle_at_period(period: float, nu: float, point: Sequence[float], rtol: float = 1e-12,
                                  N: int = 10) -> dict[str, Any]:
    """The symmetric cycle of tor with the given period, from a guess (nu, point on x = 0), by
    half-period multiple shooting with nu free. Returns nu, the section point, the half-period
    map's eigenvalues and the two test functions (l1 - 1)(l2 - 1) (fold) and (l1 + 1)(l2 + 1)
    (symmetry-breaking branch point) of its nontrivial eigenvalues."""
    fld = _tor_field()
    X = _initial_segments(fld, point, period / 2, nu, N, rtol=rtol)
    cyc = _newton(fld, X, period / 2, nu, section=(0, 0.0), rtol=rtol, sym=-1.0, free="p")
    H = cyc.map_derivative(-1.0)
    fold, flip = _pair_tests(H)
    return {"nu": float(cyc.p), "point": cyc.X[0].copy(), "half_map_eigenvalues": np.linalg.eigvals(H),
            "fold_test": fold, "flip_test": flip}
