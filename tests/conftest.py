"""Shared test configuration: private cache directories (and their fixtures), single-threaded BLAS (no oversubscription),
quick report builds shared by the session's workers."""

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

os.environ.setdefault("MPLBACKEND", "Agg")

# Every test session gets its own private cache directory (set before workbench is imported, so
# that subprocesses inherit it): no test reads or writes the user's cache. The pytest-xdist workers
# of one session share the directory their controller made (named in WORKBENCH_TEST_SESSION_CACHE,
# which they inherit), so a generated solver or a derivation is compiled once per session, not once
# per worker; the cache's writes are atomic, so concurrent workers see a complete entry or none.
# The controller (or a plain session) removes it at exit.
_INHERITED = os.environ.get("WORKBENCH_TEST_SESSION_CACHE", "")
if os.environ.get("PYTEST_XDIST_WORKER") and _INHERITED and os.path.isdir(_INHERITED):
    _CACHE = _INHERITED
else:
    _CACHE = tempfile.mkdtemp(prefix="workbench-test-cache-")
    os.environ["WORKBENCH_TEST_SESSION_CACHE"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ["WORKBENCH_CACHE_DIR"] = _CACHE

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except Exception:  # pragma: no cover
    pass


@pytest.fixture(scope="session")
def benchmark_module():
    """A script of ``benchmarks/`` loaded as a module: ``benchmark_module("study_dimension_chaos")``."""
    import importlib.util

    def load(name: str):
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    return load


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


class QuickReports:
    """Quick builds of the registered reports, each made once per test session however many xdist workers ask.

    The builds live in one folder shared by the session's workers (``reports/``, with one run store ``runs/``); a
    report is built by the first worker that asks for it, under a file lock, and the others read its result back.
    ``pdf``: PDFs are compiled (when TeX is installed). A test that changes the outputs must copy them first.
    """

    def __init__(self, root: Path, pdf: bool) -> None:
        self.root = root
        self.pdf = pdf
        self.out = root / "reports"
        self.store = root / "runs"

    def _done(self, name: str) -> Path:
        return self.root / f"{name}.done"

    def _read(self, name: str):
        from workbench.report.pipeline import BuildResult

        d = json.loads(self._done(name).read_text())
        return BuildResult(**{k: v for k, v in d.items() if k in BuildResult.__dataclass_fields__})

    def _build_locked(self, name: str):
        from workbench.io import atomic_write_text, json_default
        from workbench.report import build_report
        from workbench.store import RunStore

        if not self._done(name).is_file():
            res = build_report(name, out_root=self.out, store=RunStore(self.store), quick=True, pdf=self.pdf,
                               progress=False)
            atomic_write_text(self._done(name), json.dumps(asdict(res), default=json_default))
        return self._read(name)

    def get(self, name: str):
        """The quick build of report ``name`` (a BuildResult; its files are under ``self.out / name``)."""
        with FileLock(str(self.root / f"{name}.lock")):
            return self._build_locked(name)

    def get_all(self, names: list[str]) -> dict:
        """:meth:`get` for each of ``names``; a report another worker is building right now is taken last."""
        results, busy = {}, []
        for name in names:
            lock = FileLock(str(self.root / f"{name}.lock"))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                busy.append(name)
                continue
            try:
                results[name] = self._build_locked(name)
            finally:
                lock.release()
        for name in busy:
            results[name] = self.get(name)
        return {name: results[name] for name in names}


@pytest.fixture(scope="session")
def quick_reports(tmp_path_factory: pytest.TempPathFactory) -> QuickReports:
    """The session's :class:`QuickReports` (in the temporary folder the xdist workers share; PDFs when TeX is
    installed)."""
    from workbench.report.pipeline import tex_missing_message

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "quick-reports"
    root.mkdir(exist_ok=True)
    return QuickReports(root, pdf=tex_missing_message() is None)
