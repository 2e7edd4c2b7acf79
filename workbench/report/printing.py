"""SymPy output cleaned for print: the forms a theorist writes, from the same derived objects.

:func:`clean_for_print` rewrites an expression into an *equal* one that reads better (the printed
object stays the derived one, only its form changes):

* the primitive of tanh as SymPy returns it, ``x - log(tanh(x) + 1)``, becomes ``log(cosh(x))``
  (``tanh(x) + 1 = e^x / cosh(x)``, so the two are equal, constant included); likewise
  ``log(1 - tanh(x)) = -x - log(cosh(x))``.

:class:`WorkbenchLatexPrinter` changes only the order of printed terms:

* a sum of two terms with one negative prints the positive one first (``t - s``, not ``- s + t``;
  ``order="none"`` keeps the order of an unevaluated sum);
* the argument of the (even) Dirac delta is oriented so that the later variable is positive
  (``delta(t - s)`` for both ``delta(t - s)`` and ``delta(s - t)``).

:func:`latex` combines both; :func:`workbench.report.latex.sympy_latex` calls it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["WorkbenchLatexPrinter", "clean_for_print", "latex"]


def _log_tanh_rule(e: sp.log) -> sp.Expr:
    """``log(1 + tanh(y)) -> y - log(cosh(y))`` and ``log(1 - tanh(y)) -> -y - log(cosh(y))``; else ``e``."""
    arg = e.args[0]
    if not (isinstance(arg, sp.Add) and len(arg.args) == 2 and sp.S.One in arg.args):
        return e
    rest = arg - 1
    if isinstance(rest, sp.tanh):
        y = rest.args[0]
        return y - sp.log(sp.cosh(y))
    if isinstance(-rest, sp.tanh):
        y = (-rest).args[0]
        return -y - sp.log(sp.cosh(y))
    return e


def clean_for_print(expr: Any) -> Any:
    """An equal expression in print form (``log cosh`` for the primitive of tanh); non-SymPy objects unchanged."""
    if not isinstance(expr, sp.Basic) or not (expr.has(sp.log) and expr.has(sp.tanh)):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.log), _log_tanh_rule)


def _negative(term: sp.Expr) -> bool:
    return bool(term.could_extract_minus_sign())


class WorkbenchLatexPrinter(LatexPrinter):
    """:class:`sympy.printing.latex.LatexPrinter` with the term orders of the module docstring."""

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:  # noqa: N802 (SymPy's name)
        terms = self._as_ordered_terms(expr, order=order)
        kept = (order or self.order) == "none"  # an explicit order="none" prints the arguments as given
        if not kept and len(terms) == 2 and _negative(terms[0]) and not _negative(terms[1]):
            return super()._print_Add(sp.Add(terms[1], terms[0], evaluate=False), order="none")
        return super()._print_Add(expr, order=order)

    def _print_DiracDelta(self, expr: sp.DiracDelta, exp: str | None = None) -> str:  # noqa: N802
        arg = expr.args[0]
        if len(expr.args) == 1 and isinstance(arg, sp.Add) and len(arg.args) == 2:
            pos, neg = sorted(arg.args, key=_negative)
            if _negative(neg) and not _negative(pos) and sp.default_sort_key(pos) < sp.default_sort_key(-neg):
                arg = sp.Add(-neg, -pos, evaluate=False)  # delta is even: delta(s - t) = delta(t - s)
            else:
                arg = sp.Add(pos, neg, evaluate=False)
            tex = rf"\delta\left({self._print_Add(arg, order='none')}\right)"
            return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"
        return super()._print_DiracDelta(expr, exp)


def latex(expr: Any, **settings: Any) -> str:
    """LaTeX of ``clean_for_print(expr)`` by :class:`WorkbenchLatexPrinter` (settings as for :func:`sympy.latex`)."""
    return WorkbenchLatexPrinter(settings).doprint(clean_for_print(expr))
