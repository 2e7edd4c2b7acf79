"""Two-site cavity PR/N against simulated networks (slow): tanh and a Pade-type activation with white noise."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.sim import simulate
from workbench.sim.checks import t_stat
from workbench.sim.estimators import cross_block_dimension
from workbench.spec import ModelSpec
from workbench.theories.dimension.nonlinear import solve_nonlinear

N, NETWORKS, TRIALS, T, BURN, DT, STRIDE, BLOCKS = 1000, 6, 2, 1100.0, 100.0, 0.0125, 40, 8
K_SE = 4.0
"""SE multiplier; with NETWORKS - 1 = 5 dof its two-sided false-alarm rate is about 1 % (stated by t_stat)."""


def _per_network(spec: ModelSpec, phi) -> np.ndarray:
    """Cross-block PR/N of x and phi(x) for each network (rows), equal-time, known mean 0 (odd phi, no input)."""
    out = []
    for seed in range(NETWORKS):
        res = simulate(spec, T=T, dt=DT, trials=TRIALS, seed=1000 + seed, burn_in=BURN, stride=STRIDE,
                       record=("traj",), neurons=N)
        out.append([cross_block_dimension(a, n_blocks=BLOCKS, mean=0.0).values["PR_over_N"]
                    for a in (res.traj, phi(res.traj))])
    return np.array(out)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phi_name", "phi", "g", "sigma2"),
    [("tanh", np.tanh, 1.2, 1.0), ("x/(1+x**2)", lambda x: x / (1 + x * x), 1.5, 0.5)],
)
def test_pr_against_simulation(phi_name: str, phi, g: float, sigma2: float) -> None:
    """Mean over networks of the cross-block PR/N (x and phi) agrees with the cavity theory within k SE.

    Settings: N = 1000, 6 networks x 2 trials, T = 1000 after 100 burn-in, dt = 0.0125 (exponential Euler),
    a sample every 0.5, 8 blocks per trial. Known biases: the cross-block estimator with the known mean has
    no finite-window (N tau_c / T) bias, and blocks adjacent in time are not paired (gap 1), so the bias
    subtracted from the prediction is 0. The step bias is O(dt): measured +1.1 % of PR^x/N at dt = 0.05
    for the Pade case (0.4804 +- 0.0009 vs 0.4743 +- 0.0022 at dt = 0.0125), so about +0.3 % remains at
    dt = 0.0125, below one SE; finite-N corrections (g_eff ~ 0.77-0.78 here) are not derived (see the report).
    """
    spec = ModelSpec.simple(N=N, g=g, sigma2=sigma2, phi=phi_name)
    theory = solve_nonlinear(spec)
    est = _per_network(spec, phi)
    context = {"N": N, "networks": NETWORKS, "trials": TRIALS, "T": T, "dt": DT, "seed": "1000..1005"}
    for col, (name, pred) in enumerate((("PR_over_N_x", theory.PR_over_N_x), ("PR_over_N_phi", theory.PR_over_N_phi))):
        vals = est[:, col]
        c = t_stat(name, pred, float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(NETWORKS)), NETWORKS - 1,
                   k=K_SE, note="per-network cross-block estimates; bias 0 (known mean, gap-1 block pairs)",
                   kind="simulation", **context)
        print(c)
        c.assert_ok()
