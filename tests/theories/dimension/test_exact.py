"""The modal (one eigendecomposition) exact covariances of a linear network against the Schur-based reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.theories.dimension import exact


def _J(N: int, g: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, g / math.sqrt(N), (N, N))


def _close(A: np.ndarray, B: np.ndarray) -> None:
    assert np.max(np.abs(A - B)) <= 1e-10 * np.max(np.abs(B))


@pytest.mark.parametrize("tau_noise, input_var", [(0.0, 0.0), (0.7, 0.0), (0.0, 0.4), (1.5, 0.3)])
def test_equal_time_flow_matches_lyapunov(tau_noise: float, input_var: float) -> None:
    J = _J(60, 0.8, 1)
    _close(exact.equal_time_covariance(J, 1.3, tau_noise, input_var),
           exact.equal_time_covariance_reference(J, 1.3, tau_noise, input_var))


def test_zero_frequency_flow_matches_the_inverse() -> None:
    J = _J(50, 0.7, 6)
    W = np.linalg.inv(np.eye(50) - J)
    _close(exact.zero_frequency_covariance(J, 1.7), 1.7 * W @ W.T)


@pytest.mark.parametrize("richardson", [True, False])
def test_windowed_matches_expm(richardson: bool) -> None:
    J = _J(50, 0.6, 2)
    _close(exact.windowed_covariance(J, 0.9, 3.0, richardson), exact.windowed_covariance_reference(J, 0.9, 3.0, richardson))


@pytest.mark.parametrize("covariance, tau_noise", [("equal-time", 0.0), ("zero-frequency", 0.0), ("equal-time", 0.8)])
def test_steps_match_discrete_lyapunov(covariance: str, tau_noise: float) -> None:
    J = _J(60, 0.9, 3)
    dt = 0.05
    a, b = math.exp(-dt), 1.0 - math.exp(-dt)
    nf = math.sqrt(0.5 * (1.0 - math.exp(-2 * dt)))
    args = (a, b, nf, covariance, 10, 10 * dt, 1.0, dt, tau_noise)
    _close(exact.step_covariances(J, *args), exact.step_covariances_reference(J, *args))


@pytest.mark.parametrize("window", [2.5, 12.5])
def test_windowed_step_covariances(window: float) -> None:
    """What the finite-window estimator measures on the simulator's samples: the modal closed form of the window
    means' lag sums equals the term-by-term sum and tends to the w = 0 covariance for a long window; it exceeds the
    flow's windowed covariance by the sampling cusp (Delta^2/12 per unit of the autocovariance's cusp) when the
    window is long beside the decay time, and by less for a short one (the weights' own kinks at W and 2W are
    sampled too: 0.87 of the cusp at W = 2.5)."""
    J = _J(50, 0.8, 7)
    dt = 0.05
    a, b = math.exp(-dt), 1.0 - math.exp(-dt)
    nf = math.sqrt(0.5 * (1.0 - math.exp(-2 * dt)))
    args = (a, b, nf, "zero-frequency", 10, 10 * dt, 1.0, dt, 0.0)
    got = exact.step_covariances(J, *args, window=window)
    _close(got, exact.step_covariances_reference(J, *args, window=window))
    _close(exact.step_covariances(J, *args, window=4000.0), exact.step_covariances(J, *args))
    flow = exact.windowed_covariance(J, 1.0, window)
    cusp = (10 * dt) ** 2 / 12  # Delta^2/12 times the cusp 1 (sigma2 = 1) of each unit's autocovariance
    shift = np.mean(np.diag(got) - np.diag(flow))
    assert shift == pytest.approx(cusp, rel=0.05) if window > 10 else 0.8 * cusp < shift < cusp


def test_one_basis_serves_every_covariance_and_defective_J_falls_back() -> None:
    J = _J(40, 0.7, 4)
    basis = exact.ModalBasis(J)
    assert basis.usable
    _close(exact.equal_time_covariance(basis, 2.0), exact.equal_time_covariance_reference(J, 2.0))
    # a Jordan block: no eigenvector basis, the Schur-based reference answers
    D = 0.3 * np.eye(6) + np.diag(np.ones(5), 1)
    assert not exact.ModalBasis(D).usable
    _close(exact.equal_time_covariance(D, 1.0), exact.equal_time_covariance_reference(D, 1.0))


def test_steps_refuse_what_they_do_not_cover() -> None:
    from workbench.errors import SpecError

    J = _J(10, 0.5, 5)
    with pytest.raises(SpecError, match="covariance"):
        exact.step_covariances(J, 0.9, 0.1, 0.1, "zero-frequency", tau_noise=1.0)
    with pytest.raises(SpecError, match="covariance"):
        exact.step_covariances(J, 0.9, 0.1, 0.1, "lagged")


@settings(max_examples=40, deadline=None)
@given(N=st.integers(2, 24), g=st.floats(0.0, 0.95), seed=st.integers(0, 2**16), sigma2=st.floats(0.1, 3.0),
       tau_noise=st.sampled_from([0.0, 0.3, 2.0]), dt=st.sampled_from([0.01, 0.05, 0.2]))
def test_modal_matches_reference_on_random_networks(N: int, g: float, seed: int, sigma2: float, tau_noise: float,
                                                    dt: float) -> None:
    """Any size, coupling, noise and step: the modal covariances equal the Schur-based ones."""
    J = _J(N, g, seed)
    _close(exact.equal_time_covariance(J, sigma2, tau_noise), exact.equal_time_covariance_reference(J, sigma2, tau_noise))
    a, b = math.exp(-dt), 1.0 - math.exp(-dt)
    nf = math.sqrt(sigma2 * (1.0 - math.exp(-2 * dt)) / 2)
    kinds = ["equal-time"] if tau_noise > 0 else ["equal-time", "zero-frequency"]
    for covariance in kinds:
        args = (a, b, nf, covariance, 5, 5 * dt, sigma2, dt, tau_noise)
        _close(exact.step_covariances(J, *args), exact.step_covariances_reference(J, *args))


def test_smith_doubling_solves_the_lyapunov_equation() -> None:
    """``(M - 1) C + C (M - 1)^T + sigma2 = 0`` to round-off for a non-normal M with unequal column gains, as the
    Schur-based reference; an unstable M is refused."""
    rng = np.random.default_rng(3)
    N = 80
    M = rng.standard_normal((N, N)) * 0.9 / np.sqrt(N) * rng.uniform(0.3, 1.0, N)[None, :]
    C = exact.equal_time_covariance_doubling(M, 0.7)
    A = M - np.eye(N)
    np.testing.assert_allclose(A @ C + C @ A.T, -0.7 * np.eye(N), atol=1e-12)
    np.testing.assert_allclose(C, C.T, atol=0)
    np.testing.assert_allclose(C, exact.equal_time_covariance_reference(M, 0.7), rtol=1e-10, atol=1e-13)
    with pytest.raises(Exception, match="converge"):
        exact.equal_time_covariance_doubling(1.5 * np.eye(3), 1.0, max_doublings=5)
