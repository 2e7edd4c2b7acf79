"""Dimension of random-network activity: participation ratio and cross-covariance statistics (issue 14).

Where things live: the linear derivation in ``derivations/dimension.py`` (SymPy, free-probability trace
formulas); :mod:`.result` (``DimensionResult``); :mod:`.problem` (refusals); :mod:`.linear`
(``solve_linear``, generated from the derivation); :mod:`.nonlinear` (``solve_nonlinear``, two-site
cavity theory); :mod:`.checks` (against simulation); :mod:`.cli` (``workbench dimension``); the 1/N terms in
:mod:`.finite_size` (linear), :mod:`.finite_size_nonlinear` and :mod:`.unit_perturbations` (the nonlinear mean
autocovariance), :mod:`.finite_size_checks` (their simulated check) and :mod:`.closure` (the self-consistent-gain
closure of the nonlinear cross statistics' 1/N rest).
Notes: ``shared/theory/dmft.md`` section 6, ``fixed-connectivity-and-dimension.md`` sections 3, 4, 6.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DimensionResult": "result",
    "DimensionProblem": "problem",
    "solve_linear": "linear",
    "solve_nonlinear": "nonlinear",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
