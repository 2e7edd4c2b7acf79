"""Code printers for the two backends.

* ``"numba"``: :class:`NumbaPrinter`, a scalar printer built on SymPy's ``PythonCodePrinter``. It
  uses the :mod:`math` module (``math.erf``, ``math.tanh``, ``math.lgamma`` ...), all of which numba
  compiles in nopython mode, plus the builtins ``max``/``min``/``abs``; ``Piecewise`` becomes a
  chain of conditional expressions whose fall-through value is ``math.nan``.
* ``"numpy"``: :class:`NumpyPrinter`, SymPy's ``SciPyPrinter`` (NumPy ufuncs, ``scipy.special``
  for special functions), so the generated function broadcasts over arrays.

Both print floats with :func:`repr` (shortest round-trip text, so no digits are lost) and refuse
functions they cannot translate (``strict=True``), which :func:`print_expr` turns into a
:class:`~workbench.errors.SpecError`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.numpy import SciPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from workbench.errors import CodegenError, SpecError

__all__ = ["BACKENDS", "NumbaPrinter", "NumpyPrinter", "make_printer", "print_expr"]

BACKENDS = ("numpy", "numba")
"""The supported backends."""

_SETTINGS: dict[str, Any] = {
    "fully_qualified_modules": True,
    "inline": True,
    "allow_unknown_functions": False,
    "strict": True,
}


def _float_text(expr: sp.Float) -> str:
    return repr(float(expr))


def _root_text(expr: sp.Expr) -> str:
    """A real polynomial root (``CRootOf``, which SymPy puts in the kink conditions of e.g. ``clip(x - x**3/3, -1, 1)``)
    as its float value; a non-real root cannot be compared and is refused."""
    value = complex(expr.evalf(30))
    if value.imag != 0.0:
        raise CodegenError("exprs", f"a non-real polynomial root {expr} cannot be printed as a real number")
    return repr(value.real)


def _softplus_argument(expr: sp.Expr) -> sp.Expr | None:
    """``y`` when ``expr`` is ``log(1 + exp(y))`` (softplus), which is printed without overflow; else None."""
    arg = expr.args[0]
    if isinstance(arg, sp.Add) and len(arg.args) == 2 and sp.S.One in arg.args:
        other = arg.args[0] if arg.args[1] == sp.S.One else arg.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _polylog_text(printer: Any, expr: sp.Expr, log1p: str, dilog: Any) -> str:
    """``polylog(1, z) = -log1p(-z)`` (what differentiating Li2 gives) or ``dilog(z)`` text for ``polylog(2, z)``; other
    orders are refused. ``log1p``: the backend's module path; ``dilog``: the dilogarithm's text at a printed z (called
    only for order 2, so that its module is imported only then)."""
    order, z = expr.args
    zt = printer._print(z)
    if order == 1:
        return f"(-{printer._module_format(log1p)}(-({zt})))"
    if order != 2:
        raise CodegenError("exprs", f"only polylog(1, z) and the dilogarithm polylog(2, z) are supported, not {expr}")
    return dilog(zt)


class NumbaPrinter(PythonCodePrinter):
    """Scalar Python printer whose output numba compiles in nopython mode."""

    printmethod = "_workbench_numba"

    def _print_Float(self, expr: sp.Float) -> str:
        return _float_text(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        branches: list[tuple[str, str]] = []
        tail = self._module_format("math.nan")
        for value, cond in expr.args:
            if cond == sp.true:
                tail = self._print(value)
                break
            branches.append((self._print(value), self._print(cond)))
        if not branches:
            return f"({tail})"
        chain = " else ".join(f"({v}) if ({c})" for v, c in branches)
        return f"({chain} else ({tail}))"

    def _print_ComplexRootOf(self, expr: sp.Expr) -> str:
        return _root_text(expr)

    def _print_ImaginaryUnit(self, expr: sp.Expr) -> str:
        raise CodegenError("exprs", "complex values (I) are not supported by the numba backend; use backend='numpy'")

    def _print_log(self, expr: sp.Expr) -> str:
        """``log(1 + exp(y))`` as ``max(y, 0) + log1p(exp(-|y|))`` (no overflow at large y); other logs as SymPy does."""
        y = _softplus_argument(expr)
        if y is None:
            return super()._print_log(expr)
        t = self._print(y)
        return (f"(max(({t}), 0.0) + {self._module_format('math.log1p')}("
                f"{self._module_format('math.exp')}(-abs({t}))))")

    def _print_polylog(self, expr: sp.Expr) -> str:
        """``polylog(2, z)`` (the primitive of softplus) as :func:`workbench.codegen.special.dilog`; ``polylog(1, z)`` as a log."""
        return _polylog_text(self, expr, "math.log1p",
                             lambda z: f"{self._module_format('workbench.codegen.special.dilog')}({z})")


class NumpyPrinter(SciPyPrinter):
    """NumPy/SciPy printer; the output broadcasts over arrays."""

    printmethod = "_workbench_numpy"

    def _print_Float(self, expr: sp.Float) -> str:
        return _float_text(expr)

    def _print_Pi(self, expr: sp.Expr) -> str:
        return self._module_format("numpy.pi")

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        """A boolean-valued Piecewise (SymPy's rewrite of ``clip`` puts one in a condition) as its logical
        expression: ``numpy.select`` with a NaN default would make it a float array, which a condition rejects."""
        if all(isinstance(v, sp.logic.boolalg.Boolean) for v, _ in expr.args):
            terms, before = [], sp.true
            for value, cond in expr.args:
                terms.append(sp.And(before, cond, value))
                before = sp.And(before, sp.Not(cond))
            return self._print(sp.Or(*terms))
        return super()._print_Piecewise(expr)

    def _print_ComplexRootOf(self, expr: sp.Expr) -> str:
        return _root_text(expr)

    def _print_log(self, expr: sp.Expr) -> str:
        """``log(1 + exp(y))`` as ``numpy.logaddexp(0, y)`` (no overflow at large y); other logs as SymPy does."""
        y = _softplus_argument(expr)
        if y is None:
            return super()._print_log(expr)
        return f"{self._module_format('numpy.logaddexp')}(0.0, {self._print(y)})"

    def _print_polylog(self, expr: sp.Expr) -> str:
        """``polylog(2, z)`` for real ``z <= 1`` as SciPy's ``spence(1 - z)`` (SciPy's Spence function is Li2(1 - x))."""
        return _polylog_text(self, expr, "numpy.log1p",
                             lambda z: f"{self._module_format('scipy.special.spence')}(1 - ({z}))")


def make_printer(backend: str) -> NumbaPrinter | NumpyPrinter:
    """A fresh printer for ``backend`` (``"numpy"`` or ``"numba"``).

    Parameters
    ----------
    backend : str
        One of :data:`BACKENDS`.

    Returns
    -------
    NumbaPrinter or NumpyPrinter
        A new printer; its ``module_imports`` collects the modules the printed code needs.

    Raises
    ------
    SpecError
        If ``backend`` is unknown.
    """
    if backend == "numba":
        return NumbaPrinter(dict(_SETTINGS))
    if backend == "numpy":
        return NumpyPrinter(dict(_SETTINGS))
    raise SpecError("backend", f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")


def print_expr(printer: NumbaPrinter | NumpyPrinter, expr: sp.Basic, backend: str) -> str:
    """Print ``expr`` with ``printer``; untranslatable functions raise a :class:`SpecError`.

    Parameters
    ----------
    printer : NumbaPrinter or NumpyPrinter
        The printer (from :func:`make_printer`).
    expr : sympy.Basic
        The expression to print.
    backend : str
        Backend name, used in the error message.

    Returns
    -------
    str
        Python source text of the expression.
    """
    try:
        return printer.doprint(expr)
    except SpecError:
        raise
    except Exception as exc:  # sympy raises PrintMethodNotImplementedError (a NotImplementedError)
        if isinstance(exc, NotImplementedError):
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CodegenError("exprs", f"cannot generate {backend} code: {first}") from exc
        raise
