"""Every ``WORKBENCH_*`` environment variable, with its default and meaning, and typed accessors.

Code reads the environment through this module (:func:`get_flag`, :func:`get_int`,
:func:`get_str`), never with ``os.environ`` directly, so that ``workbench config`` lists all of
them. Variables read only by the shell scripts or the test suite (``WORKBENCH_PY``,
``WORKBENCH_NO_VENV``, ``WORKBENCH_SLOW``, ``WORKBENCH_TEST_WORKERS``, ``WORKBENCH_FAST``,
``WORKBENCH_UPDATE_GOLDEN``, ``WORKBENCH_TEST_SESSION_CACHE``) are listed too, with ``reader`` saying
who reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from workbench.errors import SpecError

__all__ = ["VARIABLES", "Variable", "get_flag", "get_int", "get_str", "table"]

TRUE = frozenset({"1", "true", "yes", "on"})
"""Values of a flag that mean "on" (case-insensitive); anything else, or unset, is off."""


@dataclass(frozen=True)
class Variable:
    """One environment variable.

    Attributes
    ----------
    name : str
    kind : {"flag", "int", "path", "str"}
    default : str
        The value used when it is unset (text; ``""`` for off / none).
    meaning : str
        One line.
    reader : str
        Who reads it: ``"workbench"`` (the package), ``"scripts"`` or ``"tests"``.
    """

    name: str
    kind: str
    default: str
    meaning: str
    reader: str = "workbench"

    @property
    def value(self) -> str | None:
        """The current value in the environment (None when unset)."""
        return os.environ.get(self.name)


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable(
            "WORKBENCH_CACHE_DIR",
            "path",
            "$XDG_CACHE_HOME/workbench or ~/.cache/workbench",
            "per-user cache of generated modules and derivations (mode 0700, refused if shared)",
        ),
        Variable("WORKBENCH_NO_CACHE", "flag", "0", "1: no derivation disk cache (generated modules go to a temp dir)"),
        Variable("WORKBENCH_DEBUG", "flag", "0", "1: print the traceback of a CLI error (same as --debug)"),
        Variable(
            "WORKBENCH_WORKERS",
            "int",
            "0",
            "worker processes for missing report runs (0: the number of CPUs, at most 8)",
        ),
        Variable(
            "WORKBENCH_REPORT_LANES",
            "int",
            "0",
            "reports `workbench report` builds side by side (0: 2 on a machine with 2 or more CPUs, else 1)",
        ),
        Variable(
            "WORKBENCH_SCHEDULER",
            "str",
            "",
            "Dask scheduler address tcp://HOST:PORT for sweeps and reports (with --executor dask)",
        ),
        Variable("WORKBENCH_PY", "path", "(set by scripts/bootstrap.sh)", "the interpreter the scripts run", "scripts"),
        Variable(
            "WORKBENCH_NO_VENV", "flag", "0", "1: scripts install into the current interpreter, no .venv", "scripts"
        ),
        Variable("WORKBENCH_SLOW", "flag", "0", "1: scripts/test.sh also runs the tests marked slow", "scripts"),
        Variable("WORKBENCH_TEST_WORKERS", "int", "auto",
                 "pytest-xdist workers of scripts/test.sh (auto: one per CPU; 0: one process)", "scripts"),
        Variable("WORKBENCH_FAST", "flag", "0", "1: notebooks use small sizes (the test suite sets it)", "notebooks"),
        Variable("WORKBENCH_UPDATE_GOLDEN", "flag", "0", "1: rewrite the report golden files", "tests"),
        Variable(
            "WORKBENCH_TEST_SESSION_CACHE",
            "path",
            "(set by tests/conftest.py)",
            "the test session's private cache folder, shared by its pytest-xdist workers",
            "tests",
        ),
        Variable(
            "WORKBENCH_DMFT_FULL_STORE",
            "path",
            "",
            "run store of the full-size DMFT studies re-used by the slow power test (unset: a temp store)",
            "tests",
        ),
    )
}
"""Every variable, by name."""


def _variable(name: str) -> Variable:
    if name not in VARIABLES:
        raise SpecError("config", f"unknown variable {name!r}; known: {', '.join(VARIABLES)}")
    return VARIABLES[name]


def get_str(name: str) -> str:
    """The variable's value, or ``""`` when unset."""
    _variable(name)
    return os.environ.get(name, "")


def get_flag(name: str) -> bool:
    """Whether a flag variable is on (``1``, ``true``, ``yes``, ``on``; case-insensitive)."""
    return get_str(name).strip().lower() in TRUE


def get_int(name: str) -> int:
    """An integer variable (its default when unset or empty); SpecError naming it when not an integer."""
    var = _variable(name)
    text = os.environ.get(name, "").strip() or var.default
    try:
        return int(text)
    except ValueError:
        raise SpecError(name, f"expected an integer, got {text!r}") from None


def table() -> list[dict[str, Any]]:
    """One row per variable: name, value (None when unset), default, meaning, reader (``workbench config --json``)."""
    return [
        {"name": v.name, "value": v.value, "default": v.default, "meaning": v.meaning, "reader": v.reader}
        for v in VARIABLES.values()
    ]
