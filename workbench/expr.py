"""The one parser of user expressions: text -> SymPy through a whitelist, never ``eval``.

Every string that becomes SymPy (``--phi``, ``phi = ...`` in TOML, ``meanfield --f/--g``,
``derive --phi``) goes through :func:`parse_expression`. The text is parsed by Python's
:mod:`ast` (``mode="eval"``, which only *parses*), and the SymPy tree is built node by node from a
whitelist: the allowed variables, the constants ``pi`` and ``E``, int/float literals, ``+ - * / **``,
unary ``+``/``-`` and calls of the functions in :data:`FUNCTIONS` with positional arguments.
Anything else (attribute access, subscripts, strings, lambdas, keywords, unknown names, ...) is a
:class:`~workbench.errors.SpecError` naming the parameter. Nothing in the text is ever executed.

Sizes are bounded before anything expensive is built: the text length, the number and nesting of
AST nodes and brackets, the magnitude of literals, every numeric exponent (``|p| <= 64``), every
constant part (evaluated in floats first: ``|c| <= 1e100``, real and finite), and the size of the
exact numbers that SymPy computes. So ``9**9**9``, ``x*9**9**9**9`` or ``x**exp(exp(1000000))``
are refused in microseconds instead of hanging.

:func:`as_expr` is the conversion for internal, non-text objects (numbers, SymPy objects, tuples);
it refuses strings, so internal code cannot turn text into SymPy by accident.
"""

from __future__ import annotations

import ast
import functools
import math
import numbers
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from workbench.errors import SpecError

__all__ = [
    "X",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_LITERAL",
    "MAX_EXPONENT",
    "MAX_CONSTANT",
    "MAX_BITS",
    "parse_expression",
    "as_expr",
    "simplifies_to_zero",
]

X = sp.Symbol("x", real=True)
"""The argument of every nonlinearity and drift (re-exported as :data:`workbench.spec.X`)."""

MAX_LENGTH = 1000
"""Longest accepted expression text (characters)."""
MAX_NODES = 200
"""Most expression nodes (names, numbers, operations, calls) in one expression."""
MAX_DEPTH = 30
"""Deepest nesting of expression nodes and of brackets (a chain ``a + b + c`` is not nesting)."""
MAX_LITERAL = 1e6
"""Largest magnitude of a numeric literal."""
MAX_EXPONENT = 64
"""Largest magnitude of a numeric exponent (also after SymPy combines nested powers)."""
MAX_BITS = 4096
"""Bound on the size (bits) of exact numbers that building the expression may compute."""
MAX_CONSTANT = 1e100
"""Largest magnitude of any constant part of an expression (checked in floats before SymPy sees it)."""


@dataclass(frozen=True)
class _Function:
    """A whitelisted function: its SymPy constructor, its float counterpart and its number of arguments."""

    build: Callable[..., sp.Basic]
    value: Callable[..., float]
    min_args: int
    max_args: int | None


FUNCTIONS: dict[str, _Function] = {
    "tanh": _Function(sp.tanh, math.tanh, 1, 1),
    "erf": _Function(sp.erf, math.erf, 1, 1),
    "erfc": _Function(sp.erfc, math.erfc, 1, 1),
    "exp": _Function(sp.exp, math.exp, 1, 1),
    "log": _Function(sp.log, math.log, 1, 2),
    "sqrt": _Function(sp.sqrt, math.sqrt, 1, 1),
    "abs": _Function(sp.Abs, abs, 1, 1),
    "Abs": _Function(sp.Abs, abs, 1, 1),
    "Max": _Function(sp.Max, max, 1, None),
    "Min": _Function(sp.Min, min, 1, None),
    "sin": _Function(sp.sin, math.sin, 1, 1),
    "cos": _Function(sp.cos, math.cos, 1, 1),
    "tan": _Function(sp.tan, math.tan, 1, 1),
    "sinh": _Function(sp.sinh, math.sinh, 1, 1),
    "cosh": _Function(sp.cosh, math.cosh, 1, 1),
    "asinh": _Function(sp.asinh, math.asinh, 1, 1),
    "atan": _Function(sp.atan, math.atan, 1, 1),
    "arctan": _Function(sp.atan, math.atan, 1, 1),
    "clip": _Function(lambda v, lo, hi: sp.Max(lo, sp.Min(hi, v)), lambda v, lo, hi: max(lo, min(hi, v)), 3, 3),
}
"""Functions an expression may call (``Piecewise`` is handled separately: ``(value, condition)`` pairs).

``clip(v, lo, hi)`` is ``Max(lo, Min(hi, v))`` (a clipped cubic: ``clip(x, -1, 1) - clip(x, -1, 1)**3/3``).

``sign`` and ``Heaviside`` are left out on purpose: their derivative is a DiracDelta, which the
derived DMFT equations need (phi') and the generated solvers cannot evaluate.
"""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
"""Named constants an expression may use."""

_CONSTANT_VALUES = {"pi": math.pi, "E": math.e}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type[ast.cmpop], tuple[Callable[[sp.Expr, sp.Expr], sp.Basic], Callable[[float, float], bool]]] = {
    ast.Lt: (sp.Lt, operator.lt),
    ast.LtE: (sp.Le, operator.le),
    ast.Gt: (sp.Gt, operator.gt),
    ast.GtE: (sp.Ge, operator.ge),
}
_NOT_FINITE = (sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I)


@dataclass(frozen=True)
class _Built:
    """A built SymPy node, a bound on the bits of its exact numbers, and its float value if constant.

    ``value`` is None when the node depends on a variable. Constant values are computed in floats
    *before* SymPy sees the node, so that no huge or transcendental constant reaches SymPy's own
    (possibly slow) evaluation.
    """

    expr: sp.Basic
    bits: int
    value: float | None


class _Refusal(Exception):
    """Internal: why an expression is refused (turned into a SpecError naming the parameter)."""


class _Builder:
    """Build SymPy from a checked AST, refusing every node outside the whitelist."""

    def __init__(self, variables: Mapping[str, sp.Symbol], text: str) -> None:
        self.variables = dict(variables)
        self.text = _quote(text)

    def refuse(self, what: str) -> _Refusal:
        """The refusal of a construct outside the whitelist, listing what is allowed."""
        return _Refusal(f"{what} is not allowed in {self.text}; {_allowed_summary(self.variables)}")

    def build(self, node: ast.AST) -> _Built:
        """Dispatch on the node type (whitelist)."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.refuse(_describe(node))

    def constant(self, node: ast.Constant) -> _Built:
        """An int or float literal, bounded by :data:`MAX_LITERAL`."""
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(f"the literal {value!r}")
        if not math.isfinite(value) or abs(value) > MAX_LITERAL:
            raise _Refusal(f"number {_short(value)} out of range in {self.text}; |literal| <= {MAX_LITERAL:g}")
        if isinstance(value, int):
            return _Built(sp.Integer(value), max(value.bit_length(), 1), float(value))
        return _Built(sp.Float(value), 1, value)  # floats have fixed precision: they never grow

    def name(self, node: ast.Name) -> _Built:
        """An allowed variable or constant."""
        if node.id in self.variables:
            return _Built(self.variables[node.id], 1, None)
        if node.id in CONSTANTS:
            return _Built(CONSTANTS[node.id], 2, _CONSTANT_VALUES[node.id])
        if node.id in FUNCTIONS or node.id == "Piecewise":
            raise self.refuse(f"the function name {node.id!r} without a call")
        raise self.refuse(f"the name {node.id!r}")

    def unary(self, node: ast.UnaryOp) -> _Built:
        """Unary plus or minus."""
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise self.refuse(_describe(node))
        inner = self.build(node.operand)
        expr = _expr(inner, self)
        if isinstance(node.op, ast.UAdd):
            return inner
        return _Built(-expr, inner.bits, None if inner.value is None else -inner.value)

    def binary(self, node: ast.BinOp) -> _Built:
        """``+ - * /`` and ``**`` (with a bounded numeric exponent)."""
        if isinstance(node.op, ast.BitXor):
            raise _Refusal(f"'^' is not a power in {self.text}; write x**2 for x squared")
        if isinstance(node.op, ast.Pow):
            return self.power(node)
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.refuse(_describe(node))
        left, right = self.build(node.left), self.build(node.right)
        bits = left.bits + right.bits + 1
        self.check_bits(bits)
        value = self.float_value(op, left, right)
        return _Built(op(_expr(left, self), _expr(right, self)), bits, value)

    def power(self, node: ast.BinOp) -> _Built:
        """``base ** exponent``: a numeric exponent must satisfy ``|p| <= MAX_EXPONENT``."""
        exponent = self.build(node.right)
        if exponent.value is not None and abs(exponent.value) > MAX_EXPONENT:
            raise _Refusal(
                f"exponent {_short(exponent.expr)} too large in {self.text}; "
                f"numeric exponents must satisfy |p| <= {MAX_EXPONENT}"
            )
        base = self.build(node.left)
        scale = MAX_EXPONENT if exponent.value is None else abs(exponent.value)
        bits = (math.ceil(scale) + 1) * base.bits + exponent.bits
        self.check_bits(bits)
        value = self.float_value(operator.pow, base, exponent)
        return _Built(_expr(base, self) ** _expr(exponent, self), bits, value)

    def float_value(self, op: Callable[..., Any], *args: _Built) -> float | None:
        """The float value of a constant node (None if it depends on a variable), refused if out of range."""
        if any(a.value is None for a in args):
            return None
        try:
            value = op(*(a.value for a in args))
        except (ArithmeticError, ValueError) as exc:  # overflow, division by zero, domain errors
            raise _Refusal(f"a constant in {self.text} is not a finite real number ({_short(exc)})") from None
        if isinstance(value, complex) or not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            raise _Refusal(
                f"a constant in {self.text} is out of range; constants must be real with |c| <= {MAX_CONSTANT:g}"
            )
        return float(value)

    def check_bits(self, bits: int) -> None:
        """Refuse expressions whose exact numbers would grow beyond :data:`MAX_BITS`."""
        if bits > MAX_BITS:
            raise _Refusal(f"the numbers in {self.text} grow too large (power towers are not allowed)")

    def call(self, node: ast.Call) -> _Built:
        """A whitelisted function with positional arguments."""
        if not isinstance(node.func, ast.Name):
            raise self.refuse("calling " + _describe(node.func))
        fname = node.func.id
        if node.keywords:
            raise self.refuse(f"a keyword argument in {fname}(...)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.refuse(f"a starred argument in {fname}(...)")
        if fname == "Piecewise":
            return self.piecewise(node)
        fn = FUNCTIONS.get(fname)
        if fn is None:
            raise self.refuse(f"the function {fname!r}")
        n = len(node.args)
        if n < fn.min_args or (fn.max_args is not None and n > fn.max_args):
            want = str(fn.min_args) if fn.max_args == fn.min_args else f"{fn.min_args} or more"
            if fn.max_args not in (None, fn.min_args):
                want = f"{fn.min_args} to {fn.max_args}"
            raise _Refusal(f"{fname} takes {want} argument(s), got {n} in {self.text}")
        args = [self.build(a) for a in node.args]
        value = self.float_value(fn.value, *args)
        bits = max(a.bits for a in args)
        if value is not None:
            bits = 2 * bits + 8  # constant arguments may be rewritten exactly, e.g. tanh(log(2)) = 3/5
        self.check_bits(bits)
        return _Built(fn.build(*(_expr(a, self) for a in args)), bits, value)

    def piecewise(self, node: ast.Call) -> _Built:
        """``Piecewise((value, condition), ...)``; conditions are comparisons or ``True``."""
        if not node.args:
            raise _Refusal(f"Piecewise needs (value, condition) pairs in {self.text}")
        pairs, bits, value, decided = [], 1, None, False
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise _Refusal(f"Piecewise arguments must be (value, condition) pairs in {self.text}")
            branch = self.build(arg.elts[0])
            cond, cond_bits, truth = self.condition(arg.elts[1])
            pairs.append((_expr(branch, self), cond))
            bits = max(bits, branch.bits, cond_bits)
            if not decided and truth is not False:
                decided, value = True, branch.value if truth else None
        return _Built(sp.Piecewise(*pairs), bits, value)

    def condition(self, node: ast.AST) -> tuple[sp.Basic, int, bool | None]:
        """A Piecewise condition (``True`` or chained ``< <= > >=``), its bits and its truth if constant."""
        if isinstance(node, ast.Constant) and node.value is True:
            return sp.true, 1, True
        if not isinstance(node, ast.Compare):
            raise self.refuse(f"the Piecewise condition {_describe(node)} (use a comparison or True)")
        terms = [self.build(node.left)] + [self.build(c) for c in node.comparators]
        parts, truth = [], True
        for k, op in enumerate(node.ops):
            rel = _COMPARE.get(type(op))
            if rel is None:
                raise self.refuse(f"the comparison {type(op).__name__}")
            a, b = terms[k], terms[k + 1]
            parts.append(rel[0](_expr(a, self), _expr(b, self)))
            truth = None if a.value is None or b.value is None or truth is None else truth and rel[1](a.value, b.value)
        return sp.And(*parts), max(t.bits for t in terms), truth


def _expr(built: _Built, builder: _Builder) -> sp.Expr:
    """The SymPy expression of a built node, refused if it is not a scalar expression."""
    if not isinstance(built.expr, sp.Expr):
        raise builder.refuse(f"the non-numeric value {built.expr}")
    return built.expr


def _describe(node: ast.AST) -> str:
    """A short human name of an AST node for error messages."""
    names = {
        ast.Attribute: "attribute access ('.')",
        ast.Subscript: "indexing ('[...]')",
        ast.Lambda: "lambda",
        ast.IfExp: "'if ... else'",
        ast.NamedExpr: "':='",
        ast.JoinedStr: "an f-string",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Compare: "a comparison",
        ast.BoolOp: "'and'/'or'",
        ast.Await: "'await'",
        ast.Starred: "'*'",
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    if isinstance(node, ast.Call):
        return "the result of a call"
    if isinstance(node, ast.Constant):
        return f"the literal {node.value!r}"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "a comprehension"
    if isinstance(node, (ast.UnaryOp, ast.BinOp)):
        return f"the operator {type(node.op).__name__}"
    return f"the construct {type(node).__name__}"


def _short(value: object) -> str:
    """At most 40 characters of a value for messages."""
    s = str(value)
    return s if len(s) <= 40 else s[:37] + "..."


def _allowed_summary(variables: Mapping[str, sp.Symbol]) -> str:
    """One sentence listing what an expression may contain."""
    funcs = ", ".join(sorted([*FUNCTIONS, "Piecewise"], key=str.lower))
    return (
        f"allowed: the variable(s) {', '.join(sorted(variables))}, numbers, pi, E, + - * / ** and the functions {funcs}"
    )


def _quote(text: str) -> str:
    """The repr of at most 60 characters of the text, for messages."""
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _check_text(text: object, max_length: int, max_depth: int) -> str:
    """Type, length and character checks on the raw text (before parsing)."""
    if not isinstance(text, str):
        raise _Refusal(f"expected an expression string, got {type(text).__name__}")
    if len(text) > max_length:
        raise _Refusal(f"expression too long ({len(text)} characters; at most {max_length})")
    bad = next((ch for ch in text if not (ch.isascii() and (ch.isprintable() or ch in " \t"))), None)
    if bad is not None:
        raise _Refusal(f"character {bad!r} is not allowed; expressions are plain ASCII text")
    if "#" in text:  # the parser would silently drop the rest of the line as a comment
        raise _Refusal("'#' (a comment) is not allowed in an expression")
    stripped = text.strip()
    if not stripped:
        raise _Refusal("empty expression")
    if _bracket_depth(stripped) > max_depth:
        raise _Refusal(f"expression nested too deeply (more than {max_depth} levels of brackets)")
    return stripped


def _bracket_depth(text: str) -> int:
    """Deepest nesting of brackets in the text (parentheses leave no trace in the AST)."""
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def _parse_tree(text: str, max_nodes: int, max_depth: int) -> ast.expr:
    """``ast.parse`` (parse only, nothing runs) and the node-count / nesting bounds."""
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        detail = getattr(exc, "msg", None) or type(exc).__name__
        raise _Refusal(f"cannot parse {_quote(text)} ({detail}); write an expression such as 'tanh(2*x)'") from exc
    count, stack = 0, [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > max_nodes:
            raise _Refusal(f"expression too large (more than {max_nodes} parts)")
        if depth > max_depth:
            raise _Refusal(f"expression nested too deeply (more than {max_depth} levels)")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                stack.append((child, depth if _same_chain(node, child) else depth + 1))
    return tree.body


def _same_chain(node: ast.AST, child: ast.AST) -> bool:
    """True for the left operand of a sum or product chain (``a + b + c``), which is not nesting."""
    groups = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))
    return (
        isinstance(node, ast.BinOp)
        and isinstance(child, ast.BinOp)
        and child is node.left
        and any(isinstance(node.op, g) and isinstance(child.op, g) for g in groups)
    )


def _check_result(expr: sp.Expr, text: str) -> None:
    """The built expression is finite, real-valued and has no power tower."""
    if expr.has(*_NOT_FINITE):
        raise _Refusal(f"{_quote(text)} is not a finite real expression (it gives {_short(expr)})")
    for p in expr.atoms(sp.Pow):
        if p.exp.is_Number and abs(p.exp) > MAX_EXPONENT:
            raise _Refusal(
                f"{_quote(text)} gives the power {_short(p)}; numeric exponents must satisfy |p| <= {MAX_EXPONENT} "
                "(also after nested powers combine)"
            )


def _build(
    text: object, variables: Mapping[str, sp.Symbol], max_length: int, max_nodes: int, max_depth: int
) -> sp.Expr:
    """Check, parse and build (raises :class:`_Refusal`)."""
    stripped = _check_text(text, max_length, max_depth)
    body = _parse_tree(stripped, max_nodes, max_depth)
    builder = _Builder(variables, stripped)
    try:
        built = builder.build(body)
    except _Refusal:
        raise
    except (TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
        raise _Refusal(f"cannot build {_quote(stripped)}: {_short(exc)}") from exc
    expr = _expr(built, builder)
    _check_result(expr, stripped)
    return expr


def parse_expression(
    text: str,
    *,
    parameter: str,
    variables: Mapping[str, sp.Symbol] | None = None,
    max_length: int = MAX_LENGTH,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
    hint: str = "",
) -> sp.Expr:
    """Parse an expression string into SymPy through the whitelist (nothing is evaluated as Python).

    Parameters
    ----------
    text : str
        The expression, e.g. ``"tanh(2*x)"`` or ``"Piecewise((x, x > 0), (0, True))"``.
    parameter : str
        The parameter name that errors report (``"phi"``, ``"g"``, ...).
    variables : mapping of str -> sympy.Symbol, optional
        The names that may appear as variables; default ``{"x": X}``.
    max_length, max_nodes, max_depth : int
        Bounds on the text length, the number of expression nodes and their nesting.
    hint : str
        Appended to every error message (e.g. the named choices of a nonlinearity).

    Returns
    -------
    sympy.Expr
        The expression; its free symbols are among ``variables``.

    Raises
    ------
    SpecError
        Naming ``parameter``, for anything outside the whitelist or the size bounds.

    Examples
    --------
    >>> parse_expression("x/(1 + x**2)", parameter="phi")
    x/(x**2 + 1)
    """
    variables = {"x": X} if variables is None else dict(variables)
    try:
        return _build(text, variables, max_length, max_nodes, max_depth)
    except _Refusal as exc:
        raise SpecError(parameter, f"{exc}; {hint}" if hint else str(exc)) from None


def as_expr(obj: object) -> sp.Basic:
    """SymPy form of an internal, non-text object: a number, a SymPy object or a tuple/list of them.

    Raises
    ------
    TypeError
        For strings and bytes (text must go through :func:`parse_expression`) and other types.
    """
    if isinstance(obj, sp.Basic):
        return obj
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"as_expr refuses text ({obj!r}); parse it with workbench.expr.parse_expression")
    if isinstance(obj, (bool, np.bool_)):
        return sp.true if obj else sp.false
    if isinstance(obj, numbers.Integral):
        return sp.Integer(int(obj))
    if isinstance(obj, numbers.Rational):
        return sp.Rational(int(obj.numerator), int(obj.denominator))
    if isinstance(obj, numbers.Real):
        return sp.Float(float(obj))
    if isinstance(obj, (tuple, list)):
        return sp.Tuple(*(as_expr(o) for o in obj))
    if isinstance(obj, sp.MatrixBase):
        return sp.ImmutableMatrix(obj)
    raise TypeError(f"cannot convert {type(obj).__name__} to a SymPy object")


@functools.lru_cache(maxsize=512)
def simplifies_to_zero(expr: sp.Expr) -> bool:
    """Whether ``sympy.simplify(expr) == 0``, remembered per expression (the predicates built on it, such as "phi is
    odd" or "phi is the identity", are asked once per network by the simulation checks; one simplify costs ~0.1 s)."""
    return sp.simplify(expr) == 0
