"""Golden tests of rendered LaTeX: blocks, a whole synthetic report and the index.

Regenerate the golden files after an intended change with ``WORKBENCH_UPDATE_GOLDEN=1 pytest tests/report``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sympy as sp

from workbench.compare import Comparison, compare_abs, compare_stat
from workbench.errors import SpecError
from workbench.report.content import (
    Checks,
    Equation,
    Figure,
    GeneratedSource,
    Paragraph,
    ReportContent,
    Table,
    short_reason,
)
from workbench.report.latex import make_env
from workbench.report.pipeline import BuildResult, render_index, render_report
from workbench.report.provenance import Provenance
from workbench.report.registry import ReportSpec
from workbench.sim.checks import t_stat

GOLDEN = Path(__file__).parent / "golden"
PROV = Provenance(
    commit="0123456789abcdef0123456789abcdef01234567",
    dirty=False,
    commit_time=0,
    source="f" * 64,
    versions=(("python", "3.11"), ("workbench", "0.1.0"), ("sympy", "1.14.0")),
)


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("WORKBENCH_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if os.environ.get("WORKBENCH_UPDATE_GOLDEN") != "1":
            pytest.fail(f"golden file {path} was missing and has been written; review it and re-run")
    assert text == path.read_text(), f"rendered LaTeX differs from {path} (WORKBENCH_UPDATE_GOLDEN=1 to accept)"


def _render_block(block) -> str:
    env = make_env()
    return env.from_string(r'\BLOCK{import "blocks.tex.j2" as blk}\VAR{blk.render(b)}').render(b=block)


def test_paragraph_mixes_escaped_text_sympy_and_numbers():
    x = sp.Symbol("x", real=True)
    p = Paragraph(("Variance of x_i: ", sp.Eq(sp.Function("C")(x), x**2), " is ", 0.25, " (50%)."))
    assert p.tex == r"Variance of $x_{i}$: $C{\left(x \right)} = x^{2}$ is $0.25$ (50\%)."
    with pytest.raises(SpecError, match="text"):
        _ = Paragraph((object(),)).tex


def test_equation_block():
    t, s = sp.symbols("t s", real=True)
    sigma2 = sp.Symbol("sigma^2", positive=True)
    eq = Equation(sp.Eq(sp.Function("C")(t - s), sigma2 * sp.DiracDelta(t - s)), "white noise & more")
    assert _render_block(eq) == (
        "white noise \\& more:\n\\begin{equation}\n\\wbfit{C{\\left(t - s \\right)} = \\sigma^{2} \\delta\\left(t - s\\right)}\n"
        "\\end{equation}\n\n"
    )
    with pytest.raises(SpecError, match="equation"):
        Equation(r"\frac{1}{2}")


def test_checks_row_golden():
    c = Comparison(
        "Delta_0 (sim)",
        1.924805,
        1.9,
        0.05,
        "4 SE (SE=0.01) + 1/N bias 0.01",
        {"N": 2000, "seed": 7},
        kind="simulation",
    )
    bad = Comparison("C(tau=5)", 0.1, 0.5, 0.05, "4 SE", {}, kind="simulation")
    table = Checks([c, bad])
    full = table.lines
    assert full[0] == (
        r"$\Delta_{0}$ (sim) & sim & $1.925$ & $1.9$ & $0.0248$ & $0.05$ & \textcolor{okgreen}{ok} & [1, 2]"
    )
    assert full[1].endswith(r"\textcolor{failred}{\textbf{FAIL}} & [3]")
    assert table.notes_tex == ["4 SE (SE=0.01) + 1/N bias 0.01", "run: N = 2000, seed = 7", "4 SE"]
    assert (
        Checks([c], compact=True).lines[0]
        == r"$\Delta_{0}$ (sim) & sim & $1.925$ & $1.9$ & $0.0248$ & $0.05$ & \textcolor{okgreen}{ok}"
    )
    with pytest.raises(SpecError, match="checks"):
        Checks([("not", "a comparison")])


def test_student_reason_is_short_and_cites_its_notes():
    """A Student-t reason prints as k SE and dof; the bias reason and the note are cited once as notes."""
    c = t_stat("Delta_0", 1.0, 1.01, 0.01, 3, k=4, bias=0.09, bias_reason="finite-size change", note="stated",
               kind="simulation", N=200)
    d = t_stat("Delta_0", 1.0, 1.0, 0.01, 5.36, kind="simulation", N=200)
    table = Checks([c, d])
    assert table.lines[0].endswith(r"$4\,\mathrm{SE}$, $\nu=3$, $p=0.028$, $+0.09$ [1, 2, 3]")
    assert table.lines[1].endswith(r"$11.2\,\mathrm{SE}$, $\nu=5.36$ [3]")
    assert table.notes_tex == ["finite-size change", "stated", "run: N = 200"]
    assert short_reason("6 digits") == ("", ["6 digits"])


def test_table_validation():
    with pytest.raises(SpecError, match="row 0"):
        Table(["a", "b"], [[1]])
    with pytest.raises(SpecError, match="align"):
        Table(["a"], [[1]], align="p{3cm}")


def _synthetic() -> tuple[ReportSpec, ReportContent]:
    x, g = sp.symbols("x g", real=True)
    spec = ReportSpec("synthetic", "A synthetic report: 100% escaped_title", None, "for golden tests")
    content = ReportContent(summary="Summary with special characters: #1 & $2 & x_i.")
    content.model = "phi = tanh, one population."
    content.model_equation(sp.Eq(sp.Function("phi")(x), sp.tanh(x)), "nonlinearity")
    content.parameter("g", 1.5, "coupling strength", g)
    content.parameter("N", 2000, "neurons")
    content.seeds = {"network": 12345678901, "noise": 2}
    sec = content.section("Result")
    sec.text("The fixed point ", sp.Symbol("Delta_0"), " solves an equation.")
    sec.equation(sp.Eq(sp.Symbol("Delta_0"), g**2 * sp.Integral(sp.tanh(x) ** 2, (x, -sp.oo, sp.oo))))
    sec.blocks.append(Figure("figures/demo.pdf", "A figure caption with 5% noise."))
    sec.table(["quantity", "value"], [["variance", 0.5], ["symbol", g**2]], "A table.", align="lr")
    sub = sec.subsection("Checks")
    sub.checks([compare_stat("Delta_0", 1.0, 1.01, 0.01, k=4.0, N=100, seed=1, kind="simulation")], "Checks.")
    sub.checks([compare_abs("g_chaos", 1.67414, 1.674142, 1e-5, "6 digits of the table", kind="reference")])
    content.generated.append(
        GeneratedSource(
            "demo", "demo_0123456789abcdef.py", "def f(a0):\n    return a0\n", "0123456789abcdef" * 4, "a demo"
        )
    )
    content.notes = ["A note with ~ tilde."]
    return spec, content


def test_whole_report_golden():
    spec, content = _synthetic()
    tex = render_report(spec, content, {"N": 100, "T": 10.0, "name": "x_y"}, False, PROV, [("demo.run", "ab" * 32)])
    _check_golden("synthetic_report.tex", tex)
    assert (
        render_report(spec, content, {"N": 100, "T": 10.0, "name": "x_y"}, False, PROV, [("demo.run", "ab" * 32)])
        == tex
    )
    quick = render_report(spec, content, {"N": 10}, True, PROV)
    assert "quick build" in quick and "quick build" not in tex


def test_index_golden():
    results = [
        BuildResult(
            "simulator",
            "Simulator",
            "pass",
            "full",
            "desc",
            9,
            9,
            kinds={"simulation": 7, "exact": 2},
            tex="t",
            pdf="p",
        ),
        BuildResult("dmft", "DMFT", "fail", "quick", "", 3, 2, failed=["[FAIL] C(5): theory=1 estimate=2"]),
        BuildResult("meanfield", "Mean field", "not built", "--"),
        BuildResult("broken", "Broken", "error", "full", message="ImportError: x"),
    ]
    _check_golden("index.tex", render_index(results, PROV))
