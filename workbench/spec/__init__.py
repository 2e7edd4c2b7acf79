"""Model specification: one validated object for the symbolic layer and the simulator."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from workbench.errors import SpecError
from workbench.spec.distributions import Distribution, make_distribution
from workbench.spec.model import InitialCondition, ModelSpec, Noise, Population
from workbench.spec.nonlinearity import NAMED, Nonlinearity, X, make_nonlinearity

__all__ = [
    "Distribution",
    "InitialCondition",
    "ModelSpec",
    "NAMED",
    "Noise",
    "Nonlinearity",
    "Population",
    "X",
    "load_spec",
    "make_distribution",
    "make_nonlinearity",
    "preset",
    "preset_names",
]


def preset_names() -> list[str]:
    """Names of the bundled presets."""
    return sorted(p.name[:-5] for p in resources.files("workbench.spec.presets").iterdir() if p.name.endswith(".toml"))


def preset(name: str) -> ModelSpec:
    """Load a bundled preset by name (see :func:`preset_names`)."""
    if name not in preset_names():
        raise SpecError("preset", f"unknown preset {name!r}; available: {preset_names()}")
    path = resources.files("workbench.spec.presets").joinpath(f"{name}.toml")
    with resources.as_file(path) as p:
        return ModelSpec.from_toml(p)


def load_spec(spec: str | Path | ModelSpec | None) -> ModelSpec:
    """A spec from a TOML path, a preset name, an existing spec, or None (default model)."""
    if spec is None:
        return ModelSpec()
    if isinstance(spec, ModelSpec):
        return spec
    s = str(spec)
    if s.endswith(".toml") or Path(s).is_file() or (Path(s).is_dir() and s not in preset_names()):
        # (a directory is refused by from_toml with a message naming the spec)
        return ModelSpec.from_toml(s)
    return preset(s)
