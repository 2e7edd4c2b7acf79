"""Critical scaling at the linear instability: the derived power laws beside the two-site cavity theory.

:func:`critical_scaling` wraps :func:`derivations.dimension_scaling.critical_laws` (the laws of every statistic at
``g_c = 1/phi'(0)`` as ``sigma^2 -> 0``, white noise, tau = 1) as NumPy functions; :func:`critical_curves` solves the
cavity theory (what ``workbench dimension --g g_c --sigma2 S`` returns) on a grid of noise levels beside them, and
:func:`extrapolated_ratio` removes the laws' leading correction from the theory-to-law ratio. Measured
(``tests/theories/dimension/test_scaling.py``): for x - x^3/3 the cavity theory's equal-time PR/N over the law is
1.0531, 1.0283 and 1.0136 at sigma^2 = 1e-3, 1e-4 and 1e-5 (relative ``O(kappa)``, kappa = 0.100, 0.046, 0.022),
extrapolated 1.0009; its variance 1.0011, 1.0002, 1.00005 (``O(Delta)``); the zero-frequency PR/N 0.9972, 0.9994,
0.9999 (``O(kappa^2)``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.spec.nonlinearity import Nonlinearity, make_nonlinearity

if TYPE_CHECKING:
    from derivations.dimension_scaling import CriticalLaws

__all__ = ["CriticalScaling", "critical_curves", "critical_scaling", "critical_summary", "extrapolated_ratio"]


@dataclass(frozen=True)
class CriticalScaling:
    """The derived critical laws of one phi (:class:`derivations.dimension_scaling.CriticalLaws` in ``laws``)."""

    phi: str
    laws: CriticalLaws

    @property
    def g_c(self) -> float:
        """The linear instability ``1/phi'(0)``."""
        return float(self.laws.g_c)

    @property
    def order(self) -> int:
        """``k`` of the first nonlinear term ``x^(2k)`` of phi'."""
        return int(self.laws.order)

    def law(self, statistic: str, covariance: str = "equal-time") -> Callable[[np.ndarray], np.ndarray]:
        """The leading law of ``statistic`` (e.g. ``"PR_over_N_x"``) as a function of sigma^2."""
        from derivations.dimension import SIGMA2

        return sp.lambdify(SIGMA2, self.laws.laws[covariance][statistic], "numpy")

    def kappa(self, sigma2: np.ndarray) -> np.ndarray:
        """``sqrt(1 - g_eff^2)`` of the law at noise ``sigma2``."""
        from derivations.dimension import SIGMA2

        return np.sqrt(sp.lambdify(SIGMA2, self.laws.kappa2, "numpy")(np.asarray(sigma2, dtype=float)))

    def exponent(self, statistic: str, covariance: str = "equal-time") -> float:
        """The derived power of sigma^2 of ``statistic``."""
        return float(self.laws.exponents[covariance][statistic])

    def summary(self) -> dict[str, object]:
        """JSON-ready: slope, order, deficit, g_c and the exponents (as strings of rationals and floats)."""
        return {"phi": self.phi, "slope": float(self.laws.slope), "order": self.order,
                "deficit": float(self.laws.deficit), "g_c": self.g_c,
                "exponents": {cov: {k: str(v) for k, v in d.items()} for cov, d in self.laws.exponents.items()}}


@functools.lru_cache(maxsize=16)
def _laws(label: str) -> CriticalScaling:
    from derivations.dimension_scaling import critical_laws

    return CriticalScaling(label, critical_laws(make_nonlinearity(label).expr))


def critical_scaling(phi: str | Nonlinearity) -> CriticalScaling:
    """The derived critical laws of ``phi`` (memoised per phi; SpecError naming phi where they do not apply)."""
    return _laws(make_nonlinearity(phi).label())


def critical_curves(phi: str, sigma2s: Sequence[float], covariance: str = "equal-time",
                    statistics: Sequence[str] = ("mean_autocov_x", "PR_over_N_x", "N_var_cross_x")
                    ) -> dict[str, np.ndarray]:
    """The cavity theory at ``g_c`` for each noise level beside the laws: ``{"sigma2", "kappa", stat, stat +
    "_law"}`` (one solve of ``workbench dimension`` per level)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.problem import DimensionProblem, DimensionSetup

    cs = critical_scaling(phi)
    s2 = np.asarray(sigma2s, dtype=float)
    out: dict[str, np.ndarray] = {"sigma2": s2, "kappa": cs.kappa(s2)}
    results = [DimensionProblem(ModelSpec.simple(N=1000, g=cs.g_c, phi=phi, sigma2=float(v)),
                                DimensionSetup(covariance=covariance)).build_solver("auto").solve() for v in s2]
    for stat in statistics:
        out[stat] = np.array([float(getattr(r, stat)) for r in results])
        out[f"{stat}_law"] = np.asarray(cs.law(stat, covariance)(s2), dtype=float) * np.ones_like(s2)
    return out


def extrapolated_ratio(kappa: np.ndarray, ratio: np.ndarray, power: int = 1, points: int = 2) -> float:
    """The theory-to-law ratio at kappa -> 0 from its ``points`` smallest-kappa values: the polynomial in
    ``kappa^power`` of degree ``points - 1`` through them, at 0. ``power = 1`` for the equal-time PR/N and N var_cross
    (relative ``O(kappa)`` corrections), 2 for the variance (``O(Delta)``) and the zero-frequency statistics; the
    remainder is of order ``kappa^(power points)``."""
    order = np.argsort(kappa)[:points]
    x, y = np.asarray(kappa, dtype=float)[order] ** power, np.asarray(ratio, dtype=float)[order]
    return float(np.polyval(np.polyfit(x, y, len(x) - 1), 0.0))


def _check_critical_spec(spec: Any, window: float | None) -> None:
    """The laws' model: one population, tau = 1, unit gain, white noise (or none), no input, no coupling mean, no
    window (SpecError naming the option otherwise)."""
    d = spec.to_dict()
    pops = d["populations"]
    why = "the critical laws are derived for tau dx = -x + J phi(x) + white noise with tau = 1, no input, J0 = 0"
    if len(pops) != 1:
        raise SpecError("spec", f"{why}: one population, got {len(pops)}")
    pop = pops[0]
    if pop["tau"] != {"kind": "constant", "value": 1.0}:
        raise SpecError("tau", f"{why}; allowed --tau 1 (time in units of tau), got {pop['tau']}")
    if pop["gain"] != {"kind": "constant", "value": 1.0}:
        raise SpecError("spec", f"{why}; allowed: unit gain (put a gain into phi), got {pop['gain']}")
    checks = (("input-var", pop["input_std"] ** 2), ("input-mean", pop["input_mean"]),
              ("J0", max(abs(v) for row in d["coupling"]["J0"] for v in row)))
    for name, value in checks:
        if value != 0:
            raise SpecError(name, f"{why}; allowed --{name} 0, got {value:g}")
    if d["noise"]["kind"] not in ("white", "none"):
        raise SpecError("tau-noise", f"{why}; allowed: white noise (no --tau-noise)")
    if window is not None:
        raise SpecError("window", f"{why}: at w = 0 or equal time; allowed: no --window")


def critical_summary(spec: Any, covariance: str = "equal-time", window: float | None = None) -> dict[str, Any]:
    """``workbench dimension --critical-scaling``: the derived laws of ``spec``'s phi at its g_c (:meth:`CriticalScaling.
    summary`), and with noise ``sigma2 > 0`` the laws' values at that noise for ``covariance`` (``laws_at_sigma2``)
    and their ``kappa``; ``at_g_c`` says whether ``spec``'s g is g_c (the statistics of the same output are at
    spec's g)."""
    _check_critical_spec(spec, window)
    cs = critical_scaling(spec.phi)
    out: dict[str, Any] = cs.summary()
    s2 = float(spec.noise.sigma2) if spec.noise.kind == "white" else 0.0
    g = float(spec.to_dict()["coupling"]["g"][0][0])
    out["at_g_c"] = bool(abs(g - cs.g_c) <= 1e-12 * max(1.0, cs.g_c))
    if s2 > 0:
        stats = ("mean_autocov_x", "N_var_cross_x", "PR_over_N_x", "mean_autocov_phi", "N_var_cross_phi",
                 "PR_over_N_phi")
        out["sigma2"] = s2
        out["kappa"] = float(cs.kappa(np.array([s2]))[0])
        out["laws_at_sigma2"] = {k: float(cs.law(k, covariance)(np.array([s2]))[0]) for k in stats}
    return out
