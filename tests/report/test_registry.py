"""The report registry: names, parameters, discovery and clear errors."""

from __future__ import annotations

import pytest

from workbench.errors import SpecError
from workbench.report import registry
from workbench.report.registry import get_report, register_report, report_names


def test_builtin_reports_are_discovered():
    names = report_names()
    assert names[:2] == ["simulator", "dmft"]
    spec = get_report("simulator")
    assert spec.params(quick=True)["lin_N"] < spec.params(quick=False)["lin_N"]


def test_unknown_report_names_the_available_ones():
    with pytest.raises(
        SpecError, match=r"unknown report 'simulatr' \(did you mean 'simulator'\?\); available reports: simulator, dmft"
    ):
        get_report("simulatr")


@pytest.mark.parametrize("bad", ["Index", "index", "1abc", "a b", "", "x" * 41])
def test_bad_names_are_refused(bad):
    with pytest.raises(SpecError, match="report name"):
        register_report(bad, title="t")


def test_quick_params_must_override_defaults():
    with pytest.raises(SpecError, match="quick_params"):
        register_report("tmp-x", title="t", default_params={"N": 1}, quick_params={"M": 2})


def test_duplicate_name_from_other_function(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register_report("tmp-dup", title="t")
    def one(ctx):  # pragma: no cover - never called
        return None

    with pytest.raises(SpecError, match="already registered"):

        @register_report("tmp-dup", title="t")
        def two(ctx):  # pragma: no cover
            return None
