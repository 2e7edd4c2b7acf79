"""DMFT beyond tanh/erf: relu (Piecewise, closed-form Gaussian moments) and logistic (rational in exp).

The action carries phi as an opaque function and the concrete expression enters only at the
Gaussian closure, so SymPy's rewriting of products of rational functions or of Max/Piecewise
cannot break the derivation (both failed before).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from workbench.compare import compare_stat
from workbench.sim import simulate
from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem


def relu_moments(mu: float, var: float) -> tuple[float, float]:
    """E max(0, y) and E max(0, y)^2 for y ~ N(mu, var) (standard truncated-normal moments)."""
    s = math.sqrt(var)
    a = mu / s
    m1 = mu * stats.norm.cdf(a) + s * stats.norm.pdf(a)
    m2 = (mu * mu + var) * stats.norm.cdf(a) + mu * s * stats.norm.pdf(a)
    return m1, m2


def test_relu_static_branch_matches_closed_form_moments() -> None:
    """Static fixed point: Delta0 = g^2 <phi^2> + sigma_I^2 and mu = I0 + J0 <phi> (dmft.md §2.1, §5).

    The averages of a kinked phi use Gauss-Legendre split at the kink (Gauss-Hermite with 101
    nodes was off by 2e-4 in Delta0 and 2e-3 in <phi> here), so the match is to rounding.
    """
    spec = ModelSpec.simple(phi="relu", g=1.2, J0=-1.0, input_mean=0.5)
    r = DMFTProblem(spec).build_solver().solve(spec)
    assert r.regime == "static"
    m1, m2 = relu_moments(r.mu, r.Delta0)
    assert r.Delta0 == pytest.approx(1.2**2 * m2, rel=1e-10)
    assert r.mu == pytest.approx(0.5 - 1.0 * m1, rel=1e-10)
    assert r.C_phi0 == pytest.approx(m2, rel=1e-10) and r.mean_phi == pytest.approx(m1, rel=1e-10)


@pytest.mark.parametrize("phi", ["x**3", "tanh"])
def test_odd_increasing_phi_with_inhibition_is_the_symmetric_state(phi) -> None:
    """An odd non-decreasing phi without input: with J0 < 0, mu = 0 is the only stationary mean, so the state is
    the J0 = 0 one (x**3 used to overflow on its way from mu = J0 and failed); the lag solver agrees."""
    spec = ModelSpec.simple(phi=phi, g=0.5 if phi == "x**3" else 1.5, sigma2=0.5, J0=-1.0)
    solver = DMFTProblem(spec).build_solver()
    inhibited, free = solver.solve(spec, lyapunov=False), solver.solve(spec.with_overrides(J0=0.0), lyapunov=False)
    assert inhibited.mu == 0.0 and inhibited.Delta0 == pytest.approx(free.Delta0, rel=1e-12)
    lag = DMFTProblem(spec).build_solver(method="lag").solve(spec)
    # (the lag grid solver is 3e-5 off for x**3, whose Delta0 = 1/sqrt(12) at g = 0.5 the energy solver hits)
    assert lag.Delta0[0] == pytest.approx(inhibited.Delta0, rel=1e-4) and abs(lag.mu[0]) < 1e-8


def test_logistic_derivation_and_lag_solver_agree() -> None:
    spec = ModelSpec.simple(phi="logistic", g=3.0, J0=-1.0, sigma2=0.2)
    problem = DMFTProblem(spec)
    e = problem.build_solver().solve(spec, lyapunov=False)
    lag = problem.build_solver(method="lag").solve(spec)
    assert e.regime == "fluctuating" or e.regime == "chaotic"
    assert lag.Delta0[0] == pytest.approx(e.Delta0, rel=2e-5)
    assert lag.mu[0] == pytest.approx(e.mu, rel=2e-5)
    assert lag.Delta_inf[0] == pytest.approx(e.Delta_inf, rel=2e-5)


def test_relu_noise_driven_sim_vs_theory_reduced() -> None:
    """N = 1000, 4 trials, T = 250 (dt = 0.05, seed 1): mean and variance of x within 4 SE over trials
    plus a finite-N allowance of 2 sqrt(Delta0 / N) for the population mean (the sum of N random
    couplings shifts the mean input by O(g sqrt(<phi^2>/N))) and 3% of Delta0 for the variance."""
    spec = ModelSpec.simple(phi="relu", N=1000, g=0.8, J0=-0.5, sigma2=0.2)
    r = DMFTProblem(spec).build_solver().solve(spec)
    res = simulate(spec, T=300.0, dt=0.05, trials=4, seed=1, burn_in=50.0, stride=4, record=("traj",), neurons=spec.N)
    x = res.traj
    mus = x.mean(axis=(0, 1))
    var = ((x - x.mean(axis=(0, 1))) ** 2).mean(axis=(0, 1))
    ctx = {"N": spec.N, "trials": 4, "seed": 1, "T": 250.0, "dt": 0.05}
    compare_stat(
        "mu",
        r.mu,
        mus.mean(),
        mus.std(ddof=1) / 2,
        bias=2 * math.sqrt(r.Delta0 / spec.N),
        bias_reason="finite N",
        **ctx,
        kind="simulation",
    ).assert_ok()
    compare_stat(
        "Delta0",
        r.Delta0,
        var.mean(),
        var.std(ddof=1) / 2,
        bias=0.03 * r.Delta0,
        bias_reason="finite N, dt",
        **ctx,
        kind="simulation",
    ).assert_ok()
    assert np.isfinite(r.lyapunov) and r.lyapunov < 0
