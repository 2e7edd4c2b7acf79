"""Linear network and OU neuron against exact covariances (statistical tolerances stated).

Every comparison: tolerance = k standard errors over K independent trials (same J, independent
noise and initial conditions) plus, against the *continuous-time* answer, the exactly computed
time-step bias |C_discrete(dt) - C_continuous|.
"""

import numpy as np
import pytest
import scipy.linalg as sla

from workbench.compare import compare_stat
from workbench.sim import build_network, simulate
from workbench.sim.estimators import autocorrelation, long_window_cov, mean_and_stderr
from workbench.spec import ModelSpec

K_SE = 4.0  # 4 standard errors: two-sided false-alarm probability ~6e-5 per check


def _linear_case(N, g, sigma2, dt, T, trials, seed, method, slow=False):
    spec = ModelSpec.simple(N=N, g=g, phi="linear", sigma2=sigma2, init_std=0.0)
    net = build_network(spec, seed=np.random.SeedSequence(seed).spawn(3)[0])
    res = simulate(
        spec, T=T, dt=dt, trials=trials, seed=seed, burn_in=20.0, stride=5, record=("cov_trials",), method=method
    )
    A = net.J - np.eye(N)
    C_cont = sla.solve_continuous_lyapunov(A, -sigma2 * np.eye(N))
    if method == "euler":
        Ad = np.eye(N) + dt * A
        Q = sigma2 * dt * np.eye(N)
    else:
        a = np.exp(-dt)
        Ad = a * np.eye(N) + (1 - a) * net.J
        Q = sigma2 * (1 - a * a) / 2 * np.eye(N)
    C_disc = sla.solve_discrete_lyapunov(Ad, Q)
    return spec, res, C_cont, C_disc


def _stats(C, ref):
    off = ~np.eye(C.shape[0], dtype=bool)
    return np.array([np.mean(np.diag(C)), np.sum(C[off] * ref[off]) / np.sum(ref[off] ** 2)])


@pytest.mark.parametrize("method", ["euler", "exp"])
def test_linear_network_covariance_matches_lyapunov(method):
    N, g, s2, dt, T, K, seed = 80, 0.6, 1.0, 0.02, 1500.0, 12, 7
    spec, res, C_cont, C_disc = _linear_case(N, g, s2, dt, T, K, seed, method)
    per_trial = np.array([_stats(C, C_cont) for C in res.cov_x_trials])
    est, se = mean_and_stderr(per_trial)
    ctx = dict(N=N, K=K, T=T, dt=dt, seed=seed, method=method)
    # (1) against the exact discrete-time stationary covariance: pure statistics
    th_d = _stats(C_disc, C_cont)
    for q, i in (("mean autocovariance a_bar (discrete Lyapunov)", 0), ("cross-cov overlap (discrete Lyapunov)", 1)):
        compare_stat(q, th_d[i], est[i], se[i], k=K_SE, **ctx, kind="simulation").assert_ok()
    # (2) against the continuous-time Lyapunov solution: the exact O(dt) bias is subtracted from the
    # estimate (not added to the tolerance), so the tolerance is pure statistics
    th_c = _stats(C_cont, C_cont)
    bias = th_d - th_c
    for q, i in (("mean autocovariance a_bar (Lyapunov)", 0), ("cross-cov overlap (Lyapunov)", 1)):
        compare_stat(q, th_c[i], est[i] - bias[i], se[i], k=K_SE, **ctx, kind="simulation").assert_ok()
    # finite-time bias from the 1/T-relaxation of per-trial centring is O(tau_c/T) ~ 1e-3: inside SE here


def test_linear_from_saved_J_via_cli(tmp_path):
    """The CLI with --J-file uses the matrix as given; its pooled cov_x matches Lyapunov."""
    from workbench.cli import main

    N, s2 = 30, 1.0
    rng = np.random.default_rng(3)
    J = 0.5 * rng.standard_normal((N, N)) / np.sqrt(N)
    J[0, 1] = 0.4  # a structured entry: the matrix is used as given, not re-drawn
    np.save(tmp_path / "J.npy", J)
    out = tmp_path / "r.npz"
    rc = main(
        [
            "simulate",
            "linear",
            "--J-file",
            str(tmp_path / "J.npy"),
            "--sigma2",
            str(s2),
            "--T",
            "3000",
            "--dt",
            "0.02",
            "--trials",
            "8",
            "--seed",
            "2",
            "--out",
            str(out),
            "--burn-in",
            "20",
            "--stride",
            "5",
        ]
    )
    assert rc == 0
    d = np.load(out)
    C_th = sla.solve_continuous_lyapunov(J - np.eye(N), -s2 * np.eye(N))
    a = np.exp(-0.02)
    C_d = sla.solve_discrete_lyapunov(a * np.eye(N) + (1 - a) * J, s2 * (1 - a * a) / 2 * np.eye(N))
    # statistical scale of one entry: Var(C_ij estimate) ~ (C_ii C_jj + C_ij^2) * 2 tau_c / T_total
    T_tot = (3000 - 20) * 8
    se = np.sqrt((np.outer(np.diag(C_th), np.diag(C_th)) + C_th**2) * 2 * 2.0 / T_tot)
    z = (d["cov_x"] - C_d) / se
    assert np.abs(z).max() < 5.5, np.abs(z).max()  # max over 465 distinct entries of |N(0,1)|
    np.testing.assert_allclose(np.diag(d["cov_x"]), np.diag(C_th), rtol=0.06)
    for key in ("t", "mean_x", "cov_x", "cov_phi", "summary", "README"):
        assert key in d.files


def test_ou_neuron_variance_and_autocorrelation():
    """g = 0, phi = x: each neuron is an OU process, Var = sigma2/2, C(tau) = sigma2/2 e^{-tau}."""
    s2, dt, K, T, seed = 2.0, 0.05, 400, 200.0, 3
    spec = ModelSpec.simple(N=1, g=0.0, phi="linear", sigma2=s2, init_std=0.0)
    res = simulate(spec, T=T, dt=dt, trials=K, seed=seed, burn_in=10.0, stride=2, record=("traj",), neurons=1)
    dtr = 2 * dt
    lags, C = autocorrelation(res.traj, dtr, max_lag=3.0, center=False)
    # independent estimates per trial for the error bar
    per = np.array([autocorrelation(res.traj[:, :, k], dtr, max_lag=3.0, center=False)[1] for k in range(K)])
    est, se = mean_and_stderr(per)
    np.testing.assert_allclose(est, C, rtol=1e-10)
    theory = s2 / 2 * np.exp(-lags)  # exact also for the exponential-Euler chain at the sample times
    for idx in (0, 10, 20, 30):
        compare_stat(
            f"C(tau={lags[idx]:.1f})",
            theory[idx],
            est[idx],
            se[idx],
            k=K_SE,
            N=1,
            K=K,
            T=T,
            dt=dt,
            seed=seed,
            kind="simulation",
        ).assert_ok()
    # zero-frequency covariance int C = sigma2 (window >> correlation time 1); the finite window's bias
    # is exact: E[L Var(block mean)] = (L/m^2) sum_ij C(|i - j| dt) over the m samples of a block,
    # subtracted from the estimate
    L = 40.0
    zf = long_window_cov(res.traj, dtr, window=L)[0, 0]
    m = int(round(L / dtr))
    h = np.abs(np.subtract.outer(np.arange(m), np.arange(m)))
    window_bias = L * float(np.mean(s2 / 2 * np.exp(-h * dtr))) - s2
    # ~K*4 windows, relative SE of a variance estimate sqrt(2/n_windows)
    n_w = K * int((T - 10.0) // L)
    compare_stat(
        "zero-frequency covariance",
        s2,
        zf - window_bias,
        s2 * np.sqrt(2 / n_w),
        k=K_SE,
        K=K,
        seed=seed,
        kind="simulation",
    ).assert_ok()


def test_ou_input_noise_variance():
    """Coloured (OU) input into a leaky unit: Var x = sigma2 / (2 (1 + tau_n)) for tau = 1."""
    s2, tn, dt, K, T, seed = 1.0, 2.0, 0.02, 300, 150.0, 9
    spec = ModelSpec.simple(N=1, g=0.0, phi="linear", sigma2=s2, noise="ou", noise_tau=tn, init_std=0.0)
    res = simulate(spec, T=T, dt=dt, trials=K, seed=seed, burn_in=20.0, stride=5, record=("traj",), neurons=1)
    per = (res.traj[:, 0, :] ** 2).mean(axis=0)
    est, se = mean_and_stderr(per)
    theory = s2 / (2 * (1 + tn))
    # exponential Euler with eta frozen over a step: O(dt) bias, bounded by dt/tn relative
    compare_stat(
        "Var x (OU input)",
        theory,
        est,
        se,
        k=K_SE,
        bias=theory * dt / tn,
        bias_reason="dt",
        K=K,
        T=T,
        dt=dt,
        seed=seed,
        kind="simulation",
    ).assert_ok()
