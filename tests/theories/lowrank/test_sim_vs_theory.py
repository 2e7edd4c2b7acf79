"""Structured states against simulation: both bistable static states (from x0 = +-m) and chaotic states.

Each comparison: the theory against the network average of per-network time averages, Student-t with
n_networks - 1 dof (k from :func:`workbench.compare.student_k`, false-alarm rate of 4 Gaussian SE).
"""

from __future__ import annotations

import pytest

from workbench.theories.lowrank.checks import measure_states, state_comparisons
from workbench.theories.lowrank.report import mo_spec


def _check(res, g: float, N: int, seeds: list[int], branch: str, **run) -> None:
    spec = mo_spec(g, N=N)
    states = [s for s in res.states if s.branch == branch and s.stable and abs(s.kappa[0]) > 1e-6]
    assert len(states) == 2
    est = measure_states(spec, seeds, **run)
    for sign, data in est.items():
        state = max(states, key=lambda s: sign * s.kappa[0])  # x0 = +m goes to kappa > 0
        for c in state_comparisons(state, data, f"g={g} N={N} x0={sign:+g}m"):
            c.assert_ok()


def test_bistable_static_states_small_N(mo_results) -> None:
    """g = 0.5, N = 400, 6 networks, T = 60 (burn-in 40), dt = 0.1: both static states."""
    _check(mo_results[0.5], 0.5, 400, [1, 2, 3, 4, 5, 6], "static", T=60.0, dt=0.1, burn_in=40.0)


@pytest.mark.slow
def test_bistable_static_states_large_N(mo_results) -> None:
    _check(mo_results[0.5], 0.5, 3000, list(range(1, 9)), "static", T=80.0, dt=0.1, burn_in=50.0)


@pytest.mark.slow
def test_chaotic_structured_states_small_N(mo_results) -> None:
    """g = 1.9 (< gBB = 2.136): the two chaotic states with kappa != 0; N = 800, 6 networks, T = 150 (burn-in 50)."""
    _check(mo_results[1.9], 1.9, 800, [1, 2, 3, 4, 5, 6], "dmft", T=150.0, dt=0.1, burn_in=50.0)


@pytest.mark.slow
def test_chaotic_structured_states_large_N(mo_results) -> None:
    _check(mo_results[1.9], 1.9, 3000, list(range(1, 9)), "dmft", T=400.0, dt=0.1, burn_in=100.0)
