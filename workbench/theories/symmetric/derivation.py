"""SymPy derivation of the transient DMFT with reciprocal correlations (MSRDJ action, disorder average, saddle).

Steps (each a SymPy computation, nothing transcribed):

1. **Disorder average of a reciprocal pair.** For ``i < j`` the action holds ``J_ij Y_ij + J_ji Y_ji``
   with ``Y_ij = int x~_i(t) phi_j(t) dt``. Writing ``J_ij = s U``, ``J_ji = s (eta U + sqrt(1 - eta^2) W)``
   (``U, W`` iid N(0, 1), ``s^2 = g^2/N``), the cumulant generating function is the sum of two
   one-dimensional Gaussian cgfs (:func:`workbench.symbolic.gaussian.gaussian_cgf`, integrated
   against the density), which gives ``g^2/(2N) (Y_ij^2 + Y_ji^2) + eta g^2/N Y_ij Y_ji``.
2. **Collective fields and saddle.** The cross term summed over pairs is
   ``eta g^2/(2N) sum_{i,j} Y_ij Y_ji = (N eta g^2 / 2) int int R_c(t, s) R_c(s, t)`` with
   ``R_c(t, s) = (1/N) sum_i phi_i(t) x~_i(s)``; at the saddle ``R_c -> R(t, s) = <phi(t) x~(s)>``
   (the response function) and the single-site action gains ``eta g^2 int int x~(t) R(t, s) phi(s)``:
   the first derivative in ``x~(t)`` is the memory drift ``eta g^2 int R(t, s) phi(x(s)) ds``. This
   is computed on a two-point time grid with SymPy (derivative of the decoupled quadratic form).
3. **Exponential-Euler step** of ``tau dx = (-x + drive) dt + sqrt(sigma2) dW`` with the drive frozen
   on a step: ``a = exp(-dt/tau)``, ``b = (1/tau) int_0^dt e^{-u/tau} du``,
   ``v = (sigma2/tau^2) int_0^dt e^{-2u/tau} du`` (the simulator's "exp" integrator).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from workbench.symbolic.gaussian import gaussian_cgf

__all__ = ["SymmetricDerivation", "derive", "pair_cgf", "memory_drift", "step_coefficients"]

g, eta, N = sp.symbols("g eta N", real=True)
y1, y2 = sp.symbols("Y_ij Y_ji", real=True)


@functools.lru_cache(maxsize=1)
def pair_cgf() -> sp.Expr:
    """``ln E exp(J_ij Y_ij + J_ji Y_ji)`` for the correlated Gaussian pair (step 1)."""
    s2 = sp.Symbol("s2", positive=True)
    # J_ij Y_ij + J_ji Y_ji = s (Y_ij + eta Y_ji) U + s sqrt(1 - eta^2) Y_ji W, U and W independent
    cgf = gaussian_cgf(0, s2, y1 + eta * y2) + gaussian_cgf(0, s2 * (1 - eta**2), y2)
    return sp.expand(cgf.subs(s2, g**2 / N))


@functools.lru_cache(maxsize=1)
def memory_drift() -> tuple[sp.Expr, sp.Expr]:
    """The coefficients ``(field variance, memory)`` of the single-site process from the saddle (step 2).

    Returns ``(c_var, c_mem)`` such that the effective field has covariance ``c_var * <phi phi>`` and
    the drift gains ``c_mem * sum_s R(t, s) phi(s)``.
    """
    cgf = pair_cgf()
    c_var = sp.simplify(2 * N * cgf.coeff(y1, 2))  # g^2/(2N) Y^2 per site pair -> g^2 <phi phi>
    c_pair = sp.simplify(N * cgf.coeff(y1, 1).coeff(y2, 1))  # eta g^2: coefficient of Y_ij Y_ji times N
    # two-point grid: the summed pair term is (c_pair/2) sum_{t,s} Rc[t,s] Rc[s,t] (times N);
    # decoupled at the saddle Rc -> R + (phi(t) xh(s) - R), keep the term linear in the site fields
    T = 2
    xh = sp.symbols(f"xh0:{T}")
    ph = sp.symbols(f"phi0:{T}")
    R = sp.Matrix(T, T, lambda a, b: sp.Symbol(f"R_{a}{b}"))
    site = sum(c_pair / 2 * (R[s, t] * ph[t] * xh[s] + R[t, s] * ph[s] * xh[t]) for t in range(T) for s in range(T))
    drift0 = sp.expand(sp.diff(site, xh[0]))  # = c_pair * sum_s R[0, s] phi[s]
    c_mem = sp.simplify(drift0.coeff(R[0, 1]) / ph[1])
    return c_var, c_mem


@functools.lru_cache(maxsize=1)
def step_coefficients() -> dict[str, sp.Expr]:
    """Exponential-Euler coefficients ``a, b, v`` of the leak/noise step with frozen drive (step 3)."""
    u, dt, tau, sigma2 = sp.symbols("u dt tau sigma2", positive=True)
    a = sp.exp(-dt / tau)
    b = sp.simplify(sp.integrate(sp.exp(-u / tau), (u, 0, dt)) / tau)
    v = sp.simplify(sigma2 / tau**2 * sp.integrate(sp.exp(-2 * u / tau), (u, 0, dt)))
    return {"a": a, "b": b, "v": v, "symbols": (dt, tau, sigma2)}


@dataclass(frozen=True)
class SymmetricDerivation:
    """The derived pieces: the pair cgf, the field/memory coefficients and the step coefficients."""

    cgf: sp.Expr
    c_var: sp.Expr
    c_mem: sp.Expr
    step: dict

    name: str = "symmetric"

    @property
    def unknowns(self) -> list[sp.Symbol]:
        """The order parameters of the transient: m(t), C_phi(t, s), R(t, s)."""
        return list(sp.symbols("m C_phi R"))

    @property
    def parameters(self) -> list[sp.Symbol]:
        """Model parameters the coefficients depend on."""
        return [g, eta, *self.step["symbols"]]

    @property
    def equations(self) -> dict[str, sp.Eq]:
        """The derived pieces as equations (pair cgf, field variance, memory, step coefficients)."""
        return {
            "pair_cgf": sp.Eq(sp.Symbol("ln_E_exp_pair"), self.cgf),
            "field_variance": sp.Eq(sp.Symbol("c_var"), self.c_var),
            "memory": sp.Eq(sp.Symbol("c_mem"), self.c_mem),
            **{k: sp.Eq(sp.Symbol(k), self.step[k]) for k in ("a", "b", "v")},
        }

    @property
    def provenance(self) -> dict:
        """Where the derivation comes from (no generated skeleton)."""
        return {"skeleton": None, "source": "workbench.theories.symmetric.derivation"}

    def numbers(self, g_value: float, eta_value: float, dt: float, tau: float, sigma2: float) -> dict[str, float]:
        """The coefficients at parameter values (what the solver uses)."""
        dts, taus, s2 = self.step["symbols"]
        at = {dts: dt, taus: tau, s2: sigma2}
        return {
            "c_var": float(self.c_var.subs({g: g_value, eta: eta_value})),
            "c_mem": float(self.c_mem.subs({g: g_value, eta: eta_value})),
            "a": float(self.step["a"].subs(at)),
            "b": float(self.step["b"].subs(at)),
            "v": float(self.step["v"].subs(at)),
        }

    def latex(self) -> str:
        """The derived single-site equation as LaTeX."""
        lines = [
            rf"\ln E\, e^{{J_{{ij}} Y_{{ij}} + J_{{ji}} Y_{{ji}}}} &= {sp.latex(self.cgf)}",
            rf"\tau \dot x &= -x + \xi(t) + J_0 m(t) + {sp.latex(self.c_mem)} \int_0^t R(t,s)\,\phi(x(s))\,ds",
            rf"\langle \xi(t)\xi(s)\rangle &= {sp.latex(self.c_var)}\, C_\phi(t,s)",
        ]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


@functools.lru_cache(maxsize=1)
def derive() -> SymmetricDerivation:
    """The derivation (cached; it does not depend on the parameter values)."""
    c_var, c_mem = memory_drift()
    return SymmetricDerivation(pair_cgf(), c_var, c_mem, step_coefficients())


def derive_cached(spec: object = None, drift: object = None) -> tuple[SymmetricDerivation, dict]:
    """``(derivation, cache info)`` in the registry's shape (the derivation is parameter-free, cached in memory)."""
    return derive(), _CacheInfo()


@dataclass(frozen=True)
class _CacheInfo:
    """Cache information in the shape ``workbench derive`` prints (an in-memory lru cache, no disk key)."""

    status: str = "memory"
    key: str = "symmetric"

