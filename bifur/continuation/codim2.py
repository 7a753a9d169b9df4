"""Two-parameter continuation: curves of codimension-one points and their codimension-two points.

:func:`continue_bifurcation` is the one public verb. It dispatches on the kind of the
starting special point through :data:`CURVE_BUILDERS` (kind -> builder function taking a
:class:`CurveRequest`), so that curves of other kinds (folds, period doublings and tori of
limit cycles) plug in with :func:`register_curve_builder` without touching the verb. Here:

* ``"LP"`` -> fold curves, :class:`~.codim2_fold.FoldCurveProblem` (CP, BT, ZH);
* ``"H"`` -> Hopf curves, :class:`~.codim2_hopf.HopfCurveProblem` (BT, ZH, HH, GH);
* ``"LPC"``, ``"PD"``, ``"NS"`` -> curves of bifurcations of cycles, registered by
  :mod:`~.codim2_cycles` (CPC, R1-R4, GPD, LPPD, LPNS, PDNS, ends at GH/ZH/HH).

All are continued by the one engine (:func:`~.engine.continuation`) in the second parameter,
and assembled into a :class:`~bifur.curves.BifurcationCurve`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from .. import _checks
from ..branch import Branch, SpecialPoint
from ..curves import BifurcationCurve
from ..errors import ModelError, SolverError, Status, StatusCode
from ..model import Model
from .codim2_base import CurveProblem, nearest_pair
from .codim2_fold import FoldCurveProblem
from .codim2_hopf import HopfCurveProblem
from .engine import continuation, correct_at_fixed_param
from .equilibria import check_autonomous
from .report import raw_to_branch
from .settings import ContinuationSettings

__all__ = ["continue_bifurcation", "CurveRequest", "CURVE_BUILDERS", "register_curve_builder"]


@dataclass(frozen=True)
class CurveRequest:
    """A validated request for a two-parameter curve, handed to the builder of the point's kind.

    Attributes
    ----------
    model : Model
    point : SpecialPoint
        The starting point (its ``param_name`` is ``param1``).
    param1, param2 : str
        The parameter the point was found in, and the one bounded by ``p2_range``.
    p2_range, p1_range : (float, float)
        Bounds (``p1_range`` is (-inf, inf) when not given).
    params : dict
        All parameter values at the start (the point's, updated by the caller's ``params``).
    x : ndarray
        State at the start.
    settings, progress, at
        As given to :func:`continue_bifurcation`.
    """

    model: Model
    point: SpecialPoint
    param1: str
    param2: str
    p2_range: tuple[float, float]
    p1_range: tuple[float, float]
    params: dict = field(default_factory=dict)
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    settings: ContinuationSettings | None = None
    progress: bool = False
    at: Sequence[float] | None = None


CurveBuilder = Callable[[CurveRequest], Branch]

#: Builders of two-parameter curves by the kind of their starting special point.
CURVE_BUILDERS: dict[str, CurveBuilder] = {}


def register_curve_builder(kind: str, builder: CurveBuilder) -> None:
    """Let :func:`continue_bifurcation` start curves from special points of ``kind`` with ``builder``."""
    if not callable(builder):
        raise TypeError(f"builder must be callable, got {builder!r}")
    CURVE_BUILDERS[str(kind)] = builder


def continue_bifurcation(model: Model, point: SpecialPoint, param: str, p_range: tuple[float, float], *,
                         p1_range: tuple[float, float] | None = None, params: Mapping[str, float] | None = None,
                         settings: ContinuationSettings | None = None, progress: bool = False,
                         at: Sequence[float] | None = None) -> Branch:
    """Continue a fold or Hopf point of equilibria, or a fold, period doubling or torus point of
    cycles, in two parameters, locating codimension-two points.

    Parameters
    ----------
    model : Model
        The model the point belongs to (autonomous).
    point : SpecialPoint
        An "LP" or "H" point of :func:`bifur.continue_equilibria`, or an "LPC", "PD" or "NS"
        point of :func:`bifur.continue_cycles` (or of an f-I curve's cycle branch). Its ``param_name`` is the
        first parameter p1; ``point.params`` gives the other parameter values.
    param : str
        The second parameter p2, the one the curve is continued in.
    p_range : (float, float)
        Bounds of p2; the curve is followed both ways until it leaves them (or p1_range), closes,
        or ends (a Hopf curve ends at a Bogdanov-Takens point).
    p1_range : (float, float), optional
        Bounds of p1 (unbounded by default).
    params : mapping, optional
        Parameter values updating ``point.params``: a value of ``param`` starts the curve there
        (the point is first corrected onto the curve with p2 fixed, moving p1 and the state), a
        value of p1 is a guess; other parameters set the plane in which the curve lies.
    settings : ContinuationSettings, optional
        Steps (``ds``, ``ds_min``, ``ds_max``) are arclengths in (state, [κ = ω²], p1, p2), each
        unknown relative to its own scale on the curve (see
        :meth:`~.codim2_base.CurveProblem.scale_to`), not to the width of the ranges; by default
        ``ds_max`` = 0.05. Special points are located to ``locate_tol`` relative in p2.
    progress : bool
        Print progress on stderr.
    at : sequence of float, optional
        Values of p2 at which points are inserted exactly (``curve.at(value)``).

    Returns
    -------
    BifurcationCurve
        Per point: both parameters (``curve[p1]``, ``curve[p2]``), the state, eigenvalues and, for
        Hopf curves, ``omega``, ``period``, ``frequency_hz``, ``l1``. Special points (``sp.param``
        is p2; ``sp.params`` holds p1 too), labelled as in MatCont/AUTO, with ``data``:

        * fold curves: "CP" cusp, ``c`` of ξ' = β1 + β2ξ + cξ³; "BT" Bogdanov-Takens, ``a``, ``b``
          of w1' = a w0² + b w0 w1 (Kuznetsov's normalisation, see :mod:`.normal_forms2`); "ZH"
          zero-Hopf, ``omega``, ``b``, ``c``, ``d``, ``s`` = sign(bc), ``theta`` = Re d / b;
        * Hopf curves: "GH" generalized Hopf (Bautin), ``l2`` (second Lyapunov coefficient,
          Re c2/ω; l2 < 0: on the subcritical side, l1 > 0, the unstable cycles turn into stable
          ones at a fold of cycles that starts at this point: bistability) and ``c2``;
          "BT" (``a``, ``b``; the curve ends there); "ZH" as above; "HH" double Hopf,
          ``omega1`` < ``omega2``;
        * cycle curves (LPC, PD, NS: per point also the orbit, ``curve.orbit(i)``, ``period``,
          ``multipliers``, ``amplitude``; ``curve["theta"]`` on NS curves, ``curve["pd_c"]`` on
          PD curves): "CPC" cusp of cycles, "R1"-"R4" strong resonances, "GPD" generalized
          period doubling, "LPPD", "LPNS", "PDNS"; a curve of cycles that shrink to an
          equilibrium ends at "GH", "ZH" or "HH" (see :mod:`~.codim2_cycles`).

    Raises
    ------
    ValueError
        For a point of another kind, unknown or equal parameters, a start outside the ranges.
    SolverError
        When the point cannot be corrected onto the curve (status ``NEWTON_FAILED``).

    Warns
    -----
    BranchWarning
        When the curve is incomplete (see :attr:`bifur.Branch.complete`).

    Examples
    --------
    The Bogdanov-Takens normal form x' = y, y' = β1 + β2x + x² - xy: its fold curve β2² = 4β1
    passes through the BT point at the origin, where a = 1 and b = -1.

    >>> import bifur
    >>> m = bifur.Model.from_text('''
    ...     dx/dt = y
    ...     dy/dt = b1 + b2*x + x**2 - x*y
    ... ''', {"b1": 0.0, "b2": -1.0}, {"x": 0.0, "y": 0.0}, time_unit="1")
    >>> lp = bifur.continue_equilibria(m, "b1", (-1.0, 1.0)).special("LP")[0]
    >>> folds = bifur.continue_bifurcation(m, lp, "b2", (-1.0, 1.0))
    >>> bt = folds.special("BT")[0]
    >>> round(bt.param, 9) + 0.0, round(bt.data["a"], 9), round(bt.data["b"], 9)
    (0.0, 1.0, -1.0)
    """
    if not isinstance(model, Model):
        raise ModelError(f"expected a bifur.Model, got {type(model).__name__}")
    if not isinstance(point, SpecialPoint):
        raise ValueError(f"point must be a SpecialPoint (e.g. an 'LP' or 'H' point of bifur.continue_equilibria), "
                         f"got {type(point).__name__}")
    if point.kind not in CURVE_BUILDERS:
        raise ValueError(f"continue_bifurcation starts curves from points of kind {', '.join(sorted(CURVE_BUILDERS))}, "
                         f"not {point.kind!r}: pass a fold ('LP') or Hopf ('H') point of bifur.continue_equilibria, "
                         "or an 'LPC', 'PD' or 'NS' point of bifur.continue_cycles")
    return CURVE_BUILDERS[point.kind](_request(model, point, param, p_range, p1_range, params, settings,
                                                progress, at))


def _request(model: Model, point: SpecialPoint, param: str, p_range, p1_range, params, settings,
             progress: bool, at) -> CurveRequest:
    """Validate the arguments of :func:`continue_bifurcation`."""
    check_autonomous(model)
    p1 = point.param_name
    if not p1 or p1 not in model.params:
        raise ValueError(f"the point was located in {p1!r}, which is not a parameter of {model.name!r}: pass "
                         "the model the point belongs to")
    model.check_param(param)
    if param == p1:
        raise ValueError(f"param must be a second parameter, other than {p1!r} in which the point was located")
    lo, hi = _checks.interval(p_range, "p_range")
    lo1, hi1 = (-math.inf, math.inf) if p1_range is None else _checks.interval(p1_range, "p1_range")
    if settings is not None and not isinstance(settings, ContinuationSettings):
        raise ValueError(f"settings must be a ContinuationSettings, got {type(settings).__name__}")
    values = model.param_values({**point.params, p1: point.param, **dict(params or {})})
    if not lo <= values[param] <= hi:
        raise ValueError(f"the curve would start at {param}={values[param]:g}, outside p_range [{lo:g}, {hi:g}]: "
                         f"widen p_range or pass params={{{param!r}: ...}}")
    if not lo1 <= values[p1] <= hi1:
        raise ValueError(f"the point is at {p1}={values[p1]:g}, outside p1_range [{lo1:g}, {hi1:g}]")
    x = _checks.state(model, point.x, "point.x")
    return CurveRequest(model, point, p1, param, (lo, hi), (lo1, hi1), values, x, settings, bool(progress), at)


def _start(req: CurveRequest, problem: CurveProblem, z0: np.ndarray) -> np.ndarray:
    """z0 corrected onto the curve with p2 fixed; the problem's borders set there."""
    z, ok = correct_at_fixed_param(problem, z0, req.settings)
    if not ok or not np.all(np.isfinite(z)):
        raise SolverError(Status(StatusCode.NEWTON_FAILED, f"the {req.point.kind} point does not converge onto the "
                                 f"curve at {req.param2}={z0[-1]:g}: start from a point of bifur.continue_equilibria "
                                 "run at these parameter values"))
    problem.start_at(z)
    problem.scale_to(z)
    problem.p1_bounds = req.p1_range
    return z


def follow_curve(req: CurveRequest, problem: CurveProblem, z0: np.ndarray):
    """Run the engine along the curve from the converged z0 (the problem's default largest step
    unless the settings give one); the problem's own diagnostics join the raw branch's."""
    settings = req.settings or ContinuationSettings()
    if settings.ds_max is None:
        settings = settings.with_(ds_max=problem.default_ds_max())
    problem.settings = settings
    raw = continuation(problem, z0, req.p2_range, settings, req.progress,
                       label=f"{req.point.kind} curve in ({req.param1}, {req.param2})", at=req.at)
    raw.diagnostics.extend(problem.diagnostics)
    return raw


def _run(req: CurveRequest, problem: CurveProblem, z0: np.ndarray, arrays: Sequence[str]) -> BifurcationCurve:
    """Continue the curve and assemble its record."""
    raw = follow_curve(req, problem, _start(req, problem, z0))
    recs = [pt.record for pt in raw.points]
    data = {"param1": np.array([pt.z[-2] for pt in raw.points]),
            "eigenvalues": np.array([r["eigenvalues"] for r in recs]),
            "n_unstable": np.array([r["n_unstable"] for r in recs])}
    data.update({k: np.array([r[k] for r in recs], dtype=float) for k in arrays})
    others = {k: v for k, v in req.params.items() if k != req.param1}
    meta = {"curve": req.point.kind, "param1": req.param1, "param2": req.param2}
    return raw_to_branch(raw, "curve", req.model, req.param2, others, data,
                         np.array([pt.z[:problem.n] for pt in raw.points]),
                         np.array([r["stable"] for r in recs]), meta)


def _indices(req: CurveRequest):
    cm = req.model.compile()
    return cm, cm.param_index(req.param1), cm.param_index(req.param2), cm.param_vector(req.params)


def fold_curve(req: CurveRequest) -> BifurcationCurve:
    """Builder for "LP" points: the fold curve (see :mod:`.codim2_fold`)."""
    cm, i1, i2, p = _indices(req)
    problem = FoldCurveProblem(cm, i1, i2, p, req.x)
    return _run(req, problem, np.concatenate([req.x, p[[i1, i2]]]), ())


def hopf_curve(req: CurveRequest) -> BifurcationCurve:
    """Builder for "H" points: the Hopf curve (see :mod:`.codim2_hopf`)."""
    cm, i1, i2, p = _indices(req)
    omega = float(req.point.data.get("omega", math.nan))
    if not omega > 0:
        lam, _ = nearest_pair(np.linalg.eigvals(cm.jac(req.x, p)))
        omega = abs(lam.imag)
    if not omega > 0:
        raise ValueError("the H point has no complex pair ±iω (ω = 0): it is not a Hopf point")
    problem = HopfCurveProblem(cm, i1, i2, p, req.x, omega)
    return _run(req, problem, np.concatenate([req.x, [omega ** 2], p[[i1, i2]]]),
                ("kappa", "omega", "period", "frequency_hz", "l1"))


register_curve_builder("LP", fold_curve)
register_curve_builder("H", hopf_curve)

# curves of bifurcations of cycles (LPC, PD, NS) register their builders on import
from . import codim2_cycles  # noqa: E402,F401
