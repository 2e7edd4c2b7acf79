"""Hu-Sompolinsky covariance spectrum at an effective gain (the Shen-Hu special case of the fixed-J theory).

``C = s0 (I - g J0)^-1 (I - g J0)^-T`` with J0 iid of variance 1/N has, for N -> oo, the HS
eigenvalue density (Hu & Sompolinsky 2022, Eqs 5-6; notes section 2 of
shared/theory/fixed-connectivity-and-dimension.md): support ``[x_-, x_+]``, mean ``1/(1-g^2)``,
PR/N ``(1-g^2)^2``, everything times s0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["hs_density", "hs_law", "hs_support"]


def hs_support(g: float) -> tuple[float, float]:
    """Edges (x_-, x_+) of the HS density at unit noise, 0 <= g < 1."""
    root = (g / 4) * (8 + g * g) ** 1.5
    base, den = 2 + 5 * g * g - g**4 / 4, 2 * (1 - g * g) ** 3
    return (base - root) / den, (base + root) / den


def hs_density(x: np.ndarray, g: float) -> np.ndarray:
    """HS eigenvalue density p(x) at unit noise (0 outside the support)."""
    x = np.asarray(x, dtype=float)
    lo, hi = hs_support(g)
    inside = (x > lo) & (x < hi)
    xs = np.where(inside, x, 1.0)
    y, z = 1 / (g * g * xs), 1 / g
    A, B = (1 - z * z) / y, z * z / y
    P, Q = A - 1 / 3, B + A / 3 - 2 / 27
    disc = np.maximum(Q * Q / 4 + P**3 / 27, 0.0)
    p = np.sqrt(3) * (np.cbrt(Q / 2 + np.sqrt(disc)) - np.cbrt(Q / 2 - np.sqrt(disc))) / (2 * np.pi * g * g * xs * xs)
    return np.where(inside, p, 0.0)


def hs_law(g_eff: float, s0: float, eigenvalues: np.ndarray | None = None) -> dict[str, Any]:
    """HS support, density grid, mean and PR/N at g_eff scaled by s0, with the PR/N of ``eigenvalues`` beside it."""
    out: dict[str, Any] = {"g_eff": float(g_eff), "Sigma0": float(s0), "PR_over_N": (1 - g_eff**2) ** 2}
    if not 0 < g_eff < 1:
        out.update(support=None, x=None, density=None, mean=None)
    else:
        lo, hi = hs_support(g_eff)
        u = np.linspace(0.0, 1.0, 801)[1:-1]
        xg = lo * (hi / lo) ** (0.5 - 0.5 * np.cos(np.pi * u))  # geometric, clustered at both edges
        out.update(support=(s0 * lo, s0 * hi), mean=s0 / (1 - g_eff**2), x=s0 * xg, density=hs_density(xg, g_eff) / s0)
    if eigenvalues is not None:
        ev = np.asarray(eigenvalues, dtype=float)
        out["PR_over_N_predicted_matrix"] = float(ev.sum() ** 2 / (ev.size * np.sum(ev * ev)))
    return out
