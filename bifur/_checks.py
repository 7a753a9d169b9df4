"""Checks at the Python boundary: every array that reaches a numba kernel has the shape,
dtype and memory layout the kernel assumes, and every number is in its valid range.

numba does not check bounds, so a state of the wrong length would be read or written out
of bounds; these helpers turn that into a :class:`ValueError` naming the expected shape.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["vector", "values", "matrix", "out_array", "real", "positive", "count", "tolerance", "state", "interval", "same_states",
           "collocation_size", "MEMORY_LIMIT", "interrupted"]

#: Largest working memory (bytes) a collocation problem may need before it is refused.
MEMORY_LIMIT = 4 * 2 ** 30

_SMALLEST_TOL = 1e-15


def vector(value: Any, n: int, what: str, names: Sequence[str] | None = None) -> np.ndarray:
    """A contiguous float64 copy-or-view of ``value`` with shape (n,); ValueError otherwise.

    Examples
    --------
    >>> vector([1, 2], 2, "x").dtype
    dtype('float64')
    >>> vector([1.0], 2, "x", ("V", "n"))
    Traceback (most recent call last):
    ...
    ValueError: x must have shape (2,) (one entry per state V, n), got shape (1,)
    """
    try:
        a = np.ascontiguousarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an array of {n} numbers: {exc}") from None
    if a.shape != (n,):
        hint = f" (one entry per state {', '.join(names)})" if names else ""
        raise ValueError(f"{what} must have shape ({n},){hint}, got shape {a.shape}")
    return a


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was caused by, a KeyboardInterrupt (numba reports a Ctrl-C that
    arrives while compiled code calls back into Python as a SystemError caused by it)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def state(model: Any, value: Any, what: str = "x0") -> np.ndarray:
    """A state of ``model``: an array with one finite entry per state, or a mapping of state names
    to values (the others from ``model.init``)."""
    names = model.state_names
    if isinstance(value, Mapping):
        vals = dict(model.init)
        for k, v in value.items():
            model.check_state(k)
            vals[k] = real(v, f"{what}[{k!r}]")
        return np.array([vals[k] for k in names], dtype=float)
    x = vector(value, len(names), what, names)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what} must be finite, got {x}")
    return x.copy()


def values(value: Any, what: str) -> np.ndarray:
    """A 1-D float array of finite numbers (a scalar counts as one value)."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a sequence of numbers: {exc}") from None
    if a.ndim > 1:
        raise ValueError(f"{what} must be a flat sequence of numbers, got shape {a.shape}")
    a = np.ascontiguousarray(a.reshape(-1))
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be finite numbers")
    return a


def matrix(value: Any, shape: tuple[int, int], what: str) -> np.ndarray:
    """A contiguous float64 array with exactly ``shape``; ValueError otherwise."""
    try:
        a = np.ascontiguousarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a {shape[0]} x {shape[1]} array of numbers: {exc}") from None
    if a.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got shape {a.shape}")
    return a


def out_array(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """An output buffer: must already be a writeable, C-contiguous float64 array of ``shape``."""
    if not (isinstance(value, np.ndarray) and value.dtype == np.float64 and value.shape == shape
            and value.flags.c_contiguous and value.flags.writeable):
        got = f"{value.dtype} array of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise ValueError(f"{what} must be a writeable C-contiguous float64 array of shape {shape}, got {got}")
    return value


def real(value: Any, what: str, finite: bool = True) -> float:
    """A Python float (finite unless ``finite=False``); ValueError otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a real number, got {value!r}") from None
    if finite and not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    if math.isnan(x):
        raise ValueError(f"{what} must not be NaN")
    return x


def positive(value: Any, what: str, allow_inf: bool = False) -> float:
    """A number > 0 (finite unless ``allow_inf``)."""
    x = real(value, what, finite=not allow_inf)
    if not x > 0:
        raise ValueError(f"{what} must be positive, got {x}")
    return x


def count(value: Any, what: str, lo: int = 1, hi: int | None = None) -> int:
    """An integer in [lo, hi]; ValueError otherwise (floats such as 3.0 are refused)."""
    try:
        k = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None
    if k < lo or (hi is not None and k > hi):
        bound = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise ValueError(f"{what} must be {bound}, got {k}")
    return int(k)


def tolerance(value: Any, what: str) -> float:
    """A tolerance: finite, positive, at least 1e-15 (below that, double precision cannot deliver it)."""
    x = positive(value, what)
    if x < _SMALLEST_TOL:
        raise ValueError(f"{what}={x:g} is below {_SMALLEST_TOL:g}, which double precision cannot deliver")
    return x


def interval(value: Any, what: str) -> tuple[float, float]:
    """(lo, hi) from a pair of different finite numbers given in either order."""
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair of numbers (lo, hi), got {value!r}") from None
    a, b = real(a, what), real(b, what)
    if a == b:
        raise ValueError(f"{what} must be two different numbers, got ({a}, {b})")
    return min(a, b), max(a, b)


def same_states(model: Any, other: Any, what: str) -> None:
    """``other`` (a model) has the same states as ``model``; ValueError otherwise."""
    if tuple(other.state_names) != tuple(model.state_names):
        raise ValueError(f"{what} belongs to a model with states ({', '.join(other.state_names)}), but this model "
                         f"has states ({', '.join(model.state_names)})")


def collocation_size(n_states: int, ntst: Any, ncol: Any) -> tuple[int, int]:
    """Validated (ntst, ncol), refusing meshes whose working memory would exceed :data:`MEMORY_LIMIT`.

    The estimate counts the collocation blocks (ntst ncol n rows of (ncol + 1) n + 2 values,
    three copies during assembly, condensation and the monodromy matrix) and one stored
    profile per point of a branch of 1000 points.
    """
    ntst, ncol = count(ntst, "ntst", 2), count(ncol, "ncol", 1, 7)
    rows = ntst * ncol * n_states
    need = 8 * (3 * rows * ((ncol + 1) * n_states + 2) + 1000 * (rows + n_states))
    if need > MEMORY_LIMIT:
        raise ValueError(f"ntst={ntst}, ncol={ncol} for {n_states} states needs about {need / 2 ** 30:.1f} GiB "
                         f"(limit {MEMORY_LIMIT / 2 ** 30:.0f} GiB): use a smaller ntst (60-400 is usual; the "
                         "mesh is adapted to the orbit)")
    return ntst, ncol
