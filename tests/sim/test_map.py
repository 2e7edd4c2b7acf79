"""The simulator's delta-step map: exact relation to the Euler step, errors, and the map DMFT.

``spec.dynamics = map(delta)`` steps ``x <- (1 - delta) x + delta (J phi(x) + I) + sqrt(delta sigma2) Z``.
Default test: N = 300, delta = 0.5, g = 1.5, sigma2 = 0.3, 12 networks (seeds 20..31) x 2 trials,
T = 300 steps after a burn-in of 60, against the map DMFT's Delta0 with a Student-t tolerance
(11 dof). The slow test: N = 2000 chaotic delta = 1 map, Delta0 and the largest Lyapunov exponent
(QR of the exact tangent map), 4 networks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.sim import simulate
from workbench.sim.checks import t_stat
from workbench.spec import ModelSpec
from workbench.spec.model import Dynamics
from workbench.theories.dmft.discrete import solve_map


def _map(delta: float, **kw: float) -> ModelSpec:
    return ModelSpec.simple(**kw).replace(dynamics=Dynamics("map", delta))


def test_map_with_delta_dt_is_the_euler_step() -> None:
    flow = ModelSpec.simple(N=60, g=1.5, sigma2=0.3)
    dt = 0.05
    a = simulate(flow, T=40 * dt, dt=dt, trials=2, seed=3, method="euler", record=("traj",), neurons=10)
    b = simulate(flow.replace(dynamics=Dynamics("map", dt)), T=40, dt=1.0, trials=2, seed=3, record=("traj",),
                 neurons=10)
    np.testing.assert_allclose(b.traj, a.traj, rtol=0, atol=1e-12)


def test_map_needs_unit_steps() -> None:
    with pytest.raises(SpecError, match="dt: the map advances one step per unit time"):
        simulate(_map(1.0, N=20), T=10, dt=0.5)
    with pytest.raises(SpecError, match="dynamics.kind"):
        ModelSpec.from_dict({"noise": {"kind": "ou", "sigma2": 1.0}, "dynamics": {"kind": "map"}})


def _variance_per_network(spec: ModelSpec, seeds: range, T: float, burn_in: float, trials: int) -> np.ndarray:
    """Population variance <x_i^2> (theory mean 0) of each network, pooled over its trials and steps."""
    out = []
    for seed in seeds:
        res = simulate(spec, T=T, dt=1.0, trials=trials, seed=seed, burn_in=burn_in, record=("cov", "mean"))
        out.append(float(np.mean(np.diag(res.cov_x) + res.mean_x**2)))
    return np.array(out)


def test_map_variance_against_dmft_small_N() -> None:
    spec = _map(0.5, N=300, g=1.5, sigma2=0.3)
    v = _variance_per_network(spec, range(20, 32), T=360.0, burn_in=60.0, trials=2)
    theory = solve_map(spec).Delta0
    c = t_stat("Delta0", theory, float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size)), dof=v.size - 1,
               kind="simulation", N=300, networks=12, trials=2, T=300, seed="20..31")
    assert c.ok, c


def _qr_lyapunov(spec: ModelSpec, seed: int, steps: int, burn: int) -> float:
    """Largest Lyapunov exponent per step of one network: the exact tangent map, renormalised every step."""
    from workbench.sim.network import build_network

    rng = np.random.default_rng(seed)
    net = build_network(spec, np.random.SeedSequence(seed))
    J = net.J if hasattr(net, "J") else net.dense()
    d = spec.dynamics.delta
    x = rng.standard_normal(spec.N)
    v = rng.standard_normal(spec.N)
    v /= np.linalg.norm(v)
    acc = 0.0
    for n in range(steps):
        v = (1 - d) * v + d * (J @ ((1 - np.tanh(x) ** 2) * v))
        x = (1 - d) * x + d * (J @ np.tanh(x))
        norm = np.linalg.norm(v)
        v /= norm
        if n >= burn:
            acc += math.log(norm)
    return acc / (steps - burn)


@pytest.mark.slow
def test_chaotic_map_against_dmft_N2000() -> None:
    spec = _map(1.0, N=2000, g=2.0)
    theory = solve_map(spec)
    v = _variance_per_network(spec, range(40, 44), T=600.0, burn_in=100.0, trials=4)
    bias = -theory.Delta0 / spec.N  # finite-N bias O(1/N) of the variance (stated, not fitted)
    c = t_stat("Delta0", theory.Delta0, float(v.mean()), float(v.std(ddof=1) / 2), dof=3, bias=bias,
               bias_reason="finite N O(Delta0/N)", kind="simulation", N=2000, networks=4, trials=4, T=500, seed="40..43")
    assert c.ok, c
    lams = np.array([_qr_lyapunov(spec, s, 1500, 200) for s in range(40, 44)])
    c = t_stat("lambda_max", theory.lyapunov, float(lams.mean()), float(lams.std(ddof=1) / 2), dof=3,
               kind="simulation", N=2000, networks=4, steps=1300, seed="40..43")
    assert c.ok, c
