"""What a report says: sections made of paragraphs, equations, figures, tables and checks.

A report function returns a :class:`ReportContent`. It never writes LaTeX itself: text is escaped
(:func:`~workbench.report.latex.escape_tex`), equations are SymPy objects rendered with
:func:`sympy.latex`, numbers are formatted by :func:`~workbench.report.latex.fmt_num`, and the
deviations table is made from :class:`~workbench.compare.Comparison` objects (the same objects the
tests assert).

Example::

    sec = Section("Linear network")
    sec.text("For ", g, " < 1 the stationary covariance ", C, " solves")   # str + SymPy parts
    sec.equation(sp.Eq(A * C + C * A.T + D, 0), "Lyapunov equation")
    sec.figure(ctx.save_figure(fig, "scatter", "theory vs simulation"))
    sec.checks([comparison, ...], "equal-time covariance")
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp

from workbench.compare import Comparison
from workbench.errors import SpecError
from workbench.report.latex import escape_path, escape_tex, fmt_num, sympy_latex
from workbench.report.prose import escape_prose

__all__ = [
    "Checks",
    "Equation",
    "Figure",
    "GeneratedSource",
    "Paragraph",
    "Code",
    "Parameter",
    "ReportContent",
    "Section",
    "Table",
    "as_equations",
    "short_reason",
    "status_of",
]

STATUSES = ("pass", "fail", "no-checks", "pending", "error", "not built")
"""Report statuses: all checks within tolerance / some outside / none / integration pending /
the report raised / never built."""


@dataclass(frozen=True)
class Code:
    """A paragraph part set verbatim as code (a command line, an expression as the user types it): escaped into
    ``\\texttt`` with break points, so ``x**2`` stays ``x**2`` instead of being typeset as maths."""

    text: str


def _inline(part: Any) -> str:
    """One part of a paragraph: text escaped (ASCII maths typeset), :class:`Code` verbatim, SymPy as inline math,
    numbers formatted."""
    if isinstance(part, Code):
        return r"\texttt{" + re.sub(r"([ (,])", r"\1\\allowbreak{}", escape_path(part.text)) + "}"
    if isinstance(part, str):
        return escape_prose(part)
    if isinstance(part, (sp.Basic, sp.MatrixBase)):
        return f"${sympy_latex(part)}$"
    if isinstance(part, (bool, int, float)) or type(part).__module__ == "numpy":
        return fmt_num(part)
    raise SpecError("text", f"paragraph parts must be str, numbers or SymPy objects, got {type(part).__name__}")


@dataclass(frozen=True)
class Paragraph:
    """Running text: a sequence of strings (escaped), numbers and SymPy objects (inline math)."""

    parts: tuple[Any, ...]
    kind: str = field(default="paragraph", init=False)

    @property
    def tex(self) -> str:
        """The paragraph as LaTeX."""
        return "".join(_inline(p) for p in self.parts)


@dataclass(frozen=True)
class Equation:
    """A displayed equation from a SymPy object.

    Attributes
    ----------
    expr : sympy.Basic
        An expression, an ``Eq`` or a matrix; rendered with :func:`sympy.latex` only.
    description : str
        Text shown before the equation (escaped).
    settings : tuple of (str, Any)
        Keyword settings for :func:`sympy.latex` (e.g. ``(("mul_symbol", "dot"),)``).
    """

    expr: Any
    description: str = ""
    settings: tuple[tuple[str, Any], ...] = ()
    kind: str = field(default="equation", init=False)

    def __post_init__(self) -> None:
        sympy_latex(self.expr)  # validate early: a string or a non-SymPy object is refused here

    @property
    def tex(self) -> str:
        """The equation body (math mode) from :func:`sympy.latex`."""
        return sympy_latex(self.expr, **dict(self.settings))

    @property
    def description_tex(self) -> str:
        """The description, escaped."""
        return escape_prose(self.description)


@dataclass(frozen=True)
class Figure:
    """A figure file (PDF) inside the report folder, made by :meth:`ReportContext.save_figure`.

    Attributes
    ----------
    path : str
        Path relative to the report folder (``figures/<name>.pdf``).
    caption : str
        Caption text (escaped).
    width : float
        Fraction of the line width.
    """

    path: str
    caption: str
    width: float = 0.9
    kind: str = field(default="figure", init=False)

    @property
    def caption_tex(self) -> str:
        """The caption, escaped."""
        return escape_prose(self.caption)


def _cell(value: Any) -> str:
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        return f"${sympy_latex(value)}$"
    if isinstance(value, (bool, int, float)) or type(value).__module__ == "numpy":
        return fmt_num(value)
    return escape_prose(value)


@dataclass
class Table:
    """A table of text, numbers and SymPy cells.

    Attributes
    ----------
    columns : sequence of str
        Column headers (escaped).
    rows : sequence of sequences
        Cells: str (escaped), numbers (:func:`fmt_num`), SymPy objects (inline math).
    caption : str
        Caption (escaped).
    align : str, optional
        LaTeX column spec, e.g. ``"lrr"`` (default: ``l`` then ``r`` columns).
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    align: str | None = None
    kind: str = field(default="table", init=False)

    def __post_init__(self) -> None:
        n = len(self.columns)
        for i, r in enumerate(self.rows):
            if len(r) != n:
                raise SpecError("table", f"row {i} has {len(r)} cells, expected {n} ({list(self.columns)})")
        if self.align is not None and not re.fullmatch(r"[lcr]+", self.align):
            raise SpecError("table.align", f"use only l, c, r; got {self.align!r}")

    @property
    def colspec(self) -> str:
        """Column specification."""
        return self.align or ("l" + "r" * (len(self.columns) - 1))

    @property
    def header_tex(self) -> list[str]:
        """Escaped headers."""
        return [escape_prose(c) for c in self.columns]

    @property
    def rows_tex(self) -> list[list[str]]:
        """Rendered cells."""
        return [[_cell(c) for c in r] for r in self.rows]

    @property
    def caption_tex(self) -> str:
        """The caption, escaped."""
        return escape_prose(self.caption)

    @property
    def header(self) -> str:
        """Header row (escaped cells joined by ``&``)."""
        return " & ".join(self.header_tex)

    @property
    def lines(self) -> list[str]:
        """Table rows (cells joined by ``&``)."""
        return [" & ".join(r) for r in self.rows_tex]


def _context_text(ctx: Mapping[str, Any]) -> str:
    parts = []
    for k, v in ctx.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        parts.append(f"{k} = {v}")
    return "run: " + ", ".join(parts)


CHECKS_COLSPEC = r">{\raggedright\arraybackslash}p{4.1cm}lrrrrc>{\raggedright\arraybackslash}p{2.7cm}"
CHECKS_HEADER = r"Quantity & Kind & Theory & Estimate & $|\mathrm{dev}|$ & Tolerance & & Tolerance [notes]"
KIND_LABEL = {"simulation": "sim", "reference": "ref", "exact": "exact"}
"""Short labels of the kinds of checks in the tables (the legend is printed with the deviations table)."""

DEFAULT_FALSE_ALARM = "6.3e-05"
"""The two-sided false-alarm rate of 4 Gaussian SE as :func:`workbench.sim.checks.student_reason` prints it."""

_STUDENT = re.compile(
    r"^k SE(?: \+ (?P<bias_reason>.*) (?P<bias>[-+0-9.e]+))? \(k = (?P<k>[-+0-9.e]+) = t_nu\(1 - p/2\) with "
    r"nu = (?P<nu>[-+0-9.einf]+) dof, two-sided false-alarm rate p = (?P<p>[-+0-9.e]+); SE = [-+0-9.e]+\)"
    r"(?:; (?P<note>.*))?$",
    re.S,
)


def _number(text: str) -> str:
    """A number printed by Python (``4``, ``5.36``, ``6.3e-05``, ``inf``) as math-mode LaTeX (no dollars)."""
    try:
        value = float(text)
    except ValueError:
        return escape_tex(text)
    return fmt_num(int(value) if value.is_integer() else value, 3, math_mode=False)


def short_reason(reason: str) -> tuple[str, list[str]]:
    r"""The tolerance reason as a short typeset cell and the texts it cites (bias reasons, notes).

    A Student-t reason (:func:`workbench.sim.checks.t_stat`) becomes ``$k\,\mathrm{SE}$, $\nu$`` (and
    ``p`` when it is not the default, a systematic allowance ``+ b``); its SE is tolerance/k and is left
    out. Any other reason is cited whole.
    """
    m = _STUDENT.match(reason or "")
    if m is None:
        return "", [reason] if reason else []
    cell = rf"${_number(m['k'])}\,\mathrm{{SE}}$, $\nu={_number(m['nu'])}$"
    if m["p"] != DEFAULT_FALSE_ALARM:
        cell += rf", $p={_number(m['p'])}$"
    cited = []
    if m["bias"] is not None:
        cell += rf", $+{_number(m['bias'])}$"
        cited.append(m["bias_reason"])
    if m["note"]:
        cited.append(m["note"])
    return cell, cited


@dataclass
class Checks:
    """A group of :class:`~workbench.compare.Comparison` objects shown as a table of deviations.

    ``compact=True`` (the default inside sections) leaves out the reason and context columns: the
    report's final deviations table lists every check with both.
    """

    comparisons: Sequence[Comparison]
    caption: str = ""
    compact: bool = False
    kind: str = field(default="checks", init=False)

    def __post_init__(self) -> None:
        self.comparisons = list(self.comparisons)
        for c in self.comparisons:
            if not isinstance(c, Comparison):
                raise SpecError("checks", f"expected workbench.compare.Comparison objects, got {type(c).__name__}")

    @property
    def caption_tex(self) -> str:
        """The caption, escaped."""
        return escape_prose(self.caption)

    @property
    def rows_tex(self) -> list[dict[str, str]]:
        """One dict of rendered cells per comparison."""
        return [comparison_row(c) for c in self.comparisons]

    @property
    def colspec(self) -> str:
        """Column specification."""
        return CHECKS_COMPACT_COLSPEC if self.compact else CHECKS_COLSPEC

    @property
    def header(self) -> str:
        """Header row."""
        return CHECKS_COMPACT_HEADER if self.compact else CHECKS_HEADER

    @property
    def lines(self) -> list[str]:
        """Table rows (cells joined by ``&``); the full table cites its notes as ``[n]``."""
        if self.compact:
            return [comparison_line(c, True) for c in self.comparisons]
        return self._keyed()[0]

    @property
    def notes_tex(self) -> list[str]:
        """The notes the full table cites (tolerance reasons, run contexts), escaped, in order of first use."""
        return [] if self.compact else self._keyed()[1]

    def _keyed(self) -> tuple[list[str], list[str]]:
        """Rows with short reason cells citing numbered notes, and the notes (each distinct text once)."""
        notes: list[str] = []
        lines = []
        for c in self.comparisons:
            cell, cited = short_reason(c.reason)
            if c.context:
                cited.append(_context_text(c.context))
            keys = []
            for text in cited:
                tex = escape_prose(text)
                if tex not in notes:
                    notes.append(tex)
                keys.append(str(notes.index(tex) + 1))
            ref = f"[{', '.join(keys)}]" if keys else ""
            lines.append(comparison_line(c, True) + " & " + " ".join(x for x in (cell, ref) if x))
        return lines, notes


CHECKS_COMPACT_COLSPEC = r">{\raggedright\arraybackslash}p{5.4cm}lrrrrc"
CHECKS_COMPACT_HEADER = r"Quantity & Kind & Theory & Estimate & $|\mathrm{dev}|$ & Tolerance &"


def comparison_line(c: Comparison, compact: bool = False) -> str:
    """One deviations-table row: quantity, kind, theory, estimate, |dev|, tolerance, ok[, reason (context)]."""
    r = comparison_row(c)
    cells = [r["quantity"], r["kind"], r["theory"], r["estimate"], r["deviation"], r["tolerance"], r["ok"]]
    if compact:
        return " & ".join(cells)
    ctx = f" {{\\color{{gray}}({r['context']})}}" if r["context"] else ""
    return " & ".join([*cells, r["reason"] + ctx])


def comparison_row(c: Comparison) -> dict[str, str]:
    """Rendered cells of one deviations-table row."""
    dev = c.deviation
    return {
        "quantity": escape_prose(c.quantity),
        "kind": KIND_LABEL[c.kind],
        "theory": fmt_num(c.theory),
        "estimate": fmt_num(c.estimate),
        "deviation": fmt_num(abs(dev) if math.isfinite(dev) else dev, 3),
        "tolerance": fmt_num(c.tolerance, 3),
        "ok": r"\textcolor{okgreen}{ok}" if c.ok else r"\textcolor{failred}{\textbf{FAIL}}",
        "reason": escape_prose(c.reason),
        "context": escape_prose(_context_text(c.context)),
    }


@dataclass(frozen=True)
class Parameter:
    """One model/run parameter: name (text), value, optional SymPy symbol and description."""

    name: str
    value: Any
    description: str = ""
    symbol: Any = None


@dataclass
class GeneratedSource:
    """A generated module shown in the report (location, content key, full listing).

    Build it with :meth:`from_compiled` from a :class:`~workbench.codegen.CompiledFunction`.

    Attributes
    ----------
    name : str
        What it computes (text).
    filename : str
        File name written to ``generated/`` in the report folder.
    source : str
        The exact generated text.
    key : str
        Content key (sha256) of the generated code.
    description : str
        One line on its role.
    cache_name : str
        Base name of the file in the codegen cache (``$WORKBENCH_CACHE_DIR``).
    """

    name: str
    filename: str
    source: str
    key: str
    description: str = ""
    cache_name: str = ""

    @classmethod
    def from_compiled(cls, compiled: Any, description: str = "") -> GeneratedSource:
        """From a :class:`~workbench.codegen.CompiledFunction` (uses ``.name``, ``.source``, ``.key``, ``.path``)."""
        for attr in ("source", "key"):
            if not hasattr(compiled, attr):
                raise SpecError("generated", f"expected a CompiledFunction with .{attr}, got {type(compiled).__name__}")
        path = getattr(compiled, "path", None)
        cache_name = Path(path).name if path else ""
        name = str(getattr(compiled, "name", "generated"))
        filename = cache_name or f"{name}_{compiled.key[:16]}.py"
        return cls(name, filename, str(compiled.source), str(compiled.key), description, cache_name)

    @property
    def n_lines(self) -> int:
        """Number of lines of the generated source."""
        return self.source.count("\n") + (0 if self.source.endswith("\n") else 1)


def as_equations(obj: Any, description: str = "") -> list[Equation]:
    """Equations from a SymPy object, a sequence/mapping of them, or a Derivation-like object.

    A Derivation-like object exposes ``equations`` (a sequence of SymPy equations or a mapping
    ``name -> equation``); mapping keys become descriptions.
    """
    if hasattr(obj, "equations") and not isinstance(obj, (sp.Basic, sp.MatrixBase)):
        obj = obj.equations
        if callable(obj):
            obj = obj()
    if isinstance(obj, Mapping):
        return [Equation(v, str(k)) for k, v in obj.items()]
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return [Equation(obj, description)]
    if isinstance(obj, Iterable) and not isinstance(obj, str):
        return [e if isinstance(e, Equation) else Equation(e, description) for e in obj]
    raise SpecError("equation", f"cannot turn {type(obj).__name__} into equations")


@dataclass
class Section:
    """A numbered section: an ordered list of blocks (text, equations, figures, tables, checks).

    The builder methods return the section, so calls can be chained.
    """

    title: str
    blocks: list[Any] = field(default_factory=list)
    level: int = 1
    kind: str = field(default="section", init=False)

    @property
    def title_tex(self) -> str:
        """The title, escaped."""
        return escape_tex(self.title)

    @property
    def command(self) -> str:
        """``section``, ``subsection`` or ``subsubsection``."""
        return {1: "section", 2: "subsection"}.get(self.level, "subsubsection")

    def text(self, *parts: Any) -> Section:
        """Add a paragraph made of strings (escaped), numbers and SymPy objects (inline math)."""
        self.blocks.append(Paragraph(tuple(parts)))
        return self

    def equation(self, expr: Any, description: str = "", **latex_settings: Any) -> Section:
        """Add a displayed equation (a SymPy object; LaTeX from :func:`sympy.latex`)."""
        self.blocks.append(Equation(expr, description, tuple(sorted(latex_settings.items()))))
        return self

    def equations(self, obj: Any, description: str = "") -> Section:
        """Add every equation of ``obj`` (see :func:`as_equations`)."""
        self.blocks.extend(as_equations(obj, description))
        return self

    def figure(self, fig: Figure) -> Section:
        """Add a figure saved by :meth:`ReportContext.save_figure`."""
        if not isinstance(fig, Figure):
            raise SpecError("figure", f"expected a Figure from ctx.save_figure, got {type(fig).__name__}")
        self.blocks.append(fig)
        return self

    def table(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "", align: str | None = None
    ) -> Section:
        """Add a table (cells: text, numbers, SymPy)."""
        self.blocks.append(Table(columns, rows, caption, align))
        return self

    def checks(self, comparisons: Sequence[Comparison], caption: str = "", compact: bool = True) -> Section:
        """Add a table of :class:`~workbench.compare.Comparison` rows (also collected for the status).

        The compact table (default) leaves the tolerance reasons to the report's deviations table.
        """
        self.blocks.append(Checks(comparisons, caption, compact))
        return self

    def subsection(self, title: str) -> Section:
        """Add and return a subsection."""
        sub = Section(title, level=self.level + 1)
        self.blocks.append(sub)
        return sub

    def walk(self) -> Iterable[Any]:
        """All blocks, depth first (subsections included)."""
        for b in self.blocks:
            yield b
            if isinstance(b, Section):
                yield from b.walk()


def status_of(comparisons: Sequence[Comparison], pending: bool = False) -> str:
    """``pass`` / ``fail`` / ``no-checks`` / ``pending`` from a list of comparisons."""
    if pending:
        return "pending"
    if not comparisons:
        return "no-checks"
    return "pass" if all(c.ok for c in comparisons) else "fail"


@dataclass
class ReportContent:
    """Everything one report says. Returned by a function registered with ``@register_report``.

    Attributes
    ----------
    summary : str
        One paragraph at the top (text, escaped).
    sections : list of Section
        The body, in order.
    parameters : list of Parameter
        Model and run parameters (shown in the "Model and parameters" table).
    model : str
        One paragraph describing the model (text), shown first in "Model and parameters".
    model_equations : list of Equation
        The model's equations (SymPy), shown after ``model`` and before the parameters table.
    seeds : dict
        Every seed used (name -> int), shown in the provenance block.
    generated : list of GeneratedSource
        Generated solver modules: their location is listed and the source is printed in an appendix.
    pending : str
        Non-empty when a part of the report waits for code that has not landed (an integration
        point); the text says what is missing and the status is ``pending``.
    notes : list of str
        Limitations and remarks (text).
    """

    summary: str = ""
    sections: list[Section] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    model: str = ""
    model_equations: list[Equation] = field(default_factory=list)
    seeds: dict[str, Any] = field(default_factory=dict)
    generated: list[GeneratedSource] = field(default_factory=list)
    pending: str = ""
    notes: list[str] = field(default_factory=list)

    def section(self, title: str) -> Section:
        """Append and return a new section."""
        s = Section(title)
        self.sections.append(s)
        return s

    def model_equation(self, expr: Any, description: str = "", **latex_settings: Any) -> ReportContent:
        """Append an equation (SymPy) to the model description."""
        self.model_equations.append(Equation(expr, description, tuple(sorted(latex_settings.items()))))
        return self

    def parameter(self, name: str, value: Any, description: str = "", symbol: Any = None) -> ReportContent:
        """Append a parameter row."""
        self.parameters.append(Parameter(name, value, description, symbol))
        return self

    def add_generated(self, compiled: Any, description: str = "") -> ReportContent:
        """Record a generated module (a :class:`~workbench.codegen.CompiledFunction` or :class:`GeneratedSource`)."""
        g = compiled if isinstance(compiled, GeneratedSource) else GeneratedSource.from_compiled(compiled, description)
        if all(x.filename != g.filename for x in self.generated):
            self.generated.append(g)
        return self

    @property
    def comparisons(self) -> list[Comparison]:
        """Every comparison of every section, in order."""
        out: list[Comparison] = []
        for s in self.sections:
            for b in s.walk():
                if isinstance(b, Checks):
                    out.extend(b.comparisons)
        return out

    @property
    def status(self) -> str:
        """``pass``, ``fail``, ``no-checks`` or ``pending`` (see :func:`status_of`)."""
        return status_of(self.comparisons, pending=bool(self.pending))

    def validate(self) -> None:
        """Type checks with errors naming the offending field."""
        for i, s in enumerate(self.sections):
            if not isinstance(s, Section):
                raise SpecError(f"sections[{i}]", f"expected Section, got {type(s).__name__}")
        for i, e in enumerate(self.model_equations):
            if not isinstance(e, Equation):
                raise SpecError(f"model_equations[{i}]", f"expected Equation, got {type(e).__name__}")
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Parameter):
                raise SpecError(f"parameters[{i}]", f"expected Parameter, got {type(p).__name__}")
        for k, v in self.seeds.items():
            if not isinstance(k, str):
                raise SpecError("seeds", f"seed names must be strings, got {k!r}")
            if isinstance(v, float):
                raise SpecError(f"seeds.{k}", f"seeds are integers (or tuples of them), got {v!r}")
        for g in self.generated:
            if not isinstance(g, GeneratedSource):
                raise SpecError("generated", f"expected GeneratedSource, got {type(g).__name__}")


def parameter_rows(params: Sequence[Parameter]) -> list[dict[str, str]]:
    """Rendered cells of the parameters table."""
    return [
        {
            "name": escape_prose(p.name),
            "symbol": f"${sympy_latex(p.symbol)}$" if p.symbol is not None else "",
            "value": _cell(p.value),
            "description": escape_prose(p.description),
        }
        for p in params
    ]
