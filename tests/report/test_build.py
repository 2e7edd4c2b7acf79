"""The build pipeline: a quick build of every report, reproducibility, errors, missing TeX, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import workbench.report.pipeline as build_mod
from workbench.cli import main
from workbench.compare import KINDS
from workbench.errors import SpecError
from workbench.report import ReportContent, build, build_report, register_report, registry
from workbench.report.lint import ascii_maths, overfull_boxes
from workbench.report.pipeline import compile_pdf, tex_missing_message

HAS_TEX = tex_missing_message() is None
latex = pytest.mark.latex
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="latexmk/pdflatex not installed (bash scripts/install_tex.sh)")


def _assert_contains(text: str, *parts: str) -> None:
    """Every one of ``parts`` occurs in ``text`` (the missing ones are named)."""
    missing = [part for part in parts if part not in text]
    assert not missing, missing


@pytest.fixture(scope="module")
def quick(quick_reports) -> dict:
    """The session's quick build of every registered report (PDFs when TeX is installed; each report built once
    per session, see ``QuickReports`` in conftest.py), then the index, shared below."""
    names = [r.name for r in registry.available_reports()]
    results = quick_reports.get_all(names)
    results["index"] = build_mod.build_index(quick_reports.out, pdf=quick_reports.pdf)
    return {"root": quick_reports.root, "out": quick_reports.out, "store": quick_reports.store, "results": results}


def test_quick_build_statuses(quick):
    res = quick["results"]
    assert set(res) >= {"simulator", "dmft", "index"}
    sim = res["simulator"]
    assert sim.status == "pass", sim.failed or sim.message
    assert sim.n_checks >= 8 and sim.n_ok == sim.n_checks
    assert res["dmft"].status == "pass", res["dmft"].failed or res["dmft"].message
    assert res["dmft"].n_checks >= 40
    out = quick["out"]
    assert (out / "index.tex").is_file()
    summary = json.loads((out / "simulator" / "summary.json").read_text())
    assert summary["status"] == "pass" and len(summary["checks"]) == sim.n_checks
    assert all(c["kind"] in KINDS for c in summary["checks"])
    assert summary["kinds"] == {k: sum(c["kind"] == k for c in summary["checks"]) for k in KINDS}
    assert summary["kinds"]["simulation"] >= 6 and summary["kinds"]["exact"] == 2
    rel = summary["simulation_rel_tolerance"]
    assert rel["n"] + rel["n_zero_theory"] == summary["kinds"]["simulation"]
    assert 0 < rel["median"] <= rel["max"]
    assert sorted(p.name for p in (out / "simulator" / "figures").iterdir()) == [
        "chaos_summary.pdf",
        "linear_covariance.pdf",
    ]
    assert list((out / "simulator" / "generated").glob("expeuler_coefficients_*.py"))


def test_report_has_required_parts(quick):
    tex = (quick["out"] / "simulator" / "simulator.tex").read_text()
    _assert_contains(
        tex,
        r"\section{Model and parameters}",
        r"\section{Theory against simulation, references and exact results}",
        r"\section{Generated code}",
        r"\section{Provenance}",
        r"\includegraphics",
        r"\lstinputlisting{generated/expeuler_coefficients_",
        "quick build",
        r"\wbpass",
    )
    assert str(quick["root"]) not in tex  # no machine-specific absolute paths
    index = (quick["out"] / "index.tex").read_text()
    assert r"\texttt{simulator}" in index and r"\texttt{dmft}" in index
    sim = quick["results"]["simulator"]
    kinds = ", ".join(f"{sim.kinds[k]} {k}" for k in KINDS)
    assert f"simulator: {sim.n_checks} checks --- {kinds} --- all pass" in index
    assert r"\label{tab:kinds}" in tex and "Kind &" in tex


@latex
@needs_tex
def test_quick_builds_are_typeset_cleanly(quick):
    """Every quick report: no overfull box beyond 10 pt in the latexmk log, no ASCII maths in the text."""
    problems = {}
    for name, res in quick["results"].items():
        folder = quick["out"] if name == "index" else quick["out"] / name
        log = (quick["out"] / "build" / "index" if name == "index" else folder / "build") / f"{name}.log"
        if res.status in ("error", "not built") or not log.is_file():
            problems[name] = [f"not built: {res.message}"]
            continue
        tex = (folder / f"{name}.tex").read_text()
        boxes = [f"overfull {o.pt:.1f}pt ({o.where}, line {o.line})" for o in overfull_boxes(log.read_text(), 10.0)]
        problems[name] = boxes + [f"ASCII {a.kind!r}: ...{a.context}..." for a in ascii_maths(tex)]
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def test_rebuild_is_byte_identical_and_reuses_runs(quick, tmp_path):
    again = build_report("simulator", tmp_path / "r", build_mod.RunStore(quick["store"]), quick=True, pdf=False)
    assert again.status == "pass"
    a = (quick["out"] / "simulator" / "simulator.tex").read_bytes()
    assert (tmp_path / "r" / "simulator" / "simulator.tex").read_bytes() == a
    for f in ("linear_covariance.pdf", "chaos_summary.pdf"):
        assert (tmp_path / "r" / "simulator" / "figures" / f).read_bytes() == (
            quick["out"] / "simulator" / "figures" / f
        ).read_bytes()


def test_force_recomputes_same_numbers(quick, tmp_path):
    store = build_mod.RunStore(quick["store"], force=True)
    again = build_report("simulator", tmp_path / "f", store, quick=True, pdf=False)
    assert again.status == "pass"
    assert (tmp_path / "f" / "simulator" / "simulator.tex").read_bytes() == (
        quick["out"] / "simulator" / "simulator.tex"
    ).read_bytes()


def test_lanes_build_the_same_documents(quick, tmp_path):
    """Two reports side by side in spawned lane processes (one CPU each, a fresh store): the same .tex and figure
    bytes as the shared in-process build, results in the order asked, then the index."""
    names = ["symmetric", "rmt-jacobians"]
    res = build(names, out_root=tmp_path / "r", store_root=tmp_path / "s", quick=True, pdf=False, progress=False,
                lanes=2)
    assert [r.name for r in res] == [*names, "index"]
    assert [r.status for r in res] == ["pass"] * 3
    for name in names:
        assert (tmp_path / "r" / name / f"{name}.tex").read_bytes() == (quick["out"] / name / f"{name}.tex").read_bytes()
        figs = sorted((quick["out"] / name / "figures").iterdir())
        assert figs and all((tmp_path / "r" / name / "figures" / f.name).read_bytes() == f.read_bytes() for f in figs)


@pytest.mark.parametrize("lanes", [0, -1, 1.5])
def test_bad_lanes_are_refused(lanes, tmp_path):
    with pytest.raises(SpecError, match="lanes"):
        build(["symmetric"], out_root=tmp_path, quick=True, pdf=False, lanes=lanes)


def test_cli_bad_lanes(capsys, tmp_path, monkeypatch):
    assert main(["report", "symmetric", "--lanes", "0", "--out", str(tmp_path)]) == 2
    assert "lanes" in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_REPORT_LANES", "-2")
    assert main(["report", "symmetric", "--out", str(tmp_path)]) == 2
    assert "WORKBENCH_REPORT_LANES" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing built


def test_default_lanes(monkeypatch):
    monkeypatch.setattr(build_mod.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("WORKBENCH_REPORT_LANES", raising=False)
    assert build_mod.default_lanes(8) == 2
    assert build_mod.default_lanes(1) == 1
    assert build_mod.default_lanes(8, "dask") == 1
    monkeypatch.setenv("WORKBENCH_REPORT_LANES", "3")
    assert build_mod.default_lanes(8) == 3
    monkeypatch.setattr(build_mod.os, "cpu_count", lambda: 1)
    monkeypatch.setenv("WORKBENCH_REPORT_LANES", "0")
    assert build_mod.default_lanes(8) == 1


@latex
@needs_tex
def test_quick_build_compiled_pdfs(quick):
    for name in (n for n in quick["results"] if n != "index"):
        pdf = quick["out"] / name / f"{name}.pdf"
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), quick["results"][name].message
    assert (quick["out"] / "index.pdf").is_file()


@latex
@needs_tex
def test_golden_report_compiles(tmp_path):
    src = Path(__file__).parent / "golden"
    for name in ("synthetic_report.tex", "index.tex"):
        shutil.copy(src / name, tmp_path / name)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "demo_0123456789abcdef.py").write_text("def f(a0):\n    return a0\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (tmp_path / "figures").mkdir()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "figures" / "demo.pdf")
    plt.close(fig)
    for name in ("synthetic_report", "index"):
        pdf = compile_pdf(tmp_path / f"{name}.tex", tmp_path / "build", tmp_path / f"{name}.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")


def test_missing_tex_gives_tex_and_a_clear_message(quick, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_mod.shutil, "which", lambda name: None)
    rc = main(["report", "simulator", "--quick", "--out", str(tmp_path / "o"), "--store", str(quick["store"])])
    assert rc == 0
    assert (tmp_path / "o" / "simulator" / "simulator.tex").is_file()
    assert not (tmp_path / "o" / "simulator" / "simulator.pdf").exists()
    err = capsys.readouterr().err
    assert "latexmk and pdflatex not found" in err and "install_tex.sh" in err and "texlive-latex-base" in err


def test_cli_bad_report_name(capsys, tmp_path):
    rc = main(["report", "simulatorr", "--out", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "unknown report 'simulatorr'" in err and "did you mean 'simulator'" in err and "available reports:" in err
    assert not any(tmp_path.iterdir())  # nothing built


def test_cli_list(capsys):
    assert main(["report", "--list"]) == 0
    out = capsys.readouterr().out
    assert "simulator" in out and "dmft" in out


def test_broken_report_does_not_stop_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register_report("tmp-broken", title="Broken", order=0)
    def broken(ctx):
        raise RuntimeError("deliberately broken")

    @register_report("tmp-ok", title="Fine & dandy", order=1, default_params={"n": 1})
    def fine(ctx):
        c = ReportContent(summary="ok")
        c.section("S").text("n = ", ctx.params["n"])
        return c

    results = {
        r.name: r for r in build(["tmp-broken", "tmp-ok"], out_root=tmp_path, store_root=tmp_path / "runs", pdf=False)
    }
    assert results["tmp-broken"].status == "error" and "deliberately broken" in results["tmp-broken"].message
    assert not (tmp_path / "tmp-broken" / "tmp-broken.tex").exists()
    assert results["tmp-ok"].status == "no-checks"
    index = (tmp_path / "index.tex").read_text()
    assert (
        r"\wberror" in index and "Fine \\& dandy" in index and r"\wbnotbuilt" in index
    )  # simulator, dmft not built here


def test_stale_pdf_is_removed_on_failed_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    state = {"fail": False}

    @register_report("tmp-flaky", title="Flaky")
    def flaky(ctx):
        if state["fail"]:
            raise RuntimeError("now broken")
        return ReportContent(summary="fine")

    build_report("tmp-flaky", tmp_path, pdf=False)
    (tmp_path / "tmp-flaky" / "tmp-flaky.pdf").write_bytes(b"%PDF old")
    state["fail"] = True
    res = build_report("tmp-flaky", tmp_path, pdf=False)
    assert res.status == "error"
    assert not (tmp_path / "tmp-flaky" / "tmp-flaky.pdf").exists()
    assert not (tmp_path / "tmp-flaky" / "tmp-flaky.tex").exists()


def test_dmft_report_contents_and_a_failing_reference(quick, tmp_path, monkeypatch):
    """The dmft report shows the derived equations, the generated solvers and every study; a wrong
    reference value turns its check (and the report) red."""
    from workbench.theories.dmft import references

    tex = (quick["out"] / "dmft" / "dmft.tex").read_text()
    _assert_contains(
        tex,
        r"\section{Derivation}",
        r"\section{Reference values}",
        r"\section{Phase diagram}",
        r"\section{Finite-size study of the autocovariance}",
        r"\section{Largest Lyapunov exponent}",
        r"\section{Two populations and coloured noise}",
        r"\lstinputlisting{generated/dmft_",
    )
    figs = sorted(p.name for p in (quick["out"] / "dmft" / "figures").iterdir())
    assert figs == [
        "autocovariance.pdf",
        "finite_size.pdf",
        "lyapunov.pdf",
        "phase_diagram.pdf",
        "populations_ou.pdf",
        "white_noise.pdf",
    ]
    bad = references.RefTable(
        references.DMFT_SCS.columns,
        ((2.0, 1.95, 2.121474, 0.513178, 5.361, 0.2281, 0.11246),),  # Delta0 off by 1.3%
        "a wrong table (test)",
        1e-4,
    )
    import workbench.theories.dmft.report as dmft_section

    monkeypatch.setattr(dmft_section, "DMFT_SCS", bad)
    res = build_report("dmft", tmp_path, build_mod.RunStore(quick["store"]), quick=True, pdf=False)
    assert res.status == "fail" and any("Delta_0 (g = 2)" in f for f in res.failed), res.failed
