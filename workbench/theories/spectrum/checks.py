"""Theory against sampled Jacobians: support, edge, strip densities, outliers, exact bars.

Used by ``workbench spectrum SPEC compare``, the tests and the report. Every statistical check uses
K independent samples (seeds ``seed .. seed + K - 1``) and a Student-t tolerance on the sample mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.compare import Comparison, compare_abs
from workbench.errors import SpecError
from workbench.sim.checks import student_k, student_reason, t_stat
from workbench.theories.spectrum.sampler import JacobianSample, bar_populations, sample_jacobian

__all__ = ["OUTSIDE_BAND", "SpectrumChecks", "comparisons", "strip_fractions"]

OUTSIDE_BAND = 0.9
"""Eigenvalues with ``F(lambda) < 0.9`` are clearly outside the predicted support (not edge fuzz)."""
OUTSIDE_TOL = 0.01
"""Allowed fraction of such eigenvalues at N = 2000 (notes §4.4, §5), scaled as the O(N^-1/2) edge band."""
EDGE_BAND = 0.15
"""Strips leave out this fraction of the bulk width at each edge: at N = 2000 the O(N^-1/2) smoothing of the
edges moves mass out of the edge strips (400 samples of ei-jacobian: -9 SE in the last sixth, -6 SE in the first)."""


@dataclass
class SpectrumChecks:
    """The samples and their settings: ``samples`` Jacobians of ``spec`` from ``seed`` on."""

    spec: Any
    samples: int = 4
    seed: int = 0
    fixed_point: bool = False
    strips: int = 4

    def draw(self) -> list[JacobianSample]:
        """Sample the Jacobians (the first one keeps its full spectrum for the exact bar check)."""
        if self.samples < 2:
            raise SpecError("samples", f"need at least 2 samples for a standard error, got {self.samples}")
        bars = bool(bar_populations(self.spec))
        return [
            sample_jacobian(self.spec, self.seed + k, self.fixed_point, full=(k == 0 and bars))
            for k in range(self.samples)
        ]


def _split_outliers(ev: np.ndarray, predicted: list[complex]) -> tuple[np.ndarray, list[complex]]:
    """Bulk eigenvalues and the eigenvalue nearest to each predicted outlier (removed from the bulk)."""
    bulk = ev.copy()
    matched = []
    for z in predicted:
        if bulk.size == 0:
            break
        k = int(np.argmin(np.abs(bulk - z)))
        matched.append(complex(bulk[k]))
        bulk = np.delete(bulk, k)
    return bulk, matched


def strip_fractions(solver: Any, edges: np.ndarray, n_x: int = 6, n_y: int = 24) -> np.ndarray:
    """``int rho dA`` over the vertical strips ``edges[k] <= Re z < edges[k+1]`` (per N eigenvalues)."""
    from numpy.polynomial.legendre import leggauss

    ux, wx = leggauss(n_x)
    uy, wy = leggauss(n_y)
    out = np.zeros(edges.size - 1)
    top = solver.tau_radius() + 1.0 if hasattr(solver, "tau_radius") else None
    for k in range(edges.size - 1):
        a, b = edges[k], edges[k + 1]
        x = a + (b - a) * (ux + 1) / 2
        Y = _height(solver, x, top)
        yy = Y[:, None] * (uy[None, :] + 1) / 2
        rho = solver.density(np.broadcast_to(x[:, None], yy.shape), yy)
        out[k] = 2 * np.sum(wx[:, None] * (b - a) / 2 * wy[None, :] * Y[:, None] / 2 * rho)
    return out


def _height(solver: Any, x: np.ndarray, top: float | None) -> np.ndarray:
    """``Y(x)``: height of the support above ``x`` (0 outside)."""
    if top is None:
        a, b = solver.s * (1 + solver.eta), solver.s * (1 - solver.eta)
        w = (x * solver.tau + 1) / a
        return b * np.sqrt(np.clip(1 - w * w, 0, None)) / solver.tau
    Y = solver._bisect(lambda t: solver.F(x, t) - 1, np.zeros(x.size), np.full(x.size, top))
    return np.where(solver.F(x, 0.0) >= 1, Y, 0.0)


def _mean_se(values: list[float]) -> tuple[float, float]:
    """Sample mean and its standard error."""
    v = np.asarray(values, float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))


def _edge_check(x_R: float, maxima: list[float], ctx: dict[str, Any]) -> Comparison:
    """max Re of the bulk against x_R: absolute, k x the single-sample SD of the maximum (prediction interval).

    x_R of a near-marginal bulk is close to 0 (ei-jacobian: -0.0075, 1.5 % of the bulk width), so the check is
    posed on ``mean(max Re) - x_R`` (theory 0). The finite-N shift of the extreme eigenvalue, O(N^-1/2), is not
    derived; the tolerance is the spread of one sample's edge, ``t_{K-1}`` x its SD.
    """
    k, sd = student_k(dof=len(maxima) - 1), float(np.std(maxima, ddof=1))
    mean, se = _mean_se(maxima)
    return compare_abs(
        "max Re of the bulk - x_R", 0.0, mean - x_R, k * sd,
        f"x_R = {x_R:.4g} is near 0: k x single-sample SD of the edge ({student_reason(k, len(maxima) - 1)}; "
        f"SD = {sd:.3g}, SE of the mean {se:.2g}); the O(N^-1/2) finite-N shift is not derived",
        kind="simulation", **ctx,
    )  # fmt: skip


def comparisons(solver: Any, samples: list[JacobianSample], strips: int = 4) -> list[Comparison]:
    """Theory of ``solver`` against the sampled spectra: one Comparison per checked quantity."""
    N = samples[0].tau.size
    K = len(samples)
    ctx = {"N": N, "samples": K, "seeds": [s.seed for s in samples]}
    x_L, x_R = solver.edges()
    predicted = [z for z in solver.outliers() if z.imag >= 0]
    out: list[Comparison] = []
    bulks, matched = [], []
    for s in samples:
        b, m = _split_outliers(s.core, [*predicted, *(z.conjugate() for z in predicted if z.imag > 0)])
        bulks.append(b)
        matched.append(m[: len(predicted)])
    outside = [float(np.mean(solver.F(b.real, b.imag) < OUTSIDE_BAND)) if b.size else 0.0 for b in bulks]
    tol = OUTSIDE_TOL * math.sqrt(2000 / N)
    out.append(compare_abs(
        "fraction of bulk eigenvalues outside the support (F < 0.9)", 0.0, float(np.mean(outside)), tol,
        f"O(N^-1/2) edge band: {OUTSIDE_TOL:g} of the bulk at N = 2000 (notes §5) x sqrt(2000/N)", kind="simulation",
        **ctx,
    ))  # fmt: skip
    out.append(_edge_check(x_R, [float(b.real.max()) for b in bulks], ctx))
    band = EDGE_BAND * (x_R - x_L)
    edges = np.linspace(x_L + band, x_R - band, strips + 1)
    theory = strip_fractions(solver, edges)
    for k in range(strips):
        frac = [float(np.sum((b.real >= edges[k]) & (b.real < edges[k + 1]))) / N for b in bulks]
        mean, se = _mean_se(frac)
        out.append(t_stat(
            f"fraction in strip {edges[k]:.3g} <= Re z < {edges[k + 1]:.3g}", float(theory[k]), mean, max(se, 0.5 / (N * math.sqrt(K))),
            K - 1, note="SE floored at half an eigenvalue per sample", kind="simulation", **ctx,
        ))  # fmt: skip
    for j, z in enumerate(predicted):
        for part, f in (("Re", np.real), ("Im", np.imag)):
            values = [float(f(m[j])) for m in matched]
            if part == "Im" and z.imag == 0:
                out.append(compare_abs(
                    f"outlier {j} {part}", 0.0, max(values, key=abs), 1e-12 * (1 + abs(z)),
                    "real outlier: a real eigenvalue of a real matrix (round-off), largest |Im| over the samples",
                    kind="simulation", **ctx,
                ))  # fmt: skip
                continue
            mean, se = _mean_se(values)
            out.append(t_stat(f"outlier {j} {part}", float(f(z)), mean, max(se, 1e-12), K - 1, kind="simulation", **ctx))
    full = samples[0]
    if full.full is not None and full.bar.size:
        dist = max(float(np.min(np.abs(full.full - b))) for b in full.bar)
        out.append(compare_abs(
            "bar eigenvalues at -1/tau_i (distance to the full spectrum)", 0.0, dist, 1e-8 * (1 + np.abs(full.bar).max()),
            "round-off: block-triangular Jacobian", kind="exact", N=N, seed=full.seed,
        ))  # fmt: skip
    return out


def sample_arrays(spec: Any, samples: int, seed: int) -> dict[str, np.ndarray]:
    """The sampled spectra as arrays (for the run store): core eigenvalues (K, n), bars, first full spectrum."""
    draws = SpectrumChecks(spec, samples=samples, seed=seed).draw()
    out = {
        "core": np.stack([d.core for d in draws]),
        "bar": np.stack([d.bar for d in draws]),
        "tau": np.stack([d.tau for d in draws]),
        "g": np.stack([d.g for d in draws]),
        "pop": draws[0].pop,
        "seeds": np.array([d.seed for d in draws]),
    }
    if draws[0].full is not None:
        out["full"] = draws[0].full
    return out


def from_arrays(arrays: Any) -> list[JacobianSample]:
    """The samples of :func:`sample_arrays`."""
    full = arrays["full"] if "full" in arrays else None
    return [
        JacobianSample(arrays["tau"][k], arrays["g"][k], arrays["pop"], arrays["bar"][k], arrays["core"][k],
                       int(arrays["seeds"][k]), full if k == 0 else None)
        for k in range(arrays["core"].shape[0])
    ]  # fmt: skip
