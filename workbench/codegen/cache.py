"""The on-disk cache: generated modules and signed pickles of SymPy results.

Location (:func:`persistent_cache_dir`): ``$WORKBENCH_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/workbench`` (``~/.cache/workbench``); never the working directory. The folder
is created with mode 0700 and refused, like ssh refuses a key folder, when it is owned by another
user or writable by group or others. If it is unusable, caching is off (one
:class:`RuntimeWarning` per process): generated modules then go to a private temporary folder
removed at exit (:func:`cache_dir`) and :func:`cache_to_disk` computes without storing.

* Generated modules are ``<dir>/<name>_<key[:16]>.py``; numba keeps its machine-code cache in
  ``<dir>/__pycache__`` next to them (``*.nbi`` index, ``*.nbc`` code; numba unpickles them, so
  they only ever live in the private folder). :func:`load_module` executes the source text it was
  given (after making the file hold exactly those bytes), never bytes or ``.pyc`` read back from
  disk; an unreadable numba cache is removed and the module recompiled, with one warning.
* :func:`cache_to_disk` results are ``<dir>/pickles/<h[:2]>/<h[2:]>.pkl`` = magic + HMAC-SHA256 +
  pickle, signed with the per-user key ``<dir>/.hmac-key`` (32 random bytes, mode 0600). A file
  whose signature does not verify is removed and recomputed, with one warning; it is never
  unpickled.

Everything is written atomically (temporary file in the same directory, then :func:`os.replace`)
with mode 0600 (folders 0700), so concurrent processes see either no file or a complete one.
Module files get a fixed modification time: numba validates its cache against the source file's
(mtime, size), so two processes racing to write the same module leave the same stamp and keep
each other's numba cache valid. Deleting the directory is always safe.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import hmac
import inspect
import os
import pickle
import platform
import secrets
import shutil
import stat
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Literal, TypeVar

import sympy as sp

from workbench.config import get_flag, get_str
from workbench.io import atomic_write_bytes
from workbench.store import source_hash, source_text

__all__ = [
    "ENV_CACHE_DIR",
    "ENV_NO_CACHE",
    "CacheInfo",
    "cache_dir",
    "persistent_cache_dir",
    "cache_disabled",
    "versions",
    "source_key",
    "write_atomic",
    "ensure_module_file",
    "load_module",
    "numba_cache_files",
    "drop_unreadable_numba_cache",
    "stable_repr",
    "cache_to_disk",
]

ENV_CACHE_DIR = "WORKBENCH_CACHE_DIR"
"""Environment variable overriding the cache directory."""

ENV_NO_CACHE = "WORKBENCH_NO_CACHE"
"""Environment variable; ``1``/``true``/``yes`` disables :func:`cache_to_disk`."""

FORMAT_VERSION = "2"
"""Bumped when the layout of generated modules or cache entries changes (part of every key)."""

KEY_FILE = ".hmac-key"
"""Name of the per-user signing key inside the cache directory."""

KEY_BYTES = 32
"""Length of the signing key."""

MAGIC = b"WBCACHE2\n"
"""First bytes of a signed :func:`cache_to_disk` entry (then 32 bytes of HMAC, then the pickle)."""

_MODULE_MTIME = 946684800  # 2000-01-01T00:00:00Z, see the module docstring
_LOAD_LOCK = threading.RLock()
_STATE_LOCK = threading.Lock()
_state = SimpleNamespace(warned_off=False, private=None)  # runtime state, not data: no run key reads it

F = TypeVar("F", bound=Callable[..., Any])


# ----------------------------------------------------------------------------------------------
# location and permissions


def _default_root() -> Path | None:
    """``$XDG_CACHE_HOME/workbench`` (a relative value is ignored, as the XDG spec says), else ``~/.cache/workbench``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "workbench"
    try:
        home = Path.home()
    except RuntimeError:  # no home directory
        return None
    return home / ".cache" / "workbench" if home.is_absolute() else None


def _unsafe_reason(st: os.stat_result, what: str) -> str | None:
    """Why a file/folder with status ``st`` may not be trusted (None if it may)."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"{what} is owned by another user (uid {st.st_uid})"
    if st.st_mode & 0o022:
        return f"{what} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o}; chmod 700 it)"
    return None


def _private_mkdir(path: Path) -> None:
    """Create ``path`` and missing parents; the folders created here get mode 0700."""
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass


def _check_root(path: Path) -> str | None:
    """Create ``path`` (0700) if needed; None if it is a usable private cache folder, else why not."""
    try:
        _private_mkdir(path)
        st = os.stat(path)
    except OSError as exc:
        return f"cannot create {path}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a directory"
    reason = _unsafe_reason(st, str(path))
    if reason is None:
        numba_dir = path / "__pycache__"  # numba unpickles what is in there
        try:
            reason = _unsafe_reason(os.stat(numba_dir), str(numba_dir))
        except FileNotFoundError:
            pass
        except OSError as exc:
            reason = f"cannot inspect {numba_dir}: {exc.strerror or exc}"
    if reason is None and not os.access(path, os.W_OK | os.X_OK):
        reason = f"{path} is not writable"
    return reason


def _warn_off(reason: str) -> None:
    """The one warning per process that caching is off."""
    with _STATE_LOCK:
        if _state.warned_off:
            return
        _state.warned_off = True
    warnings.warn(
        f"workbench cache disabled: {reason}; set {ENV_CACHE_DIR} to a private folder "
        "(results are computed and generated code compiled afresh in a temporary folder)",
        RuntimeWarning,
        stacklevel=3,
    )


def persistent_cache_dir() -> Path | None:
    """The persistent per-user cache directory, or None (one warning) when caching is off.

    ``$WORKBENCH_CACHE_DIR`` if set (made absolute), else ``$XDG_CACHE_HOME/workbench`` or
    ``~/.cache/workbench``. It is created with mode 0700 and refused when owned by another user or
    writable by group or others.
    """
    env = get_str(ENV_CACHE_DIR)
    path = Path(os.path.abspath(os.path.expanduser(env))) if env else _default_root()
    if path is None:
        _warn_off("no home directory")
        return None
    reason = _check_root(path)
    if reason is not None:
        _warn_off(reason)
        return None
    return path


def _private_dir() -> Path:
    """A per-process temporary folder (mode 0700, removed at exit) for modules when caching is off."""
    with _STATE_LOCK:
        path = _state.private
        if path is None or not path.is_dir():
            path = Path(tempfile.mkdtemp(prefix="workbench-nocache-"))
            atexit.register(shutil.rmtree, path, ignore_errors=True)
            _state.private = path
        return path


def cache_dir() -> Path:
    """Where generated modules go: :func:`persistent_cache_dir`, or a private temporary folder.

    Returns
    -------
    pathlib.Path
        An existing directory writable by this user only.
    """
    return persistent_cache_dir() or _private_dir()


def cache_disabled() -> bool:
    """Whether ``$WORKBENCH_NO_CACHE`` disables :func:`cache_to_disk`."""
    return get_flag(ENV_NO_CACHE)


# ----------------------------------------------------------------------------------------------
# keys and files


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def versions() -> dict[str, str]:
    """Versions that enter every cache key (python, sympy, numpy, numba, codegen format)."""
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "sympy": sp.__version__,
        "numpy": _version("numpy"),
        "numba": _version("numba"),
        "format": FORMAT_VERSION,
    }


def source_key(source: str) -> str:
    """sha256 hex digest of ``source`` and :func:`versions`."""
    h = hashlib.sha256()
    h.update(source.encode("utf-8"))
    for k, v in sorted(versions().items()):
        h.update(f"\0{k}={v}".encode())
    return h.hexdigest()


def write_atomic(path: Path, data: bytes, *, mtime: float | None = None) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (missing folders are created 0700).

    Parameters
    ----------
    path : pathlib.Path
        Destination.
    data : bytes
        Content.
    mtime : float, optional
        Modification time to set on the file before it appears under its name.
    """
    _private_mkdir(path.parent)
    # suffix ".tmp", not ".part": a module's temporary file carries the fixed year-2000 mtime and
    # must not look like a day-old left-over that a concurrent writer may clean up
    atomic_write_bytes(path, data, mode=0o600, mtime=mtime, suffix=".tmp")


def ensure_module_file(path: Path, source: str) -> bool:
    """Make sure ``path`` holds exactly ``source``; write it only if it does not.

    An existing identical file is never rewritten (that would invalidate numba's cache).

    Returns
    -------
    bool
        True if the file was (re)written.
    """
    data = source.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data, mtime=_MODULE_MTIME)
    return True


def _numba_cache_files(path: Path) -> list[Path]:
    """numba's index and data files of the module file ``path`` (``__pycache__/<stem>*.nbi|.nbc``)."""
    folder = path.parent / "__pycache__"
    return sorted(p for pat in (f"{path.stem}*.nbi", f"{path.stem}*.nbc") for p in folder.glob(pat))


def _raised_in_numba_cache(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while numba read its on-disk cache."""
    marker = os.path.join("numba", "core", "caching.py")
    return any(frame.filename.endswith(marker) for frame in traceback.extract_tb(exc.__traceback__))


def numba_cache_files(path: Path) -> list[Path]:
    """numba's on-disk cache files (index ``.nbi``, data ``.nbc``) of the generated module file ``path``."""
    return _numba_cache_files(path)


def drop_unreadable_numba_cache(path: Path, exc: BaseException) -> bool:
    """Remove the numba cache files of ``path`` if ``exc`` was raised reading them; whether any were removed."""
    stale = _numba_cache_files(path)
    if not stale or not _raised_in_numba_cache(exc):
        return False
    for p in stale:
        p.unlink(missing_ok=True)
    return True


def _exec_source(path: Path, module_name: str, source: str) -> ModuleType:
    """Execute ``source`` as the module ``module_name`` whose file is ``path``."""
    module = ModuleType(module_name)
    module.__file__ = str(path)
    code = compile(source, str(path), "exec", dont_inherit=True)
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        if sys.modules.get(module_name) is module:
            del sys.modules[module_name]
        raise
    return module


def load_module(path: Path, module_name: str, source: str) -> ModuleType:
    """Import the generated ``source`` as ``module_name`` with file ``path``.

    The file is first made to hold exactly ``source`` (:func:`ensure_module_file`); the code that
    runs is compiled from ``source`` itself, so neither a planted ``.py`` nor a ``.pyc`` can be
    executed. The module is registered in :data:`sys.modules` before execution, which lets numba's
    ``cache=True`` find it when it saves and, in a later process, reloads machine code. If numba's
    cache files of the module cannot be read (truncated, garbage), they are removed and the module
    is compiled again, with one :class:`RuntimeWarning`. A module already registered under that
    name from the same file is returned as is.
    """
    with _LOAD_LOCK:
        existing = sys.modules.get(module_name)
        if existing is not None and getattr(existing, "__file__", None) == str(path):
            return existing
        ensure_module_file(path, source)
        try:
            return _exec_source(path, module_name, source)
        except Exception as exc:
            stale = _numba_cache_files(path)
            if not stale or not _raised_in_numba_cache(exc):
                raise
            for p in stale:
                p.unlink(missing_ok=True)
            warnings.warn(
                f"unreadable numba cache of {path.name} ({type(exc).__name__}: {exc}): removed, recompiling",
                RuntimeWarning,
                stacklevel=2,
            )
            return _exec_source(path, module_name, source)


# ----------------------------------------------------------------------------------------------
# the signing key


def _read_secret(path: Path) -> bytes | str | None:
    """The key in ``path``; None if absent; a reason (str) if it exists but cannot be trusted."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "is not a regular file"
        reason = _unsafe_reason(st, "it")
        if reason is None and st.st_mode & 0o077:
            reason = f"is readable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
        if reason is not None:
            return reason
        data = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    return data if len(data) == KEY_BYTES else f"has {len(data)} bytes instead of {KEY_BYTES}"


def _new_secret(root: Path) -> None:
    """Create ``root/.hmac-key`` atomically and exclusively (another process may win the race)."""
    path = root / KEY_FILE
    fd, tmp = tempfile.mkstemp(prefix=f"{KEY_FILE}.", dir=root)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # complete content appears at once, and only if no key exists
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system: an exclusive create instead
            _new_secret_exclusive(path)
    finally:
        os.unlink(tmp)


def _new_secret_exclusive(path: Path) -> None:
    """Create the key file with ``O_CREAT | O_EXCL`` (mode 0600) unless it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_BYTES))


def _secret(root: Path) -> bytes:
    """The per-user signing key of the cache ``root``, created on first use.

    A key file with the wrong owner, permissions, type or size is replaced by a new key, and the
    entries signed so far are dropped (one warning).
    """
    path = root / KEY_FILE
    for _ in range(3):
        found = _read_secret(path)
        if isinstance(found, bytes):
            return found
        if isinstance(found, str):
            warnings.warn(
                f"cache signing key {path} {found}: replaced, stored entries dropped", RuntimeWarning, stacklevel=4
            )
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        shutil.rmtree(root / "pickles", ignore_errors=True)  # nothing signed with another key survives
        _new_secret(root)
    raise OSError(f"cannot create the cache signing key {path}")


def _signature(secret: bytes, key: str, payload: bytes) -> bytes:
    """HMAC-SHA256 of an entry, bound to its cache key (an entry cannot be moved to another key)."""
    return hmac.new(secret, MAGIC + key.encode() + b"\0" + payload, hashlib.sha256).digest()


# ----------------------------------------------------------------------------------------------
# cache_to_disk


def stable_repr(obj: Any) -> str:
    """A deterministic text form of ``obj`` for cache keys.

    SymPy objects use :func:`sympy.srepr` (which includes assumptions); containers recurse (dicts
    and sets sorted); NumPy arrays hash their dtype, shape and bytes; anything else uses ``repr``.

    Raises
    ------
    ValueError
        If the repr contains a memory address (``... at 0x...``), so it is not stable.
    """
    return _stable(obj)


def _stable(obj: Any) -> str:
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return sp.srepr(obj)
    if isinstance(obj, (list, tuple)):
        inner = ", ".join(_stable(o) for o in obj)
        return f"{type(obj).__name__}([{inner}])"
    if isinstance(obj, dict):
        items = sorted((_stable(k), _stable(v)) for k, v in obj.items())
        return "dict({" + ", ".join(f"{k}: {v}" for k, v in items) + "})"
    if isinstance(obj, (set, frozenset)):
        return f"{type(obj).__name__}({{" + ", ".join(sorted(_stable(o) for o in obj)) + "})"
    if type(obj).__module__ == "numpy" and hasattr(obj, "tobytes") and hasattr(obj, "dtype"):
        digest = hashlib.sha256(obj.tobytes()).hexdigest()
        return f"ndarray({obj.dtype.str}, {getattr(obj, 'shape', ())}, {digest})"
    text = repr(obj)
    if " at 0x" in text:
        raise ValueError(f"argument {text} has no stable repr")
    return text


def _call_key(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], code: tuple[str, ...] = ()
) -> str:
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except (TypeError, ValueError):  # no signature, or a bad call (func will raise): key what was passed
        call = _stable((args, kwargs))
    else:
        bound.apply_defaults()
        call = _stable((bound.args, bound.kwargs))
    h = hashlib.sha256()
    for part in (
        f"{func.__module__}.{func.__qualname__}",
        source_text(func),
        call,
        f"code={','.join(sorted(set(code)))}:{source_hash(code, stat=True) if code else ''}",
        *(f"{k}={v}" for k, v in sorted(versions().items())),
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """How a :func:`cache_to_disk` call was served.

    Attributes
    ----------
    key : str or None
        The entry's key (None when the arguments have no stable text form).
    status : {"hit", "miss", "off"}
        Loaded from a verified entry, computed and stored, or computed with caching off.
    path : pathlib.Path or None
        The entry file (None when caching is off).
    """

    key: str | None
    status: Literal["hit", "miss", "off"]
    path: Path | None


def _entry_path(root: Path, key: str) -> Path:
    return root / "pickles" / key[:2] / f"{key[2:]}.pkl"


def _discard(path: Path, reason: str) -> None:
    """Remove a bad entry, with one warning naming it."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
    warnings.warn(f"cache entry {path} {reason}: removed, recomputing", RuntimeWarning, stacklevel=4)


def _read_entry(root: Path, key: str) -> tuple[bool, Any]:
    """``(True, value)`` from a verified entry, else ``(False, None)``; bad entries are removed."""
    secret = _secret(root)
    path = _entry_path(root, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False, None
    except OSError as exc:
        _discard(path, f"cannot be read ({exc.strerror or exc})")
        return False, None
    head = len(MAGIC) + hashlib.sha256().digest_size
    if len(data) < head or not data.startswith(MAGIC):
        _discard(path, "is not a signed workbench cache entry")
        return False, None
    payload = data[head:]
    if not hmac.compare_digest(data[len(MAGIC) : head], _signature(secret, key, payload)):
        _discard(path, "has a signature that does not verify")
        return False, None
    try:
        return True, pickle.loads(payload)  # signed by this user's key: written by this code
    except Exception as exc:
        _discard(path, f"cannot be unpickled ({type(exc).__name__})")
        return False, None


def _write_entry(root: Path, key: str, value: Any, name: str) -> None:
    """Sign and store ``value`` (a warning, not an error, if that is impossible)."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        warnings.warn(f"cache_to_disk({name}): result not picklable, {exc}", RuntimeWarning, stacklevel=4)
        return
    path = _entry_path(root, key)
    try:
        write_atomic(path, MAGIC + _signature(_secret(root), key, payload) + payload)
    except OSError as exc:
        warnings.warn(f"cache_to_disk({name}): cannot write {path}: {exc}", RuntimeWarning, stacklevel=4)


def cache_to_disk(func: F | None = None, *, code: Sequence[str] = (), memory: int = 0) -> Any:
    """Decorator: store the result of an expensive pure function (e.g. a SymPy derivation) on disk.

    The key is a sha256 of the function's module and qualified name, its source text
    (:func:`inspect.getsource`), the bound arguments with defaults applied (:func:`stable_repr`:
    ``srepr`` for SymPy objects, so assumptions count), the whole source of the modules/packages
    named in ``code`` (:func:`workbench.store.source_hash` with ``stat=True``: content, size and
    mtime of every file, computed once per process) and :func:`versions`. Name in ``code`` every
    module whose functions the result depends on: editing or touching any of their files
    invalidates the entries.

    Entries are pickles signed with HMAC-SHA256 under a per-user key kept beside the cache
    (``<dir>/.hmac-key``); an entry that does not verify is removed and recomputed (one
    :class:`RuntimeWarning`) and never unpickled. ``WORKBENCH_NO_CACHE=1`` (read at call time), an
    unusable cache directory, arguments without a stable text form or results that cannot be
    pickled mean computing without storing.

    The wrapper has ``cached_call(*args, **kwargs) -> (result, CacheInfo)`` (was it a hit?),
    ``cache_key(*args, **kwargs)`` and ``cache_path(*args, **kwargs)`` (None when caching is off).

    With ``memory > 0`` a plain call also keeps up to that many results the disk cache served (hit or
    miss; the oldest goes first) in this process, under the cache folder and the same key, and returns
    the kept object again: for results that are slow to unpickle (SymPy) and asked for often.
    ``cached_call`` always asks the disk, so its hit/miss report and the integrity checks are unchanged.

    Parameters
    ----------
    func : callable
        The function (``@cache_to_disk``), or None (``@cache_to_disk(code=(...))``).
    code : sequence of str
        Importable module/package names whose source enters the key.
    memory : int
        How many results a plain call keeps in this process (0: none).

    Examples
    --------
    >>> @cache_to_disk(code=("workbench.symbolic",))
    ... def second_derivative(expr, x):
    ...     return sp.diff(expr, x, 2)
    """
    if func is None:
        return functools.partial(cache_to_disk, code=code, memory=memory)
    modules = tuple(code)
    if isinstance(code, str) or not all(isinstance(m, str) for m in modules):
        raise TypeError(f"cache_to_disk(code=...) takes module names, got {code!r}")

    def cache_key(*args: Any, **kwargs: Any) -> str:
        return _call_key(func, args, kwargs, modules)

    def cache_path(*args: Any, **kwargs: Any) -> Path | None:
        root = persistent_cache_dir()
        return None if root is None else _entry_path(root, cache_key(*args, **kwargs))

    def cached_call(*args: Any, **kwargs: Any) -> tuple[Any, CacheInfo]:
        try:
            key = cache_key(*args, **kwargs)
        except ValueError as exc:
            warnings.warn(f"cache_to_disk({func.__qualname__}): not cached, {exc}", RuntimeWarning, stacklevel=3)
            return func(*args, **kwargs), CacheInfo(None, "off", None)
        root = None if cache_disabled() else persistent_cache_dir()
        if root is None:
            return func(*args, **kwargs), CacheInfo(key, "off", None)
        found, value = _read_entry(root, key)
        if found:
            return value, CacheInfo(key, "hit", _entry_path(root, key))
        result = func(*args, **kwargs)
        _write_entry(root, key, result, func.__qualname__)
        return result, CacheInfo(key, "miss", _entry_path(root, key))

    kept: dict[tuple[str, str], Any] = {}

    def kept_call(*args: Any, **kwargs: Any) -> Any:
        root = None if cache_disabled() else persistent_cache_dir()
        try:
            slot = None if root is None else (str(root), cache_key(*args, **kwargs))
        except ValueError:
            slot = None
        if slot in kept:
            return kept[slot]
        result, info = cached_call(*args, **kwargs)
        if slot is not None and info.status != "off":
            while len(kept) >= memory:
                kept.pop(next(iter(kept)))
            kept[slot] = result
        return result

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return kept_call(*args, **kwargs) if memory > 0 else cached_call(*args, **kwargs)[0]

    wrapper.cached_call = cached_call  # type: ignore[attr-defined]
    wrapper.cache_key = cache_key  # type: ignore[attr-defined]
    wrapper.cache_path = cache_path  # type: ignore[attr-defined]
    return wrapper
