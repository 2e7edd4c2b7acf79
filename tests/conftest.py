"""Shared test configuration: single-threaded BLAS for reproducible timings and no oversubscription."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except Exception:  # pragma: no cover
    pass
