"""Power of the DMFT report's simulation checks: a theory wrong by 5 % must fail at least one of them.

The checks are the report's own (:class:`~workbench.theories.dmft.checks.DMFTChecks` at the quick
sizes, runs in a temporary store); ``perturb=1.05`` multiplies every theory value by 1.05. The
quick runs take about 75 s in one process, hence ``slow``. The white-noise study (four sizes) is the
one with the power; the chaotic g = 2 studies at the quick sizes have tolerances of 40 % and more.
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
