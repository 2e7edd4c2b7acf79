"""Results of the stationary DMFT solvers: :class:`DMFTResult` (energy integral, one population).

:class:`StationaryResult` holds what both results (this one and
:class:`~workbench.theories.dmft.lag.LagDMFTResult`) share: :data:`SUMMARY_KEYS`,
:meth:`~StationaryResult.summary` (what ``workbench dmft --json`` prints) and
:meth:`~StationaryResult.save`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SUMMARY_KEYS", "DMFTResult", "StationaryResult"]

SUMMARY_KEYS: tuple[str, ...] = (
    "regime",
    "Delta0",
    "Delta_inf",
    "mu",
    "mean_phi",
    "mean_phi_prime",
    "C_phi0",
    "lyapunov",
    "tau_half",
    "kappa",
    "static_Delta0",
    "static_radius",
)
"""The values of a stationary solution that ``--json`` prints (in this order as text), for every method."""


class StationaryResult:
    """Summary and saving shared by the stationary DMFT results (each defines ``to_dict``)."""

    params: dict[str, float]
    info: dict[str, Any]

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (arrays only if asked)."""
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """What ``--json`` prints: :data:`SUMMARY_KEYS`, ``populations``, ``params``, ``method`` (strict JSON)."""
        from workbench.io import finite_or_null

        full = self.to_dict(arrays=False)
        out = {k: full.get(k) for k in SUMMARY_KEYS}
        if "populations" in full:
            out["populations"] = full["populations"]
        out["params"] = dict(self.params)
        out["method"] = self.info.get("method", "")
        est = getattr(self, "error_estimates", None)
        if est:
            out["error_estimates"] = {k: float(v) for k, v in est.items()}
        return finite_or_null(out)

    def save(self, path: str | Path) -> Path:
        """Write the whole result (the Delta(tau) curves included) as strict JSON to ``path``; the path written."""
        from workbench.io import atomic_path, strict_dumps

        path = Path(path)
        with atomic_path(path, suffix=".json") as tmp:
            Path(tmp).write_text(strict_dumps(self.to_dict(arrays=True)) + "\n", encoding="utf-8")
        return path


@dataclass
class DMFTResult(StationaryResult):
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
    error_estimates : dict
        A-posteriori estimate of the absolute error of each quantity (``Delta0``, ``mu``,
        ``mean_phi_prime``, ..., ``lyapunov``, ``tau_half``, ``Delta_tau``: max over the curve),
        from a refined or half-order evaluation (see ``DMFTSolver.solve``).
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
    error_estimates: dict[str, float] = field(default_factory=dict)

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
        """Delta(|lag|) from the stored curve (cubic spline; flat at Delta0 for the static regime)."""
        lags = np.abs(np.asarray(lags, dtype=float))
        if self.tau.size == 0:
            return np.full_like(lags, self.Delta0)
        tail = self.Delta_inf + (self.Delta_tau[-1] - self.Delta_inf) * np.exp(-self.kappa * (lags - self.tau[-1]))
        if self.tau.size < 4:
            return np.where(lags <= self.tau[-1], np.interp(lags, self.tau, self.Delta_tau), tail)
        from scipy.interpolate import CubicSpline

        inner = CubicSpline(self.tau, self.Delta_tau)(np.minimum(lags, self.tau[-1]))  # O(du^4) between points
        return np.where(lags <= self.tau[-1], inner, tail)
