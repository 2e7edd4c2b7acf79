"""A small functional calculus on SymPy expressions built from integrals of fields.

Functionals are ordinary SymPy expressions in which fields appear inside ``Integral`` nodes
(local terms ``int dt f(x(t), dx/dt)`` and bilocal terms ``int int dt ds K(t, s) a(t) b(s)``), or
inside nodes that know their own derivative (:class:`LogPartition`). The functional derivative
with respect to a field at a point, ``delta F / delta f(p1, ..., pk)``, is computed by the chain
rule over those nodes; inside an integral every occurrence ``f(v1, ..., vk)`` contributes
``dF/df`` with the integration variables set to the point (the delta function integrated out),
and a first time derivative ``d f(v)/dv`` contributes ``-d/dv (dF/df')`` (integration by parts,
boundary terms dropped: stationary, infinite time domain).
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.expr import as_expr

__all__ = [
    "Average",
    "LogPartition",
    "functional_derivative",
    "product_of_integrals",
    "square",
    "response_moments_vanish",
    "is_response_field",
]


class Average(sp.Function):
    """Unevaluated average ``<expr>`` over the single-site path measure."""

    nargs = 1

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        tex = rf"\left\langle {printer._print(self.args[0])} \right\rangle"
        return tex if exp is None else f"{tex}^{{{exp}}}"


class LogPartition(sp.Function):
    """``ln Z[S] = ln int Dx Dx~ exp(S[x, x~])`` for a single-site action ``S`` (unevaluated).

    Its functional derivative with respect to any variable the action depends on (not a field it
    integrates over) is the average of the derivative of the action:
    ``delta ln Z / delta p = <delta S / delta p>``.
    """

    nargs = 1

    def _functional_derivative(self, point: sp.Expr) -> sp.Expr:
        inner = functional_derivative(self.args[0], point)
        return sp.S.Zero if inner == 0 else Average(inner)

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        tex = rf"\ln Z\left[{printer._print(self.args[0])}\right]"
        return tex if exp is None else f"{tex}^{{{exp}}}"


def is_response_field(app: sp.Basic) -> bool:
    """True for applications of a response field (names starting with ``xtilde``)."""
    return isinstance(app, AppliedUndef) and app.func.__name__.startswith("xtilde")


def _top_nodes(expr: sp.Basic) -> list[sp.Basic]:
    """Integral / self-differentiating nodes not nested inside another such node."""
    out: list[sp.Basic] = []

    def walk(e: sp.Basic) -> None:
        if isinstance(e, sp.Integral) or hasattr(e, "_functional_derivative"):
            if e not in out:
                out.append(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return out


def _flatten_integral(I: sp.Integral) -> tuple[sp.Expr, list[tuple]]:
    body = I.function
    limits = list(I.limits)
    while isinstance(body, sp.Integral):
        limits = list(body.limits) + limits
        body = body.function
    return body, limits


def _localize(term: sp.Expr, args: tuple[sp.Expr, ...], point: tuple[sp.Expr, ...], limits: list[tuple]) -> sp.Expr:
    """Integrate ``term * prod_k delta(args_k - point_k)`` over the given limits."""
    variables = [lim[0] for lim in limits]
    remaining = list(limits)
    subs: dict[sp.Symbol, sp.Expr] = {}
    factor = sp.S.One
    for a, p in zip(args, point, strict=True):
        a = a.xreplace(subs)
        free_vars = [v for v in variables if v in a.free_symbols and v not in subs]
        if not free_vars:
            factor *= sp.DiracDelta(a - p)
            continue
        v = free_vars[0]
        coeff = sp.diff(a, v)
        if coeff.free_symbols & set(variables) or coeff == 0:
            raise NotImplementedError(f"cannot integrate out delta({a} - {p}) over {v}")
        sol = sp.solve(sp.Eq(a, p), v)
        if len(sol) != 1:
            raise NotImplementedError(f"cannot solve {a} = {p} for {v}")
        subs[v] = sol[0]
        factor /= sp.Abs(coeff)
        remaining = [lim for lim in remaining if lim[0] != v]
    body = (term * factor).xreplace(subs)
    remaining = [tuple(as_expr(x).xreplace(subs) for x in lim) for lim in remaining]
    return sp.Integral(body, *remaining) if remaining else body


def _integral_derivative(I: sp.Integral, point: sp.Expr) -> sp.Expr:
    f = point.func
    body, limits = _flatten_integral(I)
    variables = {lim[0] for lim in limits}
    # first time derivatives of the field, then plain occurrences
    ders = [d for d in body.atoms(sp.Derivative) if isinstance(d.expr, AppliedUndef) and d.expr.func == f]
    dsyms = {d: sp.Dummy("dF") for d in ders}
    b1 = body.xreplace(dsyms)
    apps = [a for a in b1.atoms(AppliedUndef) if a.func == f]
    asyms = {a: sp.Dummy("F") for a in apps}
    b2 = b1.xreplace(asyms)
    back = {v: k for k, v in {**dsyms, **asyms}.items()}
    total = sp.S.Zero
    for a, d in asyms.items():
        c = sp.diff(b2, d)
        if c == 0:
            continue
        total += _localize(c.xreplace(back), a.args, point.args, limits)
    for der, d in dsyms.items():
        c = sp.diff(b2, d)
        if c == 0:
            continue
        if len(der.variable_count) != 1 or der.variable_count[0][1] != 1:
            raise NotImplementedError(f"only first time derivatives are supported, got {der}")
        v = der.variable_count[0][0]
        if v not in variables:
            raise NotImplementedError(f"derivative variable {v} is not integrated over")
        c = -sp.diff(c.xreplace(back), v)
        total += _localize(c, der.expr.args, point.args, limits)
    return total


def functional_derivative(F: sp.Expr, point: sp.Expr) -> sp.Expr:
    """The functional derivative ``delta F / delta f(p1, ..., pk)``.

    Parameters
    ----------
    F : sympy.Expr
        A functional: any expression of integrals of fields, :class:`LogPartition` nodes and
        fields evaluated at fixed points.
    point : sympy.Expr
        An applied field ``f(p1, ..., pk)`` whose arguments are the evaluation point.

    Returns
    -------
    sympy.Expr
        The derivative, a function of the point; fields evaluated at a fixed point other than the
        evaluation point give Dirac deltas.

    Examples
    --------
    >>> import sympy as sp
    >>> t, t0 = sp.symbols("t t_0", real=True)
    >>> x = sp.Function("x")
    >>> functional_derivative(sp.Integral(x(t) ** 3, (t, -sp.oo, sp.oo)), x(t0))
    3*x(t_0)**2
    """
    if not isinstance(point, AppliedUndef):
        raise TypeError(f"point must be an applied field like x(t_0), got {point!r}")
    F = as_expr(F)
    nodes = _top_nodes(F)
    reps = {n: sp.Dummy("N") for n in nodes}
    Fd = F.xreplace(reps)
    back = {v: k for k, v in reps.items()}
    total = sp.S.Zero
    for node, d in reps.items():
        c = sp.diff(Fd, d)
        if c == 0:
            continue
        if isinstance(node, sp.Integral):
            dn = _integral_derivative(node, point)
        else:
            dn = node._functional_derivative(point)
        if dn != 0:
            total += c.xreplace(back) * dn
    # fields at fixed points, outside any integral
    f = point.func
    for app in [a for a in Fd.atoms(AppliedUndef) if a.func == f]:
        c = sp.diff(Fd, app)
        if c == 0:
            continue
        delta = sp.Mul(*[sp.DiracDelta(a - p) for a, p in zip(app.args, point.args, strict=True) if a != p])
        total += c.xreplace(back) * delta
    return total


def product_of_integrals(A: sp.Expr, B: sp.Expr, rename: dict[sp.Symbol, sp.Symbol]) -> sp.Expr:
    """``A * B`` with integrals merged into multiple integrals; B's integration variables are renamed.

    Both factors may be sums of (constant times) integrals.
    """
    terms = []
    for a in sp.Add.make_args(sp.expand(A)):
        for b in sp.Add.make_args(sp.expand(B)):
            ca, Ia = _split_integral(a)
            cb, Ib = _split_integral(b)
            if Ia is None or Ib is None:
                terms.append(a * b)
                continue
            Ib = Ib.xreplace(rename)
            fa, la = _flatten_integral(Ia)
            fb, lb = _flatten_integral(Ib)
            if {lim[0] for lim in la} & {lim[0] for lim in lb}:
                raise ValueError("integration variables clash; choose a different rename")
            terms.append(ca * cb * sp.Integral(fa * fb, *la, *lb))
    return sp.Add(*terms)


def square(A: sp.Expr, rename: dict[sp.Symbol, sp.Symbol]) -> sp.Expr:
    """``A**2`` as a double integral (see :func:`product_of_integrals`)."""
    return product_of_integrals(A, A, rename)


def _split_integral(term: sp.Expr) -> tuple[sp.Expr, sp.Integral | None]:
    ints = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Integral)]
    if len(ints) != 1:
        return term, None
    rest = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not ints[0]])
    return rest, ints[0]


def response_moments_vanish(expr: sp.Expr, fields: Iterable[sp.FunctionClass] | None = None) -> sp.Expr:
    """Set averages of products of response fields only to zero (normalisation ``Z[0] = 1``).

    ``<x~(t1) ... x~(tk)> = 0`` for every k >= 1: the generating functional is normalised, so
    all its derivatives with respect to the response sources vanish at zero source.
    """

    def rule(avg: Average) -> sp.Expr:
        inner = avg.args[0]
        apps = inner.atoms(AppliedUndef)
        if apps and all(is_response_field(a) for a in apps):
            return sp.S.Zero
        return avg

    return expr.replace(lambda e: isinstance(e, Average), rule)
