"""Result of the transient DMFT with reciprocal correlations: order parameters and the response function."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SymmetricResult"]


@dataclass
class SymmetricResult:
    """Transient DMFT on the grid ``t`` (k = 0..n); 2-time arrays are indexed ``[t_k, t_l]``.

    Attributes
    ----------
    t : ndarray (n+1,)
    m_x, m_phi : ndarray (n+1,)
        Population means <x(t)> and <phi(x(t))>.
    Delta : ndarray (n+1, n+1)
        <x(t) x(s)> (uncentred); ``Delta(t, t)`` is the mean-square activity.
    C_phi : ndarray (n+1, n+1)
        <phi(t) phi(s)> (uncentred): the field covariance is g^2 C_phi (+ sigma_I^2).
    R_phi, R_x : ndarray (n+1, n+1)
        Response functions ``d<phi(x(t))>/dh(s)`` and ``d<x(t)>/dh(s)`` per unit time (causal: zero
        for s >= t), h a pulse added to the drive like the recurrent input; ``R_phi`` is the kernel of
        the memory term ``eta g^2 int R_phi(t, s) phi(s) ds``.
    se_m_x, se_Delta_diag : ndarray (n+1,)
        Monte Carlo standard errors of ``m_x`` and ``Delta(t, t)``.
    params, info : dict
        Model/grid parameters; solver information (paths, seed, elapsed_s, derived coefficients).
    """

    t: np.ndarray
    m_x: np.ndarray
    m_phi: np.ndarray
    Delta: np.ndarray
    C_phi: np.ndarray
    R_phi: np.ndarray
    R_x: np.ndarray
    se_m_x: np.ndarray
    se_Delta_diag: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def Delta_diag(self) -> np.ndarray:
        """Mean-square activity <x(t)^2>."""
        return np.diag(self.Delta).copy()

    def response(self, kind: str = "phi") -> np.ndarray:
        """The response matrix ``R(t_k, t_l)`` of phi (``"phi"``, the memory kernel) or of x (``"x"``)."""
        if kind not in ("phi", "x"):
            from workbench.errors import SpecError

            raise SpecError("kind", f"response of 'phi' or 'x', got {kind!r}")
        return self.R_phi if kind == "phi" else self.R_x

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: end-point values and the response one step and T/2 back."""
        n = self.t.size - 1
        h = max(n // 2, 1)
        return {
            **self.params,
            "m_x_T": float(self.m_x[-1]),
            "m_phi_T": float(self.m_phi[-1]),
            "Delta_TT": float(self.Delta[-1, -1]),
            "se_Delta_TT": float(self.se_Delta_diag[-1]),
            "C_phi_TT": float(self.C_phi[-1, -1]),
            "R_phi_T_T-dt": float(self.R_phi[n, n - 1]) if n else 0.0,
            "R_phi_T_T/2": float(self.R_phi[n, n - h]) if n else 0.0,
            "R_x_T_T/2": float(self.R_x[n, n - h]) if n else 0.0,
            "paths": self.info.get("paths"),
            "seed": self.info.get("seed"),
            "elapsed_s": self.info.get("elapsed_s"),
        }

    def save(self, path: str | Path) -> Path:
        """Write the arrays to ``.npz`` (with the summary as JSON text)."""
        from workbench.io import strict_dumps

        path = Path(path)
        np.savez(path, t=self.t, m_x=self.m_x, m_phi=self.m_phi, Delta=self.Delta, C_phi=self.C_phi,
                 R_phi=self.R_phi, R_x=self.R_x, se_m_x=self.se_m_x, se_Delta_diag=self.se_Delta_diag,
                 summary=strict_dumps(self.summary()))
        return path
