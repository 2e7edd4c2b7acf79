"""Report "dmft": stationary dynamic mean-field theory, derived and generated, against simulation.

The registered function :func:`dmft_report` composes one function per section (every equation from
the SymPy objects of :mod:`derivations.dmft`; every number from the generated solvers of
:mod:`workbench.theories.dmft`; every simulation and theory-vs-simulation comparison from
:mod:`workbench.theories.dmft.checks`, which the tests use too; figures from
:mod:`workbench.theories.dmft.plots`):

1. derivation: stationary covariance equation, potential, kink, closed equations, Lyapunov map;
2. reference values of the notes (SCS table, white-noise grid, transition lines);
3. phase diagram: Delta0(g) and lambda_max(g) for several noise levels with simulated points, transition lines;
4. autocovariance of the chaotic network (N = 2000 run shared with the simulator report);
5. finite-size study of Delta(tau) at two g and with white noise: networks at four N, fitted ``a + c/N``
   (chi^2 checked), intercept against the DMFT of the simulated step map at its dt (k = Student-t SE);
6. Lyapunov exponent: tangent-map estimates at four N, extrapolated in 1/N (chi^2 of 1/sqrt(N) reported),
   against the step map's DMFT exponent;
7. two populations (E/I, Kadmon-Sompolinsky) and OU noise: the lag-grid solver against networks.

Simulations go through the run store (``ctx.run_job``), keyed by their parameters and code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from workbench.compare import Comparison, compare_abs
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.notation import CURVATURE, KINK, notation_section
from workbench.report.printing import saddle_label, term_label
from workbench.report.registry import register_report
from workbench.sim.runs import CHAOS_RUN, autocovariance_with_errors, chaos_run
from workbench.store import RunJob, StoredRun
from workbench.theories.dmft import plots
from workbench.theories.dmft.checks import SIZES, DMFTChecks, DMFTTheory, report_studies
from workbench.theories.dmft.references import DMFT_SCS, DMFT_TRANSITION, DMFT_WHITE

Runs = Mapping[RunJob, StoredRun]


def _compiled_in(obj: Any) -> list[Any]:
    """CompiledFunction objects among the attributes of a solver (and ``.main`` of lowered systems)."""
    found: list[Any] = []
    for v in vars(obj).values() if hasattr(obj, "__dict__") else []:
        for c in (v, getattr(v, "main", None)):
            if c is not None and hasattr(c, "source") and hasattr(c, "key") and hasattr(c, "path"):
                if all(c is not f for f in found):
                    found.append(c)
    return found


def model_equations() -> list[tuple[str, sp.Basic]]:
    """The network model as SymPy equations (dynamics, coupling and input statistics, noise covariances)."""
    t, s, u, N, g, J0, tau, tau_n = sp.symbols("t s u N g J_0 tau tau_n", real=True)
    sigma2, sigmaI2, I0 = sp.Symbol("sigma^2", real=True), sp.Symbol("sigma_I^2", real=True), sp.Symbol("I_0")
    i, j = sp.symbols("i j", integer=True)
    x, xi, J, I = sp.Function("x"), sp.Function("xi"), sp.IndexedBase("J"), sp.IndexedBase("I")
    phi, E, Var, C_xi = sp.Function("phi"), sp.Function("E"), sp.Function("Var"), sp.Function("C_xi")
    drift = -x(i, t) + sp.Sum(J[i, j] * phi(x(j, t)), (j, 1, N)) + I[i] + xi(i, t)
    return [
        ("dynamics", sp.Eq(tau * sp.Derivative(x(i, t), t), drift)),
        ("couplings", sp.Tuple(sp.Eq(E(J[i, j]), J0 / N), sp.Eq(Var(J[i, j]), g**2 / N))),
        ("quenched inputs", sp.Tuple(sp.Eq(E(I[i]), I0), sp.Eq(Var(I[i]), sigmaI2))),
        ("white noise", sp.Eq(C_xi(t, s), sigma2 * sp.DiracDelta(t - s))),
        ("OU noise", sp.Eq(C_xi(t, s), sigma2 * sp.exp(-sp.Abs(t - s) / tau_n) / (2 * tau_n))),
    ]


def _counts_text(value: Any) -> str:
    """Networks per size as a parameter value: one count, or the counts in the order of the sizes."""
    return ", ".join(str(int(v)) for v in value) if isinstance(value, (list, tuple)) else str(int(value))


def _networks_per_size(study: Any) -> str:
    """``"40, 40, 20 and 20 independent networks at N = 250, 500, 1000 and 2000"`` (or one count at every N)."""
    counts = study.networks
    if len(set(counts)) == 1:
        return f"{counts[0]} independent networks at every N in {list(study.Ns)}"

    def _and(items: Any) -> str:
        items = [str(v) for v in items]
        return ", ".join(items[:-1]) + " and " + items[-1]

    return f"{_and(counts)} independent networks at N = {_and(study.Ns)}"


def _front_matter(P: Mapping[str, Any]) -> ReportContent:
    """Summary, model, parameters and seeds."""
    content = ReportContent(
        summary=(
            "The dynamic mean-field theory (DMFT) of a large random rate network reduces the N coupled equations to "
            "one neuron driven by a self-consistent Gaussian field. Here the stationary DMFT is derived symbolically "
            "from the network's MSRDJ action, compiled into solvers, checked against the reference values of the "
            "project notes, and compared with simulated networks through fitted finite-size extrapolations: the "
            "chaotic network, white and coloured (OU) noise, and two populations."
        )
    )
    content.model = (
        "A rate network of N neurons with independent Gaussian couplings, quenched Gaussian inputs and white or "
        "Ornstein-Uhlenbeck (OU) noise; the nonlinearity is tanh throughout this report. The symbols and their "
        "scaling conventions are in the notation section."
    )
    for desc, eq in model_equations():
        content.model_equation(eq, desc)
    N_, T_ = sp.Symbol("N"), sp.Symbol("T")
    content.parameter("nonlinearity", "tanh", "rate function", sp.Function("phi")(sp.Symbol("x")))
    content.parameter("network size (chaotic run)", P["N"], "neurons of the shared chaotic network run", N_)
    content.parameter("network sizes (finite-size study)", ", ".join(str(n) for n in P["fs_Ns"]),
                      "network sizes of the extrapolations in 1/N", N_)
    content.parameter("networks per size", _counts_text(P["fs_R"]), "independent networks per size, in the order of "
                      "the sizes (autocovariance study)",
                      sp.Symbol("R"))
    content.parameter("averaging time", P["fs_T"], "averaging time per network in the autocovariance study, "
                      f"time step {P.get('fs_dt', 0.1):g}", T_)
    content.parameter("time step (g = 2, 2.5 studies)", P.get("fs_dt", 0.1),
                      "the prediction is the DMFT of the simulated step map at this dt", sp.Symbol("dt"))
    content.parameter("simulation precision", P.get("dtype", "float64"),
                      "state and GEMM precision of the study networks (float32: memory-bound steps at N >= 1000 "
                      "run 2.5 times faster; rounding far below the standard errors)")
    content.seeds = {
        "chaotic network": P["seed"],
        "finite-size study": 1000,
        "Lyapunov study": 2000,
        "E/I, OU": 3000,
        "white noise": 4000,
        "g sweep": 5000,
    }
    return content


CLOSED_LABELS = {
    "mean": "mean of the activation",
    "energy_balance": "energy balance between lag 0+ and the rest point",
    "rest": "rest point of the potential",
    "chaotic": "chaotic branch (autocovariance decays to zero)",
    "static": "static branch (fixed point)",
    "boundary": "single/double-well boundary of the potential at zero lag (not the local instability)",
}
"""Printed labels of the closed equations (``lambda0`` and ``local_instability`` are printed on their own)."""


def lambda0_equation(st: Any) -> sp.Eq:
    """lambda = 0: the curvature of Delta just after lag 0, as derived (-V'(Delta0)/M), set to zero."""
    return sp.Eq(CURVATURE, st.equations["lambda0"].lhs)


def schrodinger_equation(st: Any) -> sp.Eq:
    """The derived eigenproblem behind lambda, (-M d^2/du^2 + W(Delta(u))) psi = E_0 psi (print with order="none")."""
    u, psi, Du = sp.Symbol("u", real=True), sp.Function("psi"), sp.Function("Delta")(sp.Symbol("u", real=True))
    W = st.schrodinger_potential.subs(sp.Symbol("Delta", real=True), Du)
    lhs = sp.Add(-st.mass * sp.Derivative(psi(u), (u, 2)), W * psi(u), evaluate=False)  # print order: see below
    return sp.Eq(lhs, sp.Symbol("E_0", real=True) * psi(u))


def closed_equations(sec: Any, st: Any) -> None:
    """The closed equations with their names, the lambda = 0 condition and the local-instability line."""
    for key, label in CLOSED_LABELS.items():
        if key in st.equations:
            sec.equation(st.equations[key], label)
    if "lambda0" in st.equations:
        sec.text(
            "The chaos transition (largest Lyapunov exponent zero) is where the kinked zero mode is an eigenfunction, "
            "i.e. where the curvature just after lag 0, minus the slope of the potential at the variance over the "
            "mass, vanishes (solved together with the chaotic energy balance; alone it has the form of the static "
            "condition, divided by the mass):"
        )
        sec.equation(lambda0_equation(st), "chaos transition: set to zero")
    if "local_instability" in st.equations:
        sec.text("The static branch loses local stability where the bulk radius of the Jacobian reaches 1:")
        sec.equation(st.equations["local_instability"], "local instability")


def schrodinger_operator(sec: Any, st: Any) -> None:
    """The Schroedinger operator behind the Lyapunov exponent and the map from its ground state."""
    if st.lyapunov is None:
        return
    t, s = sp.symbols("t s", real=True)
    sec.text(
        "Linearising the self-consistency about the stationary solution on the ansatz ",
        sp.exp(sp.Symbol("lambda") * (t + s)) * sp.Function("psi")(t - s),
        " gives the derived Schroedinger problem (mass and potential read off the covariance equation)",
    )
    sec.equation(schrodinger_equation(st), "Schroedinger problem", order="none")  # kinetic term first
    sec.text("and the largest Lyapunov exponent from its ground-state energy:")
    sec.equation(st.lyapunov, "Lyapunov map")


def derivation_section(content: ReportContent, white: Any) -> None:
    """The MSRDJ action, its disorder average, saddle point, effective process and closed equations."""
    der = white.derivation  # the stage objects are kept (and cached) with the derivation
    action, avg, sad, st = der.action, der.averaged, der.saddle, der.stationary
    proc = next(iter(der.processes.values()))
    t0_, s0_ = sp.symbols("t_0 s_0", real=True)
    sec = content.section("Derivation")
    sec.text(
        "derivations.dmft builds the MSRDJ action from the model specification (here one population, white "
        "noise, quenched input), term by term:"
    )
    for name, term in action.terms.items():
        sec.equation(term, term_label(name))
    sec.text("The Gaussian average over the couplings J and the quenched inputs I replaces the random terms by:")
    for name, term in avg.terms.items():
        if name.startswith(("coupling", "input")):
            sec.equation(term, f"averaged {term_label(name)}")
    t_, s_, j_, N_ = sp.Symbol("t", real=True), sp.Symbol("s", real=True), sp.Symbol("j", integer=True), sp.Symbol("N")
    phi_j = sp.Function("phi_j")
    q_def = sp.Eq(sp.Function("Q")(t_, s_), sp.Symbol("g") ** 2 / N_ * sp.Sum(phi_j(t_) * phi_j(s_), (j_, 1, N_)))
    sec.text(
        "The collective variables ",
        q_def,
        " and the population mean rate m(t) (Hubbard-Stratonovich) make the action proportional to N; its saddle "
        "point is",
    )
    for k, v in sad.solution.items():
        sec.equation(sp.Eq(k, v), saddle_label(k))
    eta_t0 = sp.Function("eta")(t0_)
    sec.text("so every neuron obeys the effective single-site process with a Gaussian field ", eta_t0, " of covariance")
    sec.equation(proc.equation, "effective process")
    sec.equation(sp.Eq(sp.Function("C_eta")(t0_, s0_), proc.noise_cov_saddle), "field covariance")
    u_ = sp.Symbol("u", real=True)
    sec.text("Stationarity in the lag ", sp.Eq(u_, t0_ - s0_), " gives the covariance equation")
    sec.equations(list(st.ode.values()))
    sec.text(
        "which is Newtonian motion in the potential below (derived as an antiderivative of the force), with the "
        "kink at zero lag from the delta-correlated noise:"
    )
    sec.equation(sp.Eq(sp.Function("V")(sp.Symbol("Delta")), st.potential), "potential")
    sec.equation(sp.Eq(KINK, next(iter(st.kink.values()))), "kink")
    sec.text(
        "The closed equations solved by the generated energy-integral solver (the chaotic one carries the "
        "noise term of Schuecker et al., quartic in the noise amplitude; without noise it is the "
        "Sompolinsky-Crisanti-Sommers equation):"
    )
    closed_equations(sec, st)
    schrodinger_operator(sec, st)


_REFERENCE_NAMES = {
    "Delta0": "Delta_0",
    "static_Delta0": "static Delta_0",
    "C_phi0": "C_phi(0)",
    "lyapunov": "lambda_max",
    "g_chaos": "g_chaos (lambda_max = 0)",
    "Delta0_at_g_chaos": "Delta_0 at g_chaos",
    "g_local": "g_local (local instability)",
}
"""Printed names of the tabulated quantities (ASCII maths that the report typesets)."""


def reference_values_section(content: ReportContent, chaos: Any, ws: Any) -> None:
    """The generated solvers against the notes' tables (SCS, white noise, transition lines)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dmft.energy import chaos_transition, local_instability

    sec = content.section("Reference values")
    local = ws.problem.derivation.equations["local_instability"]
    checks: list[Comparison] = []
    for row in DMFT_SCS.records():
        r = chaos.solve(ModelSpec.simple(g=row["g"]))
        for key in ("Delta0", "static_Delta0", "C_phi0", "tau_half", "kappa", "lyapunov"):
            # tau_1/2 and kappa have 4 digits; lambda 4-5 digits and the solver's FD step h = 0.02
            rel = {"tau_half": 1e-3, "kappa": 1e-3, "lyapunov": 5e-4}.get(key, DMFT_SCS.rel_precision)
            checks.append(
                compare_abs(
                    f"{_REFERENCE_NAMES.get(key, key)} (g = {row['g']:g})",
                    row[key],
                    getattr(r, key),
                    rel * abs(row[key]),
                    "digits of the table",
                    kind="reference",
                )
            )
    for row in DMFT_WHITE.records():
        r = ws.solve(ModelSpec.simple(g=row["g"], sigma2=row["sigma2"]))
        for key in ("Delta0", "lyapunov"):
            tol = DMFT_WHITE.rel_precision * max(abs(row[key]), 1.0 if key == "lyapunov" else 0.0)
            name = f"{_REFERENCE_NAMES.get(key, key)} (g = {row['g']:g}, sigma^2 = {row['sigma2']:g})"
            checks.append(
                compare_abs(name, row[key], getattr(r, key), tol, "5 digits of the notes' table", kind="reference")
            )
    for row in DMFT_TRANSITION.records():
        s_ = ModelSpec.simple(g=1.5, sigma2=row["sigma2"])
        gc, d0c = chaos_transition(ws, s_)
        gl, _ = local_instability(ws, s_)
        rel = DMFT_TRANSITION.rel_precision
        for key, value, tol in (
            ("g_chaos", gc, rel * row["g_chaos"]),
            ("Delta0_at_g_chaos", d0c, rel),
            ("g_local", gl, rel * row["g_local"]),
        ):
            checks.append(compare_abs(_REFERENCE_NAMES[key], row[key], value, tol, "6 digits", kind="reference"))
    sec.text(
        "Each tolerance of this section is the precision of the tabulated value (its last printed digit: 4 to 6 "
        "significant digits), so these checks test the generated solvers to the accuracy of the tables."
    )
    sec.text("The local-instability line of the table is the root in g of the derived condition")
    sec.equation(local, "local instability")
    sec.checks(checks, f"Generated solvers against {DMFT_SCS.source}, {DMFT_WHITE.source}, {DMFT_TRANSITION.source}.")


def _simulated_points(P: Mapping[str, Any], runs: Runs) -> tuple[dict[str, Any], dict[str, list]]:
    """The sweep's points at one N and the finite-size intercepts (Delta0 per g, lambda_max) for the phase diagram."""
    studies = report_studies(P)
    (sweep,) = studies["sweep"]
    points = {**sweep.points(runs), "N": sweep.N}
    d0 = [(st.g, st.fits(runs)[0].a, st.fits(runs)[0].se_a) for st in studies["delta"] if st.lags[0] == 0.0]
    lam = [(st.g, st.chosen(runs).a, st.chosen(runs).se_a) for st in studies["lyapunov"]]
    return points, {"Delta0": d0, "lam": lam}


def phase_diagram_section(ctx: ReportContext, content: ReportContent, chaos: Any, ws: Any, runs: Runs) -> None:
    """Delta0(g), lambda_max(g) at three noise levels with simulated points, and the transition lines."""
    from workbench.spec import ModelSpec
    from workbench.theories.dmft.energy import chaos_transition, local_instability

    P = ctx.params
    sec = content.section("Phase diagram")
    gs = np.linspace(0.3, 3.0, P["sweep_points"])
    branches = {}
    for s2 in (0.0, 0.1, 0.5):
        solver = chaos if s2 == 0 else ws
        rows = [solver.solve(ModelSpec.simple(g=float(g), sigma2=s2)) for g in gs]
        branches[s2] = ([r.Delta0 for r in rows], [r.lyapunov for r in rows])
    s2s = np.linspace(0.05, 1.0, max(4, P["sweep_points"] // 4))
    gcs, gls = [], []
    g_guess, l_guess = 1.1, 1.05
    for s2 in s2s:
        gc, _ = chaos_transition(ws, ModelSpec.simple(g=1.5, sigma2=float(s2)), g_guess=g_guess)
        gl, _ = local_instability(ws, ModelSpec.simple(g=1.5, sigma2=float(s2)), g_guess=l_guess)
        gcs.append(gc)
        gls.append(gl)
        g_guess, l_guess = gc, gl
    local = ws.problem.derivation.equations["local_instability"]
    points, extrapolated = _simulated_points(P, runs)
    phase = report_studies(P)["phase"]
    phase_points = phase[0].estimates(runs) if phase else None
    fig = plots.phase_diagram_figure(
        ctx.subplots, gs, branches, s2s, gcs, gls, local, points, extrapolated, phase_points
    )
    (sweep,) = report_studies(P)["sweep"]
    caption = (
        f"Lines: DMFT ({P['sweep_points']} values of g). Left: stationary variance against g; middle: largest "
        "Lyapunov exponent against g; right: transition lines in the plane of noise intensity and g. Between the "
        "local-instability and the chaos line lies the locally expansive but non-chaotic regime (Schuecker, "
        "Goedeke, Helias 2018). Noise shifts the chaos transition to larger g. Open circles: simulated networks "
        f"without noise at N = {sweep.N} ({sweep.realisations} networks per g, 2 trials each, T = {sweep.T:g} "
        f"after a burn-in of 50, dt = {sweep.dt:g}, seeds {sweep.seed} + 10 i + r; Lyapunov exponent from the "
        "tangent map, T = "
        f"{sweep.T:g} after a burn-in of 100), not extrapolated in N (finite networks are less chaotic); squares: "
        "the N -> infinity intercepts of the finite-size sections below (their sizes and seeds are stated there). "
        "Bars: 2 standard errors over networks."
    )
    if phase:
        ph = phase[0]
        caption += (
            " Right, markers: simulated networks, filled where their largest Lyapunov exponent is above 0 by more "
            "than 2 SE, open where below by more than 2 SE, crosses otherwise; at sigma^2 = 0 the networks of the "
            f"left panels, at sigma^2 > 0 {ph.realisations} networks of N = {ph.N} with white noise per point (2 "
            f"trials, T = {ph.T:g} after a burn-in of {ph.burn_in:g}, dt = {ph.dt:g}, seeds {ph.seed} + 10 i + r)."
        )
    sec.figure(ctx.save_figure(fig, "phase_diagram", caption, width=1.0))


def autocovariance_section(ctx: ReportContext, content: ReportContent, chaos: Any) -> None:
    """The shared chaotic network run (simulator report) beside the DMFT Delta(tau) at g = 2."""
    from workbench.spec import ModelSpec

    P = ctx.params
    sec = content.section("Autocovariance of the chaotic network")
    run = chaos_run(ctx, P["N"], P["T"], P["burn_in"], P["trials"], P["seed"], P["lyap_T"])
    lags, C_sim, C_se = autocovariance_with_errors(run, max_lag=20.0)
    theory = chaos.solve(ModelSpec.simple(g=2.0))
    fig = plots.autocovariance_figure(ctx.subplots, lags, C_sim, C_se, theory, P["N"], run["traj"].shape[2])
    caption = (
        f"g = 2, no noise: autocovariance against lag of one network of N = {P['N']}, {P['trials']} trials of "
        f"T = {P['T']:g} after a burn-in of {P['burn_in']:g}, dt = 0.05, seed {P['seed']} (about the known mean 0 "
        "of this odd, input-free network, so without the centring bias of a window mean; "
        "band: 2 standard errors over trials of the same couplings) and the DMFT solution. The quantitative comparison, with realisation "
        "scatter and a fitted finite-size term, is the next section."
    )
    sec.figure(ctx.save_figure(fig, "autocovariance", caption, width=0.75))


def finite_size_section(ctx: ReportContext, content: ReportContent, theory: DMFTTheory, runs: Runs) -> None:
    """Delta(tau) at several N and g: fitted a + c/N, intercept and largest N against the DMFT."""
    P = ctx.params
    studies = report_studies(P)["delta"]
    sec = content.section("Finite-size study of the autocovariance")
    st0 = studies[0]
    sec.text(
        f"For each g in {P['fs_g']}, {_networks_per_size(st0)} ({st0.trials} trials each), dt = {st0.dt:g}, "
        f"T = {P['fs_T']:g} after a burn-in of {st0.burn_in:g}. Each network's "
        "estimate is the uncentred autocovariance averaged over all N neurons and the trials (mean 0 by symmetry, "
        "so no centring bias), and the standard errors are over networks, so they contain the network-to-network "
        "scatter. Their spread falls about like N^-0.8 to N^-1 (SD over networks, N = 250-2000) and a network "
        "costs about N^1.6, so the small sizes get more networks: at the same CPU the SE of the intercept is "
        "about 15 % below that of equal counts at N = 500-2000. The "
        "network means are fitted by a + c/N (weights 1/SE^2, "
        f"{len(st0.Ns) - 2} residual degrees of freedom with {len(st0.Ns)} sizes); the fit's chi^2 is a check of its own (it fails when its p-value is below the false-alarm "
        "rate). The intercept a is compared with the DMFT prediction within k SE, k the Student-t quantile of the "
        "Welch-Satterthwaite degrees of freedom at the two-sided false-alarm rate of 4 Gaussian SE (6.3e-5)."
    )
    step = st0.step(theory)
    if step is not None:
        corr = ", ".join(
            f"{s.Delta[i] - s.Delta_flow[i]:+.1e} at g = {st.g:g}, tau = {lag:g}"
            for st in studies if (s := st.step(theory)) is not None for i, lag in enumerate(st.lags)
        )
        sec.text(
            "The time step is not extrapolated away but predicted: the simulator's exponential-Euler step "
            "x(t + dt) = a x(t) + (1 - a) J phi(x(t)), a = exp(-dt), is exactly the delta-step map with delta = 1 - exp(-dt), whose "
            "DMFT (the discrete-time MSRDJ action, solved on the lag lattice) gives Delta at every lag k dt and the "
            "exponent log r / dt. The prediction of each check is this map's Delta at the simulated "
            f"dt = {st0.dt:g}; the dt correction (map minus continuous-time flow) is {corr}, far below the SE, so "
            "for the autocovariance the exponential-Euler step is almost exact, and dt = 0.2 costs half of dt = 0.1 "
            "with no bias left. Each table row states the prediction, the flow's value and the correction."
        )
    elif P["dt_N"]:
        sec.text(
            "The integrator (exponential Euler) is first order in dt, so the simulated Delta differs from the "
            "continuous-time DMFT by a term proportional to dt. It is measured, not allowed for: the networks of "
            f"size N = {P['dt_N']} are simulated again at dt/2 with the same couplings, and the bias "
            "2 (y(dt) - y(dt/2)) (Richardson extrapolation to dt = 0), with its SE over the paired networks, is added "
            "to the DMFT prediction; the SEs are combined in quadrature. The tables state the bias for each check."
        )
    sec.text(
        "The lags 0, 1 and 2 lie where Delta(tau) is at least 84 % of Delta0 (the DMFT half-decay time is 5.4 at "
        "g = 2 and 4.5 at g = 2.5): at larger lags the network-to-network scatter grows relative to the quantity, "
        "and a few-per-cent check there would need many times the simulation budget. Near the transition "
        "(g = 1.5: half-decay time 7.8, network scatter of Delta0 about 7 % at N = 2000) the same budget gives "
        "only a 10 % check, so g = 1.5 appears with simulated points in the phase diagram but is not checked."
    )
    panels = []
    for st in studies:
        means, ses = st.estimates(runs)
        thv = st.theory_values(theory)
        panels.append(
            {"g": st.g, "Ns": st.Ns, "lags": st.lags, "means": means, "ses": ses, "fits": st.fits(runs), "theory": thv}
        )
    caption = (
        f"Autocovariance at three lags against 1/N: means of {_networks_per_size(st0)} "
        f"({st0.trials} trials each, T = {P['fs_T']:g}, dt = {st0.dt:g}, seeds 1000 + 100 i + N + r; bars: 2 "
        "standard errors over networks), weighted fits a + c/N (lines) and the DMFT of the simulated step map at "
        f"dt = {st0.dt:g} (stars at infinite N); the slope c is the measured finite-size effect."
    )
    sec.figure(ctx.save_figure(plots.finite_size_figure(ctx.subplots, panels), "finite_size", caption, width=1.0))
    comps = [c for st in studies for c in st.comparisons(theory, runs)]
    sec.checks(comps, "Extrapolated autocovariance against the DMFT of the step map at dt, and fit quality.")
    white_noise_subsection(ctx, sec, theory, runs)


def white_noise_subsection(ctx: ReportContext, sec: Any, theory: DMFTTheory, runs: Runs) -> None:
    """The white-noise study: Delta(tau) overlays per N and the extrapolated checks."""
    (wn,) = report_studies(ctx.params)["noise"]
    sec.text(
        f"With white noise (g = {wn.g:g}, sigma^2 = {wn.sigma2:g}: short correlation time) the same fit uses "
        f"{wn.realisations} networks ({wn.trials} trials each) at each of the four sizes N in {list(wn.Ns)}, "
        f"dt = {wn.dt:g}, T = {wn.T:g} after a burn-in of {wn.burn_in:g}"
        + (f", with the dt bias measured at N = {wn.dt_N}" if wn.dt_N else
           ", against the DMFT of the step map at that dt with its step noise sigma^2 (1 - a^2)/2 (correction "
           + ", ".join(f"{d - f:+.1e}" for d, f in zip(wn.step(theory).Delta, wn.step(theory).Delta_flow, strict=True))
           + " at the three lags)")
        + ". The lags 0, 0.5 and 1 are where Delta(tau) is a sizeable fraction of Delta0 (the correlation time "
        "is about 1)."
    )
    curves = []
    grid = np.zeros(0)
    for N, job in zip(wn.Ns, wn.size_jobs(), strict=True):
        run = runs[job]
        grid = np.asarray(run["grid"])
        m, se = (np.asarray(v) for v in (np.mean(run["curve"], axis=0), np.std(run["curve"], axis=0, ddof=1)))
        curves.append((N, m, se / np.sqrt(np.shape(run["curve"])[0])))
    fig = plots.white_noise_figure(ctx.subplots, grid, curves, theory.solve(wn.spec()))
    caption = (
        f"White noise, g = {wn.g:g}, sigma^2 = {wn.sigma2:g}: uncentred autocovariance averaged over all neurons, "
        f"mean of {wn.realisations} networks per N ({wn.trials} trials each, T = {wn.T:g}, dt = {wn.dt:g}, seeds "
        "4000 + N + r; bands: 2 standard errors over networks) and the DMFT Delta(tau) (dashed)."
    )
    sec.figure(ctx.save_figure(fig, "white_noise", caption, width=0.7))
    sec.checks(wn.comparisons(theory, runs), "White-noise autocovariance against the DMFT (four sizes).")


def lyapunov_section(ctx: ReportContext, content: ReportContent, theory: DMFTTheory, runs: Runs) -> None:
    """Tangent-map exponents at several N, extrapolated, against the DMFT exponent."""
    from workbench.spec import ModelSpec

    P = ctx.params
    (study,) = report_studies(P)["lyapunov"]
    sec = content.section("Largest Lyapunov exponent")
    lm, lse = study.estimates(runs)
    fit, fit_sqrt = study.fits(runs)
    from workbench.theories.dmft.checks import step_prediction

    lam_flow = theory.solve(ModelSpec.simple(g=study.g)).lyapunov
    step = None if study.dt_N else step_prediction(theory, study.g, 0.0, study.dt, (0.0,), lyapunov=True)
    lam_th = step.lam if step is not None else lam_flow
    fig = plots.lyapunov_figure(ctx.subplots, study.Ns, lm, lse, fit, fit_sqrt, lam_th)
    sec.text(
        "The DMFT exponent of the flow comes from the ground state of the derived Schroedinger operator; the "
        f"simulator's from the exact tangent map of its integrator (dt = {study.dt:g}, T = {P['ly_T']:g} after a "
        f"burn-in of {study.burn_in:g}, {P['ly_R']} networks per N, {study.trials} trials each; SE over networks). "
        + (f"The prediction is the exponent log r / dt of the DMFT of the simulated step map at dt = {study.dt:g} "
           f"(the largest growth factor r of the derived tangent operator on the lag lattice): {step.lam:.4g}, "
           f"against {lam_flow:.4g} for the flow, a dt correction of {step.lam - lam_flow:+.3g} "
           f"({100 * (step.lam - lam_flow) / lam_flow:+.2g} %). " if step is not None else "")
        + "Finite networks are markedly less chaotic. The corrections to the saddle point of the DMFT action are "
        "O(1/N) (Gaussian fluctuations about it, Crisanti and Sompolinsky 2018), so the intercept of a + c/N "
        f"(chi^2 = {fit.chi2:.3g} with {fit.resid_dof} residual degrees of freedom) is compared and its chi^2 "
        "checked at the false-alarm rate; the alternative a + c/sqrt(N) gives "
        f"chi^2 = {fit_sqrt.chi2:.3g} and intercept {fit_sqrt.a:.4g} +- {fit_sqrt.se_a:.2g} (reported, not "
        "compared: with four sizes in a factor 4 of N the chi^2 values alone cannot decide the form, so the choice "
        "rests on the theory)"
        + (f"; the dt bias is measured with paired networks at N = {study.dt_N} and dt/2." if study.dt_N else ".")
    )
    caption = (
        f"g = 2: largest Lyapunov exponent against 1/N for N in {P['ly_Ns']}, {P['ly_R']} networks per N "
        f"({study.trials} trials each, T = {P['ly_T']:g}, dt = {study.dt:g}, seeds 2000 + N + r; bars: 2 standard "
        "errors over networks), fits in 1/N and 1/sqrt(N), and the DMFT of the simulated step map (star)."
    )
    sec.figure(ctx.save_figure(fig, "lyapunov", caption, width=0.6))
    sec.checks(study.comparisons(theory, runs), "Extrapolated Lyapunov exponent against the DMFT.")


def populations_section(ctx: ReportContext, content: ReportContent, theory: DMFTTheory, runs: Runs) -> None:
    """E/I and OU noise: the lag-grid solver against networks at N and N/2."""
    from derivations.dmft import derive

    P = ctx.params
    studies = report_studies(P)["populations"]
    sec = content.section("Two populations and coloured noise")
    st0 = studies[0]
    sec.text(
        "Neither case has an energy integral: the derived equations are solved on a lag grid (type-I DCT Green's "
        "function of the derived operator, Anderson-accelerated fixed point). Each case is simulated with "
        f"{P['pop_R']} networks ({st0.trials} trials each, dt = {st0.dt:g}, T = {P['pop_T']:g} after a burn-in of "
        f"{st0.burn_in:g}) at every N in {P['pop_Ns']}; the network means (standard errors over networks, so with "
        "the network-to-network scatter) are fitted by a + c/N and the intercept is compared with the DMFT within "
        "k SE (Student-t, Welch-Satterthwaite dof), the fit's chi^2 checked at the same false-alarm rate. The "
        "lags 0, 1, 2 are where Delta_a is at least about half of its value at 0. The step-map DMFT that gives the "
        "one-population predictions at the simulated dt covers one population with white or no noise only, so "
        f"here the DMFT is the continuous-time one and the time step is small (dt = {st0.dt:g}; "
        "for one population the exponential-Euler correction to Delta(tau <= 2) is at most 3e-4 of it at dt = 0.1)."
    )
    if st0.dt_N:
        sec.text(
            "The remaining time-step bias is predicted by a Richardson pair: the networks of size "
            f"N = {st0.dt_N} are simulated again at 2 dt = {2 * st0.dt:g} (same couplings, same sampling interval), "
            f"and (y(2 dt) - y(dt))/{2**st0.dt_order - 1} with its SE over the {len(st0.seeds)} paired networks is "
            "added to the DMFT prediction (SEs in quadrature). The divisor is that of a bias of order "
            f"dt^{st0.dt_order}: the exact step-map DMFT of one population gives Delta(2 dt) - Delta(dt) = "
            "3 (Delta(dt) - Delta(0)) at dt = 0.05 (the leak is integrated exactly; holding the drive over a step "
            "errs at second order). Each table row states the bias."
        )
    for st in studies:
        odes = derive(st.model()).stationary.ode  # the derivation of this structure (disk-cached)
        sec.text(f"Derived stationary covariance equations, {st.label}:")
        for name, eq in odes.items():
            sec.equation(eq, f"population {name}" if len(odes) > 1 else "")
    panels, comps = [], []
    for ci, st in enumerate(studies):
        solver = theory.solver(st.model())
        if ci == 0:
            for cf in _compiled_in(solver.rhs_sys):
                content.add_generated(cf, "lag-grid DMFT right-hand side (E/I)")
        th = theory.solve(st.model())
        lags, per_size = st.samples(th, runs)
        panels.append(
            {"label": st.label, "N": st.Ns[-1], "theory": th, "lags": lags, "samples": per_size[-1].mean(axis=1)}
        )
        comps += st.comparisons(theory, runs)
    caption = (
        "Lag-grid DMFT (dashed) against networks (bands: 2 SE over networks). Left: E/I network with "
        "population-specific variances g_ab^2/N, means J0_ab/N and timescales (E: 1, I: 2), white noise 0.3. "
        f"Right: one population driven by OU noise. N = {P['pop_Ns'][-1]} (largest size of the fit), "
        f"T = {P['pop_T']:g}, dt = {st0.dt:g}, {P['pop_R']} networks x {st0.trials} trials, seeds "
        f"3000 + 100 c + s + N (case c = 0, 1; s < {P['pop_R']})."
    )
    sec.figure(ctx.save_figure(plots.populations_figure(ctx.subplots, panels), "populations_ou", caption, width=1.0))
    sec.checks(comps, "Two populations and OU noise against the lag-grid DMFT.")


def _stored_runs(ctx: ReportContext, checks: DMFTChecks, size: str) -> dict[RunJob, StoredRun]:
    """The missing runs in parallel worker processes, then every run from the store (in study order)."""
    ctx.prefetch(checks.jobs(size))
    return {job: ctx.run_job(job) for st in checks.studies(size) for job in st.jobs()}


@register_report(
    "dmft",
    title="Dynamic mean-field theory of random rate networks",
    description="Stationary DMFT derived from the MSRDJ action, generated solvers, reference values and "
    "finite-size-extrapolated comparisons with simulated networks (one and two populations, white and OU noise).",
    default_params={**CHAOS_RUN["full"], **SIZES["full"], "sweep_points": 40},
    quick_params={**CHAOS_RUN["quick"], **SIZES["quick"], "sweep_points": 8},
    order=20,
    cost=540,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def dmft_report(ctx: ReportContext) -> ReportContent:
    """Build the DMFT report: the sections in order (see the module docstring)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dmft import DMFTProblem

    content = _front_matter(ctx.params)
    notation_section(content)
    white = DMFTProblem(ModelSpec.simple(g=2.0, sigma2=0.5))
    derivation_section(content, white)
    ws = white.build_solver()
    for cf in _compiled_in(ws):
        content.add_generated(cf, "DMFT energy-integral solver (white noise)")
    chaos = DMFTProblem(ModelSpec.simple(g=2.0)).build_solver()
    reference_values_section(content, chaos, ws)
    theory = DMFTTheory([chaos, ws])
    runs = _stored_runs(ctx, DMFTChecks(), "quick" if ctx.quick else "full")
    phase_diagram_section(ctx, content, chaos, ws, runs)
    autocovariance_section(ctx, content, chaos)
    finite_size_section(ctx, content, theory, runs)
    lyapunov_section(ctx, content, theory, runs)
    populations_section(ctx, content, theory, runs)
    content.notes = [
        "phi = tanh throughout; other nonlinearities go through the same pipeline (erf has closed-form Gaussian "
        "averages, derived symbolically; the rest use Gauss-Hermite quadrature).",
        "The Lyapunov exponent is not derived for several populations or for coloured noise (no Schroedinger "
        "reduction with a single potential); those solutions leave the Lyapunov exponent undefined.",
        "The quick build (small N, short runs) is a smoke test of the pipeline; read the full build for the comparison.",
    ]
    return content
