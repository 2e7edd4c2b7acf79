"""Result of the dimension theory: participation ratio and covariance statistics of a random network."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COVARIANCES", "METHODS", "DimensionResult", "check_window"]

COVARIANCES = ("equal-time", "zero-frequency")
NOT_DERIVED_MEAN_CROSS = "not derived here: an asymmetric state (gains correlated with the couplings) solved without its spec"
"""Why ``N_mean_cross`` is null (:func:`workbench.theories.dimension.nonlinear.solve_nonlinear` derives it, in
symmetric states from the population mode, in asymmetric ones from :mod:`.population_asymmetric`)."""
METHODS = ("linear", "cavity")


def check_window(window: float | None, covariance: str) -> None:
    """Refuse an estimator window that is not > 0 and finite, or not at zero frequency (one-line SpecError)."""
    from workbench.errors import SpecError

    if window is not None and (covariance != "zero-frequency" or not (math.isfinite(window) and window > 0)):
        raise SpecError("window", f"a window > 0 applies to the zero-frequency covariance, got {window} with "
                        f"{covariance}")


@dataclass
class DimensionResult:
    """Large-N statistics of the N x N covariance ``C`` of the stationary activity (x, or phi(x)).

    Definitions (notes ``dmft.md`` section 6.3), for ``C`` the covariance of ``x`` (suffix ``_x``) or
    of ``phi(x)`` (suffix ``_phi``):

    - ``mean_autocov = mean_i C_ii``;
    - ``mean_cross = mean_{i != j} C_ij``: its large-N value 0; ``N_mean_cross`` is ``N mean_cross`` at leading
      order, the O(1/N) population mode of a coupling mean J0 (:mod:`derivations.dimension_population`; 0 for
      J0 = 0), NaN (null in JSON) where it is not derived (a state whose gains correlate with the couplings: relu,
      a mean activity or input with phi not odd about it; there x's is still 0 without J0);
    - ``N_var_cross = N * var_{i != j} C_ij`` (an O(1) number: cross-covariances are O(1/sqrt N));
    - ``PR_over_N = lim PR / N`` with ``PR = (tr C)^2 / tr C^2``, i.e.
      ``mean_autocov^2 / (mean_autocov^2 + var_diag + N_var_cross + N mean_cross^2)``, where
      ``var_diag = var_i C_ii`` is O(1) only with a quenched input (the cavity theory reports it in
      ``extras["var_diag_x"]`` / ``extras["var_diag_phi"]``) and vanishes at large N otherwise.

    ``covariance="equal-time"``: ``C_ij = <x_i(t) x_j(t)> - <x_i><x_j>``; ``"zero-frequency"``:
    ``C_ij = int d(lag) [<x_i(t + lag) x_j(t)> - <x_i><x_j>]`` (the long-window covariance). For
    linear networks the ``_x`` and ``_phi`` values agree. ``method`` is ``"linear"`` (exact
    free-probability trace formulas) or ``"cavity"`` (two-site cavity theory for nonlinear networks).
    """

    PR_over_N_x: float
    PR_over_N_phi: float
    mean_autocov_x: float
    N_var_cross_x: float
    mean_autocov_phi: float
    N_var_cross_phi: float
    mean_cross_x: float = 0.0
    mean_cross_phi: float = 0.0
    N_mean_cross_x: float = math.nan
    N_mean_cross_phi: float = math.nan
    covariance: str = "equal-time"
    method: str = "linear"
    params: dict[str, Any] = field(default_factory=dict)
    error_estimates: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse an unknown covariance kind or method (one-line SpecError)."""
        from workbench.errors import SpecError

        if self.covariance not in COVARIANCES:
            raise SpecError("covariance", f"one of {', '.join(COVARIANCES)}, got {self.covariance!r}")
        if self.method not in METHODS:
            raise SpecError("method", f"one of {', '.join(METHODS)}, got {self.method!r}")

    def summary(self) -> dict[str, Any]:
        """Strict-JSON-ready dict: the statistics, covariance, method, params, error estimates and extras."""
        from workbench.io import finite_or_null

        out: dict[str, Any] = {
            "PR_over_N_x": float(self.PR_over_N_x),
            "PR_over_N_phi": float(self.PR_over_N_phi),
            "mean_autocov_x": float(self.mean_autocov_x),
            "N_var_cross_x": float(self.N_var_cross_x),
            "mean_cross_x": float(self.mean_cross_x),
            "N_mean_cross_x": float(self.N_mean_cross_x),
            "mean_autocov_phi": float(self.mean_autocov_phi),
            "N_var_cross_phi": float(self.N_var_cross_phi),
            "mean_cross_phi": float(self.mean_cross_phi),
            "N_mean_cross_phi": float(self.N_mean_cross_phi),
            "covariance": self.covariance,
            "method": self.method,
            "params": dict(self.params),
            "error_estimates": dict(self.error_estimates),
            "extras": dict(self.extras),
        }
        for which in ("x", "phi"):
            if math.isnan(getattr(self, f"N_mean_cross_{which}")):
                out[f"N_mean_cross_{which}_reason"] = NOT_DERIVED_MEAN_CROSS
        return finite_or_null(out)
