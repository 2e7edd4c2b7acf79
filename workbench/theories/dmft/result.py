"""Results of the stationary DMFT solvers: :class:`DMFTResult` (energy integral, one population).

:class:`StationaryResult` holds what every result (this one,
:class:`~workbench.theories.dmft.lag.LagDMFTResult` and
:class:`~workbench.theories.dmft.discrete.MapDMFTResult`) shares: :data:`SUMMARY_KEYS`,
:meth:`~StationaryResult.summary` (what ``workbench dmft --json`` prints) and
:meth:`~StationaryResult.save`. :class:`OnePopulationResult` adds the scalar fields of the
one-population results (the flow's :class:`DMFTResult` and the map's ``MapDMFTResult``) and their
``to_dict``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

__all__ = ["SUMMARY_KEYS", "DMFTResult", "OnePopulationResult", "StationaryResult"]

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
class OnePopulationResult(StationaryResult):
    """The scalar fields of a one-population stationary solution (flow or map) and its ``to_dict``.

    Attributes
    ----------
    Delta0, Delta_inf, mu : float
        Variance, static part (limit) of the autocovariance, mean of x.
    regime : str
        ``"static"`` (stable fixed point), ``"chaotic"`` (lambda > 0) or ``"fluctuating"``
        (noise-driven, lambda <= 0).
    mean_phi, mean_phi_prime, C_phi0, mean_phi_prime2 : float
        ``<phi>``, ``<phi'>``, ``<phi^2>`` (= C_phi(0)), ``<phi'^2>`` at (mu, Delta0).
    lyapunov : float
        Largest Lyapunov exponent (DMFT; per unit time for the flow, per step for the map).
    tau_half, kappa : float
        Lag where Delta - Delta_inf falls to half its initial value; asymptotic decay rate.

    Subclasses add their own fields after these (so :class:`DMFTResult` keeps its field order and
    positional construction), among them ``params`` (the derivation's parameter values) and
    ``info`` (how it was solved), and name their curve (lag grid and autocovariance) in
    :attr:`CURVE_FIELDS`: ``to_dict`` writes it as lists when asked for arrays and leaves it out otherwise.
    """

    CURVE_FIELDS: ClassVar[tuple[str, str]] = ("tau", "Delta_tau")

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

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (the curve fields :attr:`CURVE_FIELDS` only if ``arrays``)."""
        d = asdict(self)
        for key in self.CURVE_FIELDS:
            if arrays:
                d[key] = np.asarray(getattr(self, key)).tolist()
            else:
                d.pop(key)
        return d


@dataclass
class DMFTResult(OnePopulationResult):
    """Stationary DMFT solution of one population (the flow); the shared fields: :class:`OnePopulationResult`.

    Attributes
    ----------
    static_Delta0, static_mu, static_radius : float
        Static branch and its bulk radius ``g sqrt(<phi'^2>)``.
    tau, Delta_tau : ndarray
        Autocovariance on a lag grid (empty for the static regime).
    params : dict
        Values of the derivation's parameters.
    info : dict
        How it was solved (``method``, ``backend``, ``seconds``).
    error_estimates : dict
        A-posteriori estimate of the absolute error of each quantity (``Delta0``, ``mu``,
        ``mean_phi_prime``, ..., ``lyapunov``, ``tau_half``, ``Delta_tau``: max over the curve),
        from a refined or half-order evaluation (see ``DMFTSolver.solve``).
    """

    static_Delta0: float
    static_mu: float
    static_radius: float
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    Delta_tau: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    params: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    error_estimates: dict[str, float] = field(default_factory=dict)

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
