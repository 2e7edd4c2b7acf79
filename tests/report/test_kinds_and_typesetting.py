"""Kinds of checks (simulation / reference / exact), ASCII maths typeset in prose, the typesetting lint."""

from __future__ import annotations

import math

import pytest

from workbench.compare import (
    KINDS,
    Comparison,
    compare_abs,
    compare_rel,
    compare_stat,
    count_kinds,
    relative_tolerance_stats,
)
from workbench.errors import SpecError
from workbench.report.lint import ascii_maths, overfull_boxes, prose_text
from workbench.report.pipeline import BuildResult
from workbench.report.prose import escape_prose


def _c(theory: float, tol: float, kind: str) -> Comparison:
    return Comparison("q", theory, theory, tol, "why", kind=kind)


def test_kind_is_required_and_validated():
    with pytest.raises(TypeError, match="kind"):
        Comparison("q", 1.0, 1.0, 0.1, "why")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="kind"):
        compare_stat("q", 1.0, 1.0, 0.1)  # type: ignore[call-arg]
    with pytest.raises(SpecError, match="kind") as info:
        compare_abs("q", 1.0, 1.0, 0.1, "why", kind="sim")
    assert info.value.parameter == "kind"
    c = compare_rel("q", 2.0, 2.1, 0.1, "why", kind="reference", g=1.5)
    assert c.kind == "reference" and c.context == {"g": 1.5} and "(reference)" in str(c)
    assert c.to_dict()["kind"] == "reference" and c.to_dict()["rel_tolerance"] == pytest.approx(0.1)
    assert _c(0.0, 0.1, "exact").to_dict()["rel_tolerance"] is None


def test_counts_and_relative_tolerances():
    comps = [_c(1.0, 0.01, "simulation"), _c(-2.0, 0.1, "simulation"), _c(4.0, 0.04, "simulation")]
    comps += [_c(0.0, 0.3, "simulation"), _c(1.0, 1e-6, "reference"), _c(1.0, 1e-14, "exact")]
    assert count_kinds(comps) == {"simulation": 4, "reference": 1, "exact": 1}
    assert list(count_kinds([])) == list(KINDS)
    st = relative_tolerance_stats(comps)
    assert st == {"n": 3, "n_zero_theory": 1, "median": pytest.approx(0.01), "max": pytest.approx(0.05)}
    st2 = relative_tolerance_stats(comps[:2])
    assert st2["median"] == pytest.approx(0.03) and math.isclose(st2["max"], 0.05)
    assert relative_tolerance_stats(comps, "reference")["max"] == pytest.approx(1e-6)
    assert relative_tolerance_stats([])["median"] is None


def test_headline_counts_kinds():
    r = BuildResult("dmft", "DMFT", "pass", "full", n_checks=51, n_ok=51)
    r.kinds = {"simulation": 20, "reference": 25, "exact": 6}
    assert r.headline == "dmft: 51 checks \u2014 20 simulation, 25 reference, 6 exact \u2014 all pass"
    r.n_ok, r.status = 49, "fail"
    assert r.headline.endswith("\u2014 2 fail")
    assert BuildResult("x", "X", "not built", "--").headline.startswith("x: not built")


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("x_i and J_ij", "$x_{i}$ and $J_{ij}$"),
        ("g^2/N, sigma_I^2", "$g^{2}$/N, $\\sigma_{I}^{2}$"),
        ("Delta(5) [N->inf]", "Delta(5) [N$\\to\\infty$]"),
        ("lambda_max, tau_n", "$\\lambda_{\\mathrm{max}}$, $\\tau_{n}$"),
        ("a**2, 2^10, x<=y", "$a^{2}$, $2^{10}$, x$\\leq$y"),
        ("static_Delta0 and dmft_static_main", "\\texttt{static\\_\\allowbreak{}Delta0} and "
         "\\texttt{dmft\\_\\allowbreak{}static\\_\\allowbreak{}main}"),
        ("lambda = None.", "lambda = none."),
        ("see notes/a_b.md", "see \\texttt{notes/\\allowbreak{}a\\_\\allowbreak{}b.\\allowbreak{}md}"),
        ("50% & $5 #1", "50\\% \\& \\$5 \\#1"),
    ],
)  # fmt: skip
def test_escape_prose_typesets_ascii_maths(text: str, tex: str):
    assert escape_prose(text) == tex
    assert not ascii_maths(r"\begin{document}" + escape_prose(text))


def test_escape_prose_stays_safe():
    hostile = r"\input{/etc/passwd} a_&%$#{}\^~"
    out = escape_prose(hostile)
    assert r"\input" not in out and "\\textbackslash{}input" in out and "$" not in out.replace(r"\$", "")


def test_lint_finds_overfull_boxes_and_ascii_maths():
    log = (
        "Overfull \\hbox (11.22166pt too wide) in alignment at lines 514--518\n"
        "Overfull \\hbox (3.4pt too wide) in paragraph at lines 529--529\n"
    )
    boxes = overfull_boxes(log, 10.0)
    assert [(b.pt, b.where, b.line) for b in boxes] == [(11.22166, "alignment", 514)]
    assert len(overfull_boxes(log)) == 2
    tex = (
        "\\begin{document}\nok $x_i^2$ and \\texttt{a\\_b} \\begin{equation}a_b\\end{equation}\n"
        "bad x\\_i, g\\textasciicircum{}2, N-\\textgreater{}inf, a**2, None, \\textsc{nan}\n"
        "\\includegraphics[width=1.0\\linewidth]{figures/phase_diagram.pdf}\n"
    )
    assert "phase_diagram" not in prose_text(tex)
    assert sorted(a.kind for a in ascii_maths(tex)) == ["**", "->", "None", "^", "_", "nan"]


def test_code_parts_stay_verbatim() -> None:
    """A Code part (a command line with a phi as typed) is set in texttt, escaped, not typeset as maths."""
    from workbench.report.content import Code, Paragraph
    from workbench.report.lint import ascii_maths

    tex = Paragraph(("run ", Code("workbench dimension --phi x/(1+x**2) --g 2 & 50% $x_i$"), ".")).tex
    assert tex.startswith(r"run \texttt{workbench") and "x**2" in tex
    assert r"\&" in tex and r"\%" in tex and r"\$" in tex and "$" not in tex.replace(r"\$", "")
    assert not ascii_maths(tex)
    assert "--" not in tex and "-{}-" in tex  # --phi: two hyphens, not the T1 en-dash ligature
