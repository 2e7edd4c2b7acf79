"""Provenance of a build: git commit, source hash, package versions (no clock time, no host names)."""

from __future__ import annotations

import importlib
import platform
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = ["Provenance", "collect_provenance", "PACKAGES"]

PACKAGES = ("numpy", "scipy", "sympy", "numba", "matplotlib", "jinja2")
"""Packages whose versions every report lists."""


@dataclass(frozen=True)
class Provenance:
    """Inputs of a build besides the parameters.

    Attributes
    ----------
    commit : str
        Full git commit hash, or ``"unknown"`` outside a git checkout.
    dirty : bool
        True when tracked or untracked files under ``workbench/``/``derivations/`` differ from the commit.
    commit_time : int
        Commit time (Unix seconds; 0 if unknown). Used as ``SOURCE_DATE_EPOCH`` for the PDF.
    source : str
        sha256 of the workbench (and derivations) sources (identifies uncommitted code too).
    versions : tuple of (str, str)
        Python, workbench and :data:`PACKAGES` versions.
    """

    commit: str = "unknown"
    dirty: bool = False
    commit_time: int = 0
    source: str = ""
    versions: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def short(self) -> str:
        """Short commit (12 characters) with ``+dirty`` when the tree has changes."""
        c = self.commit[:12] if self.commit != "unknown" else "unknown"
        return c + ("+dirty" if self.dirty else "")


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        try:
            return str(importlib.import_module(pkg).__version__)
        except Exception:  # noqa: BLE001
            return "not installed"


@lru_cache(maxsize=1)
def collect_provenance() -> Provenance:
    """The provenance of the current checkout (cached per process)."""
    import workbench
    from workbench.store import source_hash

    root = Path(__file__).resolve().parents[2]
    commit = _git(root, "rev-parse", "HEAD") or "unknown"
    dirty = False
    ctime = 0
    if commit != "unknown":
        st = _git(root, "status", "--porcelain", "--", "workbench", "derivations")
        dirty = bool(st)
        ct = _git(root, "log", "-1", "--format=%ct")
        ctime = int(ct) if ct and ct.isdigit() else 0
    mods = ["workbench"]
    try:
        importlib.import_module("derivations")
        mods.append("derivations")
    except ImportError:
        pass
    versions = (("python", platform.python_version()), ("workbench", workbench.__version__))
    versions += tuple((p, _version(p)) for p in PACKAGES)
    return Provenance(commit, dirty, ctime, source_hash(tuple(mods)), versions)
