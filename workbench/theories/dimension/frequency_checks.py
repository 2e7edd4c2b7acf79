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

Near w = 0 the network-to-network spread of psi is quenched (slow modes of the drawn J: at N = 300, g_eff = 0.77,
about 7/8 of the variance of psi(0, 0) from 4 trials of T = 1600). The exact psi of each network's linear twin's flow
(:func:`twin_psi`, couplings ``<phi'> J``, a function of J alone, about 0.05 s at N = 300 for three frequencies)
follows it (correlation 0.93 at (0, 0), 0.77 at (0.5, 0.5), < 0.4 from w = 1 on, where the spread is temporal and
the twin is not computed: ``w_max``); its disorder mean at N is not derived, so :func:`psi_means` takes a two-phase
control variate (:func:`~workbench.theories.dimension.checks.two_phase_mean`): the twin's mean over many cheap
reference networks (:func:`twin_psi_samples`), no simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.compare import Comparison
from workbench.sim.checks import t_stat
from workbench.sim.simulator import check_dtype
from workbench.spec import ModelSpec

__all__ = ["TWIN_MIN_NETWORKS", "PsiRun", "measure_psi", "psi_comparisons", "psi_means", "psi_step_bias",
           "smoothed_psi", "twin_psi", "twin_psi_samples"]


@dataclass(frozen=True)
class PsiRun:
    """Simulation and estimator settings: N, networks x trials of T after a burn-in, step dt, samples every
    ``sample_every``, ``n_blocks`` blocks per trial with Hann segments of ``segment_time``, seeds ``seed + i``;
    ``dtype`` the simulations' precision (float32: 2.5x faster products at N = 300, K = 2; samples in float64)."""

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
    dtype: str = "float64"

    def __post_init__(self) -> None:
        """Refuse an unknown precision (one-line SpecError)."""
        check_dtype(self.dtype)

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
    step = []
    for u in np.asarray(w, dtype=float):
        Rd = np.linalg.inv(eye - Ms * np.exp(-1j * u * dts))
        step.append(dts * Rd @ Q @ Rd.conj().T)
    return pair_function(step) / twin_psi(J, 1.0, sigma2, w) - 1.0


def measure_psi(spec: ModelSpec, run: PsiRun, w: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """psi estimates of x and phi of one simulated network (seed ``seed``)."""
    from workbench.sim import simulate
    from workbench.sim.cross_spectrum import cross_spectrum_pairs

    sim = simulate(spec.replace(N=run.N), T=run.burn_in + run.T, dt=run.dt, trials=run.trials, seed=seed,
                   burn_in=run.burn_in, stride=run.stride, record=("traj", "traj_phi"), neurons=run.N, blas_threads=1,
                   dtype=run.dtype)
    return {which: cross_spectrum_pairs(traj, w, dt=run.sample_every, n_blocks=run.n_blocks,
                                        segment_time=run.segment_time).psi
            for which, traj in (("x", sim.traj), ("phi", sim.traj_phi))}


def twin_psi(J: np.ndarray, gain: float, sigma2: float, w: np.ndarray, w_max: float = math.inf) -> np.ndarray:
    """psi(w_k, w_l) of the flow of the linear twin of couplings ``J`` (couplings ``gain J``, white noise ``sigma2``):
    exact and unsmoothed, :func:`~workbench.sim.cross_spectrum.pair_function` of ``sigma2 R(w) R(w)^H`` with
    ``R(w) = ((1 + i w) - gain J)^-1``; a control variate of the network's quenched spread (any function of J is).
    Only frequencies ``|w| <= w_max`` are computed (NaN rows and columns elsewhere): the quenched spread sits near 0."""
    import scipy.linalg

    from workbench.sim.cross_spectrum import pair_function

    w = np.asarray(w, dtype=float)
    keep = np.flatnonzero(np.abs(w) <= w_max)
    out = np.full((len(w), len(w)), np.nan)
    if len(keep) == 0:
        return out
    N = J.shape[0]
    spectra = []
    for u in w[keep]:
        A = (1.0 + 1j * u) * np.eye(N) - gain * J if u != 0 else np.eye(N) - gain * J  # real at w = 0: 4x cheaper
        R = scipy.linalg.inv(A, overwrite_a=True, check_finite=False)
        spectra.append(sigma2 * (R @ R.conj().T))
    out[np.ix_(keep, keep)] = pair_function(spectra)
    return out


def twin_psi_samples(spec: ModelSpec, seeds: Sequence[int], w: np.ndarray, gain: float,
                     w_max: float = math.inf) -> np.ndarray:
    """:func:`twin_psi` of the networks the simulator draws for ``seeds`` (shape ``(len(seeds), F, F)``)."""
    from workbench.theories.dimension.checks import simulated_network

    return np.array([twin_psi(simulated_network(spec, s).J, gain, spec.noise.sigma2, w, w_max) for s in seeds])


TWIN_MIN_NETWORKS = 12
"""Fewest simulated networks for which :func:`psi_means` fits the twin control (below: the plain mean; a slope fitted
on a handful of networks is noise, and so is the SE of the fit)."""


@dataclass(frozen=True)
class PsiMeans:
    """Network means of psi (``F x F`` arrays): ``mean``, ``se``, ``dof`` and ``variance_ratio`` (plain / this
    variance; 1 for the plain mean), ``controlled`` (where the twin control is used), ``reference`` networks of the
    twin control (0: none)."""

    mean: np.ndarray
    se: np.ndarray
    dof: np.ndarray
    variance_ratio: np.ndarray
    controlled: np.ndarray
    reference: int


def psi_means(samples: Mapping[str, np.ndarray], which: str, reference: np.ndarray | None = None) -> PsiMeans:
    """The network mean of ``samples[which]`` (networks x F x F): plain, or with ``samples["twin"]`` (the networks'
    :func:`twin_psi`) and ``reference`` (the same on independent networks) the two-phase control-variate mean of
    each entry (:func:`~workbench.theories.dimension.checks.two_phase_mean`), from :data:`TWIN_MIN_NETWORKS` networks
    on; plain where the twin is NaN (frequencies above its ``w_max``)."""
    from workbench.theories.dimension.checks import two_phase_mean

    A = np.asarray(samples[which], dtype=float)
    n, F = A.shape[0], A.shape[1]
    mean, se = A.mean(axis=0), A.std(axis=0, ddof=1) / math.sqrt(n)
    dof, ratio, controlled = np.full((F, F), n - 1), np.ones((F, F)), np.zeros((F, F), bool)
    if reference is None or "twin" not in samples or n < TWIN_MIN_NETWORKS:
        return PsiMeans(mean, se, dof, ratio, controlled, 0)
    T, R = np.asarray(samples["twin"], dtype=float), np.asarray(reference, dtype=float)
    controlled = ~(np.isnan(T).any(axis=0) | np.isnan(R).any(axis=0))  # no control above the twin's w_max
    for k, l in zip(*np.nonzero(controlled), strict=True):
        cm = two_phase_mean(A[:, k, l], T[:, k, l], R[:, k, l])
        mean[k, l], se[k, l], dof[k, l], ratio[k, l] = cm.estimate, cm.se, cm.dof, cm.variance_ratio
    return PsiMeans(mean, se, dof, ratio, controlled, R.shape[0])


def psi_comparisons(spec: ModelSpec, run: PsiRun, w: np.ndarray, samples: Mapping[str, np.ndarray],
                    pairs: Sequence[tuple[int, int]] | None = None,
                    reference: np.ndarray | None = None) -> list[Comparison]:
    """psi(w_k, w_l) of x and phi for the index ``pairs`` (default: every k <= l): network means of
    ``samples[which]`` (networks x F x F; :func:`psi_means`, with the linear-twin control variate when ``samples``
    holds ``twin`` and ``reference`` is given) against the smoothed prediction with the step bias subtracted
    (Student-t)."""
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
        m = psi_means(samples, which, reference)
        extra = {"reference_networks": m.reference} if m.reference else {}
        for k, l in pairs:
            shifted = float(theory[k, l] * (1.0 + bias[k, l]))
            note = f"cross-block psi; theory taper-smoothed, with the step shift {bias[k, l]:+.2%} (linear equivalent)"
            if m.controlled[k, l]:
                note += (f"; linear-twin control variate (exact twin psi, its mean over {m.reference} reference "
                         f"networks): variance / {m.variance_ratio[k, l]:.3g}")
            out.append(t_stat(f"psi_{which}({w[k]:g}, {w[l]:g})", shifted, float(m.mean[k, l]), float(m.se[k, l]),
                              int(m.dof[k, l]), note=note, kind="simulation", **context, **extra))
    return out
