"""Re-export of :mod:`derivations.lowrank` (the derivation lives there, in the shape of the other theories)."""

from __future__ import annotations

from derivations.lowrank import (
    LowRankDerivation,
    covariance_matrix,
    derive,
    derive_cached,
    parameter_values,
    stein_average,
)

__all__ = ["LowRankDerivation", "covariance_matrix", "derive", "derive_cached", "parameter_values", "stein_average"]
