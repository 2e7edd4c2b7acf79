"""The dimension theory against batched simulations (cross-block estimates, stored runs).

Linear white-noise network ``dx = (-x + J x) dt + dW`` (sigma2 = 1, g = 0.5): the theory is ``solve_linear``
(notes dmft.md 6); the exact covariance of each simulated J gives the time-step and sampling biases. The
nonlinear check is tanh with white noise (g = 1.2, sigma2 = 1, g_eff ~ 0.77) against ``solve_nonlinear``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np
import pytest

from workbench.compare import student_k
from workbench.errors import SpecError
from workbench.spec import ModelSpec
from workbench.store import RunStore
from workbench.theories.dimension.checks import (
    DimensionRun,
    dimension_comparisons,
    dimension_job,
    exact_comparisons,
    finite_size_comparison,
    finite_size_study,
    linear_network_measure,
    quenched_spread,
    redrawn_comparisons,
)
from workbench.theories.jobs import run_jobs

G, SIGMA2 = 0.5, 1.0
LINEAR = ModelSpec.simple(N=150, g=G, phi="linear", sigma2=SIGMA2)
SMALL = DimensionRun(N=150, networks=6, trials=2, T=400.0, n_blocks=8, seed=3)
"""Fast: 6 networks of N = 150, 2 trials of T = 400 (after 40 burn-in), dt = 0.05, samples every 0.5."""


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The stored equal-time run of SMALL (computed once, then loaded from the store)."""
    store = RunStore(tmp_path_factory.mktemp("runs"))
    job = dimension_job(LINEAR, SMALL)
    first = run_jobs([job], store)[job]
    again = run_jobs([job], store)[job]
    assert not first.reused and again.reused
    return again.arrays


def _linear(g: float, covariance: str):
    """solve_linear at (g, sigma2 = 1)."""
    from workbench.theories.dimension.linear import solve_linear

    return solve_linear(g, SIGMA2, covariance=covariance)


def test_linear_equal_time_small(small_run):
    """Cross-block estimates of 6 networks agree with the theory (time-step bias added) and, paired, with the
    exact covariance of each simulated J; a theory at g = 0.55 instead of 0.5 is rejected (power)."""
    for c in dimension_comparisons(_linear(G, "equal-time"), small_run, SMALL, which=("x", "phi")):
        c.assert_ok()
    for c in exact_comparisons(small_run, SMALL):
        c.assert_ok()
    wrong = dimension_comparisons(_linear(0.55, "equal-time"), small_run, SMALL, which=("x",))
    assert not {c.quantity: c.ok for c in wrong}["PR_over_N_x"]


def test_quenched_spread_and_context(small_run):
    """The spread summary is finite; every comparison states N, networks, trials, T, dt and the seed."""
    spread = quenched_spread(small_run)
    assert spread["PR_over_N"]["se_within"] > 0 and math.isfinite(spread["PR_over_N"]["sd_quenched"])
    c = dimension_comparisons(_linear(G, "equal-time"), small_run, SMALL, which=("x",))[0]
    assert {"N", "networks", "trials", "T", "dt", "seed"} <= set(c.context)
    assert "t_nu" in c.reason and "time-step" in c.reason


def test_bad_settings():
    """Bad run settings and covariance kinds are one-line SpecErrors."""
    with pytest.raises(SpecError, match="sample_every"):
        DimensionRun(dt=0.05, sample_every=0.52)
    with pytest.raises(SpecError, match="run"):
        DimensionRun(networks=1)
    with pytest.raises(SpecError, match="covariance"):
        dimension_job(LINEAR, SMALL, covariance="spectral")


def test_finite_size_study_exact_linear():
    """Exact zero-frequency covariances of drawn linear networks (N = 100, 200, 400; 6 each): the fitted
    N -> infinity intercept of PR/N agrees with (1 - g^2)^2."""
    study = finite_size_study(linear_network_measure(G, covariance="zero-frequency"), (100, 200, 400), 6,
                              "PR_over_N")
    finite_size_comparison(study, (1 - G**2) ** 2).assert_ok()
    assert study.summary()["se_c"] > 0


# ----------------------------------------------------------------------------------------------
# heavy checks with power

BIG = DimensionRun(N=400, networks=8, trials=4, T=2000.0, n_blocks=8, window=12.5, seed=11)
"""8 networks of N = 400, 4 trials of T = 2000 each, dt = 0.05, samples every 0.5."""
RUNS = {"equal-time": BIG, "zero-frequency": replace(BIG, T=4000.0)}
"""Zero-frequency estimates (window means) are noisier: twice the duration."""
POWER = {"equal-time": 0.05, "zero-frequency": 0.06}
"""Largest relative tolerance of PR/N each linear check must reach (zero-frequency measured: 5.0 %)."""


@pytest.mark.slow
@pytest.mark.parametrize("covariance", ["equal-time", "zero-frequency"])
def test_linear_big(covariance, tmp_path):
    """N = 400, 8 networks: theory (+ exact time-step and sampling bias) within k SE; the PR/N tolerance is
    below :data:`POWER`."""
    run = RUNS[covariance]
    spec = LINEAR.replace(N=run.N)
    job = dimension_job(spec, run, covariance)
    arrays = run_jobs([job], RunStore(tmp_path))[job].arrays
    checks = dimension_comparisons(_linear(G, covariance), arrays, run) + exact_comparisons(arrays, run)
    for c in checks:
        c.assert_ok()
    pr = next(c for c in checks if c.quantity == "PR_over_N_x")
    assert pr.rel_tolerance < POWER[covariance], pr


@pytest.mark.slow
def test_redrawn_couplings_annealed(tmp_path):
    """Couplings redrawn every block: PR/N -> 1 and N var_cross -> 0 (annealed), against the quenched run's
    PR/N = 0.85 and N var_cross = 0.06 of the same ensemble."""
    spec = LINEAR.replace(N=300)
    run = DimensionRun(N=300, networks=6, trials=2, T=1000.0, n_blocks=8, seed=5)
    jobs = [dimension_job(spec, run), dimension_job(spec, run, redraw=True)]
    got = run_jobs(jobs, RunStore(tmp_path))
    for c in redrawn_comparisons(_linear(G, "equal-time"), got[jobs[1]].arrays, run):
        c.assert_ok()
    quenched = got[jobs[0]].arrays["x"][:, 0]
    assert quenched.mean() < 0.9


@pytest.mark.slow
def test_tanh_noise_equal_time(tmp_path):
    """tanh, g = 1.2, sigma2 = 1 (g_eff = 0.77), N = 400, 8 networks, dt = 0.025: the two-site cavity theory
    of x and phi within k SE; the variance's DMFT time-step bias (exponential Euler) is added to the prediction."""
    from workbench.theories.dimension.nonlinear import solve_nonlinear
    from workbench.theories.dmft.discrete import euler_bias

    spec = ModelSpec.simple(N=400, g=1.2, phi="tanh", sigma2=1.0)
    run = DimensionRun(N=400, networks=8, trials=4, T=1000.0, dt=0.025, n_blocks=8, seed=21)
    job = dimension_job(spec, run)
    arrays = run_jobs([job], RunStore(tmp_path))[job].arrays
    bias = {"x": {"mean_autocov": -euler_bias(spec, run.dt, "exp")}}
    checks = dimension_comparisons(solve_nonlinear(spec), arrays, run, biases=bias,
                                   bias_reason="DMFT time-step bias of Delta0")
    for c in checks:
        c.assert_ok()
    assert student_k(dof=run.networks - 1) < 10 and np.isfinite([c.tolerance for c in checks]).all()


def test_sampling_bias_matches_exact_linear():
    """Zero-frequency from samples Delta = 0.5 apart: the cusp formula Delta^2 sigma2 / 12 for the mean
    autocovariance (and its PR/N shift) matches the exact sampled-minus-flow difference of a drawn network."""
    from workbench.sim import build_network
    from workbench.sim.estimators import DIMENSION_KEYS
    from workbench.theories.dimension.checks import exact_linear_stats, sampling_bias

    run = DimensionRun(N=200, dt=0.05, sample_every=0.5)
    J = build_network(LINEAR.replace(N=200), 1).J
    exact = exact_linear_stats(J, SIGMA2, run, "zero-frequency")
    diff = dict(zip(DIMENSION_KEYS, exact["sampled"] - exact["flow"], strict=True))
    bias = sampling_bias(_linear(G, "zero-frequency"), SIGMA2, run.sample_every, "x")
    assert diff["mean_autocov"] == pytest.approx(bias["mean_autocov"], rel=0.02)
    assert diff["PR_over_N"] == pytest.approx(bias["PR_over_N"], rel=0.1)


@pytest.mark.slow
def test_finite_size_simulated(tmp_path):
    """Simulated PR/N at N = 100, 200, 400 (6 networks each, stored runs): the fitted N -> infinity intercept
    agrees with solve_linear (+ the exact time-step bias), and the fitted 1/N coefficient with the one of the
    exact flow covariances of the same networks (k SE of the two fits combined: conservative, they share J)."""
    from workbench.compare import compare_stat
    from workbench.theories.dimension.checks import size_jobs, study_from_runs

    Ns = (100, 200, 400)
    run = DimensionRun(N=100, networks=6, trials=2, T=1000.0, n_blocks=8, seed=31)
    jobs = size_jobs(LINEAR, run, Ns)
    got = run_jobs(jobs, RunStore(tmp_path))
    arrays = [got[j].arrays for j in jobs]
    sim = study_from_runs(Ns, arrays, "PR_over_N")
    exact = study_from_runs(Ns, arrays, "PR_over_N", which="exact_flow")
    bias = float(np.mean([(a["exact_sampled"] - a["exact_flow"])[:, 0].mean() for a in arrays]))
    finite_size_comparison(sim, _linear(G, "equal-time").PR_over_N_x + bias).assert_ok()
    se = math.hypot(sim.fit.se_c, exact.fit.se_c)
    compare_stat("1/N coefficient of PR/N", exact.fit.c, sim.fit.c, se, k=student_k(dof=run.networks - 1),
                 kind="simulation").assert_ok()


def test_window_prediction_against_exact_windowed_networks():
    """``--window W`` predicts what the finite-window zero-frequency estimator measures on average. For drawn linear
    networks (g = 0.5, sigma2 = 1; N = 100, 200, 400, 12 networks each) that expectation is exact per network
    (W Cov(W-means), Richardson pair W, 2W: :func:`exact_windowed_covariance`). With a short window, W = 2, the
    windowed statistics are 8-37 % away from the w = 0 ones; each network's windowed-minus-w = 0 difference (the w = 0
    statistics of the same J as a control variate) is fitted to a + c/N, and the intercept agrees with the windowed
    cavity theory minus the w = 0 theory within k SE; the tolerances are 0.4 % (mean autocovariance), 0.6 % (PR/N) and
    6 % (N var_cross, whose network-to-network spread the control variate does not reduce) of the windowed value."""
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    spec = ModelSpec.simple(g=G, phi="linear", sigma2=SIGMA2)
    windowed = solve_nonlinear(spec, covariance="zero-frequency", window=2.0)
    at_zero = solve_nonlinear(spec, covariance="zero-frequency")
    win = linear_network_measure(G, SIGMA2, "zero-frequency", window=2.0)
    zero = linear_network_measure(G, SIGMA2, "zero-frequency")

    @functools.cache
    def shift(N: int, seed: int) -> dict[str, float]:
        w, z = win(N, seed), zero(N, seed)
        return {k: w[k] - z[k] for k in w}

    for key in ("mean_autocov", "N_var_cross", "PR_over_N"):
        study = finite_size_study(shift, (100, 200, 400), 12, key)
        theory = getattr(windowed, f"{key}_x") - getattr(at_zero, f"{key}_x")
        check = finite_size_comparison(study, theory, label="windowed minus w = 0: ")
        print(check)
        check.assert_ok()
        assert abs(theory) > 0.08 * abs(getattr(at_zero, f"{key}_x"))
        power = 0.07 if key == "N_var_cross" else 0.01
        assert check.tolerance < power * abs(getattr(windowed, f"{key}_x")), check


def test_psi_step_bias_is_first_order_in_dt():
    """The exponential Euler step decorrelates distant frequencies: psi(0, 1.5) of a linear network at g = 0.6
    (samples every 0.25) is 8.4 % low at dt = 0.05 and half that at dt = 0.025; psi(0, 0) is unchanged."""
    from workbench.theories.dimension.frequency_checks import PsiRun, psi_step_bias

    w = np.array([0.0, 1.5])
    b1, b2 = (psi_step_bias(0.6, 1.0, w, PsiRun(dt=dt), seed=5) for dt in (0.05, 0.025))
    assert b1[0, 1] == pytest.approx(-0.084, abs=0.003) and b2[0, 1] == pytest.approx(b1[0, 1] / 2, rel=0.03)
    assert abs(b1[0, 0]) < 1e-3
