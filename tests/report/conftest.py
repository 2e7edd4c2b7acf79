"""Report tests: generated code goes to a temporary cache, never to the user's home."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def report_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One codegen cache directory for all report tests."""
    return tmp_path_factory.mktemp("report-codegen-cache")


@pytest.fixture(autouse=True)
def _cache_env(report_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(report_cache))
