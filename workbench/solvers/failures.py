"""Numerical failures inside a solve become one-line :class:`~workbench.errors.ConvergenceError`s."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from workbench.errors import ConvergenceError, WorkbenchError

__all__ = ["NUMERICAL_FAILURES", "numerical_failure_is_convergence_error"]

NUMERICAL_FAILURES = (FloatingPointError, ZeroDivisionError, OverflowError, ValueError, np.linalg.LinAlgError)
"""What a solver raises when its parameters have no (reachable) stationary solution."""

_F = TypeVar("_F", bound=Callable[..., Any])


def numerical_failure_is_convergence_error(what: str) -> Callable[[_F], _F]:
    """Decorate a solver's ``solve(self, spec, **kw)``: a numerical failure (negative variance, overflow,
    singular matrix) becomes a one-line ConvergenceError naming ``what`` and the parameters;
    WorkbenchErrors pass unchanged. The solver provides ``param_values``, ``problem`` and ``_pstr``."""

    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: Any, spec: Any = None, **kwargs: Any) -> Any:
            try:
                return method(self, spec, **kwargs)
            except NUMERICAL_FAILURES as exc:
                if isinstance(exc, WorkbenchError):
                    raise
                pv = self.param_values(self.problem.check_structure(spec))
                msg = " ".join(str(exc).split())[:160] or type(exc).__name__
                raise ConvergenceError(
                    f"the {what} failed numerically ({msg}) for {self._pstr(pv)}: these parameters may have no "
                    "stationary solution"
                ) from exc

        return wrapper  # type: ignore[return-value]

    return decorate
