"""Branch and SpecialPoint: plain records of a continuation, saved losslessly as npz + JSON."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, Status, StatusCode
from .model import TIME_UNITS

__all__ = ["Branch", "SpecialPoint", "Diagnostic", "load_branch"]


@dataclass
class SpecialPoint:
    """A located special point on a branch.

    Attributes
    ----------
    kind : str
        "LP" (fold), "H" (Hopf), "BP" (branch point), "LPC", "PD", "NS", "SNIC", "HOM", ...
    param : float
        Parameter value.
    x : ndarray
        State (for cycles: the point at phase 0).
    index : int
        Position on the branch (the point itself is stored there).
    data : dict
        Kind-specific results (e.g. ``omega``, ``period``, ``l1``, ``criticality`` for "H").
    param_name : str
    bracket : tuple
        Parameter values of the two branch points between which it was located.
    precision : float
        Width of the final location bracket in the parameter.
    params : dict
        All parameter values at the point (the continuation parameter included).
    refined : bool
        True when the point was located to the requested precision. An unrefined point is kept
        (never dropped): ``param`` and ``x`` are then the best estimate and ``bracket`` the
        interval of the branch that certainly contains it.

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> h = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 20.0)).special("H")[0]
    >>> h.kind, round(h.data["period"], 6), h.params["gNa"]
    ('H', 10.717883, 120.0)
    """

    kind: str
    param: float
    x: np.ndarray
    index: int
    data: dict = field(default_factory=dict)
    param_name: str = ""
    bracket: tuple = (math.nan, math.nan)
    precision: float = math.nan
    params: dict = field(default_factory=dict)
    refined: bool = True

    def __repr__(self) -> str:
        extra = "" if self.refined else f", unrefined in [{self.bracket[0]:.10g}, {self.bracket[1]:.10g}]"
        if "criticality" in self.data:
            extra = f", {self.data['criticality']}"
        if "period" in self.data and self.kind != "H":
            extra += f", T={self.data['period']:.8g}"
        return f"SpecialPoint({self.kind} at {self.param_name}={self.param:.10g}{extra})"


@dataclass(frozen=True)
class Diagnostic:
    """Something the continuation noticed and did not turn into a special point, with the reason.

    Attributes
    ----------
    kind : str
        The event kind concerned ("BP", "PD", "H", ...) or "step" / "end" for the run itself.
    message : str
        What happened and why, with advice when something can be done.
    param : float
        Parameter value where it happened (NaN when not applicable).
    severity : {"info", "warning"}
        "info": a test-function zero that is not a bifurcation (a neutral saddle, the trivial
        branch point next to a Hopf end); "warning": something may be missing or imprecise, and
        the continuation raised a :class:`bifur.BranchWarning` about it.

    Examples
    --------
    >>> Diagnostic("H", "neutral saddle (real pair λ, -λ), not a Hopf point", 1.5)
    Diagnostic(info: H at p=1.5: neutral saddle (real pair λ, -λ), not a Hopf point)
    """

    kind: str
    message: str
    param: float = math.nan
    severity: str = "info"

    def __repr__(self) -> str:
        return f"Diagnostic({self.severity}: {self.kind} at p={self.param:.10g}: {self.message})"


class Branch:
    """A continued branch: points (parameter, state), per-point arrays, special points and status.

    Attributes
    ----------
    kind : str
        "equilibrium", "cycle", ...
    param_name : str
    param : ndarray (N,)
    x : ndarray (N, n_states)
        States (for cycles, the point at phase 0).
    stable : ndarray of bool (N,)
    arrays : dict of ndarray
        Other per-point arrays: ``eigenvalues``, ``n_unstable`` for equilibria; ``period``,
        ``multipliers``, ``precision``, ``max``, ``min``, ... for cycles.
    special_points : list of SpecialPoint
    status : Status
        Why the continuation stopped (with advice when it failed).
    params : dict
        Values of the other parameters.
    diagnostics : list of Diagnostic
        Test-function zeros that were not reported as special points, and other things the
        continuation noticed, each with its reason (see :class:`Diagnostic`).

    Examples
    --------
    >>> import bifur
    >>> from bifur.models import hodgkin_huxley
    >>> br = bifur.continue_equilibria(hodgkin_huxley(), "I", (0.0, 200.0))
    >>> [sp.kind for sp in br.special_points]
    ['H', 'H']
    >>> bool(br.stable[0]), bool(br.stable[-1])
    (True, True)
    """

    def __init__(self, kind: str, param_name: str, param: np.ndarray, x: np.ndarray, stable: np.ndarray,
                 special_points: list[SpecialPoint], status: Status, state_names: tuple[str, ...],
                 params: dict, time_unit: str = "ms", arrays: dict[str, np.ndarray] | None = None,
                 model: Any = None, meta: dict | None = None, diagnostics: list[Diagnostic] | None = None):
        self.kind = kind
        self.param_name = param_name
        self.param = np.asarray(param, dtype=float)
        self.x = np.asarray(x, dtype=float)
        self.stable = np.asarray(stable, dtype=bool)
        self.special_points = list(special_points)
        self.status = status
        self.state_names = tuple(state_names)
        self.params = dict(params)
        self.time_unit = time_unit
        self.arrays = dict(arrays or {})
        self.model = model
        self.meta = dict(meta or {})
        self.diagnostics = list(diagnostics or [])

    @property
    def complete(self) -> bool:
        """True when the branch stopped for an understood reason and every special point is refined."""
        return self.status.ok and all(sp.refined for sp in self.special_points) and not any(
            d.severity == "warning" for d in self.diagnostics)

    # -- access ------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.param.size

    def __getitem__(self, name: str) -> np.ndarray:
        if name == self.param_name:
            return self.param
        if name in self.state_names:
            return self.x[:, self.state_names.index(name)]
        if name in self.arrays:
            return self.arrays[name]
        raise KeyError(f"{name!r} is not a state, the parameter or an array of this branch "
                       f"(states: {', '.join(self.state_names)}; arrays: {', '.join(self.arrays)})")

    def at(self, value: float, stable: bool | None = None) -> np.ndarray:
        """Indices of the points inserted exactly at parameter ``value`` (requested with ``at=``),
        optionally only the stable (True) or unstable (False) ones."""
        mask = (self.param == value) & self.arrays.get("user", np.ones(len(self), dtype=bool))
        if stable is not None:
            mask &= self.stable == stable
        return np.flatnonzero(mask)

    def special(self, kind: str) -> list[SpecialPoint]:
        """Special points of one kind, in branch order."""
        return [sp for sp in self.special_points if sp.kind == kind]

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.arrays["eigenvalues"]

    @property
    def period(self) -> np.ndarray:
        return self.arrays["period"]

    @property
    def frequency_hz(self) -> np.ndarray:
        """Frequency in Hz (1/period converted with the model's time unit)."""
        return 1.0 / (self.arrays["period"] * TIME_UNITS[self.time_unit])

    @property
    def multipliers(self) -> np.ndarray:
        return self.arrays["multipliers"]

    @property
    def precision(self) -> np.ndarray:
        return self.arrays["precision"]

    def max(self, name: str) -> np.ndarray:
        """Per-point maximum of a state over the cycle (the state itself for equilibria)."""
        return self._extreme("max", name)

    def min(self, name: str) -> np.ndarray:
        """Per-point minimum of a state over the cycle (the state itself for equilibria)."""
        return self._extreme("min", name)

    def _extreme(self, which: str, name: str) -> np.ndarray:
        if name not in self.state_names:
            raise KeyError(f"{name!r} is not a state ({', '.join(self.state_names)})")
        if which in self.arrays:
            return self.arrays[which][:, self.state_names.index(name)]
        return self[name]

    def orbit(self, i: int):
        """The periodic orbit at point ``i`` of a cycle branch, as a :class:`bifur.Cycle`."""
        from .cycle import Cycle
        if self.kind != "cycle":
            raise ModelError("orbit() is defined for cycle branches only")
        return Cycle.from_branch(self, i)

    def to_dataframe(self):
        """A pandas DataFrame with one row per point (pandas is imported on demand)."""
        import pandas as pd
        cols: dict[str, Any] = {self.param_name: self.param}
        for j, s in enumerate(self.state_names):
            cols[s] = self.x[:, j]
        cols["stable"] = self.stable
        for k, v in self.arrays.items():
            if v.ndim == 1:
                cols[k] = v
            elif k in ("max", "min"):
                for j, s in enumerate(self.state_names):
                    cols[f"{k}_{s}"] = v[:, j]
        return pd.DataFrame(cols)

    def __repr__(self) -> str:
        sps = ", ".join(f"{sp.kind}@{sp.param:.6g}" for sp in self.special_points)
        lo, hi = (self.param.min(), self.param.max()) if len(self) else (math.nan, math.nan)
        return (f"<Branch {self.kind}: {len(self)} points, {self.param_name} in [{lo:.6g}, {hi:.6g}], "
                f"special points [{sps}]; status: {self.status.message}>")

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the branch to ``path`` (``.npz`` added if missing): arrays in npz, the rest as JSON.

        Lossless: floats are written exactly, no pickle is used. Read back with :func:`load_branch`.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        arrays = {"param": self.param, "x": self.x, "stable": self.stable}
        arrays.update({f"a_{k}": v for k, v in self.arrays.items()})
        sps = []
        for i, sp in enumerate(self.special_points):
            arrays[f"sp{i}_x"] = np.asarray(sp.x)
            sps.append({"kind": sp.kind, "param": sp.param, "index": sp.index, "param_name": sp.param_name,
                        "bracket": _encode(list(sp.bracket)), "precision": _encode(sp.precision),
                        "data": _encode(sp.data), "params": _encode(sp.params), "refined": sp.refined})
        model = None
        if self.model is not None:
            from .serialize import model_to_dict
            model = model_to_dict(self.model)
        meta = {"format": "bifur-branch-1", "kind": self.kind, "param_name": self.param_name,
                "state_names": list(self.state_names), "params": self.params, "time_unit": self.time_unit,
                "status": {"code": self.status.code.value, "message": self.status.message},
                "special_points": sps, "meta": _encode(self.meta), "model": model,
                "diagnostics": [_encode([d.kind, d.message, d.param, d.severity]) for d in self.diagnostics]}
        arrays["__meta__"] = np.array(json.dumps(meta))
        np.savez(path, **arrays)
        return path


def _encode(obj: Any) -> Any:
    """JSON-encodable form of nested data with numpy arrays, complex numbers and non-finite floats."""
    if isinstance(obj, dict):
        return {str(k): _encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_encode(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if np.iscomplexobj(obj):
            return {"__ndarray__": _encode(obj.real.tolist()), "imag": _encode(obj.imag.tolist()),
                    "shape": list(obj.shape)}
        return {"__ndarray__": _encode(obj.tolist()), "dtype": str(obj.dtype), "shape": list(obj.shape)}
    if isinstance(obj, (complex, np.complexfloating)):
        return {"__complex__": [_encode(float(obj.real)), _encode(float(obj.imag))]}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    return obj


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__ndarray__" in obj:
        real = np.array(_decode(obj["__ndarray__"]), dtype=float if "imag" in obj else obj["dtype"])
        if "imag" in obj:
            real = real + 1j * np.array(_decode(obj["imag"]), dtype=float)
        return real.reshape(obj["shape"])
    if "__complex__" in obj:
        re, im = (_decode(v) for v in obj["__complex__"])
        return complex(re, im)
    if "__float__" in obj:
        return float(obj["__float__"])
    return {k: _decode(v) for k, v in obj.items()}


#: Largest member of a branch file that :func:`load_branch` reads (bytes, uncompressed).
MAX_MEMBER_BYTES = 2 * 2 ** 30
#: Largest JSON header of a branch file (bytes).
MAX_META_BYTES = 64 * 2 ** 20


def _open_checked(path: Path) -> None:
    """Refuse files that are not zip archives of .npy members of bounded size."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelError(f"{path} is not a bifur branch file (not an npz archive: {exc})") from None
    for info in infos:
        limit = MAX_META_BYTES if info.filename == "__meta__.npy" else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise ModelError(f"{path}: member {info.filename!r} has {info.file_size} bytes (limit {limit}); "
                             "refusing to load it")
    if "__meta__.npy" not in {i.filename for i in infos}:
        raise ModelError(f"{path} is not a bifur branch file (no __meta__ member)")


def _check_consistent(path: Path, br: "Branch") -> None:
    """The arrays fit the branch's states, and the stored model (if any) is the branch's."""
    n, N = len(br.state_names), len(br.param)
    if br.x.shape != (N, n) or br.stable.shape != (N,):
        raise ModelError(f"{path}: arrays do not match the branch ({N} points of {n} states expected, got x "
                         f"{br.x.shape}, stable {br.stable.shape})")
    for k, v in br.arrays.items():
        if v.shape[:1] != (N,):
            raise ModelError(f"{path}: array {k!r} has {v.shape[0] if v.ndim else 0} rows for {N} points")
    for sp in br.special_points:
        if np.shape(sp.x) != (n,) or not 0 <= sp.index < max(N, 1):
            raise ModelError(f"{path}: special point {sp.kind} does not fit the branch")
    m = br.model
    if m is not None:
        if tuple(m.state_names) != br.state_names:
            raise ModelError(f"{path}: the stored model {m.name!r} has states {m.state_names}, the branch "
                             f"{br.state_names}")
        unknown = [k for k in (br.param_name, *br.params) if k not in m.params]
        if unknown:
            raise ModelError(f"{path}: the stored model {m.name!r} has no parameter(s) {', '.join(unknown)}")


def load_branch(path: str | Path) -> Branch:
    """Read a branch written by :meth:`Branch.save` (no pickle involved).

    The file is checked before use: an npz archive with members of bounded size, a header of
    the expected form, arrays that fit the branch, and a stored model (read through the same
    safe parser and limits as :meth:`bifur.Model.from_text`) whose states and parameters are
    the branch's. Anything else raises :class:`~bifur.ModelError` naming the problem.

    Examples
    --------
    >>> import bifur, tempfile, os
    >>> from bifur.models import fitzhugh_nagumo
    >>> br = bifur.continue_equilibria(fitzhugh_nagumo(), "I", (0.0, 2.0))
    >>> p = br.save(os.path.join(tempfile.mkdtemp(), "fhn"))
    >>> bool(np.array_equal(bifur.load_branch(p).param, br.param))
    True
    """
    path = Path(path)
    _open_checked(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            br = _read(f)
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError, OSError) as exc:
        raise ModelError(f"{path} is not a valid bifur branch file ({type(exc).__name__}: {exc})") from None
    _check_consistent(path, br)
    return br


def _read(f) -> Branch:
    meta = json.loads(str(f["__meta__"]))
    if not isinstance(meta, dict) or meta.get("format") != "bifur-branch-1":
        raise ModelError("not a bifur branch file (format bifur-branch-1 expected)")
    arrays = {k[2:]: f[k] for k in f.files if k.startswith("a_")}
    sps = []
    for i, s in enumerate(meta["special_points"]):
        sps.append(SpecialPoint(str(s["kind"]), float(s["param"]), f[f"sp{i}_x"], int(s["index"]),
                                _decode(s["data"]), str(s["param_name"]), tuple(_decode(s["bracket"])),
                                float(_decode(s["precision"])), _decode(s.get("params", {})),
                                bool(s.get("refined", True))))
    diags = [Diagnostic(*_decode(d)) for d in meta.get("diagnostics", [])]
    model = None
    if meta.get("model") is not None:
        from .serialize import model_from_dict
        model = model_from_dict(meta["model"])
    status = Status(StatusCode(meta["status"]["code"]), str(meta["status"]["message"]))
    return Branch(str(meta["kind"]), str(meta["param_name"]), f["param"], f["x"], f["stable"], sps, status,
                  tuple(meta["state_names"]), dict(meta["params"]), str(meta["time_unit"]), arrays, model,
                  _decode(meta["meta"]), diags)
