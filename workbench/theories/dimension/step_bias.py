"""Time-step bias of simulated cross-covariance statistics of nonlinear networks, from the fixed-J theory.

The simulator's exponential-Euler step map has slightly different pair covariances than the flow the cavity
theory describes. For one network of the spec (or a few), the fixed-J linear-equivalent theory
(:func:`workbench.theories.fixed.checks.linear_equivalent_covariances`) gives the equal-time covariance of the
flow and, exactly, of the step map with the same J and single-site statistics; the relative change of
``N var_cross`` and ``PR/N`` between them is the bias added to the disorder-averaged prediction (it is
self-averaging: two networks agree to ~1e-4, e.g. -1.91 % and -1.91 % of N var_cross x at g = 0.8, N = 500,
dt = 0.025; at dt = 0.05, sigma2 = 0.5 one network gives -3.4754 % and the mean of two -3.4720 %, so the reports use
one). The single-site variance bias comes from the DMFT instead (:func:`workbench.theories.dmft.discrete.euler_bias`),
which the linear-equivalent map holds fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["STEP_BIAS_REASON", "relative_step_bias", "white_noise_step_biases"]

STEP_BIAS_REASON = "time-step bias (DMFT variance; fixed-J step map for N var_cross, PR/N)"
"""What :func:`white_noise_step_biases` holds, as a Comparison's bias reason."""


def relative_step_bias(spec: Any, sigma2: float, dt: float, method: str = "exp", networks: int = 2,
                       seed: int = 0) -> dict[str, dict[str, float]]:
    """``{"x"|"phi": {"N_var_cross": r, "PR_over_N": r, "mean_autocov": r}}``: mean over ``networks`` networks of
    spec (seeds ``seed, seed + 1, ...``) of the relative change step map / flow - 1 of the fixed-J linear-equivalent
    theory (its ``mean_autocov`` holds the single-site variance fixed unless phi is linear, where the map is exact)."""
    from workbench.sim.estimators import dimension_stats
    from workbench.sim.network import build_network
    from workbench.theories.fixed import predict
    from workbench.theories.fixed.checks import flow_and_step_covariances

    phi = spec.phi.label()
    acc: dict[str, dict[str, list[float]]] = {w: {"N_var_cross": [], "PR_over_N": [], "mean_autocov": []}
                                              for w in ("x", "phi")}
    for k in range(networks):
        J = np.asarray(build_network(spec, seed + k).J, dtype=float)
        site = predict(J, phi, sigma2, equal_time=False).site
        flow, step = flow_and_step_covariances(J, site, sigma2, dt, method)
        for w in ("x", "phi"):
            a, b = dimension_stats(flow[f"cov_{w}"]), dimension_stats(step[f"cov_{w}"])
            for key in acc[w]:
                acc[w][key].append(b[key] / a[key] - 1.0)
    return {w: {key: float(np.mean(v)) for key, v in d.items()} for w, d in acc.items()}


def white_noise_step_biases(spec: Any, result: Any, sigma2: float, dt: float, method: str = "exp",
                            seed: int = 0, networks: int = 1) -> dict[str, dict[str, float]]:
    """Known ``E[estimate] - theory`` of the exponential-Euler step for a white-noise network (the ``biases`` of
    :func:`~workbench.theories.dimension.checks.dimension_comparisons`): the relative fixed-J step-map change of
    N var_cross and PR/N (:func:`relative_step_bias` on ``networks`` networks, seeds ``seed, seed + 1, ...``: one
    by default, the change is self-averaging) times the theory ``result``'s
    values, and the DMFT step bias of the variance of x (:func:`workbench.theories.dmft.discrete.euler_bias`); for a
    linear network (``result.method == "linear"``) the map's relative change of the mean autocovariances too."""
    from workbench.theories.dimension.checks import theory_values
    from workbench.theories.dmft.discrete import euler_bias

    rel = relative_step_bias(spec, sigma2, dt, method, networks=networks, seed=seed)
    linear = result.method == "linear"  # the linear network's own step map, exact: no DMFT (which refuses phi = x)
    biases = {w: {key: r * theory_values(result, w)[key] for key, r in rel[w].items()
                  if linear or key != "mean_autocov"} for w in ("x", "phi")}
    if not linear:
        biases["x"]["mean_autocov"] = -euler_bias(spec, dt, method)
    return biases
