"""Quick build of the ``dimension`` report: status, figures, checks of every kind, clean typesetting."""

from __future__ import annotations

import json

import pytest

from workbench.report.lint import ascii_maths, overfull_boxes
from workbench.report.pipeline import tex_missing_message

HAS_TEX = tex_missing_message() is None


@pytest.fixture(scope="module")
def quick(quick_reports):
    """The session's quick build (PDF when TeX is installed; made once per session, see ``QuickReports`` in
    conftest.py)."""
    return quick_reports.get("dimension"), quick_reports.out / "dimension"


def test_quick_report_passes(quick):
    """Every check passes; exact, reference and simulation checks are all present; the six figures exist."""
    res, folder = quick
    assert res.status == "pass", res.failed or res.message
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["kinds"]["exact"] >= 4 and summary["kinds"]["reference"] >= 5
    assert summary["kinds"]["simulation"] >= 12
    figures = sorted(p.stem for p in (folder / "figures").iterdir())
    assert figures == ["critical", "finite_size", "hs_density", "instability", "pr_vs_g", "psi"]
    tex = (folder / "dimension.tex").read_text()
    assert r"\includegraphics" in tex and "quick build" in tex


@pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed")
def test_quick_report_typeset_cleanly(quick):
    """No overfull box at all (beyond 1 pt of rounding; the parameter table keeps one short value per row, so the
    margin does not depend on how long a list of values is), no ASCII maths in the text."""
    _, folder = quick
    log = (folder / "build" / "dimension.log").read_text()
    assert not overfull_boxes(log, 1.0), overfull_boxes(log, 1.0)
    assert not ascii_maths((folder / "dimension.tex").read_text())


def test_quick_report_has_the_regimes(quick):
    """The OU-noise, static-input, Pade-type and clipped-cubic regimes are checked against simulation (x and phi)."""
    res, folder = quick
    tex = (folder / "dimension.tex").read_text()
    assert "Other regimes" in tex
    from workbench.theories.dimension.report_regimes import REGIMES

    names = [c["quantity"] for c in res.checks]
    for r in REGIMES:
        assert sum(n.startswith(f"{r['label']}: ") for n in names) == (8 if r.get("autocov_checked", True) else 6)


@pytest.mark.parametrize("i", range(4))
def test_regime_spec_is_the_command_line(i: int):
    """Each regime's simulated spec is what ``workbench dimension`` builds from the printed options (so the
    report checks the CLI's numbers)."""
    from workbench.cli import build_parser
    from workbench.theories.dimension.cli import spec_from_cli
    from workbench.theories.dimension.report_regimes import REGIMES, regime_argv, regime_spec

    r = REGIMES[i]
    args = build_parser().parse_args(["dimension", *regime_argv(r).split()])
    cli = spec_from_cli(args).replace(N=400).to_dict()
    assert regime_spec(r, 400).to_dict() == cli


def test_precision_reaches_the_regime_and_psi_runs():
    """``regime_dtype`` and ``psi_dtype`` (float32 by default) are the stored runs' precision, and an unknown
    precision is one SpecError naming ``dtype``."""
    from workbench.errors import SpecError
    from workbench.report.registry import get_report
    from workbench.theories.dimension.frequency_checks import PsiRun
    from workbench.theories.dimension.report_frequency import psi_jobs
    from workbench.theories.dimension.report_regimes import regime_jobs

    spec = get_report("dimension")
    P = {**spec.default_params, **spec.quick_params}  # the quick build's jobs: their twin gains are cached by then
    assert P["regime_dtype"] == P["psi_dtype"] == "float32"
    assert {job.params["run"]["dtype"] for key, job in regime_jobs(P).items() if key[0] == "regime"} == {"float32"}
    assert {job.params["run"]["dtype"] for job in psi_jobs(P).values()} == {"float32"}
    P64 = {**P, "regime_dtype": "float64", "psi_dtype": "float64"}
    assert {job.params["run"]["dtype"] for job in psi_jobs(P64).values()} == {"float64"}
    with pytest.raises(SpecError, match="dtype"):
        PsiRun(dtype="float16")
