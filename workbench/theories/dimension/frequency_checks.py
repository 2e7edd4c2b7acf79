"""The frequency-resolved pair function psi(w1, w2) of the two-site cavity against simulated networks.

:func:`~workbench.theories.dimension.nonlinear.psi_frequency` predicts ``psi(w1, w2) = N E_{i != j} S_ij(w1)
conj S_ij(w2)`` (its double integral is N var_cross of the equal-time covariance);
:func:`~workbench.sim.cross_spectrum.cross_spectrum_pairs` estimates it from trajectories without the noise-squared
bias. What that estimator measures on average is psi smoothed by its taper kernel in both frequencies
(:func:`smoothed_psi`). The simulator's exponential Euler step shifts the phase of the recurrent input by about half
a step, which decorrelates distant frequencies: for a linear network at g = 0.6 (samples every 0.25) psi(0, 1.5) is
8.4 % low at dt = 0.05, 4.2 % at dt = 0.025 and 2.1 % at dt = 0.0125 (exact, the step map's sampled spectrum against
the flow's on one J). :func:`psi_step_bias` computes that relative shift for a linear network at the coupling
``g_eff = g d`` of the linear equivalent (exact for a linear network, an estimate for a nonlinear one), and
:func:`psi_comparisons` applies it to the prediction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.compare import Comparison
from workbench.sim.checks import t_stat
from workbench.spec import ModelSpec

__all__ = ["PsiRun", "measure_psi", "psi_comparisons", "psi_step_bias", "smoothed_psi"]


@dataclass(frozen=True)
class PsiRun:
    """Simulation and estimator settings: N, networks x trials of T after a burn-in, step dt, samples every
    ``sample_every``, ``n_blocks`` blocks per trial with Hann segments of ``segment_time``, seeds ``seed + i``."""

    N: int = 300
    networks: int = 6
    trials: int = 2
    T: float = 1600.0
    burn_in: float = 50.0
    dt: float = 0.0125
    sample_every: float = 0.25
    n_blocks: int = 8
    segment_time: float = 50.0
    seed: int = 900

    @property
    def stride(self) -> int:
        """Steps per sample."""
        return int(round(self.sample_every / self.dt))

    @property
    def segment(self) -> int:
        """Samples per segment."""
        return int(round(self.segment_time / self.sample_every))


def smoothed_psi(sp_: Any, w: np.ndarray, run: PsiRun, which: str = "psi_x", points: int = 241) -> np.ndarray:
    """The prediction at ``w x w`` smoothed by the estimator's taper kernel in both frequencies (12 kernel widths
    ``2 pi / segment_time`` either side, ``points`` nodes each)."""
    from workbench.sim.cross_spectrum import taper_kernel
    from workbench.theories.dimension.nonlinear import psi_frequency

    half = 12 * 2 * math.pi / run.segment_time
    grids = []
    for wk in np.asarray(w, dtype=float):
        u = np.linspace(wk - half, wk + half, points)
        grids.append((u, taper_kernel(wk - u, run.segment, run.sample_every) * (u[1] - u[0]) / (2 * math.pi)))
    out = np.zeros((len(grids), len(grids)))
    for k, (u, Ku) in enumerate(grids):
        for l, (v, Kv) in enumerate(grids):
            out[k, l] = Ku @ psi_frequency(sp_, u, v)[which] @ Kv
    return out


def psi_step_bias(g_eff: float, sigma2: float, w: np.ndarray, run: PsiRun, seed: int = 0) -> np.ndarray:
    """Relative shift ``psi_step / psi_flow - 1`` at ``w x w`` of a linear network with coupling ``g_eff`` (one drawn
    J of size ``run.N``): the simulator's step map sampled every ``sample_every`` against the flow."""
    from workbench.sim import build_network
    from workbench.sim.cross_spectrum import pair_function
    from workbench.sim.simulator import step_coefficients

    N, dts = run.N, run.sample_every
    J = build_network(ModelSpec.simple(N=N, g=g_eff, phi="linear", sigma2=sigma2), seed).J
    eye = np.eye(N)
    a, b, nf = (float(np.asarray(v).ravel()[0]) for v in step_coefficients(np.ones(1), run.dt, sigma2, "exp", True))
    M = a * eye + b * J
    Ms, Q, Mk = np.linalg.matrix_power(M, run.stride), np.zeros((N, N)), eye.copy()
    for _ in range(run.stride):
        Q += nf**2 * Mk @ Mk.T
        Mk = M @ Mk
    flow, step = [], []
    for u in np.asarray(w, dtype=float):
        R = np.linalg.inv((1 + 1j * u) * eye - J)
        flow.append(sigma2 * R @ R.conj().T)
        Rd = np.linalg.inv(eye - Ms * np.exp(-1j * u * dts))
        step.append(dts * Rd @ Q @ Rd.conj().T)
    return pair_function(step) / pair_function(flow) - 1.0


def measure_psi(spec: ModelSpec, run: PsiRun, w: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """psi estimates of x and phi of one simulated network (seed ``seed``)."""
    from workbench.sim import simulate
    from workbench.sim.cross_spectrum import cross_spectrum_pairs

    sim = simulate(spec.replace(N=run.N), T=run.burn_in + run.T, dt=run.dt, trials=run.trials, seed=seed,
                   burn_in=run.burn_in, stride=run.stride, record=("traj", "traj_phi"), neurons=run.N, blas_threads=1)
    return {which: cross_spectrum_pairs(traj, w, dt=run.sample_every, n_blocks=run.n_blocks,
                                        segment_time=run.segment_time).psi
            for which, traj in (("x", sim.traj), ("phi", sim.traj_phi))}


def psi_comparisons(spec: ModelSpec, run: PsiRun, w: np.ndarray, samples: dict[str, np.ndarray],
                    pairs: Sequence[tuple[int, int]] | None = None) -> list[Comparison]:
    """psi(w_k, w_l) of x and phi for the index ``pairs`` (default: every k <= l): network means of
    ``samples[which]`` (networks x F x F) against the smoothed prediction with the step bias subtracted (Student-t,
    networks - 1 dof)."""
    from workbench.errors import SpecError
    from workbench.theories.dimension.nonlinear import unit_spectra

    if spec.noise.kind != "white" or not spec.noise.sigma2 > 0:
        raise SpecError("noise", f"the step shift here is that of white noise (sigma2 > 0), got {spec.noise.kind} noise")
    if pairs is None:
        pairs = [(k, l) for k in range(len(w)) for l in range(k, len(w))]
    sp_ = unit_spectra(spec)
    g_eff = float(sp_.g * math.sqrt(sp_.d2))
    bias = psi_step_bias(g_eff, spec.noise.sigma2, w, run)
    context = {"N": run.N, "networks": run.networks, "trials": run.trials, "T": run.T, "dt": run.dt,
               "seed": f"{run.seed} + i"}
    out = []
    for which in ("x", "phi"):
        theory = smoothed_psi(sp_, w, run, f"psi_{which}")
        A = np.asarray(samples[which])
        mean, se = A.mean(axis=0), A.std(axis=0, ddof=1) / math.sqrt(A.shape[0])
        for k, l in pairs:
            shifted = float(theory[k, l] * (1.0 + bias[k, l]))
            out.append(t_stat(f"psi_{which}({w[k]:g}, {w[l]:g})", shifted, float(mean[k, l]), float(se[k, l]),
                              A.shape[0] - 1, note=f"cross-block psi; theory taper-smoothed, with the step shift "
                              f"{bias[k, l]:+.2%} (linear equivalent)", kind="simulation", **context))
    return out
