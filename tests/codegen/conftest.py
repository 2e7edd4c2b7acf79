"""Fixtures for the codegen tests: every test runs against a temporary cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory shared by the tests that only need *a* cache (saves numba compiles)."""
    return tmp_path_factory.mktemp("codegen-cache")


@pytest.fixture(autouse=True)
def _cache_env(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(shared_cache))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    return shared_cache


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty cache directory for this test."""
    path = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(path))
    return path
