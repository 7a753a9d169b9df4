"""Short notes to the user on stderr, e.g. while a model is compiled for its first use.

Compiling a model happens in two places: :mod:`bifur.codegen` generates its source (sympy work,
cached on disk), and numba compiles the generated functions and the numerical kernels bound to
them the first time they are called (machine code cached on disk too). :func:`compiling` wraps
the first; a numba event listener wraps the second. Either way, when the work lasts more than
:data:`THRESHOLD` seconds one line appears while it runs and is completed with the time taken::

    compiling hodgkin_huxley (simulation) for first use (cached afterwards)… 12.3 s

Set ``bifur._messages.enabled = False`` (or the environment variable ``BIFUR_QUIET=1``) to
silence it.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

__all__ = ["compiling", "note", "name_module", "enabled", "THRESHOLD"]

#: Whether notes are printed.
enabled: bool = os.environ.get("BIFUR_QUIET", "").strip() in ("", "0")
#: Seconds of compilation after which the note appears.
THRESHOLD = 1.0

_lock = threading.RLock()
_owners: dict[str, str] = {}     # generated module name -> model name
_spent: dict[str, float] = {}    # model name -> seconds spent compiling for it in this process
_announced: set[str] = set()     # models whose first use has been announced
_local = threading.local()


def note(text: str, end: str = "\n") -> None:
    """Print a note on stderr (nothing when notes are disabled)."""
    if enabled:
        sys.stderr.write(text + end)
        sys.stderr.flush()


class _Note:
    """One compilation that may deserve a note. The note appears once the model's compilations in
    this process have lasted :data:`THRESHOLD` seconds in all (so a first use made of many short
    compilations is announced too), and is closed with the time of this compilation."""

    def __init__(self, what: str):
        self.what, self.t0, self.shown, self.done = what, time.perf_counter(), False, False
        self.owner = what.split(" (")[0]
        with _lock:
            left = THRESHOLD - _spent.get(self.owner, 0.0) if self.owner not in _announced else THRESHOLD
        self.timer = threading.Timer(max(left, 0.0), self._announce)
        self.timer.daemon = True
        if left <= 0:
            self._announce()
        else:
            self.timer.start()

    def _announce(self) -> None:
        with _lock:
            if not self.done and enabled:
                note(f"compiling {self.what} for first use (cached afterwards)…", end="")
                self.shown = True
                _announced.add(self.owner)

    def finish(self) -> None:
        self.timer.cancel()
        elapsed = time.perf_counter() - self.t0
        with _lock:
            self.done = True
            _spent[self.owner] = _spent.get(self.owner, 0.0) + elapsed
            if self.shown:
                total = _spent[self.owner]
                note(f" {elapsed:.1f} s" + (f" ({total:.1f} s for {self.owner} so far)" if total > elapsed + 0.05 else ""))


def _stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def _enter(what: str | None) -> None:
    stack = _stack()
    outer = not any(isinstance(s, _Note) for s in stack)
    stack.append(_Note(what) if (what is not None and outer) else None)


def _exit() -> None:
    stack = _stack()
    if stack:
        top = stack.pop()
        if top is not None:
            top.finish()


@contextmanager
def compiling(what: str) -> Iterator[None]:
    """Context of a first-use compilation of ``what`` (a model name): the note appears if it lasts
    more than :data:`THRESHOLD` seconds. Nested compilations (numba compiling the functions a kernel
    calls) add nothing to the outermost note."""
    _enter(what)
    try:
        yield
    finally:
        _exit()


def name_module(module: str, model: str) -> None:
    """Say that numba functions of the generated module ``module`` belong to the model ``model``."""
    with _lock:
        _owners.setdefault(module, model)


#: What the compiled functions are for, by name (others are shown by their own name).
STAGES = {"solve": "simulation", "events_batch": "simulation", "flow_to_event": "simulation",
          "damped_newton": "equilibria", "clamp_scan": "equilibria", "deflated_search": "equilibria",
          "colloc_residual": "cycles", "colloc_jacobian": "cycles",
          **{f: "derivatives" for f in ("rhs", "jac", "dfdp", "d2", "d3", "rhs_t", "jac_t")}}


def _what(dispatcher) -> str | None:
    """``hodgkin_huxley (simulation)`` for a function of a model's generated module, ``bifur's
    kernels (...)`` for bifur's own compiled functions, None for anything else."""
    fn = getattr(dispatcher, "py_func", None)
    module = getattr(fn, "__module__", None) or ""
    name = (getattr(fn, "__name__", "") or "").removeprefix("k_").removesuffix("_into")
    stage = STAGES.get(name, name)
    if module in _owners or module.startswith("bifur_generated."):
        return f"{_owners.get(module, 'a model')} ({stage})"
    if module == "bifur" or module.startswith("bifur."):
        return f"bifur's kernels ({stage})"
    return None


def _install_numba_listener() -> None:
    try:
        from numba.core import event
    except ImportError:   # pragma: no cover - numba without the event API
        return

    class _Listener(event.Listener):
        def on_start(self, ev) -> None:
            _enter(_what((ev.data or {}).get("dispatcher")))

        def on_end(self, ev) -> None:
            _exit()

    event.register("numba:compile", _Listener())


_install_numba_listener()
