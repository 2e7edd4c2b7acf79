"""Numerical failures inside a solve become one-line :class:`~workbench.errors.ConvergenceError`s."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from workbench.errors import ConvergenceError, WorkbenchError

__all__ = ["NUMERICAL_FAILURES", "ActivityRunaway", "numerical_failure_is_convergence_error"]

NUMERICAL_FAILURES = (FloatingPointError, ZeroDivisionError, OverflowError, ValueError, np.linalg.LinAlgError)
"""What a solver raises when its parameters have no (reachable) stationary solution."""

_F = TypeVar("_F", bound=Callable[..., Any])


class ActivityRunaway(FloatingPointError):
    """A Gaussian's mean or variance became non-finite inside a solve: the iterated activity ran away (exp(x) or
    x**3 at a large variance), so no stationary state was reached from there."""


def numerical_failure_is_convergence_error(what: str) -> Callable[[_F], _F]:
    """Decorate a solver's ``solve(self, spec, **kw)``: a numerical failure (negative variance, overflow,
    singular matrix) becomes a one-line ConvergenceError naming ``what`` and the parameters;
    WorkbenchErrors pass unchanged. The solver provides ``param_values``, ``problem`` and ``_pstr``."""

    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: Any, spec: Any = None, **kwargs: Any) -> Any:
            try:  # overflow ends as a non-finite value caught below, not as a warning on stderr
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    return method(self, spec, **kwargs)
            except NUMERICAL_FAILURES as exc:
                if isinstance(exc, WorkbenchError):
                    raise
                pv = self.param_values(self.problem.check_structure(spec))
                msg = " ".join(str(exc).split())[:160] or type(exc).__name__
                hint = "; lower --g, --J0, --input-mean or --sigma2" if isinstance(exc, ActivityRunaway) else ""
                raise ConvergenceError(
                    f"the {what} failed numerically ({msg}) for {self._pstr(pv)}: these parameters may have no "
                    f"stationary solution{hint}"
                ) from exc

        return wrapper  # type: ignore[return-value]

    return decorate
