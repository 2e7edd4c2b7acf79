"""Power of the DMFT report's simulation checks: a theory wrong by 5 % must fail at least one of them.

The checks are the report's own (:class:`~workbench.theories.dmft.checks.DMFTChecks` at the quick
sizes, runs in a temporary store); ``perturb=1.05`` multiplies every theory value by 1.05. The
quick runs take about 75 s in one process, hence ``slow``. The white-noise study (four sizes) is the
one with the power at the quick sizes; the chaotic g = 2 studies there have tolerances of 40 % and more.
At the full sizes (:func:`test_full_checks_have_power_against_a_5_percent_error`, minutes; reuse a
store with ``$WORKBENCH_DMFT_FULL_STORE``) every Delta study catches a 5 % error.
"""

from __future__ import annotations

import pytest

from workbench.store import RunStore
from workbench.theories.dmft.checks import DMFTChecks, DMFTTheory
from workbench.theories.jobs import run_jobs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The stored runs of the report's quick DMFT studies."""
    return run_jobs(DMFTChecks().jobs("quick"), RunStore(tmp_path_factory.mktemp("runs")))


@pytest.fixture(scope="module")
def theory() -> DMFTTheory:
    """One DMFT theory shared by the perturbed and unperturbed checks."""
    return DMFTTheory()


def test_quick_checks_pass_with_the_derived_theory(quick_runs: dict, theory: DMFTTheory) -> None:
    comps = DMFTChecks().comparisons(theory, quick_runs, "quick")
    assert comps and all(c.kind == "simulation" for c in comps)
    for c in comps:
        c.assert_ok()


def test_a_theory_wrong_by_5_percent_fails(quick_runs: dict, theory: DMFTTheory) -> None:
    comps = DMFTChecks(perturb=1.05).comparisons(theory, quick_runs, "quick")
    failed = [c for c in comps if c.kind == "simulation" and not c.ok]
    assert failed, "no simulation check caught a 5 % error in the theory:\n" + "\n".join(map(str, comps))


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The stored runs of the report's full DMFT studies (about 5 min on 2 cores; ``$WORKBENCH_DMFT_FULL_STORE``
    names an existing run store, e.g. the ``--store`` of a full ``workbench report dmft`` build, to reuse)."""
    import os
    from pathlib import Path

    root = os.environ.get("WORKBENCH_DMFT_FULL_STORE")
    store = RunStore(Path(root)) if root else RunStore(tmp_path_factory.mktemp("full-runs"))
    return run_jobs(DMFTChecks().jobs("full"), store)


def test_full_checks_have_power_against_a_5_percent_error(full_runs: dict, theory: DMFTTheory) -> None:
    """Full sizes: every check passes with the derived theory, and with the theory wrong by 5 % every
    Delta study (chaotic g = 2 and 2.5, white noise, E/I, OU) fails at least one of its checks."""
    from workbench.theories.dmft.checks import DeltaStudy, PopulationStudy

    for c in DMFTChecks().comparisons(theory, full_runs, "full"):
        c.assert_ok()
    studies = [st for st in DMFTChecks().studies("full") if isinstance(st, DeltaStudy | PopulationStudy)]
    for st in studies:
        bad = DMFTChecks(full=[st], perturb=1.05).comparisons(theory, full_runs, "full")
        assert any(not c.ok for c in bad), f"{st!r:.80} misses a 5 % error:\n" + "\n".join(map(str, bad))


def test_full_relative_tolerances_meet_the_target(full_runs: dict, theory: DMFTTheory) -> None:
    """The issue's target: median relative tolerance of the simulation checks <= 3 %, none above 10 %.

    Measured (full build, seeds as in the report): median 2.8 %, max 7.3 % (lambda_max), with the one-population
    predictions the DMFT of the simulated step map at dt (no dt/2 runs) and their budget spent on networks; the
    chaotic Delta studies (40, 40, 20, 20 networks at N = 250-2000) at 1.5-3.0 %."""
    from workbench.compare import relative_tolerance_stats

    stats = relative_tolerance_stats(DMFTChecks().comparisons(theory, full_runs, "full"))
    assert stats["median"] <= 0.03 and stats["max"] <= 0.10, stats
