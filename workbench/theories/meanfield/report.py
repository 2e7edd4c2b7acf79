"""Report "meanfield-transient": the Faugeras-Tanré transient mean-field fixed point on (m(t), K(t,s)).

The registered function composes one function per section; the network comparisons come from
:mod:`workbench.theories.meanfield.checks` (shared with the tests), the figures from
:mod:`workbench.theories.meanfield.plots`.

1. The derivation from the shared MSRDJ action (:mod:`derivations.meanfield_transient`): its
   stages, from the action to the closure recursion and the innovation covariance, and the
   kernels generated from them.
2. The closure (reference) against the notes' reference values (§6.1) and the analytic cases (§5).
3. The FT figure: J = -6, 0, 2, sigma = lambda = 1, T = 10, theory beside N-neuron networks, Picard
   convergence, universality (Rademacher couplings).
4. Network against theory with a fitted finite-size term (N -> infinity extrapolation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from workbench.compare import compare_abs
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.notation import notation_section
from workbench.report.registry import register_report
from workbench.theories.meanfield.checks import SIZES, MeanFieldChecks

NOTES = "shared/theory/meanfield-transient.md"
"""The project notes, cited by their project-relative path."""
NOTES_61 = {
    (-6, 1): (0.2562, 0.0847),
    (-6, 5): (0.2273, 0.0670),
    (-6, 10): (0.2273, 0.0670),
    (0, 1): (0.5, 0.2824),
    (0, 5): (0.5, 0.2857),
    (0, 10): (0.5, 0.2859),
    (2, 1): (0.6589, 0.4627),
    (2, 5): (0.7792, 0.6332),
    (2, 10): (0.7842, 0.6408),
}


def _front_matter(P: Mapping[str, Any]) -> ReportContent:
    """Summary, the derived effective process, parameters and seeds."""
    from derivations.meanfield_transient import effective_process

    content = ReportContent(
        summary=(
            "In the limit of many neurons, the network of Faugeras and Tanre (leak, Gaussian couplings, white noise; "
            "its equations and the mapping of its names J, sigma, lambda to the workbench's J0, g and sigma2 are in "
            "the model and notation sections) reduces to a single neuron driven by a Gaussian field whose mean "
            "and uncentred covariance, m(t) and K(t, s), are fixed by self-consistency. Three solvers of this fixed point are checked against each "
            "other, against the reference values and analytic cases of the project notes, and against finite-N "
            "networks with Gaussian and Rademacher couplings."
        )
    )
    deriv = effective_process(n_grid=3)
    content.model = (
        "Effective process derived from the disorder-averaged MSRDJ action (discretised, Ito): only the first two "
        "coupling cumulants survive the limit of many neurons, for Gaussian and for Rademacher weights alike (universality). "
        "The order parameters are two-time functions: no stationarity is assumed."
    )
    from derivations.meanfield_transient import label

    for name, eq in deriv.equations.items():
        content.model_equation(eq, label(name))
    content.parameter("J", "−6, 0, 2", "coupling mean scale, FT name of the workbench's J0")
    content.parameter(
        "σ, λ", "1, 1", "coupling scale (workbench g), noise amplitude (σ² = λ²)"
    )
    content.parameter("f, mu0, T", "logistic, N(0,1), 10", "nonlinearity, initial law, horizon")
    content.parameter("dt", P["dt"], "time step shared by theory, particles and network (left-point field)")
    content.parameter("N, realisations", f"{P['N']}, {P['realisations']}", "network size, independent networks")
    content.parameter("paths", P["paths"], "Monte Carlo paths of the particle solvers")
    content.seeds = {"figure": P["seed"], "finite-size fits": P["seed"] + 100}
    return content


def derivation_section(content: ReportContent) -> None:
    """The stages of the derivation from the shared action, and the kernels generated from them."""
    from derivations.meanfield_transient import derive
    from workbench.theories.meanfield.kernels import generated_closure_step, generated_particle_statistics

    der = derive()  # the stage objects are kept (and cached) with the derivation
    sec = content.section("Derivation from the shared action")
    sec.text(
        "derivations/meanfield_transient.py builds the Faugeras-Tanre network's MSRDJ action with the shared "
        "symbolic builder (white noise, leak drift, Gaussian couplings with the conventions of the notation table), averages it over the couplings, "
        "takes the saddle point and the effective process, and derives the one-step recursion from it. The stages:"
    )
    for title, eqs in der.stage_equations:
        sub = sec.subsection(title)
        for name, eq in eqs.items():
            sub.equation(eq, name)
    sec.text(
        "The closure updates and the particle field statistics above are compiled by compile_system (numba) and "
        "called by cached drivers; nothing of the recursion is retyped."
    )
    for name, cf in generated_closure_step().items():
        content.add_generated(cf, f"Gaussian-closure update {name} (derived closure recursion)")
    for name, cf in generated_particle_statistics().items():
        content.add_generated(cf, f"particle field statistic {name} (derived innovation form)")


def closure_section(ctx: ReportContext, content: ReportContent) -> None:
    """The generated scalar kernels, and the closure against the notes' values."""
    from workbench.theories.meanfield import TransientProblem, solve_closure
    from workbench.theories.meanfield.kernels import generated_f, generated_step

    sec = content.section("Gaussian closure (the reference solver)")
    p_, t_, s_, rho = sp.Symbol("p", integer=True), sp.Symbol("t"), sp.Symbol("s"), sp.Symbol("rho")
    c_p = sp.Function("c_p")
    mehler = sp.Eq(sp.Function("K")(t_, s_), sp.Sum(rho**p_ * c_p(t_) * c_p(s_), (p_, 0, sp.oo)))
    sec.text(
        "For the linear intrinsic dynamics (a leak, FT's g) and a Gaussian initial law the effective process is "
        "Gaussian given m and K, and the derived Gaussian-closure recursion of the previous section is exact for "
        "the discretised process. Two-time expectations use the Mehler expansion ",
        mehler,
        " (rho the correlation of the two times) with Hermite coefficients by Gauss-Hermite quadrature (checked "
        "against the notes' direct 40-by-40 rule to ",
        1e-13,
        "). The scalar kernels f(x) and the step map are generated from SymPy and called by cached numba drivers.",
    )
    content.add_generated(generated_f(TransientProblem().f), "nonlinearity f(x) (logistic) for the numba drivers")
    content.add_generated(generated_step(TransientProblem().step["A_expr"]), "step map A(x, dt) of g(x) = -x")
    checks = []
    why, ctxd = "4-decimal rounding + quadrature", {"dt": 0.005, "source": "notes 6.1"}
    with ctx.step("closure at dt = 0.005"):
        for J in (-6, 0, 2):
            r = solve_closure(TransientProblem(J=J, dt=0.005))
            for (JJ, t), (m, K) in NOTES_61.items():
                if JJ == J:
                    checks.append(compare_abs(f"m({t}) J={J}", m, r.m_at(t), 6e-5, why, **ctxd, kind="reference"))
                    checks.append(
                        compare_abs(f"K({t},{t}) J={J}", K, r.K_at(t, t), 6e-5, why, **ctxd, kind="reference")
                    )
    sec.checks(checks, f"Closure against the reference values of the notes ({NOTES}, section 6.1).")


def picard_section(content: ReportContent) -> None:
    """Iterations of the deterministic Picard map of the closure."""
    from workbench.theories.meanfield import TransientProblem, picard_closure

    sec = content.section("Picard convergence of the exact map")
    rows = []
    for J in (-6, 0, 2):
        pc = picard_closure(TransientProblem(J=J, dt=0.05), tol=1e-3, strict=False)
        d = [h["d"] for h in pc.history]
        rows.append([f"{J}", len(d), ", ".join(f"{v:.1e}" for v in d[:8])])
    sec.table(
        ["J", "iterations to 1e-3", "sup-norm change per iteration (first 8)"],
        rows,
        "Deterministic Picard iteration of the closure map from the uncoupled law (dt = 0.05); the notes "
        "(section 4.1) report 3 / 7 / 20 iterations for J = 0 / 2 / -6.",
    )


def ft_figure_section(ctx: ReportContext, content: ReportContent) -> None:
    """The Faugeras-Tanre figure, the universality figure and their sup-norm deviations."""
    import matplotlib.pyplot as plt

    from workbench.theories.meanfield.plots import FT_ROWS, draw_ft_rows, ft_figure

    P = ctx.params
    sec = content.section("The Faugeras-Tanre figure")
    with ctx.step("FT figure (theory, particles, networks)"):
        data = ft_figure(
            ctx.figures_dir / "raw",
            N=P["N"],
            realisations=P["realisations"],
            dt=P["dt"],
            paths=P["paths"],
            seed=P["seed"],
            keep_open=True,
        )
    fig, figu = data["figures"]
    plt.close(fig)  # the report shows the five rows in two figures
    settings = (
        f"Re-creation of the Faugeras-Tanre figure (the paper's f, initial law, time step and number of paths are "
        f"unknown; logistic f, standard normal initial law and the settings below are ours). "
        f"J = −6, 0, 2 (columns), σ = λ = 1, T = 10. Network: N = {P['N']}, {P['realisations']} realisations (one "
        f"trial each, {data['settings']['dtype']}), bands mean ± 2 SE, dt = {P['dt']}, seed {P['seed']}; particles "
        f"M = {P['paths']}."
    )
    ft_figs = (
        ctx.save_figure(
            draw_ft_rows(data["full"], FT_ROWS[:3]),
            "ft_meanfield",
            f"{settings} Rows against time t: m(t); K(t,t); K(t,s) over (s, t) (theory colour map with labelled "
            f"theory contours in white, network contours red dashed).",
            width=1.0,
        ),
        ctx.save_figure(
            draw_ft_rows(data["full"], FT_ROWS[3:]),
            "ft_meanfield_paths",
            f"Faugeras-Tanre figure, continued (same settings): sample paths against t (mean-field particles blue, "
            f"network neurons red, theory mean ± 2 sd); Picard sup-norm change per iteration (Monte Carlo with "
            f"M = {P['paths']} paths, and the exact map).",
            width=1.0,
        ),
    )
    caption = (
        f"Network m(t) minus theory against time t for Gaussian and Rademacher couplings (same mean and variance), "
        f"N = {P['N']}, {P['realisations']} realisations, T = 10, dt = {P['dt']}, seed {P['seed']}, bands ± 2 SE."
    )
    sec.text(
        "The Faugeras-Tanre figure is re-created below (the two figures at the end of this section): the "
        "Gaussian closure, the particle march, the Picard map and finite networks side by side for J = −6, 0, 2. "
        "First, the figure and table that follow show the networks' deviation from the theory for Gaussian and "
        "Rademacher couplings (universality) and the largest deviation of each solver over the horizon."
    )
    sec.figure(ctx.save_figure(figu, "ft_universality", caption))
    rows = [
        [J, v["m_T"], v["K_TT"], v["march_max_dm"], v["picard_max_dm"], v["net_max_dm"], v["rad_max_dm"]]
        for J, v in data["cases"].items()
    ]
    sec.table(
        ["J", "m(T)", "K(T,T)", "march max|dm|", "Picard max|dm|", "network max|dm|", "Rademacher max|dm|"],
        rows,
        f"Sup-norm deviations of m from the closure over [0, T], T = 10, dt = {P['dt']}: particle march and "
        f"Picard map with {P['paths']} paths, networks of N = {P['N']} ({P['realisations']} realisations), seed "
        f"{P['seed']}.",
    )
    for f in ft_figs:
        sec.figure(f)


def finite_size_section(ctx: ReportContext, content: ReportContent) -> None:
    """Networks at several N against the closure (the checks of :mod:`workbench.theories.meanfield.checks`)."""
    P = ctx.params
    sec = content.section("Network against theory: finite-size extrapolation")
    sec.text(
        f"For each quantity the realisation means at N in {P['fs_Ns']} ({P['fs_realisations']} networks each, "
        f"dt = {P['dt']}, T = 10, {P.get('dtype', 'float64')} state and matrix-vector steps; seeds {P['seed'] + 100} + 10 i + 1000 n for the i-th J and n-th size, "
        "plus 1 for Rademacher couplings) are fitted to a + c/N, weighted by the inverse squared "
        "standard errors. The intercept is compared with the closure within k standard errors, k the Student-t "
        "quantile (one degree of freedom fewer than the realisations) with the false-alarm probability of 4 "
        "Gaussian standard errors; the largest N within that margin plus the fitted finite-size term."
    )
    checks = MeanFieldChecks(direct=False)
    size = "quick" if ctx.quick else "full"
    jobs = checks.jobs(size)
    ctx.prefetch(jobs)
    runs = {job: ctx.run_job(job) for job in jobs}
    sec.checks(
        checks.comparisons(None, runs, size),
        "Intercepts of the fits in 1/N (infinite network) against the Gaussian-closure theory.",
    )


def _build_params(size: str, **sizes: int) -> dict[str, Any]:
    """The report's build parameters at ``size``: network and particle sizes, and the finite-size study's."""
    return {**sizes, **{k: SIZES[size][k] for k in ("dt", "seed", "fs_Ns", "fs_realisations", "dtype")}}


@register_report(
    "meanfield-transient",
    title="Transient mean-field theory of Hopfield-like networks (Faugeras-Tanre)",
    description="m(t), K(t,s) fixed point: Gaussian closure, particle march, FT Picard map, network, universality.",
    default_params=_build_params("full", N=2000, realisations=4, paths=20000),
    quick_params=_build_params("quick", N=500, realisations=3, paths=4000),
    order=30,
    cost=100,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def meanfield_transient_report(ctx: ReportContext) -> ReportContent:
    """Build the report: the sections in order (see the module docstring)."""
    content = _front_matter(ctx.params)
    notation_section(content, ft_mapping=True)
    derivation_section(content)
    closure_section(ctx, content)
    picard_section(content)
    ft_figure_section(ctx, content)
    finite_size_section(ctx, content)
    content.notes = [
        "FT's own f, mu0, dt, number of paths and stopping rule are unknown (seed text only): logistic f and "
        "mu0 = N(0,1) are the notes' defaults.",
    ]
    return content
