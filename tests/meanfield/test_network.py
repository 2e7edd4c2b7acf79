"""Finite-N networks (reference simulator) against the mean-field closure, Gaussian and Rademacher.

Tolerance: realisation means at each N are fitted to a + c/N (weighted least squares; SE from the
realisation-to-realisation scatter) and the N -> infinity intercept a must match the theory within
k SE(a), k the Student-t quantile (R - 1 dof) with the false-alarm probability of 4 Gaussian SE
(6.3e-5; SEs come from R realisations); the largest-N mean within k SE + |c|/N (fitted finite-size term). Same
dt and left-point rule in network and theory, so there is no discretisation allowance.
"""

import pytest

from workbench.meanfield import TransientProblem, solve_closure
from workbench.meanfield.network import compare_network, finite_size_extrapolation, simulate_network


def _check(out):
    for c in out["comparisons"] + out["direct"]:
        c.assert_ok()


@pytest.mark.parametrize("J, weights", [(-6, "gaussian"), (2, "gaussian"), (2, "rademacher")])
def test_network_extrapolates_to_theory_fast(J, weights):
    th = solve_closure(TransientProblem(J=J, dt=0.1, T=5))
    out = finite_size_extrapolation(th, Ns=(125, 250, 500, 1000), realisations=8, seed=3, weights=weights)
    _check(out)
    for fit in out["fits"].values():
        assert abs(fit["c"]) < 5  # O(1) finite-size coefficient (measured |c| <= 1.3)


@pytest.mark.slow
@pytest.mark.parametrize("weights", ["gaussian", "rademacher"])
@pytest.mark.parametrize("J", [-6, 0, 2])
def test_network_extrapolates_to_theory_full(J, weights):
    """FT setting: T = 10, dt = 0.05, N up to 4000, 6 realisations per N."""
    th = solve_closure(TransientProblem(J=J, dt=0.05, T=10))
    out = finite_size_extrapolation(th, Ns=(500, 1000, 2000, 4000), realisations=6, seed=7, weights=weights,
                                    times=(1.0, 5.0, 10.0))
    _check(out)


def test_universality_rademacher_vs_gaussian_same_N():
    """Same N, same seeds: Rademacher and Gaussian weights give the same order parameters within 4 SE."""
    import numpy as np

    p = TransientProblem(J=-6, dt=0.1, T=5)
    g = simulate_network(p, N=1000, realisations=8, seed=5, weights="gaussian")
    r = simulate_network(p, N=1000, realisations=8, seed=6, weights="rademacher")
    mg, sg = g.mean_se(g.m)
    mr, sr = r.mean_se(r.m)
    i = [10, 25, 50]
    assert np.all(np.abs(mg[i] - mr[i]) <= 4 * np.hypot(sg[i], sr[i]) + 2 / 1000)  # + 2|c|max/N, c fitted above


def test_compare_network_objects():
    th = solve_closure(TransientProblem(J=2, dt=0.1, T=2))
    net = simulate_network(th.problem, N=200, realisations=3, seed=0)
    comps = compare_network(th, net, times=(1.0, 2.0))
    assert len(comps) == 5 and all(c.context["N"] == 200 for c in comps)
