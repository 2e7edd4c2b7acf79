"""Nonlinearities phi(x): named ones and arbitrary SymPy expressions in ``x``.

The SymPy expression is the single source of truth: the symbolic layer differentiates and
integrates it; the simulator compiles it (named ones have hand-checked numba kernels that are
tested against the SymPy expression).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from workbench.errors import SpecError
from workbench.expr import CONSTANTS, FUNCTIONS, X, parse_expression

__all__ = ["ALIASES", "X", "NAMED", "Nonlinearity", "make_nonlinearity"]


def _named() -> dict[str, sp.Expr]:
    return {
        "tanh": sp.tanh(X),
        "erf": sp.erf(sp.sqrt(sp.pi) * X / 2),
        "logistic": 1 / (1 + sp.exp(-X)),
        "relu": sp.Max(X, 0),
        "linear": X,
        "softplus": sp.log(1 + sp.exp(X)),
    }


NAMED: dict[str, sp.Expr] = _named()
"""Named nonlinearities. ``erf`` is scaled, erf(sqrt(pi) x / 2), so that phi'(0) = 1 like tanh; ``softplus`` is
log(1 + e^x) (its primitive, the DMFT potential, is a dilogarithm)."""


ALIASES: dict[str, str] = {"sigmoid": "logistic", "identity": "linear"}
"""Other names of named nonlinearities (the label is the canonical name)."""


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
        """Phi(x) = int_0^x phi(y) dy, real also for branch functions (see
        :func:`workbench.symbolic.gaussian.primitive`, which the SCS potential uses)."""
        from workbench.symbolic.gaussian import primitive

        return primitive(self.expr)

    def is_odd(self) -> bool:
        """True if phi(-x) = -phi(x) (:func:`workbench.symbolic.parity.has_parity`, which also decides clips such as
        ``clip(x, -1, 1)`` whose ``Max``/``Min`` SymPy cannot simplify)."""
        return _is_odd(self.expr)

    def label(self) -> str:
        """The string that rebuilds this nonlinearity (a name or the expression)."""
        return self.name if self.name != "custom" else self.source


@functools.lru_cache(maxsize=256)
def _is_odd(expr: sp.Expr) -> bool:
    """Whether ``expr(-x) = -expr(x)`` (cached: the clip check evaluates 41 points in 30-digit arithmetic)."""
    from workbench.symbolic.parity import has_parity

    return has_parity(expr, X, odd=True)


def make_nonlinearity(value: str | sp.Expr | Nonlinearity, parameter: str = "phi") -> Nonlinearity:
    """Build a :class:`Nonlinearity` from a name, an expression string in ``x``, or a SymPy expression.

    Strings are parsed by :func:`workbench.expr.parse_expression` (a whitelist; nothing is
    evaluated). A SymPy expression must print as a string that the same parser accepts, so that
    every nonlinearity round-trips through its label and reaches LaTeX with whitelisted names only.

    Raises
    ------
    SpecError
        For an unknown name, an expression outside the whitelist, or an expression with free
        symbols other than ``x``.
    """
    if isinstance(value, Nonlinearity):
        return value
    hint = f"named choices are {sorted(NAMED)}"
    if isinstance(value, str):
        key = value.strip().lower()
        key = ALIASES.get(key, key)
        if key in NAMED:
            return Nonlinearity(key, NAMED[key], key)
        _refuse_unknown_name(value.strip(), parameter)
        expr = parse_expression(value, parameter=parameter, hint=hint)
        source = value.strip()
    elif isinstance(value, sp.Basic):
        expr = value
        source = str(value)
        parse_expression(source, parameter=parameter, hint=hint)
    else:
        raise SpecError(parameter, f"expected a name or a SymPy expression, got {type(value).__name__}")
    if not isinstance(expr, sp.Expr):
        raise SpecError(parameter, f"{source!r} is not an expression in x")
    free = {s for s in expr.free_symbols if s != X}
    # accept a plain Symbol('x') without assumptions as well
    if free and all(s.name == "x" for s in free):
        expr = expr.subs({s: X for s in free})
        free = set()
    if free:
        raise SpecError(
            parameter,
            f"unknown nonlinearity {source!r}: it may depend on x only, found {sorted(map(str, free))}; {hint}",
        )
    if X not in expr.free_symbols:
        raise SpecError(parameter, f"nonlinearity {source!r} does not depend on x")
    return Nonlinearity("custom", expr, source)


def _refuse_unknown_name(text: str, parameter: str) -> None:
    """A bare word that is neither a named nonlinearity nor an expression: say so plainly."""
    if text.isascii() and text.isidentifier() and len(text) <= 40 and text not in {"x", *CONSTANTS, *FUNCTIONS}:
        raise SpecError(
            parameter,
            f"unknown nonlinearity {text!r}; use one of {sorted(NAMED)} or an expression in x such as 'tanh(2*x)'",
        )
