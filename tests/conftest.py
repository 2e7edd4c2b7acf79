"""Shared test configuration: single-threaded BLAS for reproducible timings and no oversubscription."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")

# Every test session gets its own private cache directory (set before workbench is imported, so
# that worker processes and subprocesses inherit it): no test reads or writes the user's cache.
_CACHE = tempfile.mkdtemp(prefix="workbench-test-cache-")
os.environ["WORKBENCH_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except Exception:  # pragma: no cover
    pass
