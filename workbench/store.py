"""Content-addressed run store: expensive results (simulations, sweeps) computed once, re-used.

A run is identified by ``key = sha256(canonical JSON of {kind, params, code version})``; the code
version (:func:`code_version`) is the workbench version, the versions of the numerical libraries,
a sha256 of the source files of the packages the computation depends on (so an edit to the
simulator invalidates its runs, an edit to a report template does not) and a digest of the
compute functions named: their source and, recursively, the module constants and helper
functions they read (changing ``LAGS`` in a report gives a new key). A run is one file::

    <root>/<key[:2]>/<key>.npz    the arrays, plus ``__info__``: kind, params, code version and
                                  meta as UTF-8 JSON in a uint8 array

written to a temporary file that one :func:`os.replace` commits, so a reader sees either no entry
or one complete entry, and the metadata and arrays it reads always come from the same writer. An
entry that cannot be read (truncated, empty, garbage) is removed with one :class:`RuntimeWarning`
and recomputed. ``force=True`` recomputes and replaces an entry.

Example::

    store = RunStore("runs")
    run = store.get_or_compute("linear-cov", {"N": 200, "seed": 1}, compute, code=("workbench.sim",))
    run.arrays["cov"], run.meta, run.reused
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import importlib
import inspect
import json
import math
import os
import types
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import SpecError, StoreError

__all__ = ["RunJob", "RunStore", "StoredRun", "canonical_json", "code_version", "function_digest", "source_hash", "source_text"]

DEFAULT_CODE: tuple[str, ...] = ("workbench",)
"""Packages hashed into the code version when a caller names none (conservative: everything)."""

INFO = "__info__"
"""Name of the array holding an entry's JSON (kind, params, code, meta)."""

OWN_PACKAGES = ("workbench", "derivations")
"""Top-level packages whose functions and classes :func:`function_digest` follows by source."""


def _plain(obj: Any) -> Any:
    """A JSON-able, canonical form of ``obj`` (numpy scalars/arrays, tuples, paths, specs)."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest(), "shape": obj.shape}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return repr(obj)
        return obj
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return _plain(obj.to_dict())
    raise SpecError("params", f"cannot key a run on a value of type {type(obj).__name__}: {obj!r}")


def canonical_json(obj: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, numpy converted) used for hashing."""
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


# ----------------------------------------------------------------------------------------------
# source of modules


def _module_files(name: str) -> tuple[Path, list[Path]]:
    """The base folder and the sorted ``.py`` files of the module/package ``name``."""
    try:
        mod = importlib.import_module(name)
    except ImportError as exc:
        raise SpecError("code", f"cannot import {name!r} to hash its source: {exc}") from exc
    file = getattr(mod, "__file__", None)
    paths = list(getattr(mod, "__path__", []) or [])
    if paths:  # a package (regular or namespace): every .py file below its folder(s)
        base = Path(paths[0])
        return base, sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    if file is not None:
        return Path(file).parent, [Path(file)]
    raise SpecError("code", f"{name!r} has no source file to hash")


@cache
def source_hash(modules: tuple[str, ...], *, stat: bool = False) -> str:
    """sha256 over the ``.py`` source files of the given modules/packages (sorted, path-independent).

    Computed once per process for each argument.

    Parameters
    ----------
    modules : tuple of str
        Importable names, e.g. ``("workbench.sim", "workbench.spec")``. A package contributes all
        ``.py`` files below its folder.
    stat : bool
        Also hash each file's size and modification time (ns). The derivation cache uses this so
        that *touching* a file of the symbolic layer, not only editing it, invalidates its entries:
        a touch is how one says "this changed" (an edit restored by ``git checkout``, a file
        regenerated with equal bytes), and a derivation is cheap to redo. The run store hashes
        content only, so an expensive simulation survives a checkout that leaves its code as it was.
    """
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        base, files = _module_files(name)
        h.update(f"<{name}>".encode())
        for p in files:
            h.update(p.relative_to(base).as_posix().encode() + b"\0")
            if stat:
                st = p.stat()
                h.update(f"{st.st_size}:{st.st_mtime_ns}".encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# source of functions and the module constants they read


def _covered(module: str, names: tuple[str, ...]) -> bool:
    """Whether ``module`` is one of ``names`` or inside one of them (its source is hashed whole)."""
    return any(module == n or module.startswith(n + ".") for n in names)


@cache
def _getsource(obj: Any) -> str:
    """:func:`inspect.getsource`, once per object and process."""
    return inspect.getsource(obj)


def source_text(obj: Any) -> str:
    """The source of a function or class (its code object when the source cannot be read)."""
    try:
        return _getsource(obj)
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        if code is None:
            return f"<no source: {getattr(obj, '__qualname__', type(obj).__name__)}>"
        return repr((code.co_code, code.co_consts, code.co_names))


def _unwrap(obj: Any) -> Any:
    """The Python function behind decorators (``functools.wraps``, ``lru_cache``, numba dispatchers)."""
    for _ in range(16):
        if isinstance(obj, type) or not callable(obj):
            return obj
        inner = getattr(obj, "py_func", None) or getattr(obj, "__wrapped__", None)
        if inner is None:
            return obj
        obj = inner
    return obj


def _code_names(code: types.CodeType) -> set[str]:
    """Global/attribute names used by ``code`` and the code objects nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _data_text(value: Any, seen: set[int]) -> str | None:
    """A stable text of plain data (None if ``value`` is not plain data, e.g. runtime state)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, enum.Enum)):
        return repr(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return None
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return f"ndarray({value.dtype.str},{value.shape},{digest})"
    if isinstance(value, np.generic):
        return f"{value.dtype.str}:{value.item()!r}"
    if id(value) in seen:
        return None
    seen = seen | {id(value)}
    if isinstance(value, (tuple, list, set, frozenset)):
        parts = [_data_text(v, seen) for v in value]
        if any(p is None for p in parts):
            return None
        parts = sorted(parts) if isinstance(value, (set, frozenset)) else parts
        return f"{type(value).__name__}[{','.join(parts)}]"  # type: ignore[arg-type]
    if isinstance(value, Mapping):
        items = [(_data_text(k, seen), _data_text(v, seen)) for k, v in value.items()]
        if any(k is None or v is None for k, v in items):
            return None
        return "{" + ",".join(f"{k}:{v}" for k, v in sorted(items)) + "}"  # type: ignore[type-var]
    return _object_text(value, seen)


def _object_text(value: Any, seen: set[int]) -> str | None:
    """Stable text of a spec-like object: SymPy (srepr), ``to_dict``, dataclass fields."""
    mod = type(value).__module__ or ""
    name = f"{mod}.{type(value).__qualname__}"
    if mod.split(".")[0] == "sympy":
        import sympy as sp

        return sp.srepr(value)
    if hasattr(value, "to_dict") and not isinstance(value, type):
        try:
            inner = _data_text(value.to_dict(), seen)
        except Exception:  # noqa: BLE001 - not a spec after all
            inner = None
        return None if inner is None else f"{name}({inner})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        inner = _data_text(items, seen)
        return None if inner is None else f"{name}({inner})"
    return None


def _describe(obj: Any, modules: tuple[str, ...], roots: tuple[str, ...], seen: set[int]) -> Iterator[str]:
    """Lines describing the function/class ``obj``: its source, then what it reads, recursively."""
    target = _unwrap(obj)
    ident = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', type(target).__name__)}"
    if id(target) in seen:
        yield f"see {ident}"
        return
    seen.add(id(target))
    yield f"def {ident}\n{source_text(target)}"
    if isinstance(target, type):
        funcs = []
        for member in vars(target).values():
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                funcs += [m for m in (member.fget, member.fset, member.fdel) if m is not None]
            elif isinstance(member, types.FunctionType):
                funcs.append(member)
    else:
        funcs = [target]
    for f in funcs:
        yield from _reads(f, modules, roots, seen)


def _reads(func: Any, modules: tuple[str, ...], roots: tuple[str, ...], seen: set[int]) -> Iterator[str]:
    """Lines for the globals, defaults and closure cells that the function ``func`` reads."""
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        return
    glob = getattr(func, "__globals__", {})
    values = [(n, glob[n]) for n in sorted(_code_names(code)) if n in glob]
    values += [("<defaults>", func.__defaults__), ("<kwdefaults>", func.__kwdefaults__)]
    for name, cell in zip(code.co_freevars, func.__closure__ or (), strict=False):
        try:
            values.append((f"<closure {name}>", cell.cell_contents))
        except ValueError:  # an empty cell
            continue
    for name, value in values:
        yield from _value_lines(name, value, modules, roots, seen)


def _value_lines(
    name: str, value: Any, modules: tuple[str, ...], roots: tuple[str, ...], seen: set[int]
) -> Iterator[str]:
    """Lines for one value a function reads (see :func:`function_digest` for the rules)."""
    if isinstance(value, types.ModuleType):
        return  # a module: name it in ``code`` to hash its source
    if isinstance(value, functools.partial):
        yield f"{name} = partial"
        yield from _value_lines(f"{name}.func", value.func, modules, roots, seen)
        yield from _value_lines(f"{name}.args", (value.args, value.keywords), modules, roots, seen)
        return
    target = _unwrap(value)
    if isinstance(target, (types.FunctionType, type)):
        module = getattr(target, "__module__", "") or ""
        if module.split(".")[0] in roots and not _covered(module, modules):
            yield f"{name} ->"
            yield from _describe(target, modules, roots, seen)
        else:  # library code (versions are in the key) or a module hashed whole
            yield f"{name} = <{module}.{target.__qualname__}>"
        return
    text = _data_text(value, set())
    yield f"{name} = {text if text is not None else '<' + type(value).__qualname__ + '>'}"


def function_digest(func: Callable[..., Any], modules: Sequence[str] = ()) -> str:
    """sha256 of a function's source and, recursively, of everything it reads from its module.

    Followed through the code objects (``co_names``, nested code included), resolved in
    ``func.__globals__``, plus default arguments and closure cells:

    * plain data (numbers, strings, tuples/lists/dicts/sets of them, NumPy arrays, SymPy objects,
      dataclass or ``to_dict`` specs) by a stable text, so changing a module constant such as
      ``LAGS`` changes the digest;
    * functions and classes defined in the workbench, in ``derivations`` or in ``func``'s own
      top-level package, by their source, recursively (cycles visited once), unless their module
      is among ``modules`` (then its whole source is hashed by :func:`source_hash` already);
    * library functions and classes by their qualified name (library versions are in the key);
      modules are skipped; other objects (runtime state such as memo tables) by their type name.

    Parameters
    ----------
    func : callable
        The compute function.
    modules : sequence of str
        Module/package names hashed whole alongside.
    """
    roots = tuple(sorted({*OWN_PACKAGES, (getattr(func, "__module__", "") or "").split(".")[0]} - {""}))
    h = hashlib.sha256()
    for line in _describe(func, tuple(modules), roots, set()):
        h.update(line.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


CodeSpec = Sequence["str | Callable[..., Any]"]


def code_version(modules: CodeSpec = DEFAULT_CODE) -> dict[str, str]:
    """The code version a stored run is keyed on.

    Parameters
    ----------
    modules : sequence of str or callable
        Importable module/package names (their whole source is hashed) and functions (their
        source and what they read, :func:`function_digest`), e.g.
        ``("workbench.sim", "workbench.spec", _my_compute)``: a report module's figure code can then
        change without invalidating its stored simulations, while its constants used by
        ``_my_compute`` do.

    Returns
    -------
    dict
        ``workbench`` (package version), ``numpy``, ``scipy``, ``numba`` versions, ``source``
        (:func:`source_hash` of the modules) and ``functions_source`` (digest of the functions),
        plus the names hashed.
    """
    import numba
    import scipy

    from workbench import __version__

    names = sorted({m for m in modules if isinstance(m, str)})
    funcs = [m for m in modules if not isinstance(m, str)]
    for f in funcs:
        if not callable(f):
            raise SpecError("code", f"expected module names or functions, got {f!r}")
    fh = hashlib.sha256()
    fnames = []
    for f in sorted(funcs, key=lambda f: f"{f.__module__}.{f.__qualname__}"):
        try:
            _getsource(_unwrap(f))
        except (OSError, TypeError) as exc:
            raise SpecError("code", f"cannot read the source of {f!r} to hash it: {exc}") from exc
        fnames.append(f"{f.__module__}.{f.__qualname__}")
        fh.update(fnames[-1].encode() + b"\0" + function_digest(f, names).encode() + b"\0")
    out = {
        "workbench": __version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "modules": ",".join(names),
        "source": source_hash(tuple(names)) if names else "",
    }
    if funcs:
        out["functions"] = ",".join(fnames)
        out["functions_source"] = fh.hexdigest()
    return out


@dataclass(frozen=True, eq=False)
class RunJob:
    """One stored computation a report or a theory's checks need: ``compute(params)`` keyed on ``(kind, params, code)``.

    Attributes
    ----------
    kind : str
        What is computed (part of the key), e.g. ``"dmft.delta-finite-size"``.
    params : mapping
        Every input, seeds included (the key; also the argument of ``compute``).
    compute : callable
        A module-level function ``compute(params) -> arrays`` or ``-> (arrays, meta)`` (it may be
        sent to a worker process).
    code : sequence of str or callable
        Packages and functions the result depends on (hashed into the key, see :func:`code_version`).
    label : str
        Text for progress lines (default ``kind``).

    Two jobs are equal (and hash alike) when kind, params, code and label are equal, so a job is a
    key of ``Mapping[RunJob, StoredRun]``.
    """

    kind: str
    params: Mapping[str, Any]
    compute: Callable[[Mapping[str, Any]], Any]
    code: CodeSpec = DEFAULT_CODE
    label: str = ""

    def _identity(self) -> tuple[str, str, str, str]:
        code = canonical_json([c if isinstance(c, str) else f"{c.__module__}.{c.__qualname__}" for c in self.code])
        return self.kind, canonical_json(self.params), code, self.label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunJob) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    @property
    def title(self) -> str:
        """The progress label (``label`` or ``kind``)."""
        return self.label or self.kind


# ----------------------------------------------------------------------------------------------
# the store


@dataclass
class StoredRun:
    """One entry of the run store.

    Attributes
    ----------
    key : str
        The content key (sha256 hex).
    path : pathlib.Path
        The entry's file ``<root>/<key[:2]>/<key>.npz``.
    arrays : dict of str to ndarray
        What the computation returned (scalars come back as 0-d arrays; use ``float(...)``).
    meta : dict
        JSON metadata returned by the computation (e.g. summaries); never includes timings.
    params : dict
        The parameters the run was keyed on.
    reused : bool
        True if the entry was loaded from disk, False if it was computed now.
    code : dict
        The code version (:func:`code_version`) the run was keyed on.
    """

    key: str
    path: Path
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    params: dict[str, Any]
    reused: bool = False
    code: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


ComputeResult = Mapping[str, Any] | tuple[Mapping[str, Any], Mapping[str, Any]]


def _read_entry(path: Path, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(info, arrays)`` of the entry file ``path`` (raises on anything unreadable or inconsistent)."""
    with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:  # one open file: one committed entry
        if not hasattr(z, "files"):
            raise ValueError("not an .npz archive")
        info = json.loads(z[INFO].tobytes().decode("utf-8"))
        arrays = {k: z[k] for k in z.files if k != INFO}
    if not isinstance(info, dict) or info.get("key") != key:
        raise ValueError("its info does not name this key")
    return info, arrays


class RunStore:
    """A folder of content-addressed runs.

    Parameters
    ----------
    root : str or Path
        The store folder (created on first write), e.g. ``runs/``.
    force : bool
        Recompute every requested run even if it is stored (and replace the stored entry), once: what this store
        object wrote itself (:attr:`written`, e.g. a run a report prefetched in its workers) is re-used.
    """

    def __init__(self, root: str | Path = "runs", force: bool = False) -> None:
        self.root = Path(root)
        self.force = bool(force)
        self.used: list[str] = []
        self.written: set[str] = set()
        """Keys of the entries this store object wrote (computed in this process or handed over by a worker)."""

    def stale(self, key: str) -> bool:
        """Whether ``key`` must be recomputed before it is used: with ``force``, until this store object wrote it."""
        return self.force and key not in self.written

    def key(self, kind: str, params: Mapping[str, Any], code: CodeSpec = DEFAULT_CODE) -> str:
        """The content key of a run of ``kind`` with ``params`` under the current code version."""
        if not isinstance(kind, str) or not kind:
            raise SpecError("kind", f"must be a non-empty string, got {kind!r}")
        payload = {"kind": kind, "params": params, "code": code_version(code)}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def path(self, key: str) -> Path:
        """File of the entry ``key``: ``<root>/<key[:2]>/<key>.npz``."""
        return self.root / key[:2] / f"{key}.npz"

    def load(self, key: str) -> StoredRun | None:
        """The stored entry ``key``, or None if it is absent or unreadable.

        An entry that exists but cannot be read (truncated, empty, garbage, inconsistent) is
        removed, with one :class:`RuntimeWarning` naming it, so that it is recomputed.
        """
        path = self.path(key)
        try:
            info, arrays = _read_entry(path, key)
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - zip, zlib, npy header, JSON, OS: all mean "unreadable"
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
            warnings.warn(
                f"run-store entry {path} is unreadable ({type(exc).__name__}: {exc}): removed, recomputing",
                RuntimeWarning,
                stacklevel=2,
            )
            return None
        return StoredRun(key, path, arrays, info.get("meta", {}), info.get("params", {}), True, info.get("code", {}))

    def get_or_compute(
        self,
        kind: str,
        params: Mapping[str, Any],
        compute: Callable[[], ComputeResult],
        code: CodeSpec = DEFAULT_CODE,
        force: bool | None = None,
    ) -> StoredRun:
        """Load the run ``(kind, params, code)`` or compute and store it.

        Parameters
        ----------
        kind : str
            What is computed (e.g. ``"simulator.linear-cov"``); part of the key.
        params : mapping
            Every input of the computation (JSON-able: numbers, strings, lists, specs via
            ``to_dict``). Seeds belong here.
        compute : callable
            ``compute() -> arrays`` or ``-> (arrays, meta)``: ``arrays`` maps names to numpy arrays
            or numbers, ``meta`` is a JSON-able dict.
        code : sequence of str or callable
            Packages/modules and functions whose source the result depends on (hashed into the key;
            see :func:`code_version`).
        force : bool, optional
            Override the store's ``force``.

        Returns
        -------
        StoredRun
        """
        key = self.key(kind, params, code)
        self.used.append(key)
        force = self.stale(key) if force is None else force
        if not force:
            hit = self.load(key)
            if hit is not None:
                return hit
        out = compute()
        if isinstance(out, tuple):
            arrays, meta = out
        else:
            arrays, meta = out, {}
        arrays = {str(k): np.asarray(v) for k, v in arrays.items()}
        for k, v in arrays.items():
            if v.dtype == object:
                raise StoreError(f"run {kind}: array {k!r} has dtype object; store numbers only")
            if k == INFO:
                raise StoreError(f"run {kind}: the array name {INFO!r} is reserved")
        meta = json.loads(canonical_json(meta))
        info = {
            "key": key,
            "kind": kind,
            "params": json.loads(canonical_json(params)),
            "code": code_version(code),
            "meta": meta,
        }
        self._write(key, info, arrays)
        return StoredRun(key, self.path(key), arrays, meta, info["params"], False, info["code"])

    def _write(self, key: str, info: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Commit the entry with one atomic rename (a concurrent writer's complete entry may win)."""
        from workbench.io import atomic_path

        blob = np.frombuffer(json.dumps(info, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        with atomic_path(self.path(key)) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays, **{INFO: blob})
                fh.flush()
                os.fsync(fh.fileno())
        self.written.add(key)
