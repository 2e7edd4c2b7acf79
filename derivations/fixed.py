"""Derivation of the fixed-connectivity (fixed-J) theory: linear-equivalent response and covariance resolvents.

Pipeline (notes: shared/theory/fixed-connectivity-and-dimension.md sections 1, 2, 5):

1. ``action`` - the MSRDJ action of the network at fixed J (J is NOT averaged):
   ``S = sum_i int x~_i (-tau dx_i/dt - x_i + sum_j J_ij phi(x_j)) + sigma2/2 sum_i int x~_i^2``.
2. ``linearised`` - phi(x_j) = d_j x_j + r_j with ``d_j = <phi'(x_j)>`` (Price / Furutsu-Novikov:
   Cov(phi_j, x_j) = d_j C^x_jj, so r_j is uncorrelated with x_j); the drift, the first functional
   derivative of S in x~_i, becomes linear in x plus the independent residual drive ``sum_j J_ij r_j``.
3. ``mode`` - in an eigenmode of J D with eigenvalue lam the drift is ``-(1 - lam) y``; its Fourier
   transform gives the mode response ``1 / (1 + i w tau - lam)``, hence ``R^x(w) = [(1 + i w tau) I - J D]^-1``.
4. ``pair kernels`` - the equal-time covariance is ``int dw/2pi`` of resolvent x spectrum x resolvent^dagger;
   in the eigenbasis each mode pair (k, l) needs ``int dw/2pi F(w) / ((a_k + iw)(conj(a_l) - iw))``,
   ``a = 1 - lam``. For white F and for a Lorentzian ``F = 2 gamma / (gamma^2 + w^2)`` (an OU drive)
   the integral is the stationary covariance of two modes driven by the same noise, obtained here by
   solving the Lyapunov equation of the augmented linear system symbolically.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo

__all__ = [
    "FixedDerivation", "derive", "derive_cached", "drift_of", "fixed_action", "linearise", "mode_coefficients",
    "mode_pair_kernels", "mode_response",
]

w, tau = sp.symbols("omega tau", real=True)
lam = sp.Symbol("lambda")
a, b, gamma = sp.symbols("a b gamma", positive=True)
sigma2 = sp.Symbol("sigma^2", nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True)
J = sp.IndexedBase("J")
d = sp.IndexedBase("d")
r = sp.IndexedBase("r")
x = sp.IndexedBase("x")
xt = sp.IndexedBase(r"\tilde{x}")
dx = sp.IndexedBase(r"\dot{x}")
phi = sp.Function("phi")
ONE = sp.Integer(1)


def fixed_action(leak: sp.Expr = ONE) -> sp.Expr:
    """The MSRDJ action density of the fixed-J network at one time (J_ij symbols, not averaged)."""
    drive = sp.Sum(J[i, j] * phi(x[j]), (j, 1, N))
    return sp.Sum(xt[i] * (-tau * dx[i] - leak * x[i] + drive) + sigma2 / 2 * xt[i] ** 2, (i, 1, N))


def drift_of(action: sp.Expr) -> sp.Expr:
    """The drift of x_i: derivative of the action in x~_i at x~ = 0, without the tau dx/dt term."""
    body = action.function if isinstance(action, sp.Sum) else action
    return sp.expand(sp.diff(body, xt[i]).subs(xt[i], 0) + tau * dx[i])


def linearise(drift: sp.Expr) -> sp.Expr:
    """phi(x_j) -> d_j x_j + r_j (Price / Furutsu-Novikov)."""
    return drift.replace(phi, lambda arg: d[arg.indices[0]] * arg + r[arg.indices[0]])


def mode_response(drift_lin: sp.Expr) -> sp.Expr:
    """The response of one eigenmode of J D (eigenvalue lam): Fourier transform of the linear drift.

    The local part of the drift is its coefficient of x_i; the coupling ``sum_j c J_ij d_j x_j``
    acts on an eigenvector of J D as ``c lam``; the residual drive ``sum_j J_ij r_j`` is an input.
    """
    y = sp.Symbol("y")
    terms = sp.Add.make_args(sp.expand(drift_lin))
    local = sum((t.coeff(x[i]) for t in terms if not t.has(sp.Sum)), sp.Integer(0))
    coupled = [t for t in terms if isinstance(t, sp.Sum) or t.has(sp.Sum)]
    coupling = sp.Integer(0)
    for t in coupled:
        summand = sp.expand(t.function if isinstance(t, sp.Sum) else sp.expand_mul(t).function)
        c = sp.simplify(summand.coeff(x[j]) / (J[i, j] * d[j]))
        if c.has(J) or c.has(d) or c.has(x):
            raise ValueError(f"the coupling is not of the form c J_ij d_j x_j: {summand}")
        coupling += c
    if coupling == 0:
        raise ValueError(f"no coupling term sum_j J_ij d_j x_j in the drift {drift_lin}")
    # tau dy/dt = (local + coupling lam) y + input  ->  (i w tau) y = ... + 1
    sol = sp.solve(sp.Eq(sp.I * w * tau * y, (local + coupling * lam) * y + 1), y)[0]
    return sp.simplify(sol)


def mode_pair_kernels() -> dict[str, sp.Expr]:
    """Closed-form mode-pair frequency integrals from symbolic Lyapunov solves (white and OU drives)."""
    # white: dy_k = -a y_k dt + dW, dz = -b z dt + dW (conjugate mode, same noise): Cov(y, z)
    c = sp.Symbol("c")
    white = sp.solve(sp.Eq(-(a + b) * c + 1, 0), c)[0]
    # OU drive e (rate gamma, Cov e(t)e(s) = exp(-gamma |t-s|)): augmented system (y, z, e)
    A = sp.Matrix([[-a, 0, 1], [0, -b, 1], [0, 0, -gamma]])
    Q = sp.Matrix([[0, 0, 0], [0, 0, 0], [0, 0, 2 * gamma]])
    S = sp.Matrix(3, 3, lambda p, q: sp.Symbol(f"S{min(p, q)}{max(p, q)}"))
    eqs = list(A * S + S * A.T + Q)
    sol = sp.solve(eqs, list(S.free_symbols), dict=True)[0]
    lorentz = sp.factor(S[0, 1].subs(sol))
    split = sp.factor(sp.cancel(lorentz / (1 + 2 * gamma * white)))
    factor_a = sp.Mul(*[f for f in sp.Mul.make_args(split) if f.has(a)])
    if sp.simplify(factor_a * factor_a.subs(a, b) - split) != 0:
        raise ValueError(f"the Lorentzian pair kernel does not split into one-mode factors: {split}")
    return {"pair_white": white, "pair_lorentz": lorentz, "lorentz_factor": factor_a}


@dataclass
class FixedDerivation:
    """The derived fixed-J theory: action, linearised drift, mode response and pair kernels.

    Attributes
    ----------
    name : str
    action, drift, linearised : sympy.Expr
        The fixed-J MSRDJ action density, the drift of x_i, the drift after phi -> d x + r.
    mode : dict of str to sympy.Expr
        ``response`` (lam, omega, tau), ``pair_white`` (a, b), ``pair_lorentz`` and
        ``lorentz_factor`` (a, gamma).
    equations : dict of str to sympy.Eq
        The resolvents in matrix form and the mode kernels.
    unknowns, parameters : tuple of sympy.Symbol
    symbols : dict of str to sympy.Symbol
    steps : list of (str, str)
    provenance : dict
    """

    name: str
    action: sp.Expr
    drift: sp.Expr
    linearised: sp.Expr
    mode: dict[str, sp.Expr]
    equations: dict[str, sp.Eq]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    symbols: dict[str, sp.Symbol]
    steps: list[tuple[str, str]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def latex(self) -> str:
        """The derivation as a LaTeX fragment (``align*`` blocks per step)."""
        return "\n\n".join(
            f"% {title}\n\\paragraph{{{title}}}\n\\begin{{align*}}\n{body}\n\\end{{align*}}" for title, body in self.steps
        )


def mode_coefficients(resp: sp.Expr) -> dict[str, sp.Expr]:
    """``1/R(lam, w) = c0(w) - c1 lam``: ``c0`` (leak + i w tau), ``c1`` (coupling), ``leak`` = c0(0), ``decay`` = 1/R at w = 0."""
    inv = sp.expand(1 / resp)
    c1 = -sp.diff(inv, lam)
    if sp.diff(c1, lam) != 0:
        raise ValueError(f"the mode response is not a resolvent linear in lambda: {resp}")
    c0 = sp.simplify(inv + c1 * lam)
    return {"c0": c0, "c1": c1, "leak": c0.subs(w, 0), "decay": sp.expand(inv.subs(w, 0))}


def _matrix_equations(coef: dict[str, sp.Expr]) -> dict[str, sp.Eq]:
    """Matrix forms (MatrixSymbol) of the resolvents, built from the derived mode coefficients (lam -> J D)."""
    n = sp.Symbol("n", integer=True, positive=True)
    Jm, Dm, I_ = sp.MatrixSymbol("J", n, n), sp.MatrixSymbol("D", n, n), sp.Identity(n)
    Sig, Sr = sp.MatrixSymbol(r"\Sigma", n, n), sp.MatrixSymbol(r"\Sigma_r", n, n)
    S = coef["c1"] / coef["c0"]
    Rx = (coef["c0"] * I_ - coef["c1"] * Jm * Dm) ** -1
    Rphi = (I_ - S * Dm * Jm) ** -1
    Rs = (I_ - S * Jm * Dm) ** -1
    return {
        "R_x": sp.Eq(sp.MatrixSymbol("R^x", n, n), Rx),
        "C_phi": sp.Eq(sp.MatrixSymbol("C^phi", n, n), Rphi * Sig * sp.adjoint(Rphi)),
        "C_x": sp.Eq(
            sp.MatrixSymbol("C^x", n, n),
            sp.Abs(S) ** 2 * Rs * (Jm * Sr * Jm.T + sigma2 * I_) * sp.adjoint(Rs),
        ),
    }


@functools.lru_cache(maxsize=4)
def _derive(leak: sp.Expr = ONE) -> FixedDerivation:
    """Run the pipeline (pure; cached in memory)."""
    S = fixed_action(leak)
    drift = drift_of(S)
    lin = linearise(drift)
    resp = mode_response(lin)
    coef = mode_coefficients(resp)
    kernels = mode_pair_kernels()
    mode = {"response": resp, **coef, **kernels}
    eqs = _matrix_equations(coef)
    eqs["mode_response"] = sp.Eq(sp.Function("R")(lam, w), resp)
    eqs["pair_white"] = sp.Eq(sp.Function("K_white")(a, b), kernels["pair_white"])
    eqs["pair_lorentz"] = sp.Eq(sp.Function("K_gamma")(a, b), kernels["pair_lorentz"])
    steps = [
        ("Action at fixed connectivity", rf"S &= {sp.latex(S)}"),
        ("Drift", rf"f_i &= {sp.latex(drift)}"),
        ("Linear-equivalent drift (Price)", rf"\phi(x_j) &\to d_j x_j + r_j \\ f_i &= {sp.latex(lin)}"),
        ("Mode response", rf"R(\lambda, \omega) &= {sp.latex(resp)} \\ a(\lambda) &= R(\lambda, 0)^{{-1}} = {sp.latex(coef['decay'])}"),
        ("Resolvents", r" \\ ".join(rf"{sp.latex(e.lhs)} &= {sp.latex(e.rhs)}" for k, e in eqs.items() if k in ("R_x", "C_phi", "C_x"))),
        ("Mode-pair frequency integrals",
         rf"\int\frac{{d\omega}}{{2\pi}}\frac{{1}}{{(a+i\omega)(b-i\omega)}} &= {sp.latex(kernels['pair_white'])} \\ "
         rf"\int\frac{{d\omega}}{{2\pi}}\frac{{2\gamma/(\gamma^2+\omega^2)}}{{(a+i\omega)(b-i\omega)}} &= {sp.latex(kernels['pair_lorentz'])}"),
    ]
    return FixedDerivation(
        name="fixed",
        action=S, drift=drift, linearised=lin, mode=mode, equations=eqs,
        unknowns=(lam,), parameters=(w, tau, sigma2, gamma),
        symbols={"lam": lam, "w": w, "tau": tau, "a": a, "b": b, "gamma": gamma, "sigma2": sigma2},
        steps=steps, provenance={"skeleton": {"theory": "fixed", "leak": str(leak)}},
    )


def derive(spec: Any = None) -> FixedDerivation:
    """Derive the fixed-J theory (the spec does not enter: J, phi and sigma2 are numeric inputs of the solver)."""
    return _derive()


def derive_cached(spec: Any = None, *_: Any) -> tuple[FixedDerivation, CacheInfo]:
    """:func:`derive` and a cache record (in-memory only)."""
    return derive(spec), CacheInfo(key="fixed", status="off", path=None)
