"""Result of the energy-integral stationary DMFT solver (one population): :class:`DMFTResult`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DMFTResult"]


@dataclass
class DMFTResult:
    """Stationary DMFT solution of one population.

    Attributes
    ----------
    Delta0, Delta_inf, mu : float
        Variance, static part of the autocovariance, mean of x.
    regime : str
        ``"static"`` (stable fixed point), ``"chaotic"`` (lambda > 0) or ``"fluctuating"``
        (noise-driven, lambda <= 0).
    mean_phi, mean_phi_prime, C_phi0, mean_phi_prime2 : float
        ``<phi>``, ``<phi'>``, ``<phi^2>`` (= C_phi(0)), ``<phi'^2>`` at (mu, Delta0).
    lyapunov : float
        Largest Lyapunov exponent (DMFT).
    tau_half, kappa : float
        Lag where Delta - Delta_inf falls to half its initial value; asymptotic decay rate.
    static_Delta0, static_mu, static_radius : float
        Static branch and its bulk radius ``g sqrt(<phi'^2>)``.
    tau, Delta_tau : ndarray
        Autocovariance on a lag grid (empty for the static regime).
    params : dict
    info : dict
    """

    Delta0: float
    Delta_inf: float
    mu: float
    regime: str
    mean_phi: float
    mean_phi_prime: float
    C_phi0: float
    mean_phi_prime2: float
    lyapunov: float
    tau_half: float
    kappa: float
    static_Delta0: float
    static_mu: float
    static_radius: float
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    Delta_tau: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    params: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (arrays only if asked)."""
        d = asdict(self)
        if arrays:
            d["tau"] = self.tau.tolist()
            d["Delta_tau"] = self.Delta_tau.tolist()
        else:
            d.pop("tau")
            d.pop("Delta_tau")
        return d

    def Delta_at(self, lags: np.ndarray) -> np.ndarray:
        """Delta(|lag|) interpolated from the stored curve (flat at Delta0 for the static regime)."""
        lags = np.abs(np.asarray(lags, dtype=float))
        if self.tau.size == 0:
            return np.full_like(lags, self.Delta0)
        tail = self.Delta_inf + (self.Delta_tau[-1] - self.Delta_inf) * np.exp(-self.kappa * (lags - self.tau[-1]))
        return np.where(lags <= self.tau[-1], np.interp(lags, self.tau, self.Delta_tau), tail)

    def summary(self) -> dict[str, Any]:
        """The scalars of the solution (what ``--json`` prints; arrays left out)."""
        return self.to_dict(arrays=False)

    def save(self, path: str | Path) -> Path:
        """Write the summary and the Delta(tau) curve as strict JSON to ``path``; the path written."""
        from workbench.io import atomic_path, strict_dumps

        path = Path(path)
        with atomic_path(path, suffix=".json") as tmp:
            Path(tmp).write_text(strict_dumps(self.to_dict(arrays=True)) + "\n", encoding="utf-8")
        return path
