"""Atomic result files and strict JSON.

* An interrupted write never leaves a file that looks complete: every result is written to a
  temporary ``.<name>.<random>.part`` file beside it and renamed into place; the temporary file is
  removed on any exception, including ``KeyboardInterrupt`` and the CLI's SIGTERM handler.
  Temporary files of ours older than a day (left by a killed process) are removed by a later
  write into the same folder. Result files get the permissions of an ordinary file
  (``0o666 & ~umask``), unless a ``mode`` is given (caches: ``0o600``).
* JSON output is strict (``allow_nan=False``): a non-finite float becomes ``null`` with a sibling
  ``"<key>_reason"`` field, never ``NaN``/``Infinity``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import SpecError

__all__ = [
    "STALE_PART_AGE_S",
    "atomic_path",
    "atomic_savez",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_file",
    "check_output_folder",
    "dumps",
    "finite_or_null",
    "json_default",
    "npz_path",
    "remove_stale_parts",
    "strict_dumps",
    "umask",
    "write_atomic",
    "write_npz",
]

STALE_PART_AGE_S = 86400.0
"""Temporary ``.part`` files older than this (seconds) are left-overs of a killed writer."""

_PART_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")
"""Our temporary names: ``.<name>.<8 random characters of mkstemp>.part``."""

_SWEPT: set[str] = set()
"""Folders already swept for stale temporary files by this process (once per folder and run)."""


def umask() -> int:
    """The process umask (read from /proc where possible, so it is never changed, even briefly)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def remove_stale_parts(folder: str | Path, max_age_s: float = STALE_PART_AGE_S) -> list[Path]:
    """Remove our own temporary ``.<name>.*.part`` files older than ``max_age_s`` in ``folder``.

    Only regular files (not links) owned by this user and matching the temporary-name pattern of
    :func:`atomic_path` are touched; errors are ignored (another process may race us).
    """
    removed: list[Path] = []
    now = time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _PART_RE.match(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            if now - st.st_mtime > max_age_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".part", mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The temporary file lives in the same folder (so ``os.replace`` is atomic) and is removed if
    the body raises: an interrupted write never leaves a file under the final name. Before the
    rename the file gets ``mode`` if given, else ``0o666 & ~umask`` (unless the body changed its
    permissions itself). Stale temporary files of ours in the folder are removed first.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".part" and str(path.parent.resolve()) not in _SWEPT:
        _SWEPT.add(str(path.parent.resolve()))
        remove_stale_parts(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        created = os.stat(tmp).st_mode & 0o7777
        yield Path(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        elif os.stat(tmp).st_mode & 0o7777 == created:
            os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(
    path: str | Path, data: bytes, *, mode: int | None = None, mtime: float | None = None, suffix: str = ".part"
) -> Path:
    """Write bytes atomically, fsync'd; ``mode`` (default ``0o666 & ~umask``), optional mtime."""
    path = Path(path)
    with atomic_path(path, suffix=suffix, mode=mode) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
    return path


def write_atomic(path: str | Path, data: bytes | str, *, mode: int | None = None, mtime: float | None = None) -> Path:
    """Write bytes or UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, data.encode() if isinstance(data, str) else data, mode=mode, mtime=mtime)


def npz_path(path: str | Path) -> Path:
    """``path`` with ``.npz`` appended unless it already ends with it (what ``np.savez`` would write)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    return path


def write_npz(tmp: str | Path, compress: bool = True, **arrays: Any) -> None:
    """``np.savez_compressed`` (``np.savez`` with ``compress=False``) into the (temporary) file ``tmp``, fsync'd."""
    with open(tmp, "wb") as fh:
        (np.savez_compressed if compress else np.savez)(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_savez(path: str | Path, compress: bool = True, **arrays: Any) -> Path:
    """``np.savez_compressed`` (or ``np.savez``: ``compress=False``, for large dense float matrices that zlib
    shrinks by a few percent in tens of seconds) to a temporary file in the same folder, then ``os.replace``."""
    path = npz_path(path)
    with atomic_path(path) as tmp:
        write_npz(tmp, compress, **arrays)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write text atomically (temporary file + ``os.replace``)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def check_output_file(path: str | Path, parameter: str = "out", suffix: str | None = None) -> Path:
    """Refuse an output file path that cannot be written, before any work is done.

    ``suffix=".npz"``: the writer appends it when missing (see :func:`npz_path`). Raises SpecError
    naming ``parameter`` for an existing directory, a parent that is a file, or an unwritable folder.
    """
    p = Path(path)
    if not str(path).strip():
        raise SpecError(parameter, "an empty file name")
    final = npz_path(p) if suffix == ".npz" else p
    for q in {p, final}:
        if q.is_dir():
            raise SpecError(parameter, f"{str(q)!r} is a directory; give a file name (e.g. {str(q / 'result')!r})")
    folder = final.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise SpecError(parameter, f"{str(folder)!r} is a file, not a folder; cannot write {str(final)!r}")
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise SpecError(parameter, f"folder {str(folder)!r} is not writable")
    return final


def check_output_folder(path: str | Path, parameter: str = "out") -> Path:
    """Refuse an output folder that is a file (or lies below one), before any work is done."""
    p = Path(path)
    q = p
    while not q.exists() and q != q.parent:
        q = q.parent
    if q.exists() and not q.is_dir():
        what = "is a file" if q == p else f"lies below the file {str(q)!r}"
        raise SpecError(parameter, f"must be a folder, but {str(p)!r} {what}")
    if q.exists() and not os.access(q, os.W_OK | os.X_OK):
        raise SpecError(parameter, f"folder {str(q)!r} is not writable")
    return p


def json_default(o: Any) -> Any:
    """JSON encoder hook for numpy scalars/arrays."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _nonfinite_reason(v: float) -> str:
    return "not finite (nan)" if math.isnan(v) else f"not finite ({'inf' if v > 0 else '-inf'})"


def _plain(obj: Any) -> Any:
    """numpy scalars/arrays and tuples as plain Python data (floats left as they are)."""
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _first_bad(obj: Any) -> str | None:
    """The reason for the first non-finite float inside ``obj`` (None if all are finite)."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else _nonfinite_reason(obj)
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, list):
        for v in obj:
            r = _first_bad(v)
            if r is not None:
                return r
    return None


def _nullify(obj: Any) -> Any:
    """Replace non-finite floats by None, recursively."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _nullify(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nullify(v) for v in obj]
    return obj


def finite_or_null(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` where every non-finite float is ``None`` with a ``"<key>_reason"`` sibling.

    A value that is a list or a mapping (e.g. one value per population) containing non-finite
    floats gets them replaced by ``None`` and one reason for its key, at the top level only (a
    mapping keyed by names gets no extra keys). Reasons already present (set by the caller) are kept.
    """
    out: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for k, v in _plain(obj).items():
        reason = _first_bad(v)
        out[k] = _nullify(v)
        if reason is not None:
            reasons[f"{k}_reason"] = reason if not isinstance(v, (list, dict)) else f"contains values {reason}"
    for rk, r in reasons.items():
        out.setdefault(rk, r)
    return out


def strict_dumps(obj: Any, *, indent: int | None = None, sort_keys: bool = True) -> str:
    """Strict JSON (``allow_nan=False``): non-finite floats become ``null`` with a reason field."""
    data = finite_or_null(obj) if isinstance(obj, dict) else _nullify(_plain(obj))
    return json.dumps(data, default=json_default, sort_keys=sort_keys, indent=indent, allow_nan=False)


dumps = strict_dumps
"""One-line strict JSON with numpy support (the name used by the commands and result files)."""
