"""Special functions the generated numba code calls that :mod:`math` lacks.

``dilog(z)``: the real dilogarithm ``Li2(z) = -int_0^z log(1 - t)/t dt`` for real ``z <= 1``, which SymPy
writes ``polylog(2, z)``; it is the primitive of softplus, ``int_0^x log(1 + e^y) dy = -Li2(-e^x) - pi^2/12``.
Reduced to ``0 <= w <= 1/2`` by the inversion ``z -> 1/z``, Landen's ``z -> z/(z - 1)`` and the reflection
``z -> 1 - z``, then summed as ``sum_k w^k / k^2`` (relative error about 1e-16; tested against mpmath).
"""

from __future__ import annotations

import math

import numba

__all__ = ["dilog"]

_PI2_6 = math.pi * math.pi / 6.0


@numba.njit(cache=False)
def _series(w: float) -> float:
    """``sum_{k>=1} w^k / k^2`` for ``|w| <= 1/2``."""
    total, term = 0.0, 1.0
    for k in range(1, 80):
        term *= w
        add = term / (k * k)
        total += add
        if abs(add) < 1e-18 * abs(total):
            break
    return total


@numba.njit(cache=False)
def _unit(z: float) -> float:
    """Li2(z) for ``-1 <= z <= 1``."""
    if z == 1.0:
        return _PI2_6
    if z < 0.0:  # Landen: w = z/(z - 1) in (0, 1/2]
        return -_unit_positive(z / (z - 1.0)) - 0.5 * math.log1p(-z) ** 2
    return _unit_positive(z)


@numba.njit(cache=False)
def _unit_positive(z: float) -> float:
    """Li2(z) for ``0 <= z < 1``."""
    if z <= 0.5:
        return _series(z)
    return _PI2_6 - math.log(z) * math.log1p(-z) - _series(1.0 - z)


@numba.njit(cache=False)
def dilog(z: float) -> float:
    """The real dilogarithm Li2(z) for ``z <= 1`` (NaN above 1, where it is complex)."""
    if math.isnan(z) or z > 1.0:
        return math.nan
    if z < -1.0:  # inversion: Li2(z) = -pi^2/6 - log(-z)^2/2 - Li2(1/z)
        return -_PI2_6 - 0.5 * math.log(-z) ** 2 - _unit(1.0 / z)
    return _unit(z)
