"""Equilibrium branches: folds (LP), Hopf points (H) with their first Lyapunov coefficient, branch points (BP)."""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from ..branch import Branch, SpecialPoint
from .. import _checks
from ..codegen import CompiledModel
from ..equilibria import Equilibrium, find_equilibria, newton
from ..errors import ModelError
from ..model import Model
from .engine import ContinuationSettings, Problem, RawBranch, continuation, product_test
from .normal_forms import criticality, first_lyapunov, fold_coefficients

__all__ = ["EquilibriumProblem", "continue_equilibria", "check_autonomous", "raw_to_branch"]


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
    i, j = np.triu_indices(ev.size, 1)
    return product_test(ev[i] + ev[j])


def _has_complex(ev: np.ndarray) -> bool:
    return bool(np.any(np.abs(ev.imag) > 1e-10 * (1.0 + np.abs(ev))))


class EquilibriumProblem(Problem):
    """f(x, p) = 0 in the unknowns z = (x, p[ip])."""

    event_kinds = ("LP", "H", "BP")

    def __init__(self, cm: CompiledModel, ip: int, p: np.ndarray):
        self.cm = cm
        self.ip = ip
        self.p = p.copy()
        self.param_name = cm.param_names[ip]
        self.n = cm.n_states

    def params_at(self, z: np.ndarray) -> np.ndarray:
        p = self.p.copy()
        p[self.ip] = z[-1]
        return p

    def residual(self, z: np.ndarray) -> np.ndarray:
        return self.cm.rhs(z[:-1], self.params_at(z))

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        p = self.params_at(z)
        x = z[:-1]
        return np.hstack([self.cm.jac(x, p), self.cm.dfdp(x, p)[:, self.ip:self.ip + 1]])

    def record(self, z: np.ndarray) -> dict:
        ev = sorted_eigenvalues(self.cm.jac(z[:-1], self.params_at(z)))
        nu = int(np.sum(ev.real > 0))
        return {"eigenvalues": ev, "n_unstable": nu, "stable": nu == 0 and bool(np.all(ev.real < 0))}

    def test_functions(self, z: np.ndarray, tangent: np.ndarray, record: dict) -> np.ndarray:
        J = self.jacobian(z)
        A = np.vstack([J, tangent])
        scale = np.prod(np.maximum(np.linalg.norm(A, axis=1), 1e-300))
        return np.array([tangent[-1], _hopf_test(record["eigenvalues"]), np.linalg.det(A) / scale])

    def is_candidate(self, kind: str, a: dict, b: dict) -> bool:
        # a Hopf point needs a complex pair; a neutral saddle (real λ, -λ) also flips the test
        return kind != "H" or _has_complex(a["eigenvalues"]) or _has_complex(b["eigenvalues"])

    def special_point(self, kind: str, z: np.ndarray, tangent: np.ndarray, record: dict) -> SpecialPoint | None:
        x, p = z[:-1].copy(), self.params_at(z)
        data: dict = {"eigenvalues": record["eigenvalues"]}
        if kind == "LP":
            data.update(fold_coefficients(self.cm, x, p, self.ip))
        elif kind == "H":
            ev = record["eigenvalues"]
            i, j = np.triu_indices(ev.size, 1)
            k = int(np.argmin(np.abs(ev[i] + ev[j])))
            lam = ev[i[k]] if ev[i[k]].imag >= 0 else ev[j[k]]
            scale = max(1.0, float(np.max(np.abs(ev))))
            if abs(lam.imag) <= 1e-8 * scale or abs(ev[i[k]] - np.conj(ev[j[k]])) > 1e-6 * scale:
                return None  # neutral saddle (real pair λ, -λ), not a Hopf point
            omega = float(abs(lam.imag))
            nf = first_lyapunov(self.cm, x, p, omega)
            period = 2 * math.pi / omega
            data.update(omega=omega, period=period,
                        frequency_hz=1.0 / (period * self.cm.model.seconds_per_time_unit),
                        l1=nf["l1"], criticality=criticality(nf["l1"]), q=nf["q"], p=nf["p"])
        elif kind == "BP":
            _, _, vh = np.linalg.svd(self.jacobian(z))
            data["kernel"] = vh[-2:].copy()
        return SpecialPoint(kind, float(z[-1]), x, -1, data, self.param_name)


def raw_to_branch(raw: RawBranch, kind: str, model: Model, param: str, params: dict,
                  arrays: dict[str, np.ndarray], x: np.ndarray, stable: np.ndarray,
                  meta: dict | None = None) -> Branch:
    """Assemble a Branch from continuation output (special points get their index on the branch)."""
    sps = []
    for i, pt in enumerate(raw.points):
        if pt.special is not None:
            pt.special.index = i
            pt.special.params = {**params, param: float(pt.special.param)}
            sps.append(pt.special)
    param_vals = np.array([pt.z[-1] for pt in raw.points])
    arrays = {**arrays, "user": np.array([pt.user for pt in raw.points], dtype=bool)}
    return Branch(kind, param, param_vals, x, stable, sps, raw.status, model.state_names,
                  {k: v for k, v in params.items() if k != param}, model.time_unit, arrays, model,
                  {"seconds": raw.seconds, **(meta or {})})


def _start_state(model: Model, cm: CompiledModel, ip: int, p: np.ndarray, x0) -> np.ndarray:
    if x0 is None:
        pars = dict(zip(model.param_names, p))
        eqs = find_equilibria(model, params=pars, simulate_seed=False) or find_equilibria(model, params=pars)
        if not eqs:
            raise ModelError(f"no equilibrium found at {model.param_names[ip]}={p[ip]:g}: pass x0=...")
        stable = [e for e in eqs if e.stable]
        return (stable or eqs)[0].x.copy()
    if isinstance(x0, Equilibrium):
        return x0.x.copy()
    return _checks.state(model, x0, "x0")


def continue_equilibria(model: Model, param: str, p_range: tuple[float, float],
                        params: Mapping[str, float] | None = None, x0=None,
                        settings: ContinuationSettings | None = None, progress: bool = False,
                        at=None) -> Branch:
    """Continue a branch of equilibria in one parameter, detecting LP, H and BP.

    Parameters
    ----------
    model : Model
        An autonomous model (reset models are continued through their smooth part).
    param : str
        The continuation parameter.
    p_range : (float, float)
        The branch starts at ``p_range[0]`` (or at the parameter of an ``Equilibrium`` given as
        ``x0``) and is followed in both directions until it leaves the range.
    params : mapping, optional
        Values of the other parameters.
    x0 : array, mapping or Equilibrium, optional
        Initial state; by default a stable equilibrium at the start (the lowest-voltage one).
    settings : ContinuationSettings, optional
    progress : bool
        Print progress on stderr.
    at : sequence of float, optional
        Parameter values at which points are inserted exactly (find them with ``branch.at(value)``).

    Returns
    -------
    Branch
        kind "equilibrium", with per-point ``eigenvalues``, ``n_unstable``, ``stable`` and special
        points "LP" (data: ``a``, ``b``, null vectors ``q``, ``w``), "H" (``omega``, ``period``,
        ``frequency_hz``, ``l1``, ``criticality``, eigenvector ``q``), "BP" (``kernel``).

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> br = continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> h1, h2 = br.special("H")
    >>> round(h1.param, 6), h1.data["criticality"], round(h2.param, 4), h2.data["criticality"]
    (9.775438, 'subcritical', 154.5224, 'supercritical')
    """
    check_autonomous(model)
    cm = model.compile()
    ip = cm.param_index(param)
    p = cm.param_vector(params)
    a, b = (float(v) for v in p_range)
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        raise ModelError(f"p_range must be two different finite numbers, got {p_range}")
    start = a
    if isinstance(x0, Equilibrium):
        start = float(x0.params.get(param, a))
        if not min(a, b) <= start <= max(a, b):
            raise ModelError(f"x0 is at {param}={start}, outside p_range {p_range}")
    p[ip] = start
    x = _start_state(model, cm, ip, p, x0)
    x, ok = newton(cm, x, p)
    if not ok:
        raise ModelError(f"x0 does not converge to an equilibrium at {param}={start:g}: "
                         "pass an equilibrium from bifur.find_equilibria")
    problem = EquilibriumProblem(cm, ip, p)
    raw = continuation(problem, np.append(x, start), (a, b), settings, progress, label=f"equilibria in {param}",
                       at=at)
    recs = [pt.record for pt in raw.points]
    arrays = {"eigenvalues": np.array([r["eigenvalues"] for r in recs]),
              "n_unstable": np.array([r["n_unstable"] for r in recs])}
    return raw_to_branch(raw, "equilibrium", model, param, model.param_values(params), arrays,
                         np.array([pt.z[:-1] for pt in raw.points]), np.array([r["stable"] for r in recs]))
