"""Equilibria: Newton's method from the model's own seeds, deflated Newton from a spread of starting
points over a state box, and the steady-state current-voltage relation."""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import _checks
from .codegen import CompiledModel
from .errors import BifurWarning, ModelError, SimulationWarning
from .model import Model

__all__ = ["Equilibrium", "find_equilibria", "newton", "voltage_scan", "search_box"]

#: Half-width of the default box of a state without a declared range, in units of max(1, |initial value|).
BOX_HALF_WIDTH = 30.0
#: Most equilibria the deflated search adds (it warns when it stops there).
MAX_NEW_EQUILIBRIA = 64
#: Most quasi-random starting points ``box_seeds`` may ask for.
MAX_BOX_SEEDS = 4096
#: Iterations of one deflated Newton run.
DEFLATION_ITERATIONS = 50
_SHIFT_SEED = 20150701


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium x* with f(x*, p) = 0.

    Attributes
    ----------
    x : ndarray
    params : dict
    eigenvalues : ndarray (complex), sorted by decreasing real part
    stable : bool
        All eigenvalues have negative real part.

    Examples
    --------
    >>> from bifur.models import morris_lecar
    >>> [e.n_unstable for e in find_equilibria(morris_lecar("snic"))]
    [0, 1, 2]
    """

    model: Model
    x: np.ndarray
    params: dict
    eigenvalues: np.ndarray
    stable: bool

    def __getitem__(self, name: str) -> float:
        return float(self.x[self.model.state_names.index(self.model.check_state(name))])

    @property
    def n_unstable(self) -> int:
        """Number of eigenvalues with positive real part."""
        return int(np.sum(self.eigenvalues.real > 0))

    def __repr__(self) -> str:
        xs = ", ".join(f"{n}={v:.6g}" for n, v in zip(self.model.state_names, self.x))
        kind = "stable" if self.stable else f"unstable ({self.n_unstable} unstable eigenvalues)"
        return f"Equilibrium({xs}; {kind})"


def newton(cm: CompiledModel, x0: np.ndarray, p: np.ndarray, tol: float = 1e-11,
           max_iter: int = 50) -> tuple[np.ndarray, bool]:
    """Damped Newton for f(x, p) = 0 with the compiled Jacobian (backtracking line search on |f|).

    Returns (x, converged); a diverging iterate is a failure.
    """
    x = np.array(x0, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ok = cm.kernel("damped_newton")(x, p, -1, tol, max_iter)
    return x, bool(ok)


def _default_voltage_range(model: Model) -> tuple[float, float]:
    v0 = abs(model.init[model.voltage])
    return (-120.0, 60.0) if v0 > 10 else (-5.0, 5.0)


def voltage_scan(cm: CompiledModel, p: np.ndarray, v_range: tuple[float, float] | None = None,
                 n: int = 361) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve every equation but the voltage one along a grid of voltages.

    Returns (V grid, states (n x n_states), residual of the voltage equation). The
    residual times the capacitance is the steady-state current that must be injected
    to hold that voltage; its zeros are equilibria. Points where the other equations
    have no solution get NaN.
    """
    model = cm.model
    if model.voltage is None:
        raise ModelError(f"model {model.name!r} declares no voltage state")
    iv = model.state_names.index(model.voltage)
    lo, hi = v_range or _default_voltage_range(model)
    grid = np.linspace(lo, hi, n)
    states = np.empty((n, model.n_states))
    resid = np.empty(n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        cm.kernel("clamp_scan")(grid, iv, cm.init_vector(), p, 1e-11, 50, states, resid)
    return grid, states, resid


def _seeds(cm: CompiledModel, p: np.ndarray, simulate_seed: bool) -> list[np.ndarray]:
    model = cm.model
    seeds = [cm.init_vector()]
    if model.voltage is not None:
        grid, states, resid = voltage_scan(cm, p)
        a, b = resid[:-1], resid[1:]
        with np.errstate(over="ignore", invalid="ignore"):
            crossing = np.isfinite(a) & np.isfinite(b) & ((a == 0) | (a * b < 0))
        for k in np.flatnonzero(crossing):
            w = a[k] / (a[k] - b[k]) if a[k] != b[k] else 0.0
            seeds.append(states[k] + w * (states[k + 1] - states[k]))
    if not simulate_seed:
        return seeds
    try:
        from .simulate import simulate
        with warnings.catch_warnings():  # a seed that stops early is just not used
            warnings.simplefilter("ignore", SimulationWarning)
            tr = simulate(model, 500.0 if model.time_unit != "1" else 200.0,
                          params=dict(zip(model.param_names, p)), throw=False, max_steps=200_000)
        if np.all(np.isfinite(tr.final_state)):
            seeds.append(tr.final_state)
    except ModelError:
        pass
    return seeds


def _default_interval(model: Model, name: str) -> tuple[float, float]:
    x0 = float(model.init[name])
    if name == model.voltage:
        return _default_voltage_range(model)
    if model.voltage is not None and 0.0 <= x0 <= 1.0:
        return (0.0, 1.0)
    h = BOX_HALF_WIDTH * max(1.0, abs(x0))
    return (x0 - h, x0 + h)


def _interval(value: Any, what: str) -> tuple[float, float]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair (low, high), got {value!r}") from None
    lo, hi = _checks.real(lo, f"{what}[0]"), _checks.real(hi, f"{what}[1]")
    if not lo < hi:
        raise ValueError(f"{what} must be (low, high) with low < high, got ({lo:g}, {hi:g})")
    return lo, hi


def search_box(model: Model, box: Mapping[str, tuple[float, float]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The state box (lower, upper) in which :func:`find_equilibria` looks for equilibria.

    Each state gets, unless ``box`` names it:

    * the declared voltage: -120 to 60 (the range of :func:`voltage_scan`; -5 to 5 for a
      dimensionless model, whose initial voltage is within 10 of 0);
    * any other state of a model with a declared voltage whose initial value lies in [0, 1]
      (gating variables, occupancies of channel states): [0, 1];
    * every other state: its initial value ± :data:`BOX_HALF_WIDTH` · max(1, |initial value|).

    A state that starts in [0, 1] without being a gate (an adaptation current starting at 0, say)
    gets [0, 1] too: pass ``box`` for it. Equilibria that the model's own seeds lead to are reported
    wherever they lie; the box limits only the global search.

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> lo, hi = search_box(hodgkin_huxley(), box={"V": (-100, 50)})
    >>> lo.tolist(), hi.tolist()
    ([-100.0, 0.0, 0.0, 0.0], [50.0, 1.0, 1.0, 1.0])
    """
    if box is not None and not isinstance(box, Mapping):
        raise ValueError(f"box must be a mapping of state names to (low, high), e.g. {{'V': (-100, 50)}}, "
                         f"got {type(box).__name__}")
    given = {model.check_state(k): _interval(v, f"box[{k!r}]") for k, v in (box or {}).items()}
    pairs = [given.get(n) or _default_interval(model, n) for n in model.state_names]
    return np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])


def _primes(d: int) -> list[int]:
    """The first d primes."""
    out: list[int] = []
    k = 2
    while len(out) < d:
        if all(k % q for q in out if q * q <= k):
            out.append(k)
        k += 1
    return out


@functools.lru_cache(maxsize=32)
def _unit_points(d: int, n: int) -> np.ndarray:
    """The first n points of a randomly shifted Halton sequence in [0, 1)^d (fixed seed: reproducible).

    Coordinate j is the radical inverse of 1, 2, ..., n in the j-th prime base, shifted modulo 1 by a
    fixed random offset (Cranley-Patterson rotation, so that no point sits on the box's corner or
    centre planes). Written here rather than taken from ``scipy.stats.qmc``: importing scipy.stats
    costs about half a second, more than the whole search on a small model.
    """
    u = np.zeros((n, d))
    idx = np.arange(1, n + 1)
    for j, base in enumerate(_primes(d)):
        k, scale = idx.copy(), 1.0
        while np.any(k):
            scale /= base
            u[:, j] += (k % base) * scale
            k //= base
    u = (u + np.random.default_rng(_SHIFT_SEED).random(d)) % 1.0
    u.setflags(write=False)
    return u


def _same(x: np.ndarray, y: np.ndarray, width: np.ndarray) -> bool:
    """Equal up to 1e-7 relative and 1e-9 of the box width in every state."""
    return bool(np.all(np.abs(x - y) <= 1e-7 * (np.abs(x) + np.abs(y)) + 1e-9 * width))


def _local_roots(cm: CompiledModel, p: np.ndarray, seeds: list[np.ndarray], width: np.ndarray) -> list[np.ndarray]:
    """Distinct roots damped Newton reaches from the seeds (wherever they lie)."""
    found: list[np.ndarray] = []
    for s in seeds:
        x, ok = newton(cm, s, p)
        if ok and np.all(np.isfinite(x)) and not any(_same(x, y, width) for y in found):
            found.append(x)
    return found


def _deflated_roots(cm: CompiledModel, p: np.ndarray, seeds: list[np.ndarray], n_box: int, lo: np.ndarray,
                    hi: np.ndarray, found: list[np.ndarray]) -> list[np.ndarray]:
    """``found`` plus the roots in the box that deflated Newton reaches from the seeds, then from
    ``n_box`` quasi-random points of the box."""
    n = cm.model.n_states
    starts = np.ascontiguousarray(np.vstack(seeds + [lo + _unit_points(n, n_box) * (hi - lo)]).reshape(-1, n))
    roots = np.empty((len(found) + MAX_NEW_EQUILIBRIA, n))
    roots[:len(found)] = np.reshape(found, (-1, n))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        k = cm.kernel("deflated_search")(starts, p, lo, hi, roots, len(found), DEFLATION_ITERATIONS)
    if k == roots.shape[0]:
        warnings.warn(f"bifur: the search for equilibria of {cm.model.name!r} stopped after {MAX_NEW_EQUILIBRIA} "
                      "new ones; the model may have a continuum or a periodic family of equilibria: pass a "
                      "smaller box=", BifurWarning, stacklevel=3)
    return [roots[i].copy() for i in range(k)]


def find_equilibria(model: Model, params: Mapping[str, float] | None = None,
                    seeds: list | None = None, simulate_seed: bool = True, *,
                    box: Mapping[str, tuple[float, float]] | None = None, box_seeds: int = 32) -> list[Equilibrium]:
    """Every equilibrium in a state box, and any other that Newton's method reaches from the model's seeds.

    1. Damped Newton from the model's own seeds: ``model.init``, every sign change of the
       steady-state current along a voltage scan (when the model declares its voltage), the end
       of a simulation, and any ``seeds`` given. Every root reached is kept, inside the box or not
       (as before this search existed).
    2. Deflated Newton (Farrell, Birkisson & Funke, SIAM J. Sci. Comput. 37:A2026, 2015) from the
       same seeds, then from ``box_seeds`` points of a shifted Halton sequence (fixed seed, so
       results are reproducible) spread over the box. Newton's method is applied to M(x) f(x),
       where M = prod (1/|(x - r)/s|² + 1) over the roots r found so far has a pole at each of
       them: the iteration is pushed away from known roots and converges to new ones (s is a tenth
       of the box width in each state, shrunk around roots with close neighbours). From each seed
       the search is repeated until it fails. Each new root is polished by damped Newton on f and
       kept only if it lies in the box, which says where equilibria are wanted (a model with a
       periodic state has infinitely many outside it; a neuron model may have unphysical ones).

    Deflation was chosen over homotopy continuation because it needs only what bifur compiles
    anyway (f and its Jacobian, for any smooth right-hand side, not only polynomials), and each
    run is a few dozen Newton steps in numba (about 0.6 ms in all for Hodgkin-Huxley). It is a
    search, not a proof: a pair of equilibria closer than about 1e-3 of the box width (about to
    meet at a fold) can be missed, and so can some of very many equilibria (raise ``box_seeds``).
    Results are deduplicated (1e-7 relative, 1e-9 of the box width) and sorted by voltage (or
    first state). Reset models are analysed through their smooth part.

    Parameters
    ----------
    model : Model
    params : mapping, optional
        Parameter values overriding the defaults.
    seeds : list of arrays, optional
        Extra starting points.
    simulate_seed : bool
        Also start Newton from the end of a simulation (compiles the integrator on first use).
    box : mapping of state name to (low, high), optional
        Overrides of the default box of :func:`search_box` (voltage -120 to 60, gating variables
        [0, 1], other states their initial value ± 30 · max(1, |value|)).
    box_seeds : int
        Number of quasi-random starting points in the box (0 to 4096). The work is bounded by
        (number of seeds + equilibria found) deflated runs of at most 50 Newton steps; at most
        64 equilibria are added by the search (with a warning when it stops there).

    Returns
    -------
    list of Equilibrium

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> [eq] = find_equilibria(hodgkin_huxley())
    >>> round(eq["V"], 6), eq.stable
    (-64.996379, True)

    Equilibria no seed is near, such as the three of x' = (x - 6)(x - 12)(x + 9), y' = -y,
    started at the origin:

    >>> import bifur
    >>> m = bifur.Model.from_text("dx/dt = (x - 6)*(x - 12)*(x + 9)\\ndy/dt = -y",
    ...                           params={}, init={"x": 0.0, "y": 0.0}, time_unit="1")
    >>> [round(e["x"], 9) for e in find_equilibria(m, simulate_seed=False, box={"x": (-20, 20)})]
    [-9.0, 6.0, 12.0]
    """
    cm = model.compile()
    p = cm.param_vector(params)
    extra = [_checks.state(model, s, f"seeds[{k}]") for k, s in enumerate(seeds or [])]
    lo, hi = search_box(model, box)
    n_box = _checks.count(box_seeds, "box_seeds", 0, MAX_BOX_SEEDS)
    own = _seeds(cm, p, simulate_seed) + extra
    found = _deflated_roots(cm, p, own, n_box, lo, hi, _local_roots(cm, p, own, hi - lo))
    key = model.state_names.index(model.voltage) if model.voltage else 0
    found.sort(key=lambda x: x[key])
    out = []
    for x in found:
        ev = np.linalg.eigvals(cm.jac(x, p))
        ev = ev[np.lexsort((ev.imag, -ev.real))]
        out.append(Equilibrium(model, x, model.param_values(params), ev, bool(np.all(ev.real < 0))))
    return out
