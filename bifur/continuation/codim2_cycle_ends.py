"""Where curves of cycle bifurcations end because their cycles shrink into an equilibrium.

A fold-of-cycles curve is born at a generalized Hopf (Bautin) point of the Hopf curve, a torus
curve at a zero-Hopf or a double-Hopf point: there the cycles have zero amplitude and the
defining systems degenerate (a constant 'cycle' is a branch point of the collocation problem).
As one-parameter cycle branches end at their Hopf point, these curves end at the codimension-two
point of the equilibria where they are born: when the last cycle is small, shrinking, and
surrounds an equilibrium with a pair ±iω (|Re λ| ≤ 2 % ω, 2π/ω within 2 % of the period; 5 % after
a stall), the Hopf curve through that equilibrium is continued by the same engine
(:class:`~.codim2_hopf.HopfCurveProblem`) in a window of p2 around the point, and the nearest of
its special points of the expected kinds becomes the terminal point of the curve, with its
normal-form data (l2 for GH, ...), as a zero-amplitude cycle.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..branch import SpecialPoint
from ..equilibria import newton as eq_newton
from ..errors import Status, StatusCode
from .codim2_base import nearest_pair
from .codim2_hopf import HopfCurveProblem
from .corrector import SOLVE_ERRORS
from .cycle_ends import near_hopf
from .engine import continuation, correct_at_fixed_param
from .problem import Point
from .settings import ContinuationSettings

if TYPE_CHECKING:
    from .codim2_cycle_base import CycleCurveProblem

__all__ = ["shrinking_end", "stalled_end", "hopf_curve_end", "END_TEXT"]

#: How each end is described in the curve's status.
END_TEXT = {"GH": "the generalized Hopf point", "ZH": "the zero-Hopf point", "HH": "the double-Hopf point"}


def shrinking_end(pb: "CycleCurveProblem", points: Sequence[Point]) -> tuple[Status, list[Point], bool] | None:
    """The end of the curve when its last cycle is small, shrinking and next to a Hopf point."""
    if not pb.hopf_end_kinds or len(points) < 2:
        return None
    rec, prev = points[-1].record, points[-2].record
    if rec["amplitude"] < prev["amplitude"] and near_hopf(pb.cyc, pb.cycle_z(points[-1].z), rec, 0.02):
        extra = hopf_curve_end(pb, points[-1].z, rec)
        if extra:
            return terminal_status(pb, extra[-1].special), extra, False
    return None


def stalled_end(pb: "CycleCurveProblem", points: Sequence[Point], status: Status) -> Status:
    """After a stall next to a Hopf point: the end there (appended to the engine's ``points``)."""
    if not pb.hopf_end_kinds or not points or not isinstance(points, list):
        return status
    if near_hopf(pb.cyc, pb.cycle_z(points[-1].z), points[-1].record, 0.05):
        extra = hopf_curve_end(pb, points[-1].z, points[-1].record)
        if extra:
            points.extend(extra)
            return terminal_status(pb, extra[-1].special)
    return status


def terminal_status(pb: "CycleCurveProblem", sp: SpecialPoint) -> Status:
    return Status(StatusCode.HOPF_END, f"the cycles shrank to zero amplitude at {END_TEXT.get(sp.kind, sp.kind)} "
                  f"({pb.param1}={sp.params[pb.param1]:.10g}, {pb.param_name}={sp.param:.10g}) of the Hopf curve, "
                  f"where the {pb.kind} curve is born; the curve ends there")


def hopf_curve_end(pb: "CycleCurveProblem", z: np.ndarray, rec: dict) -> list[Point]:
    """The codimension-two point of the Hopf curve next to a vanishing cycle, as a final curve point."""
    X, T, extra, p = pb.unpack(z)
    x_eq, ok = eq_newton(pb.cm, rec["mean"], p)
    if not ok:
        return []
    lam, _ = nearest_pair(np.linalg.eigvals(pb.cm.jac(x_eq, p)))
    omega = abs(lam.imag)
    if not omega > 0:
        return []
    hp = HopfCurveProblem(pb.cm, pb.i1, pb.i2, p, x_eq, omega)
    try:
        zh, ok = correct_at_fixed_param(hp, np.concatenate([x_eq, [omega ** 2], p[[pb.i1, pb.i2]]]))
    except SOLVE_ERRORS:
        return []
    if not ok:
        return []
    hp.start_at(zh)
    hp.scale_to(zh)
    p2, s2 = float(zh[-1]), float(pb._scales[-1])
    found: list[SpecialPoint] = []
    for width in (0.02, 0.1, 0.5):
        st = ContinuationSettings(max_steps=400, ds_max=0.02)
        hp.settings = st
        raw = continuation(hp, zh, (p2 - width * s2, p2 + width * s2), st)
        found = [pt.special for pt in raw.points if pt.special is not None and pt.special.kind in pb.hopf_end_kinds]
        if found:
            break
    if not found:
        return []
    sp0 = min(found, key=lambda s: abs(s.param - p2))
    kappa = float(sp0.data.get("omega", omega)) ** 2
    period = 2 * math.pi / math.sqrt(kappa) if kappa > 0 else T
    Xc = np.tile(sp0.x, (pb.P, 1))
    zend = pb.pack(Xc, period, extra, sp0.params[pb.param1], sp0.param)
    data = dict(sp0.data)
    data.update(terminal=True, end=END_TEXT.get(sp0.kind, sp0.kind), amplitude=0.0, period=period,
                frequency_hz=1.0 / (period * pb.cm.model.seconds_per_time_unit), profile=Xc.copy(),
                mesh=pb.cyc.mesh.copy(), ncol=pb.m)
    sp = pb.special(sp0.kind, zend, data)
    end_rec = pb.base_record(zend)
    end_rec.update({k: v for k, v in pb.end_record_defaults().items() if k not in end_rec})
    end_rec.update(n_unstable=-1, stable=False)
    return [Point(zend, np.zeros_like(zend), end_rec, np.zeros(len(pb.event_kinds)), sp)]
