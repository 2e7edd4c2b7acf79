"""The spectral result: edge, stability, boundary curve, outliers, bars."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SpectrumResult"]


@dataclass
class SpectrumResult:
    """What ``workbench spectrum SPEC edge`` reports.

    Attributes
    ----------
    x_R, x_L : float
        Rightmost and leftmost points of the bulk (on the real axis).
    F0 : float
        Perron root of the variance matrix at z = 0 (bulk stable iff F0 < 1, whatever the timescales).
    gap_estimate : float
        Near-marginal ``-(1 - F0)/(2 F0 tau_eff)`` (nan unless one population has random outgoing couplings).
    boundary_x, boundary_y : ndarray
        Upper boundary of the bulk (``x +- i y``).
    outliers : list of complex
    bars : list of (float, float)
        ``[-1/tau_min, -1/tau_max]`` of every population.
    method : str
    """

    x_R: float
    x_L: float
    F0: float
    gap_estimate: float
    boundary_x: np.ndarray = field(repr=False)
    boundary_y: np.ndarray = field(repr=False)
    outliers: list[complex] = field(default_factory=list)
    bars: list[tuple[float, float]] = field(default_factory=list)
    method: str = "dyson"

    @property
    def abscissa(self) -> float:
        """Largest real part of the whole spectrum: bulk, outliers and bars."""
        return max([self.x_R, *(z.real for z in self.outliers), *(b[1] for b in self.bars)])

    @property
    def stable(self) -> bool:
        """Whether every eigenvalue has a negative real part (bulk, outliers and bars)."""
        return bool(self.abscissa < 0)

    def summary(self) -> dict[str, Any]:
        """The ``edge --json`` object."""
        gap = self.gap_estimate if math.isfinite(self.gap_estimate) else None
        out = {
            "x_R": self.x_R,
            "x_L": self.x_L,
            "F0": self.F0,
            "stable": self.stable,
            "bulk_stable": bool(self.x_R < 0),
            "abscissa": self.abscissa,
            "gap_estimate": gap,
            "outliers": [[z.real, z.imag] for z in self.outliers],
            "bars": [list(b) for b in self.bars],
            "method": self.method,
        }
        if gap is None:
            out["gap_estimate_reason"] = "defined for one population with random outgoing couplings"
        return out

    def save(self, path: str | Path) -> Path:
        """Write the summary and the boundary curve (``.npz``)."""
        import json

        path = Path(path)
        np.savez(path, boundary_x=self.boundary_x, boundary_y=self.boundary_y, summary=json.dumps(self.summary()))
        return path
