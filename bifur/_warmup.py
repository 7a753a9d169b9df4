"""A second process compiles bifur's own kernels while the first use of bifur compiles what it needs.

bifur's numerical kernels (integrators, Newton solvers, collocation) do not depend on the model:
numba compiles them once per installation and keeps the machine code in its disk cache. The first
analysis after an installation therefore compiles about twenty seconds of kernels, one after the
other, on one core. When a process meets the first of these kernels missing from the cache,
:func:`start` launches ``python -m bifur._warmup`` in the background. That process compiles the
kernels of the other *stages* (simulation, cycles, equilibria, batches of simulations) by running
small analyses of the FitzHugh-Nagumo model, beginning with the stages a first analysis reaches last.
numba looks in its disk cache before it compiles, so the first process loads what the second has
finished instead of compiling it again. On two cores the first Hodgkin-Huxley f-I curve after an
installation takes about 13 s instead of 23 s (``benchmarks/bench_cold.py``).

At most one warm-up runs per bifur cache directory at a time (a lock file there). None starts when
numba has no disk cache, within the warm-up itself, or when the environment variable
``BIFUR_PARALLEL_COMPILE`` is ``0``. The warm-up's output goes nowhere; it runs at low priority
and it never changes a result: it only fills the cache that the first process would fill itself.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["start", "STAGE_ORDER", "stage_of", "main"]

#: The order in which the warm-up compiles stages (a first f-I curve needs the first three in reverse).
STAGE_ORDER = ("simulation", "cycles", "equilibria", "batch")

#: The stage of a kernel, for the kernels that begin one (names of bifur's kernels).
_STAGE_KERNELS = {"solve": "simulation", "events_batch": "batch", "colloc_residual": "cycles",
                  "colloc_jacobian": "cycles", "condense": "cycles", "damped_newton": "equilibria",
                  "clamp_scan": "equilibria", "deflated_search": "equilibria"}
_CHILD = "BIFUR_WARMUP_CHILD"
_LOCK = "warmup.lock"
#: A lock older than this (seconds) belongs to a warm-up that died; a new one may start.
STALE = 600.0
_started: list[bool] = []
_children: list[subprocess.Popen] = []  # kept so that no "still running" warning is raised before exit


def stage_of(dispatcher) -> str | None:
    """For a numba dispatcher of one of bifur's kernels, the stage it begins ("" when it begins none);
    None for any other function (numba's own, a model's generated code)."""
    fn = getattr(dispatcher, "py_func", None)
    module = getattr(fn, "__module__", "") or ""
    if not module.startswith("bifur."):
        return None
    return _STAGE_KERNELS.get(getattr(fn, "__name__", ""), "")


def _enabled() -> bool:
    if os.environ.get(_CHILD) or os.environ.get("BIFUR_PARALLEL_COMPILE", "").strip() == "0":
        return False
    if not Path(sys.executable or "").name.lower().startswith(("python", "pypy")):
        return False  # an embedding program, not an interpreter that can run ``-m bifur._warmup``
    from . import _jit
    return not _jit.uncached()  # no disk cache: nothing to share


def _take_lock() -> Path | None:
    """The lock file, created for this warm-up, or None when another warm-up holds it."""
    from .cache import cache_dir
    folder = cache_dir()
    if folder is None:
        return None
    lock = folder / _LOCK
    try:
        if lock.exists() and time.time() - lock.stat().st_mtime > STALE:
            lock.unlink()
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return None
    os.close(fd)
    return lock


def start(stage: str = "") -> bool:
    """Launch the warm-up of every stage but ``stage`` (which this process is compiling now; "" for
    none), once per process. Returns whether a warm-up was launched."""
    if _started or not _enabled():
        return False
    _started.append(True)
    lock = _take_lock()
    if lock is None:
        return False
    env = dict(os.environ, **{_CHILD: "1", "BIFUR_QUIET": "1"})
    root = str(Path(__file__).resolve().parents[1])  # the folder bifur is imported from
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    stages = [s for s in STAGE_ORDER if s != stage]
    try:
        _children.append(subprocess.Popen([sys.executable, "-m", "bifur._warmup", str(lock), *stages], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True))
    except OSError:
        lock.unlink(missing_ok=True)
        return False
    return True


def _run(stage: str) -> None:
    """Small analyses of FitzHugh-Nagumo that compile the kernels of ``stage``."""
    import numpy as np

    from .continuation import ContinuationSettings, continue_cycles, continue_equilibria
    from .equilibria import find_equilibria
    from .models import fitzhugh_nagumo
    from .simulate import simulate, simulate_many
    model = fitzhugh_nagumo()
    if stage == "simulation":
        simulate(model, 20.0, params={"I": 0.5})
    elif stage == "batch":
        simulate_many(model, "I", np.array([0.0, 0.5]), 20.0)
    elif stage == "cycles":
        eq = continue_equilibria(model, "I", (0.0, 1.0))
        hopf = [sp for sp in eq.special_points if sp.kind == "H"]
        continue_cycles(model, hopf[0], "I", (0.0, 1.0), settings=ContinuationSettings(max_steps=12))
    elif stage == "equilibria":
        find_equilibria(model, params={"I": 0.5}, simulate_seed=False)


def main(argv: list[str]) -> int:
    """``python -m bifur._warmup LOCK STAGE...``: compile the stages in order, then remove LOCK."""
    lock, stages = Path(argv[0]), argv[1:]
    try:
        if hasattr(os, "nice"):
            os.nice(5)
        for stage in stages:
            try:
                _run(stage)
            except Exception:  # noqa: BLE001 - a warm-up that fails leaves the cache as it was
                continue
    finally:
        lock.unlink(missing_ok=True)
    return 0


def _install_listener() -> None:
    from numba.core import event

    class _Listener(event.Listener):
        def on_start(self, ev) -> None:
            stage = stage_of((ev.data or {}).get("dispatcher"))
            if stage is not None and not _started:
                start(stage)

        def on_end(self, ev) -> None:
            pass

    event.register("numba:compile", _Listener())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
else:
    _install_listener()
