"""Model-independent compiled entry points for a model's functions, called by address.

:class:`bifur.compiled_model.CompiledModel` binds the address of a model's C-callable function
(``rhs_into``, ``jac_into``, ...) to one of these, so that calling ``cm.rhs(x, p)`` from Python
compiles nothing per model beyond that function itself. Arguments are passed through unchanged
(C-contiguous float64 arrays and real scalars; checked by the caller).
"""
from __future__ import annotations

import functools

import numpy as np

from ._fnptr import call, call_real
from ._jit import cached_njit

__all__ = ["invoke", "invoke_real", "vector_result", "matrix_result", "no_reset_address", "NO_RESET"]


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


def _no_reset_g(x, p):
    return -1.0


def _no_reset_apply_into(x, p, out):
    return


#: The reset functions a model without a reset shares (the integrator binds them; its event function
#: is -1 everywhere, so the reset is never applied): compiled once per installation, not per model.
NO_RESET = {"reset_g": _no_reset_g, "reset_apply_into": _no_reset_apply_into}


@functools.lru_cache(maxsize=None)
def no_reset_address(name: str) -> int:
    """Address of the shared C function ``name`` of :data:`NO_RESET` (compiled and cached on first use)."""
    from numba import cfunc, types
    fn = NO_RESET[name]
    sig = types.float64(types.voidptr, types.voidptr) if name == "reset_g" else \
        types.void(types.voidptr, types.voidptr, types.voidptr)
    try:
        compiled = cfunc(sig, cache=True)(fn)
    except RuntimeError as exc:  # nowhere to cache (see bifur._jit)
        if "cannot cache" not in str(exc):
            raise
        compiled = cfunc(sig, cache=False)(fn)
    _KEEP.append(compiled)
    return compiled.address


_KEEP: list = []  # the compiled stubs stay alive as long as their addresses are in use
