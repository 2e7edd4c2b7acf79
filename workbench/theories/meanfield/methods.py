"""The transient mean field in the common theory shape: :class:`MeanFieldProblem` and its solver methods.

``MeanFieldProblem(spec, MeanFieldSetup(T, dt, drift)).build_solver("auto").solve()`` ->
:class:`~workbench.theories.meanfield.result.MeanFieldResult`. The methods, in order: ``closure``
(deterministic Gaussian closure; needs an affine drift), ``march`` (particle time-marching, any
drift) and ``picard`` (the Faugeras-Tanré Monte Carlo fixed-point iteration). The numerics are
those of :mod:`.closure` and :mod:`.particles`; the spec maps onto the FT network by
:meth:`TransientProblem.from_spec <workbench.theories.meanfield.problem.TransientProblem.from_spec>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from workbench.theories.base import Problem, Solver
from workbench.theories.meanfield.problem import TransientProblem
from workbench.theories.meanfield.result import MeanFieldResult

__all__ = ["ClosureSolver", "MarchSolver", "MeanFieldProblem", "MeanFieldSetup", "PicardSolver"]


@dataclass(frozen=True)
class MeanFieldSetup:
    """What the transient theory needs beyond the model spec: the horizon, the step and the drift g(x)."""

    T: float = 10.0
    dt: float = 0.01
    drift: Any = None
    lam: float | None = None
    """The noise amplitude exactly as given (the deprecated ``--lam``), used when ``lam**2`` is the spec's sigma2."""


class _TransientSolver(Solver):
    """A method solving the transient problem of a :class:`MeanFieldProblem` with fixed options."""

    def __init__(self, problem: MeanFieldProblem, **options: Any) -> None:
        self.problem = problem
        self.options = options

    def transient(self, spec: Any = None) -> TransientProblem:
        """The FT problem of ``spec`` (default: the problem's) with the problem's setup."""
        return self.problem.transient if spec is None else self.problem.transient_of(spec)

    def solve(self, spec: Any = None, **options: Any) -> MeanFieldResult:
        """Solve at ``spec`` (default the problem's) with the build options updated by ``options``."""
        return self._run(self.transient(spec), **{**self.options, **options})

    def _run(self, problem: TransientProblem, **options: Any) -> MeanFieldResult:
        raise NotImplementedError

    def _kernels(self) -> dict[str, Any]:
        """The method's generated kernels beyond f (closure updates or particle field statistics)."""
        raise NotImplementedError

    @property
    def generated(self) -> list[Any]:
        """The compiled kernels this method runs: ``f`` (``mf_f``) and the derived updates, inspectable."""
        from workbench.theories.meanfield import kernels

        return [kernels.generated_f(self.problem.transient.f), *self._kernels().values()]


class ClosureSolver(_TransientSolver):
    """Deterministic Gaussian closure (:func:`~workbench.theories.meanfield.closure.solve_closure`)."""

    method: ClassVar[str] = "closure"
    description: ClassVar[str] = "Gaussian closure (deterministic, exact for affine g): the reference"
    requires: ClassVar[str] = "an affine drift g(x) = alpha x + beta"

    @classmethod
    def can_solve(cls, problem: Any) -> bool:
        """Whether the drift is affine (the closure is exact only then)."""
        return problem.transient.affine is not None

    def _run(self, problem: TransientProblem, **options: Any) -> MeanFieldResult:
        from workbench.theories.meanfield.closure import solve_closure

        return solve_closure(problem, **options)

    def _kernels(self) -> dict[str, Any]:
        """The generated closure updates ``mean``, ``D``, ``cov``, ``var``."""
        from workbench.theories.meanfield.kernels import generated_closure_step

        return generated_closure_step()


class _ParticleSolver(_TransientSolver):
    """A particle method: the step map of the drift and the field statistics (compiled for ``backend``)."""

    backend: ClassVar[str] = "numba"

    def _kernels(self) -> dict[str, Any]:
        """The generated step map ``A(x, dt)`` and field statistics ``drift``, ``innovation``."""
        from workbench.theories.meanfield.kernels import generated_particle_statistics, generated_step

        step = generated_step(self.problem.transient.step["A_expr"])
        return {"step": step, **generated_particle_statistics(self.backend)}


class MarchSolver(_ParticleSolver):
    """Single-pass particle time-marching (:func:`~workbench.theories.meanfield.particles.solve_march`)."""

    method: ClassVar[str] = "march"
    description: ClassVar[str] = "particle time-marching (any g, Monte Carlo error 1/sqrt(paths))"

    def _run(self, problem: TransientProblem, **options: Any) -> MeanFieldResult:
        from workbench.theories.meanfield.particles import solve_march

        return solve_march(problem, **options)


class PicardSolver(_ParticleSolver):
    """The FT Picard iteration with Monte Carlo paths (:func:`~workbench.theories.meanfield.particles.solve_picard`)."""

    method: ClassVar[str] = "picard"
    description: ClassVar[str] = "Faugeras-Tanre Picard iteration (Monte Carlo paths, iteration history)"
    backend: ClassVar[str] = "numpy"  # the field statistics act on whole (n, n) matrices per iteration

    def _run(self, problem: TransientProblem, **options: Any) -> MeanFieldResult:
        from workbench.theories.meanfield.particles import solve_picard

        return solve_picard(problem, **options)


class MeanFieldProblem(Problem):
    """The transient mean field of a one-population spec (J0, g, phi, sigma2, init law) with a setup."""

    name: ClassVar[str] = "meanfield"
    methods: ClassVar[dict[str, type[Solver]]] = {
        "closure": ClosureSolver,
        "march": MarchSolver,
        "picard": PicardSolver,
    }

    def __init__(self, spec: Any, setup: MeanFieldSetup | None = None) -> None:
        super().__init__(spec, setup or MeanFieldSetup())
        self.transient = self.transient_of(spec)

    def transient_of(self, spec: Any) -> TransientProblem:
        """The FT problem of ``spec`` with this problem's setup (SpecError for a spec outside the FT model)."""
        s = self.setup
        problem = TransientProblem.from_spec(spec, T=s.T, dt=s.dt, drift=s.drift)
        if s.lam is not None and s.lam**2 == spec.noise.sigma2:  # keep the amplitude bit for bit
            problem = problem.replace(lam=s.lam)
        return problem

    def _derive(self) -> Any:
        from derivations.meanfield_transient import derive

        return derive(self.transient)
