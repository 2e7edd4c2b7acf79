"""Exception types used across the workbench.

Every error names the offending parameter and, where it makes sense, the allowed range, so that a
user sees *what* to change, never a silent NaN.
"""

from __future__ import annotations

__all__ = ["WorkbenchError", "SpecError", "DivergenceError", "ConvergenceError"]


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
