"""Saving and loading branches: npz for arrays, JSON for the rest; no pickle; files checked on load."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .branch import Branch, Diagnostic, SpecialPoint, make_branch
from .errors import ModelError, Status, StatusCode

__all__ = ["save_branch", "load_branch", "MAX_MEMBER_BYTES", "MAX_META_BYTES"]


def save_branch(branch: Branch, path: str | Path) -> Path:
    """Write ``branch`` to ``path`` (see :meth:`bifur.Branch.save`); returns the path written."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    arrays = {"param": branch.param, "x": branch.x, "stable": branch.stable}
    arrays.update({f"a_{k}": v for k, v in branch.arrays.items()})
    sps = []
    for i, sp in enumerate(branch.special_points):
        arrays[f"sp{i}_x"] = np.asarray(sp.x)
        sps.append({"kind": sp.kind, "param": sp.param, "index": sp.index, "param_name": sp.param_name,
                    "bracket": _encode(list(sp.bracket)), "precision": _encode(sp.precision),
                    "data": _encode(sp.data), "params": _encode(sp.params), "refined": sp.refined})
    model = None
    if branch.model is not None:
        from .serialize import model_to_dict
        model = model_to_dict(branch.model)
    meta = {"format": "bifur-branch-1", "kind": branch.kind, "param_name": branch.param_name,
            "state_names": list(branch.state_names), "params": branch.params, "time_unit": branch.time_unit,
            "status": {"code": branch.status.code.value, "message": branch.status.message},
            "special_points": sps, "meta": _encode(branch.meta), "model": model,
            "diagnostics": [_encode([d.kind, d.message, d.param, d.severity]) for d in branch.diagnostics]}
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
    return make_branch(str(meta["kind"]), str(meta["param_name"]), f["param"], f["x"], f["stable"], sps, status,
                       tuple(meta["state_names"]), dict(meta["params"]), str(meta["time_unit"]), arrays, model,
                       _decode(meta["meta"]), diags)
