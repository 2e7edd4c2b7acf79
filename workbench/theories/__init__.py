"""The theories of the workbench, one package each, all of the same shape (see :mod:`workbench.theories.base`).

A theory ``NAME`` is found in the same places every time:

* ``derivations/<module>.py`` - the derivation (spec -> Derivation, pure, cached);
* ``workbench/theories/NAME/`` - ``problem.py`` (Problem with its method registry), one module per
  solver method, ``result.py``, ``checks.py`` (simulation jobs and comparisons, shared by tests and
  report), ``references.py``, ``report.py`` (the report section), ``plots.py``, ``cli.py``
  (``workbench NAME``);
* ``tests/theories/NAME/`` and ``notebooks/NN_NAME.py``.

:data:`THEORIES` lists them; :func:`get_theory` looks one up. Imports are lazy: listing the
theories imports no solver.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from workbench.errors import SpecError

__all__ = ["THEORIES", "Theory", "get_theory", "theory_names"]


@dataclass(frozen=True)
class Theory:
    """One registered theory: where its parts live (dotted names, imported on demand).

    Attributes
    ----------
    name : str
        The theory's name (folder ``workbench/theories/<package>/``, ``workbench derive NAME``).
    package : str
        Its package, e.g. ``"workbench.theories.dmft"``.
    problem : str
        ``"module:Class"`` of its :class:`~workbench.theories.base.Problem`.
    derivation : str
        Module of its derivation in ``derivations/``.
    report : str
        Name of its report (``workbench report NAME``).
    command : str
        Its sub-command (``workbench COMMAND``).
    title : str
        One line for ``workbench theories``.
    notes : str
        Theory notes (project-relative path).
    """

    name: str
    package: str
    problem: str
    derivation: str
    report: str
    command: str
    title: str
    notes: str

    @classmethod
    def conventional(
        cls, name: str, problem: str, derivation: str, *, report: str, title: str, notes: str = ""
    ) -> Theory:
        """A theory in the usual places: package and command ``name``, notes ``shared/theory/<report>.md``.

        ``problem`` is ``"module:Class"`` relative to the package (e.g. ``"problem:DMFTProblem"``);
        ``notes`` overrides the notes path when the theory has no notes file of its own.
        """
        package = f"workbench.theories.{name}"
        return cls(
            name=name,
            package=package,
            problem=f"{package}.{problem}",
            derivation=derivation,
            report=report,
            command=name,
            title=title,
            notes=notes or f"shared/theory/{report}.md",
        )

    def module(self, part: str = "") -> ModuleType:
        """The theory's package, or its module ``part`` (e.g. ``"cli"``, ``"report"``)."""
        return importlib.import_module(f"{self.package}.{part}" if part else self.package)

    def problem_class(self) -> Any:
        """The Problem class (imported now)."""
        mod, _, cls = self.problem.partition(":")
        return getattr(importlib.import_module(mod), cls)

    def methods(self) -> list[str]:
        """Names of the registered solver methods, in order of preference (``auto`` takes the first that applies)."""
        cls = self.problem_class()
        return list(getattr(cls, "methods", None) or getattr(self.module(), "METHODS", ()))

    def derivation_module(self) -> ModuleType:
        """The derivation module (``derivations/...``)."""
        return importlib.import_module(self.derivation)


THEORIES: dict[str, Theory] = {
    t.name: t
    for t in (
        Theory.conventional(
            "dmft",
            "problem:DMFTProblem",
            "derivations.dmft",
            report="dmft",
            title="stationary dynamic mean-field theory: Delta(tau), Lyapunov exponent, regime",
        ),
        Theory.conventional(
            "meanfield",
            "methods:MeanFieldProblem",
            "derivations.meanfield_transient",
            report="meanfield-transient",
            title="transient mean field of the Faugeras-Tanre network: m(t), K(t, s)",
        ),
        Theory.conventional(
            "spectrum",
            "problem:SpectrumProblem",
            "derivations.spectrum",
            report="rmt-jacobians",
            title="random-matrix theory of the Jacobian T^-1(-I + W G): edge x_R, boundary, density, outliers",
        ),
        Theory.conventional(
            "lowrank",
            "problem:LowRankProblem",
            "derivations.lowrank",
            report="lowrank",
            title="low-rank + random couplings (Mastrogiuseppe-Ostojic): structured states, outliers",
            notes="shared/theory/dmft.md",
        ),
        Theory.conventional(
            "symmetric",
            "problem:SymmetricProblem",
            "workbench.theories.symmetric.derivation",
            report="symmetric",
            title="partially symmetric couplings (eta = corr(J_ij, J_ji)): transient DMFT, response R(t, s)",
            notes="shared/theory/dmft.md",
        ),
        Theory.conventional(
            "dimension",
            "problem:DimensionProblem",
            "derivations.dimension",
            report="dimension",
            title="covariance statistics and dimension PR/N of x and phi(x): linear trace formulas, two-site cavity",
            notes="shared/theory/dmft.md",
        ),
        Theory.conventional(
            "fixed",
            "problem:FixedProblem",
            "derivations.fixed",
            report="fixed",
            title="fixed connectivity: covariances and response of one given J (linear-equivalent, per-neuron gains)",
            notes="shared/theory/fixed-connectivity-and-dimension.md",
        ),
    )
}
"""Every theory, by name."""


def theory_names() -> list[str]:
    """Names of the registered theories."""
    return list(THEORIES)


def get_theory(name: str) -> Theory:
    """The theory ``name``; SpecError naming the registered ones (and the closest) otherwise."""
    if name in THEORIES:
        return THEORIES[name]
    hint = difflib.get_close_matches(str(name), list(THEORIES), n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise SpecError("theory", f"unknown theory {name!r}{did}; theories: {', '.join(THEORIES)}")
