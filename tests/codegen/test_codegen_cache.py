"""The module cache (files, keys, reuse across processes) and cache_to_disk."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sympy as sp

import workbench.codegen.cache as cache_mod
import workbench.codegen.compiled as compiled_mod
from workbench.codegen import cache_dir, cache_to_disk, compile_system

ROOT = Path(__file__).resolve().parents[2]
x = sp.Symbol("x", real=True)
s2 = sp.Symbol("sigma^2", positive=True)


def test_module_file_name_and_content(fresh_cache: Path) -> None:
    f = compile_system([sp.exp(-x) * s2], [x, s2], backend="numpy", name="decay")
    assert f.path == fresh_cache / f"decay_{f.key[:16]}.py"
    assert f.path.read_text(encoding="utf-8") == f.source
    assert len(f.key) == 64 and f.key == cache_mod.source_key(f.source)
    assert f.module.__name__ == f"workbench_codegen_decay_{f.key[:16]}"
    assert sys.modules[f.module.__name__] is f.module
    assert "decay" in repr(f) and "numpy" in repr(f) and f.key[:16] in repr(f)


def test_second_compile_is_a_fast_hit(fresh_cache: Path) -> None:
    exprs = [sp.tanh(x + s2) ** k for k in range(1, 6)]
    t0 = time.perf_counter()
    first = compile_system(exprs, [x, s2], backend="numba", name="hit")
    t1 = time.perf_counter()
    second = compile_system(exprs, [x, s2], backend="numba", name="hit")
    t2 = time.perf_counter()
    assert second is first
    assert (second.key, second.path) == (first.key, first.path)
    assert t2 - t1 < t1 - t0


def test_recompile_after_memo_clear_reuses_file_and_module(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = compile_system([sp.sin(x)], [x], backend="numpy", name="again")
    stamp = first.path.stat().st_mtime_ns
    monkeypatch.setattr(compiled_mod, "_MEMO", {})
    second = compile_system([sp.sin(x)], [x], backend="numpy", name="again")
    assert second is not first
    assert (second.key, second.path, second.module) == (first.key, first.path, first.module)
    assert second.path.stat().st_mtime_ns == stamp  # not rewritten: numba's cache stays valid


def test_key_depends_on_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_mod.source_key("text")
    monkeypatch.setattr(cache_mod, "versions", lambda: {"sympy": "0.0"})
    assert cache_mod.source_key("text") != before


def test_concurrent_writes_are_atomic(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    text = "VALUE = 1\n" * 5000
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(10):
                cache_mod.write_atomic(path, text.encode(), mtime=946684800)
                assert path.read_text() == text
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"]  # no temporary files left


_CHILD = r"""
import json, sys
import sympy as sp
from workbench.codegen import compile_system
x = sp.Symbol("x", real=True); g = sp.Symbol("g", positive=True)
f = compile_system([sp.tanh(g * x) ** 2 + sp.erf(x), sp.exp(-x * g)], [x, g], backend="numba",
                   name="child", jacobian=True)
json.dump({"key": f.key, "path": str(f.path), "value": list(f(0.3, 1.5)),
           "hits": sum(f.func.stats.cache_hits.values()) + sum(f.jac.stats.cache_hits.values()),
           "misses": sum(f.func.stats.cache_misses.values()) + sum(f.jac.stats.cache_misses.values())},
          sys.stdout)
"""


def _run_child(cache: Path) -> dict:
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("NUMBA_DISABLE_JIT", None)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_fresh_process_loads_numba_machine_code_from_cache(fresh_cache: Path) -> None:
    first = _run_child(fresh_cache)
    assert first["misses"] == 2 and first["hits"] == 0  # compiled (function and Jacobian)
    nbi = sorted(p.name for p in (fresh_cache / "__pycache__").glob("*.nbi"))
    assert len(nbi) == 2 and all(n.startswith(Path(first["path"]).stem) for n in nbi)
    second = _run_child(fresh_cache)
    assert second["hits"] == 2 and second["misses"] == 0  # loaded, not recompiled
    assert (second["key"], second["path"], second["value"]) == (first["key"], first["path"], first["value"])


def test_pickle_round_trip() -> None:
    f = compile_system([sp.exp(x) * s2, x], [x, s2], backend="numpy", name="pick", jacobian_wrt=[s2])
    g = pickle.loads(pickle.dumps(f))
    assert g is f  # same process: the in-memory hit
    assert g.jac(0.0, 2.0).tolist() == [[1.0], [0.0]]


# --------------------------------------------------------------------------- cache directory


def test_cache_dir_default_and_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Changed by issue 9: the default is <XDG cache>/workbench; an unusable directory turns caching
    # off (one warning, modules in a private temporary folder), never ./.workbench_cache.
    monkeypatch.delenv("WORKBENCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "workbench"
    assert (tmp_path / "xdg" / "workbench").stat().st_mode & 0o777 == 0o700
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the default cannot be created
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_mod._state, "warned_off", False)
    with pytest.warns(RuntimeWarning, match="cache disabled"):
        assert cache_mod.persistent_cache_dir() is None
    private = cache_dir()
    assert private.is_dir() and not private.is_relative_to(tmp_path)
    assert private.stat().st_mode & 0o777 == 0o700
    assert not (tmp_path / ".workbench_cache").exists()


def test_unwritable_cache_dir_env_turns_caching_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Changed by issue 9: was an OSError; now caching is off with one warning.
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(blocker / "sub"))
    monkeypatch.setattr(cache_mod._state, "warned_off", False)
    with pytest.warns(RuntimeWarning, match="cache disabled") as record:
        assert cache_mod.persistent_cache_dir() is None
        assert cache_mod.persistent_cache_dir() is None
    assert len([w for w in record if "cache disabled" in str(w.message)]) == 1  # once per process


# --------------------------------------------------------------------------- cache_to_disk

CALLS: list[object] = []


@cache_to_disk
def _second_derivative(expr: sp.Expr, var: sp.Symbol, order: int = 2) -> sp.Expr:
    CALLS.append(expr)
    return sp.diff(expr, var, order)


def test_cache_to_disk_hits_and_keys(fresh_cache: Path) -> None:
    CALLS.clear()
    e = sp.tanh(x) ** 3
    first = _second_derivative(e, x)
    assert _second_derivative(e, x) == first
    assert _second_derivative(e, x, 2) == first  # defaults are bound into the key
    assert len(CALLS) == 1
    path = _second_derivative.cache_path(e, x)
    assert path.is_file() and path.is_relative_to(fresh_cache / "pickles")
    # a symbol with other assumptions is another argument
    y = sp.Symbol("x")
    _second_derivative(sp.tanh(y) ** 3, y)
    _second_derivative(e, x, 1)
    assert len(CALLS) == 3
    assert _second_derivative.cache_key(e, x) != _second_derivative.cache_key(sp.tanh(y) ** 3, y)


def test_cache_to_disk_disabled_by_env(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS.clear()
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "1")
    _second_derivative(sp.exp(x), x)
    _second_derivative(sp.exp(x), x)
    assert len(CALLS) == 2
    assert not (fresh_cache / "pickles").exists()


def test_cache_to_disk_recovers_from_corrupt_file(fresh_cache: Path) -> None:
    CALLS.clear()
    e = sp.cosh(x)
    expected = _second_derivative(e, x)
    path = _second_derivative.cache_path(e, x)
    path.write_bytes(b"garbage")
    with pytest.warns(RuntimeWarning, match="removed, recomputing"):
        assert _second_derivative(e, x) == expected
    assert len(CALLS) == 2
    assert path.read_bytes().startswith(cache_mod.MAGIC)  # rewritten, signed
    value, info = _second_derivative.cached_call(e, x)
    assert value == expected and (info.status, info.path) == ("hit", path)
    assert len(CALLS) == 2


def test_cache_to_disk_unstable_argument_warns(fresh_cache: Path) -> None:
    @cache_to_disk
    def ident(obj: object) -> int:
        return 1

    with pytest.warns(RuntimeWarning, match="not cached"):
        assert ident(object()) == 1
