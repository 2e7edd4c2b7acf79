"""The content-addressed run store: keys, re-use, --force, atomic writes, bad parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.store import RunStore, canonical_json, code_version

CODE = ("workbench.spec",)


def test_canonical_json_is_order_and_type_stable():
    a = canonical_json({"b": np.float64(1.5), "a": (1, 2), "c": np.int64(3)})
    b = canonical_json({"c": 3, "a": [1, 2], "b": 1.5})
    assert a == b == '{"a":[1,2],"b":1.5,"c":3}'


def test_key_depends_on_params_kind_and_code(tmp_path):
    s = RunStore(tmp_path)
    k = s.key("x", {"N": 1}, CODE)
    assert k == s.key("x", {"N": 1}, CODE)
    assert len(k) == 64
    assert k != s.key("x", {"N": 2}, CODE)
    assert k != s.key("y", {"N": 1}, CODE)
    assert k != s.key("x", {"N": 1}, ("workbench.spec", "workbench.compare"))
    cv = code_version(CODE)
    assert set(cv) >= {"workbench", "numpy", "source"}


def test_compute_once_then_reuse_and_force(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(3.0), "s": 2.5}, {"note": "hi"}

    s = RunStore(tmp_path)
    r1 = s.get_or_compute("demo", {"seed": 1}, compute, CODE)
    assert not r1.reused and len(calls) == 1
    r2 = s.get_or_compute("demo", {"seed": 1}, compute, CODE)
    assert r2.reused and len(calls) == 1
    np.testing.assert_array_equal(r2["a"], [0.0, 1.0, 2.0])
    assert float(r2["s"]) == 2.5 and r2.meta == {"note": "hi"}
    # one file per entry (issue 9): the arrays and the JSON info committed together
    assert r1.path == tmp_path / r1.key[:2] / f"{r1.key}.npz"
    with np.load(r1.path, allow_pickle=False) as z:
        info = json.loads(z["__info__"].tobytes().decode())
    assert info["params"] == {"seed": 1} and info["kind"] == "demo" and info["key"] == r1.key
    r3 = RunStore(tmp_path, force=True).get_or_compute("demo", {"seed": 1}, compute, CODE)
    assert not r3.reused and len(calls) == 2 and r3.key == r1.key
    assert sorted(p.name for p in tmp_path.iterdir()) == [r1.key[:2]]
    assert sorted(p.name for p in r1.path.parent.iterdir()) == [r1.path.name]  # no temporary files left


def test_force_recomputes_once_per_store_then_reuses_what_it_wrote(tmp_path):
    """``--force`` recomputes a run once: a report's prefetch hands the worker's arrays to the store, and the report's
    later ``ctx.run`` of the same job re-uses them instead of computing it a second time."""
    import io

    from workbench.report.context import ReportContext

    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(2.0)}

    RunStore(tmp_path).get_or_compute("demo", {"seed": 2}, compute, CODE)
    forced = RunStore(tmp_path, force=True)
    key = forced.key("demo", {"seed": 2}, CODE)
    assert forced.stale(key)
    # what prefetch does with a worker's result: write it with force=True
    forced.get_or_compute("demo", {"seed": 2}, lambda: {"a": np.arange(2.0)}, CODE, force=True)
    assert not forced.stale(key) and key in forced.written
    ctx = ReportContext("demo", False, {}, forced, tmp_path / "out", stream=io.StringIO())
    run = ctx.run("demo", {"seed": 2}, compute, CODE)
    assert run.reused and len(calls) == 1
    assert forced.get_or_compute("demo", {"seed": 2}, compute, CODE).reused and len(calls) == 1
    # a fresh forced store recomputes again
    assert not RunStore(tmp_path, force=True).get_or_compute("demo", {"seed": 2}, compute, CODE).reused
    assert len(calls) == 2


def test_interrupted_compute_leaves_no_entry(tmp_path):
    def boom():
        raise KeyboardInterrupt

    s = RunStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        s.get_or_compute("demo", {"seed": 2}, boom, CODE)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_corrupt_entry_is_recomputed(tmp_path):
    s = RunStore(tmp_path)
    r = s.get_or_compute("demo", {"seed": 3}, lambda: {"a": 1.0}, CODE)
    r.path.write_bytes(b"garbage")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        r2 = s.get_or_compute("demo", {"seed": 3}, lambda: {"a": 2.0}, CODE)
    assert not r2.reused and float(r2["a"]) == 2.0


def test_bad_params_and_kind(tmp_path):
    s = RunStore(tmp_path)
    with pytest.raises(SpecError, match="params"):
        s.key("demo", {"f": object()}, CODE)
    with pytest.raises(SpecError, match="kind"):
        s.key("", {}, CODE)
    with pytest.raises(SpecError, match="code"):
        s.key("demo", {}, ("no_such_module_xyz",))
