"""Fixed-connectivity theory: leading-order statistics of ONE given network J (Wakhloo 2026, Clark 2026).

Where things live: the derivation in ``derivations/fixed.py`` (action at fixed J, linearisation,
mode response and mode-pair kernels); per-neuron single-site statistics in :mod:`.gains`; the
numerics in :mod:`.solver` (kernels lambdified in :mod:`.kernels`); :func:`predict` in
:mod:`.prediction`; the result in :mod:`.result`; Shen-Hu / HS law in :mod:`.shenhu`; the problem in
:mod:`.problem`; ``workbench fixed`` in :mod:`.cli`. Notes:
``shared/theory/fixed-connectivity-and-dimension.md`` sections 1, 2, 5, 6.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"FixedProblem": "problem", "FixedResult": "result", "predict": "prediction", "FixedSolver": "problem"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use (``workbench fixed --help`` imports no solver)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
