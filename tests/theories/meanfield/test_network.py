"""Finite-N networks (reference simulator) against the mean-field closure, Gaussian and Rademacher.

Tolerance: realisation means at each N are fitted to a + c/N (weighted least squares; SE from the
realisation-to-realisation scatter) and the N -> infinity intercept a must match the theory within
k SE(a), k the Student-t quantile (R - 1 dof) with the false-alarm probability of 4 Gaussian SE
(6.3e-5; SEs come from R realisations); the largest-N mean within k SE + |c|/N (fitted finite-size term). Same
dt and left-point rule in network and theory, so there is no discretisation allowance.
"""

import pytest

from workbench.store import RunStore
from workbench.theories.base import Checks
from workbench.theories.jobs import run_jobs
from workbench.theories.meanfield import TransientProblem, solve_closure
from workbench.theories.meanfield.checks import MeanFieldChecks, NetworkStudy
from workbench.theories.meanfield.network import compare_network, simulate_network


def _check(study, size, tmp_path):
    """Intercepts and largest-N comparisons of one study through the checks the report uses; its fits."""
    checks = MeanFieldChecks(**{size: [study]})
    runs = run_jobs(checks.jobs(size), RunStore(tmp_path))
    comps = checks.comparisons(None, runs, size)
    assert len(comps) == 2 * len(study.quantities())
    for c in comps:
        c.assert_ok()
    return study.fits(runs)


def test_checks_follow_the_protocol_and_list_the_report_jobs():
    checks = MeanFieldChecks()
    assert isinstance(checks, Checks)
    assert len(checks.jobs("quick")) == 6 * 4 and {j.kind for j in checks.jobs("full")} == {"meanfield.network"}


@pytest.mark.parametrize("J, weights", [(-6, "gaussian"), (2, "gaussian"), (2, "rademacher")])
def test_network_extrapolates_to_theory_fast(J, weights, tmp_path):
    study = NetworkStudy(J=J, weights=weights, Ns=(125, 250, 500, 1000), realisations=8, seed=3, dt=0.1, T=5)
    for fit in _check(study, "quick", tmp_path).values():
        assert abs(fit.c) < 5  # O(1) finite-size coefficient (measured |c| <= 1.3)


@pytest.mark.slow
@pytest.mark.parametrize("weights", ["gaussian", "rademacher"])
@pytest.mark.parametrize("J", [-6, 0, 2])
def test_network_extrapolates_to_theory_full(J, weights, tmp_path):
    """FT setting: T = 10, dt = 0.05, N up to 4000, 6 realisations per N."""
    study = NetworkStudy(
        J=J, weights=weights, Ns=(500, 1000, 2000, 4000), realisations=6, seed=7, dt=0.05, T=10, times=(1.0, 5.0, 10.0)
    )
    _check(study, "full", tmp_path)


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
