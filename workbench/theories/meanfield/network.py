"""Finite-N network estimates of m(t), K(t, s) with the reference simulator, and their comparison.

The finite-size extrapolation against the theory is in :mod:`workbench.theories.meanfield.checks`.

The network ``dX^i = (-X^i + sum_j J_ij f(X^j)) dt + lambda dW^i`` is simulated with
:func:`workbench.sim.simulate` (exponential Euler, left-point field: the same discretisation as
the mean-field solvers, so theory and network are compared at the same dt). For each realisation
(an independent coupling matrix, initial condition and noise) the empirical order parameters are

    m_N(t) = (1/N) sum_i f(X^i_t),   K_N(t, s) = (1/N) sum_i f(X^i_t) f(X^i_s).

Weights: ``gaussian`` (the simulator's own J_ij ~ N(J/N, sigma^2/N)) or ``rademacher``
(``J_ij = J/N + (sigma/sqrt N) * (+-1)``, same mean and variance; Faugeras-Tanré universality).

Seeding: ``SeedSequence(seed).spawn(realisations)``; realisation r spawns ``[couplings, simulation]``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.compare import Comparison, compare_stat
from workbench.errors import SpecError
from workbench.theories.meanfield.problem import TransientProblem
from workbench.theories.meanfield.result import MeanFieldResult

__all__ = ["NetworkEstimate", "simulate_network", "compare_network", "WEIGHTS"]

WEIGHTS = ("gaussian", "rademacher")


@dataclass
class NetworkEstimate:
    """Per-realisation order parameters of a finite-N network.

    Attributes
    ----------
    t : ndarray (n+1,)
    m : ndarray (R, n+1)
        ``m_N(t)`` per realisation.
    K : ndarray (R, n+1, n+1)
        ``K_N(t, s)`` per realisation.
    paths : ndarray (n+1, n_keep)
        Sample paths X^i_t of a few neurons of realisation 0.
    info : dict
        N, realisations, weights, seed, dt, T, elapsed time.
    """

    t: np.ndarray
    m: np.ndarray
    K: np.ndarray
    paths: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def R(self) -> int:
        """Number of realisations."""
        return int(self.m.shape[0])

    def mean_se(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean over realisations and its standard error (ddof = 1)."""
        mu = a.mean(axis=0)
        se = a.std(axis=0, ddof=1) / math.sqrt(self.R) if self.R > 1 else np.full_like(mu, np.inf)
        return mu, se


def simulate_network(problem: TransientProblem, N: int = 2000, realisations: int = 4, seed: int = 0,
                     weights: str = "gaussian", n_keep: int = 5, dtype: str = "float64") -> NetworkEstimate:
    """Simulate ``realisations`` independent networks of size N on the problem's grid.

    Parameters
    ----------
    problem : TransientProblem
        Needs ``g(x) = -x`` (the simulator's leak).
    N : int
        Network size.
    realisations : int
        Independent (J, X_0, W) draws.
    seed : int
        Root seed.
    weights : {"gaussian", "rademacher"}
    n_keep : int
        Sample paths kept from realisation 0.
    dtype : {"float64", "float32"}
        Precision of the state and the matrix-vector steps (float32 halves the memory traffic of J, which bounds a
        one-trial step at N >= 2000; the paths are recorded in float64).

    Returns
    -------
    NetworkEstimate
    """
    from workbench.sim import Network, build_network, simulate

    if weights not in WEIGHTS:
        raise SpecError("weights", f"unknown weight law {weights!r}; allowed: {WEIGHTS}")
    if isinstance(realisations, bool) or not isinstance(realisations, (int, np.integer)) or realisations < 1:
        raise SpecError("realisations", f"must be an integer >= 1, got {realisations!r}")
    spec = problem.to_spec(N=N)
    root = np.random.SeedSequence(seed)
    n = problem.n
    ms = np.empty((realisations, n + 1))
    Ks = np.empty((realisations, n + 1, n + 1))
    paths = np.empty((n + 1, 0))
    t0 = time.perf_counter()
    for r, child in enumerate(root.spawn(int(realisations))):
        s_J, s_sim = child.spawn(2)
        net = None
        if weights == "rademacher":
            # the signs' stream is the fourth child of s_J (after the three build_network spawns), as it always was;
            # the Gaussian J that build_network would draw is not drawn (16 M normals at N = 4000)
            rng = np.random.default_rng(np.random.SeedSequence(s_J.entropy, spawn_key=(*s_J.spawn_key, 3)))
            signs = rng.integers(0, 2, size=(N, N), dtype=np.int8).astype(np.float64) * 2.0 - 1.0
            J = problem.J / N + problem.sigma / math.sqrt(N) * signs
            base = build_network(spec, s_J, couplings=J)
            net = Network(spec, J, base.tau, base.gain, base.I, base.pop, seed=base.seed, meta={"weights": weights})
        res = simulate(spec, T=problem.T, dt=problem.dt, trials=1, seed=s_sim, burn_in=0.0, stride=1,
                       record=("traj", "traj_phi"), neurons=N, method="exp", network=net, dtype=dtype)
        phi = res.traj_phi[:, :, 0]
        ms[r] = phi.mean(axis=1)
        Ks[r] = phi @ phi.T / N
        if r == 0:
            paths = res.traj[:, : int(n_keep), 0].copy()
    info = {"N": int(N), "realisations": int(realisations), "weights": weights, "seed": int(seed), "dt": problem.dt,
            "T": problem.T, "method": "exp", "elapsed_s": time.perf_counter() - t0}
    return NetworkEstimate(problem.t, ms, Ks, paths, info)


def compare_network(theory: MeanFieldResult, net: NetworkEstimate, times: tuple[float, ...] = (1.0, 5.0),
                    k: float = 4.0, bias: float | None = None) -> list[Comparison]:
    """Comparisons of m(t), K(t,t) and K(t, s) (network mean over realisations vs theory).

    Tolerance: ``k`` standard errors of the realisation mean (realisation-to-realisation scatter,
    ddof = 1) plus a finite-size bias allowance ``bias`` (default ``1/N``: the O(1/N) correction
    of the empirical order parameters; the O(1/sqrt N) fluctuations are in the SE).

    Returns
    -------
    list of Comparison
    """
    N = net.info["N"]
    b = 1.0 / N if bias is None else float(bias)
    ctx = {k_: net.info[k_] for k_ in ("N", "realisations", "weights", "seed", "dt", "T")}
    mu_m, se_m = net.mean_se(net.m)
    mu_K, se_K = net.mean_se(net.K)
    out = []
    pts = list(times)
    for t in pts:
        i = theory.index(t)
        out.append(compare_stat(f"m({t:g})", theory.m[i], mu_m[i], se_m[i], k=k, bias=b, bias_reason="1/N",
                                **ctx, kind="simulation"))
        out.append(compare_stat(f"K({t:g},{t:g})", theory.K[i, i], mu_K[i, i], se_K[i, i], k=k, bias=b,
                                bias_reason="1/N", **ctx, kind="simulation"))
    if len(pts) >= 2:
        i, j = theory.index(pts[-1]), theory.index(pts[0])
        out.append(compare_stat(f"K({pts[-1]:g},{pts[0]:g})", theory.K[i, j], mu_K[i, j], se_K[i, j], k=k, bias=b,
                                bias_reason="1/N", **ctx, kind="simulation"))
    return out
