"""The on-disk cache: generated modules and pickled SymPy results.

Location (:func:`cache_dir`): ``$WORKBENCH_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/workbench/codegen`` (``~/.cache/workbench/codegen``), else, when the home
directory is not writable, ``./.workbench_cache`` in the working directory.

* Generated modules are ``<dir>/<name>_<key[:16]>.py``; numba keeps its machine-code cache in
  ``<dir>/__pycache__`` next to them (``*.nbi`` index, ``*.nbc`` code).
* :func:`cache_to_disk` results are ``<dir>/pickles/<h[:2]>/<h[2:]>.pkl``.

Everything is written atomically (temporary file in the same directory, then :func:`os.replace`),
so concurrent processes see either no file or a complete one. Module files get a fixed
modification time: numba validates its cache against the source file's (mtime, size), so two
processes racing to write the same module leave the same stamp and keep each other's numba cache
valid. Deleting the directory is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import os
import pickle
import platform
import sys
import threading
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import sympy as sp

from workbench.io import atomic_write_bytes

__all__ = [
    "ENV_CACHE_DIR",
    "ENV_NO_CACHE",
    "cache_dir",
    "cache_disabled",
    "versions",
    "source_key",
    "write_atomic",
    "ensure_module_file",
    "load_module",
    "stable_repr",
    "cache_to_disk",
]

ENV_CACHE_DIR = "WORKBENCH_CACHE_DIR"
"""Environment variable overriding the cache directory."""

ENV_NO_CACHE = "WORKBENCH_NO_CACHE"
"""Environment variable; ``1``/``true``/``yes`` disables :func:`cache_to_disk`."""

FORMAT_VERSION = "1"
"""Bumped when the layout of generated modules changes (part of every key)."""

_MODULE_MTIME = 946684800  # 2000-01-01T00:00:00Z, see the module docstring
_LOAD_LOCK = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def cache_dir() -> Path:
    """The cache directory (created if missing); see the module docstring for the search order.

    Returns
    -------
    pathlib.Path
        An existing, writable directory.

    Raises
    ------
    OSError
        If ``$WORKBENCH_CACHE_DIR`` is set but cannot be created or written.
    """
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        path = Path(env).expanduser()
        if not _writable_dir(path):
            raise OSError(f"{ENV_CACHE_DIR}={env!r} is not a writable directory")
        return path
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        default: Path | None = base / "workbench" / "codegen"
    except RuntimeError:  # no home directory
        default = None
    if default is not None and _writable_dir(default):
        return default
    fallback = Path.cwd() / ".workbench_cache"
    if not _writable_dir(fallback):
        raise OSError(f"no writable cache directory: set {ENV_CACHE_DIR}")
    return fallback


def cache_disabled() -> bool:
    """Whether ``$WORKBENCH_NO_CACHE`` disables :func:`cache_to_disk`."""
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() in {"1", "true", "yes", "on"}


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
    """Write ``data`` to ``path`` atomically (temporary file in the same directory + os.replace).

    Parameters
    ----------
    path : pathlib.Path
        Destination; its directory is created if needed.
    data : bytes
        Content.
    mtime : float, optional
        Modification time to set on the file before it appears under its name.
    """
    atomic_write_bytes(path, data, mode=0o644, mtime=mtime)  # mkstemp creates 0600; the cache is shared


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


def load_module(path: Path, module_name: str) -> ModuleType:
    """Import the file ``path`` as ``module_name``, registered in :data:`sys.modules` first.

    The registration before execution is what lets numba's ``cache=True`` find the module when it
    saves and, in a later process, reloads machine code. A module already registered under that
    name from the same file is returned as is.
    """
    with _LOAD_LOCK:
        existing = sys.modules.get(module_name)
        if existing is not None and getattr(existing, "__file__", None) == str(path):
            return existing
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py paths
            raise ImportError(f"cannot import generated module {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            if sys.modules.get(module_name) is module:
                del sys.modules[module_name]
            raise
        return module


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


def _func_text(func: Callable[..., Any]) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        code = getattr(func, "__code__", None)
        if code is None:
            return repr(func)
        return repr((code.co_code, code.co_consts, code.co_names))


def _call_key(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
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
        _func_text(func),
        call,
        *(f"{k}={v}" for k, v in sorted(versions().items())),
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def cache_to_disk(func: F) -> F:
    """Decorator: pickle the result of an expensive pure function (e.g. a SymPy derivation) to disk.

    The key is a sha256 of the function's module and qualified name, its source text
    (:func:`inspect.getsource`), the bound arguments with defaults applied (:func:`stable_repr`:
    ``srepr`` for SymPy objects, so assumptions count) and :func:`versions`. Editing the function
    therefore invalidates its entries (but not edits of functions it calls: bump something in its
    body if those change). Results live in ``cache_dir()/pickles``.

    ``WORKBENCH_NO_CACHE=1`` (read at call time) bypasses the cache. Arguments without a stable
    text form, or results that cannot be pickled, are computed without caching (with a
    :class:`RuntimeWarning`); an unreadable cache file is recomputed and replaced.

    The wrapper has ``cache_key(*args, **kwargs)`` and ``cache_path(*args, **kwargs)`` helpers.

    Examples
    --------
    >>> @cache_to_disk
    ... def second_derivative(expr, x):
    ...     return sp.diff(expr, x, 2)
    """

    def cache_path(*args: Any, **kwargs: Any) -> Path:
        key = _call_key(func, args, kwargs)
        return cache_dir() / "pickles" / key[:2] / f"{key[2:]}.pkl"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if cache_disabled():
            return func(*args, **kwargs)
        try:
            path = cache_path(*args, **kwargs)
        except ValueError as exc:
            warnings.warn(f"cache_to_disk({func.__qualname__}): not cached, {exc}", RuntimeWarning, stacklevel=2)
            return func(*args, **kwargs)
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except FileNotFoundError:
            pass
        except Exception:  # corrupt or incompatible pickle: recompute and overwrite
            pass
        result = func(*args, **kwargs)
        try:
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            warnings.warn(
                f"cache_to_disk({func.__qualname__}): result not picklable, {exc}", RuntimeWarning, stacklevel=2
            )
            return result
        try:
            write_atomic(path, data)
        except OSError as exc:
            warnings.warn(
                f"cache_to_disk({func.__qualname__}): cannot write {path}: {exc}", RuntimeWarning, stacklevel=2
            )
        return result

    wrapper.cache_key = lambda *a, **k: _call_key(func, a, k)  # type: ignore[attr-defined]
    wrapper.cache_path = cache_path  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
