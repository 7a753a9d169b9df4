"""Equilibrium branches: folds (LP), Hopf points (H) with their first Lyapunov coefficient, branch points (BP)."""
from __future__ import annotations

import copy
import functools
import math
from typing import Mapping

import numpy as np

from ..branch import Branch, SpecialPoint
from .. import _checks
from ..codegen import CompiledModel
from ..equilibria import Equilibrium, find_equilibria, newton
from ..errors import ModelError, SolverError, Status, StatusCode
from ..model import Model
from . import branch_points
from .engine import continuation
from .normal_forms import criticality, first_lyapunov, fold_coefficients
from .problem import BorderedSolve, Discard, Point, Problem, product_test
from .report import raw_to_branch
from .settings import ContinuationSettings

__all__ = ["EquilibriumProblem", "continue_equilibria", "check_autonomous"]


def check_autonomous(model: Model) -> None:
    """Continuation needs f(x, p) without explicit time."""
    if not model.is_autonomous:
        uses = [k for k, e in model.equations.items() if model.symbol("t") in e.free_symbols]
        raise ModelError(f"continuation needs an autonomous model, but d{uses[0]}/dt depends on time t: "
                         "make the time dependence a state (e.g. a phase variable) or a parameter")


def sorted_eigenvalues(J: np.ndarray) -> np.ndarray:
    """Eigenvalues sorted by decreasing real part (ties by imaginary part)."""
    ev = np.linalg.eigvals(J)
    return ev[np.lexsort((ev.imag, -ev.real))]


def _hopf_test(ev: np.ndarray) -> float:
    """Bialternate-product test: prod_{i<j} (λi + λj) (see :func:`~.engine.product_test`).

    It changes sign when a complex pair crosses the imaginary axis (Hopf) and when a real
    pair λ, -λ passes (neutral saddle); the latter is discarded when the point is described.
    """
    if ev.size < 2:
        return 1.0
    i, j = _pairs(ev.size)
    return product_test(ev[i] + ev[j])


@functools.lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs i < j of n eigenvalues (computed once per n)."""
    return np.triu_indices(n, 1)


class EquilibriumProblem(Problem):
    """f(x, p) = 0 in the unknowns z = (x, p[ip])."""

    event_kinds = ("LP", "H", "BP")
    vanishing_at_start = {"BP": ("LP", "BP")}
    index_change = {"LP": 1, "H": 2, "BP": 1}

    def __init__(self, cm: CompiledModel, ip: int, p: np.ndarray):
        self.cm = cm
        # unchecked model functions: this problem builds its arrays itself (float64, shapes n and n_params)
        self._rhs, self._jac, self._dfdp = cm.fast("rhs"), cm.fast("jac"), cm.fast("dfdp")
        self.ip = ip
        self.p = p.copy()
        self.param_name = cm.param_names[ip]
        self.n = cm.n_states
        self._w: np.ndarray | None = None
        self._sx = np.ones(self.n)

    def scale_to(self, z: np.ndarray) -> None:
        """Measure arclength in the branch's own scales, taken at z: each state relative to its
        magnitude (at least half the largest), the parameter relative to the change that
        alters the vector field as much as moving the states by their scales,
        ``s_p = ||J diag(s_x)|| / ||f_p||`` (defined at folds and branch points too). Steps then
        do not depend on the width of the parameter range a user asks for."""
        x, p = z[:-1], self.params_at(z)
        mag = np.abs(x)
        top = float(mag.max()) if mag.size else 0.0
        sx = np.maximum(mag, 0.5 * top) if top > 0 else np.ones_like(mag)
        fp = float(np.linalg.norm(self.cm.dfdp(x, p)[:, self.ip]))
        base = 1.0 + abs(float(z[-1]))
        sp = float(np.linalg.norm(self.cm.jac(x, p) * sx[None, :])) / fp if fp > 0 else base
        sp = min(max(sp, 1e-6 * base), 1e6 * base) if np.isfinite(sp) else base
        self._w = np.concatenate([1.0 / sx ** 2, [1.0 / sp ** 2]])
        self._sx = sx
        self._initial = (self._w.copy(), sx.copy())

    def begin_direction(self, start: Point) -> Point:
        """Each direction starts with the scales measured at the start (the other direction may
        have grown them)."""
        if self._w is not None:
            self._w, self._sx = self._initial[0].copy(), self._initial[1].copy()
        return start

    def weights(self, z: np.ndarray) -> np.ndarray | None:
        return self._w

    def default_ds_max(self) -> float | None:
        return 0.05 if self._w is not None else None

    def accept(self, z: np.ndarray, tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grow the state scales with the states met along the branch (a branch that starts at 0
        and reaches 30 is measured in units of 30 there, not of its start)."""
        if self._w is not None:
            grown = np.maximum(self._sx, np.abs(z[:-1]))
            if np.any(grown > 1.5 * self._sx):
                self._sx = grown
                self._w = np.concatenate([1.0 / grown ** 2, self._w[-1:]])
                # a new norm: the tangent is renormalised in it (and the point handed back as a
                # new object, so that the engine evaluates its tests again)
                return z.copy(), tangent / math.sqrt(float(tangent @ (self._w * tangent)))
        return z, tangent

    def params_dict(self) -> dict[str, float]:
        """The parameter values (the continuation entry as last set)."""
        return dict(zip(self.cm.param_names, (float(v) for v in self.p)))

    def params_at(self, z: np.ndarray) -> np.ndarray:
        p = self.p.copy()
        p[self.ip] = z[-1]
        return p

    def residual(self, z: np.ndarray) -> np.ndarray:
        return self._rhs(np.ascontiguousarray(z[:-1]), self.params_at(z))

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        p = self.params_at(z)
        x = z[:-1]
        out = np.empty((self.n, self.n + 1))
        out[:, :-1] = self._jac(x, p)
        out[:, -1] = self._dfdp(x, p)[:, self.ip]
        return out

    def record(self, z: np.ndarray) -> dict:
        ev = sorted_eigenvalues(self._jac(np.ascontiguousarray(z[:-1]), self.params_at(z)))
        nu = int(np.sum(ev.real > 0))
        return {"eigenvalues": ev, "n_unstable": nu, "stable": nu == 0 and bool(np.all(ev.real < 0))}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                       bordered: BorderedSolve) -> np.ndarray:
        # BP: det [J; τ] divided by the norms of J's rows (τ is a unit vector): linear in the
        # arclength next to a simple branch point, from the factorisation of the tangent solve
        logdet, sign = bordered.det_along(tangent)
        rows = np.linalg.norm(self.jacobian(z), axis=1)
        bp = sign * math.exp(logdet - float(np.sum(np.log(np.maximum(rows, 1e-300))))) if math.isfinite(
            logdet) else math.nan
        return np.array([tangent[-1], _hopf_test(record["eigenvalues"]), bp])


    def stability_index(self, record: dict) -> int:
        return int(record["n_unstable"])

    def index_special_point(self, z: np.ndarray, tangent: np.ndarray, record: dict,
                            multiplicity: int) -> SpecialPoint | Discard:
        """A crossing the test functions missed: complex pairs crossing together (a multiple Hopf
        point, e.g. two Fourier modes of a symmetric ring) or two crossings inside one step."""
        ev = record["eigenvalues"]
        lam = ev[int(np.argmin(np.abs(ev.real)))]
        scale = max(1.0, float(np.max(np.abs(ev))))
        if abs(lam.imag) <= 1e-8 * scale:
            return Discard(f"{multiplicity} real eigenvalue(s) cross zero here without a fold or branch-point test "
                           "changing sign", "warning")
        pairs = max(1, multiplicity // 2)
        x, p = z[:-1].copy(), self.params_at(z)
        omega = float(abs(lam.imag))
        period = 2 * math.pi / omega
        data = {"eigenvalues": ev, "omega": omega, "period": period, "multiplicity": pairs,
                "frequency_hz": 1.0 / (period * self.cm.model.seconds_per_time_unit)}
        if pairs == 1:
            nf = first_lyapunov(self.cm, x, p, omega)
            data.update(l1=nf["l1"], criticality=criticality(nf["l1"]), q=nf["q"], p=nf["p"])
        else:
            data.update(l1=math.nan, criticality="undetermined (several pairs cross together)")
        return SpecialPoint("H", float(z[-1]), x, -1, data, self.param_name)

    def refine(self, kind: str, point: Point) -> tuple[np.ndarray, float] | None:
        """Branch points: Moore's extended system (regular where the arclength system is singular)."""
        if kind != "BP":
            return None
        J = self.jacobian(point.z)
        psi = np.linalg.svd(J)[0][:, -1]
        return branch_points.refine_moore(self.residual, self.jacobian, point.z, psi)

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | Discard:
        x, p = z[:-1].copy(), self.params_at(z)
        data: dict = {"eigenvalues": record["eigenvalues"]}
        if kind == "LP":
            nf = fold_coefficients(self.cm, x, p, self.ip)
            fp = float(np.linalg.norm(self.cm.dfdp(x, p)[:, self.ip]))
            if abs(nf["b"]) <= 1e-4 * max(fp, 1e-300) * float(np.linalg.norm(nf["w"])):
                return Discard(f"the parameter turns at a branch point here (b = w·f_p = {nf['b']:.2e} vanishes: "
                               "f_p is in the range of f_x), not at a fold")
            data.update(nf)
        elif kind == "H":
            ev = record["eigenvalues"]
            i, j = np.triu_indices(ev.size, 1)
            k = int(np.argmin(np.abs(ev[i] + ev[j])))
            lam = ev[i[k]] if ev[i[k]].imag >= 0 else ev[j[k]]
            scale = max(1.0, float(np.max(np.abs(ev))))
            if abs(lam.imag) <= 1e-8 * scale or abs(ev[i[k]] - np.conj(ev[j[k]])) > 1e-6 * scale:
                return Discard("neutral saddle (a real pair λ, -λ), not a Hopf point")
            omega = float(abs(lam.imag))
            nf = first_lyapunov(self.cm, x, p, omega)
            period = 2 * math.pi / omega
            data.update(omega=omega, period=period,
                        frequency_hz=1.0 / (period * self.cm.model.seconds_per_time_unit),
                        l1=nf["l1"], criticality=criticality(nf["l1"]), q=nf["q"], p=nf["p"])
        elif kind == "BP":
            info = branch_points.analyse(self.residual, self.jacobian, z, tangent)
            data.update(tangent=info.phi1, other_tangent=info.other, psi=info.psi,
                        abe=np.array(info.coefficients), switching=info.method)
        return SpecialPoint(kind, float(z[-1]), x, -1, data, self.param_name)


def _equilibrium_near(model: Model, pars: dict) -> np.ndarray | None:
    """A stable equilibrium at ``pars`` if there is one (the lowest-voltage one), else any, else None."""
    eqs = find_equilibria(model, params=pars, simulate_seed=False) or find_equilibria(model, params=pars)
    if not eqs:
        return None
    return ([e for e in eqs if e.stable] or eqs)[0].x.copy()


def _search_range(model: Model, param: str, pars: dict, value: float, lo: float, hi: float):
    """(x, p) of an equilibrium at ``value`` or, failing that, at the nearest of 16 values across the range."""
    grid = np.linspace(lo, hi, 17)
    for v in [value] + sorted(grid, key=lambda g: abs(g - value)):
        x = _equilibrium_near(model, {**pars, param: float(v)})
        if x is not None:
            return x, float(v)
    raise SolverError(Status(StatusCode.NO_SOLUTION, f"no equilibrium found anywhere in {param} in [{lo:g}, {hi:g}] "
                             f"(searched {len(grid)} values): pass start=... (a state near one), or widen the range"))


def _start_value(model: Model, param: str, params: Mapping[str, float] | None, start, lo: float, hi: float) -> float:
    """Where the branch starts: the start's own parameter, else ``params`` or the model default
    when inside the range, else the nearer end (AUTO and BifurcationKit start where the user is)."""
    if isinstance(start, (Equilibrium, SpecialPoint)):
        own = start.params.get(param, start.param if isinstance(start, SpecialPoint) else None)
        if own is None:
            raise ValueError(f"the start point carries no value of {param!r}")
        if not lo <= own <= hi:
            raise ValueError(f"the start point is at {param}={own:g}, outside p_range [{lo:g}, {hi:g}]")
        return float(own)
    value = model.param_values(params)[param]
    return float(min(max(value, lo), hi))


def _switch_start(problem: "EquilibriumProblem", bp: SpecialPoint, param: str) -> tuple[np.ndarray, np.ndarray]:
    """(z*, tangent) for the branch crossing the known one at the branch point ``bp``."""
    if bp.param_name and bp.param_name != param:
        raise ValueError(f"the branch point was located in {bp.param_name!r}, not in {param!r}")
    z = np.append(_checks.state(problem.cm.model, bp.x, "start.x"), bp.param)
    tangent = bp.data.get("tangent")
    if tangent is None or np.asarray(tangent).size != z.size:
        raise ValueError("this BP carries no branch tangent: use one located by continue_equilibria")
    info = branch_points.analyse(problem.residual, problem.jacobian, z, np.asarray(tangent, dtype=float))
    return z, info.other


def continue_equilibria(model: Model, param: str, p_range: tuple[float, float],
                        params: Mapping[str, float] | None = None, start=None,
                        settings: ContinuationSettings | None = None, progress: bool = False,
                        at=None, throw: bool = False) -> Branch:
    """Continue a branch of equilibria in one parameter, detecting LP, H and BP.

    Parameters
    ----------
    model : Model
        An autonomous model (reset models are continued through their smooth part).
    param : str
        The continuation parameter.
    p_range : (float, float)
        Bounds of the parameter. The branch is followed in both directions until it leaves the
        range (or closes on itself).
    params : mapping, optional
        Values of the parameters (the model's defaults otherwise). The branch starts at the value
        of ``param`` given here (or the model's default) when it lies in ``p_range``, else at the
        nearer end of the range; if there is no equilibrium there, at the nearest of 16 values
        across the range that has one.
    start : array, mapping, Equilibrium or SpecialPoint, optional
        Where to start. A state (array or mapping) is a guess at the start value; an
        :class:`~bifur.Equilibrium` starts at its own parameter value. A branch point
        (``SpecialPoint`` of kind "BP" from this function) starts the *other* branch through it
        (branch switching: both halves of the crossing branch are followed, starting along the
        root of the algebraic bifurcation equation, see :mod:`~bifur.continuation.branch_points`).
        By default a stable equilibrium at the start value (the lowest-voltage one).
    settings : ContinuationSettings, optional
        Steps (``ds``, ``ds_min``, ``ds_max``) are arclengths in the branch's own scales (each
        state relative to its magnitude, the parameter relative to the change that moves the
        state by that much, see :meth:`EquilibriumProblem.scale_to`); by default ``ds_max`` = 0.02.
    progress : bool
        Print progress on stderr.
    at : sequence of float, optional
        Parameter values at which points are inserted exactly (find them with ``branch.at(value)``).
    throw : bool
        Raise :class:`~bifur.SolverError` (carrying the branch) when the run stops for a failure,
        instead of returning the branch with that status and a warning.

    Returns
    -------
    Branch
        kind "equilibrium", with per-point ``eigenvalues``, ``n_unstable``, ``stable`` and special
        points "LP" (data: ``a``, ``b``, null vectors ``q``, ``w``), "H" (``omega``, ``period``,
        ``frequency_hz``, ``l1``, ``criticality``, eigenvector ``q``), "BP" (``tangent`` of this
        branch, ``other_tangent`` of the crossing one, left null vector ``psi``, coefficients
        ``abe`` of the bifurcation equation). A branch switched at a BP starts with that BP.

    Raises
    ------
    SolverError
        When no equilibrium is found in the range (status ``NO_SOLUTION``) or the given start does
        not converge (``NEWTON_FAILED``).

    Warns
    -----
    BranchWarning
        When the branch is incomplete (see :attr:`bifur.Branch.complete`).

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> br = continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> h1, h2 = br.special("H")
    >>> round(h1.param, 6), h1.data["criticality"], round(h2.param, 4), h2.data["criticality"]
    (9.775438, 'subcritical', 154.5224, 'supercritical')

    Branch switching at the pitchfork of x' = μx - x³ follows x = ±√μ:

    >>> import bifur
    >>> pf = bifur.Model.from_text("dx/dt = mu*x - x**3", {"mu": -1.0}, {"x": 0.0}, time_unit="1")
    >>> bp = continue_equilibria(pf, "mu", (-1.0, 1.0)).special("BP")[0]
    >>> other = continue_equilibria(pf, "mu", (-1.0, 1.0), start=bp)
    >>> bool(np.allclose(other["x"] ** 2, other["mu"], atol=1e-9))
    True
    """
    check_autonomous(model)
    cm = model.compile()
    ip = cm.param_index(param)
    lo, hi = _checks.interval(p_range, "p_range")
    problem = EquilibriumProblem(cm, ip, cm.param_vector(params))
    tangent0, label = None, None
    if isinstance(start, SpecialPoint) and start.kind == "BP":
        z0, tangent0 = _switch_start(problem, start, param)
        label = copy.deepcopy(start)
        label.data["switched"] = True
        if not lo <= z0[-1] <= hi:
            raise ValueError(f"the branch point is at {param}={z0[-1]:g}, outside p_range [{lo:g}, {hi:g}]")
    else:
        z0 = _start_point(model, cm, problem, param, params, start, lo, hi)
    problem.scale_to(z0)
    if tangent0 is not None and (settings is None or settings.ds is None):
        # leave a branch point with a full step: closer to it the corrector is ill-conditioned
        settings = (settings or ContinuationSettings()).with_(ds=settings.ds_max if settings and settings.ds_max
                                                               else problem.default_ds_max())
    raw = continuation(problem, z0, (lo, hi), settings, progress, label=f"equilibria in {param}", at=at,
                       tangent0=tangent0, start_special=label)
    recs = [pt.record for pt in raw.points]
    arrays = {"eigenvalues": np.array([r["eigenvalues"] for r in recs]),
              "n_unstable": np.array([r["n_unstable"] for r in recs])}
    return raw_to_branch(raw, "equilibrium", model, param, model.param_values(
        {**problem.params_dict(), param: float(z0[-1])}), arrays, np.array([pt.z[:-1] for pt in raw.points]),
        np.array([r["stable"] for r in recs]), throw=throw)


def _start_point(model: Model, cm: CompiledModel, problem: "EquilibriumProblem", param: str,
                 params: Mapping[str, float] | None, start, lo: float, hi: float) -> np.ndarray:
    """The converged start (x, p) of a branch (see continue_equilibria for the rules)."""
    value = _start_value(model, param, params, start, lo, hi)
    pars = {**model.param_values(params), param: value}
    if start is None:
        x, value = _search_range(model, param, pars, value, lo, hi)
    elif isinstance(start, (Equilibrium, SpecialPoint)):
        x = _checks.state(model, start.x, "start.x")
    else:
        x = _checks.state(model, start, "start")
    problem.p[problem.ip] = value
    x, ok = newton(cm, x, problem.params_at(np.append(x, value)))
    if not ok:
        raise SolverError(Status(StatusCode.NEWTON_FAILED, f"the start does not converge to an equilibrium at "
                                 f"{param}={value:g}: pass an equilibrium from bifur.find_equilibria"))
    return np.append(x, value)
