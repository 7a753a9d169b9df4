"""Saddle-nodes on invariant circles along a fold curve, and the saddle-node-loop points where they stop.

A fold of equilibria is a SNIC when the saddle-node lies on an invariant circle: the branch of
its centre manifold that leaves it (the *unstable* side, where ξ' = a ξ² pushes away) comes
back to it from the other (*node*) side. That is a global property; it is decided here by
integrating the model (:func:`bifur.simulate`):

1. at the fold x*, the right and left null vectors v, w of the Jacobian give the centre
   coordinate ξ = w·(x - x*)/(w·v) and the quadratic coefficient a = w·B(v, v)/(2 w·v); the
   orbit starts at x* + ξ0 sign(a) v on the unstable side (ξ0 = ``offset`` times the size of x*);
2. it is followed until it has made its excursion (its farthest point from x*) and either
   - never comes back within ``r_in`` of x* (distances scaled by the extent of the orbit in each
     state): **not** on a circle (it went to another attractor, e.g. a cycle that misses x*);
   - comes back and leaves again: not on a circle (a cycle passing near x*);
   - comes back and stays: once the strongly contracting directions have decayed (the state is
     within 20 % of |ξ| of the centre direction) the sign of ξ decides, node side (the orbit
     converges to x*, a SNIC) or saddle side (it is about to leave again).

A saddle-node whose other eigenvalues are not all stable (a fold of a saddle with an unstable
node) is not a SNIC of a rest state: ``on_circle`` is False with that reason.

Along a fold curve (:func:`classify_snic`) the check is made at every point; where its answer
changes between neighbours, the saddle-node-loop point (SNL, where the returning orbit arrives
along the strong stable manifold instead of the centre manifold) is located by bisection along
the curve (each midpoint corrected onto the fold curve by Newton), to a relative precision
``tol`` in both parameters. The SNL is reported with the bracket of the last bisection.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .. import _checks
from ..branch import SpecialPoint
from ..curves import BifurcationCurve
from ..errors import ModelError
from ..model import Model
from .codim2_fold import FoldCurveProblem
from .corrector import Newton
from .settings import ContinuationSettings

__all__ = ["LoopCheck", "saddle_node_loop", "classify_snic", "fold_null_vectors"]


@dataclass(frozen=True)
class LoopCheck:
    """Outcome of the global check at one saddle-node.

    Attributes
    ----------
    on_circle : bool or None
        True: the unstable branch of the centre manifold returns to the saddle-node (a SNIC);
        False: it does not; None: undecided (see ``reason``).
    reason : str
        Why, in words.
    excursion : float
        Farthest distance of the orbit from x*, in the model's units (Euclidean).
    closest : float
        Closest scaled distance to x* after the excursion (0 = at x*, 1 = the orbit's extent).
    return_time : float
        Time at which the orbit came back within ``r_in`` of x* (NaN if it did not).
    xi : float
        Centre coordinate at the decision, positive on the unstable (saddle) side.
    a : float
        Quadratic coefficient of the centre dynamics ξ' = a ξ² (v of unit length).
    t_total : float
        Time integrated.
    """

    on_circle: bool | None
    reason: str
    excursion: float = math.nan
    closest: float = math.nan
    return_time: float = math.nan
    xi: float = math.nan
    a: float = math.nan
    t_total: float = 0.0


def fold_null_vectors(cm, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(eigenvalues, v, w, a) at a fold: unit right null vector v, left null vector w with w·v = 1,
    and a = w·B(v, v)/2, the coefficient of ξ' = a ξ² on the centre manifold x* + ξ v."""
    J = cm.jac(x, p)
    U, _, Vt = np.linalg.svd(J)
    v = Vt[-1].copy()
    w = U[:, -1].copy()
    wv = float(w @ v)
    if wv == 0.0:
        return np.linalg.eigvals(J), v, w, math.nan
    w = w / wv
    a = 0.5 * float(w @ cm.interpreted("d2")(x, p, v, v))
    return np.linalg.eigvals(J), v, w, a


def saddle_node_loop(model: Model, x, params: Mapping[str, float] | None = None, *, offset: float = 1e-3,
                     r_in: float = 0.1, max_time: float | None = None, rtol: float = 1e-9,
                     atol: float = 1e-11) -> LoopCheck:
    """Does the saddle-node of ``model`` at state ``x`` (a fold of equilibria at ``params``) lie on
    an invariant circle? See the module docstring for the algorithm.

    Parameters
    ----------
    model : Model
    x : array
        The saddle-node (a point of a fold curve or an "LP" point: exact to Newton's precision).
    params : mapping, optional
        Parameter values at the fold.
    offset : float
        Start of the orbit on the unstable branch, relative to the size of x* (|ξ0| = offset
        max(|x*|, 1e-6)).
    r_in : float
        Radius of the neighbourhood of x* that counts as a return (scaled distance: each state by
        its extent over the orbit).
    max_time : float, optional
        Longest integration (default: 2000 times the escape time 1/(|a| ξ0) of the centre dynamics).
    rtol, atol : float
        Tolerances of :func:`bifur.simulate`.

    Returns
    -------
    LoopCheck

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> ml = morris_lecar("snic")
    >>> lp = bifur.continue_equilibria(ml, "I", (-20.0, 150.0)).special("LP")[0]
    >>> saddle_node_loop(ml, lp.x, {"I": lp.param}).on_circle
    True
    >>> saddle_node_loop(ml, lp.x, {"I": lp.param, "phi": 0.23}).on_circle
    False
    """
    from ..simulate import simulate  # above this module in the pipeline; imported when used

    cm = model.compile()
    p = cm.param_vector(params)
    xs = _checks.state(model, x, "x")
    ev, v, w, a = fold_null_vectors(cm, xs, p)
    scale = float(np.max(np.abs(ev))) or 1.0
    zero = int(np.argmin(np.abs(ev)))
    rest = np.delete(ev, zero)
    if abs(ev[zero]) > 1e-6 * scale:
        return LoopCheck(None, f"x is not a saddle-node: its eigenvalue nearest zero is {ev[zero]:.3g}")
    if np.any(rest.real >= 0):
        return LoopCheck(False, f"not a saddle-node of a stable node: {int(np.sum(rest.real >= 0))} other "
                         "eigenvalue(s) with Re >= 0", a=a)
    if not (math.isfinite(a) and abs(a) > 1e-12 * scale / max(1.0, float(np.max(np.abs(xs))))):
        return LoopCheck(None, "the quadratic coefficient a vanishes (a cusp): no unstable side to follow", a=a)
    side = math.copysign(1.0, a)
    xi0 = offset * max(float(np.max(np.abs(xs))), 1e-6)
    t_escape = 1.0 / (abs(a) * xi0)
    lam_slow = float(np.min(np.abs(rest.real)))
    chunk = 4.0 * t_escape + 50.0 / lam_slow
    t_max = max_time if max_time is not None else 2000.0 * t_escape + 500.0 / lam_slow
    pars = model.param_values(params)
    ts = [np.zeros(1)]
    Xs = [(xs + side * xi0 * v)[None, :]]
    t0 = 0.0
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a failed run is reported below, from its status
            tr = simulate(model, chunk, params=pars, x0=Xs[-1][-1], rtol=rtol, atol=atol, throw=False)
        if not tr.status.ok:
            return LoopCheck(None, f"the integration failed: {tr.status.message}", a=a, t_total=t0)
        ts.append(tr.t[1:] + t0)
        Xs.append(tr.x[1:])
        t0 += chunk
        out = _decide(np.concatenate(ts), np.vstack(Xs), xs, v, w, side, r_in)
        if out is not None:
            on, reason, extra = out
            return LoopCheck(on, reason, a=a, t_total=t0, **extra)
        if t0 >= t_max:
            return LoopCheck(None, f"undecided after t={t0:.6g} {model.time_unit}: the orbit stays near the "
                             "saddle-node without settling on either side (raise max_time, or this is an SNL point)",
                             a=a, t_total=t0)
        chunk = min(2.0 * chunk, t_max - t0)


def _decide(t: np.ndarray, X: np.ndarray, xs: np.ndarray, v: np.ndarray, w: np.ndarray, side: float,
            r_in: float) -> tuple[bool, str, dict] | None:
    """The decision on the orbit so far (None: integrate further)."""
    dx = X - xs[None, :]
    extent = np.ptp(X, axis=0)
    s = np.maximum(extent, 1e-9 * (1.0 + np.abs(xs)))
    d = np.linalg.norm(dx / s, axis=1)
    out = np.flatnonzero(d >= 0.5)
    if out.size == 0:
        return None  # still leaving: the excursion has not reached half the orbit's extent yet
    far = int(out[0])
    excursion = float(np.max(np.linalg.norm(dx, axis=1)))
    xi = side * (dx @ w)
    extra = {"excursion": excursion}
    after = d[far:]
    extra["closest"] = float(after.min())
    inside = np.flatnonzero(after < r_in)
    if inside.size == 0:
        # not back yet; it is gone for good once it has settled (on another attractor) away from x*
        if _settled(t[far:], d[far:]):
            return False, ("the unstable branch of the centre manifold does not come back to the saddle-node "
                           f"(closest return at scaled distance {after.min():.3g})"), extra
        return None
    k_in = far + int(inside[0])
    extra["return_time"] = float(t[k_in])
    later = d[k_in:]
    if np.any(later > 2.0 * r_in):
        leave = int(np.argmax(later > 2.0 * r_in))
        extra["xi"] = float(xi[k_in + int(np.argmin(later[:max(leave, 1)]))])
        return False, ("the orbit comes back near the saddle-node on its unstable side and leaves again (a cycle "
                       f"passing at scaled distance {later.min():.3g})"), extra
    # inside the neighbourhood since k_in: decide once the state lies along the centre direction
    last = dx[-1]
    xi_end = float(xi[-1])
    off = float(np.linalg.norm((last - side * xi_end * v) / s))
    along = abs(xi_end) * float(np.linalg.norm(v / s))
    extra["xi"] = xi_end
    if along > 0 and off <= 0.2 * along:
        if xi_end < 0:
            return True, ("the unstable branch of the centre manifold returns to the saddle-node from its node "
                          "side (saddle-node on invariant circle)"), extra
        return False, ("the orbit comes back to the saddle-node on its unstable side (it will leave again: a "
                       "cycle passing near it)"), extra
    return None


def _settled(t: np.ndarray, d: np.ndarray) -> bool:
    """Whether the scaled distance over the last half of the run repeats itself (an equilibrium or a
    cycle reached): its range over the last quarter equals that over the quarter before, to 1 %."""
    if t.size < 8 or t[-1] - t[0] <= 0:
        return False
    t_mid = t[0] + 0.5 * (t[-1] - t[0])
    q3 = t[0] + 0.75 * (t[-1] - t[0])
    a = d[(t >= t_mid) & (t < q3)]
    b = d[t >= q3]
    if a.size < 2 or b.size < 2:
        return False
    return abs(float(a.min()) - float(b.min())) <= 0.01 * max(float(b.min()), 1e-12) + 1e-9 and \
        abs(float(a.max()) - float(b.max())) <= 0.01 * float(b.max()) + 1e-9


# -- along a fold curve -------------------------------------------------------------------------------
def _curve_point(curve: BifurcationCurve, i: int) -> tuple[np.ndarray, dict]:
    p1, p2 = curve.param_names
    return curve.x[i].copy(), {**curve.params, p1: float(curve.p1[i]), p2: float(curve.p2[i])}


def classify_snic(curve: BifurcationCurve, *, tol: float = 1e-7, offset: float = 1e-3, r_in: float = 0.1,
                  max_time: float | None = None) -> BifurcationCurve:
    """Mark the points of a fold curve that are SNICs, and locate the saddle-node-loop points (SNL).

    Parameters
    ----------
    curve : BifurcationCurve
        A fold curve ("LP") from :func:`bifur.continue_bifurcation`.
    tol : float
        Relative precision of the SNL in both parameters (the bisection stops when the bracket is
        narrower than ``tol * (1 + |p|)`` in each).
    offset, r_in, max_time
        Settings of the global check, :func:`saddle_node_loop`.

    Returns
    -------
    BifurcationCurve
        A copy of ``curve`` with the array ``snic`` (1.0 on an invariant circle, 0.0 not, NaN
        undecided), ``snic_reason`` in ``meta`` per point, and a point inserted at every SNL: a
        special point "SNL" whose ``bracket`` holds the p2 values of the last bisection and
        ``data`` the p1 values (``bracket_p1``), the side that is a SNIC (``snic_at``: (p1, p2)),
        the quadratic coefficient ``a``, the eigenvalues and the closest return on each side.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import morris_lecar
    >>> ml = morris_lecar("snic")
    >>> lp = bifur.continue_equilibria(ml, "I", (-20.0, 150.0)).special("LP")[0]
    >>> folds = classify_snic(bifur.continue_bifurcation(ml, lp, "phi", (0.05, 0.3)))
    >>> [snl] = folds.special("SNL")
    >>> round(snl.param, 5)   # checked by simulation either side in tests/test_snic_homoclinic.py
    0.19423
    """
    if not isinstance(curve, BifurcationCurve) or curve.curve_kind != "LP":
        raise ValueError("classify_snic needs a fold curve ('LP') from bifur.continue_bifurcation")
    model = curve.model
    if model is None:
        raise ModelError("this curve carries no model")
    kw = dict(offset=offset, r_in=r_in, max_time=max_time)
    checks = [saddle_node_loop(model, *_curve_point(curve, i), **kw) for i in range(len(curve))]
    flag = np.array([math.nan if c.on_circle is None else float(c.on_circle) for c in checks])
    snls = []
    for i in range(len(curve) - 1):
        if np.isfinite(flag[i]) and np.isfinite(flag[i + 1]) and flag[i] != flag[i + 1]:
            snls.append((i, _bisect(curve, i, bool(flag[i]), tol, kw)))
    return _with_snl(curve, flag, [c.reason for c in checks], snls)


def _fold_problem(curve: BifurcationCurve, i: int) -> FoldCurveProblem:
    cm = curve.model.compile()
    p1, p2 = curve.param_names
    x, pars = _curve_point(curve, i)
    p = cm.param_vector(pars)
    return FoldCurveProblem(cm, cm.param_index(p1), cm.param_index(p2), p, x)


def _bisect(curve: BifurcationCurve, i: int, snic_first: bool, tol: float, kw: dict) -> dict:
    """Bisection between points i and i+1 on the outcome of the global check; midpoints are corrected
    onto the fold curve by Newton with the chord of the current bracket as bordering row."""
    problem = _fold_problem(curve, i)
    z = [np.concatenate([curve.x[k], [curve.p1[k], curve.p2[k]]]) for k in (i, i + 1)]
    newton = Newton(problem, ContinuationSettings(newton_max_iter=20))
    lo, hi = z  # lo: the SNIC side when snic_first
    if not snic_first:
        lo, hi = hi, lo
    checks = {}
    model = curve.model
    p1, p2 = curve.param_names

    def pars(zz):
        return {**curve.params, p1: float(zz[-2]), p2: float(zz[-1])}

    for _ in range(200):
        close = all(abs(lo[k] - hi[k]) <= tol * (1.0 + abs(lo[k])) for k in (-2, -1))
        if close:
            break
        chord = hi - lo
        row = chord / float(chord @ chord)
        mid = 0.5 * (lo + hi)
        problem.start_at(mid)
        zm, ok, _ = newton.correct(mid, row, float(row @ mid))
        if not ok:
            break
        c = saddle_node_loop(model, zm[:problem.n], pars(zm), **kw)
        if c.on_circle is None:
            break
        checks[bool(c.on_circle)] = c
        if c.on_circle:
            lo = zm
        else:
            hi = zm
    return {"snic": lo, "loop": hi, "checks": checks, "refined": all(
        abs(lo[k] - hi[k]) <= tol * (1.0 + abs(lo[k])) for k in (-2, -1))}


def _with_snl(curve: BifurcationCurve, flag: np.ndarray, reasons: list[str], snls: list) -> BifurcationCurve:
    """A copy of the curve with the flags and a point inserted after index i for every SNL."""
    cm = curve.model.compile()
    p1, p2 = curve.param_names
    rows = list(range(len(curve)))
    inserts = {i: b for i, b in snls}
    x, param, arrays_rows, flags, sps_new, why = [], [], {k: [] for k in curve.arrays}, [], [], []
    stable, index_map = [], {}
    for i in rows:
        index_map[i] = len(param)
        x.append(curve.x[i])
        param.append(curve.param[i])
        stable.append(curve.stable[i])
        flags.append(flag[i])
        why.append(reasons[i])
        for k in curve.arrays:
            arrays_rows[k].append(curve.arrays[k][i])
        if i in inserts:
            b = inserts[i]
            z = 0.5 * (b["snic"] + b["loop"])
            n = curve.x.shape[1]
            xs = z[:n]
            pvec = cm.param_vector({**curve.params, p1: float(z[-2]), p2: float(z[-1])})
            ev, v, w, a = fold_null_vectors(cm, xs, pvec)
            ev = ev[np.lexsort((ev.imag, -ev.real))]
            rest = np.delete(ev, int(np.argmin(np.abs(ev))))
            x.append(xs)
            param.append(float(z[-1]))
            stable.append(bool(np.all(rest.real < 0)))
            flags.append(math.nan)
            why.append("saddle-node loop (SNL): the returning orbit arrives along the strong stable manifold")
            for k in curve.arrays:
                val = curve.arrays[k][i]
                if k == "param1":
                    val = float(z[-2])
                elif k == "eigenvalues":
                    val = ev
                elif k == "n_unstable":
                    val = int(np.sum(rest.real > 0))
                elif k == "user":
                    val = False
                arrays_rows[k].append(val)
            data = {"a": a, "eigenvalues": ev, "param1": p1, "bracket_p1": (float(b["snic"][-2]), float(b["loop"][-2])),
                    "snic_at": (float(b["snic"][-2]), float(b["snic"][-1])),
                    "loop_at": (float(b["loop"][-2]), float(b["loop"][-1]))}
            prec = max(abs(float(b["snic"][-1] - b["loop"][-1])), 0.0)
            sps_new.append(SpecialPoint("SNL", float(z[-1]), xs.copy(), len(param) - 1, data, curve.param_name,
                                        (float(b["snic"][-1]), float(b["loop"][-1])), prec,
                                        {**curve.params, p1: float(z[-2]), p2: float(z[-1])}, b["refined"]))
    sps = []
    for sp in curve.special_points:
        new = SpecialPoint(sp.kind, sp.param, sp.x, index_map.get(sp.index, sp.index), dict(sp.data),
                           sp.param_name, sp.bracket, sp.precision, dict(sp.params), sp.refined)
        sps.append(new)
    sps = sorted(sps + sps_new, key=lambda s: s.index)
    arrays = {}
    for k, vals in arrays_rows.items():
        arrays[k] = np.array(vals)
    arrays["snic"] = np.array(flags, dtype=float)
    meta = {**curve.meta, "snic_checked": True}
    out = BifurcationCurve(curve.kind, curve.param_name, np.array(param), np.array(x), np.array(stable), sps,
                           curve.status, curve.state_names, curve.params, curve.time_unit, arrays, curve.model, meta,
                           curve.diagnostics)
    out.meta["snic_reasons"] = why
    return out
