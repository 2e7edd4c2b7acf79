"""Shared fixtures: compiled DMFT solvers (one per derivation skeleton, reused across tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from workbench.spec import ModelSpec


@pytest.fixture(scope="session")
def tanh_solver():
    """Generated solver for tanh without time-dependent noise (also quenched input and J0)."""
    from workbench.theories.dmft import DMFTProblem

    return DMFTProblem(ModelSpec.simple(g=2.0)).build_solver(backend="numba")


@pytest.fixture(scope="session")
def tanh_white_solver():
    """Generated solver for tanh with white noise."""
    from workbench.theories.dmft import DMFTProblem

    return DMFTProblem(ModelSpec.simple(g=2.0, sigma2=0.5)).build_solver(backend="numba")


def _run_and_assert(checks: Any, size: str, theory: Any, store: Any, n: int) -> None:
    """Run the jobs of ``size`` in ``store``, compare with ``theory``, assert all ``n`` comparisons."""
    from workbench.theories.jobs import run_jobs

    comps = checks.comparisons(theory, run_jobs(checks.jobs(size), store), size)
    assert len(comps) == n
    for c in comps:
        c.assert_ok()


@pytest.fixture(scope="session")
def assert_checks() -> Callable[..., None]:
    """``assert_checks(checks, size, theory, store, n)``: run a DMFTChecks' jobs and assert its ``n`` comparisons."""
    return _run_and_assert
