"""Fitting model parameters to f-I and f-G recordings, with the exact Jacobian of the predictions.

:func:`fit` minimises Σ ((prediction - observation)/σ)² over the free parameters with
:func:`scipy.optimize.least_squares` (trust-region reflective within the bounds). Predictions and
their derivatives come from the model's own continuation answers and
:mod:`bifur.derivatives` (implicit-function theorem, no finite differences of the answers):

========================  =====================================================================
``quantity``              prediction
========================  =====================================================================
``"rate"``                stable firing rate (Hz) at input ``at`` (0 where only rest is stable)
``"rheobase"``            input at the onset of firing (SNIC/LP, LPC or H)
``"block"``               input at depolarization block (LPC or H)
``"input_conductance"``   G_in at rest (dI/dV)
========================  =====================================================================

Each observation also says which input it belongs to: ``input="current"`` (the f-I curve in the
model's current parameter) or ``"conductance"`` (the f-G curve of
:func:`bifur.with_conductance_input`, reversal ``reversal``). Data are a list of dicts or a
DataFrame with columns ``quantity``, ``input``, ``at``, ``value``, ``sigma`` (σ defaults to 1).

Where the model does not have the answer at some parameters (no firing at an input where a rate
was recorded: rate 0; no onset or block in the range: the end of the range), the prediction takes
that value with zero derivative, so the fit can go on; several starts guard against the local
minima this makes. Multi-start: ``starts=k`` draws k start points uniformly in the bounds (seeded)
and runs one local fit per start through :func:`bifur.sweep` (local processes or a Dask client);
the best is refined from its end point.

Other characteristics — the shape of a spike, the phase of the after-hyperpolarization, anything a
function of the model and its parameters can compute — enter as extra residuals: ``extra=`` takes
:class:`ExtraResidual` objects (or dicts with the same fields), each a user function
``function(model, params) -> value or 1-D array``, its target ``value`` and its own scale ``sigma``;
its residuals (prediction - value)/σ are appended to those of the observations. Unlike the f-I
quantities, their derivatives are by central differences in the free parameters (relative step
``step``, one-sided at a bound) unless the residual supplies its own ``jacobian(model, params, wrt)``.
A function that fails (raises) gives ``fail_value`` (default: value + 10 σ) so the fit can go on.

Uncertainty: the covariance of the parameters is (JᵀJ)⁻¹ with J the Jacobian of the weighted
residuals at the optimum — σ taken as the absolute standard deviations of the observations —
multiplied by the reduced χ² when ``absolute_sigma=False``.

Examples
--------
>>> import bifur
>>> from bifur.models import morris_lecar
>>> truth = morris_lecar("snic")
>>> data = synthetic_data(truth, [("rate", "current", 60.0), ("rate", "current", 90.0),
...                               ("rheobase", "current", None), ("input_conductance", "current", None)],
...                       i_range=(0.0, 150.0))
>>> start = truth.with_params(gCa=4.3, gL=1.8)
>>> res = fit(start, data, free=["gCa", "gL"], bounds={"gCa": (3.0, 5.0), "gL": (1.0, 3.0)},
...           i_range=(0.0, 150.0))
>>> round(res.params["gCa"], 8), round(res.params["gL"], 8)
(4.0, 2.0)
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import BifurError, BranchWarning, ModelError
from .model import Model

__all__ = ["fit", "FitResult", "ExtraResidual", "predict", "synthetic_data", "QUANTITIES"]

QUANTITIES = ("rate", "rheobase", "block", "input_conductance")
_INPUTS = ("current", "conductance")


@dataclass(frozen=True)
class _Target:
    quantity: str
    input: str
    at: float
    value: float
    sigma: float


def _targets(data: Any, allow_empty: bool = False) -> list[_Target]:
    if data is None:
        data = []
    rows = data.to_dict("records") if hasattr(data, "to_dict") and hasattr(data, "columns") else list(data)
    out = []
    for r in rows:
        q = r.get("quantity")
        if q not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}, got {q!r}")
        inp = r.get("input", "current") or "current"
        if inp not in _INPUTS:
            raise ValueError(f"input must be 'current' or 'conductance', got {inp!r}")
        at = r.get("at", math.nan)
        at = math.nan if at is None else float(at)
        if q == "rate" and not math.isfinite(at):
            raise ValueError("a rate observation needs the input value 'at'")
        sigma = float(r.get("sigma", 1.0) if r.get("sigma") is not None else 1.0)
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        out.append(_Target(q, inp, at, float(r.get("value", math.nan)), sigma))
    if not out and not allow_empty:
        raise ValueError("no observations to fit")
    return out


@dataclass(frozen=True)
class ExtraResidual:
    """A user-supplied term of a fit (see the module docstring).

    Attributes
    ----------
    name : str
        Label in the fit's table (column ``input``; ``quantity`` is ``"extra"``).
    function : callable
        ``function(model, params) -> float or 1-D array``: the prediction at the full parameter dict
        ``params`` (``model`` is the model being fitted, with its original values). Must be picklable
        for a multi-start fit on several processes (a module-level function or a picklable object).
    value : float or sequence
        Target(s), the same length as the function's output.
    sigma : float or sequence
        Scale(s): the residual is (prediction - value)/sigma.
    step : float
        Relative step of the central differences (times max(|parameter|, 1e-3)).
    jacobian : callable, optional
        ``jacobian(model, params, wrt) -> array (n_values, len(wrt))``, exact derivatives; replaces the
        differences.
    fail_value : float or sequence, optional
        Prediction used when ``function`` raises (default value + 10 sigma).
    """

    name: str
    function: Callable
    value: Any
    sigma: Any = 1.0
    step: float = 1e-4
    jacobian: Callable | None = None
    fail_value: Any = None

    @property
    def targets(self) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.value, dtype=float))

    @property
    def sigmas(self) -> np.ndarray:
        sig = np.broadcast_to(np.asarray(self.sigma, dtype=float), self.targets.shape).copy()
        if not np.all(sig > 0):
            raise ValueError(f"sigma of extra residual {self.name!r} must be positive")
        return sig

    def _value(self, model: Model, params: dict) -> np.ndarray:
        try:
            out = np.atleast_1d(np.asarray(self.function(model, dict(params)), dtype=float))
            if out.shape != self.targets.shape:
                raise ValueError(f"extra residual {self.name!r} returned shape {out.shape}, "
                                 f"expected {self.targets.shape}")
            if np.all(np.isfinite(out)):
                return out
        except ValueError as exc:
            if "returned shape" in str(exc):
                raise
        except Exception:  # noqa: BLE001 - a failing characteristic is a bad fit, not an error
            pass
        fail = self.fail_value if self.fail_value is not None else self.targets + 10.0 * self.sigmas
        return np.broadcast_to(np.asarray(fail, dtype=float), self.targets.shape).copy()

    def evaluate(self, model: Model, params: dict, wrt: Sequence[str] = (),
                 bounds: Mapping[str, tuple] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Prediction(s) at ``params`` and their derivatives with respect to ``wrt`` (rows: values)."""
        value = self._value(model, params)
        wrt = list(wrt)
        if not wrt:
            return value, np.zeros((value.size, 0))
        if self.jacobian is not None:
            return value, np.asarray(self.jacobian(model, dict(params), wrt), dtype=float).reshape(value.size,
                                                                                                  len(wrt))
        bounds = bounds or {}
        jac = np.zeros((value.size, len(wrt)))
        for j, k in enumerate(wrt):
            x = float(params[k])
            h = self.step * max(abs(x), 1e-3)
            lo, hi = bounds.get(k, (-math.inf, math.inf))
            up, dn = min(x + h, hi), max(x - h, lo)
            if up <= dn:
                continue
            f_up = value if up == x else self._value(model, {**params, k: up})
            f_dn = value if dn == x else self._value(model, {**params, k: dn})
            jac[:, j] = (f_up - f_dn) / (up - dn)
        return value, jac


def _extras(extra: Any) -> list[ExtraResidual]:
    out = []
    for e in extra or ():
        out.append(e if isinstance(e, ExtraResidual) else ExtraResidual(**dict(e)))
    for e in out:
        e.sigmas  # validates
        if not callable(e.function):
            raise ValueError(f"extra residual {e.name!r}: function must be callable")
    return out


@dataclass(frozen=True)
class _Setup:
    current: str = "I"
    conductance: str = "G"
    reversal: float = 0.0
    i_range: tuple = (0.0, 100.0)
    g_range: tuple = (0.0, 1.0)
    ntst: int | None = None


def _curve(model: Model, setup: _Setup, kind: str, params: dict, at: list[float]):
    from .neuro import fi_curve, with_conductance_input
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BranchWarning)
        if kind == "current":
            return fi_curve(model, setup.current, setup.i_range, params=params, at=at or None, ntst=setup.ntst)
        gm = with_conductance_input(model, setup.conductance, setup.reversal)
        return fi_curve(gm, setup.conductance, setup.g_range, params=params, at=at or None, ntst=setup.ntst)


def predict(model: Model, data: Any, params: Mapping[str, float] | None = None, wrt: Sequence[str] = (),
            *, current: str = "I", conductance: str = "G", reversal: float = 0.0,
            i_range: tuple = (0.0, 100.0), g_range: tuple = (0.0, 1.0), ntst: int | None = None,
            _setup: _Setup | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Predictions of the observations in ``data`` at ``params``, their derivatives with respect to
    ``wrt`` (rows: observations) and the f-I / f-G curves behind them ({"current": FICurve, ...})."""
    from . import derivatives as D
    setup = _setup or _Setup(current, conductance, float(reversal), tuple(i_range), tuple(g_range), ntst)
    targets = _targets(data)
    pars = model.param_values(params)
    wrt = list(wrt)
    values = np.full(len(targets), math.nan)
    jac = np.zeros((len(targets), len(wrt)))
    curves: dict = {}
    for kind in _INPUTS:
        mine = [k for k, t in enumerate(targets) if t.input == kind and t.quantity != "input_conductance"]
        if not mine:
            continue
        at = sorted({targets[k].at for k in mine if targets[k].quantity == "rate"})
        curve = _curve(model, setup, kind, pars, at)
        curves[kind] = curve
        hi = (setup.i_range if kind == "current" else setup.g_range)[1]
        rates = {float(v): s for v, s in zip(curve.param, D.rate_sensitivities(curve, wrt))} if at else {}
        cache: dict = {}
        for k in mine:
            t = targets[k]
            if t.quantity == "rate":
                s = rates[t.at]
                values[k] = s.value if math.isfinite(s.value) else 0.0
                jac[k] = s.vector(wrt) if math.isfinite(s.value) else 0.0
                continue
            if t.quantity not in cache:
                point = curve.onset if t.quantity == "rheobase" else curve.block
                try:
                    cache[t.quantity] = (D.onset_sensitivity(curve, wrt) if t.quantity == "rheobase"
                                         else D.block_sensitivity(curve, wrt)) if point is not None else None
                except BifurError:
                    cache[t.quantity] = None
            s = cache[t.quantity]
            values[k] = s.value if s is not None else hi
            jac[k] = s.vector(wrt) if s is not None else 0.0
    for k, t in enumerate(targets):
        if t.quantity == "input_conductance":
            s = D.input_conductance_sensitivity(model, wrt, pars, current=setup.current)
            values[k], jac[k] = s.value, s.vector(wrt)
    return values, jac, curves


@dataclass
class FitResult:
    """The outcome of :func:`fit`.

    Attributes
    ----------
    model : Model
        The model with the fitted parameter values.
    params : dict
        Fitted values of the free parameters.
    stderr : dict
        Their standard errors, sqrt of the covariance's diagonal.
    covariance : ndarray
        Covariance of the free parameters (order of ``free``).
    correlation : ndarray
    residuals : ndarray
        (prediction - observation)/σ per observation.
    table : DataFrame
        The observations with their predictions and weighted residuals (extra residuals: quantity
        ``"extra"``, input their name).
    jacobian : ndarray
        d(weighted residuals)/d(free parameters) at the optimum (exact).
    cost : float
        ½ Σ residuals².
    chi2_reduced : float
        2 cost / (observations - parameters) (NaN when there are no degrees of freedom).
    success : bool
    message : str
    nfev : int
    starts : DataFrame or None
        One row per start of a multi-start fit (status, cost, end point).
    curves : dict
        The f-I ("current") and f-G ("conductance") curves of the fitted model over the fit's ranges.
    free : list of str
    """

    model: Model
    params: dict
    stderr: dict
    covariance: np.ndarray
    residuals: np.ndarray
    table: Any
    jacobian: np.ndarray
    cost: float
    chi2_reduced: float
    success: bool
    message: str
    nfev: int
    free: list
    starts: Any = None
    curves: dict = field(default_factory=dict)

    @property
    def correlation(self) -> np.ndarray:
        d = np.sqrt(np.diag(self.covariance))
        return self.covariance / np.outer(d, d)

    def summary(self) -> str:
        lines = [f"fit of {self.model.name}: cost {self.cost:.6g}, reduced chi2 {self.chi2_reduced:.4g}, "
                 f"{'converged' if self.success else 'NOT converged'} ({self.message})"]
        lines += [f"  {k} = {v:.10g} ± {self.stderr[k]:.3g}" for k, v in self.params.items()]
        return "\n".join(lines)

    def plot(self, axes=None):
        """Fitted curves against the data (see :func:`bifur.plot_fit.plot_fit`)."""
        from .plot_fit import plot_fit
        return plot_fit(self, axes)

    def __repr__(self) -> str:
        return f"<FitResult {self.summary()}>"


class _Objective:
    """Weighted residuals and their exact Jacobian, evaluated once per parameter vector."""

    def __init__(self, model: Model, targets: list[_Target], free: list[str], setup: _Setup, fixed: dict,
                 extras: Sequence[ExtraResidual] = (), bounds: Mapping[str, tuple] | None = None):
        self.model, self.targets, self.free, self.setup, self.fixed = model, targets, free, setup, fixed
        self.extras, self.bounds = list(extras), dict(bounds or {})
        self.obs = np.concatenate([[t.value for t in targets]] + [e.targets for e in self.extras])
        self.sigma = np.concatenate([[t.sigma for t in targets]] + [e.sigmas for e in self.extras])
        self._last: tuple | None = None
        self.curves: dict = {}
        self.predicted = np.full(self.obs.size, math.nan)

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._last is not None and np.array_equal(self._last[0], x):
            self.predicted = self._last[3]
            return self._last[1], self._last[2]
        params = {**self.fixed, **dict(zip(self.free, map(float, x)))}
        values, jac = np.zeros(0), np.zeros((0, len(self.free)))
        if self.targets:
            rows = [t.__dict__ for t in self.targets]
            values, jac, self.curves = predict(self.model, rows, params, self.free, _setup=self.setup)
        for e in self.extras:
            v, j = e.evaluate(self.model, params, self.free, self.bounds)
            values, jac = np.concatenate([values, v]), np.vstack([jac, j])
        self.predicted = values
        r = (values - self.obs) / self.sigma
        J = jac / self.sigma[:, None]
        self._last = (x.copy(), r, J, values)
        return r, J

    def residuals(self, x):
        return self.evaluate(x)[0]

    def jacobian(self, x):
        return self.evaluate(x)[1]


def _local_fit(objective: _Objective, x0: np.ndarray, lo: np.ndarray, hi: np.ndarray, tol: float,
               max_nfev: int | None):
    from scipy.optimize import least_squares
    scale = np.where(np.abs(x0) > 0, np.abs(x0), 1.0)
    return least_squares(objective.residuals, x0, jac=objective.jacobian, bounds=(lo, hi), x_scale=scale,
                         xtol=tol, ftol=tol, gtol=tol, max_nfev=max_nfev, method="trf")


@dataclass(frozen=True)
class _FitFromStart:
    """One local fit from the start point given as a sweep row's parameters (for multi-start)."""

    targets: tuple
    free: tuple
    setup: _Setup
    fixed: tuple
    lo: tuple
    hi: tuple
    tol: float
    max_nfev: int | None
    extras: tuple = ()

    def __call__(self, model: Model, params: dict) -> dict:
        obj = _Objective(model, list(self.targets), list(self.free), self.setup, dict(self.fixed), self.extras,
                         dict(zip(self.free, zip(self.lo, self.hi))))
        x0 = np.array([params[k] for k in self.free])
        sol = _local_fit(obj, x0, np.array(self.lo), np.array(self.hi), self.tol, self.max_nfev)
        out = {"cost": float(sol.cost), "success": bool(sol.success), "nfev": int(sol.nfev)}
        out.update({f"fit_{k}": float(v) for k, v in zip(self.free, sol.x)})
        return out


def fit(model: Model, data: Any, free: Sequence[str], bounds: Mapping[str, tuple] | None = None,
        x0: Mapping[str, float] | None = None, *, current: str = "I", conductance: str = "G",
        reversal: float = 0.0, i_range: tuple = (0.0, 100.0), g_range: tuple = (0.0, 1.0),
        ntst: int | None = None, starts: int = 0, seed: int = 0, workers: int | None = 1, client: Any = None,
        absolute_sigma: bool = True, tol: float = 1e-12, max_nfev: int | None = 60,
        progress: bool = False, extra: Sequence[ExtraResidual | Mapping] = ()) -> FitResult:
    """Least-squares fit of ``free`` parameters of ``model`` to f-I / f-G observations (module docstring).

    Parameters
    ----------
    model : Model
        Its parameter values are the start (and the values of the parameters not fitted).
    data : list of dict or DataFrame
        Observations: ``quantity`` ("rate", "rheobase", "block", "input_conductance"), ``input``
        ("current" or "conductance"), ``at`` (input value of a rate), ``value``, ``sigma``.
    free : sequence of str
        Parameters to fit.
    bounds : mapping, optional
        name -> (low, high); unbounded by default (multi-start needs bounds).
    x0 : mapping, optional
        Start values (default: the model's).
    current, conductance, reversal : str, str, float
        The current parameter; the name and reversal potential of the injected conductance.
    i_range, g_range : (float, float)
        Input ranges of the f-I and f-G curves (they must contain the onsets and blocks observed).
    ntst : int, optional
        Collocation mesh intervals of the cycle branches.
    starts : int
        Number of random starts in the bounds (0: only the model's values or ``x0``).
    seed : int
        Seed of the start points.
    workers, client :
        Where the starts run (see :func:`bifur.sweep`).
    absolute_sigma : bool
        σ are absolute standard deviations (True) or only relative weights (False: the covariance
        is scaled by the reduced χ²).
    tol : float
        ``xtol``, ``ftol`` and ``gtol`` of :func:`scipy.optimize.least_squares`.
    max_nfev : int, optional
        Evaluations per local fit.
    extra : sequence of ExtraResidual (or dicts of its fields)
        User-supplied residuals appended to the observations' (module docstring); ``data`` may then
        be empty (``[]`` or None).
    """
    extras = _extras(extra)
    targets = _targets(data, allow_empty=bool(extras))
    free = list(free)
    if not free:
        raise ValueError("no free parameters")
    for k in free:
        model.check_param(k)
    bounds = dict(bounds or {})
    lo = np.array([float(bounds.get(k, (-np.inf, np.inf))[0]) for k in free])
    hi = np.array([float(bounds.get(k, (-np.inf, np.inf))[1]) for k in free])
    setup = _Setup(current, conductance, float(reversal), tuple(map(float, i_range)), tuple(map(float, g_range)),
                   ntst)
    fixed = {k: v for k, v in model.params.items() if k not in free}
    start = {**{k: model.params[k] for k in free}, **(x0 or {})}
    x_start = np.clip(np.array([float(start[k]) for k in free]), lo, hi)
    table_starts = None
    if starts > 0:
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise ModelError("multi-start draws its starts in the bounds: give finite bounds for every free parameter")
        from .sweep import sweep
        rng = np.random.default_rng(seed)
        points = [dict(zip(free, map(float, x_start)))]
        points += [dict(zip(free, map(float, lo + (hi - lo) * rng.uniform(size=len(free))))) for _ in range(starts)]
        task = _FitFromStart(tuple(targets), tuple(free), setup, tuple(fixed.items()), tuple(lo), tuple(hi), 1e-8,
                             max_nfev, tuple(extras))
        table_starts = sweep(task, points, model, client=client, workers=workers, progress=progress)
        ok = table_starts[(table_starts["status"] == "ok") & np.isfinite(table_starts.get("cost", np.nan))]
        if len(ok):
            best = ok.loc[ok["cost"].idxmin()]
            x_start = np.clip(np.array([float(best[f"fit_{k}"]) for k in free]), lo, hi)
    obj = _Objective(model, targets, free, setup, fixed, extras, dict(zip(free, zip(lo, hi))))
    sol = _local_fit(obj, x_start, lo, hi, tol, max_nfev)
    r, J = obj.evaluate(sol.x)
    n_obs, n_par = r.size, len(free)
    cost = 0.5 * float(r @ r)
    dof = n_obs - n_par
    chi2 = 2 * cost / dof if dof > 0 else math.nan
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((n_par, n_par), math.nan)
    if not absolute_sigma:
        cov = cov * (chi2 if math.isfinite(chi2) else math.nan)
    params = dict(zip(free, map(float, sol.x)))
    fitted = model.with_params(**params)
    import pandas as pd
    rows = [dict(t.__dict__) for t in targets]
    for e in extras:
        rows += [{"quantity": "extra", "input": e.name, "at": math.nan, "value": float(v), "sigma": float(sg)}
                 for v, sg in zip(e.targets, e.sigmas)]
    table = pd.DataFrame(rows, columns=["quantity", "input", "at", "value", "sigma"])
    table["predicted"] = obj.predicted
    table["residual"] = r
    # the curves over the whole ranges, for plots of the fit
    curves = {}
    for kind in {t.input for t in targets if t.quantity != "input_conductance"}:
        curves[kind] = _curve(fitted, setup, kind, {}, [])
    return FitResult(fitted, params, dict(zip(free, map(float, np.sqrt(np.abs(np.diag(cov)))))), cov, r, table, J,
                     cost, chi2, bool(sol.success), str(sol.message), int(sol.nfev), free, table_starts, curves)


def synthetic_data(model: Model, spec: Sequence[tuple], params: Mapping[str, float] | None = None,
                   noise: float = 0.0, sigma: float | None = None, seed: int = 0, **setup: Any) -> list[dict]:
    """Observations of ``model`` itself: ``spec`` lists (quantity, input, at) triples; with ``noise`` > 0,
    Gaussian noise of that standard deviation is added (seeded) and σ = noise (else ``sigma`` or 1).

    Examples
    --------
    >>> from bifur.models import morris_lecar
    >>> d = synthetic_data(morris_lecar("snic"), [("rheobase", "current", None)], i_range=(0.0, 150.0))
    >>> d[0]["quantity"], round(d[0]["value"], 6)
    ('rheobase', 39.963153)
    """
    rows = [{"quantity": q, "input": i, "at": (math.nan if a is None else float(a)), "value": 0.0,
             "sigma": float(sigma if sigma is not None else (noise if noise > 0 else 1.0))} for q, i, a in spec]
    values, _, _ = predict(model, rows, params, **setup)
    rng = np.random.default_rng(seed)
    for r, v in zip(rows, values):
        r["value"] = float(v + (rng.normal(0.0, noise) if noise > 0 else 0.0))
    return rows
