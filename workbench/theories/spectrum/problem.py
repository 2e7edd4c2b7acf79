"""The spectral problem of a spec's Jacobian: refusals, the derivation, the solver methods.

``SpectrumProblem(spec, setup).build_solver("auto")``: ``"dyson"`` (any populations, independent
couplings; population laws by quadrature) or ``"elliptic"`` (closed form, one population with
constant laws, any reciprocal correlation). With ``setup.fixed_point`` the Jacobian gains are
``gain_j phi'(gain_j x*_j)`` at a fixed point ``x*`` of one sampled network (empirical rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.base import Problem, Solver
from workbench.theories.spectrum.dyson import DysonSolver
from workbench.theories.spectrum.elliptic import EllipticSolver

__all__ = ["SpectrumProblem", "SpectrumSetup", "check_solvable"]


@dataclass(frozen=True)
class SpectrumSetup:
    """Settings that are not part of the model: quadrature nodes per law, fixed-point gains and their seed."""

    n_quad: int = 24
    fixed_point: bool = False
    seed: int = 0


def check_solvable(spec: ModelSpec) -> None:
    """SpecError for specs without a random-matrix ensemble (fixed J, low-rank structure)."""
    if spec.fixed_J:
        raise SpecError("J_file", "a fixed coupling matrix has no ensemble: use numpy eigenvalues of its Jacobian")
    if spec.low_rank:
        raise SpecError("low_rank", "low-rank structure is not part of the spectrum theory; remove [[low_rank]]")


class SpectrumProblem(Problem):
    """Eigenvalues of ``M = T^{-1}(-I + W G)`` for the ensemble of ``spec``."""

    name: ClassVar[str] = "spectrum"
    methods: ClassVar[dict[str, type[Solver]]] = {"dyson": DysonSolver, "elliptic": EllipticSolver}

    def __init__(self, spec: ModelSpec, setup: SpectrumSetup | None = None) -> None:
        check_solvable(spec)
        super().__init__(spec, setup or SpectrumSetup())
        self._rules: Any = None

    def _derive(self) -> Any:
        from derivations.spectrum import derive

        return derive(self.spec)

    def method_class(self, method: str = "auto") -> type[Solver]:
        """As :meth:`Problem.method_class`, preferring the closed form where it applies with eta != 0."""
        if method == "auto" and self.spec.has_eta:
            return super().method_class("elliptic")
        return super().method_class(method)

    def rules(self) -> list[Any]:
        """The population (tau, g) rules: Gauss products of the laws, or the fixed point's empirical gains."""
        if self._rules is None:
            from workbench.theories.spectrum.quadrature import rules_from_samples, rules_from_spec

            if self.setup.fixed_point:
                from workbench.theories.spectrum.sampler import fixed_point_gains

                tau, g, pop = fixed_point_gains(self.spec, self.setup.seed)
                self._rules = rules_from_samples(tau, g, pop, self.spec.n_populations)
            else:
                self._rules = rules_from_spec(self.spec, self.setup.n_quad)
        return self._rules
