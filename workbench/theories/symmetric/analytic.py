"""Closed forms of the linear case (phi = x, below the edge): the response from the elliptic law.

For ``tau dx = (-x + J x + h) dt`` with J elliptic (``E J_ij J_ji = eta g^2 / N``) the mean diagonal
resolvent is ``G(z) = (z - sqrt(z^2 - 4 c)) / (2 c)``, ``c = eta g^2``; its moments are
``(1/N) E tr J^{2p} -> Catalan(p) c^p`` (odd moments vanish). Hence

* continuous time: ``R_x(tau_lag) = e^{-s} I_1(2 sqrt(c) s) / (sqrt(c) s) / tau`` with ``s = tau_lag / tau``
  (``J_1`` and ``sqrt(-c)`` for ``c < 0``; ``e^{-s}/tau`` at ``c = 0``);
* the exponential-Euler step ``x_{k+1} = (a + b J) x_k + b h_k``: ``Rd_{k,l} = b E[(a + b J)^{k-l-1}]_{ii}``
  summed with the moments above (exact at every dt, what the discrete DMFT must reproduce).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["elliptic_moment", "linear_response_continuous", "linear_response_discrete"]


def elliptic_moment(order: int, c: float) -> float:
    """``lim (1/N) E tr J^order`` of the elliptic ensemble with ``E J_ij J_ji = c / N``."""
    if order % 2:
        return 0.0
    p = order // 2
    return math.comb(2 * p, p) / (p + 1) * c**p


def linear_response_continuous(lag: np.ndarray, g: float, eta: float, tau: float = 1.0) -> np.ndarray:
    """``R_x`` at time lags ``lag >= 0`` for phi = x (N -> infinity, continuous time)."""
    s = np.asarray(lag, dtype=float) / tau
    c = eta * g * g
    with np.errstate(invalid="ignore", divide="ignore"):
        if c > 0:
            w = 2 * math.sqrt(c) * s
            core = np.where(s > 0, 2 * special.ive(1, w) * np.exp(w) / np.where(w > 0, w, 1), 1.0)
        elif c < 0:
            w = 2 * math.sqrt(-c) * s
            core = np.where(s > 0, 2 * special.j1(w) / np.where(w > 0, w, 1), 1.0)
        else:
            core = np.ones_like(s)
    return np.exp(-s) * core / tau


def linear_response_discrete(steps: int, g: float, eta: float, a: float, b: float) -> np.ndarray:
    """``Rd_{k,l}`` (per step, not per unit time) at lags ``k - l = 1..steps`` for phi = x."""
    c = eta * g * g
    out = np.empty(steps)
    for lag in range(1, steps + 1):
        p = lag - 1
        out[lag - 1] = b * sum(math.comb(p, q) * a ** (p - q) * b**q * elliptic_moment(q, c) for q in range(p + 1))
    return out
