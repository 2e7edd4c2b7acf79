"""Shared fixtures: compiled DMFT solvers (one per derivation skeleton, reused across tests)."""

from __future__ import annotations

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
