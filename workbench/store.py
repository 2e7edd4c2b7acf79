"""Content-addressed run store: expensive results (simulations, sweeps) computed once, re-used.

A run is identified by ``key = sha256(canonical JSON of {kind, params, code version})``; the code
version is the workbench version, the versions of the numerical libraries and a sha256 of the
source files of the packages the computation depends on (so an edit to the simulator
invalidates its runs, an edit to a report template does not). A run lives in::

    <root>/<key>/params.json     kind, params, code version, meta (JSON)
    <root>/<key>/result.npz      the arrays (and scalars) returned by the computation

Both files are written into a temporary folder that is renamed to ``<key>`` only when complete
(an atomic ``os.rename``), so an interrupted computation never leaves an entry that looks
complete. ``force=True`` recomputes and replaces an entry.

Example::

    store = RunStore("runs")
    run = store.get_or_compute("linear-cov", {"N": 200, "seed": 1}, compute, code=("workbench.sim",))
    run.arrays["cov"], run.meta, run.reused
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import SpecError, WorkbenchError

__all__ = ["RunStore", "StoredRun", "canonical_json", "code_version", "source_hash"]

DEFAULT_CODE: tuple[str, ...] = ("workbench",)
"""Packages hashed into the code version when a caller names none (conservative: everything)."""


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


@cache
def source_hash(modules: tuple[str, ...]) -> str:
    """sha256 over the ``.py`` source files of the given modules/packages (sorted, path-independent).

    Parameters
    ----------
    modules : tuple of str
        Importable names, e.g. ``("workbench.sim", "workbench.spec")``. A package contributes all
        ``.py`` files below its folder.
    """
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        try:
            mod = importlib.import_module(name)
        except ImportError as exc:
            raise SpecError("code", f"cannot import {name!r} to hash its source: {exc}") from exc
        file = getattr(mod, "__file__", None)
        paths = list(getattr(mod, "__path__", []) or [])
        if paths:  # a package (regular or namespace): every .py file below its folder(s)
            base = Path(paths[0])
            files = sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
        elif file is not None:
            base = Path(file).parent
            files = [Path(file)]
        else:
            raise SpecError("code", f"{name!r} has no source file to hash")
        h.update(f"<{name}>".encode())
        for p in files:
            h.update(p.relative_to(base).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


CodeSpec = Sequence["str | Callable[..., Any]"]


def code_version(modules: CodeSpec = DEFAULT_CODE) -> dict[str, str]:
    """The code version a stored run is keyed on.

    Parameters
    ----------
    modules : sequence of str or callable
        Importable module/package names (their whole source is hashed) and functions (their own
        source text is hashed, via :func:`inspect.getsource`), e.g.
        ``("workbench.sim", "workbench.spec", _my_compute)``: a report module's figure code can then
        change without invalidating its stored simulations.

    Returns
    -------
    dict
        ``workbench`` (package version), ``numpy``, ``scipy``, ``numba`` versions, ``source``
        (:func:`source_hash` of the modules) and ``functions`` (sha256 of the functions' source), plus
        the names hashed.
    """
    import inspect

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
            src = inspect.getsource(f)
        except (OSError, TypeError) as exc:
            raise SpecError("code", f"cannot read the source of {f!r} to hash it: {exc}") from exc
        fnames.append(f"{f.__module__}.{f.__qualname__}")
        fh.update(fnames[-1].encode() + b"\0" + src.encode() + b"\0")
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


@dataclass
class StoredRun:
    """One entry of the run store.

    Attributes
    ----------
    key : str
        The content key (sha256 hex).
    path : pathlib.Path
        The entry's folder.
    arrays : dict of str to ndarray
        What the computation returned (scalars come back as 0-d arrays; use ``float(...)``).
    meta : dict
        JSON metadata returned by the computation (e.g. summaries); never includes timings.
    params : dict
        The parameters the run was keyed on.
    reused : bool
        True if the entry was loaded from disk, False if it was computed now.
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


class RunStore:
    """A folder of content-addressed runs.

    Parameters
    ----------
    root : str or Path
        The store folder (created on first write), e.g. ``runs/``.
    force : bool
        Recompute every requested run even if it is stored (and replace the stored entry).
    """

    def __init__(self, root: str | Path = "runs", force: bool = False) -> None:
        self.root = Path(root)
        self.force = bool(force)
        self.used: list[str] = []

    def key(self, kind: str, params: Mapping[str, Any], code: CodeSpec = DEFAULT_CODE) -> str:
        """The content key of a run of ``kind`` with ``params`` under the current code version."""
        if not isinstance(kind, str) or not kind:
            raise SpecError("kind", f"must be a non-empty string, got {kind!r}")
        payload = {"kind": kind, "params": params, "code": code_version(code)}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def path(self, key: str) -> Path:
        """Folder of the entry ``key``."""
        return self.root / key

    def load(self, key: str) -> StoredRun | None:
        """The stored entry ``key``, or None if it is absent or unreadable."""
        d = self.path(key)
        try:
            info = json.loads((d / "params.json").read_text())
            with np.load(d / "result.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError):
            return None
        return StoredRun(key, d, arrays, info.get("meta", {}), info.get("params", {}), True, info.get("code", {}))

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
        force = self.force if force is None else force
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
                raise WorkbenchError(f"run {kind}: array {k!r} has dtype object; store numbers only")
        meta = json.loads(canonical_json(meta))
        info = {"kind": kind, "params": json.loads(canonical_json(params)), "code": code_version(code), "meta": meta}
        self._write(key, info, arrays)
        return StoredRun(key, self.path(key), arrays, meta, info["params"], False, info["code"])

    def _write(self, key: str, info: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}.", suffix=".part", dir=self.root))
        try:
            (tmp / "params.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
            with open(tmp / "result.npz", "wb") as fh:
                np.savez_compressed(fh, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            final = self.path(key)
            if final.exists():  # forced recomputation (or a concurrent writer): replace
                old = self.root / f".{key[:16]}.old-{os.getpid()}"
                os.rename(final, old)
                shutil.rmtree(old, ignore_errors=True)
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.exists():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
