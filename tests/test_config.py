"""Central configuration: every WORKBENCH_* variable is listed, read through workbench.config, printed by the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench import config
from workbench.cli import main
from workbench.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]


def test_every_variable_in_the_tree_is_listed() -> None:
    """A WORKBENCH_* name used anywhere in the package, scripts, notebooks or tests is in config.VARIABLES."""
    used = set()
    for folder in ("workbench", "derivations", "scripts", "notebooks", "tests"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".sh"}:
                used |= set(re.findall(r"\bWORKBENCH_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    used -= {"WORKBENCH_NOT_A_VARIABLE"}
    assert used <= set(config.VARIABLES), sorted(used - set(config.VARIABLES))


def test_the_package_reads_the_environment_only_through_config() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "workbench").rglob("*.py")
        if re.search(r"os\.environ(?:\.get)?\(?\[?[\"']WORKBENCH_", p.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


def test_typed_accessors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "Yes")
    assert config.get_flag("WORKBENCH_NO_CACHE")
    monkeypatch.setenv("WORKBENCH_NO_CACHE", "0")
    assert not config.get_flag("WORKBENCH_NO_CACHE")
    monkeypatch.delenv("WORKBENCH_WORKERS", raising=False)
    assert config.get_int("WORKBENCH_WORKERS") == 0
    monkeypatch.setenv("WORKBENCH_WORKERS", "3")
    assert config.get_int("WORKBENCH_WORKERS") == 3
    monkeypatch.setenv("WORKBENCH_WORKERS", "many")
    with pytest.raises(SpecError, match="WORKBENCH_WORKERS"):
        config.get_int("WORKBENCH_WORKERS")
    with pytest.raises(SpecError, match="unknown variable"):
        config.get_str("WORKBENCH_NOT_A_VARIABLE")


def test_config_command_prints_name_value_default_meaning(monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_WORKERS", "2")
    assert main(["config", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(config.VARIABLES)
    assert rows["WORKBENCH_WORKERS"]["value"] == "2" and rows["WORKBENCH_WORKERS"]["default"] == "0"
    assert all(r["meaning"] for r in rows.values())
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "WORKBENCH_CACHE_DIR" in out and "'2'" in out


def test_error_kinds_are_workbench_errors() -> None:
    import sympy as sp

    from workbench.codegen import compile_system
    from workbench.errors import (
        CodegenError,
        ConvergenceError,
        DivergenceError,
        StoreError,
        WorkbenchError,
        WorkbenchIOError,
    )

    for kind in (SpecError, CodegenError, ConvergenceError, DivergenceError, WorkbenchIOError, StoreError):
        assert issubclass(kind, WorkbenchError)
    x, y = sp.symbols("x y")
    with pytest.raises(CodegenError, match="free symbols"):
        compile_system([x + y], [x], backend="numpy", name="free_symbol")


def test_store_refuses_object_arrays_with_a_store_error(tmp_path) -> None:
    import numpy as np

    from workbench.errors import StoreError
    from workbench.store import RunStore

    with pytest.raises(StoreError, match="dtype object"):
        RunStore(tmp_path).get_or_compute("bad", {}, lambda: {"v": np.array([None, 1])}, ("workbench.spec",))
