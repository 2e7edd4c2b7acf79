"""Low-rank structure on top of the random couplings: Mastrogiuseppe & Ostojic (Neuron 2018) mean-field theory.

Where things live: the derivation in :mod:`derivations.lowrank` (re-exported by :mod:`.derivation`); the problem (refusals) in :mod:`.problem`;
the generated solver in :mod:`.solver`; the result in :mod:`.result`; simulation checks in :mod:`.checks`;
the ``workbench lowrank`` command in :mod:`.cli`. Notes: ``shared/theory/dmft.md`` section 5.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LowRankProblem": "problem",
    "LowRankResult": "result",
    "LowRankSolver": "solver",
    "overlap_matrix": "solver",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
