"""Exact moments behind the simulator report's linear-network checks (workbench.sim.checks)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.sim.checks import sample_covariance_moments


def _brute_force(C0: np.ndarray, P: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Var of the time average and of the (uncentred) sample covariance from the full n x n lag table."""
    d = C0.shape[0]
    lag = [C0]
    for _ in range(1, n):
        lag.append(P @ lag[-1])
    var_mean = np.zeros((d, d))
    var_cov = np.zeros((d, d))
    for t in range(n):
        for s in range(n):
            Cts = lag[t - s] if t >= s else lag[s - t].T  # E[x(t) x(s)^T]
            var_mean += Cts / n**2
            var_cov += (np.outer(np.diag(Cts), np.diag(Cts)) + Cts * Cts.T) / n**2
    return var_mean, var_cov


def test_moments_match_the_full_lag_sum():
    rng = np.random.default_rng(3)
    P = 0.6 * np.eye(3) + 0.1 * rng.standard_normal((3, 3))
    C0 = np.eye(3)
    for _ in range(2000):  # stationary covariance of x <- P x + noise (unit noise)
        C0 = P @ C0 @ P.T + np.eye(3)
    n = 40
    vm, vc = sample_covariance_moments(C0, P, n, rtol=0.0)
    bm, bc = _brute_force(C0, P, n)
    np.testing.assert_allclose(vm, bm, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(vc, bc, rtol=1e-12, atol=1e-14)


def test_scalar_ar1_closed_form():
    rho, n = 0.8, 500
    vm, vc = sample_covariance_moments(np.array([[1.0]]), np.array([[rho]]), n)
    m = np.arange(1, n)
    s1 = 1 + 2 * np.sum((1 - m / n) * rho**m)
    s2 = 1 + 2 * np.sum((1 - m / n) * rho ** (2 * m))
    assert vm[0, 0] == pytest.approx(s1 / n, rel=1e-10)
    assert vc[0, 0] == pytest.approx(2 * s2 / n, rel=1e-10)
