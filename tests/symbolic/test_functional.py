"""Functional calculus, Gaussian nodes (Price's theorem) and closed forms."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from workbench.spec import NAMED, X
from workbench.symbolic.fields import s, s0, t, t0
from workbench.symbolic.functional import Average, LogPartition, functional_derivative, response_moments_vanish
from workbench.symbolic.gaussian import (
    GaussAvg,
    GaussKernel,
    antiderivative,
    closed_form,
    endpoint_rules,
    gauss_integral,
    gaussian_cgf,
    lam,
    mp_gauss_avg,
    mp_gauss_kernel,
)

oo = sp.oo
x = sp.Function("x", real=True)
xt = sp.Function("xtilde", real=True)
Q = sp.Function("Q", real=True)
D, D0 = sp.symbols("Delta Delta_0", positive=True)
RNG = np.random.default_rng(20240611)


def np_kernel(f: sp.Lambda, d: float, d0: float, n: int = 161) -> float:
    """Independent numerical kernel: nested probabilists' Gauss-Hermite (n^2 points), d >= 0."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2 * np.pi)
    fn = sp.lambdify(X, f(X), ["scipy", "numpy"])
    inner = fn(np.sqrt(d0 - d) * z[None, :] + np.sqrt(d) * z[:, None]) @ w
    return float(w @ inner**2)


def test_local_functional_derivative_with_time_derivative() -> None:
    S = sp.Integral(xt(t) * (-sp.Derivative(x(t), t) - x(t) + sp.tanh(x(t))), (t, -oo, oo))
    assert sp.simplify(functional_derivative(S, xt(t0)) - (-sp.Derivative(x(t0), t0) - x(t0) + sp.tanh(x(t0)))) == 0
    # integration by parts: d/dx of int xt dx/dt = +dxt/dt
    dx = functional_derivative(S, x(t0))
    expected = sp.Derivative(xt(t0), t0) - xt(t0) + xt(t0) * (1 - sp.tanh(x(t0)) ** 2)
    assert sp.simplify(dx - expected) == 0


def test_bilocal_second_derivative_gives_symmetric_kernel() -> None:
    K = sp.Function("K")
    S = sp.Rational(1, 2) * sp.Integral(xt(t) * K(t, s) * xt(s), (t, -oo, oo), (s, -oo, oo))
    d2 = functional_derivative(functional_derivative(S, xt(t0)), xt(s0))
    assert sp.simplify(d2 - (K(t0, s0) + K(s0, t0)) / 2) == 0
    dQ = functional_derivative(sp.Integral(Q(t, s) * x(t) * x(s), (t, -oo, oo), (s, -oo, oo)), Q(t0, s0))
    assert dQ == x(t0) * x(s0)


def test_log_partition_and_response_normalisation() -> None:
    S = sp.Integral(Q(t, s) * xt(t) * xt(s), (t, -oo, oo), (s, -oo, oo)) + sp.Integral(
        Q(t, s) * x(t) * x(s), (t, -oo, oo), (s, -oo, oo)
    )
    d = functional_derivative(LogPartition(S), Q(t0, s0))
    assert isinstance(d, Average)
    assert response_moments_vanish(Average(xt(t0) * xt(s0))) == 0
    assert response_moments_vanish(Average(x(t0) * x(s0))) != 0


def test_gaussian_cgf_is_derived_and_quadratic() -> None:
    m, v, y = sp.Symbol("m", real=True), sp.Symbol("v", positive=True), sp.Symbol("y", real=True)
    assert sp.simplify(gaussian_cgf(m, v, y) - (m * y + v * y**2 / 2)) == 0


def test_gauss_integral_moments() -> None:
    z = sp.Symbol("z", real=True)
    w = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    assert sp.simplify(gauss_integral(z**4 * w, z) - 3) == 0
    assert sp.simplify(gauss_integral(sp.exp(z) * w, z) - sp.exp(sp.Rational(1, 2))) == 0


@pytest.mark.parametrize("name", ["tanh", "erf"])
def test_price_theorem_numerically(name: str) -> None:
    """dC_f/dDelta = C_{f'} (derivative rule of the node) against mpmath finite differences."""
    f = lam(NAMED[name])
    k = GaussKernel(f, f, D, D0, 0)
    dk = k.diff(D)
    assert isinstance(dk, GaussKernel)
    d, d0, h = 0.7, 1.3, 1e-4
    fd = (np_kernel(f, d + h, d0) - np_kernel(f, d - h, d0)) / (2 * h)
    fp = dk.args[0]
    assert abs(fd - np_kernel(fp, d, d0)) < 1e-6


def test_antiderivative_uses_price_identity() -> None:
    f = lam(NAMED["tanh"])
    F = antiderivative(GaussKernel(f, f, D, D0, 0), D)
    assert sp.simplify(F.diff(D) - GaussKernel(f, f, D, D0, 0)) == 0


def test_endpoint_rules() -> None:
    f = lam(sp.tanh(X))
    assert endpoint_rules(GaussKernel(f, f, D0, D0, 0)) == GaussAvg(lam(sp.tanh(X) ** 2), 0, D0)
    assert endpoint_rules(GaussKernel(f, f, 0, D0, 0)) == GaussAvg(f, 0, D0) ** 2


def test_closed_form_linear_any_mean() -> None:
    mu = sp.Symbol("mu", real=True)
    f = lam(X)
    assert sp.simplify(closed_form(GaussKernel(f, f, D, D0, mu)) - (D + mu**2)) == 0


def test_closed_form_erf_arcsine_kernel() -> None:
    """Derived (Price ladder) vs the classic arcsine kernel of erf(sqrt(pi) x / 2)."""
    f = lam(NAMED["erf"])
    derived = closed_form(GaussKernel(f, f, D, D0, 0))
    published = 2 / sp.pi * sp.asin(sp.pi * D / (2 + sp.pi * D0))
    assert sp.simplify(derived - published) == 0
    for _ in range(3):
        d0 = RNG.uniform(0.2, 3.0)
        d = RNG.uniform(0.05, 0.95) * d0
        assert abs(np_kernel(f, d, d0) - float(sp.N(derived.subs({D: d, D0: d0}), 20))) < 1e-9
    # one high-precision nested mpmath point (slow, so only one, at low digits)
    num = mp_gauss_kernel(f, f, -0.4, 1.1, 0, 10)
    assert abs(num - mpmath.mpf(str(sp.N(derived.subs({D: -0.4, D0: 1.1}), 20)))) < 1e-8


def test_closed_form_relu_arccos_kernel() -> None:
    f = lam(NAMED["relu"])
    derived = closed_form(GaussKernel(f, f, D, D0, 0))
    th = sp.acos(D / D0)
    published = D0 / (2 * sp.pi) * (sp.sin(th) + (sp.pi - th) * sp.cos(th))
    for _ in range(3):
        d0 = RNG.uniform(0.2, 3.0)
        d = RNG.uniform(0.05, 0.95) * d0
        a = sp.N(derived.subs({D: d, D0: d0}), 20)
        b = sp.N(published.subs({D: d, D0: d0}), 20)
        assert abs(a - b) < 1e-15


def test_mp_gauss_avg() -> None:
    assert abs(mp_gauss_avg(lam(X**2), 0.5, 2.0) - 2.25) < 1e-20
