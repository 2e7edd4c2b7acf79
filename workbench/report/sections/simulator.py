"""Report "simulator": the reference simulator against exact results, and a chaotic run.

1. Linear network (phi = x, g < 1, white noise): the simulated equal-time covariance against the
   exact stationary covariance of the integrator (discrete Lyapunov equation) for the *same*
   coupling matrix, less the exact bias of centring each trial by its own time average: the known
   biases are in the prediction, not in the tolerance. Error bars come from K independent trials;
   the spread of the entries is checked against its exact (Isserlis) variance.
2. Fast simulator against the slow plain-NumPy reference stepper with the same injected noise.
3. The default chaotic tanh network (preset ``chaos``): summary, traces, autocorrelation with
   error band, covariance spectrum, largest Lyapunov exponent; symmetry check of the mean.

The registered function :func:`simulator_report` composes one function per section. The equations
come from the SymPy objects below; the stored runs from :mod:`workbench.sim.runs`; the theory and
every comparison from :mod:`workbench.sim.checks`; the figures from :mod:`._simulator_plots`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.stats import Expectation, Normal, Variance

from workbench.report.content import ReportContent, Section
from workbench.report.context import ReportContext
from workbench.report.notation import notation_section
from workbench.report.registry import register_report
from workbench.report.sections import _simulator_plots as plots
from workbench.sim.checks import (
    LinearCovariance,
    linear_params,
    reference_check,
    reference_params,
    step_noise_check,
    symmetry_check,
)
from workbench.sim.runs import (
    CHAOS_DT,
    CHAOS_RUN,
    autocovariance_with_errors,
    chaos_run,
    linear_run,
    reference_agreement_run,
)


class Average(sp.Function):
    """Noise average ``<...>`` (printed as angle brackets by :func:`sympy.latex`)."""

    nargs = 1

    def _latex(self, printer: Any, *args: Any) -> str:
        return r"\left\langle " + printer._print(self.args[0]) + r" \right\rangle"


# ------------------------------------------------------------------------------------ symbols

t, s = sp.symbols("t s", real=True)  # real, never positive: DiracDelta(t - s) must survive
i, j = sp.symbols("i j", integer=True, positive=True)
N, g, tau, sigma2, dt = sp.symbols("N g tau sigma^2 Delta_t", positive=True)
J0 = sp.Symbol("J_0", real=True)
xi_i, xi_j, x_i, x_j = (sp.Function(n) for n in ("xi_i", "xi_j", "x_i", "x_j"))
Jm = sp.IndexedBase("J")
A_, C_, Jmat, M_ = (sp.MatrixSymbol(n, N, N) for n in ("A", "C", "J", "M"))
one = sp.Identity(N)
a_sym, q2_sym = sp.symbols("a q^2", positive=True)

#: Exponential-Euler coefficients of the simulator's step x <- a x + (1 - a) J phi(x) + q Z.
A_STEP = sp.exp(-dt / tau)
Q2_STEP = sigma2 * (1 - a_sym**2) / (2 * tau)


def model_equations(phi: sp.Expr) -> list[tuple[str, sp.Basic]]:
    """The network equations for nonlinearity ``phi`` (a SymPy function of one symbol ``x``)."""
    xsym = sp.Symbol("x", real=True)
    phi_x = phi.subs(xsym, x_j(t))
    Jij = Normal("J_ij", J0 / N, g / sp.sqrt(N))
    return [
        (
            "dynamics of neuron i",
            sp.Eq(tau * sp.Derivative(x_i(t), t), -x_i(t) + sp.Sum(Jm[i, j] * phi_x, (j, 1, N)) + xi_i(t)),
        ),
        ("white noise", sp.Eq(Average(xi_i(t) * xi_j(s)), sigma2 * sp.KroneckerDelta(i, j) * sp.DiracDelta(t - s))),
        ("coupling mean", sp.Eq(Expectation(Jij), J0 / N)),
        ("coupling variance", sp.Eq(Variance(Jij), g**2 / N)),
    ]


def lyapunov_equations() -> list[tuple[str, sp.Basic]]:
    """Continuous Lyapunov equation of the linear network and its exponential-Euler discretisation."""
    return [
        ("drift matrix of the linear network", sp.Eq(A_, (Jmat - one) / tau)),
        (
            "stationary covariance, continuous time",
            sp.Eq(A_ * C_ + C_ * A_.T + sigma2 / tau**2 * one, sp.ZeroMatrix(N, N)),
        ),
        ("one step of the integrator (exponential Euler)", sp.Eq(M_, a_sym * one + (1 - a_sym) * Jmat)),
        ("with", sp.Eq(a_sym, A_STEP)),
        ("and noise variance per step", sp.Eq(q2_sym, Q2_STEP)),
        (
            "stationary covariance of the integrator (discrete Lyapunov equation)",
            sp.Eq(C_, M_ * C_ * M_.T + q2_sym * one),
        ),
    ]


def step_coefficient_functions() -> Any:
    """The step coefficients (a, q^2) compiled from the SymPy expressions shown in the report."""
    from workbench.codegen import compile_system

    q2 = Q2_STEP.subs(a_sym, A_STEP)
    return compile_system([A_STEP, q2], [dt, tau, sigma2], backend="numpy", name="expeuler_coefficients")


# ------------------------------------------------------------------------------------- report


def _simulator_params(size: str) -> dict[str, Any]:
    """The chaos run's sizes (shared with the dmft report) as the simulator report's ``chaos_*`` parameters."""
    return {f"chaos_{k}": v for k, v in CHAOS_RUN[size].items()}


@register_report(
    "simulator",
    title="Reference simulator: exact checks and a chaotic network",
    description="Linear network against the exact Lyapunov covariance, fast against reference stepper, chaotic tanh run.",
    default_params={
        "lin_N": 200,
        "lin_g": 0.5,
        "lin_sigma2": 1.0,
        "lin_dt": 0.05,
        "lin_T": 2000.0,
        "lin_burn_in": 20.0,
        "lin_stride": 10,
        "lin_trials": 64,
        "lin_seed": 20240501,
        **_simulator_params("full"),
    },
    quick_params={"lin_N": 40, "lin_T": 200.0, "lin_trials": 8, **_simulator_params("quick")},
    order=10,
    cost=150,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def simulator_report(ctx: ReportContext) -> ReportContent:
    """Build the simulator report: the sections in order (see the module docstring)."""
    content = _front_matter(ctx.params)
    notation_section(content)
    linear_section(ctx, content)
    chaos_section(ctx, content)
    content.notes = [
        "Statistical tolerances are k = 4 standard errors over K independent trials; each check states k as a "
        "Student-t quantile with K - 1 degrees of freedom and its two-sided false-alarm rate. Known biases (time "
        "step of the integrator, centring by the time average) are computed exactly and put into the prediction, "
        "never into the tolerance.",
        "The chaotic network has no exact finite-N theory; its mean-field (DMFT) comparison is in the dmft report.",
    ]
    return content


def _front_matter(P: Mapping[str, Any]) -> ReportContent:
    """Summary, model, parameters and seeds."""
    content = ReportContent(
        summary=(
            "This report checks the reference simulator (workbench.sim) against results that are exact for the "
            "coupling matrix at hand: the stationary covariance of a linear network from the Lyapunov equation, and "
            "a slow plain-NumPy stepper fed with the same noise. It then summarises the default chaotic network "
            "(preset chaos), whose theory is the subject of the DMFT report."
        )
    )
    content.model = (
        "A rate network of N neurons with one population, unit time constant (times are in its units), Gaussian couplings and "
        "white noise, integrated with exponential Euler (leak and noise exact over a step, recurrent input "
        "frozen). Every trial shares one coupling matrix and has its own initial state and noise; all random "
        "numbers come from the stated seeds (SeedSequence spawns the network, initial-condition and noise streams)."
    )
    for desc, eq in model_equations(sp.Function("phi")(sp.Symbol("x", real=True))):
        content.model_equation(eq, desc)
    content.parameter("lin_N", P["lin_N"], "neurons of the linear network", N)
    content.parameter("lin_g", P["lin_g"], "coupling strength (the linear network is stable below 1)", g)
    content.parameter("lin_sigma2", P["lin_sigma2"], "white-noise intensity", sigma2)
    content.parameter("lin_dt", P["lin_dt"], "time step", dt)
    content.parameter("lin_T", P["lin_T"], "duration per trial (after burn-in)")
    content.parameter("lin_trials", P["lin_trials"], "independent trials (same J): error bars")
    content.parameter("chaos_N", P["chaos_N"], "neurons of the chaotic network", N)
    content.parameter("chaos g, phi", "2, tanh", "preset chaos (no noise, no mean coupling)")
    content.parameter("chaos_T", P["chaos_T"], "duration per trial (after burn-in)")
    content.parameter("chaos_trials", P["chaos_trials"], "independent trials (same J)")
    content.seeds = {
        "linear network": P["lin_seed"],
        "reference check": P["lin_seed"] + 1,
        "chaotic network": P["chaos_seed"],
    }
    return content


def linear_section(ctx: ReportContext, content: ReportContent) -> None:
    """Linear network against the exact Lyapunov covariance, and the integrator checks."""
    P = ctx.params
    p = linear_params(P)
    coeff = step_coefficient_functions()
    content.add_generated(coeff, "exponential-Euler step coefficients a and q^2 used for the discrete Lyapunov theory")
    a_num, q2_num = (float(v) for v in coeff(p["dt"], 1.0, p["sigma2"]))
    lin = LinearCovariance.from_run(linear_run(ctx, p), p, P["lin_T"], a_num, q2_num)
    rp = reference_params(P["lin_seed"] + 1)
    checks = [
        step_noise_check(q2_num, p["dt"], p["sigma2"]),
        *lin.checks(),
        reference_check(reference_agreement_run(ctx, rp), rp),
    ]
    sec = content.section("Linear network against the exact Lyapunov covariance")
    _linear_theory_text(sec)
    _linear_table(sec, lin)
    sec.figure(
        ctx.save_figure(
            plots.linear_covariance_figure(ctx.subplots, lin),
            "linear_covariance",
            f"Linear network (N = {lin.n}, g = {p['g']}, sigma^2 = {p['sigma2']:g}, K = {lin.K} trials of duration "
            f"T = {P['lin_T']:g} after a burn-in of {P['lin_burn_in']:g}, time step {p['dt']:g}, every "
            f"{p['stride']}th step recorded, one network, seed {p['seed']}). Left: simulated against predicted covariance "
            "entries (all variances, a random sample of 300 covariances) with standard-error bars over trials; "
            "the line is equality. Right: histogram of the normalised deviations of all entries against the "
            "standard normal density: error bars of the right size give a unit-width histogram.",
        )
    )
    sec.checks(checks, "Linear network and integrator checks.")


def _linear_theory_text(sec: Section) -> None:
    """The Lyapunov equations and how the report evaluates them."""
    xs = sp.Symbol("x", real=True)
    T_sym = sp.Symbol("T", positive=True)
    sec.text(
        "For ",
        sp.Eq(sp.Function("phi")(xs), xs),
        " the network is a multivariate Ornstein-Uhlenbeck process. For a given coupling matrix ",
        Jmat,
        " with ",
        g,
        " < 1 its stationary covariance ",
        C_,
        " is exact:",
    )
    for desc, eq in lyapunov_equations():
        sec.equation(eq, desc)
    sec.text(
        "The report solves both Lyapunov equations numerically (scipy.linalg) for the same J as the simulation, with "
        "the step coefficients ",
        a_sym,
        " and ",
        q2_sym,
        " evaluated by a module generated from the expressions above (Appendix A). The difference of the two "
        "solutions is the exact O(",
        dt,
        ") bias of the integrator, so the discrete solution is the prediction. Each trial's covariance is "
        "centred by its own time average, whose variance (about ",
        sigma2 * A_.I * A_.I.T / T_sym,
        " over a duration ",
        T_sym,
        ") is computed exactly from the lag covariances ",
        sp.Eq(sp.MatrixSymbol("C_m", N, N), sp.MatPow(M_, sp.Symbol("m s")) * C_, evaluate=False),
        " of the recorded samples (s steps apart) and subtracted from the prediction. The same lag covariances "
        "give the exact sampling variance of every entry of a trial's covariance (Isserlis' theorem, the process "
        "is Gaussian), against which the spread of the simulated entries about the prediction is checked. The "
        "table below gives the sizes and the mean variances, the figure compares every entry with its prediction, "
        "and the check table lists the comparisons with their tolerances.",
    )


def _linear_table(sec: Section, lin: LinearCovariance) -> None:
    """Linear network: sizes, stability margin and mean variances (theory and simulation)."""
    n = lin.n
    sec.table(
        ["quantity", "value"],
        [
            ["N, trials K, recorded samples per trial", f"{n}, {lin.K}, {lin.n_rec}"],
            ["largest real part of the eigenvalues of J", float(np.max(np.linalg.eigvals(lin.J).real))],
            ["mean variance, continuous Lyapunov", float(np.trace(lin.C_cont) / n)],
            ["mean variance, discrete Lyapunov (integrator)", float(np.trace(lin.C_disc) / n)],
            ["mean variance, prediction (integrator, less centring bias)", float(np.trace(lin.C_theory) / n)],
            ["mean variance, simulation", float(lin.trace_per_trial.mean())],
        ],
        "Linear network: theory and simulation.",
        align="lr",
    )


def chaos_section(ctx: ReportContext, content: ReportContent) -> None:
    """The default chaotic network: summary table, figure and the symmetry check of the mean."""
    P = ctx.params
    run = chaos_run(
        ctx, P["chaos_N"], P["chaos_T"], P["chaos_burn_in"], P["chaos_trials"], P["chaos_seed"], P["chaos_lyap_T"]
    )
    K = run["traj"].shape[2]
    sec = content.section("Default chaotic network")
    _chaos_text(sec)
    _chaos_table(sec, run, P)
    sec.figure(
        ctx.save_figure(
            plots.chaos_figure(ctx.subplots, run, autocovariance_with_errors(run)),
            "chaos_summary",
            f"Chaotic tanh network (N = {P['chaos_N']}, g = 2, K = {K} trials of duration T = {P['chaos_T']:g} after a "
            f"burn-in of {P['chaos_burn_in']:g}, time step {CHAOS_DT:g}, one network, seed {P['chaos_seed']}). Left: four "
            "neurons; middle: autocovariance averaged over 100 recorded neurons, band = two standard errors over "
            "trials; right: eigenvalues of the equal-time covariance matrix.",
            width=1.0,
        )
    )
    sec.checks(
        [symmetry_check(run, P["chaos_N"], P["chaos_T"], P["chaos_seed"])],
        "Chaotic network: symmetry and consistency checks.",
    )


def _chaos_text(sec: Section) -> None:
    """The preset chaos and the symmetry that fixes its mean."""
    xr = sp.Symbol("x", real=True)
    sec.text(
        "The preset chaos: ",
        sp.Eq(sp.Function("phi")(xr), sp.tanh(xr)),
        ", ",
        sp.Eq(g, 2),
        ", no noise, no mean coupling. For ",
        g,
        " > 1 the mean-field theory predicts self-sustained chaotic fluctuations; the run below shows them. "
        "By the symmetry x \u2192 \u2212x of the model (tanh is odd, ",
        sp.Eq(J0, 0),
        ", no input) the stationary mean of every neuron is zero, which is checked. The table below summarises "
        "the run, the figure shows sample traces, the autocovariance and the covariance spectrum, and the last "
        "table holds the symmetry check.",
    )


def _chaos_table(sec: Section, run: Any, P: Mapping[str, Any]) -> None:
    """Chaos run summary: moments, participation ratio and the largest Lyapunov exponent."""
    summ = run.meta["summary"]
    ly = run["lyap_per_trial"]
    sec.table(
        ["quantity", "value"],
        [
            ["N, trials K, duration after burn-in", f"{P['chaos_N']}, {run['traj'].shape[2]}, {P['chaos_T']:g}"],
            ["simulation precision (Lyapunov exponent: float64)", summ.get("dtype", "float64")],
            ["population mean of x (time and trial average)", float(summ["mean_x_pop"])],
            ["Delta_0 = mean variance of x_i", float(summ["var_x_mean"])],
            ["mean variance of phi(x_i)", float(summ["var_phi_mean"])],
            ["participation ratio of the covariance", float(summ["participation_ratio"])],
            ["largest Lyapunov exponent (per unit time)", float(ly.mean())],
            ["its standard error over trials", float(ly.std(ddof=1) / np.sqrt(ly.size))],
        ],
        "Chaotic network: run summary.",
        align="lr",
    )
