"""One executor layer for sweeps, ensembles and the report build.

``make_executor("sequential" | "processes" | "dask", workers=..., scheduler=...)`` returns a
context-managed, :mod:`concurrent.futures`-shaped executor; :class:`Job` describes a unit of work
whose seed comes from its own description (:func:`job_seed`), so results are identical whatever the
executor or the number of workers. Dask is an optional extra (``pip install 'workbench[dask]'``).
"""

from workbench.parallel.executors import EXECUTORS, WorkbenchExecutor, make_executor, pin_blas, resolve_scheduler
from workbench.parallel.jobs import Job, JobOutcome, canonical_json, job_seed

__all__ = [
    "EXECUTORS",
    "Job",
    "JobOutcome",
    "WorkbenchExecutor",
    "canonical_json",
    "job_seed",
    "make_executor",
    "pin_blas",
    "resolve_scheduler",
]
