"""Closed-form solver for partially symmetric couplings: the elliptic law mapped through ``M = (-1 + g W)/tau``.

One population, constant tau and gain, ``corr(W_ij, W_ji) = eta``: the spectrum of ``g W`` fills the
ellipse with semi-axes ``s (1 + eta)``, ``s (1 - eta)`` (``s = g_gain * g``) with uniform density
``1/(pi s^2 (1 - eta^2))``; ``M`` maps it affinely (centre ``-1/tau``, scale ``1/tau``). The outlier
of the mean ``J0`` sits at ``(-1 + g_gain (J0 + eta s^2 / J0))/tau`` when ``|J0| > s``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.theories.base import Solver

__all__ = ["EllipticSolver"]


class EllipticSolver(Solver):
    """The elliptic law (Sommers-Crisanti-Sompolinsky-Stein) for one population with constant laws."""

    method = "elliptic"
    description = "closed-form elliptic law (one population, constant tau and gain, reciprocal correlation eta)"
    requires = "one population with constant tau and gain"

    @classmethod
    def can_solve(cls, problem: Any) -> bool:
        """One population, constant tau and gain laws."""
        spec = problem.spec
        pop = spec.populations[0]
        return spec.n_populations == 1 and pop.tau.kind == "constant" and pop.gain.kind == "constant"

    def __init__(self, problem: Any, **_: Any) -> None:
        from workbench.theories.spectrum.quadrature import phi_slope_at_zero

        spec = problem.spec
        self.problem = problem
        self.tau = float(spec.populations[0].tau.value)
        self.gain = float(spec.populations[0].gain.value) * phi_slope_at_zero(spec)
        self.s = self.gain * float(spec.g[0][0])
        self.eta = float(spec.eta[0][0])
        self.J0 = float(spec.J0[0][0]) * self.gain

    def F0(self) -> float:
        """``F(0)``: the Perron root of the variance matrix at z = 0 (the bulk is stable iff < 1 for eta = 0)."""
        return self.s**2

    def edges(self) -> tuple[float, float]:
        """``(x_L, x_R)`` of the ellipse."""
        a = self.s * (1 + self.eta)
        return (-1 - a) / self.tau, (-1 + a) / self.tau

    def boundary(self, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """Upper boundary ``(x, Y(x))``."""
        x_L, x_R = self.edges()
        u = 0.5 * (1 - np.cos(np.linspace(0.0, math.pi, n)))
        x = x_L + (x_R - x_L) * u
        a, b = self.s * (1 + self.eta), self.s * (1 - self.eta)
        w = (x * self.tau + 1) / a
        return x, b * np.sqrt(np.clip(1 - w * w, 0.0, None)) / self.tau

    def inside(self, x: Any, y: Any) -> np.ndarray:
        """Whether ``x + i y`` lies in the ellipse."""
        a, b = self.s * (1 + self.eta), self.s * (1 - self.eta)
        u, v = (np.asarray(x) * self.tau + 1) / a, np.asarray(y) * self.tau / b
        return u * u + v * v <= 1.0

    def F(self, x: Any, y: Any = 0.0) -> np.ndarray:
        """``(u/a)^2 + (v/b)^2`` inverted: >= 1 inside (the same convention as the Dyson solver's F)."""
        a, b = self.s * (1 + self.eta), self.s * (1 - self.eta)
        u, v = (np.asarray(x, float) * self.tau + 1) / a, np.asarray(y, float) * self.tau / b
        with np.errstate(divide="ignore"):
            return 1.0 / (u * u + v * v)

    def density(self, x: Any, y: Any) -> np.ndarray:
        """Uniform density ``tau^2 / (pi s^2 (1 - eta^2))`` inside."""
        val = self.tau**2 / (math.pi * self.s**2 * (1 - self.eta**2))
        return np.where(self.inside(x, y), val, 0.0)

    def outliers(self) -> list[complex]:
        """The mean's outlier ``(-1 + J0 + eta s^2/J0)/tau`` when ``|J0| > s``."""
        if abs(self.J0) <= self.s or self.J0 == 0:
            return []
        return [complex((-1 + self.J0 + self.eta * self.s**2 / self.J0) / self.tau, 0.0)]

    def bars(self) -> list[tuple[float, float]]:
        """The leak's eigenvalue ``-1/tau`` (inside the ellipse)."""
        return [(-1 / self.tau, -1 / self.tau)]

    def solve(self, spec: Any = None, boundary_points: int = 400, **options: Any) -> Any:
        """The same result object as the Dyson solver."""
        from workbench.theories.spectrum.result import SpectrumResult

        x_L, x_R = self.edges()
        bx, by = self.boundary(boundary_points)
        return SpectrumResult(
            x_R=x_R, x_L=x_L, F0=self.F0(), gap_estimate=math.nan, boundary_x=bx, boundary_y=by,
            outliers=self.outliers(), bars=self.bars(), method=self.method,
        )  # fmt: skip
