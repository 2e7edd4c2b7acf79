"""Caches are safe and honest (issue 9, item 2): location, signed pickles, complete keys, corrupted entries.

The generated-module and numba-cache half is in ``test_caches_compiled.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import workbench.codegen.cache as cache_mod
import workbench.theories.dmft.checks as dmft_checks
from derivations.dmft import DERIVATION_CODE, _derive_skeleton, skeleton
from workbench.cli import main
from workbench.codegen import cache_to_disk
from workbench.sim.runs import SIM_CODE
from workbench.spec import ModelSpec
from workbench.store import RunStore, code_version, source_hash

ROOT = Path(__file__).resolve().parents[2]
SYMBOLIC_FILE = ROOT / "workbench" / "symbolic" / "__init__.py"
x = sp.Symbol("x", real=True)


class _Planted:
    """A pickle that, if ever loaded, creates the folder ``path`` (the attack being tested)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (self.path,))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private cache directory for this module (its derivations start cold)."""
    path = tmp_path_factory.mktemp("security-cache") / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(path))
        mp.delenv("WORKBENCH_NO_CACHE", raising=False)
        yield path


@pytest.fixture
def toy_cache(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory for one test (``fresh_cache``), the cache-off warning not yet given."""
    monkeypatch.setattr(cache_mod._state, "warned_off", False)
    return fresh_cache


def _derive_json(capsys: pytest.CaptureFixture[str]) -> dict:
    """``workbench derive dmft --json`` in-process, parsed strictly (no NaN/Infinity constants)."""
    capsys.readouterr()
    assert main(["derive", "dmft", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one object, one line

    def no_constant(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(out, parse_constant=no_constant)


@pytest.fixture(scope="module")
def reference(cache: Path) -> dict:
    """The first (cold) ``derive --json`` of the default spec in this module's cache."""
    source_hash.cache_clear()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # capsys is function-scoped
        assert main(["derive", "dmft", "--json"]) == 0
    return json.loads(buf.getvalue())


# --------------------------------------------------------------------------- derive --json, keys


def test_derive_json_reports_miss_then_hit_and_touch_gives_miss(reference: dict, capsys, cache: Path) -> None:
    assert reference["cache"] == "miss" and reference["name"] == "dmft"
    assert {"key", "unknowns", "parameters", "equations"} <= set(reference)
    assert all(isinstance(v, str) for v in reference["equations"].values())
    hit = _derive_json(capsys)
    assert (hit["cache"], hit["key"], hit["equations"]) == ("hit", reference["key"], reference["equations"])
    st = SYMBOLIC_FILE.stat()
    try:  # touching a file of the symbolic layer (same bytes) must give a miss
        os.utime(SYMBOLIC_FILE, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        source_hash.cache_clear()  # the hash is computed once per process; a new process starts clean
        touched = _derive_json(capsys)
        assert touched["cache"] == "miss" and touched["key"] != reference["key"]
        assert touched["equations"] == reference["equations"]
    finally:
        os.utime(SYMBOLIC_FILE, ns=(st.st_atime_ns, st.st_mtime_ns))
        source_hash.cache_clear()
    again = _derive_json(capsys)
    assert (again["cache"], again["key"]) == ("hit", reference["key"])


def test_derivation_key_covers_the_whole_symbolic_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"workbench.symbolic", "workbench.spec", "derivations"} <= set(DERIVATION_CODE)
    assert "pipeline" not in _derive_skeleton.__wrapped__.__code__.co_consts  # no hand-bumped version string
    arg = json.dumps(skeleton(ModelSpec.simple()), sort_keys=True)
    key = _derive_skeleton.cache_key(arg)
    monkeypatch.setattr(cache_mod, "source_hash", lambda modules, stat=False: "edited")
    assert _derive_skeleton.cache_key(arg) != key


def test_source_hash_sees_content_and_touch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "touchpkg_sec"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("A = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = source_hash(("touchpkg_sec",), stat=True)
    content = source_hash(("touchpkg_sec",))
    os.utime(pkg / "__init__.py", ns=(0, 10**18))
    source_hash.cache_clear()
    assert source_hash(("touchpkg_sec",), stat=True) != first  # touched
    assert source_hash(("touchpkg_sec",)) == content  # the run store keys on content only
    (pkg / "__init__.py").write_text("A = 2\n")
    source_hash.cache_clear()
    assert source_hash(("touchpkg_sec",)) != content


# --------------------------------------------------------------------------- planted and corrupted pickles


def test_planted_pickle_at_a_derivation_path_never_runs(reference: dict, cache: Path, capsys, tmp_path: Path) -> None:
    arg = json.dumps(skeleton(ModelSpec.simple()), sort_keys=True)
    path = _derive_skeleton.cache_path(arg)
    assert path is not None and path.is_relative_to(cache) and path.is_file()
    sentinel = tmp_path / "owned"
    path.write_bytes(pickle.dumps(_Planted(sentinel)))
    with pytest.warns(RuntimeWarning, match="removed, recomputing") as record:
        out = _derive_json(capsys)
    assert not sentinel.exists()
    assert len([w for w in record if "recomputing" in str(w.message)]) == 1
    assert (out["cache"], out["equations"], out["unknowns"]) == ("miss", reference["equations"], reference["unknowns"])
    assert path.read_bytes().startswith(cache_mod.MAGIC)


CALLS: list[object] = []


@cache_to_disk
def _square(v: int) -> int:
    CALLS.append(v)
    return v * v


def _forged(path: Path, sentinel: Path, how: str) -> bytes:
    evil = pickle.dumps(_Planted(sentinel))
    good = path.read_bytes()
    return {
        "raw-pickle": evil,
        "no-signature": cache_mod.MAGIC + evil,
        "random-signature": cache_mod.MAGIC + os.urandom(32) + evil,
        "signature-moved": good[: len(cache_mod.MAGIC) + 32] + evil,
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "garbage": os.urandom(200),
    }[how]


@pytest.mark.parametrize(
    "how", ["raw-pickle", "no-signature", "random-signature", "signature-moved", "truncated", "empty", "garbage"]
)
def test_bad_entry_is_removed_recomputed_never_loaded(toy_cache: Path, tmp_path: Path, how: str) -> None:
    CALLS.clear()
    assert _square(7) == 49
    path = _square.cache_path(7)
    sentinel = tmp_path / "owned"
    path.write_bytes(_forged(path, sentinel, how))
    with pytest.warns(RuntimeWarning, match="removed, recomputing") as record:
        value, info = _square.cached_call(7)
    assert (value, info.status, len(CALLS)) == (49, "miss", 2)
    assert len(record) == 1 and str(path) in str(record[0].message)
    assert not sentinel.exists()
    value, info = _square.cached_call(7)  # repaired: a verified hit, no further warning
    assert (value, info.status, len(CALLS)) == (49, "hit", 2)


def test_entry_signed_for_another_key_is_refused(toy_cache: Path) -> None:
    _square(2)
    _square(3)
    p2, p3 = _square.cache_path(2), _square.cache_path(3)
    p3.write_bytes(p2.read_bytes())  # a genuine entry, moved under another key
    with pytest.warns(RuntimeWarning, match="signature"):
        assert _square(3) == 9


@pytest.mark.parametrize("damage", ["mode", "size", "symlink"])
def test_untrustworthy_signing_key_is_replaced_and_entries_dropped(toy_cache: Path, damage: str) -> None:
    CALLS.clear()
    _square(5)
    key_file = toy_cache / cache_mod.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.stat().st_size == 32
    old = key_file.read_bytes()
    if damage == "mode":
        key_file.chmod(0o644)
    elif damage == "size":
        key_file.write_bytes(old + b"x")
    else:
        other = toy_cache.parent / "someone-elses-key"
        other.write_bytes(os.urandom(32))
        other.chmod(0o600)
        key_file.unlink()
        key_file.symlink_to(other)
    with pytest.warns(RuntimeWarning, match="signing key"):
        assert _square(5) == 25
    assert len(CALLS) == 2  # recomputed: the old entries are gone
    assert not key_file.is_symlink() and key_file.read_bytes() != old
    assert key_file.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- location and permissions


def test_cache_never_in_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "shared-folder"
    (work / ".workbench_cache" / "pickles").mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv("WORKBENCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = sorted(str(p) for p in work.rglob("*"))
    CALLS.clear()
    assert _square(11) == 121
    from workbench.codegen import compile_system

    f = compile_system([sp.sin(x) * 3], [x], name="cwdcheck")
    assert f.path.parent == tmp_path / "xdg" / "workbench" == _square.cache_path(11).parents[2]
    assert sorted(str(p) for p in work.rglob("*")) == before  # nothing read from or written to the cwd
    assert (tmp_path / "xdg" / "workbench").stat().st_mode & 0o777 == 0o700


def test_created_files_and_folders_are_private(toy_cache: Path) -> None:
    _square(4)
    from workbench.codegen import compile_system

    f = compile_system([sp.cos(x) * 2], [x], name="private")
    for p in [toy_cache, *toy_cache.rglob("*")]:
        if "__pycache__" in p.parts:
            continue
        assert p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600), p
    assert f.path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("problem", ["group-writable", "other-owner"])
def test_unsafe_cache_dir_turns_caching_off_with_one_warning(
    toy_cache: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    toy_cache.mkdir(mode=0o700)
    if problem == "group-writable":
        toy_cache.chmod(0o770)
    else:
        real = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real + 1)
    CALLS.clear()
    with pytest.warns(RuntimeWarning, match="cache disabled") as record:
        first = _square.cached_call(6)
        second = _square.cached_call(6)
        from workbench.codegen import compile_system

        f = compile_system([sp.sin(x) + 5], [x], name="offcheck")
    assert [first[1].status, second[1].status] == ["off", "off"] and len(CALLS) == 2
    assert len([w for w in record if "cache disabled" in str(w.message)]) == 1
    assert list(toy_cache.iterdir()) == []  # nothing stored in the refused folder
    assert not f.path.is_relative_to(toy_cache) and f.path.parent.stat().st_mode & 0o777 == 0o700
    assert float(f(0.0)) == 5.0


# --------------------------------------------------------------------------- run store keys

LAGS = (0.0, 2.0, 5.0)
SCALE = {"a": 2}


def _scaled(v: float) -> float:
    return v * SCALE["a"]


def _compute_lags(p: dict) -> dict:
    """A report-style compute function reading module constants, one through a helper."""
    return {"D": np.array([_scaled(lag) for lag in LAGS]) * p["N"]}


def test_run_key_covers_module_constants_and_helpers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    code = ("workbench.spec", _compute_lags)
    key = store.key("lags", {"N": 3}, code)
    assert store.key("lags", {"N": 3}, code) == key
    monkeypatch.setattr(sys.modules[__name__], "LAGS", (0.0, 2.0, 6.0))
    changed = store.key("lags", {"N": 3}, code)
    assert changed != key
    monkeypatch.setattr(sys.modules[__name__], "SCALE", {"a": 3})  # read by a helper, not by the function
    assert store.key("lags", {"N": 3}, code) not in (key, changed)


def test_changing_the_lag_margin_of_the_dmft_checks_gives_a_new_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = RunStore(tmp_path)
    code = (*SIM_CODE, dmft_checks.delta_samples)
    key = store.key("dmft.delta-finite-size", {"N": 10}, code)
    monkeypatch.setattr(dmft_checks, "LAG_MARGIN", 2.0)  # a module constant read by the compute function
    assert store.key("dmft.delta-finite-size", {"N": 10}, code) != key


def test_run_key_is_the_same_in_a_worker_process(tmp_path: Path) -> None:
    child = (
        "from workbench.store import RunStore\n"
        "from workbench.sim.runs import SIM_CODE\n"
        "import workbench.theories.dmft.checks as d\n"
        "print(RunStore('x').key('k', {'N': 1}, (*SIM_CODE, d.delta_samples)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    here = RunStore("x").key("k", {"N": 1}, (*SIM_CODE, dmft_checks.delta_samples))
    assert proc.stdout.strip() == here
    assert code_version((*SIM_CODE, dmft_checks.delta_samples))["functions_source"]


# --------------------------------------------------------------------------- run store entries


def _damage(path: Path, how: str, other: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif how == "no-info":
        with open(path, "wb") as fh:
            np.savez(fh, v=np.arange(3.0))
    elif how == "other-entry":
        path.write_bytes(other.read_bytes())
    elif how == "pickled-array":
        with open(path, "wb") as fh:
            np.savez(fh, v=np.array([_Planted(path.parent / "owned")], dtype=object))


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "no-info", "other-entry", "pickled-array"])
def test_corrupted_run_entry_is_removed_and_recomputed(tmp_path: Path, how: str) -> None:
    store = RunStore(tmp_path / "runs")
    run = store.get_or_compute("demo", {"seed": 1}, lambda: ({"v": np.arange(3.0)}, {"n": 3}), ("workbench.spec",))
    other = store.get_or_compute("demo", {"seed": 2}, lambda: {"v": np.zeros(2)}, ("workbench.spec",))
    _damage(run.path, how, other.path)
    with pytest.warns(RuntimeWarning, match="run-store entry") as record:
        again = store.get_or_compute(
            "demo", {"seed": 1}, lambda: ({"v": np.arange(4.0)}, {"n": 4}), ("workbench.spec",)
        )
    assert len(record) == 1 and run.key in str(record[0].message)
    assert not again.reused and again.meta == {"n": 4} and again["v"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert not (run.path.parent / "owned").exists()
    loaded = RunStore(tmp_path / "runs").load(run.key)
    assert loaded is not None and loaded.reused and loaded["v"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_reader_never_mixes_two_writers(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    key = store.key("race", {}, ("workbench.spec",))
    errors: list[str] = []
    stop = threading.Event()

    def writer(value: float) -> None:
        s = RunStore(tmp_path, force=True)
        for _ in range(15):
            s.get_or_compute("race", {}, lambda: ({"v": np.full(5000, value)}, {"v": value}), ("workbench.spec",))

    def reader() -> None:
        while not stop.is_set():
            run = RunStore(tmp_path).load(key)
            if run is not None and not np.all(run["v"] == run.meta["v"]):
                errors.append(f"arrays of {run['v'][0]} with meta of {run.meta['v']}")

    threads = [threading.Thread(target=writer, args=(float(v),)) for v in (1, 2)]
    read = threading.Thread(target=reader)
    read.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    read.join()
    assert not errors
    assert [p.name for p in (tmp_path / key[:2]).iterdir()] == [f"{key}.npz"]  # one file, no left-overs
