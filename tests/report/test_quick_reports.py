"""The test suite's shared quick builds (``QuickReports`` in tests/conftest.py): one build per report and session,
a report another worker holds is taken last, results read back equal the built ones."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from filelock import FileLock

import workbench.report as report_pkg
from workbench.report.pipeline import BuildResult


@pytest.fixture
def fake_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``build_report`` replaced by a stub that records the order of the names it builds."""
    built: list[str] = []

    def stub(name: str, out_root: Path, store, quick: bool, pdf: bool, progress: bool) -> BuildResult:
        assert quick and not pdf and progress is False
        built.append(name)
        return BuildResult(name, name.title(), "pass", "quick", n_checks=2, n_ok=2,
                           checks=[{"quantity": f"{name} check", "value": 0.5}])

    monkeypatch.setattr(report_pkg, "build_report", stub)
    return built


def test_each_report_is_built_once(quick_reports, tmp_path: Path, fake_builds: list[str]):
    quick = type(quick_reports)(tmp_path, pdf=False)
    first = quick.get_all(["a", "b"])
    again = type(quick_reports)(tmp_path, pdf=False).get("a")  # another worker: reads the marker back
    assert fake_builds == ["a", "b"]
    assert list(first) == ["a", "b"] and again == first["a"]
    assert again.checks == [{"quantity": "a check", "value": 0.5}] and again.n_ok == 2


def test_a_report_held_elsewhere_is_taken_last(quick_reports, tmp_path: Path, fake_builds: list[str]):
    quick = type(quick_reports)(tmp_path, pdf=False)
    held, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with FileLock(str(tmp_path / "b.lock")):
            held.set()
            release.wait(10)

    t = threading.Thread(target=other_worker)
    t.start()
    held.wait(10)
    threading.Timer(0.5, release.set).start()
    results = quick.get_all(["a", "b", "c"])
    t.join()
    assert fake_builds == ["a", "c", "b"]
    assert list(results) == ["a", "b", "c"] and all(r.status == "pass" for r in results.values())
