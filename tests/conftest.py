"""Shared test configuration: private cache directories (and their fixtures), single-threaded BLAS (no oversubscription)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory shared by the tests that only need *a* cache (saves numba compiles)."""
    return tmp_path_factory.mktemp("shared-cache")


def _use_cache(monkeypatch: pytest.MonkeyPatch, path: Path) -> Path:
    """Point ``WORKBENCH_CACHE_DIR`` at ``path`` for one test, with caching on."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(path))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    return path


@pytest.fixture
def shared_cache_env(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """:func:`shared_cache` as this test's cache directory (caching on); autouse in tests/codegen and tests/report."""
    return _use_cache(monkeypatch, shared_cache)


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty cache directory for this test (caching on)."""
    return _use_cache(monkeypatch, tmp_path / "cache")
