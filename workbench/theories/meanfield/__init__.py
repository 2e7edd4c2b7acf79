"""Transient mean-field theory of the Faugeras-Tanré network: the fixed point on (m(t), K(t, s)).

Solvers (see :func:`solve` and the notes ``shared/theory/meanfield-transient.md``):

* :func:`solve_closure` - deterministic Gaussian closure (exact for affine g and Gaussian or
  point-mass mu0): the reference; fast (generated numba kernels, Mehler quadrature).
* :func:`solve_march` - single-pass causal particle time-marching (any g, any f): no iteration
  error, Monte Carlo error O(1/sqrt(M)).
* :func:`solve_picard` - the Faugeras-Tanré Picard fixed-point map with Monte Carlo paths
  (innovation/Volterra or physics sampler), keeping the iteration history.
* :func:`picard_closure` - the same Picard map evaluated exactly (closure), for convergence plots.

Which to use when: the closure whenever g is affine and mu0 is Gaussian/point (deterministic,
fastest, most accurate); the march for a nonlinear g or to get sample paths; Picard to reproduce
the FT iteration and its convergence rate (it costs one particle pass per iteration).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.theories.meanfield.problem import TransientProblem
    from workbench.theories.meanfield.result import MeanFieldResult

_EXPORTS = {
    "MeanFieldProblem": "methods",
    "MeanFieldSetup": "methods",
    "InitialLaw": "problem",
    "MeanFieldResult": "result",
    "TransientProblem": "problem",
    "closure_map": "closure",
    "make_drift": "problem",
    "parse_mu0": "problem",
    "picard_closure": "closure",
    "solve_closure": "closure",
    "solve_march": "particles",
    "solve_picard": "particles",
}

__all__ = sorted([*_EXPORTS, "METHODS", "solve"])


def __getattr__(name: str) -> Any:
    """Import the exported names on first use (``workbench meanfield --help`` compiles no kernel)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


METHODS = ("closure", "march", "picard")


def solve(problem: TransientProblem, method: str = "closure", **kwargs) -> MeanFieldResult:
    """Solve the transient mean-field problem with ``method`` in :data:`METHODS`.

    Keyword arguments go to :func:`solve_closure`, :func:`solve_march` or :func:`solve_picard`.
    """
    from workbench.errors import SpecError
    from workbench.theories.meanfield.closure import solve_closure
    from workbench.theories.meanfield.particles import solve_march, solve_picard

    if method == "closure":
        return solve_closure(problem, **kwargs)
    if method == "march":
        return solve_march(problem, **kwargs)
    if method == "picard":
        return solve_picard(problem, **kwargs)
    raise SpecError("method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
