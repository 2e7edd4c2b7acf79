"""LaTeX reports that build themselves: registry, content model, run store, templates, latexmk build.

Add a report (see :mod:`workbench.report.registry`): put a module in
``workbench/report/sections/`` with a function ``(ctx: ReportContext) -> ReportContent`` decorated
with :func:`register_report`. Build with ``workbench report [NAME ...] [--quick] [--force]``
or :func:`build`.

Public API:

* :func:`register_report`, :func:`available_reports`, :func:`get_report`;
* :class:`ReportContext` (``params``, ``quick``, ``run(...)`` on the run store, ``subplots``,
  ``save_figure``, ``step``/``log`` progress);
* :class:`ReportContent`, :class:`Section` (``text``, ``equation``, ``equations``, ``figure``,
  ``table``, ``checks``, ``subsection``), :class:`GeneratedSource`;
* :func:`build`, :func:`build_report`, :func:`build_index`;
* :func:`escape_tex`, :func:`fmt_num`, :func:`sympy_latex`.
"""

from workbench.report.content import (
    Checks,
    Equation,
    Figure,
    GeneratedSource,
    Paragraph,
    Parameter,
    ReportContent,
    Section,
    Table,
    as_equations,
)
from workbench.report.context import ReportContext
from workbench.report.latex import escape_tex, fmt_num, sympy_latex
from workbench.report.pipeline import (
    BuildResult,
    LatexError,
    build,
    build_index,
    build_report,
    default_lanes,
    tex_missing_message,
)
from workbench.report.registry import ReportSpec, available_reports, get_report, register_report, report_names

__all__ = [
    "BuildResult",
    "Checks",
    "Equation",
    "Figure",
    "GeneratedSource",
    "LatexError",
    "Paragraph",
    "Parameter",
    "ReportContent",
    "ReportContext",
    "ReportSpec",
    "Section",
    "Table",
    "as_equations",
    "available_reports",
    "build",
    "build_index",
    "build_report",
    "default_lanes",
    "escape_tex",
    "fmt_num",
    "get_report",
    "register_report",
    "report_names",
    "sympy_latex",
    "tex_missing_message",
]
