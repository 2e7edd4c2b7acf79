"""Fixtures for the codegen tests: every test runs against a temporary cache directory.

``shared_cache``, ``shared_cache_env`` and ``fresh_cache`` (a private, empty cache) are in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache_env(shared_cache_env: Path) -> Path:
    return shared_cache_env
