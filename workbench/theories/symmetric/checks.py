"""Checks of the transient DMFT with reciprocal correlations against the simulated network.

:func:`simulate_transient` runs ``networks`` independent networks (``trials`` trials each) of the spec
with the simulator's exponential Euler at the theory's ``dt`` and records, per network, the trial-averaged
population mean <x(t)> and mean-square activity <x(t)^2>. :func:`comparisons` puts theory and simulation
side by side at chosen times with Student-t tolerances (SE across networks, ``networks - 1`` dof, combined
with the theory's Monte Carlo SE). Finite-N corrections are O(1/N) and are stated, not absorbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.compare import Comparison
from workbench.sim.checks import t_stat
from workbench.spec import ModelSpec
from workbench.theories.symmetric.result import SymmetricResult

__all__ = ["TransientSimulation", "simulate_transient", "comparisons"]


@dataclass(frozen=True)
class TransientSimulation:
    """Per-network trial averages: ``m_x[net, k]`` = <x(t_k)>, ``Delta[net, k]`` = <x(t_k)^2>."""

    t: np.ndarray
    m_x: np.ndarray
    Delta: np.ndarray
    N: int
    trials: int
    seed: int

    @property
    def networks(self) -> int:
        """Number of independent networks."""
        return int(self.m_x.shape[0])

    def mean_se(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean over networks and its standard error for ``"m_x"`` or ``"Delta"``."""
        a = getattr(self, name)
        return a.mean(axis=0), a.std(axis=0, ddof=1) / np.sqrt(a.shape[0])


def simulate_transient(spec: ModelSpec, T: float, dt: float, N: int, trials: int, networks: int,
                       seed: int) -> TransientSimulation:
    """Simulate ``networks`` networks of size ``N`` (network r uses seed ``seed + r``) over ``[0, T]``."""
    from workbench.sim import simulate

    spec = spec.replace(N=int(N))
    ms, ds = [], []
    for r in range(int(networks)):
        res = simulate(spec, T=T, dt=dt, trials=trials, seed=seed + r, record=("popmean", "traj"), neurons=int(N))
        ms.append(res.popmean_x.mean(axis=1))
        ds.append((res.traj**2).mean(axis=(1, 2)))
        t = res.t
    return TransientSimulation(t, np.array(ms), np.array(ds), int(N), int(trials), int(seed))


def comparisons(theory: SymmetricResult, sim: TransientSimulation, times: tuple[float, ...],
                k: float | None = None) -> list[Comparison]:
    """Theory against simulation: <x(t)> and <x(t)^2> at ``times`` (Student-t, networks - 1 dof)."""
    out = []
    dof = sim.networks - 1
    ctx = {"N": sim.N, "trials": sim.trials, "networks": sim.networks, "seed": sim.seed,
           "dt": float(theory.params.get("dt", np.nan)), "paths": theory.info.get("paths")}
    for name, th, th_se in (("m_x", theory.m_x, theory.se_m_x), ("Delta", theory.Delta_diag, theory.se_Delta_diag)):
        est, se = sim.mean_se(name)
        for tt in times:
            i = int(np.argmin(abs(theory.t - tt)))
            j = int(np.argmin(abs(sim.t - tt)))
            stderr = float(np.hypot(se[j], th_se[i]))
            label = "<x(t)>" if name == "m_x" else "Delta(t, t)"
            out.append(t_stat(f"{label} at t={theory.t[i]:g}", float(th[i]), float(est[j]), stderr, dof, k=k,
                              note="finite-N correction O(1/N) not subtracted", kind="simulation", **ctx))
    return out


def simulation_arrays(spec: ModelSpec, T: float, dt: float, N: int, trials: int, networks: int,
                      seed: int) -> dict[str, np.ndarray]:
    """:func:`simulate_transient` as plain arrays (what the run store keeps)."""
    sim = simulate_transient(spec, T, dt, N, trials, networks, seed)
    return {"t": sim.t, "m_x": sim.m_x, "Delta": sim.Delta}


def from_arrays(arrays: dict[str, np.ndarray], N: int, trials: int, seed: int) -> TransientSimulation:
    """Rebuild a :class:`TransientSimulation` from stored arrays."""
    return TransientSimulation(np.asarray(arrays["t"]), np.asarray(arrays["m_x"]), np.asarray(arrays["Delta"]),
                               int(N), int(trials), int(seed))


def linear_exact_comparisons(g: float = 0.8, eta: float = 0.6, T: float = 3.0, dt: float = 0.1) -> list[Comparison]:
    """phi = x: the DMFT response R_x(T, T - lag) against the discrete elliptic-law resolvent (exact)."""
    from workbench.compare import compare_abs
    from workbench.theories.symmetric.analytic import linear_response_discrete
    from workbench.theories.symmetric.problem import SymmetricProblem, SymmetricSetup
    from workbench.theories.symmetric.solver import solve_march

    p = SymmetricProblem(ModelSpec.simple(g=g, eta=eta, phi="linear"), SymmetricSetup(T, dt))
    r = solve_march(p, paths=20, seed=0)
    n = p.setup.n
    co = p.coefficients()
    exact = linear_response_discrete(n, g, eta, co["a"], co["b"]) / dt
    out = []
    for lag in sorted({1, n // 4, n // 2, n}):
        out.append(compare_abs(f"R_x(T, T-{lag * dt:g}) linear, g={g:g}, eta={eta:g}", exact[lag - 1],
                               r.R_x[n, n - lag], 1e-10, "exact: b E[(a + b J)^k]_ii from elliptic moments; "
                               "roundoff only", kind="exact", dt=dt))
    return out
