"""How cycle branches end: shrinking into a Hopf point, or a diverging period (SNIC or saddle homoclinic).

A diverging period means the orbit spends ever longer near a slow point. At the last
computed cycle we look at its slowest point and ask two questions:

* is there a saddle equilibrium at the current parameter right next to the orbit? Then the
  branch ends at a homoclinic orbit (``HOM``); T ≈ -(1/λu) ln|p - p*| gives p*;
* otherwise, is there a saddle-node of equilibria next to the orbit at the parameter where
  T^-2 (linear in p near a saddle-node) extrapolates to zero? It is found from the side where
  the equilibria still exist, by continuing them to their fold. Then the branch ends at a
  saddle-node on invariant circle (``SNIC``) at the fold's parameter, with T ≈ K/√|p - p*|.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..branch import SpecialPoint
from ..equilibria import newton
from ..errors import Status, StatusCode
from .engine import continuation
from .problem import Point
from .settings import ContinuationSettings
from .equilibria import EquilibriumProblem, sorted_eigenvalues
from .normal_forms import fold_coefficients

if TYPE_CHECKING:
    from .cycles import CycleProblem

__all__ = ["hopf_end_points", "near_hopf", "classify_divergence", "divergence_end"]


def near_hopf(pb: "CycleProblem", z: np.ndarray, rec: dict, tol: float = 0.05) -> bool:
    """Is this small cycle next to a Hopf point? (An equilibrium inside it has a complex pair
    with |Re λ| <= tol |Im λ| and 2π/|Im λ| within tol of the period.)"""
    X, T, p = pb.unpack(z)
    x_eq, ok = newton(pb.cm, rec["mean"], p)
    if not ok or _distance_to_orbit(x_eq, X) > 2.0 * rec["amplitude"] + 1e-12:
        return False
    ev = np.linalg.eigvals(pb.cm.jac(x_eq, p))
    cplx = ev[ev.imag > 0]
    if cplx.size == 0:
        return False
    lam = cplx[np.argmin(np.abs(cplx.real))]
    return abs(lam.real) <= tol * lam.imag and abs(2 * math.pi / lam.imag - T) <= tol * T


def hopf_end_points(pb: "CycleProblem", z: np.ndarray) -> list[Point]:
    """The Hopf point near a vanishing cycle, as a final branch point (a constant 'cycle').

    The Hopf point is located on the equilibrium branch through the cycle's mean, by the
    equilibrium problem of the same engine, in a small window around the current parameter.
    """
    X, T, p = pb.unpack(z)
    mean = pb.node_weights @ X
    x_eq, ok = newton(pb.cm, mean, p)
    if not ok:
        return []
    pc = float(p[pb.ip])
    eq = EquilibriumProblem(pb.cm, pb.ip, p)
    hopfs: list[SpecialPoint] = []
    for width in (1e-3, 1e-2, 1e-1):
        delta = width * (abs(pc) + 1.0)
        st = ContinuationSettings(ds_max=delta / 4, max_steps=200)
        raw = continuation(eq, np.append(x_eq, pc), (pc - delta, pc + delta), st)
        hopfs = [pt.special for pt in raw.points if pt.special is not None and pt.special.kind == "H"]
        if hopfs:
            break
    if not hopfs:
        return []
    sp = min(hopfs, key=lambda s: abs(s.param - pc))
    sp.data["terminal"] = True
    sp.data["end"] = "hopf"
    xh = sp.x
    Xh = np.tile(xh, (pb.P, 1))
    zh = pb.pack(Xh, sp.data["period"], sp.param)
    rec = pb.record(zh)
    tangent = np.zeros_like(zh)
    return [Point(zh, tangent, rec, np.zeros(len(pb.event_kinds)), sp)]


def _fold_near(pb: "CycleProblem", X: np.ndarray, x_slow: np.ndarray, p: np.ndarray, p_fit: float,
               ps: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A fold of equilibria next to the orbit's bottleneck, found from the side where the equilibria
    still exist: Newton there from the slowest point, then the equilibrium branch up to its fold."""
    pc = float(p[pb.ip])
    diam = float(np.linalg.norm(X.max(axis=0) - X.min(axis=0))) or 1.0
    if math.isfinite(p_fit) and p_fit != pc:
        gap, direction = abs(pc - p_fit), math.copysign(1.0, p_fit - pc)
    else:
        gap, direction = 10 * abs(ps[-1] - ps[-2]) + 1e-9, math.copysign(1.0, ps[-1] - ps[-2])
    for k in (2.0, 5.0, 20.0):
        p_try = p.copy()
        p_try[pb.ip] = pc + direction * (gap + k * gap)
        x_eq, ok = newton(pb.cm, x_slow, p_try)
        if not ok or _distance_to_orbit(x_eq, X) > 0.2 * diam:
            continue
        eq = EquilibriumProblem(pb.cm, pb.ip, p_try)
        bounds = (min(p_try[pb.ip], pc), max(p_try[pb.ip], pc))
        raw = continuation(eq, np.append(x_eq, p_try[pb.ip]), bounds,
                           ContinuationSettings(ds_max=(k + 1) * gap / 10 + 0.02 * diam, max_steps=400))
        lps = [pt.special for pt in raw.points if pt.special is not None and pt.special.kind == "LP"]
        lps = [sp for sp in lps if _distance_to_orbit(sp.x, X) < 0.1 * diam]
        if lps:
            sp = min(lps, key=lambda s: abs(s.param - (p_fit if math.isfinite(p_fit) else pc)))
            pf = p.copy()
            pf[pb.ip] = sp.param
            return sp.x, pf
    return None


def _equilibria_near(cm, X: np.ndarray, speeds: np.ndarray, p: np.ndarray, diam: float) -> list[np.ndarray]:
    """Distinct equilibria next to the *slow* part of the orbit (where a diverging period is
    spent), found by Newton from its slowest points. An equilibrium the orbit merely passes by
    quickly (a spike crossing the depolarized saddle) is not where the period diverges."""
    order = np.argsort(speeds)
    slow = X[order[:max(3, X.shape[0] // 20)]]
    out: list[np.ndarray] = []
    for i in order[:6]:
        x_eq, ok = newton(cm, X[i], p)
        if ok and _distance_to_orbit(x_eq, slow) < 0.05 * diam and not any(
                np.allclose(x_eq, y, rtol=1e-6, atol=1e-9) for y in out):
            out.append(x_eq)
    return out


def _distance_to_orbit(x: np.ndarray, X: np.ndarray) -> float:
    return float(np.min(np.linalg.norm(X - x[None, :], axis=1)))


def classify_divergence(pb, points: Sequence[Point], X: np.ndarray, T: float, p: np.ndarray,
                        final: bool = True) -> tuple[Status, list[Point]]:
    """Status and end point when the period has grown beyond ``max_period_factor`` times its start value.

    ``pb`` is the problem (it provides ``cm``, ``ip``, ``param_name``), ``X`` samples of the last
    orbit, ``T`` its period and ``p`` its parameters. An orbit can pass near a saddle or a fold's
    ghost and still go on (reduced models with a reset): unless ``final``, an end is classified
    only once the period has grown far beyond its start value.
    """
    far = final or T > 3 * pb.max_period_factor * pb.T_start
    last = points[-1]
    pc = float(p[pb.ip])
    name = pb.param_name
    cm = pb.cm
    speeds = np.linalg.norm(np.array([cm.rhs(x, p) for x in X]), axis=1)
    x_slow = X[int(np.argmin(speeds))]
    diam = float(np.linalg.norm(X.max(axis=0) - X.min(axis=0))) or 1.0
    unit = cm.model.time_unit
    Ts = np.array([pt.record["period"] for pt in points])
    ps = np.array([pt.z[-1] for pt in points])
    tail = slice(max(0, len(points) - 8), len(points))

    for x_eq in (_equilibria_near(cm, X, speeds, p, diam) if far else []):
        ev = sorted_eigenvalues(cm.jac(x_eq, p))
        scale = float(np.max(np.abs(ev)))
        pos = ev[ev.real > 1e-9 * scale]
        # a homoclinic orbit leaves along the unstable and returns along the stable manifold: the
        # equilibrium must be a saddle (an unstable focus next to a canard cycle is not)
        if pos.size >= 1 and np.any(ev.real < -1e-9 * scale) and np.min(np.abs(ev.real)) > 1e-6 * scale:
            lam_u = float(np.max(pos.real))
            neg = ev[ev.real < 0]
            lam_s = float(np.max(neg.real)) if neg.size else math.nan
            # |p - p*| shrinks like exp(-λu T): by the end it is below what the points resolve, so the
            # last parameter is the estimate of p*
            p_star = pc
            data = {"lambda_u": lam_u, "saddle": x_eq, "saddle_eigenvalues": ev, "saddle_quantity": lam_u + lam_s,
                    "period": T, "param_last": pc}
            last.special = SpecialPoint("HOM", float(p_star), X[0].copy(), -1, data, name)
            return (Status(StatusCode.PERIOD_DIVERGED,
                           f"the period diverged (T={T:.6g} {unit} at {name}={pc:.8g}): the cycles approach a "
                           f"homoclinic orbit to a saddle (HOM) near {name}*={p_star:.8g}, unstable eigenvalue "
                           f"λu={lam_u:.6g}"), [])
    # where does T^-2, linear in p near a saddle-node, extrapolate to zero?
    sel = np.arange(len(points))[tail]
    sel = sel[Ts[sel] >= 0.5 * T]
    p_fit = math.nan
    if sel.size >= 3:
        slope, icpt = np.polyfit(ps[sel], Ts[sel] ** -2.0, 1)
        if slope != 0:
            p_fit = -icpt / slope
    fold = _fold_near(pb, X, x_slow, p, p_fit, ps)
    if fold is not None:
        xf, pf = fold
        p_star = float(pf[pb.ip])
        nf = fold_coefficients(cm, xf, pf, pb.ip)
        k_nf = math.pi / math.sqrt(abs(nf["a"] * nf["b"])) if nf["a"] * nf["b"] != 0 else math.nan
        if sel.size >= 2:
            K, C = np.polyfit(1.0 / np.sqrt(np.abs(ps[sel] - p_star)), Ts[sel], 1)
        else:
            K, C = T * math.sqrt(abs(pc - p_star)), 0.0
        if far:
            data = {"K": float(K), "C": float(C), "K_normal_form": k_nf, "fold": xf, "a": nf["a"], "b": nf["b"],
                    "period": T, "param_last": pc}
            last.special = SpecialPoint("SNIC", p_star, xf.copy(), -1, data, name)
            return (Status(StatusCode.PERIOD_DIVERGED,
                           f"the period diverged (T={T:.6g} {unit} at {name}={pc:.8g}): the cycles end in a "
                           f"saddle-node on invariant circle (SNIC) at the fold of equilibria {name}*={p_star:.10g}; "
                           f"T ≈ K/sqrt|{name} - {name}*| with K={K:.6g}"), [])
    gap = min((_distance_to_orbit(x, X) for x in _equilibria_near(cm, X, speeds, p, math.inf)), default=math.inf)
    near = (f"the nearest equilibrium is at {gap / diam:.1%} of the orbit's size" if math.isfinite(gap)
            else "no equilibrium was found next to its slowest points")
    return (Status(StatusCode.UNEXPLAINED,
                   f"the period grew to T={T:.6g} {unit} at {name}={pc:.8g}, but the orbit approaches neither a "
                   f"saddle nor a saddle-node of equilibria ({near}): the stop is unexplained; raise "
                   "max_period_factor or ntst to follow it further"), [])


def divergence_end(pb, points: Sequence[Point], X: np.ndarray, T: float, p: np.ndarray,
                   limit: float) -> tuple[Status, list[Point]] | None:
    """End a branch whose period exceeded ``pb.next_check``: when the end is classified (SNIC or HOM),
    or when the period passed ``limit``; otherwise look again once it has grown by half."""
    status, extra = classify_divergence(pb, points, X, T, p, final=T > limit)
    if points[-1].special is not None or T > limit:
        return status, extra
    pb.next_check = 1.5 * T
    return None
