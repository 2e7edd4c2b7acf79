"""Exception types used across the workbench, one class per kind of failure.

Every error names the offending parameter and, where it makes sense, the allowed range, so that a
user sees *what* to change, never a silent NaN. All are :class:`WorkbenchError` (the CLI prints
them as one line and exits with status 2):

* :class:`SpecError` - bad input: a model spec, a command-line option, a parameter;
* :class:`CodegenError` - expressions that cannot become generated code (a SpecError naming the
  argument of ``compile_system``);
* :class:`ConvergenceError` - an iterative solver did not converge;
* :class:`DivergenceError` - a simulation left the finite numbers;
* :class:`WorkbenchIOError` (and :class:`StoreError`) - files, caches and the run store.
"""

from __future__ import annotations

__all__ = [
    "CodegenError",
    "ConvergenceError",
    "DivergenceError",
    "SpecError",
    "StoreError",
    "WorkbenchError",
    "WorkbenchIOError",
]


class WorkbenchError(Exception):
    """Base class of all workbench errors."""


class SpecError(WorkbenchError, ValueError):
    """An invalid model specification or command-line parameter.

    Parameters
    ----------
    parameter : str
        Dotted name of the offending parameter (e.g. ``"populations[0].fraction"``).
    message : str
        What is wrong and what range is allowed.
    """

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


class DivergenceError(WorkbenchError, FloatingPointError):
    """A simulation produced a non-finite state (the dynamics diverged)."""


class ConvergenceError(WorkbenchError, RuntimeError):
    """An iterative solver did not converge; the message names the parameters."""


class CodegenError(SpecError):
    """Expressions that cannot be turned into code (free symbols, untranslatable functions, complex values)."""


class WorkbenchIOError(WorkbenchError, OSError):
    """A file, cache or output the workbench cannot read or write as asked."""


class StoreError(WorkbenchIOError):
    """A run-store entry that cannot be written (e.g. arrays that are not numbers)."""
