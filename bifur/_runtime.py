"""Scalar helper functions called by generated model code (numba-compiled, usable from Python)."""
from __future__ import annotations

import math

from ._jit import cached_njit

__all__ = ["exprel_d", "heaviside", "sign"]


@cached_njit(error_model="numpy")
def exprel_d(k, z):
    """k-th derivative of exprel(z) = (exp(z) - 1)/z, i.e. the integral of s^k exp(z s) over [0, 1].

    A power series near z = 0 (where the closed form is 0/0), otherwise the stable
    upward recurrence I_k = (e^z - k I_{k-1}) / z from I_0 = expm1(z)/z.

    Examples
    --------
    >>> round(exprel_d(0, 0.0), 12), round(exprel_d(1, 0.0), 12)
    (1.0, 0.5)
    """
    if abs(z) < 0.5:
        term = 1.0
        total = 1.0 / (k + 1)
        for m in range(1, 20):
            term *= z / m
            total += term / (m + k + 1)
        return total
    ez = math.exp(z)
    val = math.expm1(z) / z
    for j in range(1, k + 1):
        val = (ez - j * val) / z
    return val


@cached_njit(error_model="numpy")
def heaviside(x):
    """Heaviside step with H(0) = 1/2."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return 0.0
    return 0.5


@cached_njit(error_model="numpy")
def sign(x):
    """Sign of x (0 at 0)."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0
