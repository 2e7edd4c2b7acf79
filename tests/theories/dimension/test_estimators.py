"""Cross-block dimension estimators on a linear network whose covariance is known exactly.

The synthetic data are the exact discretisation of a linear network, x(n+1) = A x(n) + sqrt(h) xi(n) with
A = (1 - h) 1 + h J, started in its stationary law: its equal-time covariance S solves the discrete Lyapunov
equation S = A S A^T + h 1, and its zero-frequency covariance (time unit h) is exactly
h sum_k Gamma(k) = (1 - J)^{-1} (1 - J)^{-T} (Hu-Sompolinsky's C; notes dmft.md 6.1).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from workbench.compare import student_k
from workbench.errors import SpecError
from workbench.sim.estimators import (
    DIMENSION_KEYS,
    cross_block_dimension,
    cross_cov_stats,
    dimension_stats,
    naive_dimension,
    participation_ratio,
)

N, G, H, K, STEPS, BLOCKS = 200, 0.5, 0.5, 4, 8000, 8
"""Neurons, coupling g, step h (the time unit), trials, steps per trial, blocks per trial: N tau_c / T ~ 0.1."""


def ar1_network(
    seed: int, noise_seed: int | None = None, N: int = N, g: float = G, h: float = H, K: int = K, steps: int = STEPS
):
    """``(traj, S, C0)``: stationary trajectories (steps, N, K) of the discretised linear network drawn from
    ``seed`` (noise from ``noise_seed``, default ``seed``), its exact equal-time covariance S and exact
    zero-frequency covariance C0."""
    rng = np.random.default_rng(seed)
    J = rng.normal(0.0, g / np.sqrt(N), (N, N))
    if noise_seed is not None:
        rng = np.random.default_rng(noise_seed)
    A = (1 - h) * np.eye(N) + h * J
    S = sla.solve_discrete_lyapunov(A, h * np.eye(N))
    B = np.linalg.inv(np.eye(N) - J)
    x = np.linalg.cholesky(S) @ rng.standard_normal((N, K))
    out = np.empty((steps, N, K))
    for n in range(steps):
        x = A @ x + np.sqrt(h) * rng.standard_normal((N, K))
        out[n] = x
    return out, S, B @ B.T


@pytest.fixture(scope="module")
def linear_data():
    """One network, 4 trials of 8000 steps."""
    return ar1_network(1)


def z_score(est, exact: dict[str, float], key: str) -> float:
    """Deviation of a cross-block estimate from the exact value in jackknife SEs."""
    return (est.values[key] - exact[key]) / est.se[key]


def test_dimension_stats_identity_and_legacy():
    """PR/N = a^2 / (a^2 + var_diag + (N - 1)(c^2 + var_cross)) exactly; agrees with participation_ratio."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 30)) + 0.3
    C = X.T @ X / 50
    s = dimension_stats(C)
    n = C.shape[0]
    ident = s["mean_autocov"] ** 2 / (
        s["mean_autocov"] ** 2 + s["var_diag"] + (n - 1) * (s["mean_cross"] ** 2 + s["N_var_cross"] / n)
    )
    assert s["PR_over_N"] == pytest.approx(ident, rel=1e-12)
    assert s["PR_over_N"] * n == pytest.approx(participation_ratio(C), rel=1e-12)
    legacy = cross_cov_stats(C)
    assert s["N_var_cross"] == pytest.approx(legacy["N_delta_c2"], rel=1e-10)
    assert s["mean_cross"] == pytest.approx(legacy["c_bar"], rel=1e-10)


def test_equal_time_cross_block_unbiased_naive_biased(linear_data):
    """Equal-time: cross-block estimates within k SE of the exact S; the naive PR/N is low by > 5 SE."""
    traj, S, _ = linear_data
    exact = dimension_stats(S)
    est = cross_block_dimension(traj, BLOCKS)
    k = student_k(dof=est.dof)
    for key in DIMENSION_KEYS:
        assert abs(z_score(est, exact, key)) < k, (key, est.values[key], exact[key], est.se[key])
    naive = naive_dimension(traj)
    assert (exact["PR_over_N"] - naive["PR_over_N"]) / est.se["PR_over_N"] > 5
    assert (naive["N_var_cross"] - exact["N_var_cross"]) / est.se["N_var_cross"] > 5


def test_zero_frequency_richardson_unbiased(linear_data):
    """Zero-frequency: the Richardson (W, 2W) cross-block estimate is within k SE of (1-J)^{-1}(1-J)^{-T};
    a single window (bias -(1/W) int |tau| C) and the naive estimate of the autocovariance are off by > 5 SE."""
    traj, _, C0 = linear_data
    exact = dimension_stats(C0)
    kw = dict(covariance="zero-frequency", dt=H, window=20 * H)
    est = cross_block_dimension(traj, BLOCKS, **kw)
    k = student_k(dof=est.dof)
    for key in DIMENSION_KEYS:
        assert abs(z_score(est, exact, key)) < k, (key, est.values[key], exact[key], est.se[key])
    one_window = cross_block_dimension(traj, BLOCKS, richardson=False, **kw)
    assert abs(one_window.values["mean_autocov"] - exact["mean_autocov"]) / est.se["mean_autocov"] > 5
    naive = naive_dimension(traj, **kw)
    assert abs(naive["mean_autocov"] - exact["mean_autocov"]) / est.se["mean_autocov"] > 5


def test_grand_mean_centring(linear_data):
    """``mean=None`` (grand mean per neuron) on shifted data agrees with the known-mean estimate to << 1 SE."""
    traj = linear_data[0][:, :100]
    shift = np.linspace(-1, 1, 100)[None, :, None]
    known = cross_block_dimension(traj, BLOCKS)
    centred = cross_block_dimension(traj + shift, BLOCKS, mean=None)
    per_neuron = cross_block_dimension(traj + shift, BLOCKS, mean=shift[0, :, 0])
    for key in ("PR_over_N", "mean_autocov", "N_var_cross"):
        assert abs(centred.values[key] - known.values[key]) < 0.2 * known.se[key]
        assert per_neuron.values[key] == pytest.approx(known.values[key], rel=1e-9)


def test_per_trial_centring(linear_data):
    """Trials in different states (a symmetry-broken mean of opposite sign per trial): ``"per-trial"`` centring
    agrees with the known-mean estimate to < 0.5 SE, the grand mean does not; an unknown string is refused."""
    traj = linear_data[0][:, :100]
    offset = np.array([1.5, -1.5, 1.5, -1.5])[None, None, : traj.shape[2]]
    known = cross_block_dimension(traj, BLOCKS)
    per_trial = cross_block_dimension(traj + offset, BLOCKS, mean="per-trial")
    grand = cross_block_dimension(traj + offset, BLOCKS, mean=None)
    for key in ("PR_over_N", "mean_autocov", "N_var_cross"):  # centring bias O(tau_c / T_trial): 4x the grand mean's
        assert abs(per_trial.values[key] - known.values[key]) < 0.5 * known.se[key]
    assert grand.values["mean_autocov"] > known.values["mean_autocov"] + 10 * known.se["mean_autocov"]
    with pytest.raises(SpecError):
        cross_block_dimension(traj, BLOCKS, mean="per-neuron")


def test_zero_frequency_estimated_mean_terms_are_removed(linear_data):
    """Zero frequency with an estimated mean (grand or per trial): the removed terms (CentringCorrection: the linear
    bias -3 window / T and the blocks' common centring error in the squared terms) bring the estimates onto the
    known-mean ones. Measured here: mean autocovariance -0.26 SE (grand) and -0.84 SE (per trial, trials of 4000)
    before, -0.04 and +0.07 SE after; on 40 synthetic OU data sets (N = 100, 2 trials of T = 1000, window 12.5) the
    paired grand-mean bias -1.8 % (37 SE) became +0.07 +- 0.05 %, and in a logistic network (N = 500, 16 networks)
    N var_cross was 7 times its value (0.019 against 0.0027)."""
    traj = linear_data[0][:, :100]
    shift = np.linspace(-1, 1, 100)[None, :, None]
    offset = np.array([1.5, -1.5, 1.5, -1.5])[None, None, : traj.shape[2]]
    kw = dict(covariance="zero-frequency", dt=H, window=20 * H)
    known = cross_block_dimension(traj, BLOCKS, **kw)
    grand = cross_block_dimension(traj + shift, BLOCKS, mean=None, **kw)
    per_trial = cross_block_dimension(traj + shift + offset, BLOCKS, mean="per-trial", **kw)
    for key in ("PR_over_N", "mean_autocov", "N_var_cross"):
        assert abs(grand.values[key] - known.values[key]) < 0.15 * known.se[key], key
        assert abs(per_trial.values[key] - known.values[key]) < 0.3 * known.se[key], key
    assert abs(grand.values["mean_autocov"] - known.values["mean_autocov"]) < 0.1 * known.se["mean_autocov"]
    c = per_trial.info["centring_kappa"] / per_trial.info["centring_span"]
    assert c == pytest.approx(3 * 20 * H / (STEPS * H))
    assert c * known.values["mean_autocov"] > 0.8 * known.se["mean_autocov"]  # what was removed: 0.9 SE
    assert "centring_kappa" not in known.info


def test_summary_and_bad_input(linear_data):
    """The summary is plain data; bad covariance kinds, block counts and windows are one-line SpecErrors."""
    traj, _, _ = linear_data
    est = cross_block_dimension(traj[:800, :20], 4)
    s = est.summary()
    assert s["n_blocks"] == 16 and s["PR_over_N_se"] > 0 and s["covariance"] == "equal-time"
    with pytest.raises(SpecError, match="covariance"):
        cross_block_dimension(traj[:100, :10], 4, covariance="spectral")
    with pytest.raises(SpecError, match="n_blocks"):
        cross_block_dimension(traj[:100, :10, :1], 2)
    with pytest.raises(SpecError, match="window"):
        cross_block_dimension(traj[:100, :10], 4, covariance="zero-frequency", dt=H, window=10.0)
    with pytest.raises(SpecError, match="mean"):
        cross_block_dimension(traj[:100, :10], 4, mean=np.zeros(3))


@pytest.mark.slow
def test_jackknife_se_calibrated():
    """Over 16 independent noise realisations of one network, the z-scores of PR/N and N_var_cross against the exact
    equal-time values have mean square ~ 1 (chi^2 with 16 dof within its 1e-4 quantiles)."""
    from scipy import stats

    z = {"PR_over_N": [], "N_var_cross": []}
    for rep in range(16):
        traj, S, _ = ar1_network(1, noise_seed=1000 + rep, K=2, steps=4000)
        exact = dimension_stats(S)
        est = cross_block_dimension(traj, BLOCKS)
        for key in z:
            z[key].append(z_score(est, exact, key))
    lo, hi = stats.chi2.ppf([1e-4, 1 - 1e-4], 16)
    for key, v in z.items():
        chi2 = float(np.sum(np.square(v)))
        assert lo < chi2 < hi, (key, chi2, v)

