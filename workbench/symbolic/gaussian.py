"""Gaussian averages of a nonlinearity as compact SymPy nodes, with Price's theorem built in.

* :class:`GaussAvg` ``<f>_{mu, Delta0} = int Dz f(mu + sqrt(Delta0) z)``.
* :class:`GaussKernel` ``C_{f,g}(Delta; Delta0, mu) = <f(x1) g(x2)>`` for jointly Gaussian
  ``x1, x2`` with mean ``mu``, variance ``Delta0`` and covariance ``Delta`` (shared
  theory/dmft.md §0).

Both hold their integrands as ``Lambda(x, body)`` (so ``x`` is bound, not free) and differentiate
by Price's theorem / the heat equation: ``dC/dDelta = C_{f', g'}``,
``dC/dDelta0 = (C_{f'', g} + C_{f, g''}) / 2``, ``dC/dmu = C_{f', g} + C_{f, g'}``,
``d<f>/dmu = <f'>``, ``d<f>/dDelta0 = <f''> / 2``. Antiderivatives in Delta follow from the first
rule (:func:`antiderivative`), which is how the potential ``V`` gets ``C_Phi`` (Price identity).

Closed forms (:func:`closed_form`) are *derived* here by SymPy integration: directly for
polynomial and Gaussian-exponential integrands, and otherwise (mean 0) by the "Price ladder":
differentiate ``f`` until a directly integrable kernel appears (``erf -> exp(-c x^2)``,
``relu -> Heaviside -> DiracDelta``), then integrate back in Delta from ``Delta = 0`` where the
two arguments are independent, ``C_f(0) = <f>^2``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.expr import as_expr, simplifies_to_zero
from workbench.spec import ModelSpec, X

__all__ = [
    "GaussAvg",
    "GaussKernel",
    "concrete_phi",
    "is_affine",
    "jumps",
    "primitive",
    "lam",
    "body",
    "gaussian_cgf",
    "gauss_hermite",
    "gauss_average_value",
    "gauss_kernel_values",
    "endpoint_rules",
    "antiderivative",
    "closed_form",
    "gauss_integral",
    "mp_gauss_avg",
    "mp_gauss_kernel",
    "mp_evaluate",
]


def _polylog_numpy(order: int, z: np.ndarray) -> np.ndarray:
    """``polylog(2, z)`` for real ``z <= 1`` (the primitive of softplus) by SciPy's Spence function, Li2(z) = spence(1 - z),
    and ``polylog(1, z) = -log(1 - z)``."""
    from scipy.special import spence

    z = np.asarray(z, dtype=float)
    if order == 1:  # Li1(z) = -log(1 - z), what differentiating Li2 gives
        return -np.log1p(-z)
    if order != 2:
        raise NotImplementedError(f"polylog of order {order}")
    return spence(1.0 - z)


NUMPY_SPECIAL: dict[str, Callable] = {"polylog": _polylog_numpy}
"""``lambdify`` names for the special functions of primitives that SymPy's ``scipy`` module does not map."""

_Z = sp.Symbol("z", real=True)
_Y = sp.Symbol("y", real=True)
_JUMP_EPS = sp.Rational(1, 10**12)


def concrete_phi(spec: ModelSpec, population: int = 0) -> sp.Expr:
    """``phi(gain_a x)`` of population ``a`` in :data:`X`: the one place where the gain enters phi.

    Piecewise-linear ``Max``/``Min`` are rewritten as ``Piecewise`` (SymPy integrates and
    differentiates those branch by branch). The derivation (:mod:`workbench.symbolic.action`), the
    solvers and the reports all take phi from here.

    Raises
    ------
    SpecError
        If the population's gain is not a constant (the DMFT has one gain per population), or if
        phi jumps (a Piecewise whose pieces do not meet: phi' would hold a delta function, which
        branch-by-branch differentiation silently drops).
    """
    gain = spec.populations[population].gain
    if gain.kind != "constant":
        raise SpecError(
            f"populations[{population}].gain", f"the DMFT needs a constant value here, got a {gain.kind} distribution"
        )
    g = sp.nsimplify(gain.value)
    phi = spec.phi.expr if g == 1 else spec.phi.expr.subs(X, g * X)
    phi = phi.rewrite(sp.Piecewise) if phi.has(sp.Max, sp.Min) else phi
    found = jumps(phi)
    if found:
        point, jump = found[0]
        raise SpecError(
            "phi",
            f"{spec.phi.label()!r} jumps by {float(jump):.6g} at x = {float(point):.6g}; the mean-field theories "
            "need a continuous phi (the derivative of a jump is a delta function): make the pieces meet there",
        )
    return phi


@functools.lru_cache(maxsize=64)
def jumps(f: sp.Expr, eps: sp.Rational = _JUMP_EPS) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    """The points ``a`` where a Piecewise ``f`` of :data:`X` is discontinuous, with ``f(a+) - f(a-)``.

    The candidates are the real roots of the conditions' comparisons (``Abs(x) <= 1`` gives -1, 1);
    ``f`` is evaluated exactly at ``a -+ eps`` and a difference above 1e-6 counts as a jump
    (a continuous piece changes by about ``eps |f'|`` there).
    """
    if not f.has(sp.Piecewise):
        return ()
    points: set[sp.Expr] = set()
    for pw in f.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                try:
                    points.update(a for a in sp.solve(rel.lhs - rel.rhs, X) if a.is_real)
                except (NotImplementedError, TypeError, ValueError):  # a transcendental boundary: not checked
                    continue
    out: list[tuple[sp.Expr, sp.Expr]] = []
    for a in sorted(points, key=float):
        jump = sp.N(f.subs(X, a + eps) - f.subs(X, a - eps))
        if jump.is_number and abs(float(jump)) > 1e-6:
            out.append((a, jump))
    return tuple(out)


def is_affine(f: sp.Expr) -> bool:
    """Whether ``f(x) = a + b x`` on the whole line (a linear network: no stationary chaotic DMFT).

    Branch functions are judged by their pieces, not by their second derivative (SymPy
    differentiates ``Piecewise`` branch by branch and loses the kinks: a leaky relu has ``f'' = 0``
    on every piece but is not affine).
    """
    f = sp.piecewise_fold(as_expr(f).rewrite(sp.Piecewise))
    pieces = [e for e, _ in f.args] if isinstance(f, sp.Piecewise) else [f]
    if any(p.has(sp.Piecewise, sp.Abs, sp.Heaviside, sp.sign) for p in pieces):
        return False
    if not all(simplifies_to_zero(sp.diff(p, X, 2)) for p in pieces):
        return False
    return all(simplifies_to_zero(p - pieces[0]) for p in pieces[1:])


def primitive(f: sp.Expr) -> sp.Expr:
    """``F(x) = int_0^x f(y) dy``, real on the real line.

    SymPy integrates branch functions (``Abs``, ``Piecewise``) piece by piece with complex
    logarithms, e.g. ``int_0^x y/(1 + |y|) dy = -x - log(x - 1) + i pi`` for ``x < 0``. The
    imaginary part of a primitive of a real function is constant on every piece and ``F(0) = 0``
    is real, so ``Re F`` is the primitive; each piece is simplified under its own condition
    (``log|x - 1| = log(1 - x)`` for ``x < 0``). Raises ``ValueError`` if an ``I`` survives.
    """
    y = sp.Dummy("y", real=True)
    F = _piecewise_in_x(sp.integrate(as_expr(f).subs(X, y), (y, 0, X)))
    if F.has(sp.Integral):  # e.g. a clipped non-monotone polynomial, clip(x - x**3/3, -1, 1)
        G = primitive_of_exponential(f)
        F = G if G is not None else primitive_by_intervals(f)
    if not F.has(sp.I):
        return _checked_primitive(F, f)
    F = sp.piecewise_fold(F)
    if isinstance(F, sp.Piecewise):
        pieces, before = [], sp.true
        for expr, cond in F.args:
            pieces.append((sp.refine(sp.re(expr), sp.And(cond, before)), cond))
            before = sp.And(before, sp.Not(cond))
        F = sp.Piecewise(*pieces)
    else:
        F = sp.re(F)
    if F.has(sp.I, sp.re, sp.im):
        raise ValueError(f"no real primitive of {f}: {F}")
    return _checked_primitive(F, f)


def primitive_of_exponential(f: sp.Expr) -> sp.Expr | None:
    """``int_0^x f`` for an ``f`` that depends on x only through ``exp(k x)`` (k rational), by ``u = exp(x)``.

    SymPy does not integrate ``log(1 + exp(x))`` (softplus) in x, but does ``int log(1 + u)/u du = -Li2(-u)``;
    the result is checked pointwise (its derivative against f) and ``None`` is returned when the substitution
    does not apply or SymPy cannot integrate in u either. ``exp_polar(i pi)`` (SymPy's branch marker in
    ``Li2(u exp_polar(i pi))``) is -1 on the real line.
    """
    u = sp.Dummy("u", positive=True)
    fx = as_expr(f)

    def power_of_u(e: sp.Expr) -> sp.Expr:
        k = sp.nsimplify(e.args[0] / X)
        return u**k if k.is_Rational else e

    g = fx.replace(lambda e: isinstance(e, sp.exp) and e.has(X), power_of_u)
    if g.has(X) or not g.has(u):
        return None
    G = sp.integrate(g / u, u)
    if G.has(sp.Integral):
        return None
    G = G.replace(lambda e: isinstance(e, sp.exp_polar), lambda e: sp.exp(sp.unpolarify(e.args[0])))
    F = G.subs(u, sp.exp(X))
    F = sp.expand(F - F.subs(X, 0))
    F = F.replace(lambda e: isinstance(e, sp.polylog), lambda e: sp.polylog(e.args[0], sp.expand(e.args[1])))
    if F.has(sp.I, sp.exp_polar, sp.Integral) or not _derivative_matches(F, fx):
        return None
    return F


def _derivative_matches(F: sp.Expr, f: sp.Expr) -> bool:
    """Whether ``F' = f`` at 801 points of [-20, 20] (relative 1e-9): SymPy can fold the branch conditions of
    a clipped polynomial wrongly, e.g. ``Min(2/3, x - x**3/3)`` clips where ``x - x**3/3 = 2/3`` only
    touches (x = 1) and then gives the clipped branch on all of ``x >= 1``. Special functions of primitives
    (``polylog``) through :data:`NUMPY_SPECIAL`."""
    modules = [NUMPY_SPECIAL, "scipy", "numpy"]
    xs = np.linspace(-20.0, 20.0, 801) + 1e-3 * math.pi  # off the integer and rational kinks
    with np.errstate(all="ignore"):
        d = np.broadcast_to(np.asarray(sp.lambdify(X, sp.diff(F, X), modules)(xs), dtype=float), xs.shape)
        v = np.broadcast_to(np.asarray(sp.lambdify(X, as_expr(f), modules)(xs), dtype=float), xs.shape)
    ok = np.isfinite(v)
    return bool(np.all(np.abs(d[ok] - v[ok]) <= 1e-9 * (1.0 + np.abs(v[ok]))))


def _checked_primitive(F: sp.Expr, f: sp.Expr) -> sp.Expr:
    """``F`` if its derivative is ``f`` on the line, else the primitive joined interval by interval (SymPy's
    piecewise integration of a branch function is checked, not trusted)."""
    if not F.has(sp.Piecewise) or _derivative_matches(F, f):
        return F
    G = primitive_by_intervals(f)
    if not _derivative_matches(G, f):
        raise ValueError(f"no verified primitive of {f}")
    return G


def _real_kinks(f: sp.Piecewise) -> list[float]:
    """Real points where a conditions of a Piecewise in X switches (polynomial conditions; numeric roots)."""
    pts: set[float] = set()
    for _, cond in f.args:
        for rel in cond.atoms(sp.core.relational.Relational):
            diff = sp.expand(numeric_body(sp.Lambda(X, rel.lhs - rel.rhs)))
            if not diff.is_polynomial(X):
                raise ValueError(f"a kink condition that is not polynomial in x: {rel}")
            poly = sp.Poly(diff, X).sqf_part()  # a double root (a tangent clip level) stalls nroots
            pts.update(float(sp.re(r)) for r in poly.nroots(n=30, maxsteps=200) if abs(sp.im(r)) < 1e-20)
    return sorted(pts)


def _active_piece(f: sp.Piecewise, x0: float) -> sp.Expr:
    """The branch of a Piecewise in X that holds at the point ``x0``."""
    for expr, cond in f.args:
        if bool(numeric_body(sp.Lambda(X, cond)).subs(X, sp.Float(x0, 30))):
            return expr
    raise ValueError(f"no branch of {f} holds at x = {x0}")


def primitive_by_intervals(f: sp.Expr) -> sp.Expr:
    """``F(x) = int_0^x f`` for a Piecewise whose kinks are real polynomial roots, one interval at a time.

    SymPy leaves ``Integral`` objects for e.g. ``clip(x - x**3/3, -1, 1)`` (conditions ``x**3 - 3 x >= 3``); here
    the kinks are found numerically (30 digits), each interval's smooth branch is integrated symbolically and the
    pieces are joined continuously from F(0) = 0.
    """
    fx = sp.piecewise_fold(as_expr(f).rewrite(sp.Piecewise))
    if not isinstance(fx, sp.Piecewise):
        raise ValueError(f"no primitive of {f}")
    kinks = _real_kinks(fx)
    edges = [-math.inf, *kinks, math.inf]
    mids = [(a + b) / 2 if math.isfinite(a) and math.isfinite(b) else (b - 1.0 if math.isfinite(b) else a + 1.0)
            for a, b in zip(edges[:-1], edges[1:], strict=True)]
    if not kinks:
        mids = [0.0]
    prims = [sp.integrate(_active_piece(fx, m), X) for m in mids]
    home = sum(1 for k in kinks if k <= 0.0)  # the interval that holds x = 0
    shift = [sp.S.Zero] * len(prims)
    shift[home] = -prims[home].subs(X, 0)
    for j in range(home + 1, len(prims)):  # continuity at kinks[j - 1], walking right
        k = sp.Float(kinks[j - 1], 30)
        shift[j] = prims[j - 1].subs(X, k) + shift[j - 1] - prims[j].subs(X, k)
    for j in range(home - 1, -1, -1):  # and left, at kinks[j]
        k = sp.Float(kinks[j], 30)
        shift[j] = prims[j + 1].subs(X, k) + shift[j + 1] - prims[j].subs(X, k)
    branches = [(prims[j] + shift[j], X < sp.Float(kinks[j], 30)) for j in range(len(kinks))]
    return sp.Piecewise(*branches, (prims[-1] + shift[-1], True))


def _piecewise_in_x(F: sp.Expr) -> sp.Expr:
    """``Max``/``Min`` (SymPy's clipped-interval primitives) rewritten as one folded ``Piecewise``.

    ``d/dx Max(-1, x)**k`` gives ``Heaviside`` and then ``DiracDelta`` terms with vanishing weight
    (measure zero) that the generated code cannot evaluate; a Piecewise differentiates branch by branch.
    """
    if not F.has(sp.Max, sp.Min):
        return F
    return sp.piecewise_fold(F.rewrite(sp.Piecewise))


def lam(body: sp.Expr) -> sp.Lambda:
    """``Lambda(x, body)`` in the nonlinearity variable :data:`workbench.spec.X`."""
    return sp.Lambda(X, as_expr(body))


def body(f: sp.Lambda) -> sp.Expr:
    """The integrand of a Lambda as an expression in X (also for SymPy's IdentityFunction)."""
    return f(X)


def numeric_body(f: sp.Lambda) -> sp.Expr:
    """:func:`body` with real polynomial roots (``CRootOf``) as 30-digit floats, ready for ``lambdify``.

    SymPy's Piecewise folding puts such roots into the kink conditions of polynomial clips, e.g.
    ``clip(x - x**3/3, -1, 1)``; the numpy and mpmath printers cannot evaluate them.
    """
    b = body(f)
    if not b.has(sp.CRootOf):
        return b
    return b.replace(lambda e: isinstance(e, sp.CRootOf), lambda e: sp.Float(sp.re(e.evalf(30)), 30))


@functools.lru_cache(maxsize=512)
def _d(f: sp.Lambda, n: int = 1) -> sp.Lambda:
    return lam(sp.simplify(sp.diff(body(f), X, n)))


def _body_latex(printer: sp.printing.latex.LatexPrinter, f: sp.Lambda) -> str:
    return printer._print(body(f))


class GaussAvg(sp.Function):
    """``<f>_{mu, Delta0}``: Gaussian average of ``f`` (a Lambda in x) at mean mu, variance Delta0."""

    nargs = 3

    @property
    def f(self) -> sp.Lambda:
        """The integrand."""
        return self.args[0]

    @property
    def mu(self) -> sp.Expr:
        """Mean."""
        return self.args[1]

    @property
    def Delta0(self) -> sp.Expr:
        """Variance."""
        return self.args[2]

    @classmethod
    def eval(cls, f: sp.Lambda, mu: sp.Expr, Delta0: sp.Expr) -> sp.Expr | None:
        fb = body(f)
        if X not in fb.free_symbols:
            return fb
        if Delta0 == 0:
            return fb.subs(X, mu)
        return None

    def _eval_derivative(self, v: sp.Symbol) -> sp.Expr:
        f, mu, D0 = self.args
        out = sp.S.Zero
        dmu, dD0 = sp.diff(mu, v), sp.diff(D0, v)
        if dmu != 0:
            out += dmu * GaussAvg(_d(f), mu, D0)
        if dD0 != 0:
            out += dD0 * GaussAvg(_d(f, 2), mu, D0) / 2
        return out

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        f, mu, D0 = self.args
        s = rf"\left\langle {_body_latex(printer, f)} \right\rangle_{{{printer._print(mu)},\,{printer._print(D0)}}}"
        return s if exp is None else f"{s}^{{{exp}}}"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        f, mu, D0 = self.args
        return f"<{printer._print(body(f))}>[{printer._print(mu)}, {printer._print(D0)}]"


class GaussKernel(sp.Function):
    """``C_{f,g}(Delta; Delta0, mu) = <f(x1) g(x2)>``, Cov(x1, x2) = Delta, Var = Delta0, mean mu."""

    nargs = 5

    @classmethod
    def eval(cls, f: sp.Lambda, g: sp.Lambda, Delta: sp.Expr, Delta0: sp.Expr, mu: sp.Expr) -> sp.Expr | None:
        if X not in body(f).free_symbols:
            return body(f) * GaussAvg(g, mu, Delta0)
        if X not in body(g).free_symbols:
            return body(g) * GaussAvg(f, mu, Delta0)
        # canonical order of the two integrands (the kernel is symmetric)
        if sp.default_sort_key(g) < sp.default_sort_key(f):
            return cls(g, f, Delta, Delta0, mu)
        return None

    def _eval_derivative(self, v: sp.Symbol) -> sp.Expr:
        f, g, D, D0, mu = self.args
        out = sp.S.Zero
        dD, dD0, dmu = sp.diff(D, v), sp.diff(D0, v), sp.diff(mu, v)
        if dD != 0:
            out += dD * GaussKernel(_d(f), _d(g), D, D0, mu)
        if dD0 != 0:
            out += dD0 * (GaussKernel(_d(f, 2), g, D, D0, mu) + GaussKernel(f, _d(g, 2), D, D0, mu)) / 2
        if dmu != 0:
            out += dmu * (GaussKernel(_d(f), g, D, D0, mu) + GaussKernel(f, _d(g), D, D0, mu))
        return out

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        f, g, D, D0, mu = self.args
        fb, gb = _body_latex(printer, f), _body_latex(printer, g)
        lab = fb if f == g else f"{fb},\\,{gb}"
        mu_s = "" if mu == 0 else rf",\,{printer._print(mu)}"
        s = rf"\mathcal{{C}}_{{{lab}}}\!\left({printer._print(D)};\,{printer._print(D0)}{mu_s}\right)"
        return s if exp is None else f"{s}^{{{exp}}}"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        f, g, D, D0, mu = self.args
        return (
            f"C[{printer._print(body(f))}, {printer._print(body(g))}]"
            f"({printer._print(D)}; {printer._print(D0)}, {printer._print(mu)})"
        )


# ----------------------------------------------------------------------------------------------
# rules


def endpoint_rules(expr: sp.Expr) -> sp.Expr:
    """Evaluate kernels at the endpoints: ``C_{f,g}(Delta0; Delta0, mu) = <f g>`` and
    ``C_{f,g}(0; Delta0, mu) = <f><g>`` (equal arguments / independent arguments)."""

    def rule(k: GaussKernel) -> sp.Expr:
        f, g, D, D0, mu = k.args
        if D == D0:
            return GaussAvg(lam(body(f) * body(g)), mu, D0)
        if D == 0:
            return GaussAvg(f, mu, D0) * GaussAvg(g, mu, D0)
        return k

    return expr.replace(lambda e: isinstance(e, GaussKernel), rule)


def antiderivative(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """An antiderivative in ``var`` of a sum of polynomial terms and kernels ``C_{f,f}(var; ...)``.

    Uses the inverse of Price's theorem: ``C_{F,F}`` with ``F(x) = int_0^x f`` has derivative
    ``C_{f,f}`` in Delta. The result is verified by differentiation.
    """
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        kernels = [f for f in sp.Mul.make_args(term) if isinstance(f, GaussKernel)]
        if not kernels:
            if term.has(GaussKernel, GaussAvg) and any(
                var in a.free_symbols for a in term.atoms(GaussKernel, GaussAvg)
            ):
                raise NotImplementedError(f"no antiderivative rule for {term}")
            out += sp.integrate(term, var)
            continue
        if len(kernels) != 1:
            raise NotImplementedError(f"no antiderivative rule for {term}")
        k = kernels[0]
        coeff = term / k
        f, g, D, D0, mu = k.args
        if var in coeff.free_symbols or D != var or f != g or var in (D0.free_symbols | mu.free_symbols):
            raise NotImplementedError(f"no antiderivative rule for {term}")
        F = primitive(body(f))
        out += coeff * GaussKernel(lam(F), lam(F), D, D0, mu)
    if not is_zero(sp.diff(out, var) - expr):
        raise AssertionError(f"antiderivative check failed: {sp.diff(out, var) - expr}")
    return out


def is_zero(expr: sp.Expr, points: int = 2, tol: float = 1e-12) -> bool:
    """Whether an expression with Gaussian nodes vanishes identically.

    Structurally (``expand``), then by ``simplify`` (skipped for Piecewise integrands, where SymPy's
    piecewise folding breaks the Lambda nodes), then numerically at ``points`` random points of
    its free symbols (Delta0 in [0.5, 2], covariances in [-0.45, 0.45], others in [0.5, 1.5])
    with the nodes evaluated by Gauss-Hermite quadrature (order 96: ~1e-14 for smooth integrands).
    """
    e = sp.expand(expr)
    if e == 0:
        return True
    if not e.has(sp.Piecewise):
        try:
            if sp.simplify(e) == 0:
                return True
        except (TypeError, ValueError, IndexError):  # pragma: no cover - SymPy internals
            pass
    import random

    rng = random.Random(20261123)
    syms = sorted(e.free_symbols, key=str)
    for _ in range(points):
        vals: dict[sp.Symbol, float] = {}
        for sym in syms:
            if str(sym).startswith("Delta_0"):
                vals[sym] = rng.uniform(0.5, 2.0)
        for sym in syms:
            if sym not in vals:
                vals[sym] = rng.uniform(-0.45, 0.45) if str(sym).startswith(("Delta", "D")) else rng.uniform(0.5, 1.5)
        if not abs(_gh_evaluate(e, vals)) < tol:
            return False
    return True


def _gh_evaluate(expr: sp.Expr, values: dict[sp.Symbol, float], n: int = 96) -> float:
    """Float value of an expression with Gaussian nodes, the nodes by :func:`gauss_average_value` and
    :func:`gauss_kernel_values` (the rules of the generated solvers) of order n."""
    e = expr.subs(values)
    nodes = _nodes(e)
    floats = {node: sp.Float(float(v[0])) for node, v in zip(nodes, _node_values(nodes, None, np.zeros(1), n),
                                                              strict=True)}
    return float(sp.N(e.xreplace(floats)))


def _nodes(e: sp.Expr) -> list[sp.Expr]:
    """The Gaussian nodes of ``e`` in a fixed order."""
    return sorted(e.atoms(GaussKernel) | e.atoms(GaussAvg), key=sp.default_sort_key)


def _node_values(nodes: list[sp.Expr], var: sp.Symbol | None, values: np.ndarray, n: int) -> list[np.ndarray]:
    """Each node by one vectorised Gauss-Hermite call, its covariance ``var`` at ``values`` (else its number)."""

    def fn(f: sp.Lambda):
        return sp.lambdify(X, numeric_body(f), [NUMPY_SPECIAL, "scipy", "numpy"])

    out = []
    for node in nodes:
        if isinstance(node, GaussAvg):
            avg = gauss_average_value(fn(node.f), float(node.mu), float(node.Delta0), n)
            out.append(np.full(values.shape, avg))
            continue
        f, g, D, D0, mu = node.args
        cov = values if var is not None and D == var else np.full(values.shape, float(D))
        out.append(gauss_kernel_values(fn(f), None if f == g else fn(g), float(mu), float(D0), cov, n))
    return out


def gauss_expression_values(expr: sp.Expr, var: sp.Symbol, values: np.ndarray, subs: dict[sp.Symbol, float],
                            n: int = 96) -> np.ndarray:
    """:func:`_gh_evaluate` over an array: ``expr`` (Gaussian nodes whose covariance may be ``var``) at
    ``var = values`` and the other symbols at ``subs``; every node by one vectorised Gauss-Hermite call per block of
    :data:`VALUES_PER_BLOCK` values (a call holds ``values x n x n`` arrays)."""
    values = np.asarray(values, dtype=float)
    e = expr.subs(subs)
    nodes = _nodes(e)
    names = sp.symbols(f"_node0:{len(nodes)}")
    body = sp.lambdify([var, *names], e.xreplace(dict(zip(nodes, names, strict=True))), "numpy")
    flat = values.reshape(-1)
    out = np.empty(flat.shape)
    for start in range(0, flat.size, VALUES_PER_BLOCK):
        block = flat[start:start + VALUES_PER_BLOCK]
        out[start:start + block.size] = np.broadcast_to(body(block, *_node_values(nodes, var, block, n)), block.shape)
    return out.reshape(values.shape)


VALUES_PER_BLOCK = 512
"""Values per vectorised call of :func:`gauss_expression_values` (bounds its memory to ~0.1 GB at n = 96)."""


# ----------------------------------------------------------------------------------------------
# numerical rules (shared theory/dmft.md §0): the one Gauss-Hermite implementation


@functools.lru_cache(maxsize=16)
def gauss_hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the n-point probabilists' rule for ``int Dz f(z)`` (weights sum to 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / np.sqrt(2 * np.pi)


def gauss_average_value(f: Callable[[np.ndarray], np.ndarray], mu: float, D0: float, n: int) -> float:
    """``<f>_{mu, D0}`` by the n-point Gauss-Hermite rule (``f`` vectorised, may return a scalar)."""
    z, w = gauss_hermite(n)
    return float(w @ np.broadcast_to(f(mu + np.sqrt(D0) * z), z.shape))


def gauss_kernel_values(
    f: Callable[[np.ndarray], np.ndarray],
    g: Callable[[np.ndarray], np.ndarray] | None,
    mu: float,
    D0: float,
    D: np.ndarray,
    n: int,
) -> np.ndarray:
    """``C_{f,g}(D; D0, mu)`` for an array of covariances ``D`` (clipped to |D| <= D0) by nested
    Gauss-Hermite of order n per level; ``g=None`` means ``g = f`` (one evaluation when D >= 0).

    ``x1 = mu + sqrt(D0 - |D|) y1 + sqrt(|D|) z`` and ``x2 = mu + sqrt(D0 - |D|) y2 +- sqrt(|D|) z``
    (dmft.md §0, the sign of D on the shared part).
    """
    D = np.clip(np.asarray(D, dtype=float), -D0, D0)
    a = np.sqrt(np.maximum(D0 - np.abs(D), 0.0))
    b = np.sqrt(np.abs(D))
    sg = np.where(D >= 0, 1.0, -1.0)
    y, wy = gauss_hermite(n)

    def inner(h: Callable[[np.ndarray], np.ndarray], xs: np.ndarray) -> np.ndarray:
        return np.broadcast_to(h(xs.ravel()), xs.size).reshape(xs.shape) @ wy

    # points: (nD, nz, ny)
    base = mu + a[:, None, None] * y[None, None, :]
    in1 = inner(f, base + b[:, None, None] * y[None, :, None])
    if g is None:  # same integrand: only the rows with D < 0 differ
        in2 = in1
        neg = sg < 0
        if np.any(neg):
            in2 = in1.copy()
            in2[neg] = inner(f, base[neg] - b[neg][:, None, None] * y[None, :, None])
    else:
        in2 = inner(g, base + (sg * b)[:, None, None] * y[None, :, None])
    return (in1 * in2) @ wy


def gaussian_cgf(mean: sp.Expr, variance: sp.Expr, y: sp.Symbol) -> sp.Expr:
    """``ln E[exp(J y)]`` for ``J ~ N(mean, variance)``, computed by integrating against the density."""
    m, v, yr, cgf = _gaussian_cgf_generic()
    return cgf.subs({m: mean, v: variance, yr: y})


@functools.lru_cache(maxsize=1)
def _gaussian_cgf_generic() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol, sp.Expr]:
    J = sp.Dummy("J", real=True)
    v = sp.Dummy("v", positive=True)
    m = sp.Dummy("m", real=True)
    yr = sp.Dummy("y", real=True)
    Z = gauss_integral(sp.exp(J * yr - (J - m) ** 2 / (2 * v)) / sp.sqrt(2 * sp.pi * v), J)  # completes the square
    K = sp.log(Z)
    # cumulants kappa_n = d^n K / dy^n at 0; the series terminates when a derivative vanishes
    cgf = sp.S.Zero
    for n in range(1, 6):
        dn = sp.simplify(sp.diff(K, yr, n))
        if dn == 0:
            break
        cgf += sp.simplify(dn.subs(yr, 0)) * yr**n / sp.factorial(n)
    else:
        raise NotImplementedError("cumulant series does not terminate")
    return m, v, yr, sp.expand(cgf)


# ----------------------------------------------------------------------------------------------
# closed forms


def _directly_integrable(body: sp.Expr) -> bool:
    """Polynomial times Gaussian-exponential times DiracDelta(x): SymPy integrates these exactly."""
    for fac in sp.Mul.make_args(sp.powsimp(body)):
        if X not in fac.free_symbols or fac.is_polynomial(X):
            continue
        if isinstance(fac, sp.exp) and fac.args[0].is_polynomial(X) and sp.degree(fac.args[0], X) <= 2:
            continue
        if isinstance(fac, sp.DiracDelta) and fac.args == (X,):
            continue
        return False
    return True


def _std_moment(n: int) -> sp.Expr:
    """E[y^n] for a standard normal y."""
    return sp.S.Zero if n % 2 else sp.factorial2(n - 1) if n else sp.S.One


def _gauss_terms(e: sp.Expr, z: sp.Symbol) -> list[sp.Expr]:
    """Split into terms, distributing only sums that depend on z (keeps exponentials intact)."""
    e = sp.powsimp(e, combine="exp")
    if e.is_Add:
        return [t for a in e.args for t in _gauss_terms(a, z)]
    out = [sp.S.One]
    for fac in sp.Mul.make_args(e):
        if z in fac.free_symbols and (
            fac.is_Add or (fac.is_Pow and fac.base.is_Add and fac.exp.is_Integer and fac.exp > 0)
        ):
            parts = sp.Add.make_args(sp.expand(fac))
            out = [o * a for o in out for a in parts]
        else:
            out = [o * fac for o in out]
    return [sp.powsimp(o, combine="exp") for o in out]


def gauss_integral(expr: sp.Expr, z: sp.Symbol) -> sp.Expr:
    """``int_{-inf}^{inf} expr dz`` for sums of ``poly(z) * exp(quadratic(z)) [* DiracDelta(linear(z))]``.

    Completes the square and uses the moments of the standard normal; assumes the quadratic
    coefficient is negative (true for the Gaussian measures used here). Raises
    NotImplementedError for anything else.
    """
    total = sp.S.Zero
    for term in _gauss_terms(expr, z):
        if term == 0:
            continue
        E = sp.S.Zero
        A = sp.S.One
        delta = None
        for fac in sp.Mul.make_args(term):
            if isinstance(fac, sp.exp) and z in fac.free_symbols:
                E += fac.args[0]
            elif isinstance(fac, sp.Pow) and isinstance(fac.base, sp.exp) and z in fac.free_symbols:
                E += fac.base.args[0] * fac.exp
            elif isinstance(fac, sp.DiracDelta) and z in fac.free_symbols:
                if delta is not None:
                    raise NotImplementedError("two delta functions")
                delta = fac.args[0]
            else:
                A *= fac
        if delta is not None:
            a = sp.diff(delta, z)
            if z in a.free_symbols or a == 0:
                raise NotImplementedError(f"non-linear delta argument {delta}")
            root = sp.solve(delta, z)[0]
            total += (A * sp.exp(E)).subs(z, root) / sp.Abs(a)
            continue
        E = sp.expand(E)
        if not E.is_polynomial(z) or sp.degree(E, z) > 2 or not A.is_polynomial(z):
            raise NotImplementedError(f"not a Gaussian integrand: {term}")
        k = sp.simplify(-E.coeff(z, 2))
        if k == 0:
            raise NotImplementedError(f"not a Gaussian integrand: {term}")
        b = E.coeff(z, 1)
        c = E.coeff(z, 0)
        zs = b / (2 * k)
        y = sp.Dummy("y", real=True)
        P = sp.Poly(sp.expand(A.subs(z, zs + y / sp.sqrt(2 * k))), y)
        mom = sum(coef * _std_moment(mon[0]) for mon, coef in P.terms())
        total += sp.exp(c + b**2 / (4 * k)) * sp.sqrt(sp.pi / k) * mom
    return total


@functools.lru_cache(maxsize=256)
def _direct_avg(fb: sp.Expr, mu: sp.Expr, D0: sp.Expr) -> sp.Expr | None:
    if mu == 0 and simplifies_to_zero(fb.subs(X, -X) + fb):
        return sp.S.Zero  # odd integrand, symmetric measure
    if mu == 0 and fb.has(sp.Heaviside, sp.Max):
        # piecewise polynomial: integrate over the half lines (Heaviside(sqrt(D0) z) = Heaviside(z))
        pw = fb.rewrite(sp.Heaviside).subs(X, sp.sqrt(D0) * _Z)
        pw = pw.replace(
            lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(sp.sign(sp.diff(e.args[0], _Z)) * _Z)
        )
        pos = pw.subs(sp.Heaviside(_Z), 1).subs(sp.Heaviside(-_Z), 0)
        neg = pw.subs(sp.Heaviside(_Z), 0).subs(sp.Heaviside(-_Z), 1)
        if not (pos.is_polynomial(_Z) and neg.is_polynomial(_Z)):
            return None
        w = sp.exp(-(_Z**2) / 2) / sp.sqrt(2 * sp.pi)
        return sp.simplify(sp.integrate(pos * w, (_Z, 0, sp.oo)) + sp.integrate(neg * w, (_Z, -sp.oo, 0)))
    if not _directly_integrable(fb):
        return None
    integrand = fb.subs(X, mu + sp.sqrt(D0) * _Z) * sp.exp(-(_Z**2) / 2) / sp.sqrt(2 * sp.pi)
    return sp.simplify(gauss_integral(integrand, _Z))


@functools.lru_cache(maxsize=256)
def _direct_kernel(fb: sp.Expr, gb: sp.Expr, D: sp.Expr, D0: sp.Expr, mu: sp.Expr) -> sp.Expr | None:
    if not (_directly_integrable(fb) and _directly_integrable(gb)):
        return None
    w = sp.Symbol("w_", positive=True)  # D0 - D
    c = sp.Symbol("c_", positive=True)  # D
    std = sp.exp(-(_Y**2) / 2) / sp.sqrt(2 * sp.pi)
    arg = mu + sp.sqrt(w) * _Y + sp.sqrt(c) * _Z
    inner_f = sp.simplify(gauss_integral(fb.subs(X, arg) * std, _Y))
    inner_g = inner_f if fb == gb else sp.simplify(gauss_integral(gb.subs(X, arg) * std, _Y))
    outer = gauss_integral(inner_f * inner_g * sp.exp(-(_Z**2) / 2) / sp.sqrt(2 * sp.pi), _Z)
    return sp.simplify(sp.simplify(outer).subs({w: D0 - D, c: D}))


def _merge_sqrt(e: sp.Expr) -> sp.Expr:
    """sqrt(a) sqrt(b) -> sqrt(expand(a b)) (bases are positive here), so that SymPy sees asin forms."""

    def merge(m: sp.Mul) -> sp.Expr:
        groups: dict[sp.Expr, sp.Expr] = {sp.S.Half: sp.S.One, -sp.S.Half: sp.S.One}
        rest = sp.S.One
        for fac in m.args:
            if fac.is_Pow and fac.exp in groups:
                groups[fac.exp] *= fac.base
            else:
                rest *= fac
        return rest * sp.Mul(*[sp.Pow(sp.expand(b), k) for k, b in groups.items()])

    return e.replace(lambda a: isinstance(a, sp.Mul), merge)


def _kernel_closed(f: sp.Lambda, g: sp.Lambda, D: sp.Expr, D0: sp.Expr, mu: sp.Expr, depth: int = 0) -> sp.Expr | None:
    direct = _direct_kernel(body(f), body(g), D, D0, mu)
    if direct is not None:
        return direct
    if mu != 0 or f != g or depth >= 3:
        return None
    # Price ladder: C_f(D) = <f>^2 + int_0^D C_{f'}(D') dD'
    Dp = sp.Dummy("Dp", nonnegative=True)
    lower = _kernel_closed(_d(f), _d(g), Dp, D0, mu, depth + 1)
    if lower is None:
        return None
    avg = _direct_avg(body(f), mu, D0)
    avg = GaussAvg(f, mu, D0) if avg is None else avg
    lower = _merge_sqrt(lower)
    F = sp.integrate(sp.expand(lower), Dp, manual=True)
    if F.has(sp.Integral):
        return None
    integral = F.subs(Dp, D) - F.subs(Dp, 0)
    out = sp.simplify(avg**2 + integral)
    return out.replace(
        lambda e: e.is_Pow and e.exp in (sp.S.Half, -sp.S.Half), lambda e: sp.Pow(sp.factor(e.base), e.exp)
    )


def _no_closed_form(r: sp.Expr | None) -> bool:
    """True if SymPy gave nothing, or a 'closed form' that still holds an unevaluated ``Integral`` (use quadrature)."""
    return r is None or r.has(sp.Integral)


def closed_form(expr: sp.Expr) -> sp.Expr:
    """Replace Gaussian nodes by closed forms where SymPy can derive them (others are kept).

    Kernels at mean 0 are reduced with the Price ladder; averages that have no closed form stay
    as :class:`GaussAvg` nodes (they cancel in differences such as ``<Phi^2> - <Phi>^2`` written as
    ``C_Phi(Delta0) - C_Phi(0)``), so apply this *before* :func:`endpoint_rules`.
    """

    def kern(k: GaussKernel) -> sp.Expr:
        try:
            r = _kernel_closed(*k.args)
        except (NotImplementedError, ValueError, TypeError, IndexError, AttributeError):
            r = None  # SymPy could not integrate: keep the node (evaluated numerically later)
        return k if _no_closed_form(r) else r

    def avg(a: GaussAvg) -> sp.Expr:
        try:
            r = _direct_avg(body(a.f), a.mu, a.Delta0)
        except (NotImplementedError, ValueError, TypeError, IndexError, AttributeError):
            r = None
        return a if _no_closed_form(r) else r

    out = expr.replace(lambda e: isinstance(e, GaussKernel), kern)
    return out.replace(lambda e: isinstance(e, GaussAvg), avg)


# ----------------------------------------------------------------------------------------------
# high-precision evaluation (tests)


def _mp_func(f: sp.Lambda):
    return sp.lambdify(X, numeric_body(f), modules="mpmath")


def mp_gauss_avg(f: sp.Lambda, mu: float, D0: float, dps: int = 30) -> mpmath.mpf:
    """``<f>_{mu, D0}`` by mpmath quadrature at ``dps`` digits."""
    fn = _mp_func(f)
    with mpmath.workdps(dps):
        mu, D0 = mpmath.mpf(mu), mpmath.mpf(D0)
        L = 12  # Gaussian tail beyond 12 sd < 1e-32; avoids evaluating f at huge |x|
        return mpmath.quad(lambda z: fn(mu + mpmath.sqrt(D0) * z) * mpmath.npdf(z), [-L, -4, 0, 4, L])


def mp_gauss_kernel(f: sp.Lambda, g: sp.Lambda, D: float, D0: float, mu: float, dps: int = 20) -> mpmath.mpf:
    """``C_{f,g}(D; D0, mu)`` by nested mpmath quadrature (D may be negative)."""
    ff = _mp_func(f)
    gg = ff if f == g else _mp_func(g)
    with mpmath.workdps(dps):
        D, D0, mu = mpmath.mpf(D), mpmath.mpf(D0), mpmath.mpf(mu)
        a = mpmath.sqrt(D0 - abs(D))
        b = mpmath.sqrt(abs(D))
        sgn = 1 if D >= 0 else -1
        inf = 10  # truncated Gaussian range (tail < 1e-22)

        def outer(z: mpmath.mpf) -> mpmath.mpf:
            i1 = mpmath.quad(lambda y: ff(mu + a * y + b * z) * mpmath.npdf(y), [-inf, 0, inf])
            i2 = (
                i1
                if (ff is gg and sgn > 0)
                else mpmath.quad(lambda y: gg(mu + a * y + sgn * b * z) * mpmath.npdf(y), [-inf, 0, inf])
            )
            return i1 * i2 * mpmath.npdf(z)

        return mpmath.quad(outer, [-inf, 0, inf])


def mp_evaluate(expr: sp.Expr, values: dict[sp.Symbol, float], dps: int = 20) -> mpmath.mpf:
    """Evaluate an expression with Gaussian nodes at high precision (nodes by mpmath quadrature)."""
    e = expr.subs(values)

    def avg(a: GaussAvg) -> sp.Expr:
        return sp.Float(mp_gauss_avg(a.f, float(a.mu), float(a.Delta0), dps + 5), dps)

    def kern(k: GaussKernel) -> sp.Expr:
        f, g, D, D0, mu = k.args
        return sp.Float(mp_gauss_kernel(f, g, float(D), float(D0), float(mu), dps), dps)

    e = e.replace(lambda a: isinstance(a, GaussKernel), kern)
    e = e.replace(lambda a: isinstance(a, GaussAvg), avg)
    return mpmath.mpf(str(sp.N(e, dps)))
