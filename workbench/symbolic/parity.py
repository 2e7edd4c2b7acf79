"""Parity of an expression in one variable: ``f(-x) = f(x)`` (even) or ``f(-x) = -f(x)`` (odd)."""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

__all__ = ["has_parity"]

_POINTS = np.linspace(0.05, 6.1, 41) * (1 + 1e-3 * np.sqrt(2))
"""Test points (irrational offsets, so no kink or node of a piecewise phi is hit exactly)."""


@functools.lru_cache(maxsize=512)
def has_parity(expr: sp.Expr, x: sp.Symbol, odd: bool) -> bool:
    """Whether ``expr(-x) = -expr(x)`` (``odd``) or ``expr(-x) = expr(x)``.

    Structurally (the flipped expression auto-evaluates to ``-+expr``), else at 41 points of [0.05, 6.1] in a
    float evaluation to 1e-12 relative (clips such as ``clip(x - x**3/3, -1, 1)``, whose ``Max``/``Min`` SymPy
    cannot simplify; a larger difference proves the parity wrong), else, where the points cannot be evaluated
    (other free symbols), by ``simplify`` (seconds per expression, so last).
    """
    sign = -1 if odd else 1
    flipped = expr.subs(x, -x)
    target = sign * expr
    if flipped == target:
        return True
    if expr.free_symbols <= {x}:
        try:
            with np.errstate(all="ignore"):
                f = sp.lambdify(x, expr, ["scipy", "numpy"])
                plus = np.broadcast_to(np.asarray(f(_POINTS), dtype=float), _POINTS.shape)
                minus = np.broadcast_to(np.asarray(f(-_POINTS), dtype=float), _POINTS.shape)
            if np.all(np.isfinite(plus)) and np.all(np.isfinite(minus)):
                return bool(np.all(np.abs(minus - sign * plus) <= 1e-12 * (1 + np.abs(plus))))
        except (TypeError, ValueError, NameError, ZeroDivisionError, AttributeError):
            pass
    try:
        return bool(sp.simplify(flipped - target) == 0)
    except Exception:  # noqa: BLE001 - an expression simplify cannot handle has no provable parity
        return False
