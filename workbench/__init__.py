"""Random-network theory workbench.

Layout: :mod:`workbench.spec` (model specification), :mod:`workbench.sim` (reference simulator
and estimators), :mod:`workbench.symbolic` (actions, functional calculus, Gaussian averages),
:mod:`workbench.codegen` (generated kernels and their disk cache), :mod:`workbench.solvers`
(drivers for generated solvers), :mod:`workbench.report` (LaTeX reports), :mod:`workbench.cli`.
"""

from workbench.errors import ConvergenceError, DivergenceError, SpecError, WorkbenchError
from workbench.spec import ModelSpec, load_spec, preset

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "DivergenceError",
    "ModelSpec",
    "SpecError",
    "WorkbenchError",
    "__version__",
    "load_spec",
    "preset",
]
