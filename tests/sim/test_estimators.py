"""Estimators on signals with known answers."""

import json

import numpy as np
import pytest

from workbench.compare import student_k
from workbench.errors import SpecError
from workbench.sim import build_network
from workbench.sim.estimators import (
    autocorrelation,
    autocovariance_trials,
    centring_bias,
    cross_cov_stats,
    equal_time_cov,
    expected_autocorrelation,
    jacobian,
    jacobian_eigenvalues,
    linear_response,
    mean_is_zero,
    participation_ratio,
    population_mean,
    two_time_cov,
)
from workbench.spec import ModelSpec


def test_participation_ratio_limits():
    assert participation_ratio(np.eye(7)) == pytest.approx(7.0)
    v = np.arange(1, 6.0)
    assert participation_ratio(np.outer(v, v)) == pytest.approx(1.0)
    with pytest.raises(SpecError):
        participation_ratio(np.zeros((2, 3)))


def test_autocorrelation_of_cosine():
    t = np.arange(4000) * 0.01
    x = np.cos(2 * np.pi * t)[:, None, None] * np.ones((1, 3, 2))
    lags, C = autocorrelation(x, 0.01, max_lag=1.0, center=False)
    np.testing.assert_allclose(C, 0.5 * np.cos(2 * np.pi * lags), atol=5e-3)


def _ou_series(n: int, rho: float, shape: tuple[int, int], seed: int, mean: float = 0.0) -> np.ndarray:
    """Stationary AR(1) = OU sampled at dt: covariance rho^h, shape (n, *shape)."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, *shape))
    x[0] = rng.standard_normal(shape)
    xi = rng.standard_normal((n, *shape)) * np.sqrt(1 - rho**2)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + xi[t]
    return x + mean


def test_centring_bias_exact_for_a_short_series():
    n, rho = 6, 0.7
    gam = rho ** np.arange(n)
    G = gam[np.abs(np.subtract.outer(np.arange(n), np.arange(n)))]
    P = np.eye(n) - 1.0 / n
    exact = [np.trace(P @ np.eye(n, k=k)[:, :] @ P @ G) / (n - k) for k in range(n)]
    np.testing.assert_allclose(expected_autocorrelation(gam, n), exact, rtol=1e-12)
    T_long = 3000
    tail = centring_bias(0.9 ** np.arange(T_long), T_long, 3)
    np.testing.assert_allclose(tail, -2 * (1 / (1 - 0.9) - 0.5) / T_long, rtol=0.02)  # -(2/T) sum gamma


def test_centring_bias_predicts_the_ou_estimate():
    """OU (tau_c = 1, dt = 0.1, T = 30): the corrected prediction is within k SE, the uncorrected is not."""
    n, dt, rho = 300, 0.1, np.exp(-0.1)
    x = _ou_series(n, rho, (50, 80), seed=5, mean=0.3)  # 80 groups ("trials") of 50 series
    per = np.array([autocorrelation(x[:, :, k], dt, max_lag=3.0)[1] for k in range(x.shape[2])])
    m, se = per.mean(0), per.std(0, ddof=1) / np.sqrt(per.shape[0])
    k = student_k(per.shape[0])
    gam = rho ** np.arange(n)
    pred = expected_autocorrelation(gam, n, m.size)
    bias = pred - gam[: m.size]
    assert np.all(np.abs(m - pred) <= k * se), (m - pred) / se
    assert np.all(np.abs(bias) > 2 * k * se[0])  # the test has the power to see the bias
    assert np.all(np.abs(m - gam[: m.size]) > k * se)
    lags, C, SE = autocovariance_trials(x, dt, max_lag=3.0)  # the estimator that removes it
    assert np.all(np.abs(C - gam[: lags.size]) <= k * SE)
    lags, C0, SE0 = autocovariance_trials(x - 0.3, dt, max_lag=3.0, mean=0.0)
    assert np.all(np.abs(C0 - gam[: lags.size]) <= k * SE0)


def test_mean_is_zero_by_symmetry():
    assert mean_is_zero(ModelSpec.simple(N=10, g=2.0))
    assert not mean_is_zero(ModelSpec.simple(N=10, g=2.0, J0=1.0))  # J0 sup tanh' = 1: the symmetry may break
    assert mean_is_zero(ModelSpec.simple(N=10, g=2.0, J0=0.9)) and mean_is_zero(ModelSpec.simple(N=10, g=2.0, J0=-3.0))
    assert not mean_is_zero(ModelSpec.simple(N=10, g=2.0, J0=0.6, gain=2.0))  # 0.6 * 2 * 1 >= 1
    assert mean_is_zero(ModelSpec.simple(N=10, g=0.5, J0=0.5, phi="linear"))
    assert mean_is_zero(ModelSpec.simple(N=10, g=1.5, J0=0.9, phi="clip(x,-1,1)"))
    assert not mean_is_zero(ModelSpec.simple(N=10, g=2.0, phi="relu"))


def test_equal_time_and_two_time_cov():
    rng = np.random.default_rng(0)
    L = np.array([[1.0, 0.0], [0.8, 0.6]])
    x = np.einsum("ij,tjk->tik", L, rng.standard_normal((20000, 2, 3)))
    C = equal_time_cov(x)
    np.testing.assert_allclose(C, L @ L.T, atol=0.03)
    assert equal_time_cov(x, pooled=False).shape == (3, 2, 2)
    C2 = two_time_cov(rng.standard_normal((5, 100, 400)))
    np.testing.assert_allclose(C2, np.eye(5), atol=0.03)
    assert population_mean(x).shape == (20000, 3)
    st = cross_cov_stats(L @ L.T)
    assert st["c_bar"] == pytest.approx(0.8) and st["a_bar"] == pytest.approx(1.0)


def test_jacobian_and_linear_response():
    spec = ModelSpec.simple(N=20, g=0.5, phi="tanh", tau=2.0)
    net = build_network(spec, 0)
    x = np.zeros(20)
    M = jacobian(net, x)
    np.testing.assert_allclose(M, (net.J - np.eye(20)) / 2.0)
    ev = jacobian_eigenvalues(net, x)
    assert ev.real.max() < 0
    # noise-free impulse response at the fixed point 0 equals expm(M t) e_j (dt-small bias)
    import scipy.linalg as sla

    t, R = linear_response(net, x, j=3, T=2.0, dt=0.001, eps=1e-6)
    np.testing.assert_allclose(R[-1], sla.expm(M * 2.0)[:, 3], atol=2e-3)


def test_cli_simulate_json_and_atomic_write(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "r.npz"
    assert main(["simulate", "chaos", "--N", "60", "--T", "5", "--trials", "2", "--json", "--out", str(out)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(line)
    assert summary["N"] == 60 and summary["K"] == 2 and "participation_ratio" in summary
    d = np.load(out)
    assert d["cov_x"].shape == (60, 60) and d["cov_phi"].shape == (60, 60)
    # a diverging run leaves no file behind
    bad = tmp_path / "bad.npz"
    rc = main(["simulate", "linear", "--g", "3", "--N", "40", "--T", "400", "--out", str(bad)])
    assert rc != 0 and not bad.exists()
    assert not list(tmp_path.glob("*.part"))
    # bad parameters -> exit status 2 and a message that names the parameter
    assert main(["simulate", "--N", "-1"]) == 2
    assert "N:" in capsys.readouterr().err
