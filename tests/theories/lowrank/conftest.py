"""Shared, solved once per session: the low-rank solver of the Fig. 1C model and its results at g = 0.5 and 2."""

from __future__ import annotations

import pytest

from workbench.theories.lowrank import LowRankProblem
from workbench.theories.lowrank.report import mo_spec


@pytest.fixture(scope="session")
def mo_solver():
    """The compiled solver of Mastrogiuseppe & Ostojic's Fig. 1C model (rho = 0, tanh)."""
    return LowRankProblem(mo_spec(0.5)).build_solver()


class _Results(dict):
    """``{g: LowRankResult}`` solved on first access (the chaotic g = 1.9 DMFT roots take ~7 s: slow tests only)."""

    def __init__(self, solver) -> None:
        super().__init__()
        self.solver = solver

    def __missing__(self, g: float):
        self[g] = self.solver.solve(mo_spec(g), n_starts=3)
        return self[g]


@pytest.fixture(scope="session")
def mo_results(mo_solver):
    """``{g: LowRankResult}``: g = 0.5 (bistable static) and g = 1.9 (chaotic, gC = 1.796 < g < gBB = 2.136)."""
    return _Results(mo_solver)
