"""The frequency-resolved pair estimator against processes whose cross-spectra are known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim.cross_spectrum import cross_spectrum_pairs, pair_function, taper_kernel

W = np.array([0.0, 0.5, 1.5])
DT = 0.25


def _var1(N: int, n: int, K: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A VAR(1) process x <- M x + sqrt(dt) Z with M = exp(dt (J - 1)), J ~ N(0, 0.36/N); its trajectories and M."""
    from scipy.linalg import expm

    rng = np.random.default_rng(seed)
    M = expm(DT * (rng.normal(0.0, 0.6 / math.sqrt(N), (N, N)) - np.eye(N)))
    z, x = np.zeros((N, K)), np.zeros((n, N, K))
    for t in range(-400, n):
        z = M @ z + math.sqrt(DT) * rng.normal(size=(N, K))
        if t >= 0:
            x[t] = z
    return x, M


def test_taper_kernel_is_normalised() -> None:
    """int K dnu / 2 pi = 1 over the Nyquist band."""
    nu = np.linspace(-math.pi / DT, math.pi / DT, 20001)
    K = taper_kernel(nu, 200, DT)
    assert np.sum(K) * (nu[1] - nu[0]) / (2 * math.pi) == pytest.approx(1.0, rel=1e-6)


def test_var1_process_psi_within_standard_errors() -> None:
    """N = 40, 4 trials of 12000 samples: psi and the mean autospectrum agree with the exact spectra of the
    sampled process, S(w) = dt^2 R R^H with R = (1 - M e^{-i w dt})^{-1}, smoothed by the taper kernel
    (within 4.5 jackknife SE, 31 dof)."""
    x, M = _var1(40, 12000, 4, seed=3)
    est = cross_spectrum_pairs(x, W, dt=DT, n_blocks=8, segment_time=50.0)
    u = np.linspace(-math.pi / DT, math.pi / DT, 6001)
    du = u[1] - u[0]
    eye = np.eye(40)
    S = []
    for wk in W:
        K = taper_kernel(wk - u, est.info["segment_samples"], DT) * du / (2 * math.pi)
        sel = K > 1e-9 * K.max()
        R = [np.linalg.inv(eye - M * np.exp(-1j * uu * DT)) for uu in u[sel]]
        S.append(sum(k * DT**2 * r @ r.conj().T for k, r in zip(K[sel], R, strict=True)))
    exact = pair_function(S)
    z = (est.psi - exact) / est.psi_se
    assert np.all(np.abs(z) < 4.5), z
    auto = np.array([np.trace(s).real / 40 for s in S])
    assert np.all(np.abs(est.mean_autospectrum - auto) < 4.5 * est.mean_autospectrum_se)
    assert est.dof == 31 and np.allclose(est.psi, est.psi.T)


def test_noise_squared_bias_is_avoided() -> None:
    """Independent units (psi = 0): the pair estimate is 0 within its SE, while the product of one block's estimate
    with itself would carry the noise squared (about a(w)^2, i.e. N times larger than a 1/N effect)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16000, 30, 2))
    est = cross_spectrum_pairs(x, W, dt=DT, n_blocks=8, segment_time=25.0)
    assert np.all(np.abs(est.psi) < 4.5 * est.psi_se)
    assert est.mean_autospectrum == pytest.approx(np.full(3, DT), rel=0.05)


def test_bad_settings() -> None:
    """One-line SpecErrors naming the parameter."""
    x = np.zeros((1000, 5, 2))
    with pytest.raises(SpecError, match="segment_time"):
        cross_spectrum_pairs(x, W, dt=DT, n_blocks=8, segment_time=100.0)
    with pytest.raises(SpecError, match="w"):
        cross_spectrum_pairs(x, np.array([20.0]), dt=DT)
    with pytest.raises(SpecError, match="traj"):
        cross_spectrum_pairs(np.zeros((100, 1, 2)), W, dt=DT)
