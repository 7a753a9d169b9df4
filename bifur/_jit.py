"""``cached_njit``: numba's ``njit(cache=True)`` that degrades to an uncached compile.

numba refuses to create a cached function when it finds no writable place for its cache (the
package directory and the home directory both read-only: "cannot cache function ...: no
locator available"), and that error would surface at ``import bifur``. Here such functions
are compiled without a disk cache instead (slower start, one :class:`~bifur.CacheWarning`).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
from numba import njit

from .errors import CacheWarning

__all__ = ["cached_njit", "uncached", "I64"]

#: Integer constants passed from one compiled function to another go through this cast
#: (``I64(0)``) where they are plain values: numba types a bare constant as a literal and compiles
#: the callee once more for every literal value it meets (``Literal[int](0)`` besides ``int64``),
#: which cost about 2.5 s of a fully cold first f-I curve. Options that select code paths stay
#: literal on purpose (the integrator's flags: folded into the caller's copy, ~20 % faster steps).
I64 = np.int64

_warned: list[bool] = []


def cached_njit(**options: Any) -> Callable[[Callable], Callable]:
    """Decorator: ``njit(cache=True, **options)``, or without the cache where numba has none.

    Examples
    --------
    >>> @cached_njit(error_model="numpy")
    ... def twice(x):
    ...     return 2.0 * x
    >>> twice(1.5)
    3.0
    """
    def wrap(fn: Callable) -> Callable:
        try:
            return njit(cache=True, **options)(fn)
        except RuntimeError as exc:
            if "cannot cache" not in str(exc):
                raise
            if not _warned:
                _warned.append(True)
                warnings.warn(f"bifur: numba has nowhere to cache compiled code ({exc}); compiling without a disk "
                              "cache (each new process compiles again). Set NUMBA_CACHE_DIR to a writable "
                              "directory of your own to keep it.", CacheWarning, stacklevel=3)
            return njit(cache=False, **options)(fn)
    return wrap


def uncached() -> bool:
    """Whether numba found nowhere to cache compiled code in this process (see :func:`cached_njit`)."""
    return bool(_warned)
