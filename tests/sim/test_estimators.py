"""Estimators on signals with known answers."""

import json

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim import build_network
from workbench.sim.estimators import (
    autocorrelation,
    cross_cov_stats,
    equal_time_cov,
    jacobian,
    jacobian_eigenvalues,
    linear_response,
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
