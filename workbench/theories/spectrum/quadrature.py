"""Population laws of (tau, Jacobian gain) as quadrature rules: Gauss-Jacobi/Legendre products or samples."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.spec.distributions import Distribution

__all__ = ["PopulationRule", "gauss_rule", "phi_slope_at_zero", "rules_from_samples", "rules_from_spec"]


@dataclass(frozen=True)
class PopulationRule:
    """Nodes and weights of one population's joint (tau, g) law.

    Attributes
    ----------
    tau, g, w : ndarray (n,)
        Timescales, Jacobian gains and weights (summing to 1).
    tau_min, tau_max : float
        Support of the timescale law (the law's bounds, not the extreme nodes).
    """

    tau: np.ndarray
    g: np.ndarray
    w: np.ndarray
    tau_min: float
    tau_max: float

    def mean(self, values: np.ndarray) -> np.ndarray:
        """The law's average of ``values`` (last axis over the nodes)."""
        return values @ self.w


def gauss_rule(law: Distribution, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of ``law``: one node (constant), Gauss-Legendre (uniform), Gauss-Jacobi (beta)."""
    from scipy.special import roots_jacobi, roots_legendre

    if law.kind == "constant":
        return np.array([float(law.value)]), np.array([1.0])
    if law.kind == "uniform":
        t, w = roots_legendre(n)
    else:  # Beta(a, b) on [0, 1]: weight (1 - t)^(b-1) (1 + t)^(a-1) on [-1, 1]
        t, w = roots_jacobi(n, law.b - 1.0, law.a - 1.0)
    u = 0.5 * (t + 1.0)
    return law.low + (law.high - law.low) * u, w / w.sum()


def phi_slope_at_zero(spec: ModelSpec) -> float:
    """``phi'(0)`` of the spec's nonlinearity (the right derivative where phi has a kink at 0)."""
    x = sp.Symbol("x", real=True)
    expr = spec.phi.expr.subs({s: x for s in spec.phi.expr.free_symbols})
    slope = sp.limit((expr - expr.subs(x, 0)) / x, x, 0, "+")
    value = float(slope) if slope.is_finite else math.nan
    if not math.isfinite(value):
        raise SpecError("phi", f"phi'(0) is not finite for {spec.phi.label()}; the Jacobian at x* = 0 is undefined")
    return value


def _support(law: Distribution) -> tuple[float, float]:
    """(min, max) of the law's support."""
    return (float(law.value), float(law.value)) if law.kind == "constant" else (float(law.low), float(law.high))


def rules_from_spec(spec: ModelSpec, n: int = 24) -> list[PopulationRule]:
    """Product rules of the spec's independent tau and gain laws, gains times ``phi'(0)`` (the Jacobian at x* = 0)."""
    if not 1 <= n <= 400:
        raise SpecError("n_quad", f"quadrature nodes per law must be in [1, 400], got {n}")
    slope = phi_slope_at_zero(spec)
    rules = []
    for pop in spec.populations:
        t, wt = gauss_rule(pop.tau, n)
        gn, wg = gauss_rule(pop.gain, n)
        tau = np.repeat(t, gn.size)
        g = np.tile(gn, t.size) * slope
        w = np.outer(wt, wg).ravel()
        rules.append(PopulationRule(tau, g, w, *_support(pop.tau)))
    return rules


def rules_from_samples(tau: np.ndarray, g: np.ndarray, pop: np.ndarray, P: int) -> list[PopulationRule]:
    """Empirical rules: each sampled unit a node of weight 1/N_a (the finite-N deterministic equivalent)."""
    rules = []
    for a in range(P):
        idx = np.flatnonzero(pop == a)
        if idx.size == 0:
            raise SpecError("populations", f"population {a} has no units at this N")
        t = np.asarray(tau[idx], dtype=float)
        rules.append(PopulationRule(t, np.asarray(g[idx], dtype=float), np.full(idx.size, 1.0 / idx.size), t.min(), t.max()))
    return rules
