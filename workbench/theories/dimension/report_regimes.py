"""Report "dimension": the cavity theory beyond white noise and tanh against simulation (OU noise, static input,
Pade-type and clipped-cubic activations).

Each regime is one ``workbench dimension`` command line (:data:`REGIMES`); its theory is the CLI's own solve
(:class:`~workbench.theories.dimension.problem.DimensionProblem`, solver ``auto``) and its simulation a stored
run of ``regime_networks`` networks (:func:`~workbench.theories.dimension.checks.dimension_job`, cross-block
estimator, Student-t over networks). Known biases added to the prediction: the zero-frequency sampling cusp
(:func:`~workbench.theories.dimension.checks.sampling_bias`), the equal-time terms of a mean estimated from the run
where it is not known (the static input: :func:`~workbench.theories.dimension.checks.centring_bias`, -0.5 % of the
mean autocovariance and -1.1 % of N var_cross of x) and, for white noise without static input, the DMFT
step bias of the variance (:func:`~workbench.theories.dmft.discrete.euler_bias`) and the fixed-J step-map bias of
N var_cross and PR/N (:func:`~workbench.theories.dimension.step_bias.relative_step_bias`); these regimes and the
OU one run beside their linear twins (:func:`~workbench.theories.dimension.checks.twinned_job`, control-variate means). The 1/N terms of these
regimes are not derived; the regimes are chosen away from the edge (g_eff <= 0.82) where they are small. Each simulated network is ``regime_N`` units (default 300).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from workbench.compare import Comparison
from workbench.report.content import Code, ReportContent
from workbench.report.context import ReportContext

__all__ = ["REGIMES", "WORKED_PHIS", "ZERO_FREQUENCY", "pr_points", "regime_argv", "regime_jobs", "regime_spec", "regimes_section"]

REGIMES: tuple[dict[str, Any], ...] = (
    {"label": "tanh, OU noise", "phi": "tanh", "g": 1.0, "sigma2": 0.5, "tau_noise": 1.0, "input_var": 0.0,
     "covariance": "equal-time", "network_factor": 2},
    {"label": "erf, static input", "phi": "erf", "g": 1.2, "sigma2": 0.5, "tau_noise": 0.0, "input_var": 0.5,
     "covariance": "equal-time", "network_factor": 6, "static_twin": True},
    {"label": "Pade-type phi", "phi": "x/(1+x**2)", "g": 2.0, "sigma2": 1.0, "tau_noise": 0.0, "input_var": 0.0,
     "covariance": "equal-time", "network_factor": 2},
    {"label": "clipped cubic phi", "phi": "clip(x,-1,1)-clip(x,-1,1)**3/3", "g": 1.5, "sigma2": 1.0,
     "tau_noise": 0.0, "input_var": 0.0, "covariance": "equal-time", "autocov_checked": False},
    {"label": "cubic x - x^3/3 at g = 1", "phi": "x-x**3/3", "g": 1.0, "sigma2": 0.3, "tau_noise": 0.0,
     "input_var": 0.0, "covariance": "equal-time"},
)
"""The report's regimes: coloured noise, a quenched static input, and the issue's worked activations beyond tanh (a
Pade-type x/(1+x^2) and the clipped cubic x - x^3/3, |x| <= 1) with white noise (their PR/N points also go on the
instability figure), and the power-law activation x - x^3/3 (unclipped) at the linear instability g = 1 (its point
goes on the critical-scaling figure, :mod:`~workbench.theories.dimension.report_scaling`). ``network_factor``: the regime simulates that many times ``regime_networks`` networks: 6 for
the static-input regime, whose spread over networks is quenched (at N = 300 the SD over networks of N var_cross of x
is 3 times the temporal SE of one network's estimate, and a linear twin without the input reduces no variance; 36
networks left tolerances of 16 and 21 % on N var_cross of x and phi, 72 networks 10 and 12 %, and with the static
twin, ``static_twin``, of :mod:`~workbench.theories.dimension.static_twin` 4.8 and 5.5 %), 2
for the OU and Pade-type regimes, whose N var_cross of phi had tolerances of 5.6 and 5.8 % on 12 networks (4.8 and
4.1 % on 24)."""
ZERO_FREQUENCY = {"label": "tanh, zero frequency", "phi": "tanh", "g": 1.0, "sigma2": 0.5, "tau_noise": 0.0,
                  "input_var": 0.0, "covariance": "zero-frequency"}
"""The zero-frequency covariance of a nonlinear network (notebook 04; not in the report, where a useful power at
zero frequency needs runs far longer than the main job allows: at T = 400 its PR/N tolerance was 36 %)."""
UNCHECKED_AUTOCOV = ("The clipped cubic's mean autocovariances are shown, not checked: at N = 300 their SE (about 0.1 "
                     "%) is below their 1/N term, which is not derived for a phi with kinks (the derived one needs a "
                     "smooth phi); measured at the report's seeds, -0.8 % (x) and -0.6 % (phi) are 1/N coefficients of "
                     "about -2 and -0.5.")
"""Why a regime's mean autocovariances are not checked (``autocov_checked: False``)."""
WORKED_PHIS = ("x/(1+x**2)", "clip(x,-1,1)-clip(x,-1,1)**3/3")
"""The worked activations of the instability figure (theory curves beside tanh)."""


def regime_argv(r: Mapping[str, Any]) -> str:
    """The ``workbench dimension`` options of regime ``r`` (as a user would type them)."""
    out = f"--phi {r['phi']} --g {r['g']:g} --sigma2 {r['sigma2']:g}"
    if r["tau_noise"] > 0:
        out += f" --tau-noise {r['tau_noise']:g}"
    if r["input_var"] > 0:
        out += f" --input-var {r['input_var']:g}"
    return out + f" --covariance {r['covariance']}"


def regime_spec(r: Mapping[str, Any], N: int) -> Any:
    """The ModelSpec of regime ``r`` at size ``N`` (what ``workbench dimension`` builds from :func:`regime_argv`)."""
    from workbench.spec import ModelSpec

    ou = r["tau_noise"] > 0
    return ModelSpec.simple(N=N, g=r["g"], phi=r["phi"], sigma2=r["sigma2"], noise="ou" if ou else None,
                            noise_tau=r["tau_noise"] if ou else 1.0, input_std=math.sqrt(r["input_var"]))


def _run(P: Mapping[str, Any], r: Mapping[str, Any] | None = None) -> Any:
    """The simulation settings shared by the regimes (of regime ``r``: times its ``network_factor`` networks)."""
    from workbench.theories.dimension.checks import DimensionRun

    networks = P["regime_networks"] * int((r or {}).get("network_factor", 1))
    return DimensionRun(N=P["regime_N"], networks=networks, trials=P["regime_trials"], T=P["regime_T"],
                        dt=P["regime_dt"], window=P["regime_window"], seed=P["seed"], dtype=P["regime_dtype"])


STATIC_REFERENCE_SEED = 2_000_000
"""Offset of the static twin's reference networks' seeds (``seed + STATIC_REFERENCE_SEED + i``)."""


def regime_jobs(P: Mapping[str, Any]) -> dict[tuple[str, int], Any]:
    """One stored simulation per regime, keyed ``("regime", i)``, and for a regime with ``static_twin`` the static
    twin of its simulated networks (``("static_twin", i)``) and of ``regime_static_reference`` reference networks
    drawn but not simulated (``("static_reference", i, chunk)``; :mod:`~workbench.theories.dimension.static_twin`)."""
    from workbench.theories.dimension.checks import twinned_job
    from workbench.theories.dimension.static_twin import static_twin_jobs

    jobs: dict[tuple[Any, ...], Any] = {}
    for i, r in enumerate(REGIMES):
        run, spec = _run(P, r), regime_spec(r, P["regime_N"])
        jobs["regime", i] = twinned_job(spec, run, r["covariance"])
        if r.get("static_twin"):
            D = _temporal_var(r["label"])
            jobs["static_twin", i] = static_twin_jobs(spec, D, [(run.seed, run.networks)], "static twin")[0]
            total, chunk = P["regime_static_reference"], P["regime_static_chunk"]
            blocks = [(P["seed"] + STATIC_REFERENCE_SEED + s, min(chunk, total - s)) for s in range(0, total, chunk)]
            for c, job in enumerate(static_twin_jobs(spec, D, blocks, "static twin reference")):
                jobs["static_reference", i, c] = job
    return jobs


@functools.lru_cache(maxsize=8)
def _temporal_var(label: str) -> float:
    """The DMFT's temporal variance of x (mean autocovariance) of the regime ``label``: the static twin's ``D``."""
    return float(_theory(next(r for r in REGIMES if r["label"] == label)).mean_autocov_x)


def _static_controls(ctx: ReportContext, jobs: Mapping[tuple[Any, ...], Any], i: int) -> dict[str, np.ndarray]:
    """The static-twin arrays of regime ``i`` for :func:`~workbench.theories.dimension.checks.network_estimate`."""
    sims = ctx.run_job(jobs["static_twin", i]).arrays
    refs = [ctx.run_job(job).arrays for key, job in jobs.items() if key[0] == "static_reference" and key[1] == i]
    out = {f"static_twin_{w}": np.asarray(sims[w]) for w in ("x", "phi")}
    out.update({f"static_twin_reference_{w}": np.concatenate([a[w] for a in refs]) for w in ("x", "phi")})
    return out


def _theory(r: Mapping[str, Any]) -> Any:
    """The CLI's result for regime ``r`` (the size does not enter the large-N theory)."""
    from workbench.theories.dimension.problem import DimensionProblem, DimensionSetup

    spec = regime_spec(r, 1000)
    return DimensionProblem(spec, DimensionSetup(covariance=r["covariance"])).build_solver("auto").solve()


def _biases(r: Mapping[str, Any], res: Any, run: Any) -> tuple[dict[str, dict[str, float]] | None, str]:
    """Known ``E[estimate] - theory`` of regime ``r`` and the reason (see the module docstring):
    :func:`~workbench.theories.dimension.checks.known_biases`."""
    from workbench.theories.dimension.checks import known_biases

    return known_biases(regime_spec(r, run.N), res, run, r["covariance"])


def regime_checks(
    ctx: ReportContext, P: Mapping[str, Any]
) -> tuple[list[Comparison], list[list[str]], float, list[Comparison]]:
    """Checks of every regime, the rows of its overview table (theory vs simulation, PR/N and N var_cross), the
    largest effective gain of the regimes and the comparisons shown but not checked (:data:`UNCHECKED_AUTOCOV`)."""
    from workbench.theories.dimension.checks import dimension_comparisons, network_estimate
    from workbench.theories.dimension.report import _scaled_mean_cross

    jobs = regime_jobs(P)
    comps: list[Comparison] = []
    rows, g_eff, shown = [], [], []
    for i, r in enumerate(REGIMES):
        run = _run(P, r)
        res = _theory(r)
        g_eff.append(float(res.extras.get("g_eff", math.nan)))
        arrays = ctx.run_job(jobs["regime", i]).arrays
        if r.get("static_twin"):
            arrays = {**{k: arrays[k] for k in arrays}, **_static_controls(ctx, jobs, i)}
        biases, reason = _biases(r, res, run)
        rows_r = _scaled_mean_cross(dimension_comparisons(res, arrays, run, label=f"{r['label']}: ", biases=biases,
                                                          bias_reason=reason), run.N)
        if not r.get("autocov_checked", True):  # shown in the text, see UNCHECKED_AUTOCOV
            shown += [c for c in rows_r if "mean_autocov" in c.quantity]
            rows_r = [c for c in rows_r if "mean_autocov" not in c.quantity]
        comps += rows_r
        for w in ("x", "phi"):
            cells = [f"{r['label']}: {w}", f"{g_eff[-1]:.3f}"]
            for key in ("PR_over_N", "N_var_cross"):
                est, se, _, _ = network_estimate(arrays, w, key)
                cells += [f"{getattr(res, f'{key}_{w}'):.4g}", f"{est:.4g} +- {se:.2g}"]
            rows.append(cells)
    return comps, rows, max(g_eff), shown


def regimes_section(ctx: ReportContext, content: ReportContent) -> None:
    """The regimes' command lines, the overview table and the checks."""
    P = ctx.params
    run = _run(P)
    comps, rows, g_max, shown = regime_checks(ctx, P)
    zf = any(r["covariance"] == "zero-frequency" for r in REGIMES)
    more = "; ".join(f"{_run(P, r).networks} for {r['label']}" for r in REGIMES if r.get("network_factor", 1) != 1)
    sims = (f"N = {run.N}, {run.networks} networks{f' ({more})' if more else ''} x {run.trials} trials of T = {run.T:g} after {run.burn_in:g} "
            f"burn-in, dt = {run.dt:g}, {run.dtype} steps, samples every {run.sample_every:g}, 8 blocks per trial"
            + (f", zero-frequency window {run.window:g}" if zf else "") + f", network i has seed {run.seed} + i")
    sec = content.section("Other regimes: coloured noise, static input, other activations")
    commands: list[Any] = []
    for r in REGIMES:
        commands += [Code(f"workbench dimension {regime_argv(r)}"), "; "]
    cusp = "the zero-frequency sampling cusp (Delta^2/12 times the autocovariance's cusp) and, " if zf else ""
    sec.text("The cavity theory as the command line returns it (", *commands[:-1], ") against simulated networks (",
             sims, f"). Known biases are added to the prediction: {cusp}for white noise without static input, the "
             "DMFT step bias of the variance and the fixed-J step-map bias of N var_cross and PR/N (as in the tanh "
             "checks); where each neuron is centred by a mean estimated from the run (the static input), the terms "
             "of that estimate over the span T of all trials, -S/T in the mean autocovariance and -2 N<C_ij S_ij>/T "
             "+ (N S^2 + 2 N var(S_ij))/T^2 in N var_cross, S the zero-frequency covariance of the theory. The regimes without input (white or OU noise) are simulated beside their linear twins and "
             "checked on the control-variate means (as in the tanh checks; under OU noise the twin's exact "
             "covariance solves the Lyapunov equation of the augmented (x, noise) step map). In the static-input "
             "regime the spread over networks is quenched, and a twin with one shared gain reduces none of it; there "
             "each network's static twin stands in, the linear network at each unit's operating point (static mean "
             "mu_i = I_i + sum_j J_ij <phi(mu_j + sqrt(D) z)>, gain a_i = <phi'(mu_i + sqrt(D) z)>, couplings J "
             "diag(a); workbench.theories.dimension.static_twin), whose disorder mean is not derived but measured on "
             f"{P['regime_static_reference']} further networks drawn with seeds {P['seed']} + "
             f"{STATIC_REFERENCE_SEED} + i and not simulated (two-phase control variate: the notes per row give the "
             "variance reduction, 4-5 for N var_cross). This regime has more networks, as do the OU and Pade-type "
             "ones for the power of their N var_cross of phi (the counts above). The time-step bias of the cross "
             "statistics under coloured noise or static input "
             "and the 1/N terms (not derived for nonlinear cross statistics; the regimes sit away from the edge, "
             f"g_eff <= {g_max:.2f}) are not subtracted: the checks have the power of their k SE, stated per row.")
    if shown:
        sec.text(UNCHECKED_AUTOCOV + " Measured: " + "; ".join(
            f"{c.quantity} theory {c.theory:.5g}, simulated {c.estimate:.5g} ({100 * (c.estimate / c.theory - 1):+.2f} %)"
            for c in shown) + ".")
    sec.table(["regime: of", "g_eff", "PR/N", "simulated", "N var_cross", "simulated"], rows,
              caption=f"Theory (N -> infinity) of PR/N and N var_cross, each beside the mean +- SE over simulated "
              f"networks (the control-variate mean where the regime has linear or static twins; {sims}).")
    sec.checks(comps, caption=f"Regimes beyond white noise, Student-t over networks: {sims}.")
    window_text(sec)


WINDOW_CASES = ({"phi": "tanh", "g": 1.5, "sigma2": 0.3}, {"phi": "tanh", "g": 2.0, "sigma2": 0.0})
"""Zero-frequency cases near the edge of chaos whose finite-window statistics the report tabulates."""
WINDOWS = (12.5, 50.0)
"""Estimator windows of that table (Richardson pairs W, 2W)."""


def window_text(sec: Any) -> None:
    """Theory only: the zero-frequency statistics at w = 0 beside what a finite-window estimator measures."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    rows = []
    for case in WINDOW_CASES:
        spec = ModelSpec.simple(**case)
        res = [solve_nonlinear(spec, covariance="zero-frequency", window=W) for W in (None, *WINDOWS)]
        rows.append([f"g = {case['g']:g}, sigma^2 = {case['sigma2']:g}", f"{res[0].extras['g_eff']:.3f}"]
                    + [f"{r.PR_over_N_x:.4g} / {r.N_var_cross_x:.4g}" for r in res])
    sec.text("Zero frequency in a finite window. The estimator measures W times the covariance of W-means "
             "(Richardson pair W, 2W), i.e. the spectra weighted by Fejer kernels of width 2 pi / W, not C(w = 0). Near "
             "the edge of chaos the cross-covariances have slow collective modes, and a window that is long for the "
             "single units is short for them; the prediction to compare with such a simulation is ",
             Code("workbench dimension --phi tanh --g 2 --covariance zero-frequency --window 12.5"),
             " (theory only here; the notebook and the README give simulated values).")
    sec.table(["tanh", "g_eff", "w = 0", *[f"W = {W:g}" for W in WINDOWS]], rows,
              caption="PR/N / N var_cross of x at zero frequency: the w = 0 value and the finite-window estimator's "
              "expectation.")


def pr_points(ctx: ReportContext, P: Mapping[str, Any], sigma2: float) -> list[tuple[str, float, float, float]]:
    """``(phi, g, mean, SE)`` (the control-variate mean with twins) of the simulated PR/N of x of the white-noise equal-time regimes without input at
    noise ``sigma2`` (the points of the instability figure; the stored runs of :func:`regime_jobs`)."""
    from workbench.theories.dimension.checks import network_estimate

    jobs, out = regime_jobs(P), []
    for i, r in enumerate(REGIMES):
        if (r["covariance"], r["tau_noise"], r["input_var"], r["sigma2"]) == ("equal-time", 0.0, 0.0, sigma2):
            est, se, _, _ = network_estimate(ctx.run_job(jobs["regime", i]).arrays, "x", "PR_over_N")
            out.append((r["phi"], r["g"], est, se))
    return out
