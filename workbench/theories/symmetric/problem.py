"""The transient DMFT problem with reciprocal correlations: model parameters, grid, derived coefficients.

One population, ``tau dx = (-x + sum_j J_ij phi(x_j) + I_0 + sigma_I z) dt + sqrt(sigma2) dW`` with
``corr(J_ij, J_ji) = eta``. Its N -> infinity single-site process (:mod:`.derivation`)::

    tau dx = (-x + xi(t) + I_0 + J_0 m(t) + eta g^2 int_0^t R(t, s) phi(x(s)) ds) dt + sqrt(sigma2) dW,
    <xi(t) xi(s)> = g^2 C_phi(t, s) + sigma_I^2,   m = <phi>,   C_phi = <phi phi>,
    R(t, s) = delta <phi(x(t))> / delta h(s)   (h added to the drive, like the recurrent input).

Discretised exactly like the simulator's exponential Euler (drive frozen on ``[t_k, t_{k+1})``), so
the discrete theory is the N -> infinity limit of the simulated network at the same ``dt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.base import Problem, Solver

__all__ = ["SymmetricSetup", "SymmetricProblem", "MarchSolver"]


@dataclass(frozen=True)
class SymmetricSetup:
    """The horizon ``T`` and step ``dt`` of the transient (T a multiple of dt)."""

    T: float = 5.0
    dt: float = 0.1

    def __post_init__(self) -> None:
        for nm in ("T", "dt"):
            v = getattr(self, nm)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise SpecError(nm, f"must be a finite number > 0, got {v!r}")
        if self.dt > self.T:
            raise SpecError("dt", f"must be <= T={self.T:g}, got {self.dt:g}")
        n = self.T / self.dt
        if abs(n - round(n)) > 1e-9 * max(n, 1):
            raise SpecError("T", f"must be a multiple of dt={self.dt:g}, got T={self.T:g}")

    @property
    def n(self) -> int:
        """Number of steps."""
        return int(round(self.T / self.dt))


def _check_spec(spec: ModelSpec) -> None:
    """SpecError for what the single-site process does not cover (one population, constant tau and gain 1...)."""
    if not isinstance(spec, ModelSpec):
        raise SpecError("spec", f"expected a ModelSpec, got {type(spec).__name__}")
    if spec.fixed_J:
        raise SpecError("J_file", "the symmetric DMFT averages over random couplings; drop J_file")
    if spec.n_populations != 1:
        raise SpecError("populations", "the symmetric DMFT is implemented for one population (eta is then a scalar)")
    if spec.p[0][0] != 1.0:
        raise SpecError("p", "the symmetric DMFT needs dense couplings (p = 1)")
    if getattr(spec, "low_rank", ()):
        raise SpecError("low_rank", "the symmetric DMFT has no low-rank structure; drop [[low_rank]]")
    pop = spec.populations[0]
    if pop.tau.kind != "constant" or pop.gain.kind != "constant" or pop.gain.mean() != 1.0:
        raise SpecError("tau", "the symmetric DMFT needs a constant tau and gain 1 (heterogeneity is not modelled)")
    dynamics = getattr(spec, "dynamics", None)
    if dynamics is not None and dynamics.kind != "flow":
        raise SpecError("dynamics.kind", "the symmetric DMFT is for the flow; the map/delta-step family is not modelled")
    if spec.noise.kind == "ou":
        raise SpecError("noise.kind", "the symmetric DMFT has white noise or none; OU noise is not modelled")


class MarchSolver(Solver):
    """Single-pass sampling (Monte-Carlo) DMFT: M particles carry their own tangents for R(t, s)."""

    method: ClassVar[str] = "march"
    description: ClassVar[str] = "causal particle time-marching with per-particle response tangents"

    def __init__(self, problem: SymmetricProblem, **options: Any) -> None:
        self.problem = problem
        self.options = options

    @classmethod
    def can_solve(cls, problem: Any) -> bool:
        """Any phi, any eta in [-1, 1]."""
        return True

    def solve(self, spec: Any = None, **options: Any) -> Any:
        """Solve at ``spec`` (default the problem's) with the build options updated by ``options``."""
        from workbench.theories.symmetric.solver import solve_march

        problem = self.problem if spec is None else SymmetricProblem(spec, self.problem.setup)
        return solve_march(problem, **{**self.options, **options})


class SymmetricProblem(Problem):
    """Transient DMFT of a one-population spec with reciprocal correlation ``eta`` on ``[0, T]``."""

    name: ClassVar[str] = "symmetric"
    methods: ClassVar[dict[str, type[Solver]]] = {"march": MarchSolver}

    def __init__(self, spec: ModelSpec, setup: SymmetricSetup | None = None) -> None:
        _check_spec(spec)
        super().__init__(spec, setup or SymmetricSetup())

    def _derive(self) -> Any:
        from workbench.theories.symmetric.derivation import derive

        return derive()

    @property
    def g(self) -> float:
        """Coupling std scale."""
        return float(self.spec.g[0][0])

    @property
    def eta(self) -> float:
        """Reciprocal correlation corr(J_ij, J_ji)."""
        return float(self.spec.eta[0][0])

    @property
    def tau(self) -> float:
        """Neuron timescale."""
        return float(self.spec.populations[0].tau.mean())

    @property
    def t(self) -> np.ndarray:
        """Time grid ``t_k = k dt``, k = 0..n."""
        return np.arange(self.setup.n + 1) * self.setup.dt

    def coefficients(self) -> dict[str, float]:
        """Derived numbers: field variance ``c_var`` (g^2), memory ``c_mem`` (eta g^2), step ``a, b, v``."""
        return self.derivation.numbers(self.g, self.eta, self.setup.dt, self.tau, self.spec.noise.sigma2)

    def summary(self) -> str:
        """One line: the model and the grid."""
        return f"{self.spec.summary()}, eta={self.eta:g}, T={self.setup.T:g}, dt={self.setup.dt:g}"
