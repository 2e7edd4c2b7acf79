"""Report "dmft": the stationary DMFT of the chaotic network against simulation.

The simulation side works today (the preset ``chaos`` run is shared with the simulator report
through the run store). The theory side is an INTEGRATION POINT for the DMFT layer
(``derivations/dmft.py`` + ``workbench/solvers/``):

INTEGRATION CONTRACT (what this report calls once it exists)
-----------------------------------------------------------
``derivations.dmft.report_theory(spec: ModelSpec, quick: bool) -> dict`` with keys

* ``"derivation"``: an object with ``.equations`` (a sequence of SymPy ``Eq`` or a mapping
  ``description -> Eq``) - rendered with :func:`sympy.latex` only;
* ``"compiled"``: a list of :class:`~workbench.codegen.CompiledFunction` used by the solver
  (their generated source is listed and printed in the report's appendix);
* ``"Delta0"``: float, the stationary variance ``C(0)`` of ``x``;
* ``"tau"``, ``"C"``: 1-d arrays, the theory autocovariance ``C(tau)`` on lags ``tau >= 0``;
* optional ``"text"``: a paragraph on the derivation/solver (plain text), and
  ``"parameters"``: a mapping ``name -> value`` of solver settings (tolerances, grids).

Until ``report_theory`` exists the report shows the simulation estimates and its status is
``pending``. The DMFT developer may equally replace the body of :func:`_theory` (or this whole
module) - the registry API is the only fixed interface.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from workbench.compare import Comparison, compare_stat
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.registry import register_report
from workbench.report.sections.simulator import autocovariance_with_errors, chaos_run

K_SE = 4.0


def _theory(spec: Any, quick: bool) -> tuple[Mapping[str, Any] | None, str]:
    """INTEGRATION POINT: the DMFT theory for ``spec``, or ``(None, why it is missing)``."""
    try:
        from derivations import dmft  # type: ignore[attr-defined]
    except ImportError:
        return None, "the DMFT layer (derivations/dmft.py) is not available yet"
    hook = getattr(dmft, "report_theory", None)
    if hook is None:
        return None, "derivations.dmft has no report_theory(spec, quick) yet (see workbench/report/sections/dmft.py)"
    out = hook(spec, quick)
    missing = [k for k in ("derivation", "Delta0", "tau", "C") if k not in out]
    if missing:
        return None, f"derivations.dmft.report_theory returned no {missing}"
    return out, ""


@register_report(
    "dmft",
    title="Dynamic mean-field theory of the chaotic rate network",
    description="Stationary DMFT (Delta_0, C(tau)) of the tanh network against simulation.",
    default_params={"N": 2000, "T": 300.0, "burn_in": 100.0, "trials": 8, "seed": 7, "lyap_T": 100.0},
    quick_params={"N": 200, "T": 100.0, "burn_in": 50.0, "trials": 4, "lyap_T": 50.0},
    order=20,
)
def dmft_report(ctx: ReportContext) -> ReportContent:
    """Build the DMFT report (simulation now; theory through :func:`_theory`)."""
    from workbench.spec import preset

    P = ctx.params
    spec = preset("chaos").replace(N=P["N"])
    content = ReportContent(
        summary=(
            "The dynamic mean-field theory (DMFT) of a large random network reduces the N coupled rate equations to "
            "one neuron driven by a self-consistent Gaussian field whose autocovariance is that of the network. "
            "This report compares its stationary variance Delta_0 = C(0) and autocovariance C(tau) with the "
            "simulated chaotic network."
        )
    )
    content.model = f"Preset chaos: {spec.summary()}."
    g, N = sp.symbols("g N", positive=True)
    content.parameter("N", P["N"], "neurons in the simulation", N)
    content.parameter("g", float(spec.g[0][0]), "coupling strength", g)
    content.parameter("phi", spec.phi.label(), "nonlinearity")
    content.parameter("trials", P["trials"], "independent trials (same J)")
    content.parameter("T", P["T"], "duration per trial after burn-in")
    content.seeds = {"chaotic network": P["seed"]}

    run = chaos_run(ctx, P["N"], P["T"], P["burn_in"], P["trials"], P["seed"], P["lyap_T"])
    lags, C_sim, C_se = autocovariance_with_errors(run, max_lag=20.0)
    traj = run["traj"]
    K = traj.shape[2]
    var_k = np.array([traj[:, :, k].var(axis=0).mean() for k in range(K)])  # Delta_0 per trial (recorded neurons)
    d0_sim, d0_se = float(var_k.mean()), float(var_k.std(ddof=1) / np.sqrt(K))

    theory, why = _theory(spec, ctx.quick)
    sec = content.section("Theory")
    checks: list[Comparison] = []
    if theory is None:
        content.pending = f"DMFT theory not yet integrated: {why}. The simulation side is shown below."
        sec.text(
            "Integration point: this section renders the derivation (equations from sympy.latex of the Derivation "
            "object), the generated solver and its solution once derivations.dmft.report_theory exists. See the "
            "docstring of workbench/report/sections/dmft.py for the contract."
        )
    else:
        if theory.get("text"):
            sec.text(str(theory["text"]))
        sec.equations(theory["derivation"])
        for cf in theory.get("compiled", []) or []:
            content.add_generated(cf, "DMFT solver")
        for k, v in dict(theory.get("parameters", {}) or {}).items():
            content.parameter(f"solver: {k}", v, "solver setting")
        d0 = float(theory["Delta0"])
        tau_th, C_th = np.asarray(theory["tau"], float), np.asarray(theory["C"], float)
        checks.append(
            compare_stat(
                "Delta_0 = C(0)",
                d0,
                d0_sim,
                d0_se,
                k=K_SE,
                bias=2.0 * d0 / math.sqrt(P["N"]),
                bias_reason="finite-N allowance 2 Delta_0/sqrt(N)",
                N=P["N"],
                K=K,
                T=P["T"],
                seed=P["seed"],
            )
        )
        for lag in (2.0, 5.0):
            i = int(np.argmin(np.abs(lags - lag)))
            checks.append(
                compare_stat(
                    f"C(tau = {lags[i]:g})",
                    float(np.interp(lags[i], tau_th, C_th)),
                    float(C_sim[i]),
                    float(C_se[i]),
                    k=K_SE,
                    bias=2.0 * d0 / math.sqrt(P["N"]),
                    bias_reason="finite-N allowance 2 Delta_0/sqrt(N)",
                    N=P["N"],
                    K=K,
                    seed=P["seed"],
                )
            )

    sec = content.section("Simulation")
    sec.text(
        "The simulated stationary variance (mean over the recorded neurons, standard error over trials) is ",
        d0_sim,
        " with standard error ",
        d0_se,
        ".",
    )
    fig, ax = ctx.subplots(figsize=(6.0, 3.6))
    ax.fill_between(lags, C_sim - 2 * C_se, C_sim + 2 * C_se, color="C0", alpha=0.3, label="simulation $\\pm 2$ SE")
    ax.plot(lags, C_sim, "C0-", lw=1.2, label=f"simulation (N = {P['N']}, K = {K})")
    if theory is not None:
        ax.plot(np.asarray(theory["tau"]), np.asarray(theory["C"]), "k--", lw=1.2, label="DMFT")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel=r"lag $\tau$", ylabel=r"$C(\tau)$", xlim=(0, float(lags[-1])))
    ax.legend(fontsize=8)
    caption = "Autocovariance of x: simulation (mean over trials, band = two standard errors)"
    caption += (
        " and the DMFT solution." if theory is not None else "; the DMFT curve appears once the theory is integrated."
    )
    sec.figure(ctx.save_figure(fig, "autocovariance", caption, width=0.75))
    if checks:
        sec.checks(checks, "DMFT against simulation.")
    return content
