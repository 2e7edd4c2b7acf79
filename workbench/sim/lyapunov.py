"""Largest Lyapunov exponent of the simulated network from its tangent dynamics.

The state and K tangent vectors are advanced together with the *same* discrete map as
:func:`workbench.sim.simulate` (exponential Euler or Euler-Maruyama); the tangent map is the exact
linearisation of that map, ``delta <- a delta + b J (gain phi'(gain x) delta)``, so for a linear
network the estimate converges to ``max_i log|a + b mu_i| / dt`` exactly (tested). Noise is
additive, so replicas that share the noise have the same tangent dynamics (the DMFT definition).
Both products ``J @ phi`` and ``J @ (phi' delta)`` are one GEMM on an (N, 2K) block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.errors import SpecError
from workbench.sim.network import Network, build_network
from workbench.sim.simulator import simulate, step_coefficients
from workbench.spec import ModelSpec

__all__ = ["LyapunovResult", "lyapunov_exponent"]


@dataclass
class LyapunovResult:
    """Largest Lyapunov exponent: mean over K trials, its standard error, per-trial values."""

    value: float
    stderr: float
    per_trial: np.ndarray
    info: dict


def lyapunov_exponent(
    spec: ModelSpec,
    T: float = 500.0,
    dt: float = 0.05,
    trials: int = 4,
    seed: int = 0,
    burn_in: float = 100.0,
    renorm_every: int = 10,
    method: str = "exp",
    network: Network | None = None,
) -> LyapunovResult:
    """Estimate the largest Lyapunov exponent (per unit time) of ``spec``'s network.

    Parameters
    ----------
    spec : ModelSpec
    T : float
        Averaging time after the burn-in (> 0).
    dt : float
        Time step.
    trials : int
        K independent trials (same J, independent initial states, noise, tangent vectors); the
        standard error is over trials (needs K >= 2).
    seed : int
        Root seed: ``SeedSequence(seed)`` spawns ``[network, burn-in run, tangent run]``.
    burn_in : float
        Relaxation time simulated first (discarded).
    renorm_every : int
        Steps between renormalisations of the tangent vectors.
    method : {"exp", "euler"}
    network : Network, optional
        Reuse a realisation instead of drawing one from the seed.
    """
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise SpecError("trials", f"must be an integer >= 2 (the error bar is over trials), got {trials!r}")
    if not (T > 0 and math.isfinite(T)):
        raise SpecError("T", f"must be > 0, got {T}")
    if not (dt > 0):
        raise SpecError("dt", f"must be > 0, got {dt}")
    if renorm_every < 1:
        raise SpecError("renorm_every", f"must be >= 1, got {renorm_every}")
    ss = np.random.SeedSequence(seed)
    s_net, s_burn, s_run = ss.spawn(3)
    net = network if network is not None else build_network(spec, s_net)
    K = int(trials)
    if burn_in > 0:
        x = simulate(spec, T=burn_in, dt=dt, trials=K, seed=s_burn, network=net, record=(), method=method).x_final
    else:
        x = spec.init.mean + spec.init.std * np.random.default_rng(s_burn).standard_normal((net.N, K))
    if spec.noise.kind == "ou":
        raise SpecError("noise.kind", "Lyapunov estimation supports white or no noise (OU input not implemented)")
    white = spec.noise.kind == "white" and spec.noise.sigma2 > 0
    a, b, nf = step_coefficients(net.tau, dt, spec.noise.sigma2, method, white)
    a, b, nf = a[:, None], b[:, None], nf[:, None]
    from workbench.codegen import compile_system
    from workbench.spec import X

    f = compile_system([spec.phi.expr, spec.phi.derivative], [X], backend="numpy", name="phi_dphi")
    gain = net.gain[:, None]
    rng_t, rng_n = (np.random.default_rng(s) for s in s_run.spawn(2))
    delta = rng_t.standard_normal((net.N, K))
    delta /= np.linalg.norm(delta, axis=0)
    n_steps = int(round(T / dt))
    log_growth = np.zeros(K)
    block = np.empty((net.N, 2 * K))
    I = net.I[:, None]
    for n in range(1, n_steps + 1):
        u = gain * x
        phi, dphi = (np.broadcast_to(np.asarray(v, dtype=float), u.shape) for v in f(u))
        block[:, :K] = phi
        block[:, K:] = gain * dphi * delta
        H = net.J @ block
        x = a * x + b * (H[:, :K] + I)
        if white:
            x += nf * rng_n.standard_normal(x.shape)
        delta = a * delta + b * H[:, K:]
        if not np.all(np.isfinite(x)):
            from workbench.errors import DivergenceError

            raise DivergenceError(f"the state diverged at t = {n * dt:.6g} while estimating the Lyapunov exponent")
        if n % renorm_every == 0 or n == n_steps:
            norms = np.linalg.norm(delta, axis=0)
            log_growth += np.log(norms)
            delta /= norms
    per = log_growth / (n_steps * dt)
    info = {"N": net.N, "K": K, "T": T, "dt": dt, "burn_in": burn_in, "seed": seed, "method": method}
    return LyapunovResult(float(per.mean()), float(per.std(ddof=1) / math.sqrt(K)), per, info)
