"""Report "dimension": the frequency-resolved pair function psi(w1, w2) of a tanh network against simulation.

The two-site cavity's ``psi(w1, w2) = N E_{i != j} S_ij(w1) conj S_ij(w2)`` (whose double integral is the equal-time
N var_cross) on the diagonal ``psi(w, w)`` and the row ``psi(0, w)``, against the cross-block pair estimates of
simulated networks (:mod:`workbench.theories.dimension.frequency_checks`): the prediction smoothed by the estimator's
taper kernel, with the exponential-Euler step shift of the linear equivalent applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np

from workbench.report.content import Code, ReportContent
from workbench.report.context import ReportContext

__all__ = ["PSI_CASE", "frequency_section", "psi_jobs", "psi_samples"]

PSI_CASE = {"phi": "tanh", "g": 1.2, "sigma2": 1.0}
"""The network whose psi is checked (the white-noise tanh case of the PR/N checks, g_eff = 0.77)."""


def _run(P: Mapping[str, Any], networks: int | None = None, seed: int | None = None) -> Any:
    """The simulation and estimator settings of the report parameters ``psi_*``."""
    from workbench.theories.dimension.frequency_checks import PsiRun

    return PsiRun(N=P["psi_N"], networks=networks or P["psi_networks"], T=P["psi_T"], dt=P["psi_dt"],
                  seed=P["seed"] if seed is None else seed)


def psi_samples(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute: psi of x and phi of ``run.networks`` networks (seeds ``run.seed + i``) at ``w``."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.frequency_checks import PsiRun, measure_psi

    run = PsiRun(**params["run"])
    spec = ModelSpec.from_dict(dict(params["spec"]))
    w = np.asarray(params["w"], dtype=float)
    rows = [measure_psi(spec, run, w, run.seed + i) for i in range(run.networks)]
    return {k: np.array([r[k] for r in rows]) for k in ("x", "phi")}


def psi_jobs(P: Mapping[str, Any]) -> dict[tuple[str, int], Any]:
    """Stored runs of ``psi_networks`` networks in chunks of ``psi_chunk`` (so that workers share them)."""
    from workbench.sim.runs import SIM_CODE
    from workbench.spec import ModelSpec
    from workbench.store import RunJob

    spec = ModelSpec.simple(N=P["psi_N"], **PSI_CASE)
    jobs = {}
    for c, start in enumerate(range(0, P["psi_networks"], P["psi_chunk"])):
        run = _run(P, networks=min(P["psi_chunk"], P["psi_networks"] - start), seed=P["seed"] + start)
        params = {"spec": spec.to_dict(), "run": asdict(run), "w": [float(v) for v in P["psi_w"]]}
        jobs["psi", c] = RunJob("dimension.psi", params, psi_samples, (*SIM_CODE, psi_samples),
                                f"psi(w1, w2) N={run.N} networks {start}-{start + run.networks - 1}")
    return jobs


def _samples(ctx: ReportContext, P: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """All chunks' psi samples, stacked over networks."""
    arrays = [ctx.run_job(job).arrays for job in psi_jobs(P).values()]
    return {k: np.concatenate([a[k] for a in arrays]) for k in ("x", "phi")}


def frequency_section(ctx: ReportContext, content: ReportContent) -> None:
    """Text, figure (diagonal and zero row of psi, theory against simulation) and the checks."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.frequency_checks import psi_comparisons, psi_step_bias, smoothed_psi
    from workbench.theories.dimension.nonlinear import unit_spectra

    P = ctx.params
    run = _run(P)
    w = np.asarray(P["psi_w"], dtype=float)
    spec = ModelSpec.simple(**PSI_CASE)
    samples = _samples(ctx, P)
    keep = psi_comparisons(spec, run, w, samples, pairs=[(k, l) for k in range(len(w)) for l in range(k, len(w))
                                                         if k == 0 or k == l])  # the zero row and the diagonal
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
    points = {which: {"mean": samples[which].mean(axis=0), "se": samples[which].std(axis=0, ddof=1) / math.sqrt(n)}
              for which in ("x", "phi")}
    sims = (f"N = {run.N}, {n} networks x {run.trials} trials of T = {run.T:g} after {run.burn_in:g}, dt = {run.dt:g}, "
            f"samples every {run.sample_every:g}, {run.n_blocks} blocks per trial, Hann segments of "
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
             "dt = 0.05, exactly); that shift, computed for the linear equivalent, is applied to the prediction.")
    fig = plots.psi_figure(grid, curves, w, points)
    sec.figure(ctx.save_figure(fig, "psi", "Frequency-resolved pair function of x and phi: the diagonal psi(w, w) "
                               "and the zero row psi(0, w), theory (lines) against the simulated network means with "
                               f"2 SE ({sims})."))
    sec.checks(keep, caption=f"psi(w1, w2) on the diagonal and the zero row, Student-t over networks: {sims}.")
