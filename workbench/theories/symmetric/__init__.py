"""Transient DMFT with partially symmetric couplings, eta = corr(J_ij, J_ji) (Sompolinsky-Crisanti-Sommers;
Marti, Brunel & Ostojic PRE 2018): ``Delta(t, s)``, ``C_phi(t, s)`` and the response ``R(t, s)``.

Public API (what the elliptic-law RMT and reciprocal-motif correlation theories reuse)::

    from workbench.theories.symmetric import SymmetricProblem, SymmetricSetup, solve_march
    res = solve_march(SymmetricProblem(spec, SymmetricSetup(T=5, dt=0.1)), paths=2000, seed=0)
    res.response("phi")   # R(t_k, t_l) = d<phi(x(t_k))>/dh(t_l), per unit time, causal
    res.response("x")     # d<x(t_k)>/dh(t_l)

Modules: :mod:`.derivation` (SymPy: disorder average of a reciprocal pair, saddle, step
coefficients), :mod:`.problem`, :mod:`.solver` (sampling DMFT with per-particle response tangents),
:mod:`.result`, :mod:`.analytic` (linear closed forms from the elliptic law), :mod:`.checks`
(against the simulated network), :mod:`.cli` (``workbench symmetric``).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SymmetricProblem": "problem",
    "SymmetricSetup": "problem",
    "SymmetricResult": "result",
    "solve_march": "solver",
    "linear_response_continuous": "analytic",
    "linear_response_discrete": "analytic",
    "derive": "derivation",
}

__all__ = sorted([*_EXPORTS, "METHODS"])

METHODS = ("march",)


def __getattr__(name: str) -> Any:
    """Import the exported names on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
