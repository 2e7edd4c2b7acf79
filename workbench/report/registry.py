"""The report registry: ``@register_report`` and discovery of report definitions.

Report definitions live in ``workbench/theories/<name>/report.py`` (one per theory) and, for the
core reports (the simulator), in :mod:`workbench.report.sections`; :func:`discover` imports them all. A definition is a function ``(ctx: ReportContext) ->
ReportContent`` decorated with :func:`register_report`::

    from workbench.report import ReportContent, ReportContext, register_report

    @register_report("mine", title="My result", default_params={"N": 2000}, quick_params={"N": 200})
    def mine(ctx: ReportContext) -> ReportContent:
        content = ReportContent(summary="What this report checks.")
        sec = content.section("Result")
        run = ctx.run("mine.sim", {"N": ctx.params["N"], "seed": 1}, lambda: {...}, code=("workbench.sim",))
        ...
        return content

``ctx.params`` is ``default_params`` updated with ``quick_params`` in quick mode.
"""

from __future__ import annotations

import difflib
import importlib
import math
import pkgutil
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import SpecError

__all__ = ["ReportSpec", "available_reports", "discover", "get_report", "register_report", "report_names"]

NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
RESERVED = frozenset({"index", "build", "all"})


@dataclass(frozen=True)
class ReportSpec:
    """A registered report.

    Attributes
    ----------
    name : str
        Folder and file name (``reports/<name>/<name>.tex``): lower-case letters, digits, ``-``, ``_``.
    title : str
        Title of the document (text).
    func : callable
        ``func(ctx) -> ReportContent``.
    description : str
        One line for the index.
    default_params, quick_params : dict
        Build parameters of the full and of the ``--quick`` build (quick updates default).
    order : int
        Position in the index (then by name).
    module : str
        Defining module.
    import_error : str
        Non-empty for a definition module that failed to import (the report then has status ``error``).
    cost : float
        Rough CPU-seconds of the full build on a 2-core machine: reports built side by side
        (``workbench report --lanes``) start with the costliest.
    """

    name: str
    title: str
    func: Callable[..., Any] | None
    description: str = ""
    default_params: Mapping[str, Any] = field(default_factory=dict)
    quick_params: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100
    module: str = ""
    import_error: str = ""
    cost: float = 60.0

    def params(self, quick: bool) -> dict[str, Any]:
        """Build parameters for a full or quick build."""
        p = dict(self.default_params)
        if quick:
            p.update(self.quick_params)
        return p


_REGISTRY: dict[str, ReportSpec] = {}
_DISCOVERED = False


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise SpecError("report name", f"must match {NAME_RE.pattern} (lower case, digits, '-', '_'), got {name!r}")
    if name in RESERVED:
        raise SpecError("report name", f"{name!r} is reserved ({sorted(RESERVED)})")
    return name


def register_report(
    name: str,
    *,
    title: str,
    description: str = "",
    default_params: Mapping[str, Any] | None = None,
    quick_params: Mapping[str, Any] | None = None,
    order: int = 100,
    cost: float = 60.0,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a report function ``(ctx: ReportContext) -> ReportContent``.

    Parameters
    ----------
    name : str
        Report name (folder ``reports/<name>/``); must be unique.
    title : str
        Document title.
    description : str
        One line for the index report.
    default_params : mapping, optional
        Parameters of the full build (sizes, durations, trials, seeds), read as ``ctx.params``.
    quick_params : mapping, optional
        Overrides for ``--quick`` (aim: the report in a few seconds). Keys must exist in
        ``default_params``.
    order : int
        Position in the index and in ``workbench report`` with no names (then by name).
    cost : float
        Rough CPU-seconds of the full build on a 2-core machine (the order in which reports built
        side by side start: costliest first); a scheduling hint only.

    Returns
    -------
    callable
        The decorator (returns the function unchanged).
    """
    _check_name(name)
    if not isinstance(title, str) or not title.strip():
        raise SpecError(f"{name}.title", "a non-empty title is required")
    dp = dict(default_params or {})
    qp = dict(quick_params or {})
    extra = sorted(set(qp) - set(dp))
    if extra:
        raise SpecError(f"{name}.quick_params", f"keys {extra} are not in default_params {sorted(dp)}")
    if not (isinstance(cost, int | float) and math.isfinite(cost) and cost >= 0):
        raise SpecError(f"{name}.cost", f"must be a finite number >= 0 (CPU-seconds), got {cost!r}")

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            raise SpecError(f"{name}", "register_report decorates a function (ctx) -> ReportContent")
        old = _REGISTRY.get(name)
        qual = f"{func.__module__}.{func.__qualname__}"
        if old is not None and old.func is not None and f"{old.func.__module__}.{old.func.__qualname__}" != qual:
            raise SpecError("report name", f"{name!r} is already registered by {old.module}")
        _REGISTRY[name] = ReportSpec(
            name, title, func, description, dp, qp, order, func.__module__, cost=float(cost)
        )
        return func

    return deco


def definition_modules() -> list[tuple[str, str]]:
    """``(report name if it fails to import, module)`` of every report definition module.

    The core reports in :mod:`workbench.report.sections`, then each theory's ``report`` module
    (``workbench/theories/<name>/report.py``, named by the theory's registered report).
    """
    import workbench.report.sections as sections
    import workbench.theories as theories

    mods = [
        (info.name.replace("_", "-"), f"workbench.report.sections.{info.name}")
        for info in sorted(pkgutil.iter_modules(sections.__path__), key=lambda m: m.name)
        if not info.name.startswith("_")
    ]
    root = Path(theories.__file__).parent
    for theory in theories.THEORIES.values():
        if (root / theory.package.rsplit(".", 1)[-1] / "report.py").is_file():
            mods.append((theory.report, f"{theory.package}.report"))
    return mods


def discover() -> None:
    """Import every report definition module (see :func:`definition_modules`; once per process).

    A module that fails to import is registered as a report named after the module with status
    ``error`` and the traceback's last line, so one broken definition never hides the others.
    """
    global _DISCOVERED
    if _DISCOVERED:
        return
    for name, modname in definition_modules():
        try:
            importlib.import_module(modname)
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            if NAME_RE.fullmatch(name) and name not in _REGISTRY:
                _REGISTRY[name] = ReportSpec(
                    name, name, None, f"definition {modname} failed to import", module=modname, import_error=msg
                )
    _DISCOVERED = True


def available_reports() -> list[ReportSpec]:
    """All registered reports, ordered by ``order`` then name."""
    discover()
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.name))


def report_names() -> list[str]:
    """Names of all registered reports, in build order."""
    return [r.name for r in available_reports()]


def get_report(name: str) -> ReportSpec:
    """The registered report ``name``.

    Raises
    ------
    SpecError
        Unknown name; the message lists the available reports and the closest match.
    """
    discover()
    if name in _REGISTRY:
        return _REGISTRY[name]
    names = report_names()
    hint = difflib.get_close_matches(str(name), names, n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise SpecError("report", f"unknown report {name!r}{did}; available reports: {', '.join(names) or '(none)'}")
