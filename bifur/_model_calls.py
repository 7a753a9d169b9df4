"""Model-independent compiled entry points for a model's functions, called by address.

:class:`bifur.compiled_model.CompiledModel` binds the address of a model's C-callable function
(``rhs_into``, ``jac_into``, ...) to one of these, so that calling ``cm.rhs(x, p)`` from Python
compiles nothing per model beyond that function itself. Arguments are passed through unchanged
(C-contiguous float64 arrays and real scalars; checked by the caller).
"""
from __future__ import annotations

import numpy as np

from ._fnptr import call, call_real
from ._jit import cached_njit

__all__ = ["invoke", "invoke_real", "vector_result", "matrix_result"]


@cached_njit(error_model="numpy")
def invoke(addr, *args):
    """Call the void function at ``addr`` with ``args`` (its output array last)."""
    call(addr, *args)


@cached_njit(error_model="numpy")
def invoke_real(addr, *args):
    """The value of the float64 function at ``addr`` at ``args``."""
    return call_real(addr, *args)


@cached_njit(error_model="numpy")
def vector_result(addr, n, *args):
    """A new (n,) array written by the function at ``addr`` from ``args``."""
    out = np.empty(n)
    call(addr, *(args + (out,)))
    return out


@cached_njit(error_model="numpy")
def matrix_result(addr, rows, cols, *args):
    """A new (rows, cols) array written by the function at ``addr`` from ``args``."""
    out = np.empty((rows, cols))
    call(addr, *(args + (out,)))
    return out
