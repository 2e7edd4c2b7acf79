"""The shape every theory follows: Derivation, Problem (with a method registry), Solver, Result, Checks.

A theory ``NAME`` lives in ``workbench/theories/NAME/`` (problem, one module per solver method,
result, checks against the simulator, references, report section, plots, CLI) and derives its
equations in ``derivations/``. The protocols here are deliberately small::

    problem = Problem(spec, setup)              # derivation built (cached) from the spec
    solver = problem.build_solver("auto")       # first registered method that can solve it
    result = solver.solve()                     # -> Result; result.summary() is what --json prints
    solver.generated                            # the compiled systems (source, content keys)
    checks.jobs("quick")                        # the simulations the theory is checked against
    checks.comparisons(result, runs)            # stored runs -> Comparison rows (tests and report)

:class:`~workbench.store.RunJob` (re-exported here) describes one stored simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from workbench.compare import Comparison
from workbench.errors import SpecError
from workbench.store import RunJob, StoredRun

__all__ = ["Checks", "Derivation", "Problem", "Result", "RunJob", "Size", "Solver"]

Size = Literal["quick", "full"]
"""Size of a set of check jobs: ``"quick"`` (seconds, for tests and ``--quick`` reports) or ``"full"``."""


@runtime_checkable
class Derivation(Protocol):
    """A derived result: SymPy equations for unknowns in terms of parameters, with its stages kept.

    Attributes
    ----------
    name : str
    equations : mapping of str to sympy.Eq
    unknowns, parameters : tuple of sympy.Symbol
    stages : mapping or sequence
        The intermediate objects of the pipeline (action, saddle point, effective process, ...),
        kept so that a report shows them without re-running the derivation.
    """

    name: str
    equations: Mapping[str, Any]
    unknowns: tuple[Any, ...]
    parameters: tuple[Any, ...]

    def latex(self) -> str:
        """The derivation as a LaTeX fragment."""
        ...


@runtime_checkable
class Result(Protocol):
    """What a solver returns."""

    def summary(self) -> dict[str, Any]:
        """Exactly what ``--json`` prints (strict JSON: finite floats or their names, no arrays)."""
        ...

    def save(self, path: str | Path) -> Path:
        """Write the result (arrays included) to ``path``; the path written."""
        ...


class Solver:
    """One solution method of a :class:`Problem`: compiled at construction, :meth:`solve` per spec.

    Subclasses set ``method`` (the registry name) and ``description``, override :meth:`can_solve`
    when they need a structure (e.g. an energy integral), and keep their compiled systems inspectable
    through :attr:`generated`.
    """

    method: ClassVar[str] = ""
    description: ClassVar[str] = ""
    requires: ClassVar[str] = ""
    """What the method needs of a problem (named in the error when it is forced on one that lacks it)."""

    @classmethod
    def can_solve(cls, problem: Problem) -> bool:
        """Whether this method applies to ``problem`` (default: always)."""
        return True

    def solve(self, spec: Any = None, **options: Any) -> Result:
        """Solve at ``spec``'s parameter values (default: the problem's spec)."""
        raise NotImplementedError

    @property
    def generated(self) -> list[Any]:
        """The compiled systems of this solver (objects with ``source`` and a content ``key``)."""
        from workbench.codegen.compiled import CompiledFunction

        found = []
        for value in vars(self).values():
            main = getattr(value, "main", None)  # a LoweredSystem wraps its compiled function
            for obj in (value, main):
                if isinstance(obj, CompiledFunction) and obj not in found:
                    found.append(obj)
        return found


class Problem:
    """A theory's problem for one spec: the derivation, and the solver methods that can solve it.

    Subclasses set ``name`` and ``methods`` (method name -> :class:`Solver` subclass, in order of
    preference) and implement :meth:`_derive`; ``setup`` carries the theory's own settings that
    are not part of the model spec (a horizon, a grid).
    """

    name: ClassVar[str] = ""
    methods: ClassVar[dict[str, type[Solver]]] = {}

    def __init__(self, spec: Any, setup: Any = None) -> None:
        self.spec = spec
        self.setup = setup
        self._derivation: Any = None

    def _derive(self) -> Derivation:
        """Build the derivation (subclasses; cached by :attr:`derivation`)."""
        raise NotImplementedError

    @property
    def derivation(self) -> Derivation:
        """The problem's derivation (built once)."""
        if self._derivation is None:
            self._derivation = self._derive()
        return self._derivation

    @derivation.setter
    def derivation(self, value: Derivation) -> None:
        self._derivation = value

    def method_class(self, method: str = "auto") -> type[Solver]:
        """The solver class of ``method``; ``"auto"`` is the first registered method that can solve the problem.

        Raises
        ------
        SpecError
            Unknown ``method``, or a method that cannot solve this problem (the message lists the methods).
        """
        names = list(self.methods)
        listing = ", ".join(["auto", *names])
        if method == "auto":
            for cls in self.methods.values():
                if cls.can_solve(self):
                    return cls
            raise SpecError("method", f"no method of {self.name!r} can solve this problem; methods: {listing}")
        if method not in self.methods:
            raise SpecError("method", f"unknown method {method!r} for {self.name!r}; methods: {listing}")
        cls = self.methods[method]
        if not cls.can_solve(self):
            able = [n for n, c in self.methods.items() if c.can_solve(self)]
            need = f" (it needs {cls.requires})" if cls.requires else ""
            raise SpecError(
                "method", f"{method!r} cannot solve this problem{need}; use {' or '.join(map(repr, able)) or 'none'}"
            )
        return cls

    def build_solver(self, method: str = "auto", **options: Any) -> Solver:
        """The compiled solver of ``method`` (see :meth:`method_class`), built with ``options``."""
        return self.method_class(method)(self, **options)


@runtime_checkable
class Checks(Protocol):
    """A theory's checks against the simulator: used by both the tests and the report section."""

    def jobs(self, size: Size) -> list[RunJob]:
        """The stored simulations the checks need at this size."""
        ...

    def comparisons(self, theory: Any, runs: Mapping[RunJob, StoredRun]) -> Sequence[Comparison]:
        """Theory against the stored runs, one :class:`~workbench.compare.Comparison` per checked quantity."""
        ...
