"""solve_linear against the notes' reference values (exact to their printed digits) and direct Lyapunov solves."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

from workbench.errors import SpecError
from workbench.theories.dimension.linear import frequency_resolved, hs_density, hs_support, solve_linear


@pytest.mark.parametrize(("g", "nvar", "ratio", "pr"), [(0.5, 0.059873, 0.17962, 0.84773), (0.7, 0.283740, 0.57883, 0.63338)])
def test_equal_time_table(g, nvar, ratio, pr) -> None:
    """dmft.md 6.2 table (sigma^2 = 1)."""
    r = solve_linear(g, 1.0)
    assert round(r.N_var_cross_x, 6) == nvar and round(r.PR_over_N_x, 5) == pr
    assert round(r.N_var_cross_x / r.mean_autocov_x**2, 5) == ratio
    assert r.PR_over_N_phi == r.PR_over_N_x and r.mean_cross_x == 0.0


@pytest.mark.parametrize(("g", "lo", "hi", "pr"), [(0.5, 0.322767, 7.343899, 0.5625), (0.7, 0.229382, 32.864790, 0.2601)])
def test_hu_sompolinsky(g, lo, hi, pr) -> None:
    """fixed-connectivity-and-dimension.md 4: support, moments of the density, PR/N."""
    x0, x1 = hs_support(g)
    assert (round(x0, 6), round(x1, 6)) == (lo, hi)
    assert round(solve_linear(g, 1.0, covariance="zero-frequency").PR_over_N_x, 6) == pr
    x = np.linspace(x0, x1, 200001)
    p = hs_density(g, x)
    assert abs(np.trapezoid(p, x) - 1) < 1e-3 and abs(np.trapezoid(p * x, x) - 1 / (1 - g**2)) < 1e-3


def test_density_points() -> None:
    assert np.allclose(np.round(hs_density(0.5, [0.5, 1.0]), 6), [1.112408, 0.455623])


def test_consistency() -> None:
    """w = 0 is the zero-frequency covariance; static input alone is sigma_I^2 (1-J)^-1 (1-J)^-T; tau rescales."""
    zf = solve_linear(0.6, 2.0, covariance="zero-frequency")
    fr = frequency_resolved(0.6, 2.0, np.array([0.0]))
    assert np.isclose(fr["PR_over_N"][0], zf.PR_over_N_x) and np.isclose(fr["N_var_cross"][0], zf.N_var_cross_x)
    static = solve_linear(0.6, 0.0, input_var=2.0)
    assert np.isclose(static.PR_over_N_x, zf.PR_over_N_x) and np.isclose(static.N_var_cross_x, zf.N_var_cross_x)
    assert np.isclose(solve_linear(0.6, 1.0, tau=2.0).mean_autocov_x, solve_linear(0.6, 1.0).mean_autocov_x / 2)


@pytest.mark.parametrize(("kw", "name"), [({"g": 1.0}, "g"), ({"sigma2": 0.0}, "sigma2"), ({"eta": 1.3}, "eta"),
                                          ({"input_var": 1.0, "covariance": "zero-frequency"}, "input_var")])
def test_refusals(kw, name) -> None:
    args = {"g": 0.5, "sigma2": 1.0, **kw}
    with pytest.raises(SpecError) as err:
        solve_linear(args.pop("g"), args.pop("sigma2"), **args)
    assert err.value.parameter == name


def _lyapunov(N: int, g: float, tau_n: float, rng: np.random.Generator) -> tuple[float, float, float, float]:
    """(mean C_ii, N var_{i!=j} C_ij, PR/N, var_i C_ii) of the equal-time covariance of one sampled network."""
    J = g * rng.standard_normal((N, N)) / np.sqrt(N)
    if tau_n == 0:
        C = sl.solve_continuous_lyapunov(J - np.eye(N), -np.eye(N))
    else:  # x driven by OU noise eta: the augmented (x, eta) process
        Z, eye = np.zeros((N, N)), np.eye(N)
        A = np.block([[J - eye, eye], [Z, -eye / tau_n]])
        C = sl.solve_continuous_lyapunov(A, -np.block([[Z, Z], [Z, eye / tau_n**2]]))[:N, :N]
    off = C[~np.eye(N, dtype=bool)]
    return np.diag(C).mean(), N * off.var(), np.trace(C) ** 2 / np.sum(C * C) / N, np.diag(C).var()


@pytest.mark.parametrize(("N", "g", "tau_n"), [(300, 0.5, 0.0), (200, 0.5, 2.0)])
def test_direct_lyapunov(N, g, tau_n) -> None:
    """6 sampled networks (seed 0): Student-t, k = 4 SE (5 dof, p ~ 0.01); the finite-N PR identity (notes 6.3,
    with the measured var_i C_ii and (N-1)/N) is the prediction of the finite-N PR."""
    rng = np.random.default_rng(0)
    s = np.array([_lyapunov(N, g, tau_n, rng) for _ in range(6)])
    mean, se = s.mean(0), s.std(0, ddof=1) / np.sqrt(len(s))
    th = solve_linear(g, 1.0, tau_noise=tau_n)
    a, nv = th.mean_autocov_x, th.N_var_cross_x
    pr_N = a**2 / (a**2 + mean[3] + (N - 1) / N * nv)
    for est, err, pred in zip(mean[:3], se[:3], (a, nv, pr_N), strict=True):
        assert abs(est - pred) <= 4 * err, (est, pred, err)


@pytest.mark.slow
@pytest.mark.parametrize(("g", "tau_n"), [(0.7, 0.0), (0.8, 1.0)])
def test_direct_lyapunov_large(g, tau_n) -> None:
    """N = 1000, 4 networks (seed 1), Student-t k = 5 SE."""
    rng = np.random.default_rng(1)
    N = 1000
    s = np.array([_lyapunov(N, g, tau_n, rng) for _ in range(4)])
    mean, se = s.mean(0), s.std(0, ddof=1) / 2
    th = solve_linear(g, 1.0, tau_noise=tau_n)
    a, nv = th.mean_autocov_x, th.N_var_cross_x
    for est, err, pred in zip(mean[:3], se[:3], (a, nv, a**2 / (a**2 + mean[3] + (N - 1) / N * nv)), strict=True):
        assert abs(est - pred) <= 5 * err, (est, pred, err)
