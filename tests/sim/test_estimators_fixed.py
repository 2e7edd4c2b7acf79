"""Estimators for the fixed-connectivity validation: gains, block covariances, pair agreement, pulse response."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim.estimators import (
    block_covariances,
    iter_block_covariances,
    long_window_cov,
    neuron_gains,
    pair_agreement,
    pair_moments,
    pulse_response,
)


def test_neuron_gains_per_block():
    """<phi'(x_i)> per time block, averaged over trials: tanh' of known values."""
    x = np.zeros((10, 3, 2))
    x[5:, 1, :] = 1.0
    d = neuron_gains(x, lambda v: 1 - np.tanh(v) ** 2, n_blocks=2)
    assert d.shape == (2, 3)
    assert np.allclose(d[0], 1.0) and np.isclose(d[1, 1], 1 - np.tanh(1.0) ** 2) and np.isclose(d[1, 0], 1.0)
    with pytest.raises(SpecError):
        neuron_gains(x, np.cos, n_blocks=11)


def test_block_covariances_match_direct_estimates():
    """Equal-time blocks are (1/L) X^T X per (trial, block), trial-major; zero-frequency blocks equal
    long_window_cov with known mean 0 (up to its ddof); the generator yields the same matrices."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4, 2))
    C = block_covariances(x, 2)
    assert C.shape == (4, 4, 4)
    assert np.allclose(C[3], x[20:, :, 1].T @ x[20:, :, 1] / 20)
    assert np.allclose(np.array(list(iter_block_covariances(x, 2))), C)
    Z = block_covariances(x, 2, covariance="zero-frequency", dt=0.5, window=2.0)
    m = x[:20, :, 0].reshape(5, 4, 4).mean(axis=1)
    assert np.allclose(Z[0], 2.0 * m.T @ m / 5)
    ref = long_window_cov(x[:20, :, :1] - 0.0, dt=0.5, window=2.0)
    assert Z[0].shape == ref.shape
    with pytest.raises(SpecError, match="window"):
        block_covariances(x, 2, covariance="zero-frequency", dt=0.5, window=8.0)


def _synthetic(n=60, B=12, noise=0.5, seed=1):
    """A symmetric 'true' matrix and B noisy block estimates of it."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    P = (A + A.T) / 2
    E = rng.standard_normal((B, n, n)) * noise
    return P, P[None] + (E + E.transpose(0, 2, 1)) / np.sqrt(2)


def test_pair_agreement_attenuation_and_slope():
    """A perfect prediction: the correlation equals the attenuation sqrt(1 - v/var s) within its SE, the slope is 1,
    the noise-corrected error is 0 and the baseline rms is the rms of the truth (noise subtracted)."""
    P, S = _synthetic()
    a = pair_agreement(P, S)
    v_true = 0.25 / 12
    assert abs(a.noise_var - v_true) < 0.1 * v_true
    assert abs(a.corr - a.attenuation) < 4 * a.se["corr_minus_attenuation"]
    assert abs(a.slope - 1) < 4 * a.se["slope"]
    assert a.rel_error < 4 * a.se["rel_error"] + 0.02 and abs(a.rel_error2) < 4 * a.se["rel_error2"]
    rms = np.sqrt(np.mean(P[np.triu_indices(60, 1)] ** 2))
    assert abs(a.rms_baseline - rms) < 4 * a.se["rms_baseline"]
    half = pair_agreement(0.5 * P, S)
    assert abs(half.slope - 2) < 4 * half.se["slope"] and abs(half.rel_error - 1) < 4 * half.se["rel_error"]


def test_pair_moments_streamed_equal_array():
    """Moments from a generator equal those from the stacked array; bad shapes are refused."""
    P, S = _synthetic(n=10, B=4)
    m1, m2 = pair_moments(P, S), pair_moments(P, iter(list(S)))
    assert all(np.allclose(m1[k], m2[k]) for k in m1)
    with pytest.raises(SpecError):
        pair_moments(P, S[:2])
    with pytest.raises(SpecError):
        pair_moments(P, S[:, :5, :5])


def test_pulse_response_linear_noiseless_is_the_step_propagator():
    """Linear network without noise: (x_kicked - x) / eps is exactly (a + b J)^k e_j of the exponential step."""
    from workbench.sim.network import build_network
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=30, g=0.6, phi="linear", sigma2=0.0)
    net = build_network(spec, 2)
    x0 = np.random.default_rng(3).standard_normal((30, 2))
    t, R = pulse_response(net, x0, [4, 7], T=3.0, dt=0.1, eps=0.01, stride=5, seed=0)
    a = np.exp(-0.1)
    M = a * np.eye(30) + (1 - a) * net.J
    for k, tk in enumerate(t):
        Mk = np.linalg.matrix_power(M, int(round(tk / 0.1)))
        assert np.allclose(R[k, :, 0, 1], Mk[:, 4], atol=1e-9) and np.allclose(R[k, :, 1, 0], Mk[:, 7], atol=1e-9)
    with pytest.raises(SpecError):
        pulse_response(net, x0, [30], T=1.0, dt=0.1)
