"""Per-population laws of timescales and gains: constant, uniform, beta (on [low, high])."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import SpecError

__all__ = ["Distribution", "make_distribution"]

_KINDS = ("constant", "uniform", "beta")


@dataclass(frozen=True)
class Distribution:
    """A scalar law used for per-neuron timescales tau_i and gains.

    ``constant``: value. ``uniform``: on [low, high]. ``beta``: low + (high-low) Beta(a, b).
    """

    kind: str = "constant"
    value: float = 1.0
    low: float = 0.0
    high: float = 1.0
    a: float = 1.0
    b: float = 1.0

    def validate(self, parameter: str, positive: bool = True, zero_low: bool = False) -> None:
        """Check the parameters; ``positive`` requires the support in (0, inf), or [0, inf) for ``zero_low`` laws.

        ``zero_low`` (gains): a uniform or beta law may start at 0 (saturated units, e.g. Beta(2, 2)
        gains on [0, 1]); a constant must still be > 0.
        """
        if not isinstance(self.kind, str) or self.kind not in _KINDS:
            raise SpecError(f"{parameter}.kind", f"unknown distribution {self.kind!r}; allowed: {_KINDS}")
        vals = {"value": self.value, "low": self.low, "high": self.high, "a": self.a, "b": self.b}
        for k, v in vals.items():
            if not _is_number(v):
                raise SpecError(f"{parameter}.{k}", f"expected a number, got {type(v).__name__} {v!r}")
            if not math.isfinite(v):
                raise SpecError(f"{parameter}.{k}", f"must be finite, got {v}")
        if self.kind == "constant":
            if positive and self.value <= 0:
                raise SpecError(f"{parameter}.value", f"must be > 0, got {self.value}")
            return
        if not self.high > self.low:
            raise SpecError(f"{parameter}.high", f"must exceed low={self.low}, got {self.high}")
        if positive and (self.low < 0 if zero_low else self.low <= 0):
            raise SpecError(f"{parameter}.low", f"must be {'>=' if zero_low else '>'} 0, got {self.low}")
        if self.kind == "beta":
            for k in ("a", "b"):
                if vals[k] <= 0:
                    raise SpecError(f"{parameter}.{k}", f"Beta shape must be > 0, got {vals[k]}")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values."""
        if self.kind == "constant":
            return np.full(n, float(self.value))
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, n)
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)

    def mean(self) -> float:
        """The mean of the law."""
        if self.kind == "constant":
            return float(self.value)
        if self.kind == "uniform":
            return 0.5 * (self.low + self.high)
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def to_dict(self) -> dict[str, Any]:
        """Minimal dict that rebuilds this law."""
        if self.kind == "constant":
            return {"kind": "constant", "value": self.value}
        if self.kind == "uniform":
            return {"kind": "uniform", "low": self.low, "high": self.high}
        return {"kind": "beta", "a": self.a, "b": self.b, "low": self.low, "high": self.high}


def _is_number(value: Any) -> bool:
    """True for an int or float (numpy included) that is not a boolean."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def make_distribution(value: Any, parameter: str, positive: bool = True, zero_low: bool = False) -> Distribution:
    """Build a law from a number (constant), a dict, or a :class:`Distribution` (``zero_low``: see ``validate``)."""
    if isinstance(value, Distribution):
        dist = value
    elif isinstance(value, bool):
        raise SpecError(parameter, "expected a number or a table, got a boolean")
    elif _is_number(value):
        if isinstance(value, int) and abs(value) > 2**1023:
            raise SpecError(parameter, f"must be finite, got an integer of {value.bit_length()} bits")
        dist = Distribution("constant", value=float(value))
    elif isinstance(value, dict):
        allowed = {"kind", "value", "low", "high", "a", "b"}
        extra = set(value) - allowed
        if extra:
            raise SpecError(parameter, f"unknown keys {sorted(extra)}; allowed {sorted(allowed)}")
        for k, v in value.items():
            if k == "kind" and not isinstance(v, str):
                raise SpecError(f"{parameter}.kind", f"expected a string, got {type(v).__name__} {v!r}")
            if k != "kind" and not _is_number(v):
                raise SpecError(f"{parameter}.{k}", f"expected a number, got {type(v).__name__} {v!r}")
            if k != "kind" and isinstance(v, int) and abs(v) > 2**1023:
                raise SpecError(f"{parameter}.{k}", f"must be finite, got an integer of {v.bit_length()} bits")
        dist = Distribution(**{k: (v if k == "kind" else float(v)) for k, v in value.items()})
    else:
        raise SpecError(parameter, f"expected a number or a table, got {type(value).__name__}")
    dist.validate(parameter, positive=positive, zero_low=zero_low)
    return dist
