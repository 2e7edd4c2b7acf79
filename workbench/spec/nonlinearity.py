"""Nonlinearities phi(x): named ones and arbitrary SymPy expressions in ``x``.

The SymPy expression is the single source of truth: the symbolic layer differentiates and
integrates it; the simulator compiles it (named ones have hand-checked numba kernels that are
tested against the SymPy expression).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from workbench.errors import SpecError

__all__ = ["X", "NAMED", "Nonlinearity", "make_nonlinearity"]

X = sp.Symbol("x", real=True)
"""The argument of every nonlinearity (a real SymPy symbol)."""


def _named() -> dict[str, sp.Expr]:
    return {
        "tanh": sp.tanh(X),
        "erf": sp.erf(sp.sqrt(sp.pi) * X / 2),
        "logistic": 1 / (1 + sp.exp(-X)),
        "relu": sp.Max(X, 0),
        "linear": X,
    }


NAMED: dict[str, sp.Expr] = _named()
"""Named nonlinearities. ``erf`` is scaled, erf(sqrt(pi) x / 2), so that phi'(0) = 1 like tanh."""


@dataclass(frozen=True)
class Nonlinearity:
    """A transfer function phi(x) given by a name or a SymPy expression in ``x``.

    Attributes
    ----------
    name : str
        The registered name, or ``"custom"`` for a user expression.
    expr : sympy.Expr
        phi as a SymPy expression in :data:`X`.
    """

    name: str
    expr: sp.Expr = field(compare=False)
    source: str = ""

    @property
    def derivative(self) -> sp.Expr:
        """phi'(x) as a SymPy expression."""
        return sp.diff(self.expr, X)

    @property
    def primitive(self) -> sp.Expr:
        """Phi(x) = int_0^x phi(y) dy (the SCS potential uses it)."""
        y = sp.Dummy("y", real=True)
        return sp.integrate(self.expr.subs(X, y), (y, 0, X))

    def is_odd(self) -> bool:
        """True if phi(-x) = -phi(x)."""
        return sp.simplify(self.expr.subs(X, -X) + self.expr) == 0

    def label(self) -> str:
        """The string that rebuilds this nonlinearity (a name or the expression)."""
        return self.name if self.name != "custom" else self.source


def make_nonlinearity(value: str | sp.Expr | Nonlinearity, parameter: str = "phi") -> Nonlinearity:
    """Build a :class:`Nonlinearity` from a name, an expression string in ``x``, or a SymPy expression.

    Raises
    ------
    SpecError
        For an unknown name, an unparsable expression, or an expression with free symbols other
        than ``x``.
    """
    if isinstance(value, Nonlinearity):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in NAMED:
            return Nonlinearity(key, NAMED[key], key)
        try:
            expr = sp.sympify(value, locals={"x": X}, rational=False)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise SpecError(
                parameter,
                f"unknown nonlinearity {value!r}; use one of {sorted(NAMED)} "
                "or a SymPy expression in x such as 'tanh(2*x)'",
            ) from exc
        source = value.strip()
    elif isinstance(value, sp.Basic):
        expr = value
        source = str(value)
    else:
        raise SpecError(parameter, f"expected a name or a SymPy expression, got {type(value).__name__}")
    if not isinstance(expr, sp.Expr):
        raise SpecError(parameter, f"{value!r} is not an expression in x")
    free = {s for s in expr.free_symbols if s != X}
    # accept a plain Symbol('x') without assumptions as well
    if free and all(s.name == "x" for s in free):
        expr = expr.subs({s: X for s in free})
        free = set()
    if free:
        raise SpecError(
            parameter,
            f"unknown nonlinearity {value!r}: it may depend on x only, found {sorted(map(str, free))}; "
            f"named choices are {sorted(NAMED)}",
        )
    if X not in expr.free_symbols:
        raise SpecError(parameter, f"nonlinearity {value!r} does not depend on x")
    return Nonlinearity("custom", expr, source)
