"""The low-rank mean-field problem of a spec: refusals, the derivation and the solver method."""

from __future__ import annotations

from typing import Any, ClassVar

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.base import Problem, Solver
from workbench.theories.lowrank.solver import LowRankSolver

__all__ = ["LowRankProblem", "check_solvable"]


def check_solvable(spec: ModelSpec) -> None:
    """SpecError naming the parameter for a spec the low-rank mean-field theory does not describe."""
    if not spec.low_rank:
        raise SpecError("low_rank", "the spec has no [[low_rank]] terms; add at least one (or use workbench dmft)")
    if spec.n_populations != 1:
        raise SpecError("populations", f"the low-rank theory needs one population, got {spec.n_populations}")
    pop = spec.populations[0]
    for nm, law in (("gain", pop.gain), ("tau", pop.tau)):
        if law.kind != "constant":
            raise SpecError(f"populations[0].{nm}", f"must be constant for the low-rank theory, got a {law.kind} law")
    if spec.p[0][0] != 1.0:
        raise SpecError("coupling.p", f"must be 1 (dense random part) for the low-rank theory, got {spec.p[0][0]}")


class LowRankProblem(Problem):
    """Static and DMFT structured states of ``J = g X / sqrt(N) + sum_r m_r n_r^T / N``."""

    name: ClassVar[str] = "lowrank"
    methods: ClassVar[dict[str, type[Solver]]] = {"meanfield": LowRankSolver}

    def __init__(self, spec: ModelSpec, setup: Any = None) -> None:
        from derivations.lowrank import derive_cached

        check_solvable(spec)
        super().__init__(spec, setup)
        self.derivation, self.cache_info = derive_cached(spec)

    def build_solver(self, method: str = "auto", **options: Any) -> LowRankSolver:
        """The generated solver (``method``: ``"auto"`` or ``"meanfield"``)."""
        cls = self.method_class(method)
        return cls(self, **options)
