"""Shared numerics of the generated solvers: Gauss-Hermite lowering of averages, failure mapping.

The theories' own solvers live in :mod:`workbench.theories` (e.g. ``workbench.theories.dmft``).
"""

from workbench.solvers.quadrature import LoweredSystem, gauss_hermite

__all__ = ["LoweredSystem", "gauss_hermite"]
