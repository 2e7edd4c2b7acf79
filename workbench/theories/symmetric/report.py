"""The ``symmetric`` report: derived single-site process with reciprocal correlations, exact and simulation checks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from workbench.compare import Comparison
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.registry import register_report


def transient_spec(g: float, eta: float) -> Any:
    """The checked transient: tanh, J0 = 0.8, x0 ~ N(1, 0.5^2), coupling g with reciprocal correlation eta."""
    from workbench.spec import ModelSpec

    return ModelSpec.from_dict({"coupling": {"g": g, "J0": 0.8, "eta": eta}, "phi": "tanh",
                                "init": {"kind": "normal", "mean": 1.0, "std": 0.5}})


@register_report(
    "symmetric",
    title="Partially symmetric couplings: transient DMFT with the response function",
    description="correlated reciprocal couplings: derived reaction term, response function, checks against the "
    "elliptic law and simulation",
    default_params={"g": 1.5, "eta": 0.6, "T": 4.0, "dt": 0.1, "paths": 16000, "solves": 6, "N": 1000,
                    "trials": 4, "networks": 160, "seed": 10},
    quick_params={"paths": 2000, "solves": 1, "N": 400, "networks": 6},
    order=70,
    cost=20,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def symmetric_report(ctx: ReportContext) -> ReportContent:
    """Derivation, linear exact checks, and <x(t)>, Delta(t, t) against simulated networks."""
    from workbench.theories.symmetric import checks
    from workbench.theories.symmetric.problem import SymmetricProblem, SymmetricSetup
    from workbench.theories.symmetric.solver import solve_pooled

    P = ctx.params
    content = ReportContent(summary="Transient dynamic mean-field theory of rate networks whose reciprocal couplings "
                            "are correlated: the derived reaction (memory) term, solved by a sampling DMFT that "
                            "carries the response function, checked against the elliptic law and simulated networks.")
    model_section(content, P)
    problem = SymmetricProblem(transient_spec(P["g"], P["eta"]), SymmetricSetup(P["T"], P["dt"]))
    derivation_section(content, problem.derivation)
    sec = content.section("Linear case (elliptic law)")
    sec.text("For a linear rate function the response of the sampling DMFT must equal the resolvent of the step map "
             "averaged over the elliptic ensemble (computed exactly from its moments); the table compares them at "
             "four lags, to round-off.")
    sec.checks([_exact_reason(c) for c in checks.linear_exact_comparisons()],
               caption="DMFT response against the elliptic-law resolvent (linear rate function).")
    th = solve_pooled(problem, paths=P["paths"], solves=P["solves"], seed=1)
    sim_params = {k: P[k] for k in ("g", "eta", "T", "dt", "N", "trials", "networks", "seed")}
    run = ctx.run("symmetric.transient", sim_params,
                  lambda: checks.simulation_arrays(problem.spec, P["T"], P["dt"], P["N"], P["trials"], P["networks"],
                                                   P["seed"]),
                  code=("workbench.sim", "workbench.theories.symmetric.checks"))
    sim = checks.from_arrays(run.arrays, P["N"], P["trials"], P["seed"])
    simulation_section(ctx, content, th, sim)
    content.seeds = {"DMFT sampling": f"1 to {P['solves']}", "networks": f"{P['seed']} to {P['seed'] + P['networks'] - 1}"}
    return content


def model_section(content: ReportContent, P: dict[str, Any]) -> None:
    """Model paragraph, equations and parameters."""
    t, g, eta, N = sp.Symbol("t"), sp.Symbol("g"), sp.Symbol("eta"), sp.Symbol("N")
    x, phi, E = sp.Function("x_i"), sp.Function("phi"), sp.Function("E")
    Jij, Jji = sp.Symbol("J_ij"), sp.Symbol("J_ji")
    j = sp.Symbol("j", integer=True)
    content.model = ("A rate network of N neurons with Gaussian couplings whose reciprocal pairs are correlated; "
                     "tanh rate function, no noise, Gaussian initial states. The symbols are those of the "
                     "workbench's notation; the new one is the reciprocal correlation.")
    content.model_equation(sp.Eq(sp.Derivative(x(t), t), -x(t) + sp.Sum(sp.Symbol("J_ij") * phi(sp.Function("x_j")(t)),
                                                                        (j, 1, N))), "dynamics")
    content.model_equation(sp.Eq(sp.Function("Var")(Jij), g**2 / N), "coupling variance")
    content.model_equation(sp.Eq(sp.Function("corr")(Jij, Jji), eta), "reciprocal correlation")
    content.model_equation(sp.Eq(E(Jij), sp.Symbol("J_0") / N), "coupling mean")
    content.parameter("coupling strength", P["g"], "standard deviation of the couplings times the square root of N", g)
    content.parameter("reciprocal correlation", P["eta"], "correlation of the couplings of a reciprocal pair", eta)
    content.parameter("coupling mean", 0.8, "mean of the couplings times N", sp.Symbol("J_0"))
    content.parameter("initial state", "N(1, 0.25)", "Gaussian initial activations, mean 1, variance 0.25",
                      x(0))
    content.parameter("horizon", P["T"], "time span of the transient", sp.Symbol("T"))
    content.parameter("time step", P["dt"], "exponential Euler step of the DMFT and the simulator",
                      sp.Symbol("Delta_t"))
    content.parameter("sample paths", P["paths"] * P["solves"], f"paths of the sampling DMFT ({P['solves']} "
                      f"independent passes of {P['paths']}, averaged)", sp.Symbol("M"))
    content.parameter("network size", P["N"], "neurons per simulated network", N)
    content.parameter("networks", P["networks"], "independent simulated networks", sp.Symbol("R"))
    content.parameter("trials", P["trials"], "initial conditions per network", sp.Symbol("n"))


def derivation_section(content: ReportContent, der: Any) -> None:
    """The pair cumulant generating function and the two coefficients of the single-site process."""
    t, s = sp.Symbol("t"), sp.Symbol("s")
    R, phi, x = sp.Function("R"), sp.Function("phi"), sp.Function("x")
    sec = content.section("Derivation")
    sec.text("The Gaussian average of a reciprocal pair of couplings gives the cumulant generating function "
             "(summed over pairs):")
    sec.equation(der.cgf, "cumulant generating function of a reciprocal pair")
    memory = der.c_mem * sp.Integral(R(t, s) * phi(x(s)), (s, 0, t))
    sec.text("At the saddle point the effective neuron sees a Gaussian field of covariance ", der.c_var,
             " times the rate covariance, and the reciprocal correlation adds the reaction (memory) term ", memory,
             " to its drift, with the response function R of the effective process.")


def _exact_reason(c: Comparison) -> Comparison:
    """The elliptic-law check with its reason in words."""
    return replace(c, reason="exact: the resolvent from the moments of the elliptic ensemble; round-off only")


def _typeset_quantity(c: Comparison) -> Comparison:
    """Quantity names with angle brackets typeset."""
    return replace(c, quantity=c.quantity.replace("<x(t)>", "mean activity"))


def simulation_section(ctx: ReportContext, content: ReportContent, th: Any, sim: Any) -> None:
    """Figures and checks of the DMFT against the simulated networks."""
    from workbench.theories.symmetric import checks, plots

    P = ctx.params
    M = P["paths"] * P["solves"]
    runs = (f"N = {sim.N}, T = {P['T']:g}, dt = {P['dt']:g}, {sim.trials} trials in each of {sim.networks} networks "
            f"(seeds {sim.seed} to {sim.seed + sim.networks - 1}); DMFT with M = {M} paths ({P['solves']} passes "
            f"of {P['paths']}, seeds 1 to {P['solves']})")
    sec = content.section("Against simulation")
    sec.text("Figure 1 compares the mean activity and the mean-square activity of the DMFT with simulated networks "
             "of the same model; Figure 2 shows the response function that enters the memory term. The table "
             "checks both moments at three times with Student-t tolerances over the networks.")
    fig = plots.moments_figure(th, sim)
    sec.figure(ctx.save_figure(fig, "moments", f"Reciprocal correlation {P['eta']:g}, g = {P['g']:g}: mean "
                               f"activity (left) and Delta(t,t) (right), DMFT (blue, 2 Monte Carlo SE band) against "
                               f"simulation (grey, 2 SE over networks). {runs}."))
    fig = plots.response_figure(th)
    sec.figure(ctx.save_figure(fig, "response", f"Response R_x(t,s) of the DMFT (M = {M} paths, "
                               f"dt = {P['dt']:g}, T = {P['T']:g}): heat map (left, zero for s >= t) and cuts at "
                               "three times t (right)."))
    comps = [_typeset_quantity(c) for c in checks.comparisons(th, sim, (1.0, 2.0, P["T"]))]
    sec.checks(comps, caption=f"DMFT (M = {M}) against the networks: {runs}.")
