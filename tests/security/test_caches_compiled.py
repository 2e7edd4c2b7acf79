"""Generated modules and numba's cache cannot be planted or poisoned (issue 9, item 2)."""

from __future__ import annotations

import importlib.util
import json
import marshal
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import workbench.codegen.cache as cache_mod
import workbench.codegen.compiled as compiled_mod
from workbench.codegen import compile_system

ROOT = Path(__file__).resolve().parents[2]
x = sp.Symbol("x", real=True)
g = sp.Symbol("g", positive=True)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory, and no in-process memo of compiled systems or their modules."""
    path = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(path))
    monkeypatch.setattr(compiled_mod, "_MEMO", {})
    return path


def _evil(sentinel: Path) -> str:
    return f"import os\nos.mkdir({str(sentinel)!r})\nVALUE = 'planted'\n"


def test_planted_module_source_is_never_imported(cache: Path, tmp_path: Path) -> None:
    exprs, args = [sp.tanh(x) * 3 + 1], [x]
    first = compile_system(exprs, args, name="planted")
    sys.modules.pop(first.module.__name__)
    compiled_mod._MEMO.clear()
    sentinel = tmp_path / "owned"
    first.path.write_text(_evil(sentinel) + first.source)  # same name, other bytes
    again = compile_system(exprs, args, name="planted")
    assert not sentinel.exists()
    assert again.path == first.path and again.path.read_text() == again.source
    assert float(again(0.0)) == 1.0 and not hasattr(again.module, "VALUE")


def test_planted_bytecode_is_never_executed(cache: Path, tmp_path: Path) -> None:
    """A .pyc whose header matches the module file (fixed mtime, same size) is not what runs."""
    exprs, args = [sp.exp(-x) * 2], [x]
    first = compile_system(exprs, args, name="bytecode")
    sys.modules.pop(first.module.__name__)
    compiled_mod._MEMO.clear()
    sentinel = tmp_path / "owned"
    code = compile(_evil(sentinel) + "def bytecode(a0):\n    return -1.0\n", str(first.path), "exec")
    header = importlib.util.MAGIC_NUMBER + b"\0\0\0\0" + struct.pack("<II", 946684800, len(first.source.encode()))
    pyc = Path(importlib.util.cache_from_source(str(first.path)))
    pyc.parent.mkdir(exist_ok=True)
    pyc.write_bytes(header + marshal.dumps(code))
    again = compile_system(exprs, args, name="bytecode")
    assert not sentinel.exists() and float(again(0.0)) == 2.0


_CHILD = r"""
import json, warnings
import sympy as sp
from workbench.codegen import compile_system
x = sp.Symbol("x", real=True); g = sp.Symbol("g", positive=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    f = compile_system([sp.tanh(g * x) ** 2, sp.exp(-x * g)], [x, g], backend="numba", name="nbsec", jacobian=True)
print(json.dumps({
    "value": list(f(0.3, 1.5)),
    "warnings": [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)],
    "hits": sum(f.func.stats.cache_hits.values()) + sum(f.jac.stats.cache_hits.values()),
}))
"""


def _child(cache: Path) -> dict:
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("NUMBA_DISABLE_JIT", None)
    env.pop("NUMBA_CACHE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_corrupted_numba_cache_is_removed_and_recompiled_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _child(cache)
    assert first["warnings"] == [] and first["hits"] == 0
    index = sorted((cache / "__pycache__").glob("nbsec_*.nbi"))
    data = sorted((cache / "__pycache__").glob("nbsec_*.nbc"))
    assert len(index) == 2 and len(data) == 2
    index[0].write_bytes(index[0].read_bytes()[:20])  # truncated index of the function
    data[1].write_bytes(b"garbage")  # garbage machine code of the Jacobian
    second = _child(cache)
    assert second["value"] == first["value"]
    assert len(second["warnings"]) == 1 and "numba cache" in second["warnings"][0]
    third = _child(cache)  # repaired: loaded from the new cache, no warning, no traceback
    assert third["warnings"] == [] and third["hits"] == 2 and third["value"] == first["value"]


def test_numba_cache_lives_only_in_the_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    assert cache_mod.cache_dir() == cache and cache.stat().st_mode & 0o777 == 0o700
    (cache / "__pycache__").mkdir(mode=0o700)
    (cache / "__pycache__").chmod(0o777)  # a numba folder others could write to: the cache is refused
    monkeypatch.setattr(cache_mod._state, "warned_off", False)
    with pytest.warns(RuntimeWarning, match="__pycache__"):
        assert cache_mod.persistent_cache_dir() is None
