"""Both theories' derivations have one shape: the kept stage objects by name, and LaTeX from steps."""

from __future__ import annotations

import derivations.dmft as dmft
import derivations.meanfield_transient as meanfield
from workbench.spec import ModelSpec
from workbench.symbolic.action import CollectiveAction, NetworkAction, SaddlePoint
from workbench.symbolic.derivation import StagedDerivation

SHARED = ("action", "averaged", "collective", "saddle")
"""The stages every theory derived from the MSRDJ action goes through, in this order."""


def _check(der: StagedDerivation) -> None:
    assert isinstance(der, StagedDerivation)
    names = tuple(der.stages)
    assert names == type(der).STAGES and names[: len(SHARED)] == SHARED
    assert all(obj is not None for obj in der.stages.values())
    assert isinstance(der.stages["action"], NetworkAction) and isinstance(der.stages["averaged"], NetworkAction)
    assert isinstance(der.stages["collective"], CollectiveAction) and isinstance(der.stages["saddle"], SaddlePoint)
    text = der.latex()
    assert text.count(r"\begin{align*}") == len(der.steps) >= len(SHARED)


def test_dmft_derivation_shape() -> None:
    _check(dmft.derive(ModelSpec.simple(g=2.0, sigma2=0.5)))


def test_meanfield_derivation_shape() -> None:
    _check(meanfield.derive())
