"""Lyapunov spectrum from the DMFT: a sampled-gain random-matrix product (Clark; Engelken et al.).

Theory. In the large-N limit the tangent dynamics ``u' = -u / tau + J D(t) u`` has gains
``D_i(t) = d/dx phi(gain x)`` at ``x_i(t)``, which the DMFT makes independent across neurons, each a
function of the stationary Gaussian process of the DMFT (mean ``mu``, autocovariance
``Delta(tau)``), and independent of the couplings seen by the tangent vectors (D. G. Clark,
"Lyapunov spectrum of random neural networks", code ``davidclark1/rnn-lyapunov``: the cumulative
distribution F(s) of the exponents depends only on g and the gain trajectories; the largest
exponent is the DMFT's Schroedinger ``lambda_max``; Engelken, Wolf & Abbott, arXiv:2006.02427, for
the spectrum, Kaplan-Yorke dimension and entropy rate of the network).

Numerical procedure (not derived from the action). Clark evaluates F(s) by a single-site cavity
fixed point on dense kernels (that theory is :mod:`workbench.theories.dmft.lyapunov_cavity`, the CLI's
default); here the same random-matrix product is evaluated by Monte Carlo:
``N`` gain paths are drawn from the DMFT process (``mu``, ``Delta_at``, from
``DMFTProblem(spec).build_solver().solve(spec)``; phi and its derivative from the symbolic
:func:`~workbench.symbolic.gaussian.concrete_phi`) by exact circulant embedding on a periodic time
ring, a fresh coupling matrix is drawn from the spec's law, and the QR method
(:func:`workbench.sim.lyapunov.qr_exponents`) is run on the product of the simulator's discrete
tangent maps ``u <- a u + b J (D(n) u)`` (``a``, ``b`` of :func:`~workbench.sim.simulator.step_coefficients`).
Exponent ``i`` estimates ``lambda(i / N)``; the result carries standard errors over independent
draws (trials) and has an O(1/N) finite-size bias plus the O(dt) difference between the map and
the flow (the simulator's spectrum with the same ``dt`` has the same map).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.spec import ModelSpec

__all__ = ["DMFTLyapunovSpectrum", "lyapunov_spectrum_from_dmft", "sample_stationary_paths"]


@dataclass
class DMFTLyapunovSpectrum:
    """Lyapunov spectrum of the DMFT's sampled-gain product (exponents per unit time, descending).

    Attributes
    ----------
    fractions : ndarray (k,)
        ``i / N`` of exponent i (i = 1..k).
    exponents, stderr : ndarray (k,)
        Mean over trials and its standard error.
    per_trial : ndarray (trials, k)
    lyapunov_max : float
        The DMFT's largest exponent (Schroedinger operator), for comparison with ``exponents[0]``.
    kaplan_yorke_fraction, kaplan_yorke_fraction_stderr : float
        ``D_KY / N`` (NaN if the k exponents do not reach the zero of their cumulative sum).
    entropy_rate_per_neuron, entropy_rate_per_neuron_stderr : float
        Sum of the positive exponents over N (Pesin).
    info : dict
    """

    fractions: np.ndarray
    exponents: np.ndarray
    stderr: np.ndarray
    per_trial: np.ndarray
    lyapunov_max: float
    kaplan_yorke_fraction: float
    kaplan_yorke_fraction_stderr: float
    entropy_rate_per_neuron: float
    entropy_rate_per_neuron_stderr: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, k: int | None = None) -> dict[str, Any]:
        """JSON-friendly dict with the first ``k`` exponents (all if None)."""
        sl = slice(None if k is None else int(k))
        return {
            "fractions": self.fractions[sl].tolist(),
            "exponents": self.exponents[sl].tolist(),
            "stderr": self.stderr[sl].tolist(),
            "lyapunov_max": self.lyapunov_max,
            "kaplan_yorke_fraction": self.kaplan_yorke_fraction,
            "kaplan_yorke_fraction_stderr": self.kaplan_yorke_fraction_stderr,
            "entropy_rate_per_neuron": self.entropy_rate_per_neuron,
            "entropy_rate_per_neuron_stderr": self.entropy_rate_per_neuron_stderr,
            "info": dict(self.info),
        }


def sample_stationary_paths(
    cov: np.ndarray, n_paths: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Paths (n, n_paths) of a stationary Gaussian process on a ring of n steps by circulant embedding.

    ``cov[j]`` is the covariance at lag ``min(j, n - j)`` steps. The circulant's eigenvalues are
    the FFT of ``cov``; negative ones (from truncating the covariance at half the ring) are set to
    zero and their relative weight returned. Real and imaginary parts of one complex draw are two
    independent paths.
    """
    n = cov.size
    lam = np.fft.fft(cov).real
    clipped = float(-lam[lam < 0].sum() / max(np.abs(lam).sum(), 1e-300))
    amp = np.sqrt(np.clip(lam, 0.0, None) / n)[:, None]
    m = (n_paths + 1) // 2
    z = rng.standard_normal((n, m)) + 1j * rng.standard_normal((n, m))
    y = np.fft.fft(amp * z, axis=0)
    return np.concatenate([y.real, y.imag], axis=1)[:, :n_paths], clipped


def _check(spec: ModelSpec, k: int | None, fraction: float, N: int, trials: int) -> int:
    """The number of exponents to compute; SpecError for bad input."""
    if spec.n_populations != 1:
        raise SpecError("populations", "the DMFT Lyapunov spectrum is implemented for one population")
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2:
        raise SpecError("N", f"the sampled product needs an integer N >= 2, got {N!r}")
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise SpecError("trials", f"must be an integer >= 2 (the error bar is over trials), got {trials!r}")
    if not (0 < fraction <= 1):
        raise SpecError("fraction", f"must be in (0, 1], got {fraction}")
    n_all = max(1, math.ceil(fraction * N))
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= N:
            raise SpecError("k", f"must be an integer with 1 <= k <= N = {N}, got {k!r}")
        n_all = max(n_all, int(k))
    return n_all


def _gain_function(spec: ModelSpec) -> Any:
    """Numeric ``x -> d/dx phi(gain x)`` (the gain included, broadcast to x's shape) from the symbolic phi."""
    import sympy as sp

    from workbench.codegen import compile_system
    from workbench.spec import X
    from workbench.symbolic.gaussian import concrete_phi

    phi = concrete_phi(spec, 0)
    f = compile_system([phi, sp.diff(phi, X)], [X], backend="numpy", name="phi_dphi_gain")
    return lambda x: np.broadcast_to(np.asarray(f(x)[1], dtype=float), np.shape(x))


def lyapunov_spectrum_from_dmft(
    spec: ModelSpec,
    k: int | None = None,
    fraction: float = 0.5,
    *,
    N: int = 200,
    T: float = 200.0,
    dt: float = 0.05,
    trials: int = 2,
    seed: int = 0,
    renorm_every: int = 5,
    method: str = "exp",
    result: Any = None,
) -> DMFTLyapunovSpectrum:
    """First ``max(k, ceil(fraction N))`` Lyapunov exponents of the DMFT's sampled-gain product.

    Parameters
    ----------
    spec : ModelSpec
        One population; its coupling law gives J, its DMFT the gain paths.
    k : int, optional
        Number of exponents wanted (at least ``ceil(fraction N)`` are computed, for D_KY / N).
    fraction : float
        Fraction of the N exponents computed (the Kaplan-Yorke dimension needs its zero crossing).
    N : int
        Size of the sampled product (the theory's O(1/N) bias shrinks with it).
    T, dt, renorm_every, method
        Ring length (time), step, QR interval and integrator (as :func:`workbench.sim.lyapunov.lyapunov_spectrum`).
    trials : int
        Independent draws of (J, gain paths, tangent vectors); standard errors are over them.
    seed : int
        Root seed of ``SeedSequence``, spawning one child per trial.
    result : DMFTResult, optional
        A DMFT solution of ``spec`` (solved with curves and the Lyapunov exponent if not given).
    """
    from workbench.sim.lyapunov import entropy_rate, initial_tangents, kaplan_yorke_dimension, qr_exponents
    from workbench.sim.network import sample_J
    from workbench.sim.simulator import step_coefficients

    n_all = _check(spec, k, fraction, N, trials)
    if not (T > 0 and dt > 0 and T / dt >= 2):
        raise SpecError("T", f"needs T > 0, dt > 0 and at least 2 steps, got T = {T}, dt = {dt}")
    if result is None:
        from workbench.theories.dmft.problem import shared_solver

        result = shared_solver(spec).solve(spec)
    if not hasattr(result, "Delta_at"):
        raise SpecError("method", "the DMFT result has no Delta(tau) (use the one-population energy solver)")
    n_steps = int(round(T / dt))
    lags = np.minimum(np.arange(n_steps), n_steps - np.arange(n_steps)) * dt
    cov = result.Delta_at(lags)
    dphi = _gain_function(spec)
    tau = float(spec.populations[0].tau.value)
    a, b, _ = step_coefficients(np.array([tau]), dt, 0.0, method, False)
    spec_N = spec.with_overrides(N=int(N))
    per, clipped = [], 0.0
    for child in np.random.SeedSequence(seed).spawn(int(trials)):
        rng_J, rng_x, rng_q = (np.random.default_rng(s) for s in child.spawn(3))
        J = sample_J(spec_N, rng_J)
        x, c = sample_stationary_paths(cov, int(N), rng_x)
        clipped = max(clipped, c)
        D = dphi(result.mu + x)

        def step(n: int, Q: np.ndarray, D: np.ndarray = D, J: np.ndarray = J) -> np.ndarray:
            """Tangent map of step n: ``a Q + b J (D(n) Q)``."""
            return a[0] * Q + b[0] * (J @ (D[n - 1][:, None] * Q))

        Q0 = initial_tangents(rng_q, int(N), 1, n_all)
        per.append(qr_exponents(step, Q0, 1, n_steps, dt, renorm_every)[0])
    per = np.array(per)
    K = per.shape[0]
    ky = np.array([kaplan_yorke_dimension(p) for p in per]) / N
    h = np.array([entropy_rate(p) for p in per]) / N
    mean = per.mean(axis=0)
    info = {"N": int(N), "trials": K, "T": T, "dt": dt, "seed": seed, "renorm_every": renorm_every,
            "method": f"sampled-gain QR ({method})", "circulant_clipped": clipped, "Delta0": result.Delta0,
            "mu": result.mu}
    return DMFTLyapunovSpectrum(
        fractions=np.arange(1, n_all + 1) / N,
        exponents=mean,
        stderr=per.std(axis=0, ddof=1) / math.sqrt(K),
        per_trial=per,
        lyapunov_max=float(result.lyapunov),
        kaplan_yorke_fraction=kaplan_yorke_dimension(mean) / N,
        kaplan_yorke_fraction_stderr=float(ky.std(ddof=1) / math.sqrt(K)),
        entropy_rate_per_neuron=entropy_rate(mean) / N,
        entropy_rate_per_neuron_stderr=float(h.std(ddof=1) / math.sqrt(K)),
        info=info,
    )
