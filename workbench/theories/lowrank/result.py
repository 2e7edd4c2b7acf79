"""Result of the low-rank mean-field theory: the structured states found and the connectivity outliers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LowRankResult", "StructuredState"]


@dataclass
class StructuredState:
    """One self-consistent state.

    Attributes
    ----------
    branch : str
        ``"static"`` (fixed-point equations) or ``"dmft"`` (stationary DMFT with the low-rank mean;
        its ``regime`` says static or chaotic).
    regime : str
        ``"static"``, ``"static-unstable"``, ``"chaotic"`` or ``"fluctuating"``.
    kappa : list of float
        Collective variables ``kappa_r = <n_r phi(x)>``.
    mu, Delta0 : float
        Population mean and variance of x.
    Delta_inf : float
        Static part of the autocovariance (equal to Delta0 in a static state).
    mean_phi, mean_phi_prime : float
    bulk_radius : float
        ``g sqrt(<phi'^2>)``: radius of the random bulk of the stability matrix (static states: < 1 to be stable).
    map_eigenvalues : list of float
        Eigenvalues of the derivative of the kappa map (Delta0 and mu slaved); one crosses 1 where the outlier of the
        stability matrix crosses zero (pitchfork / fold), so a static state needs all of them < 1.
    stable : bool or None
    outliers : list of float or complex
        Static states: outliers of the stability matrix ``J diag(phi'(x))`` outside the bulk (exact, cavity
        method; all real parts < 1 for a stable state). Empty for DMFT states.
    """

    branch: str
    regime: str
    kappa: list[float]
    mu: float
    Delta0: float
    Delta_inf: float
    mean_phi: float
    mean_phi_prime: float
    bulk_radius: float
    map_eigenvalues: list[float] = field(default_factory=list)
    stable: bool | None = None
    outliers: list[Any] = field(default_factory=list)


@dataclass
class LowRankResult:
    """The structured states of a low-rank spec and the outliers of its connectivity.

    Attributes
    ----------
    states : list of StructuredState
    outliers : list of float or complex
        Eigenvalues of the overlap matrix ``O_rs = <n_r m_s>`` (the outliers of J when outside the bulk radius g).
    overlap : list of list of float
    g : float
    params : dict
    info : dict
    """

    states: list[StructuredState]
    outliers: list[Any]
    overlap: list[list[float]]
    g: float
    params: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def bistable(self) -> bool:
        """Two or more stable states (static-stable or chaotic)."""
        return sum(1 for s in self.states if s.stable) >= 2

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (complex outliers as [re, im])."""
        outl = _real_pairs(self.outliers)
        return {
            "states": [{**asdict(s), "outliers": _real_pairs(s.outliers)} for s in self.states],
            "outliers": outl,
            "overlap": self.overlap,
            "bulk_radius_J": self.g,
            "bistable": self.bistable,
            "params": self.params,
            "method": self.info.get("method", ""),
        }

    def summary(self) -> dict[str, Any]:
        """What ``workbench lowrank --json`` prints (strict JSON)."""
        from workbench.io import finite_or_null

        return finite_or_null(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the result as strict JSON; the path written."""
        from workbench.io import atomic_path, strict_dumps

        path = Path(path)
        with atomic_path(path, suffix=".json") as tmp:
            Path(tmp).write_text(strict_dumps(self.to_dict(arrays=True)) + "\n", encoding="utf-8")
        return path


def _real_pairs(values: list[Any]) -> list[Any]:
    """Complex entries as ``[re, im]`` (JSON), real ones unchanged."""
    return [[v.real, v.imag] if isinstance(v, complex) else v for v in values]
