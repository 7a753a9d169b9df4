"""Parameter sweeps: one analysis over many parameter sets, in local processes or on a Dask cluster.

:func:`sweep` runs ``analysis(model, params)`` for every parameter set and returns a pandas
DataFrame with one row per set: the row number, the parameter values, ``status`` ("ok" or
"failed"), ``message`` (the exception of a failed row, or the warnings an ok row raised) and
the analysis's answers as further columns. A failing set is a failed row, never a missing one.

Where the work runs
-------------------
* ``workers=1``: in the calling process, one set after another.
* ``workers=k`` (default: the number of usable cores): ``k`` local processes
  (:class:`concurrent.futures.ProcessPoolExecutor`, "spawn" start method, so that no thread
  state of numba or BLAS is inherited by a fork).
* ``client=<dask.distributed.Client>``: the tasks go to that cluster; Dask schedules them. bifur
  has no scheduler of its own.

Compiling once. Compiled code is cached in memory per process and on disk (keyed by the
model's structure, so parameter changes never recompile). Before any worker starts, the first
pending set is computed in the calling process: that compiles every function the analysis uses
and leaves the machine code in the disk cache, which local workers (and a LocalCluster on the
same machine) then load. Every worker also compiles the model once when it receives the sweep
(the process initializer locally, ``client.run`` on a cluster): a cluster on other machines with
their own disk caches compiles once per worker, never once per task.

The analysis and the model are serialized once (with cloudpickle when it is installed, so that
functions defined in a notebook or script work; models travel as their plain-data form,
:func:`bifur.serialize.model_to_dict`, which keeps their hash) and sent to each worker once.

Files and resuming
------------------
With ``path="results.csv"`` every finished row is appended to that CSV file at once (floats
written exactly). Calling :func:`sweep` again with the same path skips the rows already there:
an interrupted sweep resumes where it stopped and ends with the table an uninterrupted one
gives. The file must belong to the same parameter sets (checked). Without ``path`` the rows go
to a temporary file, so the table has the same types in every mode.

Built-in analyses (picklable callables ``(model, params) -> dict``): :class:`FISummary`
(onset, class, block, rates of an f-I or f-G curve), :class:`FiringPatternSummary` (models with
a reset), :class:`SpecialPoints` (the special points of an equilibrium branch).

Examples
--------
>>> import bifur
>>> from bifur.models import morris_lecar
>>> table = bifur.sweep(lambda model, p: {"gin": bifur.input_conductance(model, p)},
...                     [{"gL": 2.0}, {"gL": 4.0}], morris_lecar("snic"), workers=1, progress=False)
>>> list(table.columns), list(table["status"])
(['row', 'gL', 'status', 'message', 'gin'], ['ok', 'ok'])
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import io
import math
import multiprocessing
import os
import pickle
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import ModelError
from .model import Model

__all__ = ["sweep", "FISummary", "FiringPatternSummary", "SpecialPoints", "parameter_grid", "serialize_task",
           "deserialize_task"]

#: Columns every sweep table has, before the analysis's own.
RESERVED = ("row", "status", "message")
_MESSAGE_LIMIT = 500


# -- serialization of the task (analysis + model) ------------------------------------------------------
def _restore_model(data: dict) -> Model:
    from .serialize import model_from_dict
    return model_from_dict(data)


def _pickler_class():
    try:
        import cloudpickle
        base = cloudpickle.Pickler
    except ImportError:  # plain pickle: the analysis must then be importable (a module-level function)
        base = pickle.Pickler

    class _Pickler(base):
        def reducer_override(self, obj):
            if isinstance(obj, Model):  # models hold read-only mappings, which pickle refuses
                from .serialize import model_to_dict
                return _restore_model, (model_to_dict(obj),)
            parent = getattr(super(), "reducer_override", None)
            return parent(obj) if parent is not None else NotImplemented

    return _Pickler


def serialize_task(obj: Any) -> bytes:
    """Bytes of any object that may hold models and functions (cloudpickle when installed)."""
    buf = io.BytesIO()
    try:
        _pickler_class()(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(f"the analysis cannot be sent to other processes ({exc}): define it at module level, "
                        "install cloudpickle (pip install cloudpickle), or run with workers=1") from exc
    return buf.getvalue()


def deserialize_task(data: bytes) -> Any:
    """Inverse of :func:`serialize_task`."""
    return pickle.loads(data)


# -- running one parameter set ------------------------------------------------------------------------
_WORKER_TASKS: dict[str, tuple[Callable, Model]] = {}


def _task(payload: bytes) -> tuple[Callable, Model]:
    """The (analysis, model) of a payload, deserialized and compiled once per process."""
    key = hashlib.sha256(payload).hexdigest()
    if key not in _WORKER_TASKS:
        analysis, model = deserialize_task(payload)
        model.compile()
        _WORKER_TASKS[key] = (analysis, model)
    return _WORKER_TASKS[key]


def _warm(payload: bytes) -> str:
    """Deserialize and compile a sweep's model in this worker (once)."""
    _task(payload)
    return hashlib.sha256(payload).hexdigest()


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return str(value)


def flatten(result: Any) -> dict[str, Any]:
    """The columns of one answer: a dict's scalar values as they are, sequences as ``key[i]``,
    anything else by its text; a non-dict answer becomes the column ``value``.

    Examples
    --------
    >>> flatten({"a": 1.5, "r": np.array([1.0, 2.0]), "kind": "SNIC", "none": None})
    {'a': 1.5, 'r[0]': 1.0, 'r[1]': 2.0, 'kind': 'SNIC', 'none': None}
    >>> flatten(3.0)
    {'value': 3.0}
    """
    if hasattr(result, "summary_dict"):
        result = result.summary_dict()
    if not isinstance(result, Mapping):
        result = {"value": result}
    out: dict[str, Any] = {}
    for key, value in result.items():
        key = str(key)
        if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1:
            for i, v in enumerate(value):
                out[f"{key}[{i}]"] = _scalar(v)
        else:
            out[key] = _scalar(value)
    return out


def _run_row(analysis: Callable, model: Model, row: int, params: dict) -> dict:
    """One row of the table; any exception of the analysis becomes a failed row."""
    record: dict[str, Any] = {"row": row, **params}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            answer = flatten(analysis(model, dict(params)))
        except Exception as exc:  # noqa: BLE001 - a failing set is a row, whatever failed
            text = f"{type(exc).__name__}: {exc}"
            record.update(status="failed", message=text[:_MESSAGE_LIMIT])
            return record
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    record.update(status="ok", message=" | ".join(notes)[:_MESSAGE_LIMIT])
    for key, value in answer.items():
        record[key if key not in record else f"result_{key}"] = value
    return record


def _run_rows(payload: bytes, rows: list[tuple[int, dict]]) -> list[dict]:
    analysis, model = _task(payload)
    return [_run_row(analysis, model, r, p) for r, p in rows]


def _init_worker(payload: bytes) -> None:
    _task(payload)


# -- the table on disk --------------------------------------------------------------------------------
class _Store:
    """Rows of a sweep in a CSV file, appended as they finish (floats exactly, via repr)."""

    def __init__(self, path: Path, param_names: Sequence[str]):
        self.path = path
        self.param_names = list(param_names)
        self.columns: list[str] = []
        self.done: dict[int, dict] = {}

    def load(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        raw = self.path.read_bytes()
        if not raw.endswith(b"\n"):  # a line cut by an interruption: drop it
            raw = raw[:raw.rfind(b"\n") + 1]
            self.path.write_bytes(raw)
        frame = _read_csv(self.path) if raw else None
        if frame is None or frame.empty:
            self.columns = list(frame.columns) if frame is not None else []
            return
        missing = [c for c in ("row", "status", *self.param_names) if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.path} is not a sweep table of these parameters (no column {missing[0]!r})")
        self.columns = list(frame.columns)
        for rec in frame.to_dict("records"):
            self.done[int(rec["row"])] = rec

    def add(self, records: list[dict]) -> None:
        import pandas as pd
        new = [k for rec in records for k in rec if k not in self.columns]
        new = list(dict.fromkeys(new))
        for rec in records:
            self.done[int(rec["row"])] = rec
        if new or not self.path.exists():
            self.columns += new
            frame = pd.DataFrame(list(self.done.values()), columns=self.columns)
            tmp = self.path.with_name(self.path.name + ".tmp")
            _write_csv(frame, tmp, header=True)
            os.replace(tmp, self.path)
            return
        frame = pd.DataFrame(records, columns=self.columns)
        with open(self.path, "a", newline="") as fh:
            fh.write(_csv_text(frame, header=False))
            fh.flush()


def _csv_text(frame, header: bool) -> str:
    return frame.to_csv(index=False, header=header, na_rep="nan", lineterminator="\n")


def _write_csv(frame, path: Path, header: bool) -> None:
    with open(path, "w", newline="") as fh:
        fh.write(_csv_text(frame, header))
        fh.flush()


def _read_csv(path: Path):
    import pandas as pd
    # pandas 3 parses floats exactly by default (and deprecates the option); older versions need it
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(path, keep_default_na=False, na_values=["nan"], **exact)


def _table(path: Path, param_names: Sequence[str]):
    """The sweep table from its file: rows in order, columns row, parameters, status, message, answers."""
    frame = _read_csv(path).drop_duplicates("row", keep="last")  # a retried row replaces the earlier one
    frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    head = ["row", *param_names, "status", "message"]
    rest = [c for c in frame.columns if c not in head]
    # answer columns in order of first appearance over the ordered rows (independent of completion order)
    firsts = {c: int(np.argmax(frame[c].notna().to_numpy())) if frame[c].notna().any() else len(frame)
              for c in rest}
    order = {c: k for k, c in enumerate(rest)}
    rest = sorted(rest, key=lambda c: (firsts[c], order[c]))
    return frame[head + rest]


# -- parameter sets -----------------------------------------------------------------------------------
def _parameter_rows(parameter_sets: Any, model: Model) -> tuple[list[dict], list[str]]:
    if hasattr(parameter_sets, "to_dict") and hasattr(parameter_sets, "columns"):  # a DataFrame
        rows = parameter_sets.to_dict("records")
    elif isinstance(parameter_sets, Mapping):  # columns: name -> values
        names = list(parameter_sets)
        lengths = {len(parameter_sets[k]) for k in names}
        if len(lengths) > 1:
            raise ValueError("every column of parameter_sets must have the same length")
        rows = [{k: parameter_sets[k][i] for k in names} for i in range(lengths.pop() if lengths else 0)]
    else:
        rows = [dict(r) for r in parameter_sets]
    names: list[str] = []
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    for k in names:
        if k in RESERVED:
            raise ModelError(f"{k!r} is reserved for the sweep table's own column")
        model.check_param(k)
    out = []
    for r in rows:
        rec = {}
        for k, v in r.items():
            try:
                rec[k] = float(v)
            except (TypeError, ValueError):
                rec[k] = math.nan  # the row fails when the analysis meets it
        out.append(rec)
    return out, names


def parameter_grid(base: Mapping[str, float], spread: Mapping[str, float], n: int, seed: int = 0,
                   kind: str = "uniform") -> list[dict]:
    """``n`` parameter sets around ``base``: each named parameter scaled by a factor drawn uniformly in
    [1 - spread, 1 + spread] (``kind="uniform"``, seeded) or on a regular grid (``kind="grid"``,
    n values per parameter, all combinations).

    Examples
    --------
    >>> sets = parameter_grid({"gNa": 120.0, "gK": 36.0}, {"gNa": 0.3, "gK": 0.3}, 3, seed=1)
    >>> len(sets), all(84.0 <= s["gNa"] <= 156.0 for s in sets)
    (3, True)
    >>> len(parameter_grid({"a": 1.0, "b": 2.0}, {"a": 0.5, "b": 0.5}, 3, kind="grid"))
    9
    """
    names = list(spread)
    if kind == "uniform":
        rng = np.random.default_rng(seed)
        factors = rng.uniform(-1.0, 1.0, size=(n, len(names)))
        return [{k: float(base[k] * (1.0 + spread[k] * f[j])) for j, k in enumerate(names)} for f in factors]
    if kind == "grid":
        axes = [np.linspace(base[k] * (1 - spread[k]), base[k] * (1 + spread[k]), n) for k in names]
        mesh = np.meshgrid(*axes, indexing="ij")
        return [{k: float(m.ravel()[i]) for k, m in zip(names, mesh)} for i in range(mesh[0].size)]
    raise ValueError(f"kind must be 'uniform' or 'grid', got {kind!r}")


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# -- the sweep ------------------------------------------------------------------------------------------
def sweep(analysis: Callable[[Model, dict], Any], parameter_sets: Any, model: Model, *, client: Any = None,
          workers: int | None = None, path: str | Path | None = None, progress: bool = True,
          retry_failed: bool = False, batch: int = 1):
    """Run ``analysis(model, params)`` for every parameter set; one table row per set.

    Parameters
    ----------
    analysis : callable
        ``analysis(model, params) -> dict`` (or a scalar, or anything with ``summary_dict()``);
        ``params`` is the row's parameter dict (values over the model's defaults). Built-in:
        :class:`FISummary`, :class:`FiringPatternSummary`, :class:`SpecialPoints`. Answers that
        are sequences become columns ``key[i]``.
    parameter_sets : list of dict, DataFrame, or dict of equal-length columns
        Parameter values by name (each a parameter of ``model``).
    model : Model
    client : dask.distributed.Client, optional
        Run on this Dask cluster (its scheduler decides where; the model is compiled once per worker).
    workers : int, optional
        Local processes when no client is given (default: the usable cores; 1 runs in this process).
    path : str or Path, optional
        CSV file written row by row as rows finish; rows already in it are not computed again
        (resuming an interrupted sweep). Without it a temporary file is used and removed.
    progress : bool
        Show a progress bar (tqdm).
    retry_failed : bool
        When resuming, compute the failed rows of the file again.
    batch : int
        Parameter sets per task (more than 1 lowers the per-task overhead of short analyses).

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position in ``parameter_sets``), the parameters, ``status`` ("ok" or
        "failed"), ``message`` (the error of a failed row; the warnings of an ok row), then the
        answers; rows in order.

    Raises
    ------
    KeyboardInterrupt
        When interrupted; the rows finished so far are in ``path``.
    ValueError
        When ``path`` holds a sweep over other parameter values.
    """
    import pandas as pd  # noqa: F401 - required for the table
    from tqdm import tqdm  # a text bar (tqdm.auto would need ipywidgets in notebooks)

    rows, names = _parameter_rows(parameter_sets, model)
    if batch < 1:
        raise ValueError("batch must be at least 1")
    temporary = path is None
    if temporary:
        fd, tmp = tempfile.mkstemp(prefix="bifur-sweep-", suffix=".csv")
        os.close(fd)
        os.unlink(tmp)
        path = Path(tmp)
    path = Path(path)
    store = _Store(path, names)
    try:
        store.load()
        for r, rec in store.done.items():
            if r >= len(rows) or any(not _same(rec.get(k), rows[r].get(k, math.nan)) for k in names):
                raise ValueError(f"{path} holds row {r} with other parameter values than this sweep: "
                                 "pass another path (or delete the file)")
        pending = [r for r in range(len(rows)) if r not in store.done
                   or (retry_failed and store.done[r].get("status") != "ok")]
        n_workers = _usable_cores() if workers is None else int(workers)
        serial = client is None and (n_workers <= 1 or len(pending) <= 2)
        # in this process the analysis runs as it is; other processes get it serialized once
        payload = None if serial else serialize_task((analysis, model))
        bar = tqdm(total=len(rows), initial=len(rows) - len(pending), disable=not progress,
                   desc=f"sweep {model.name}", unit="set")
        try:
            if pending:
                # compile in this process first (and fill the disk cache the workers will load)
                store.add([_run_row(analysis, model, pending[0], rows[pending[0]])])
                bar.update(1)
                rest = [(r, rows[r]) for r in pending[1:]]
                tasks = [rest[i:i + batch] for i in range(0, len(rest), batch)]
                if serial:
                    for t in tasks:
                        store.add([_run_row(analysis, model, r, p) for r, p in t])
                        bar.update(len(t))
                elif client is not None:
                    _run_dask(client, payload, tasks, store, bar)
                else:
                    _run_local(n_workers, payload, tasks, store, bar)
        finally:
            bar.close()
        return _table(path, names)
    finally:
        if temporary:
            for p in (path, path.with_name(path.name + ".tmp")):
                if p.exists():
                    p.unlink()


def _same(a: Any, b: Any) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return a == b or (math.isnan(a) and math.isnan(b))


def _run_local(n_workers: int, payload: bytes, tasks: list, store: _Store, bar, attempt: int = 0) -> None:
    ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=min(n_workers, len(tasks)), mp_context=ctx,
                                  initializer=_init_worker, initargs=(payload,))
    unfinished: list = []
    try:
        futures = {pool.submit(_run_rows, payload, t): t for t in tasks}
        for fut in cf.as_completed(futures):
            t = futures[fut]
            try:
                recs = fut.result()
            except cf.process.BrokenProcessPool:
                unfinished.append(t)
                continue
            store.add(recs)
            bar.update(len(recs))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if unfinished:
        if attempt == 0:  # a worker died (e.g. killed): the sets it held get one more try
            _run_local(n_workers, payload, unfinished, store, bar, attempt=1)
        else:
            store.add([{"row": r, **p, "status": "failed",
                        "message": "the worker process running this set died twice"} for t in unfinished
                       for r, p in t])
            bar.update(sum(len(t) for t in unfinished))


def _run_dask(client: Any, payload: bytes, tasks: list, store: _Store, bar) -> None:
    from distributed import as_completed
    client.run(_warm, payload)  # every current worker deserializes and compiles once
    shared = client.scatter(payload, broadcast=True)
    futures = [client.submit(_run_rows, shared, t, pure=False) for t in tasks]
    owner = {f.key: t for f, t in zip(futures, tasks)}
    try:
        for fut in as_completed(futures):
            t = owner[fut.key]
            try:
                recs = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or task: the sets are failed rows
                recs = [{"row": r, **p, "status": "failed",
                         "message": f"{type(exc).__name__} on the cluster: {exc}"[:_MESSAGE_LIMIT]} for r, p in t]
            store.add(recs)
            bar.update(len(recs))
    except BaseException:
        client.cancel(futures)
        raise


# -- built-in analyses ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FISummary:
    """The f-I (or f-G) curve's answers as one row: onset kind and input, excitability class,
    block kind and input, maximal rate, bistability, the rates at ``at`` (columns
    ``rate_hz@<value>``), completeness. ``conductance`` makes it the f-G curve of
    :func:`bifur.fg_curve` (injected conductance with reversal ``reversal``).

    Examples
    --------
    >>> from bifur.models import morris_lecar
    >>> row = FISummary("I", (0.0, 150.0))(morris_lecar("snic"), {"gCa": 4.0})
    >>> row["onset"], row["excitability_class"], row["block"]
    ('SNIC', 1, 'LPC')
    """

    param: str = "I"
    p_range: tuple = (0.0, 100.0)
    at: tuple | None = None
    conductance: bool = False
    reversal: float = 0.0
    ntst: int | None = None

    def __call__(self, model: Model, params: dict) -> dict:
        from .neuro import fg_curve, fi_curve
        kw = dict(params=params, at=list(self.at) if self.at is not None else None, ntst=self.ntst)
        if self.conductance:
            curve = fg_curve(model, reversal=self.reversal, p_range=self.p_range, name=self.param, **kw)
        else:
            curve = fi_curve(model, self.param, self.p_range, **kw)
        return summarize_curve(curve, self.at)


def summarize_curve(curve, at: Sequence[float] | None = None) -> dict:
    """One row of answers from an :class:`~bifur.FICurve` (see :class:`FISummary`)."""
    rates = curve.rate_hz[np.isfinite(curve.rate_hz)]
    row = {"onset": curve.onset.kind if curve.onset is not None else None,
           "rheobase": float(curve.rheobase),
           "excitability_class": curve.excitability_class,
           "block": curve.block.kind if curve.block is not None else None,
           "block_input": float(curve.block_input),
           "max_rate_hz": float(rates.max()) if rates.size else math.nan,
           "bistable": bool(curve.bistable),
           "complete": bool(curve.complete),
           "issues": " ".join(curve.issues)}
    for v in at or ():
        row[f"rate_hz@{v:g}"] = curve.rate_at(v)
    return row


@dataclass(frozen=True)
class FiringPatternSummary:
    """:func:`bifur.firing_pattern` of a model with a reset as one row (kind, spikes per burst, rate)."""

    max_k: int = 16

    def __call__(self, model: Model, params: dict) -> dict:
        from .firing import firing_pattern
        fp = firing_pattern(model, params, max_k=self.max_k)
        return {"pattern": fp.kind, "spikes_per_burst": fp.spikes_per_burst, "k": fp.k,
                "rate_hz": float(fp.rate_hz), "stable": bool(fp.stable)}


@dataclass(frozen=True)
class SpecialPoints:
    """The special points of the equilibrium branch in ``param`` over ``p_range``: their number by
    kind (``n_LP``, ``n_H``, ...) and their parameter values in branch order (``LP[0]``, ...), with
    the first Lyapunov coefficient of each Hopf point (``l1_H[k]``).

    Examples
    --------
    >>> from bifur.models import hodgkin_huxley
    >>> row = SpecialPoints("I", (0.0, 200.0))(hodgkin_huxley(), {})
    >>> row["n_H"], round(row["H"][0], 4)
    (2, 9.7754)
    """

    param: str = "I"
    p_range: tuple = (0.0, 100.0)
    kinds: tuple = ("LP", "H", "BP")

    def __call__(self, model: Model, params: dict) -> dict:
        from .continuation import continue_equilibria
        br = continue_equilibria(model, self.param, self.p_range, params=params)
        row: dict[str, Any] = {"branch_complete": bool(br.complete)}
        for kind in self.kinds:
            pts = br.special(kind)
            row[f"n_{kind}"] = len(pts)
            row[kind] = [float(sp.param) for sp in pts]
            if kind == "H":
                row["l1_H"] = [float(sp.data.get("l1", math.nan)) for sp in pts]
        return row
