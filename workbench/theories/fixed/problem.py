"""The fixed-J problem: a coupling matrix plus (phi, sigma2, gains), and its one solver method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from workbench.theories.base import Problem, Solver
from workbench.theories.fixed.result import FixedResult

__all__ = ["FixedProblem", "FixedSetup", "FixedSolver"]


@dataclass(frozen=True)
class FixedSetup:
    """Settings beside J: the nonlinearity, white-noise variance, gain mode, time constant, equal-time or not."""

    phi: str = "tanh"
    sigma2: float = 0.0
    gains: str = "per-neuron"
    tau: float = 1.0
    equal_time: bool = True


class FixedSolver(Solver):
    """Linear-equivalent theory at fixed J: one LU solve (w = 0) and one eigendecomposition (equal time)."""

    method: ClassVar[str] = "linear-equivalent"
    description: ClassVar[str] = "R = [(1 + i w) I - J D]^-1, covariances from DMFT noise spectra (derivations/fixed.py)"

    def __init__(self, problem: FixedProblem, **options: Any) -> None:
        self.problem = problem
        self.options = options

    def solve(self, spec: Any = None, **options: Any) -> FixedResult:
        """Predict the statistics of the problem's J (``spec`` is unused: J is the problem)."""
        from workbench.theories.fixed.prediction import predict

        s = self.problem.setup or FixedSetup()
        return predict(self.problem.J, s.phi, s.sigma2, s.gains, tau=s.tau, equal_time=s.equal_time)


class FixedProblem(Problem):
    """One network J (``spec`` may be the ModelSpec J was drawn from, or None) and its :class:`FixedSetup`."""

    name: ClassVar[str] = "fixed"
    methods: ClassVar[dict[str, type[Solver]]] = {"linear-equivalent": FixedSolver}

    def __init__(self, spec: Any = None, setup: FixedSetup | None = None, J: np.ndarray | None = None) -> None:
        super().__init__(spec, setup or FixedSetup())
        self.J = J

    def _derive(self) -> Any:
        """The fixed-J derivation (independent of the spec)."""
        from derivations.fixed import derive

        return derive(self.spec)
