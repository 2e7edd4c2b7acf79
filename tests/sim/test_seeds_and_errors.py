"""Reproducibility from explicit seeds, divergence detection, bad simulation parameters."""

import numpy as np
import pytest

from workbench.errors import DivergenceError, SpecError
from workbench.sim import build_network, simulate
from workbench.spec import ModelSpec, preset


def test_same_seed_same_numbers_different_seed_different():
    spec = preset("noisy-chaos").replace(N=100)
    kw = dict(T=5.0, dt=0.05, trials=3, record=("traj", "cov"), neurons=5)
    a = simulate(spec, seed=42, **kw)
    b = simulate(spec, seed=42, **kw)
    c = simulate(spec, seed=43, **kw)
    np.testing.assert_array_equal(a.traj, b.traj)
    np.testing.assert_array_equal(a.cov_x, b.cov_x)
    np.testing.assert_array_equal(a.network.J, b.network.J)
    assert not np.allclose(a.traj, c.traj)
    # SeedSequence input gives the same as the int it was made from
    d = simulate(spec, seed=np.random.SeedSequence(42), **kw)
    np.testing.assert_array_equal(a.traj, d.traj)


def test_same_network_new_noise():
    spec = preset("noisy-chaos").replace(N=50)
    net = build_network(spec, seed=1)
    a = simulate(spec, T=2.0, dt=0.05, seed=1, network=net, record=("traj",))
    b = simulate(spec, T=2.0, dt=0.05, seed=2, network=net, record=("traj",))
    assert a.network.J is b.network.J
    assert not np.allclose(a.traj, b.traj)


def test_divergence_is_an_error_not_nan():
    spec = ModelSpec.simple(N=50, g=3.0, phi="linear", sigma2=0.1)
    with pytest.raises(DivergenceError, match="diverged"):
        simulate(spec, T=400.0, dt=0.05, seed=0)


def test_nan_input_detected():
    spec = ModelSpec.simple(N=10, g=1.0, phi="tanh")
    x0 = np.zeros(10)
    x0[3] = np.nan
    with pytest.raises(DivergenceError):
        simulate(spec, T=1.0, dt=0.1, seed=0, x0=x0)


@pytest.mark.parametrize(
    "kw,param",
    [
        (dict(T=-1.0), "T"),
        (dict(dt=0.0), "dt"),
        (dict(trials=0), "trials"),
        (dict(stride=0), "stride"),
        (dict(burn_in=20.0, T=10.0), "burn_in"),
        (dict(record=("foo",)), "record"),
        (dict(dtype="float16"), "dtype"),
        (dict(method="rk4"), "method"),
        (dict(method="euler", dt=1.5), "dt"),
        (dict(T=1.03, dt=0.1), "T"),
        (dict(x0=np.zeros(3)), "x0"),
        (dict(seed=None), "seed"),
    ],
)
def test_bad_simulation_parameters(kw, param):
    spec = ModelSpec.simple(N=10)
    base = dict(T=1.0, dt=0.1, seed=0)
    base.update(kw)
    with pytest.raises(SpecError) as e:
        simulate(spec, **base)
    assert e.value.parameter == param


@pytest.mark.parametrize("batch", [1, 150 * 7, 65536])
def test_batched_draws_equal_numpy_generator_stream(batch, monkeypatch):
    """Noise drawn in batches of NOISE_BATCH_NUMBERS (one step each, 7 steps with a partial last batch, all steps)
    == rng.standard_normal((N, K)) per step, same stream."""
    import workbench.sim.simulator as sim_mod

    monkeypatch.setattr(sim_mod, "NOISE_BATCH_NUMBERS", batch)
    spec = preset("noisy-chaos").replace(N=50)
    n_steps, K, seed = 30, 3, 3
    kw = dict(T=n_steps * 0.05, dt=0.05, trials=K, seed=seed, record=("traj",), neurons=50)
    a = simulate(spec, **kw)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    Z = np.stack([rng.standard_normal((50, K)) for _ in range(n_steps)])
    b = simulate(spec, noise=Z, **kw)
    np.testing.assert_array_equal(a.traj, b.traj)


@pytest.mark.parametrize("columns", [1, 12, 64])
def test_batched_covariance_equals_the_sample_sum(columns, monkeypatch):
    """The cov accumulators take the recorded samples in batches (COV_BATCH_COLUMNS columns, the last one partial):
    the same mean and covariance as the direct sum over every recorded sample of x and phi, to round-off."""
    import workbench.sim.simulator as sim_mod

    monkeypatch.setattr(sim_mod, "COV_BATCH_COLUMNS", columns)
    spec = preset("noisy-chaos").replace(N=60)
    res = simulate(spec, T=10.0, dt=0.05, trials=3, seed=5, stride=3, record=("cov", "traj", "traj_phi"), neurons=60)
    for traj, cov in ((res.traj, res.cov_x), (res.traj_phi, res.cov_phi)):
        samples = traj.transpose(1, 0, 2).reshape(60, -1)  # (N, n_rec * K); n_rec * K = 201 is no multiple of 12
        mean = samples.mean(axis=1)
        np.testing.assert_allclose(cov, samples @ samples.T / samples.shape[1] - np.outer(mean, mean), atol=1e-12)


@pytest.mark.parametrize("batch", [1, 5, 32])
def test_batched_trial_covariances_equal_the_sample_sum(batch, monkeypatch):
    """The per-trial covariances take each trial's samples in batches (TRIAL_BATCH, the last one partial): the same
    covariance per trial as the direct sum over its recorded samples, to round-off."""
    import workbench.sim.simulator as sim_mod

    monkeypatch.setattr(sim_mod, "TRIAL_BATCH", batch)
    spec = preset("noisy-chaos").replace(N=40)
    res = simulate(spec, T=10.0, dt=0.05, trials=3, seed=6, stride=3, record=("cov_trials", "traj"), neurons=40)
    assert res.traj.shape[0] % 5  # 67 samples per trial: a partial last batch
    for k in range(3):
        s = res.traj[:, :, k]
        mean = s.mean(axis=0)
        np.testing.assert_allclose(res.cov_x_trials[k], s.T @ s / s.shape[0] - np.outer(mean, mean), atol=1e-12)


def test_given_couplings_keep_the_rest_of_the_draw():
    """build_network(couplings=J) uses J and draws timescales, gains and inputs from the seed as usual; a J of the
    wrong shape is refused naming ``couplings``."""
    spec = preset("ei").replace(N=40)
    drawn = build_network(spec, seed=9)
    J = np.ones((40, 40))
    given = build_network(spec, seed=9, couplings=J)
    np.testing.assert_array_equal(given.J, J)
    for name in ("tau", "gain", "I", "pop"):
        np.testing.assert_array_equal(getattr(given, name), getattr(drawn, name))
    with pytest.raises(SpecError, match="couplings"):
        build_network(spec, seed=9, couplings=np.ones((40, 39)))
