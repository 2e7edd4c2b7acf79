"""Quick build of the ``fixed`` report: status, figures, checks of both kinds, clean typesetting."""

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
    return quick_reports.get("fixed"), quick_reports.out / "fixed"


def test_quick_report_passes(quick):
    """Every check passes; simulation and exact checks are present; the figures exist."""
    res, folder = quick
    assert res.status == "pass", res.failed or res.message
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["kinds"]["simulation"] >= 13 and summary["kinds"]["exact"] >= 1
    figures = sorted(p.stem for p in (folder / "figures").iterdir())
    assert figures == ["error_vs_n", "pulse", "scatter", "scatter_failing", "spectra"]
    assert "quick build" in (folder / "fixed.tex").read_text()


@pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed")
def test_quick_report_typeset_cleanly(quick):
    """No overfull box beyond 10 pt, no ASCII maths in the text."""
    _, folder = quick
    log = (folder / "build" / "fixed.log").read_text()
    assert not overfull_boxes(log, 10.0)
    assert not ascii_maths((folder / "fixed.tex").read_text())
