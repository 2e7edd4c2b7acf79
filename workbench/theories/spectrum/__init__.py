"""Random-matrix theory of the network's Jacobian ``M = T^{-1}(-I + W G)`` (sparse E-I, heterogeneous tau, gains).

Where things live: the derivation in ``derivations/spectrum.py``; the problem and its methods in
:mod:`.problem`; the Dyson solver in :mod:`.dyson`, the closed-form elliptic law in :mod:`.elliptic`;
quadrature of the population laws in :mod:`.quadrature`; Jacobian sampling in :mod:`.sampler`; the
comparisons in :mod:`.checks`; the report section in :mod:`.report`; ``workbench spectrum`` in
:mod:`.cli`. Notes: ``shared/theory/rmt-jacobians.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DysonSolver": "dyson",
    "EllipticSolver": "elliptic",
    "SpectrumProblem": "problem",
    "SpectrumResult": "result",
    "SpectrumSetup": "problem",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
