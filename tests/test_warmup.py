"""The first-use warm-up (bifur._warmup): a second process compiles bifur's kernels in parallel.

What it must get right: it compiles every kernel (and every signature of it) that a first f-I curve
needs, so that the first process can load them from numba's cache instead of compiling them; one
warm-up at a time; its lock released whatever happens; never started where it cannot help.
The time it saves is measured by ``benchmarks/bench_cold.py``, not here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from bifur import _warmup

# every (kernel, signature) of bifur's numba functions this process has compiled or loaded, as JSON
_DUMP = """
import gc, json
from numba.core.registry import CPUDispatcher
seen = sorted({f"{d.py_func.__module__}.{d.py_func.__qualname__}{s}" for d in gc.get_objects()
               if isinstance(d, CPUDispatcher) and d.py_func.__module__.startswith("bifur.") for s in d.signatures})
print(json.dumps(seen))
"""


def _kernels(code: str) -> set[str]:
    env = {**os.environ, "BIFUR_QUIET": "1", "BIFUR_PARALLEL_COMPILE": "0"}
    out = subprocess.run([sys.executable, "-c", code + _DUMP], env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.slow
def test_the_warm_up_compiles_every_kernel_signature_a_first_fi_curve_needs():
    warm = _kernels("import warnings\nwarnings.simplefilter('ignore')\nfrom bifur import _warmup\n"
                    "for s in _warmup.STAGE_ORDER:\n    _warmup._run(s)\n")
    fi = _kernels("import numpy as np, bifur\nfrom bifur.models import hodgkin_huxley\n"
                  "bifur.fi_curve(hodgkin_huxley(), 'I', (0.0, 200.0), at=np.linspace(0.0, 200.0, 200))\n")
    # exprel_d is called by generated model code (HH uses it, FitzHugh-Nagumo does not): it is a small
    # scalar function, compiled with the model
    missing = {k for k in fi - warm if ".exprel_d" not in k}
    assert not missing, sorted(missing)
    names = {k.split("(")[0].rsplit(".", 1)[-1] for k in fi}  # the comparison saw the kernels of all stages
    assert {"solve", "condense", "solve_reduced", "reduced_monodromy", "deflated_search"} <= names, names


def test_kernels_of_bifur_begin_stages_and_nothing_else_does():
    from bifur.continuation.collocation import condense
    from bifur.integrate import solve
    from bifur.steady import damped_newton
    from bifur._linalg import lu_factor
    assert (_warmup.stage_of(solve), _warmup.stage_of(condense), _warmup.stage_of(damped_newton)) == \
        ("simulation", "cycles", "equilibria")
    assert _warmup.stage_of(lu_factor) == ""          # bifur's, but begins no stage
    assert _warmup.stage_of(object()) is None         # not a dispatcher of bifur's


def test_one_warm_up_at_a_time_and_a_stale_lock_is_taken_over(tmp_path, monkeypatch):
    monkeypatch.setenv("BIFUR_CACHE_DIR", str(tmp_path / "cache"))
    lock = _warmup._take_lock()
    assert lock is not None and lock.exists()
    assert _warmup._take_lock() is None               # held
    old = time.time() - 2 * _warmup.STALE
    os.utime(lock, (old, old))
    again = _warmup._take_lock()                      # the holder died long ago
    assert again == lock and lock.exists()
    assert _warmup.main([str(lock), "no-such-stage"]) == 0
    assert not lock.exists()                          # released when the warm-up ends


def test_no_warm_up_where_it_cannot_help(tmp_path, monkeypatch):
    monkeypatch.setenv("BIFUR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_warmup, "_started", [])
    monkeypatch.setenv("BIFUR_PARALLEL_COMPILE", "0")
    assert not _warmup.start("cycles")
    monkeypatch.setattr(_warmup, "_started", [])
    monkeypatch.setenv("BIFUR_PARALLEL_COMPILE", "1")
    monkeypatch.setenv("BIFUR_WARMUP_CHILD", "1")     # within the warm-up itself
    assert not _warmup.start("cycles")
    monkeypatch.delenv("BIFUR_WARMUP_CHILD")
    monkeypatch.setattr(_warmup, "_started", [])
    monkeypatch.setattr(sys, "executable", "/usr/bin/uwsgi")  # embedded: no interpreter to run it
    assert not _warmup.start("cycles")
    assert not (tmp_path / "cache" / "warmup.lock").exists()


@pytest.mark.slow
def test_a_launched_warm_up_runs_once_and_releases_its_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("BIFUR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BIFUR_PARALLEL_COMPILE", "1")
    monkeypatch.setattr(_warmup, "_started", [])
    monkeypatch.setattr(_warmup, "_children", [])
    assert _warmup.start("equilibria")
    assert not _warmup.start("cycles")                # once per process
    child = _warmup._children[0]
    assert child.args[-3:] == ["simulation", "cycles", "batch"]  # every stage but the caller's
    assert child.wait(timeout=900) == 0
    assert not (tmp_path / "cache" / "warmup.lock").exists()
