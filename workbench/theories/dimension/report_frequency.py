"""Report "dimension": the frequency-resolved pair function psi(w1, w2) of a tanh network against simulation.

The two-site cavity's ``psi(w1, w2) = N E_{i != j} S_ij(w1) conj S_ij(w2)`` (whose double integral is the equal-time
N var_cross) on the diagonal ``psi(w, w)`` and the row ``psi(0, w)``, against the cross-block pair estimates of
simulated networks (:mod:`workbench.theories.dimension.frequency_checks`): the prediction smoothed by the estimator's
taper kernel, with the exponential-Euler step shift of the linear equivalent applied. The network means take the
linear-twin control variate (:func:`~workbench.theories.dimension.frequency_checks.psi_means`): the exact psi of each
simulated network's linear twin, its mean over ``psi_reference`` networks drawn (seeds ``seed + PSI_REFERENCE_SEED +
i``) but not simulated (:func:`psi_reference_jobs`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np

from workbench.report.content import Code, ReportContent
from workbench.report.context import ReportContext

__all__ = ["PSI_CASE", "PSI_REFERENCE_SEED", "frequency_section", "psi_jobs", "psi_reference_jobs",
           "psi_reference_samples", "psi_samples"]

PSI_CASE = {"phi": "tanh", "g": 1.2, "sigma2": 1.0}
"""The network whose psi is checked (the white-noise tanh case of the PR/N checks, g_eff = 0.77)."""
_TWIN_CODE = ("workbench.theories.dimension.frequency_checks",)
"""Code the twin psi of the stored runs depends on (beside ``SIM_CODE`` and the compute function)."""
PSI_REFERENCE_SEED = 1_000_000
"""Offset of the reference networks' seeds (``seed + PSI_REFERENCE_SEED + i``), away from the simulated ones."""


def _run(P: Mapping[str, Any], networks: int | None = None, seed: int | None = None) -> Any:
    """The simulation and estimator settings of the report parameters ``psi_*``."""
    from workbench.theories.dimension.frequency_checks import PsiRun

    return PsiRun(N=P["psi_N"], networks=networks or P["psi_networks"], T=P["psi_T"], dt=P["psi_dt"],
                  seed=P["seed"] if seed is None else seed, dtype=P["psi_dtype"])


def psi_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: psi of x and phi of ``run.networks`` networks (seeds ``run.seed + i``) at ``w``, and the
    exact psi of each network's linear twin (``twin``, gain ``params["twin_gain"]``)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.frequency_checks import PsiRun, measure_psi, twin_psi_samples

    run = PsiRun(**params["run"])
    spec = ModelSpec.from_dict(dict(params["spec"]))
    w = np.asarray(params["w"], dtype=float)
    seeds = [run.seed + i for i in range(run.networks)]
    rows = [measure_psi(spec, run, w, s) for s in seeds]
    out = {k: np.array([r[k] for r in rows]) for k in ("x", "phi")}
    out["twin"] = twin_psi_samples(spec.replace(N=run.N), seeds, w, float(params["twin_gain"]), params["control_w_max"])
    return out


def psi_reference_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: the exact linear-twin psi of ``networks`` networks drawn, not simulated, with seeds
    ``seed + i`` (the reference mean of the psi control variate)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.frequency_checks import twin_psi_samples

    spec = ModelSpec.from_dict(dict(params["spec"]))
    seeds = [int(params["seed"]) + i for i in range(int(params["networks"]))]
    return {"twin": twin_psi_samples(spec, seeds, np.asarray(params["w"], dtype=float), float(params["twin_gain"]),
                                     params["control_w_max"])}


def _twin_gain() -> float:
    """The linear twin's gain ``<phi'>`` of :data:`PSI_CASE` (DMFT; cached by :func:`~.checks.twin_gain`)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.checks import twin_gain

    return twin_gain(ModelSpec.simple(**PSI_CASE))


def psi_jobs(P: Mapping[str, Any]) -> dict[tuple[str, int], Any]:
    """Stored runs of ``psi_networks`` networks in chunks of ``psi_chunk`` (so that workers share them)."""
    from workbench.sim.runs import SIM_CODE
    from workbench.spec import ModelSpec
    from workbench.store import RunJob

    spec = ModelSpec.simple(N=P["psi_N"], **PSI_CASE)
    gain = _twin_gain()
    jobs = {}
    for c, start in enumerate(range(0, P["psi_networks"], P["psi_chunk"])):
        run = _run(P, networks=min(P["psi_chunk"], P["psi_networks"] - start), seed=P["seed"] + start)
        params = {"spec": spec.to_dict(), "run": asdict(run), "w": [float(v) for v in P["psi_w"]], "twin_gain": gain,
                  "control_w_max": float(P["psi_control_w_max"])}
        jobs["psi", c] = RunJob("dimension.psi", params, psi_samples, (*SIM_CODE, psi_samples, *_TWIN_CODE),
                                f"psi(w1, w2) N={run.N} networks {start}-{start + run.networks - 1}")
    return jobs


def psi_reference_jobs(P: Mapping[str, Any]) -> dict[tuple[str, int], Any]:
    """Stored runs of the ``psi_reference`` reference networks of the twin control variate, in chunks of
    ``psi_reference_chunk`` (seeds ``seed + PSI_REFERENCE_SEED + i``)."""
    from workbench.sim.runs import SIM_CODE
    from workbench.spec import ModelSpec
    from workbench.store import RunJob

    spec = ModelSpec.simple(N=P["psi_N"], **PSI_CASE)
    gain, total, chunk = _twin_gain(), P["psi_reference"], P["psi_reference_chunk"]
    jobs = {}
    for c, start in enumerate(range(0, total, chunk)):
        n = min(chunk, total - start)
        params = {"spec": spec.to_dict(), "networks": n, "seed": P["seed"] + PSI_REFERENCE_SEED + start,
                  "w": [float(v) for v in P["psi_w"]], "twin_gain": gain,
                  "control_w_max": float(P["psi_control_w_max"])}
        jobs["psi_reference", c] = RunJob("dimension.psi_reference", params, psi_reference_samples,
                                          (*SIM_CODE, psi_reference_samples, *_TWIN_CODE),
                                          f"psi twin reference N={spec.N} networks {start}-{start + n - 1}")
    return jobs


def _samples(ctx: ReportContext, P: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """All chunks' psi samples, stacked over networks."""
    arrays = [ctx.run_job(job).arrays for job in psi_jobs(P).values()]
    return {k: np.concatenate([a[k] for a in arrays]) for k in ("x", "phi", "twin")}


def _reference(ctx: ReportContext, P: Mapping[str, Any]) -> np.ndarray:
    """The reference networks' exact twin psi, stacked."""
    return np.concatenate([ctx.run_job(job).arrays["twin"] for job in psi_reference_jobs(P).values()])


def frequency_section(ctx: ReportContext, content: ReportContent) -> None:
    """Text, figure (diagonal and zero row of psi, theory against simulation) and the checks."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.frequency_checks import psi_comparisons, psi_means, psi_step_bias, smoothed_psi
    from workbench.theories.dimension.linear import frequency_resolved
    from workbench.theories.dimension.nonlinear import unit_spectra

    P = ctx.params
    run = _run(P)
    w = np.asarray(P["psi_w"], dtype=float)
    spec = ModelSpec.simple(**PSI_CASE)
    samples, reference = _samples(ctx, P), _reference(ctx, P)
    keep = psi_comparisons(spec, run, w, samples, pairs=[(k, l) for k in range(len(w)) for l in range(k, len(w))
                                                         if k == 0 or k == l],  # the zero row and the diagonal
                           reference=reference)
    sp_ = unit_spectra(spec)
    g_eff = float(sp_.g * math.sqrt(sp_.d2))
    grid = np.linspace(0.0, float(w.max()) * 1.05, 43)
    curves = {}
    for which in ("x", "phi"):
        full = smoothed_psi(sp_, np.concatenate([[0.0], grid]), run, f"psi_{which}")
        shift = psi_step_bias(g_eff, spec.noise.sigma2, np.concatenate([[0.0], grid]), run)
        full = full * (1.0 + shift)
        curves[which] = {"diag": np.diag(full)[1:], "row0": full[0, 1:]}
    n = samples["x"].shape[0]
    means = {which: psi_means(samples, which, reference) for which in ("x", "phi")}
    points = {which: {"mean": m.mean, "se": m.se} for which, m in means.items()}
    gains = means["x"].variance_ratio
    lin_diag = frequency_resolved(g_eff, spec.noise.sigma2, w[:2])["N_var_cross"]
    lin_shift = np.diag(reference.mean(axis=0))[:2] / lin_diag - 1.0
    sims = (f"N = {run.N}, {n} networks x {run.trials} trials of T = {run.T:g} after {run.burn_in:g}, dt = {run.dt:g}, "
            f"{run.dtype} steps, samples every {run.sample_every:g}, {run.n_blocks} blocks per trial, Hann segments of "
            f"{run.segment_time:g}, network i has seed {P['seed']} + i")
    sec = content.section("Frequency-resolved cross-covariances")
    sec.text("The two-site cavity predicts the pair function psi(w1, w2) = N E[S_ij(w1) conj S_ij(w2)] over pairs i != j "
             "of the cross-spectral densities, whose double integral over frequencies is the equal-time N var_cross "
             "(", Code(f"workbench dimension --phi {PSI_CASE['phi']} --g {PSI_CASE['g']:g} --sigma2 "
                       f"{PSI_CASE['sigma2']:g}"), f", g_eff = {g_eff:.2f}; "
             "workbench.theories.dimension.nonlinear.psi_frequency). The simulated estimate "
             "(workbench.sim.cross_spectrum.cross_spectrum_pairs) multiplies cross-spectra of independent blocks "
             "only, so it carries no noise-squared bias; what it measures is psi smoothed by the taper kernel in both "
             "frequencies, which the prediction is too. The exponential Euler step delays the recurrent input by about "
             "half a step and decorrelates distant frequencies (psi(0, 1.5) of a linear network is 8.4 % low at "
             "dt = 0.05, exactly); that shift, computed for the linear equivalent, is applied to the prediction. "
             "Near w = 0 most of the spread over networks is quenched: the slow modes of each drawn J. The exact psi "
             "of each network's linear twin (couplings <phi'> J, a function of J alone: "
             "workbench.theories.dimension.frequency_checks.twin_psi) follows it, and its disorder mean is measured on "
             f"{reference.shape[0]} further networks that are drawn but not simulated (a two-phase control variate, "
             "workbench.theories.dimension.checks.two_phase_mean), for both frequencies up to "
             f"{P['psi_control_w_max']:g}. It divides the variance of the network mean of psi_x(0, 0) by "
             f"{gains[0, 0]:.2g}; "
             "at higher frequencies the spread is temporal, which the twin's flow does not see, and the mean is plain. "
             "The reference networks "
             f"also measure the linear equivalent's own finite-size shift at N = {run.N}: its mean psi(0, 0) is "
             f"{lin_shift[0]:+.1%} and psi({w[1]:g}, {w[1]:g}) {lin_shift[1]:+.1%} off the linear theory at "
             f"N = infinity (g_eff = {g_eff:.3g}), the finite-N eigenvalues near 1 of a drawn J. The nonlinear network's "
             "1/N term of psi is not derived (its equal-time rest partly cancels the linear one), so near w = 0 the "
             "comparison with the N = infinity prediction carries a finite-size shift of that order; psi(0, 0) is "
             "checked against the N = infinity value as it stands.")
    fig = plots.psi_figure(grid, curves, w, points)
    sec.figure(ctx.save_figure(fig, "psi", "Frequency-resolved pair function of x and phi: the diagonal psi(w, w) "
                               "and the zero row psi(0, w), theory (lines) against the simulated network means with "
                               f"2 SE ({sims})."))
    sec.checks(keep, caption=f"psi(w1, w2) on the diagonal and the zero row, Student-t over networks (linear-twin "
               f"control variate, {reference.shape[0]} reference networks with seeds {P['seed']} + "
               f"{PSI_REFERENCE_SEED} + i): {sims}.")
