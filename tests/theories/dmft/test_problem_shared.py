"""The process-wide compiled DMFT solvers (:func:`workbench.theories.dmft.problem.shared_solver`)."""

from __future__ import annotations

import pytest

from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.theories.dmft.problem import DMFTProblem, shared_solver


def test_one_solver_per_structure_solves_each_spec_as_a_fresh_build() -> None:
    a, b = ModelSpec.simple(g=1.5, sigma2=0.3), ModelSpec.simple(g=2.0, sigma2=0.3)
    solver = shared_solver(a)
    assert shared_solver(b) is solver  # same structure: built once
    assert shared_solver(ModelSpec.simple(g=2.0, phi="erf", sigma2=0.3)) is not solver
    fresh = DMFTProblem(b).build_solver().solve(b, lyapunov=False)
    shared = solver.solve(b, lyapunov=False)
    assert shared.Delta0 == pytest.approx(fresh.Delta0, rel=1e-12)
    assert shared.mean_phi_prime == pytest.approx(fresh.mean_phi_prime, rel=1e-12)


def test_each_spec_is_validated_although_the_solver_is_shared() -> None:
    shared_solver(ModelSpec.simple(g=1.0, phi="relu", sigma2=0.3))
    with pytest.raises(SpecError, match="g"):
        shared_solver(ModelSpec.simple(g=3.0, phi="relu", sigma2=0.3))  # grows without bound (g >= sqrt 2)
