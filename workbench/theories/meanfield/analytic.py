"""Independent analytic / continuous-time solutions used to check the solvers (notes §5).

* :func:`no_disorder` - sigma = 0: X is Ornstein-Uhlenbeck given m(t);
  ``mu' = alpha mu + beta + J m(t)``, ``v' = 2 alpha v + lambda^2`` (closed form), and
  ``m(t) = E f(mu(t) + sqrt(v(t)) Z)``: a 1-D ODE solved by :func:`scipy.integrate.solve_ivp`.
* :func:`bessel_covariance` - linear f, J = 0, centred mu0 (Faugeras-Soret-Tanré case):
  ``C(t,s) = e^{-t-s} [ v0 I0(2 sigma sqrt(ts)) + lambda^2 int_0^{t^s} e^{2u} I0(2 sigma sqrt((t-u)(s-u))) du ]``.
* :func:`mean_equation_residual` - ``E X_t = e^{-t} E X_0 + J int_0^t e^{-(t-u)} m(u) du`` (any f,
  any mu0, g = -x).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from workbench.symbolic.gaussian import gauss_hermite
from workbench.theories.meanfield.problem import TransientProblem

__all__ = ["no_disorder", "bessel_covariance", "mean_equation_residual"]


def no_disorder(problem: TransientProblem, t: np.ndarray, nodes: int = 60, rtol: float = 1e-10) -> dict:
    """Continuous-time solution for sigma = 0 and affine g (ODE + Gauss-Hermite quadrature).

    Returns
    -------
    dict
        ``mean_x``, ``var_x``, ``m`` at the times ``t``.
    """
    from workbench.errors import SpecError

    if problem.sigma != 0:
        raise SpecError("sigma", "no_disorder needs sigma = 0")
    if problem.affine is None:
        raise SpecError("g", "no_disorder needs an affine g")
    alpha, beta = problem.affine
    lam2, v0 = problem.lam**2, problem.mu0.var
    z, w = gauss_hermite(nodes)
    fnum = _numpy_f(problem)

    def var(tt: float) -> float:
        if alpha == 0:
            return v0 + lam2 * tt
        e = math.exp(2 * alpha * tt)
        return v0 * e + lam2 * (e - 1) / (2 * alpha)

    def m_of(mu: float, tt: float) -> float:
        return float(np.dot(w, fnum(mu + math.sqrt(max(var(tt), 0.0)) * z)))

    def rhs(tt: float, y: np.ndarray) -> list[float]:
        return [alpha * y[0] + beta + problem.J * m_of(y[0], tt)]

    t = np.asarray(t, dtype=float)
    sol = integrate.solve_ivp(rhs, (0.0, float(t.max())), [problem.mu0.mean], t_eval=t, rtol=rtol, atol=1e-12,
                              method="DOP853")
    mu = sol.y[0]
    v = np.array([var(tt) for tt in t])
    m = np.array([m_of(a, tt) for a, tt in zip(mu, t, strict=True)])
    return {"mean_x": mu, "var_x": v, "m": m}


def _numpy_f(problem: TransientProblem):
    from workbench.codegen import compile_system
    from workbench.spec import X

    cf = compile_system([problem.f.expr], [X], backend="numpy", name="mf_f_np")
    return lambda x: np.asarray(cf(np.asarray(x, dtype=float)), dtype=float) * np.ones_like(x, dtype=float)


def bessel_covariance(t: float, s: float, sigma: float, lam: float, v0: float) -> float:
    """Covariance of the linear-f, J = 0 limit (modified-Bessel kernel), continuous time.

    ``C(t,s) = e^{-t-s} [ v0 I0(2 sigma sqrt(t s)) + lambda^2 int_0^{min(t,s)} e^{2u} I0(2 sigma sqrt((t-u)(s-u))) du ]``
    (notes §5.2; derived from the Neumann series of ``C = e^{-t-s} v0 + sigma^2 (e*e) C + noise``).
    """
    def integrand(u: float) -> float:
        return math.exp(2 * u) * special.i0(2 * sigma * math.sqrt(max((t - u) * (s - u), 0.0)))

    noise = 0.0
    if lam != 0:
        noise = lam**2 * integrate.quad(integrand, 0.0, min(t, s), epsabs=1e-13, epsrel=1e-12)[0]
    return math.exp(-t - s) * (v0 * special.i0(2 * sigma * math.sqrt(t * s)) + noise)


def mean_equation_residual(t: np.ndarray, mean_x: np.ndarray, m: np.ndarray, J: float, mean0: float) -> np.ndarray:
    """``E X_t - [e^{-t} E X_0 + J int_0^t e^{-(t-u)} m(u) du]`` (trapezoid rule on the grid)."""
    t = np.asarray(t, dtype=float)
    out = np.empty_like(t)
    for k, tk in enumerate(t):
        integ = integrate.trapezoid(np.exp(-(tk - t[: k + 1])) * m[: k + 1], t[: k + 1]) if k else 0.0
        out[k] = mean_x[k] - (math.exp(-tk) * mean0 + J * integ)
    return out
