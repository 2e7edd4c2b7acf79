"""Simulator Lyapunov exponent: exact for the linear network's discrete map."""

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim import build_network
from workbench.sim.lyapunov import lyapunov_exponent
from workbench.spec import ModelSpec


def test_linear_network_exact_discrete_exponent():
    spec = ModelSpec.simple(N=60, g=0.7, phi="linear", sigma2=0.5)
    net = build_network(spec, 1)
    dt = 0.05
    res = lyapunov_exponent(spec, T=300.0, dt=dt, trials=3, seed=1, burn_in=0.0, network=net)
    a = np.exp(-dt)
    exact = np.max(np.log(np.abs(a + (1 - a) * np.linalg.eigvals(net.J)))) / dt
    # the tangent vector aligns with the leading eigenvector exponentially fast; residual transient
    # contributes O(log(overlap)/T) ~ 1e-2 / 300: bounded by 0.01 here
    assert abs(res.value - exact) < 0.01, (res.value, exact)
    assert res.value < 0  # g < 1: stable


def test_lyapunov_bad_input():
    spec = ModelSpec.simple(N=10)
    with pytest.raises(SpecError) as e:
        lyapunov_exponent(spec, trials=1)
    assert e.value.parameter == "trials"


def test_float32_exponent_matches_float64():
    """float32 state, tangent block and GEMM (the DMFT report's studies) follow the float64 estimate of the same
    network, trials and noise: the difference is rounding, far below the SE over trials."""
    spec = ModelSpec.simple(N=300, g=2.0, sigma2=0.1)
    r64, r32 = (lyapunov_exponent(spec, T=40.0, dt=0.2, trials=2, seed=3, burn_in=20.0, dtype=d)
                for d in ("float64", "float32"))
    assert r32.info["dtype"] == "float32"
    assert abs(r32.value - r64.value) < 0.05 * r64.stderr, (r32.value, r64.value, r64.stderr)
    with pytest.raises(SpecError) as e:
        lyapunov_exponent(spec, T=1.0, dtype="float16")
    assert e.value.parameter == "dtype"
