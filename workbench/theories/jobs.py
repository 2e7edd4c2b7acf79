"""Run a theory's check jobs outside a report (tests, notebooks): ``{RunJob: StoredRun}`` from a run store."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.store import RunJob, RunStore, StoredRun

__all__ = ["run_jobs"]


def run_jobs(jobs: Sequence[RunJob], store: RunStore) -> dict[RunJob, StoredRun]:
    """Load or compute every job in ``store`` (in this process); the mapping that ``Checks.comparisons`` reads."""
    return {
        job: store.get_or_compute(job.kind, job.params, lambda job=job: job.compute(job.params), job.code)
        for job in jobs
    }
