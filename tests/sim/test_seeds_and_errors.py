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


def test_noise_prefetch_thread_gives_identical_numbers():
    spec = preset("noisy-chaos").replace(N=120)
    kw = dict(T=3.0, dt=0.05, trials=4, seed=3, record=("traj",), neurons=20)
    a = simulate(spec, noise_thread_min=1, **kw)
    b = simulate(spec, noise_thread_min=10**9, **kw)
    np.testing.assert_array_equal(a.traj, b.traj)
