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
    """tanh, g = 1.2, sigma2 = 1 (g_eff = 0.77), N = 400, 8 networks x 4 trials of T = 1000, dt = 0.025, seeds 21 + i,
    each beside its linear twin: the two-site cavity theory of x and phi within k SE of the control-variate means; the
    time-step biases (DMFT one of the variance, fixed-J step map for N var_cross and PR/N) are added to the prediction.
    Power: the tolerances of PR/N and N var_cross are below 3 % and 6 % (measured 0.9-1.3 % for x, with SEs of 0.07 %
    and 0.1 %, under k = 12.3 for the 5 dof of 8 networks and 2 controls). At this precision the underived 1/N terms
    of the nonlinear cross statistics show for phi: N var_cross -0.00106 +- 0.00025 and PR/N +0.0019 +- 0.0004 from
    the large-N values (+ step bias), i.e. coefficients -0.42 +- 0.10 and +0.77 +- 0.17, against -0.46 and +0.37 from
    the linear-equivalent coefficients plus the rests measured in benchmarks/study_dimension_finite_size.py."""
    from workbench.theories.dimension.checks import twinned_job
    from workbench.theories.dimension.nonlinear import solve_nonlinear
    from workbench.theories.dimension.step_bias import white_noise_step_biases

    spec = ModelSpec.simple(N=400, g=1.2, phi="tanh", sigma2=1.0)
    run = DimensionRun(N=400, networks=8, trials=4, T=1000.0, dt=0.025, n_blocks=8, seed=21)
    job = twinned_job(spec, run)
    arrays = run_jobs([job], RunStore(tmp_path))[job].arrays
    res = solve_nonlinear(spec)
    bias = white_noise_step_biases(spec, res, 1.0, run.dt, "exp", seed=run.seed)
    checks = dimension_comparisons(res, arrays, run, biases=bias, bias_reason="time-step bias")
    for c in checks:
        print(c)
        c.assert_ok()
    assert np.isfinite([c.tolerance for c in checks]).all()
    for c in checks:
        if c.quantity.startswith("PR_over_N"):
            assert c.rel_tolerance < 0.03, c
        if c.quantity.startswith("N_var_cross"):
            assert c.rel_tolerance < 0.06, c


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


def test_twin_psi_is_the_twin_flows_pair_function():
    """:func:`twin_psi` of a drawn J: psi(0, 0) is N var_cross of the zero-frequency covariance
    ``sigma2 (1 - a J)^-1 (1 - a J)^-T`` (dimension_stats), psi is Hermitian-symmetric in (w1, w2), and it is a
    function of the network's seed alone (the J the simulator runs)."""
    from workbench.sim.estimators import dimension_stats
    from workbench.theories.dimension.checks import simulated_network
    from workbench.theories.dimension.frequency_checks import twin_psi, twin_psi_samples

    spec = ModelSpec.simple(N=60, g=1.2, phi="tanh", sigma2=0.7)
    J = simulated_network(spec, 11).J
    w = np.array([0.0, 0.5, 2.0])
    psi = twin_psi(J, 0.6, 0.7, w)
    B = np.linalg.inv(np.eye(60) - 0.6 * J)
    assert psi[0, 0] == pytest.approx(dimension_stats(0.7 * B @ B.T)["N_var_cross"], rel=1e-10)
    np.testing.assert_allclose(psi, psi.T, rtol=1e-12)
    assert psi[0, 0] > psi[1, 1] > psi[2, 2] > 0
    np.testing.assert_array_equal(twin_psi_samples(spec, [11], w, 0.6)[0], psi)
    low = twin_psi(J, 0.6, 0.7, w, w_max=0.5)  # only |w| <= w_max: NaN rows and columns elsewhere
    np.testing.assert_allclose(low[:2, :2], psi[:2, :2], rtol=1e-12)
    assert np.isnan(low[2]).all() and np.isnan(low[:, 2]).all()


# ----------------------------------------------------------------------------------------------
# the simulated network and its linear twin (control variate)


def test_exact_statistics_belong_to_the_simulated_network():
    """``exact_sampled`` of a linear run is the exact covariance of the J the simulator ran (the first of the three
    streams it spawns from the seed), so ``exact_comparisons`` really pairs each estimate with its own network."""
    from workbench.sim import simulate
    from workbench.sim.estimators import DIMENSION_KEYS, dimension_stats
    from workbench.theories.dimension.checks import exact_linear_stats, measure_network, simulated_network

    run = DimensionRun(N=40, networks=2, trials=1, T=50.0, seed=0)
    spec = LINEAR.replace(N=40)
    ran = simulate(spec, T=1.0, dt=run.dt, seed=7, record=("traj",)).network.J
    np.testing.assert_array_equal(simulated_network(spec, 7).J, ran)
    got = measure_network(spec, run, "equal-time", 7)
    want = exact_linear_stats(ran, SIGMA2, run, "equal-time")
    np.testing.assert_allclose(got["exact_sampled"], want["sampled"], rtol=1e-12)
    assert set(want) == {"flow", "sampled"}
    assert set(exact_linear_stats(ran, SIGMA2, run, "equal-time", flow=False)) == {"sampled"}
    assert len(DIMENSION_KEYS) == len(dimension_stats(np.eye(3)))


def test_linear_twin_of_a_linear_network_is_itself():
    """The twin of a linear network at gain 1 is the same network with the same noise: identical estimates and exact
    statistics; at gain 0.5 it is a different (weaker-coupled) network."""
    from workbench.theories.dimension.checks import measure_network

    run = DimensionRun(N=50, networks=2, trials=2, T=100.0, seed=0)
    spec = LINEAR.replace(N=50)
    same = measure_network(spec, run, "equal-time", 4, twin_gain=1.0)
    np.testing.assert_array_equal(same["twin"], same["x"])
    np.testing.assert_array_equal(same["twin_exact"], same["exact_sampled"])
    half = measure_network(spec, run, "equal-time", 4, twin_gain=0.5)
    assert half["twin_exact"][0] > same["twin_exact"][0]  # weaker coupling: higher PR/N


def test_controlled_mean_is_unbiased_with_calibrated_se():
    """Synthetic y = 2 + 0.7 c1 + 0.4 c2 + e (E c = 0), 12 per sample, 4000 samples: the intercept is unbiased,
    (estimate - 2) / SE has the Student-t spread of its 9 dof, and the variance falls about tenfold; one control works
    the same way with 10 dof."""
    from workbench.theories.dimension.checks import controlled_mean

    rng = np.random.default_rng(0)
    n, reps = 12, 4000
    c = rng.standard_normal((reps, n, 2))
    y = 2.0 + 0.7 * c[..., 0] + 0.4 * c[..., 1] + 0.25 * rng.standard_normal((reps, n))
    for controls, dof in ((c, 9), (c[..., :1], 10)):
        fits = [controlled_mean(y[r], controls[r]) for r in range(reps)]
        z = np.array([(f.estimate - 2.0) / f.se for f in fits])
        assert abs(z.mean()) < 4 * 1.2 / math.sqrt(reps)
        assert z.std() == pytest.approx(math.sqrt(dof / (dof - 2)), rel=0.05)
        assert all(f.dof == dof for f in fits)
    assert 5 < np.median([f.variance_ratio for f in fits]) < 20 or dof == 10
    fits2 = [controlled_mean(y[r], c[r]) for r in range(200)]
    assert 5 < np.median([f.variance_ratio for f in fits2]) < 20
    with pytest.raises(SpecError, match="networks"):
        controlled_mean(y[0, :4], c[0, :4])


def test_two_phase_mean_is_unbiased_with_calibrated_se():
    """Synthetic y = 1 + 0.8 (c - 3) + e with a control of unknown mean 3, 48 samples beside 480 reference
    controls, 3000 repetitions: the estimate is unbiased, (estimate - 1) / SE is about standard (its dof are
    Welch-Satterthwaite's, > 40 here), and the variance falls 4-8-fold (plain: 0.64 + 0.1; here: 0.1 + 0.064/10)."""
    from workbench.theories.dimension.checks import two_phase_mean

    rng = np.random.default_rng(1)
    n, n_ref, reps = 48, 480, 3000
    c = 3.0 + rng.standard_normal((reps, n))
    y = 1.0 + 0.8 * (c - 3.0) + math.sqrt(0.1) * rng.standard_normal((reps, n))
    ref = 3.0 + rng.standard_normal((reps, n_ref))
    fits = [two_phase_mean(y[r], c[r], ref[r]) for r in range(reps)]
    z = np.array([(f.estimate - 1.0) / f.se for f in fits])
    assert abs(z.mean()) < 4 / math.sqrt(reps)
    assert z.std() == pytest.approx(1.0, abs=0.06)
    assert all(f.dof > 40 for f in fits)
    assert 4 < np.median([f.variance_ratio for f in fits]) < 8
    # a control whose reference mean is off would bias it: the reference is what makes it unbiased
    off = two_phase_mean(y[0], c[0], ref[0] + 1.0)
    assert off.estimate == pytest.approx(fits[0].estimate + 0.8, abs=0.1)
    with pytest.raises(SpecError, match="reference"):
        two_phase_mean(y[0], c[0], ref[0, :1])


def test_two_phase_mean_with_a_known_control():
    """The same with a second control of known mean 0 (y = 1 + 0.8 (c - 3) + 0.5 k + e): unbiased, about standard,
    and the known control takes its share of the variance (the fit uses both; the reference's variance enters with
    the measured control's beta only)."""
    from workbench.theories.dimension.checks import two_phase_mean

    rng = np.random.default_rng(2)
    n, n_ref, reps = 48, 480, 2000
    c = 3.0 + rng.standard_normal((reps, n))
    k = rng.standard_normal((reps, n))
    y = 1.0 + 0.8 * (c - 3.0) + 0.5 * k + math.sqrt(0.1) * rng.standard_normal((reps, n))
    ref = 3.0 + rng.standard_normal((reps, n_ref))
    fits = [two_phase_mean(y[r], c[r], ref[r], known=k[r]) for r in range(reps)]
    z = np.array([(f.estimate - 1.0) / f.se for f in fits])
    assert abs(z.mean()) < 4 / math.sqrt(reps)
    assert z.std() == pytest.approx(1.0, abs=0.06)
    assert np.median([f.beta[1] for f in fits]) == pytest.approx(0.8, abs=0.02)
    without = [two_phase_mean(y[r], c[r], ref[r]) for r in range(200)]
    assert np.median([f.variance_ratio for f in fits[:200]]) > 2 * np.median([f.variance_ratio for f in without])


def test_zero_frequency_twin_controls():
    """At zero frequency the twin's exact statistics are in the estimator's window; its quenched control is used only
    with reference twins (:func:`twin_references`, their exact windowed flow statistics, the same as a simulated
    twin's ``twin_flow`` for the same draw), otherwise only the twin error is (the derived mean of the quenched
    statistic misses the twins' mean by 1/N^2 terms at zero frequency)."""
    from workbench.theories.dimension.checks import (
        measure_network,
        network_estimate,
        quenched_control_known,
        twin_references,
    )

    spec = ModelSpec.simple(N=30, g=1.0, phi="tanh", sigma2=1.0)
    run = DimensionRun(N=30, networks=2, trials=1, T=200.0, window=2.5, seed=0)
    rows = [measure_network(spec, run, "zero-frequency", 5 + i, twin_gain=0.6) for i in range(6)]
    arrays = {key: np.array([r[key] for r in rows]) for key in rows[0]}
    assert not quenched_control_known(arrays)
    ref = twin_references(spec, run, "zero-frequency", 0.6, 3, seed=5)
    np.testing.assert_allclose(ref, arrays["twin_flow"][:3], rtol=1e-12)
    *_, note = network_estimate(arrays, "x", "mean_autocov")
    assert "twin error" in note and "not a control at zero frequency" in note
    *_, note = network_estimate(arrays | {"twin_flow_reference": twin_references(spec, run, "zero-frequency", 0.6, 8,
                                                                                   seed=100)}, "x", "mean_autocov")
    assert "mean over 8 reference networks" in note
    eq = measure_network(spec, run, "equal-time", 5, twin_gain=0.6)
    assert quenched_control_known({k: v[None] for k, v in eq.items()})


@pytest.mark.parametrize(
    "spec, kwargs",
    [
        (ModelSpec.simple(N=40, g=1.2, phi="tanh", sigma2=1.0, noise="ou"), {"covariance": "zero-frequency"}),
        (ModelSpec.simple(N=40, g=1.2, phi="tanh", sigma2=1.0, input_std=0.5), {}),
        (ModelSpec.simple(N=40, g=1.2, phi="tanh"), {}),
        (ModelSpec.simple(N=40, g=1.2, phi="tanh", sigma2=1.0), {"redraw": True}),
    ],
)
def test_linear_twin_refusals(spec, kwargs):
    """A twin needs noise > 0 (white, or OU at equal time), no inputs and fixed couplings: one-line SpecError naming
    twin_gain; a gain <= 0 or one that makes the twin unstable (gain g >= 1) is refused too."""
    run = DimensionRun(N=40, networks=4, trials=1, T=50.0)
    with pytest.raises(SpecError, match="twin_gain"):
        dimension_job(spec, run, twin_gain=0.6, **kwargs)
    with pytest.raises(SpecError, match="twin_gain"):
        dimension_job(ModelSpec.simple(N=40, g=1.2, phi="tanh", sigma2=1.0), run, twin_gain=-1.0)
    with pytest.raises(SpecError, match="twin_gain"):
        dimension_job(ModelSpec.simple(N=40, g=1.2, phi="tanh", sigma2=1.0), run, twin_gain=0.9)


def test_tanh_checks_with_linear_twin(tmp_path):
    """tanh g = 1.2, sigma2 = 1 (g_eff = 0.77), N = 200, 8 networks x 1 trial of T = 300, dt = 0.05, seeds 40 + i,
    each beside its linear twin at the DMFT gain: the control-variate means agree with the cavity theory (+ the DMFT
    step bias of the variance; the 1/N terms are below the SE at this size), and their variance is over 3 times
    below the plain means' for PR/N and N var_cross (4.3-4.8 measured; 20 at N = 300 with 2 trials)."""
    from workbench.theories.dimension.checks import twin_gain, twinned_job
    from workbench.theories.dimension.nonlinear import solve_nonlinear
    from workbench.theories.dmft.discrete import euler_bias

    spec = ModelSpec.simple(N=200, g=1.2, phi="tanh", sigma2=1.0)
    run = DimensionRun(N=200, networks=8, trials=1, T=300.0, seed=40)
    job = twinned_job(spec, run)
    assert job.params["twin_gain"] == pytest.approx(twin_gain(spec)) and 0.6 < job.params["twin_gain"] < 0.7
    arrays = run_jobs([job], RunStore(tmp_path))[job].arrays
    bias = {"x": {"mean_autocov": -euler_bias(spec, run.dt, "exp")}}
    checks = dimension_comparisons(solve_nonlinear(spec), arrays, run, biases=bias, bias_reason="DMFT step bias")
    for c in checks:
        c.assert_ok()
    for c in checks:
        if c.quantity.startswith(("PR_over_N", "N_var_cross")):
            assert "control variates" in c.reason
            ratio = float(c.reason.split("variance / ")[1].split(";")[0])
            assert ratio > 3, c


def test_ou_exact_statistics_follow_the_simulator_step():
    """Under OU noise the simulator steps ``x <- M x + b eta``, ``eta <- c eta + nf_eta Z`` (checked to round-off on
    injected noise), the augmented map whose discrete Lyapunov equation gives ``exact_linear_stats(tau_noise=...)``;
    at dt = 0.2 that differs from the flow's covariance by about 1 %, and a stationary ensemble of 40000 trials
    agrees with the discrete value (mean autocovariance within 4 SE; measured 0.4 SE, the flow's value 1.9 SE away:
    the recursion check above is the exact one)."""
    from workbench.sim import simulate
    from workbench.sim.estimators import DIMENSION_KEYS
    from workbench.theories.dimension.checks import exact_linear_stats, simulated_network

    N, dt, s2, tau = 6, 0.2, 0.5, 1.0
    spec = ModelSpec.simple(N=N, g=0.6, phi="linear", sigma2=s2, noise="ou", noise_tau=tau)
    J = simulated_network(spec, 3).J
    rng = np.random.default_rng(1)
    x0, Z = rng.standard_normal(N), rng.standard_normal((5, N, 1))
    res = simulate(spec, T=5 * dt, dt=dt, seed=3, x0=x0, noise=Z, record=("traj",), neurons=N)
    eta = math.sqrt(s2 / (2 * tau)) * np.random.default_rng(np.random.SeedSequence(3).spawn(3)[1]).standard_normal(N)
    a, c = math.exp(-dt), math.exp(-dt / tau)
    x = x0.copy()
    for n in range(5):
        x, eta = a * x + (1 - a) * (J @ x + eta), c * eta + math.sqrt(s2 * (1 - c * c) / (2 * tau)) * Z[n, :, 0]
    np.testing.assert_allclose(res.traj[-1, :, 0], x, rtol=1e-10)

    run = DimensionRun(N=N, dt=dt, sample_every=dt)
    exact = exact_linear_stats(J, s2, run, "equal-time", tau_noise=tau)
    i = DIMENSION_KEYS.index("mean_autocov")
    assert abs(exact["sampled"][i] / exact["flow"][i] - 1) > 0.005
    ens = simulate(spec, T=30.0, dt=dt, trials=40000, seed=3, burn_in=30.0 - dt, record=("traj",), neurons=N)
    v = (ens.traj[-1] ** 2).mean(axis=0)
    se = v.std(ddof=1) / math.sqrt(len(v))
    assert abs(v.mean() - exact["sampled"][i]) < 4 * se
    with pytest.raises(SpecError, match="covariance"):
        exact_linear_stats(J, s2, run, "zero-frequency", tau_noise=tau)


def test_zero_frequency_exact_statistics_are_the_estimators_window():
    """A linear network's exact zero-frequency statistics are what the cross-block estimator measures on average in
    its window (here W = 2.5, where that is 13 % below the w = 0 covariance for g = 0.6, N = 30): 16 networks, 8
    trials of T = 2000, paired per network, within k SE (Student-t); the w = 0 statistics of the same networks are
    rejected by the same test."""
    from workbench.sim.estimators import DIMENSION_KEYS
    from workbench.sim.simulator import step_coefficients
    from workbench.theories.dimension import exact
    from workbench.theories.dimension.checks import measure_network, simulated_network

    n = 16
    spec = ModelSpec.simple(N=30, g=0.6, phi="linear", sigma2=1.0)
    run = DimensionRun(N=30, networks=2, trials=8, T=2000.0, window=2.5, seed=3, n_blocks=8)
    rows = [measure_network(spec, run, "zero-frequency", 3 + i) for i in range(n)]
    arrays = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    for c in exact_comparisons(arrays, run):
        c.assert_ok()
    i = DIMENSION_KEYS.index("mean_autocov")
    a, b, nf = (float(np.ravel(v)[0]) for v in step_coefficients(np.ones(1), run.dt, 1.0, run.method, True))
    w0 = [np.trace(exact.step_covariances(simulated_network(spec, 3 + k).J, a, b, nf, "zero-frequency", run.stride,
                                          run.sample_every, 1.0, run.dt)) / 30 for k in range(n)]
    diff = arrays["x"][:, i] - np.array(w0)
    assert abs(diff.mean()) > student_k(n) * diff.std(ddof=1) / math.sqrt(n), (diff.mean(), np.mean(w0))
