"""Reciprocal motifs (corr(J_ij, J_ji) = eta) in the linear zero-frequency theory: reference values, eta = 0, direct solves."""

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


@pytest.mark.parametrize(("kw", "name"), [({"eta": 0.5}, "eta"), ({"eta": 1.5, "covariance": ZF}, "eta"),
                                          ({"g": 0.7, "eta": 0.5, "covariance": ZF}, "g")])
def test_refusals(kw, name) -> None:
    """Equal-time with eta != 0 is not derived; |eta| <= 1; stability needs g (1 + eta) < 1."""
    args = {"g": 0.5, "sigma2": 1.0, **kw}
    with pytest.raises(SpecError) as err:
        solve_linear(args.pop("g"), args.pop("sigma2"), **args)
    assert err.value.parameter == name


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
    refused = subprocess.run([sys.executable, "-m", "workbench", "dimension", "--phi", "linear", "--spec", str(path)],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "eta" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
