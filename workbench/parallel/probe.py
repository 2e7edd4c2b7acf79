"""A tiny seeded job for checking and timing executors (tests, ``benchmarks/bench_executor.py``)."""

from __future__ import annotations

import time

import numpy as np

from workbench.errors import SpecError
from workbench.parallel.jobs import Job

__all__ = ["seeded_probe"]


def seeded_probe(job: Job) -> float:
    """Sum of 3 normals drawn from the job's own seed; ``key["sleep"]`` seconds of waiting, ``key["fail"]`` raises."""
    if job.key.get("fail"):
        raise SpecError("g", "no convergence at this point")
    time.sleep(float(job.key.get("sleep", 0.0)))
    return float(np.random.default_rng(job.seed).standard_normal(3).sum())
