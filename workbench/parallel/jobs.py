"""Jobs of a sweep or an ensemble: a JSON description (the job's identity and seed) and its outcome."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.store import canonical_json

__all__ = ["Job", "JobOutcome", "canonical_json", "job_seed"]


def _digest(key: Mapping[str, Any]) -> bytes:
    """SHA-256 of the job description's canonical JSON (the run store's: sorted keys, no spaces): its identity."""
    return hashlib.sha256(canonical_json(key).encode()).digest()


def job_seed(key: Mapping[str, Any]) -> int:
    """A 63-bit seed derived from the job's own description only (never from submission order or worker).

    The SHA-256 of the key's canonical JSON is the entropy of a :class:`numpy.random.SeedSequence`,
    whose first generated word is the seed: the same job gets the same seed on every executor.
    """
    digest = _digest(key)
    entropy = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return int(np.random.SeedSequence(entropy).generate_state(2, np.uint32).view(np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Job:
    """One unit of work: ``key`` describes it (JSON-able; identity and seed), ``args`` are passed to the function."""

    key: Mapping[str, Any]
    args: tuple = field(default=())

    @property
    def seed(self) -> int:
        """The job's seed, :func:`job_seed` of its key."""
        return job_seed(self.key)

    @property
    def name(self) -> str:
        """A short stable name: 16 hex digits of the key's hash (the Dask task key)."""
        return _digest(self.key).hex()[:16]


@dataclass
class JobOutcome:
    """The result of a :class:`Job`: ``value``, or ``error`` (one line: why it failed) and ``value`` None."""

    job: Job
    value: Any | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the job returned a value."""
        return self.error is None
