"""Shared, solved once per session: the low-rank solver of the Fig. 1C model and its results at g = 0.5 and 2."""

from __future__ import annotations

import pytest

from workbench.theories.lowrank import LowRankProblem
from workbench.theories.lowrank.report import mo_spec


@pytest.fixture(scope="session")
def mo_solver():
    """The compiled solver of Mastrogiuseppe & Ostojic's Fig. 1C model (rho = 0, tanh)."""
    return LowRankProblem(mo_spec(0.5)).build_solver()


@pytest.fixture(scope="session")
def mo_results(mo_solver):
    """``{g: LowRankResult}`` at g = 0.5 (bistable static) and g = 1.9 (chaotic, gC = 1.796 < g < gBB = 2.136)."""
    return {g: mo_solver.solve(mo_spec(g), n_starts=3) for g in (0.5, 1.9)}
