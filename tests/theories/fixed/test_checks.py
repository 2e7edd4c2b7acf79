"""Fixed-connectivity validation: the stored job, its comparisons, the pulse propagator and the error-scaling fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

from workbench.errors import SpecError
from workbench.theories.fixed.checks import (
    FixedRun,
    baseline,
    error_scaling,
    exact_comparisons,
    fixed_comparisons,
    fixed_job,
    fixed_samples,
    linear_equivalent_covariances,
    network_of,
    pair_agreements,
    predicted_pulse,
    static_response,
    step_bias,
)


def _arrays(run: FixedRun) -> dict:
    """The stored-job arrays of ``run`` computed in-process."""
    return fixed_samples(fixed_job(run).params)


def test_run_refuses_bad_settings():
    """One-line SpecErrors for settings the estimators cannot use."""
    with pytest.raises(SpecError, match="sample_every"):
        FixedRun(dt=0.3, sample_every=0.5)
    with pytest.raises(SpecError):
        FixedRun(N=50, n_obs=80)
    with pytest.raises(SpecError, match="kicked"):
        FixedRun(N=50, n_obs=10, kicked=11)


def test_predicted_pulse_is_the_matrix_exponential_and_the_step_power():
    """flow = expm((J D - 1) t) e_j, step = (a + b J D)^k e_j, and the static response is (1 - J D)^-1 e_j."""
    rng = np.random.default_rng(0)
    N = 40
    J = rng.standard_normal((N, N)) * 0.8 / math.sqrt(N)
    d = rng.uniform(0.5, 1.0, N)
    t = np.array([0.0, 0.5, 2.0])
    flow, step = predicted_pulse(J, d, t, 3, 0.05)
    A = J * d[None, :] - np.eye(N)
    M = math.exp(-0.05) * np.eye(N) + (1 - math.exp(-0.05)) * J * d[None, :]
    for k, tk in enumerate(t):
        assert np.allclose(flow[k], sla.expm(A * tk)[:, :3], atol=1e-10)
        assert np.allclose(step[k], np.linalg.matrix_power(M, int(round(tk / 0.05)))[:, :3], atol=1e-10)
    assert np.allclose(static_response(J, d, 3), np.linalg.inv(-A)[:, :3], atol=1e-10)


def test_error_scaling_recovers_an_exponent():
    """Exact power law: the fitted exponent and amplitude are recovered, chi^2 = 0."""
    Ns = [100, 200, 400, 800]
    y = [2.0 * n**-0.5 for n in Ns]
    fit = error_scaling(Ns, y, [0.05 * v for v in y])
    assert abs(fit.exponent + 0.5) < 1e-12 and abs(fit.amplitude - 2.0) < 1e-10 and fit.chi2 < 1e-20
    assert abs(fit.exponent_se - 0.05 / math.sqrt(np.var(np.log(Ns)) * 4)) < 1e-12
    with pytest.raises(SpecError):
        error_scaling([100], [0.1], [0.01])


@pytest.fixture(scope="module")
def small():
    """A small noisy network (g = 1.2, sigma2 = 1, N = 100): prediction, simulation and pulse, in-process."""
    run = FixedRun(N=100, g=1.2, sigma2=1.0, trials=2, T=240.0, burn_in=20.0, n_obs=60, windows=(5.0, 10.0),
                   pulse_T=8.0, seed=7)
    return run, _arrays(run)


def test_small_network_checks_pass(small):
    """Pairs (attenuated correlation, slope), PR/N, diagonal, gains, pulse and the exact identity all pass."""
    run, arrays = small
    comps = fixed_comparisons(arrays, run, zero_frequency=True) + exact_comparisons(arrays, run)
    assert len(comps) == 14
    assert {c.kind for c in comps} == {"simulation", "exact"}
    for c in comps:
        c.assert_ok()
    assert arrays["sim_cov_x"].shape == (60, 60) and arrays["pulse_integral"].shape == (100, 2, 8)


def test_baseline_is_worse_than_the_theory(small):
    """The disorder-averaged DMFT (0 off-diagonal) has a larger rms pair error than the prediction."""
    run, arrays = small
    b = baseline(pair_agreements(arrays, run)["x"])
    assert b["rms_baseline"] > b["rms_error"] + 2 * b["rms_error_se"]


def test_refused_network_is_stored_as_a_message():
    """The theory refuses an unstable linear-equivalent system: the job returns the message, not an error."""
    run = FixedRun(N=500, g=1.5, sigma2=0.0, trials=1, n_blocks=4, T=40.0, n_obs=20, seed=7)
    out = fixed_samples(fixed_job(run).params)
    assert set(out) == {"refused"} and "unstable" in str(out["refused"])
    assert network_of(run).J.shape == (500, 500)


@pytest.mark.slow
def test_checked_network_passes_at_report_size():
    """g = 1.2, sigma2 = 1, N = 500, 4 x 1000: every pair, PR/N, diagonal, gain and pulse check passes."""
    run = FixedRun(N=500, g=1.2, sigma2=1.0, seed=7)
    arrays = _arrays(run)
    for c in fixed_comparisons(arrays, run, zero_frequency=True) + exact_comparisons(arrays, run):
        c.assert_ok()


def test_pulse_propagator_is_the_fourier_pair_of_the_theory_response():
    """The Fourier transform of exp((J D - 1) t) e_j, V (1 + i w - Lambda)^-1 V^-1 e_j, equals the theory's
    response_at(w); its integral equals the static response (the same network, the theory's gains)."""
    from workbench.sim.network import build_network
    from workbench.spec import ModelSpec
    from workbench.theories.fixed import predict

    J = build_network(ModelSpec.simple(N=60, g=1.2, phi="tanh", sigma2=1.0), 3).J
    res = predict(J, "tanh", 1.0)
    lam, V = np.linalg.eig(J * np.asarray(res.gains)[None, :])
    W = np.linalg.inv(V)
    for w in (0.0, 0.7, 3.0):
        ft = (V / (1 + 1j * w - lam)[None, :]) @ W
        assert np.allclose(np.asarray(res.response_at(w)), ft, atol=1e-9)
    assert np.allclose(static_response(J, res.gains, 60), np.asarray(res.response), atol=1e-9)


def _tanh_network(N: int = 80, g: float = 1.2, sigma2: float = 0.5, seed: int = 3):
    """A small noisy tanh network and its per-neuron prediction."""
    from workbench.sim.network import build_network
    from workbench.spec import ModelSpec
    from workbench.theories.fixed import predict

    J = build_network(ModelSpec.simple(N=N, g=g, phi="tanh", sigma2=sigma2), seed).J
    return J, predict(J, "tanh", sigma2)


def test_linear_equivalent_flow_is_the_prediction():
    """The mode-pair lag sums of the flow reproduce the solver's equal-time C^x (round-off) and C^phi (within the
    exponential-fit error of the residual spectra, which enter C^phi through coef_r here and coef_phi there)."""
    J, res = _tanh_network()
    le = linear_equivalent_covariances(J, res.site, 0.5)
    assert np.max(np.abs(le["cov_x"] - res.cov_x)) < 1e-10 * np.max(np.abs(res.cov_x))
    assert np.max(np.abs(le["cov_phi"] - res.cov_phi)) < 2e-3 * np.max(np.abs(res.cov_phi))


@pytest.mark.parametrize("method", ["exp", "euler"])
def test_step_map_of_a_linear_network_is_the_discrete_lyapunov_solution(method):
    """phi(x) = x: the step map's covariance solves C = M C M^T + nf^2 I with M = a + b J (exact, both integrators)."""
    from workbench.sim.simulator import step_coefficients
    from workbench.theories.fixed import predict

    rng = np.random.default_rng(1)
    N, dt = 50, 0.1
    J = rng.standard_normal((N, N)) * 0.7 / math.sqrt(N)
    res = predict(J, "x", 1.0)
    a, b, nf = (float(v[0]) for v in step_coefficients(np.ones(1), dt, 1.0, method, True))
    C = sla.solve_discrete_lyapunov(a * np.eye(N) + b * J, nf**2 * np.eye(N))
    step = linear_equivalent_covariances(J, res.site, 1.0, dt, method)
    assert np.allclose(step["cov_x"], C, atol=1e-12) and np.allclose(step["cov_phi"], C, atol=1e-12)


def test_step_bias_is_first_order_in_dt():
    """The time-step bias of the off-diagonal pairs halves with dt (O(dt)) and lowers the pair covariances (slope
    of flow + bias on the flow below 1, by about dt/2 at g_eff ~ 0.8)."""
    J, res = _tanh_network()
    iu = np.triu_indices(J.shape[0], 1)
    b1, b2 = (step_bias(J, res.site, 0.5, dt)["cov_x"][iu] for dt in (0.05, 0.025))
    assert np.linalg.norm(b1 - 2 * b2) < 0.05 * np.linalg.norm(b1)
    p = res.cov_x[iu] - res.cov_x[iu].mean()
    slope = 1 + p @ b1 / (p @ p)
    assert 0.97 < slope < 0.995


@pytest.mark.parametrize("dt", [None, 0.1])
def test_linear_equivalent_with_a_coloured_residual_is_the_augmented_lyapunov_solution(dt):
    """One exponential residual (rate gamma, amplitude c) is an OU / AR(1) state: the covariances of the flow
    (continuous Lyapunov) and of the exponential-Euler step map (discrete Lyapunov) of the augmented state (x, r)
    equal the closed-form mode-pair lag sums, x and phi = D x + r."""
    from types import SimpleNamespace

    from workbench.sim.simulator import step_coefficients

    rng = np.random.default_rng(2)
    N, gam, c, s2 = 30, 0.7, 0.3, 0.5
    J = rng.standard_normal((N, N)) * 0.9 / math.sqrt(N)
    d = rng.uniform(0.6, 0.9, N)
    site = SimpleNamespace(d=d, rates=np.array([gam]), coef_r=np.array([[c]]), weights=np.ones((N, 1)))
    I, Z = np.eye(N), np.zeros((N, N))
    if dt is None:
        A = np.block([[J * d[None, :] - I, J], [Z, -gam * I]])
        C = sla.solve_continuous_lyapunov(A, -np.block([[s2 * I, Z], [Z, 2 * gam * c * I]]))
    else:
        a, b, nf = (float(v[0]) for v in step_coefficients(np.ones(1), dt, s2, "exp", True))
        rho = math.exp(-gam * dt)
        M = np.block([[a * I + b * J * d[None, :], b * J], [Z, rho * I]])
        C = sla.solve_discrete_lyapunov(M, np.block([[nf**2 * I, Z], [Z, c * (1 - rho**2) * I]]))
    DX = d[:, None] * C[:N, N:]
    phi = d[:, None] * C[:N, :N] * d[None, :] + DX + DX.T + C[N:, N:]
    le = linear_equivalent_covariances(J, site, s2, dt)
    assert np.allclose(le["cov_x"], C[:N, :N], atol=1e-12) and np.allclose(le["cov_phi"], phi, atol=1e-12)
