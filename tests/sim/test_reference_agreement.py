"""Fast (GEMM + numba) simulator vs the slow plain-NumPy reference stepper, with shared noise."""

import numpy as np
import pytest

from workbench.sim import build_network, simulate
from workbench.sim.reference import reference_run
from workbench.spec import ModelSpec, preset

CASES = [
    ("tanh", "white", "exp"),
    ("tanh", "white", "euler"),
    ("erf", "none", "exp"),
    ("logistic", "white", "euler"),
    ("relu", "white", "exp"),
    ("softplus", "white", "euler"),
    ("linear", "ou", "exp"),
    ("tanh(2*x) + 0.1*x**3/(1+x**2)", "white", "exp"),  # custom SymPy phi
]


@pytest.mark.parametrize("phi,noise,method", CASES)
def test_fast_equals_reference(phi, noise, method):
    N, K, n_steps, dt = 40, 3, 60, 0.05
    spec = ModelSpec.simple(
        N=N,
        g=1.8,
        J0=0.5,
        phi=phi,
        sigma2=0.3 if noise != "none" else 0.0,
        noise=noise,
        noise_tau=0.7,
        tau={"kind": "uniform", "low": 0.5, "high": 2.0},
        gain={"kind": "beta", "a": 2, "b": 3, "low": 0.5, "high": 1.5},
        input_std=0.3,
    )
    net = build_network(spec, seed=11)
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((N, K))
    Z = rng.standard_normal((n_steps, N, K))
    res = simulate(
        spec,
        T=n_steps * dt,
        dt=dt,
        trials=K,
        seed=1,
        network=net,
        x0=x0,
        noise=Z,
        record=("traj",),
        neurons=N,
        method=method,
    )
    eta0 = None
    if noise == "ou":
        # the fast simulator draws the stationary OU start from the seed's initial-condition stream
        ss = np.random.SeedSequence(1).spawn(3)[1]
        eta0 = np.sqrt(0.3 / (2 * 0.7)) * np.random.default_rng(ss).standard_normal((N, K))
    ref = reference_run(net, x0, dt, Z, method=method, eta0=eta0)
    np.testing.assert_allclose(res.traj, ref, rtol=0, atol=1e-12 * max(1.0, np.abs(ref).max()))


def test_sparse_heterogeneous_preset_matches_reference():
    spec = preset("ei-sparse").replace(N=60)
    net = build_network(spec, seed=3)
    K, n, dt = 2, 40, 0.1
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((60, K))
    Z = np.zeros((n, 60, K))
    res = simulate(spec, T=n * dt, dt=dt, trials=K, seed=0, network=net, x0=x0, noise=Z, record=("traj",), neurons=60)
    ref = reference_run(net, x0, dt, Z)
    np.testing.assert_allclose(res.traj, ref, atol=1e-12)


def test_float32_close_to_float64():
    """float32 state/GEMM follows the float64 trajectory to single precision over a short run."""
    spec = preset("chaos").replace(N=200)
    a0 = simulate(spec, T=2.0, dt=0.05, trials=2, seed=4, record=("traj",), neurons=10)
    b0 = simulate(spec, T=2.0, dt=0.05, trials=2, seed=4, record=("traj",), neurons=10, dtype="float32")
    np.testing.assert_allclose(a0.traj, b0.traj, atol=1e-4)
    assert not np.array_equal(a0.traj, b0.traj)
