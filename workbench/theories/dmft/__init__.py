"""Stationary dynamic mean-field theory (DMFT) of the rate network.

Where things live: the derivation in ``derivations/dmft.py``; the problem (refusals, method
registry) in :mod:`.problem`; the energy-integral solver in :mod:`.energy`, the lag-grid solver
in :mod:`.lag`; the result in :mod:`.result`; reference values of the notes in :mod:`.references`;
the report section in :mod:`.report`; the ``workbench dmft`` command in :mod:`.cli`. Notes:
``shared/theory/dmft.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DMFTProblem": "problem",
    "DMFTResult": "result",
    "DMFTSolver": "energy",
    "LagDMFTResult": "lag",
    "LagDMFTSolver": "lag",
    "chaos_transition": "energy",
    "check_solvable": "problem",
    "local_instability": "energy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use (``workbench dmft --help`` imports no solver)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
