"""The fused step kernels: which one a simulation takes, the vectorised float32 tanh, compiled custom phi kept."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.sim import kernels, simulate
from workbench.spec import ModelSpec


def test_step_kernel_choice() -> None:
    """A float32 tanh network takes the vectorised tanh; float64 tanh and the other named phi the scalar kernel."""
    tanh, erf = ModelSpec.simple(N=4, phi="tanh").phi, ModelSpec.simple(N=4, phi="erf").phi
    assert kernels.step_kernels(tanh, np.dtype(np.float32))[1] is kernels._tanh_float32_step
    assert kernels.step_kernels(tanh, np.dtype(np.float64))[1] is kernels.fused_step
    assert kernels.step_kernels(erf, np.dtype(np.float32))[1] is kernels.fused_step
    assert kernels.step_kernels(tanh, np.dtype(np.float32))[0] == kernels.PHI_CODES["tanh"]


def test_vectorised_tanh_matches_scalar_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The float32 run with NumPy's tanh follows the one with the kernel's scalar tanh to single precision over a
    short chaotic run (same J, noise and initial state)."""
    spec = ModelSpec.simple(N=150, g=2.0, phi="tanh", sigma2=0.2)
    kw = dict(T=3.0, dt=0.05, trials=2, seed=11, record=("traj", "traj_phi"), neurons=20, dtype="float32")
    fast = simulate(spec, **kw)
    monkeypatch.setattr(kernels, "TANH_FLOAT32_NUMPY", False)
    scalar = simulate(spec, **kw)
    np.testing.assert_allclose(fast.traj, scalar.traj, rtol=0, atol=2e-5)
    np.testing.assert_allclose(fast.traj_phi, np.tanh(fast.traj), rtol=0, atol=1e-6)


def test_custom_step_compiled_once() -> None:
    """The kernels of a custom phi are compiled once per expression and process, not at every simulation."""
    phi = ModelSpec.simple(N=4, phi="x/(1+x**2)").phi
    again = ModelSpec.simple(N=4, phi="x/(1 + x**2)").phi
    assert kernels.make_custom_step(phi) is kernels.make_custom_step(again)
    other = ModelSpec.simple(N=4, phi="x/(1+2*x**2)").phi
    assert kernels.make_custom_step(other) is not kernels.make_custom_step(phi)
