"""Small helpers shared by the benchmark scripts (timing, tables, cold/warm subprocess runs)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Smallest wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    """Plain-text table."""
    cells = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join([line, sep, *body])


def cold_and_warm(snippet: str) -> tuple[float, float]:
    """Wall time of a Python snippet in a fresh process with an empty cache (cold), then again (warm).

    The snippet must print the seconds it measured itself (excluding interpreter start-up).
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp)
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, check=True)
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[0], times[1]
