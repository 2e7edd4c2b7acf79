"""Report tests: generated code goes to a temporary cache, never to the user's home."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache_env(shared_cache_env: Path) -> Path:
    return shared_cache_env
