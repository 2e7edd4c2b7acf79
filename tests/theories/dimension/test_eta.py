"""Reciprocal motifs (corr(J_ij, J_ji) = eta) in the linear theory: zero-frequency reference values, eta = 0, direct
solves; equal time from the elliptic Stein recursion (the Dyson route at zero frequency, limits, Lyapunov solves)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim.checks import t_stat
from workbench.theories.dimension.linear import reciprocal_kernels, solve_linear

ZF = "zero-frequency"


@pytest.mark.parametrize(("g", "eta", "pr"), [(0.5, 0.5, 0.30509), (0.4, 1.0, 0.33750)])
def test_reference_values(g, eta, pr) -> None:
    """fixed-connectivity-and-dimension.md 4: HS reciprocal-motif D/N (their kappa = corr(J_ij, J_ji) = eta)."""
    assert round(solve_linear(g, 1.0, covariance=ZF, eta=eta).PR_over_N_x, 5) == pr


def test_hs_closed_form() -> None:
    """The derived statistics equal the HS closed form (theta = g^2 (1 + kappa)) over a grid, sigma^2 scales C."""
    for g in (0.1, 0.3, 0.45):
        for eta in (-1.0, -0.4, 0.3, 0.9):
            th = g**2 * (1 + eta)
            mu = (2 * th - 1 + np.sqrt(1 + 4 * (g**2 - th))) / (2 * (g**2 - th**2))
            d = (mu * (2 * g**2 * mu + 1) - 2 * th * mu * (th * mu + 1)) / ((th * mu + 1) ** 2 * (g**2 * mu + 1))
            r = solve_linear(g, 2.0, covariance=ZF, eta=eta)
            assert r.PR_over_N_x == pytest.approx(d, rel=1e-10) and r.mean_autocov_x == pytest.approx(2 * mu, rel=1e-10)


@pytest.mark.parametrize("g", [0.0, 0.3, 0.5, 0.7, 0.95])
def test_eta_zero_reproduces_iid(g) -> None:
    """The elliptic kernels at eta = 0 (and solve_linear at eta -> 0) give the i.i.d. zero-frequency result."""
    ref = solve_linear(g, 1.5, covariance=ZF)
    mean, nvar, pr = (float(v) for v in reciprocal_kernels().zf(g, 0.0, 1.5))
    assert (mean, nvar, pr) == pytest.approx((ref.mean_autocov_x, ref.N_var_cross_x, ref.PR_over_N_x), rel=1e-12, abs=1e-14)
    near = solve_linear(g, 1.5, covariance=ZF, eta=1e-9)
    assert near.PR_over_N_x == pytest.approx(ref.PR_over_N_x, rel=1e-7)


@pytest.mark.parametrize(("kw", "name"), [({"eta": 1.5, "covariance": ZF}, "eta"), ({"eta": -1.5}, "eta"),
                                          ({"g": 0.7, "eta": 0.5, "covariance": ZF}, "g"), ({"g": 0.7, "eta": 0.5}, "g")])
def test_refusals(kw, name) -> None:
    """|eta| <= 1; stability needs g (1 + eta) < 1."""
    args = {"g": 0.5, "sigma2": 1.0, **kw}
    with pytest.raises(SpecError) as err:
        solve_linear(args.pop("g"), args.pop("sigma2"), **args)
    assert err.value.parameter == name


@pytest.mark.parametrize(("g", "eta"), [(0.3, 0.5), (0.45, -0.4), (0.4, 0.9), (0.2, -1.0), (0.5, 0.0)])
def test_stein_words_are_the_dyson_route(g, eta) -> None:
    """The elliptic Stein recursion's planar words at a = b = 1 (zero frequency) equal the elliptic Dyson closed
    form: two derivations of the reciprocal-motif statistics that share no step."""
    from derivations.dimension import reciprocal_equal_time

    et = reciprocal_kernels().et
    a0, m2 = (float(np.real(et[n](g, eta, 1.0, 1.0, 1.0, 1.0))) for n in ("et_a0", "et_m2"))
    th = solve_linear(g, 1.0, covariance=ZF, eta=eta)
    assert (a0, m2 - a0**2, a0**2 / m2) == pytest.approx((th.mean_autocov_x, th.N_var_cross_x, th.PR_over_N_x),
                                                         rel=1e-10)
    assert set(reciprocal_equal_time()) == {"et_a0", "et_m2"}


def test_equal_time_limits() -> None:
    """eta -> 0 is the i.i.d. equal-time theory (white and OU noise, static input); eta = 1 (symmetric J) has C = sigma2 (1 - J)^{-1}/2 with the
    semicircle resolvent G(z) = (z - sqrt(z^2 - 4 g^2))/(2 g^2): mean sigma2 G(1)/2, tr C^2/N = -sigma2^2 G'(1)/4."""
    for g in (0.3, 0.6, 0.9):
        for kw in ({}, {"tau_noise": 2.0}, {"input_var": 0.7}, {"tau_noise": 0.5, "input_var": 0.3}):
            ref, near = solve_linear(g, 1.5, **kw), solve_linear(g, 1.5, eta=1e-9, **kw)
            for key in ("mean_autocov_x", "N_var_cross_x", "PR_over_N_x"):
                assert getattr(near, key) == pytest.approx(getattr(ref, key), rel=1e-6), (g, kw, key)
    g, s2 = 0.4, 2.0
    root = np.sqrt(1 - 4 * g * g)
    G1, dG1 = (1 - root) / (2 * g * g), (1 - 1 / root) / (2 * g * g)
    r = solve_linear(g, s2, eta=1.0)
    assert r.mean_autocov_x == pytest.approx(s2 * G1 / 2, rel=1e-10)
    assert r.N_var_cross_x + r.mean_autocov_x**2 == pytest.approx(-(s2**2) * dG1 / 4, rel=1e-9)


def _lyapunov_statistics(J: np.ndarray, tau_n: float = 0.0, input_var: float = 0.0) -> np.ndarray:
    """``(mean_autocov, N_var_cross, PR/N)`` of the exact equal-time covariance of one network, sigma^2 = 1 (white or
    OU noise of timescale ``tau_n``, plus a static input of variance ``input_var``)."""
    from workbench.sim.estimators import dimension_stats
    from workbench.theories.dimension.checks import exact_equal_time_covariance

    st = dimension_stats(exact_equal_time_covariance(J, 1.0, tau_n, input_var))
    return np.array([st["mean_autocov"], st["N_var_cross"], st["PR_over_N"]])


@pytest.mark.parametrize(("g", "eta", "tau_n", "input_var", "power"), [(0.45, 0.6, 0.0, 0.0, 0.02),
                                                                      (0.5, -0.7, 0.0, 0.0, 0.02),
                                                                      (0.4, 0.5, 1.0, 0.3, 0.03)])
def test_equal_time_direct_solves(g, eta, tau_n, input_var, power) -> None:
    """24 networks at N = 150 and 24 at N = 300 (seed 12), sigma^2 = 1, exact covariances; the O(1/N) bias
    removed by Richardson extrapolation 2 s(300) - s(150); Student-t on the combined SE (Welch dof). Power: an
    error of ``power`` (2 %; 3 % with a static input, whose PR/N spreads more over networks) in mean_autocov or
    PR/N fails; N_var_cross spreads more (10 %)."""
    n = 24
    rng = np.random.default_rng(12)
    small = np.array([_lyapunov_statistics(_elliptic(150, g, eta, rng), tau_n, input_var) for _ in range(n)])
    large = np.array([_lyapunov_statistics(_elliptic(300, g, eta, rng), tau_n, input_var) for _ in range(n)])
    estimate = 2 * large.mean(0) - small.mean(0)
    v_large, v_small = 4 * large.var(0, ddof=1) / n, small.var(0, ddof=1) / n
    se = np.sqrt(v_large + v_small)
    dof = (v_large + v_small) ** 2 / (v_large**2 / (n - 1) + v_small**2 / (n - 1))
    th = solve_linear(g, 1.0, eta=eta, tau_noise=tau_n, input_var=input_var)
    for i, (name, value) in enumerate((("mean_autocov", th.mean_autocov_x), ("N_var_cross", th.N_var_cross_x),
                                       ("PR_over_N", th.PR_over_N_x))):
        c = t_stat(name, value, float(estimate[i]), float(se[i]), float(dof[i]), kind="simulation",
                   N=(150, 300), networks=n, seed=12, g=g, eta=eta, tau_noise=tau_n, input_var=input_var)
        assert c.ok, c
        assert c.tolerance < (0.1 if name == "N_var_cross" else power) * abs(value), c  # power (see the docstring)


def _elliptic(N: int, g: float, eta: float, rng: np.random.Generator) -> np.ndarray:
    """``J_ij ~ N(0, g^2/N)`` with ``corr(J_ij, J_ji) = eta``: symmetric and antisymmetric Gaussian parts."""
    X, Y = rng.standard_normal((N, N)), rng.standard_normal((N, N))
    Z = np.sqrt((1 + eta) / 4) * (X + X.T) + np.sqrt((1 - eta) / 4) * (Y - Y.T)
    np.fill_diagonal(Z, rng.standard_normal(N))
    return g * Z / np.sqrt(N)


def _statistics(J: np.ndarray, sigma2: float) -> np.ndarray:
    """``(mean_autocov, PR/N)`` of the exact ``C = sigma2 (1-J)^{-1} (1-J)^{-T}`` of one network."""
    N = len(J)
    Wi = np.linalg.inv(np.eye(N) - J)
    C = sigma2 * Wi @ Wi.T
    mean = np.trace(C) / N
    return np.array([mean, mean**2 / (np.sum(C * C) / N)])


@pytest.mark.parametrize(("g", "eta"), [(0.5, 0.5), (0.6, -0.5), (0.4, 0.9)])
def test_direct_solves(g, eta) -> None:
    """64 networks at N = 200 and 64 at N = 400 (seed 11), sigma^2 = 1.5; the O(1/N) bias (about -1.4/N in PR/N at
    (0.5, 0.5)) is removed by Richardson extrapolation 2 s(400) - s(200); Student-t on the combined SE (Welch dof)."""
    n, sigma2 = 64, 1.5
    rng = np.random.default_rng(11)
    small = np.array([_statistics(_elliptic(200, g, eta, rng), sigma2) for _ in range(n)])
    large = np.array([_statistics(_elliptic(400, g, eta, rng), sigma2) for _ in range(n)])
    estimate = 2 * large.mean(0) - small.mean(0)
    v_large, v_small = 4 * large.var(0, ddof=1) / n, small.var(0, ddof=1) / n
    se = np.sqrt(v_large + v_small)
    dof = (v_large + v_small) ** 2 / (v_large**2 / (n - 1) + v_small**2 / (n - 1))
    th = solve_linear(g, sigma2, covariance=ZF, eta=eta)
    for i, (name, value) in enumerate((("mean_autocov", th.mean_autocov_x), ("PR_over_N", th.PR_over_N_x))):
        c = t_stat(name, value, float(estimate[i]), float(se[i]), float(dof[i]), kind="simulation",
                   N=(200, 400), networks=n, seed=11, g=g, eta=eta)
        assert c.ok, c


def test_cli_spec_eta(tmp_path) -> None:
    """``workbench dimension --phi linear --covariance zero-frequency --spec S`` takes eta from coupling.eta."""
    path = tmp_path / "spec.toml"
    path.write_text('name = "reciprocal"\nphi = "linear"\n[coupling]\ng = 0.3\neta = 0.5\n'
                    '[noise]\nkind = "white"\nsigma2 = 2.0\n')
    out = subprocess.run([sys.executable, "-m", "workbench", "dimension", "--phi", "linear", "--g", "0.5", "--sigma2",
                          "1", "--covariance", ZF, "--spec", str(path), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert round(res["PR_over_N_x"], 5) == 0.30509 and round(res["mean_autocov_x"], 6) == 2.089631
    et = subprocess.run([sys.executable, "-m", "workbench", "dimension", "--phi", "linear", "--spec", str(path),
                         "--json"], capture_output=True, text=True)  # equal time (the default)
    assert et.returncode == 0, et.stderr
    assert json.loads(et.stdout)["PR_over_N_x"] == pytest.approx(solve_linear(0.3, 2.0, eta=0.5).PR_over_N_x, rel=1e-12)
    refused = subprocess.run([sys.executable, "-m", "workbench", "dimension", "--phi", "tanh", "--spec", str(path)],
                             capture_output=True, text=True)  # the nonlinear cavity takes eta = 0 only
    assert refused.returncode == 2 and "eta" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
