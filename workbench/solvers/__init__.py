"""Generated-solver drivers: stationary DMFT (root finding, damped iteration, Schroedinger problem)."""

from workbench.solvers.dmft import DMFTProblem, DMFTResult, DMFTSolver
from workbench.solvers.quadrature import LoweredSystem, gauss_hermite

__all__ = ["DMFTProblem", "DMFTResult", "DMFTSolver", "LoweredSystem", "gauss_hermite"]
