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

:data:`PRINT_NAMES` typesets internal symbol and function names (``eps_k``, ``v_eps``, ``bbeta``,
``Sigma_noise``, ``EX``) as the symbols of the notation (``\varepsilon_k``, ``v_\varepsilon``, ``b\beta``, ...).

:func:`latex` combines both; :func:`workbench.report.latex.sympy_latex` calls it.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["PRINT_NAMES", "WorkbenchLatexPrinter", "clean_for_print", "latex", "saddle_label", "term_label"]

PRINT_NAMES: dict[str, str] = {
    "eps_k": r"\varepsilon_{k}",
    "eps_l": r"\varepsilon_{l}",
    "eps_jm1": r"\varepsilon_{j-1}",
    "v_eps": r"v_{\varepsilon}",
    "bbeta": r"b \beta",
    "Delta_inf": r"\Delta_{\infty}",
    "Delta_t": r"\Delta t",
    "Sigma_noise": r"\Sigma_{\mathrm{noise}}",
    "EX": r"\mathbb{E} X",
    "C_eta": r"C_{\eta}",
}
"""LaTeX of internal symbol and function names (names the derivations need as identifiers)."""


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

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        name = PRINT_NAMES.get(expr.name)
        return name if name is not None else super()._print_Symbol(expr, style=style)

    def _hprint_Function(self, func: str) -> str:  # noqa: N802
        name = PRINT_NAMES.get(func)
        return name if name is not None else super()._hprint_Function(func)

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


_TERM_KINDS = {
    "dynamics": "dynamics term",
    "noise": "noise term",
    "input": "quenched-input term",
    "coupling": "coupling term",
}
_SADDLE_MEANINGS = {
    "Q": "population rate covariance",
    "Qtilde": "conjugate of the rate covariance (vanishes)",
    "m": "population mean rate",
    "mtilde": "conjugate of the mean rate (vanishes)",
}


def _populations(index: str, pair: bool) -> str:
    """``all`` / ``E`` / ``all,all`` / ``E,I`` as words."""
    pops = [p.strip() for p in index.split(",")]
    if all(p == "all" for p in pops):
        return "all pairs of neurons" if pair else "all neurons"
    if len(pops) == 2:
        return f"from population {pops[1]} to population {pops[0]}"
    return f"population {pops[0]}"


def term_label(name: str) -> str:
    """Printed description of an action term named ``kind[populations]`` (``coupling[all,all]``, ...)."""
    m = re.fullmatch(r"(?P<kind>[a-z]+)\[(?P<index>[^\]]*)\]", name)
    if m is None or m["kind"] not in _TERM_KINDS:
        return name
    return f"{_TERM_KINDS[m['kind']]} ({_populations(m['index'], m['kind'] == 'coupling')})"


def saddle_label(variable: Any) -> str:
    """Printed description of the saddle-point value of a collective variable (``Q(t_0, s_0)``, ``m(t_0)``)."""
    func = getattr(variable, "func", None)
    name = getattr(func, "__name__", str(variable))
    base, _, pop = name.partition("_")
    meaning = _SADDLE_MEANINGS.get(base, name)
    return f"saddle point, {meaning}" + (f" of population {pop}" if pop else "")
