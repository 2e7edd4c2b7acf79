"""The report build: run a report function, render the .tex, compile the PDF, write the index.

For every report ``name`` the build writes, under the output folder (default ``reports/``)::

    <name>/<name>.tex         the document (atomic write; byte-for-byte reproducible)
    <name>/<name>.pdf         the compiled document (only when latexmk is available)
    <name>/figures/*.pdf      figures (matplotlib, reproducible bytes)
    <name>/generated/*.py     copies of the generated solver modules shown in the appendix
    <name>/summary.json       status and checks, read by the index
    <name>/build/             latexmk's auxiliary files
    index.tex, index.pdf      every registered report with its status
    build/index/              latexmk's auxiliary files of the index

A stale PDF or summary of a previous build is removed before a report is rebuilt, so a failed
rebuild never leaves an old document that looks current.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from workbench.compare import KINDS, count_kinds, relative_tolerance_stats
from workbench.errors import SpecError, WorkbenchError
from workbench.io import atomic_path, atomic_write_text, json_default
from workbench.report.content import (
    Checks,
    ReportContent,
    parameter_rows,
)
from workbench.report.context import ReportContext, default_workers
from workbench.report.latex import escape_path, escape_tex, fmt_num, make_env
from workbench.report.prose import escape_prose
from workbench.report.provenance import Provenance, collect_provenance
from workbench.report.registry import ReportSpec, available_reports, get_report
from workbench.store import RunStore

__all__ = [
    "BuildResult",
    "LatexError",
    "TEX_PACKAGES",
    "build",
    "build_index",
    "build_report",
    "compile_pdf",
    "default_lanes",
    "render_index",
    "render_report",
    "tex_missing_message",
]

TEX_PACKAGES = (
    "texlive-latex-base",
    "texlive-latex-recommended",
    "texlive-fonts-recommended",
    "lmodern",
    "latexmk",
)
"""The minimal Debian TeX set the templates need (about 200 MB installed)."""

STATUS_MACRO = {
    "pass": r"\wbpass",
    "fail": r"\wbfail",
    "pending": r"\wbpending",
    "error": r"\wberror",
    "no-checks": r"\wbnochecks",
    "not built": r"\wbnotbuilt",
}


class LatexError(WorkbenchError):
    """latexmk failed; the message holds the first LaTeX error and the tail of the log."""


@dataclass
class BuildResult:
    """Outcome of building one report (also stored as ``summary.json``)."""

    name: str
    title: str
    status: str
    mode: str
    description: str = ""
    n_checks: int = 0
    n_ok: int = 0
    failed: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    simulation_rel_tolerance: dict[str, Any] = field(default_factory=dict)
    tex: str | None = None
    pdf: str | None = None
    message: str = ""
    pdf_message: str = ""

    @property
    def status_line(self) -> str:
        """One line of text: checks within tolerance or the reason for the status."""
        if self.status == "error":
            return f"the build failed: {self.message}"
        if self.status == "not built":
            return "not built yet (run: workbench report " + self.name + ")"
        if self.status == "pending":
            return f"integration pending: {self.message}" if self.message else "integration pending"
        if self.n_checks == 0:
            return "no checks"
        return f"{self.n_ok} of {self.n_checks} checks within tolerance ({self.mode} build)"

    @property
    def headline(self) -> str:
        """``dmft: 51 checks - 20 simulation, 25 reference, 6 exact - all pass`` (text, not escaped)."""
        if self.status in ("error", "not built") or not self.n_checks:
            return f"{self.name}: {self.status_line}"
        kinds = ", ".join(f"{self.kinds.get(k, 0)} {k}" for k in KINDS)
        verdict = "all pass" if self.n_ok == self.n_checks else f"{self.n_checks - self.n_ok} fail"
        return f"{self.name}: {self.n_checks} checks \u2014 {kinds} \u2014 {verdict}"


# ----------------------------------------------------------------------------------------------- TeX


def tex_missing_message(tex_path: Path | None = None) -> str | None:
    """None when latexmk and pdflatex are on PATH, else how to get the PDF."""
    missing = [t for t in ("latexmk", "pdflatex") if shutil.which(t) is None]
    if not missing:
        return None
    where = f"wrote {tex_path} but no PDF. " if tex_path else ""
    return (
        f"{' and '.join(missing)} not found: {where}To get PDFs install a minimal TeX set "
        f"(Debian/Ubuntu, as root): `bash scripts/install_tex.sh`, i.e. "
        f"`apt-get install --no-install-recommends {' '.join(TEX_PACKAGES)}`; then run `workbench report` "
        "again (stored simulation runs are re-used), or `latexmk -pdf <name>.tex` inside the report folder."
    )


def _latex_error(log: Path, out: str) -> str:
    text = log.read_text(errors="replace") if log.is_file() else out
    lines = text.splitlines()
    first = ""
    for i, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^[^:\s]+\.tex:\d+: ", line):
            first = "\n".join(lines[i : i + 4])
            break
    tail = "\n".join(lines[-15:])
    return f"{first}\n--- tail of {log.name} ---\n{tail}" if first else f"--- tail of {log.name} ---\n{tail}"


def compile_pdf(tex: Path, build_dir: Path, pdf: Path, epoch: int = 0, timeout: float = 600) -> Path:
    """Compile ``tex`` with latexmk (auxiliary files in ``build_dir``) and move the PDF to ``pdf`` atomically.

    Parameters
    ----------
    tex : Path
        The ``.tex`` file; latexmk runs in its folder (figures are relative to it).
    build_dir : Path
        latexmk's ``-outdir``.
    pdf : Path
        Final location of the PDF.
    epoch : int
        ``SOURCE_DATE_EPOCH`` (the commit time) so the PDF bytes do not depend on the clock.

    Raises
    ------
    LatexError
        latexmk failed (message with the first LaTeX error and the log tail) or is missing.
    """
    msg = tex_missing_message()
    if msg:
        raise LatexError(msg)
    tex = tex.resolve()
    build_dir = build_dir.resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(int(epoch)), FORCE_SOURCE_DATE="1", TZ="UTC")
    cmd = [
        "latexmk",
        "-pdf",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        f"-outdir={build_dir}",
        tex.name,
    ]
    try:
        out = subprocess.run(cmd, cwd=tex.parent, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LatexError(f"latexmk on {tex} took longer than {timeout:.0f} s") from exc
    built = build_dir / (tex.stem + ".pdf")
    if out.returncode != 0 or not built.is_file():
        raise LatexError(
            f"latexmk failed on {tex}:\n" + _latex_error(build_dir / (tex.stem + ".log"), out.stdout + out.stderr)
        )
    with atomic_path(pdf) as tmp:
        shutil.copyfile(built, tmp)
    return pdf


# ----------------------------------------------------------------------------------------- rendering


def _versions_text(prov: Provenance) -> str:
    return ", ".join(f"{escape_tex(k)} {escape_tex(v)}" for k, v in prov.versions)


def _kv_text(d: dict[str, Any]) -> str:
    if not d:
        return "none"
    parts = []
    for k, v in d.items():
        val = fmt_num(v) if isinstance(v, (bool, int, float)) else escape_tex(v)
        parts.append(f"\\texttt{{{escape_path(k)}}} $=$ {val}")
    return ", ".join(parts)


def _cell_value(v: Any) -> str:
    return fmt_num(v) if isinstance(v, (bool, int, float)) else escape_tex(v)


PARAMS_COLSPEC = r">{\raggedright\arraybackslash}p{3.0cm} c r >{\raggedright\arraybackslash}p{7.4cm}"
PARAMS_HEADER = "Parameter & Symbol & Value & Meaning"
GENERATED_COLSPEC = (
    r">{\raggedright\arraybackslash}p{3.4cm}>{\raggedright\arraybackslash}p{6.2cm}"
    r"r>{\raggedright\arraybackslash}p{4.6cm}"
)
GENERATED_HEADER = "Function & File (in the report folder; the name ends with the content key) & Lines & Role"


def render_report(
    spec: ReportSpec,
    content: ReportContent,
    params: dict[str, Any],
    quick: bool,
    prov: Provenance,
    runs: Sequence[tuple[str, str]] = (),
) -> str:
    """The ``.tex`` of one report: a pure function of its arguments.

    Parameters
    ----------
    spec : ReportSpec
        The registered report (name, title).
    content : ReportContent
        What the report function returned.
    params : dict
        The build parameters it ran with.
    quick : bool
        Quick build (said on the title page).
    prov : Provenance
        Commit, source hash, versions.
    runs : sequence of (kind, key)
        Run-store entries used (keys shown in the provenance block).
    """
    content.validate()
    comps = content.comparisons
    status = content.status
    n_ok = sum(c.ok for c in comps)
    if status == "pending":
        done = f"{n_ok} of {len(comps)} checks within tolerance" if comps else "no checks yet"
        line = escape_tex(f"{done}; part of this report waits for code that has not landed.")
    elif not comps:
        line = "this report has no checks."
    else:
        line = escape_tex(f"{n_ok} of {len(comps)} checks within tolerance ({_kinds_text(comps)}).")
    param_lines = [
        " & ".join([r["name"], r["symbol"], r["value"], r["description"]]) for r in parameter_rows(content.parameters)
    ]
    gen_lines = [
        " & ".join(
            [
                r"\texttt{" + escape_path(g.name) + "}",
                r"\texttt{" + escape_path("generated/" + g.filename) + "}",
                fmt_num(g.n_lines),
                escape_prose(g.description),
            ]
        )
        for g in content.generated
    ]
    generated = [
        {"filename_tex": escape_path(g.filename), "path": "generated/" + g.filename} for g in content.generated
    ]
    seen: list[tuple[str, str]] = []
    for r in runs:
        if r not in seen:
            seen.append(r)
    runs_text = ", ".join(f"\\texttt{{{escape_path(k)}}} \\texttt{{{_breakable_hex(r[:16])}}}" for k, r in seen)
    runs_text = runs_text or "none (nothing stored)"
    command = f"workbench report {spec.name}" + (" --quick" if quick else "")
    env = make_env()
    return env.get_template("report.tex.j2").render(
        title=escape_tex(spec.title),
        **_provenance_fields(prov),
        quick=quick,
        mode="quick" if quick else "full",
        status_macro=STATUS_MACRO[status],
        status_line=line,
        summary=escape_prose(content.summary),
        pending=escape_prose(content.pending),
        model=escape_prose(content.model),
        params_colspec=PARAMS_COLSPEC,
        params_header=PARAMS_HEADER,
        params_caption="Model and run parameters.",
        parameters=param_lines,
        build_params=[f"\\texttt{{{escape_path(k)}}} & {_cell_value(v)}" for k, v in params.items()],
        model_equations=content.model_equations,
        sections=content.sections,
        checks=Checks(comps),
        n_ok=n_ok,
        n_checks=len(comps),
        kinds_text=escape_tex(_kinds_text(comps)),
        kind_rows=_kind_rows(comps),
        generated_colspec=GENERATED_COLSPEC,
        generated_header=GENERATED_HEADER,
        generated_lines=gen_lines,
        generated=generated,
        seeds=_kv_text(content.seeds),
        runs=runs_text,
        command=escape_tex(command),
        notes=[escape_prose(n) for n in content.notes],
    )


def _kinds_text(comps: Sequence[Any]) -> str:
    """``20 simulation, 25 reference, 6 exact``."""
    return ", ".join(f"{n} {k}" for k, n in count_kinds(comps).items())


def _kind_rows(comps: Sequence[Any]) -> list[str]:
    """Rows of the per-kind table: kind, checks, within tolerance, median and max of tolerance/|theory|."""
    rows = []
    for k in KINDS:
        sel = [c for c in comps if c.kind == k]
        if not sel:
            continue
        st = relative_tolerance_stats(sel, k)
        med, mx = (fmt_num(st[q], 3) if st[q] is not None else "--" for q in ("median", "max"))
        rows.append(" & ".join([k, fmt_num(len(sel)), fmt_num(sum(c.ok for c in sel)), med, mx]))
    return rows


def _provenance_fields(prov: Provenance) -> dict[str, Any]:
    """Template fields ``version``, ``versions`` and ``prov`` (short and full commit, dirty flag, source hash)."""
    return {
        "version": escape_tex(prov.versions[1][1] if len(prov.versions) > 1 else ""),
        "versions": _versions_text(prov),
        "prov": {
            "short": escape_tex(prov.short),
            "commit": _breakable_hex(prov.commit),
            "dirty": prov.dirty,
            "source": _breakable_hex(prov.source[:32]),
        },
    }


def _breakable_hex(text: str, every: int = 8) -> str:
    r"""A hash for ``\texttt`` with a break point every ``every`` characters."""
    s = escape_tex(text)
    return r"\allowbreak{}".join(s[i : i + every] for i in range(0, len(s), every))


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


INDEX_COLSPEC = r">{\raggedright\arraybackslash}p{2.4cm}>{\raggedright\arraybackslash}p{6.6cm}l r l"
INDEX_HEADER = r"Report & Title & Status & Checks ok & Build"


def render_index(results: Sequence[BuildResult], prov: Provenance, out_hint: str = "reports") -> str:
    """The ``.tex`` of the index: every report, its status and its failed checks."""
    lines, reports = [], []
    for r in results:
        checks = f"{r.n_ok}/{r.n_checks}" if r.status not in ("error", "not built") else "--"
        lines.append(
            " & ".join(
                [
                    r"\texttt{" + escape_path(r.name) + "}",
                    escape_tex(r.title),
                    STATUS_MACRO[r.status],
                    checks,
                    escape_tex(r.mode if r.status != "not built" else "--"),
                ]
            )
        )
        reports.append(
            {
                "title": escape_tex(f"{r.title} ({r.name})"),
                "description": escape_tex(r.description),
                "status_macro": STATUS_MACRO[r.status],
                "status_line": escape_tex(_sentence(r.status_line)),
                "pdf": f"{r.name}/{r.name}.pdf" if r.pdf else "",
                "pdf_tex": escape_path(f"{r.name}/{r.name}.pdf"),
                "failed": [escape_prose(f) for f in r.failed],
            }
        )
    headlines = [escape_tex(r.headline) for r in results]
    counts = {s: sum(r.status == s for r in results) for s in STATUS_MACRO}
    if counts["error"] or counts["fail"]:
        overall = r"\wbfail"
    elif counts["pass"] and not counts["not built"]:
        overall = r"\wbpass"
    else:
        overall = r"\wbnochecks" if not counts["pass"] else r"\wbpass"
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    overall_line = escape_tex(f"{len(results)} reports: " + ", ".join(parts) + ".")
    env = make_env()
    return env.get_template("index.tex.j2").render(
        **_provenance_fields(prov),
        overall_macro=overall,
        overall_line=overall_line,
        out_hint=escape_path(out_hint),
        colspec=INDEX_COLSPEC,
        header=INDEX_HEADER,
        lines=lines,
        reports=reports,
        headlines=headlines,
    )


# ------------------------------------------------------------------------------------------- builds


def _clean(out: Path, name: str) -> None:
    """Remove the previous build's products of a report (not its latexmk aux folder)."""
    for f in (out / f"{name}.pdf", out / "summary.json", out / f"{name}.tex"):
        f.unlink(missing_ok=True)
    for d in (out / "figures", out / "generated"):
        if d.is_dir():
            shutil.rmtree(d)


def _write_summary(out: Path, res: BuildResult) -> None:
    atomic_write_text(
        out / "summary.json", json.dumps(asdict(res), indent=1, sort_keys=True, default=_json_default) + "\n"
    )


def _json_default(o: Any) -> Any:
    try:
        return json_default(o)
    except TypeError:
        return str(o)


def _read_summary(out_root: Path, spec: ReportSpec) -> BuildResult:
    path = out_root / spec.name / "summary.json"
    try:
        d = json.loads(path.read_text())
        res = BuildResult(**{k: v for k, v in d.items() if k in BuildResult.__dataclass_fields__})
        if res.pdf and not (out_root / spec.name / f"{spec.name}.pdf").is_file():
            res.pdf = None
        res.title, res.description = spec.title, spec.description
        return res
    except (OSError, ValueError, TypeError):
        return BuildResult(spec.name, spec.title, "not built", "--", spec.description)


def build_report(
    name: str,
    out_root: str | Path = "reports",
    store: RunStore | None = None,
    quick: bool = False,
    pdf: bool = True,
    progress: bool | None = None,
    stream: TextIO | None = None,
    executor: str = "processes",
    scheduler: str | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Build one report into ``out_root/<name>/``.

    Parameters
    ----------
    name : str
        A registered report name (unknown names raise :class:`SpecError` listing the available ones).
    out_root : path
        Output folder (``reports/``).
    store : RunStore, optional
        Run store (default ``RunStore("runs")``).
    quick : bool
        Build with the report's ``quick_params``.
    pdf : bool
        Compile the PDF with latexmk (when available; otherwise the result says how to get it).
    progress : bool or None
        Progress bars for long computations (None: when stderr is a terminal).
    stream : file, optional
        Where progress lines go (stderr).
    executor, scheduler : str, optional
        Where missing stored runs are computed (:meth:`ReportContext.prefetch`).
    workers : int, optional
        Worker processes for them (None: ``$WORKBENCH_WORKERS`` or the number of CPUs, at most 8).

    Returns
    -------
    BuildResult
        ``status`` is ``pass``/``fail``/``no-checks``/``pending`` or ``error`` (the report raised or
        LaTeX failed; ``message`` says why). Never raises for a failing report.
    """
    spec = get_report(name)
    stream = stream or sys.stderr
    store = store or RunStore("runs")
    out_root = Path(out_root)
    out = out_root / spec.name
    out.mkdir(parents=True, exist_ok=True)
    _clean(out, spec.name)
    mode = "quick" if quick else "full"
    res = BuildResult(spec.name, spec.title, "error", mode, spec.description)
    if spec.func is None:
        res.message = f"the definition module {spec.module} failed to import: {spec.import_error}"
        _write_summary(out, res)
        return res
    params = spec.params(quick)
    ctx = ReportContext(spec.name, quick, dict(params), store, out, progress, stream, executor, scheduler, workers)
    prov = collect_provenance()
    t0 = time.perf_counter()
    try:
        content = spec.func(ctx)
        if not isinstance(content, ReportContent):
            raise SpecError(
                f"{spec.name}", f"a report function must return ReportContent, got {type(content).__name__}"
            )
        tex = render_report(spec, content, params, quick, prov, ctx.runs)
    except Exception as exc:  # noqa: BLE001 - a broken report must not stop the others
        res.message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(f"[report {spec.name}] ERROR: {res.message}", file=stream)
        if not isinstance(exc, WorkbenchError):
            traceback.print_exc(file=stream)
        _write_summary(out, res)
        return res
    if content.generated:
        gdir = out / "generated"
        for g in content.generated:
            atomic_write_text(gdir / g.filename, g.source if g.source.endswith("\n") else g.source + "\n")
    tex_path = atomic_write_text(out / f"{spec.name}.tex", tex)
    comps = content.comparisons
    res.status = content.status
    res.message = content.pending
    res.n_checks = len(comps)
    res.n_ok = sum(c.ok for c in comps)
    res.failed = [str(c) for c in comps if not c.ok]
    res.checks = [c.to_dict() for c in comps]
    res.kinds = count_kinds(comps)
    res.simulation_rel_tolerance = relative_tolerance_stats(comps, "simulation")
    res.tex = str(tex_path)
    ctx.log(f"wrote {tex_path} ({time.perf_counter() - t0:.1f} s)")
    if pdf:
        missing = tex_missing_message(tex_path)
        if missing:
            res.pdf_message = missing
        else:
            try:
                t1 = time.perf_counter()
                pdf_path = compile_pdf(tex_path, out / "build", out / f"{spec.name}.pdf", prov.commit_time)
                res.pdf = str(pdf_path)
                ctx.log(f"wrote {pdf_path} (latexmk {time.perf_counter() - t1:.1f} s)")
            except LatexError as exc:
                res.status = "error"
                res.message = str(exc)
                print(f"[report {spec.name}] ERROR: {exc}", file=stream)
    else:
        res.pdf_message = "PDF not compiled (--no-pdf)"
    _write_summary(out, res)
    return res


def build_index(out_root: str | Path = "reports", pdf: bool = True, stream: TextIO | None = None) -> BuildResult:
    """Write ``out_root/index.tex`` (and ``index.pdf``) listing every registered report and its status.

    Statuses are read from each report's ``summary.json``; reports never built are listed as such.
    """
    stream = stream or sys.stderr
    out_root = Path(out_root)
    results = [_read_summary(out_root, spec) for spec in available_reports()]
    prov = collect_provenance()
    tex = render_index(results, prov, out_hint=out_root.name or str(out_root))
    out_root.mkdir(parents=True, exist_ok=True)
    (out_root / "index.pdf").unlink(missing_ok=True)
    tex_path = atomic_write_text(out_root / "index.tex", tex)
    n_fail = sum(r.status in ("fail", "error") for r in results)
    res = BuildResult("index", "Index of reports", "fail" if n_fail else "pass", "--", tex=str(tex_path))
    res.n_checks = len(results)
    res.n_ok = len(results) - n_fail
    if pdf:
        missing = tex_missing_message(tex_path)
        if missing:
            res.pdf_message = missing
        else:
            try:
                res.pdf = str(
                    compile_pdf(tex_path, out_root / "build" / "index", out_root / "index.pdf", prov.commit_time)
                )
            except LatexError as exc:
                res.status, res.message = "error", str(exc)
                print(f"[report index] ERROR: {exc}", file=stream)
    return res


def _lane_build(
    name: str,
    out_root: str,
    store_root: str,
    quick: bool,
    force: bool,
    pdf: bool,
    progress: bool | None,
    executor: str,
    scheduler: str | None,
    cpus: int,
    position: str,
) -> BuildResult:
    """One report in a lane process: ``cpus`` BLAS threads and at most ``cpus`` run workers (its share of the
    machine), so that the lanes together keep every core busy without oversubscribing it."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(cpus)
    except ImportError:  # pragma: no cover
        pass
    from workbench.interrupts import signals_as_exceptions

    print(f"[report] {position} {name}: {'quick' if quick else 'full'} build (lane of {cpus} CPU)", file=sys.stderr,
          flush=True)
    store = RunStore(store_root, force=force)
    with signals_as_exceptions():
        return build_report(name, out_root, store, quick, pdf, progress, None, executor, scheduler, workers=cpus)


def default_lanes(n_reports: int, executor: str = "processes") -> int:
    """Reports built side by side by default: ``$WORKBENCH_REPORT_LANES``, else 2 when at least two reports are
    built with local processes on a machine with at least 2 CPUs (one report's single-process phases, such as
    theory, figures and LaTeX, then overlap with the other's runs), else 1."""
    from workbench.config import get_int

    lanes = get_int("WORKBENCH_REPORT_LANES")
    if lanes < 0:
        raise SpecError("WORKBENCH_REPORT_LANES", f"must be an integer >= 0 (0: automatic), got {lanes}")
    if lanes == 0:
        lanes = 2 if (executor == "processes" and (os.cpu_count() or 1) >= 2) else 1
    return max(1, min(lanes, n_reports))


def _build_in_lanes(
    wanted: Sequence[str],
    lanes: int,
    out_root: str | Path,
    store_root: str | Path,
    quick: bool,
    force: bool,
    pdf: bool,
    progress: bool | None,
    stream: TextIO,
    executor: str,
    scheduler: str | None,
) -> list[BuildResult]:
    """Build ``wanted`` in ``lanes`` spawned processes, the costliest report first (:attr:`ReportSpec.cost`); the
    results come back in the order of ``wanted`` and do not depend on the number of lanes."""
    import concurrent.futures as cf
    import multiprocessing as mp

    cpus = max(1, default_workers() // lanes)
    order = sorted(range(len(wanted)), key=lambda i: (-get_report(wanted[i]).cost, i))
    print(f"[report] {len(wanted)} reports in {lanes} lanes of {cpus} CPU, costliest first: "
          + ", ".join(wanted[i] for i in order), file=stream, flush=True)
    results: list[BuildResult | None] = [None] * len(wanted)
    with cf.ProcessPoolExecutor(max_workers=lanes, mp_context=mp.get_context("spawn")) as pool:
        futures = {
            pool.submit(_lane_build, wanted[i], str(out_root), str(store_root), quick, force, pdf, progress, executor,
                        scheduler, cpus, f"({k}/{len(wanted)})"): i
            for k, i in enumerate(order, 1)
        }
        try:
            for fut in cf.as_completed(futures):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except Exception as exc:  # noqa: BLE001 - a lost lane must not stop the others
                    spec = get_report(wanted[i])
                    msg = f"the lane building it failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
                    print(f"[report {spec.name}] ERROR: {msg}", file=stream, flush=True)
                    results[i] = BuildResult(spec.name, spec.title, "error", "quick" if quick else "full",
                                             spec.description, message=msg)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [r for r in results if r is not None]


def build(
    names: Sequence[str] | None = None,
    out_root: str | Path = "reports",
    store_root: str | Path = "runs",
    quick: bool = False,
    force: bool = False,
    pdf: bool = True,
    progress: bool | None = None,
    stream: TextIO | None = None,
    executor: str = "processes",
    scheduler: str | None = None,
    lanes: int = 1,
) -> list[BuildResult]:
    """Build the named reports (all when ``names`` is empty) and then the index.

    Unknown names raise :class:`SpecError` before anything is built. The reports' stored simulations
    are computed on ``executor`` (``processes``, ``sequential`` or ``dask``; ``scheduler`` is a Dask
    scheduler address) and land in the local store. ``lanes > 1`` builds that many reports side by side in
    spawned processes, each with its share of the CPUs (:func:`default_lanes` is what ``workbench report``
    uses); the documents do not depend on it.

    Returns
    -------
    list of BuildResult
        One per report, then the index (name ``"index"``).
    """
    stream = stream or sys.stderr
    if not (isinstance(lanes, int) and lanes >= 1):
        raise SpecError("lanes", f"must be an integer >= 1, got {lanes!r}")
    all_names = [r.name for r in available_reports()]
    wanted = list(dict.fromkeys(names)) if names else all_names
    for n in wanted:
        get_report(n)  # raises SpecError naming the bad report and the available ones
    lanes = min(lanes, len(wanted)) if wanted else 1
    if lanes > 1:
        results = _build_in_lanes(wanted, lanes, out_root, store_root, quick, force, pdf,
                                  False if progress is None else progress, stream, executor, scheduler)
        results.append(build_index(out_root, pdf, stream))
        return results
    store = RunStore(store_root, force=force)
    results = []
    for i, n in enumerate(wanted, 1):
        print(f"[report] ({i}/{len(wanted)}) {n}: {'quick' if quick else 'full'} build", file=stream, flush=True)
        results.append(build_report(n, out_root, store, quick, pdf, progress, stream, executor, scheduler))
    results.append(build_index(out_root, pdf, stream))
    return results
