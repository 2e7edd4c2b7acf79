"""Report "simulator": the reference simulator against exact results, and a chaotic run.

1. Linear network (phi = x, g < 1, white noise): the simulated equal-time covariance against the
   exact solution of the continuous Lyapunov equation (``scipy.linalg.solve_continuous_lyapunov``)
   for the *same* coupling matrix. Error bars come from K independent trials; the tolerance adds
   the exactly computed time-step bias (discrete Lyapunov equation of the integrator) and the bias
   of centring each trial by its own time average.
2. Fast simulator against the slow plain-NumPy reference stepper with the same injected noise.
3. The default chaotic tanh network (preset ``chaos``): summary, traces, autocorrelation with
   error band, covariance spectrum, largest Lyapunov exponent; symmetry check of the mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla
import sympy as sp
from sympy.stats import Expectation, Normal, Variance

from workbench.compare import Comparison, compare_abs, compare_stat
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.registry import register_report
from workbench.sim.runs import SIM_CODE, autocovariance_with_errors, chaos_run

K_SE = 4.0


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


# -------------------------------------------------------------------------------- computations


def _linear_run(p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from workbench.sim import build_network, simulate
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], phi="linear", sigma2=p["sigma2"], init_std=0.0, name="linear")
    net = build_network(spec, np.random.SeedSequence(p["seed"]).spawn(3)[0])  # the network simulate draws
    res = simulate(
        spec,
        network=net,
        T=p["T"],
        dt=p["dt"],
        trials=p["trials"],
        seed=p["seed"],
        burn_in=p["burn_in"],
        stride=p["stride"],
        record=("cov_trials",),
        progress=p.get("progress"),
        blas_threads=1,  # a 200 x 200 GEMM: more BLAS threads only add contention (software-patterns 10.3)
    )
    arrays = {"J": net.J, "cov_trials": res.cov_x_trials, "n_rec": res.info["n_rec"]}
    return arrays, {"info": {k: v for k, v in res.info.items() if k != "spec"}, "spec": spec.summary()}


def _reference_agreement(p: dict[str, Any]) -> dict[str, Any]:
    from workbench.sim import build_network, simulate
    from workbench.sim.reference import reference_run
    from workbench.spec import ModelSpec

    spec = ModelSpec.simple(N=p["N"], g=p["g"], phi="tanh", sigma2=p["sigma2"], init_std=1.0, name="tanh-noisy")
    net = build_network(spec, p["seed"])
    n_steps = int(round(p["T"] / p["dt"]))
    rng = np.random.default_rng(p["seed"])
    Z = rng.standard_normal((n_steps, spec.N, p["trials"]))
    x0 = rng.standard_normal((spec.N, p["trials"]))
    fast = simulate(
        spec, T=p["T"], dt=p["dt"], trials=p["trials"], seed=p["seed"], network=net, x0=x0, noise=Z, record=()
    )
    ref = reference_run(net, x0, p["dt"], Z)
    return {"max_abs_diff": float(np.max(np.abs(fast.x_final - ref[-1]))), "scale": float(np.max(np.abs(ref[-1])))}


# ------------------------------------------------------------------------------------- report


@register_report(
    "simulator",
    title="Reference simulator: exact checks and a chaotic network",
    description="Linear network against the exact Lyapunov covariance, fast against reference stepper, chaotic tanh run.",
    default_params={
        "lin_N": 200,
        "lin_g": 0.5,
        "lin_sigma2": 1.0,
        "lin_dt": 0.05,
        "lin_T": 1000.0,
        "lin_burn_in": 20.0,
        "lin_stride": 10,
        "lin_trials": 32,
        "lin_seed": 20240501,
        "chaos_N": 2000,
        "chaos_T": 300.0,
        "chaos_burn_in": 100.0,
        "chaos_trials": 8,
        "chaos_lyap_T": 100.0,
        "chaos_seed": 7,
    },
    quick_params={
        "lin_N": 40,
        "lin_T": 200.0,
        "lin_trials": 8,
        "chaos_N": 200,
        "chaos_T": 100.0,
        "chaos_burn_in": 50.0,
        "chaos_trials": 4,
        "chaos_lyap_T": 50.0,
    },
    order=10,
)
def simulator_report(ctx: ReportContext) -> ReportContent:
    """Build the simulator report (see the module docstring)."""
    P = ctx.params
    content = ReportContent(
        summary=(
            "This report checks the reference simulator (workbench.sim) against results that are exact for the "
            "coupling matrix at hand: the stationary covariance of a linear network from the Lyapunov equation, and "
            "a slow plain-NumPy stepper fed with the same noise. It then summarises the default chaotic network "
            "(preset chaos), whose theory is the subject of the DMFT report."
        )
    )
    content.model = (
        "A rate network of N neurons with one population, time constant tau = 1, Gaussian couplings and "
        "white noise, integrated with exponential Euler (leak and noise exact over a step, recurrent input "
        "frozen). Every trial shares one coupling matrix and has its own initial state and noise; all random "
        "numbers come from the stated seeds (SeedSequence spawns the network, initial-condition and noise streams)."
    )
    for desc, eq in model_equations(sp.Function("phi")(sp.Symbol("x", real=True))):
        content.model_equation(eq, desc)
    content.parameter("lin_N", P["lin_N"], "neurons of the linear network", N)
    content.parameter("lin_g", P["lin_g"], "coupling strength (linear network, stable for g < 1)", g)
    content.parameter("lin_sigma2", P["lin_sigma2"], "white-noise intensity", sigma2)
    content.parameter("lin_dt", P["lin_dt"], "time step", dt)
    content.parameter("lin_T", P["lin_T"], "duration per trial (after burn-in)")
    content.parameter("lin_trials", P["lin_trials"], "independent trials (same J): error bars")
    content.parameter("chaos_N", P["chaos_N"], "neurons of the chaotic network", N)
    content.parameter("chaos g, phi", "2, tanh", "preset chaos (no noise, J_0 = 0)")
    content.parameter("chaos_T", P["chaos_T"], "duration per trial (after burn-in)")
    content.parameter("chaos_trials", P["chaos_trials"], "independent trials (same J)")
    content.seeds = {
        "linear network": P["lin_seed"],
        "reference check": P["lin_seed"] + 1,
        "chaotic network": P["chaos_seed"],
    }

    _linear_section(ctx, content)
    _chaos_section(ctx, content)
    content.notes = [
        "Statistical tolerances are k standard errors over independent trials (k = 4: a two-sided false alarm "
        "probability of about 6e-5 per Gaussian check) plus stated, exactly computed systematic terms.",
        "The chaotic network has no exact finite-N theory; its mean-field (DMFT) comparison is in the dmft report.",
    ]
    return content


def _linear_section(ctx: ReportContext, content: ReportContent) -> None:
    P = ctx.params
    p = {
        "N": P["lin_N"],
        "g": P["lin_g"],
        "sigma2": P["lin_sigma2"],
        "dt": P["lin_dt"],
        "T": P["lin_T"] + P["lin_burn_in"],
        "burn_in": P["lin_burn_in"],
        "stride": P["lin_stride"],
        "trials": P["lin_trials"],
        "seed": P["lin_seed"],
    }
    run = ctx.run(
        "simulator.linear-cov",
        p,
        lambda: _linear_run({**p, "progress": ctx.progress}),
        code=(*SIM_CODE, _linear_run),
        label=f"linear network N={p['N']}, {p['trials']} trials",
    )
    Jn = run["J"]
    Ck = run["cov_trials"]
    K, n = Ck.shape[0], Ck.shape[1]
    n_rec = int(run["n_rec"])
    T_rec = (n_rec - 1) * p["stride"] * p["dt"]

    # --- theory from the equations shown (coefficients generated from the SymPy expressions)
    coeff = step_coefficient_functions()
    content.add_generated(coeff, "exponential-Euler step coefficients a and q^2 used for the discrete Lyapunov theory")
    a_num, q2_num = (float(v) for v in coeff(p["dt"], 1.0, p["sigma2"]))
    A = (Jn - np.eye(n)) / 1.0
    C_cont = sla.solve_continuous_lyapunov(A, -p["sigma2"] * np.eye(n))
    M = a_num * np.eye(n) + (1 - a_num) * Jn
    C_disc = sla.solve_discrete_lyapunov(M, q2_num * np.eye(n))
    # centring each trial by its own time average removes Var(time average) ~ (1/T) int C(tau) dtau
    Ainv = np.linalg.inv(A)
    C_center = p["sigma2"] * Ainv @ Ainv.T / T_rec
    C_bias = (C_disc - C_cont) - C_center

    C_hat = Ck.mean(axis=0)
    SE = Ck.std(axis=0, ddof=1) / np.sqrt(K)
    ctxinfo = {"N": n, "K": K, "T": P["lin_T"], "dt": p["dt"], "seed": p["seed"]}

    checks: list[Comparison] = []
    from workbench.sim import step_coefficients

    a_sim, _, nf_sim = step_coefficients(np.array([1.0]), p["dt"], p["sigma2"], "exp", True)
    checks.append(
        compare_abs(
            "step noise variance q^2 (formula shown vs simulator)",
            q2_num,
            float(nf_sim[0] ** 2),
            1e-14,
            "same formula, float64 round-off",
            dt=p["dt"],
        )
    )
    tr_k = np.trace(Ck, axis1=1, axis2=2) / n
    checks.append(
        compare_stat(
            "mean variance (1/N) tr C",
            np.trace(C_cont) / n,
            tr_k.mean(),
            tr_k.std(ddof=1) / np.sqrt(K),
            k=K_SE,
            bias=float(np.trace(C_bias) / n),
            bias_reason="time step and centring bias",
            **ctxinfo,
        )
    )
    off = ~np.eye(n, dtype=bool)
    cross_k = np.array([c[off].mean() for c in Ck])
    checks.append(
        compare_stat(
            "mean cross-covariance",
            float(C_cont[off].mean()),
            cross_k.mean(),
            cross_k.std(ddof=1) / np.sqrt(K),
            k=K_SE,
            bias=float(C_bias[off].mean()),
            bias_reason="time step and centring bias",
            **ctxinfo,
        )
    )
    for a, b in ((0, 0), (0, 1)):
        checks.append(
            compare_stat(
                f"C[{a},{b}]",
                float(C_cont[a, b]),
                float(C_hat[a, b]),
                float(SE[a, b]),
                k=K_SE,
                bias=float(C_bias[a, b]),
                bias_reason="time step and centring bias",
                **ctxinfo,
            )
        )
    floor = float(np.sqrt((SE**2).sum()) / np.linalg.norm(C_cont))
    rel_bias = float(np.linalg.norm(C_bias) / np.linalg.norm(C_cont))
    checks.append(
        compare_abs(
            "relative Frobenius error of C",
            0.0,
            float(np.linalg.norm(C_hat - C_cont) / np.linalg.norm(C_cont)),
            1.5 * floor + rel_bias,
            f"1.5 x sampling floor sqrt(sum SE^2)/|C| = {floor:.3g} plus relative bias {rel_bias:.3g}",
            **ctxinfo,
        )
    )
    z = ((C_hat - C_cont - C_bias) / SE)[np.triu_indices(n)]
    nu = K - 1
    z_theory = float(np.sqrt(nu / (nu - 2)))
    checks.append(
        compare_abs(
            "RMS z-score of all entries",
            z_theory,
            float(np.sqrt(np.mean(z**2))),
            0.15 if K >= 16 else 0.35,
            f"z = (estimate - theory)/SE over K trials is Student t with {nu} d.o.f., RMS sqrt(nu/(nu-2)); entries are correlated",
            **ctxinfo,
        )
    )

    rp = {"N": 50, "g": 1.5, "sigma2": 0.3, "dt": 0.05, "T": 20.0, "trials": 3, "seed": P["lin_seed"] + 1}
    ref = ctx.run(
        "simulator.reference",
        rp,
        lambda: _reference_agreement(rp),
        code=(*SIM_CODE, _reference_agreement),
        label="fast vs reference stepper",
    )
    checks.append(
        compare_abs(
            "fast vs reference stepper, max |x_fast - x_ref|",
            0.0,
            float(ref["max_abs_diff"]),
            1e-10 * max(1.0, float(ref["scale"])),
            "same injected noise and initial state: float64 round-off only (different summation order)",
            N=rp["N"],
            K=rp["trials"],
            steps=int(rp["T"] / rp["dt"]),
            phi="tanh",
            seed=rp["seed"],
        )
    )

    sec = content.section("Linear network against the exact Lyapunov covariance")
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
        ") bias of the integrator; it enters the tolerances as a stated systematic term together with the bias ",
        sigma2 * A_.I * A_.I.T / T_sym,
        " from centring each trial by its own time average over a duration ",
        T_sym,
        ".",
    )
    sec.table(
        ["quantity", "value"],
        [
            ["N, trials K, recorded samples per trial", f"{n}, {K}, {n_rec}"],
            ["largest real part of the eigenvalues of J", float(np.max(np.linalg.eigvals(Jn).real))],
            ["mean variance, continuous Lyapunov", float(np.trace(C_cont) / n)],
            ["mean variance, discrete Lyapunov (integrator)", float(np.trace(C_disc) / n)],
            ["mean variance, simulation", float(tr_k.mean())],
        ],
        "Linear network: theory and simulation.",
        align="lr",
    )

    fig, ax = ctx.subplots(1, 2, figsize=(9.0, 3.9))
    rng = np.random.default_rng(0)
    iu = np.triu_indices(n, 1)
    pick = rng.choice(iu[0].size, size=min(300, iu[0].size), replace=False)
    d = np.arange(n)
    ax[0].errorbar(C_cont[d, d], C_hat[d, d], yerr=SE[d, d], fmt="o", ms=3, lw=0.8, label="variances $C_{ii}$")
    ax[0].errorbar(
        C_cont[iu][pick],
        C_hat[iu][pick],
        yerr=SE[iu][pick],
        fmt=".",
        ms=3,
        lw=0.6,
        alpha=0.7,
        label="covariances $C_{ij}$",
    )
    lo = min(C_cont.min(), C_hat.min())
    hi = max(C_cont.max(), C_hat.max())
    ax[0].plot([lo, hi], [lo, hi], "k-", lw=0.8, label="simulation = theory")
    ax[0].set(
        xlabel="theory (continuous Lyapunov)", ylabel="simulation (mean over trials)", title="equal-time covariance"
    )
    ax[0].legend(fontsize=8)
    zz = np.clip(z, -6, 6)
    ax[1].hist(zz, bins=40, density=True, alpha=0.7, label="entries")
    xs = np.linspace(-5, 5, 201)
    ax[1].plot(xs, np.exp(-(xs**2) / 2) / np.sqrt(2 * np.pi), "k-", lw=1, label="standard normal")
    ax[1].set(xlabel="z = (simulation - theory - bias) / SE", ylabel="density", title="normalised deviations")
    ax[1].legend(fontsize=8)
    sec.figure(
        ctx.save_figure(
            fig,
            "linear_covariance",
            f"Linear network (N = {n}, g = {p['g']}, K = {K} trials). Left: simulated against exact covariance "
            "entries (all variances, a random sample of 300 covariances) with standard-error bars over trials; "
            "the line is equality. Right: histogram of the normalised deviations of all entries against the "
            "standard normal density: error bars of the right size give a unit-width histogram.",
        )
    )
    sec.checks(checks, "Linear network and integrator checks.")


def _chaos_section(ctx: ReportContext, content: ReportContent) -> None:
    P = ctx.params
    p = {"N": P["chaos_N"], "seed": P["chaos_seed"]}
    run = chaos_run(
        ctx, P["chaos_N"], P["chaos_T"], P["chaos_burn_in"], P["chaos_trials"], P["chaos_seed"], P["chaos_lyap_T"]
    )
    t_ = run["t"]
    traj = run["traj"]
    K = traj.shape[2]
    summ = run.meta["summary"]
    lags, acf_m, acf_se = autocovariance_with_errors(run)
    pm = run["popmean"].mean(axis=0)  # time average of the population mean, per trial
    ly = run["lyap_per_trial"]

    sec = content.section("Default chaotic network")
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
        ", no input) the stationary mean of every neuron is zero, which is checked.",
    )
    sec.table(
        ["quantity", "value"],
        [
            ["N, trials K, duration after burn-in", f"{p['N']}, {K}, {P['chaos_T']:g}"],
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
    fig, ax = ctx.subplots(1, 3, figsize=(11.0, 3.4))
    show = t_ <= t_[0] + 60
    for k in range(4):
        ax[0].plot(t_[show], traj[show, k, 0], lw=0.8)
    ax[0].set(xlabel="t", ylabel="$x_i(t)$", title="sample neurons (trial 0)")
    ax[1].plot(lags, acf_m, "C0-", lw=1.2, label="mean over trials")
    ax[1].fill_between(lags, acf_m - 2 * acf_se, acf_m + 2 * acf_se, color="C0", alpha=0.3, label="$\\pm 2$ SE")
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set(xlabel=r"lag $\tau$", ylabel=r"$C(\tau)$", title="autocovariance of $x$")
    ax[1].legend(fontsize=8)
    ev = run["cov_eigs"]
    ev = ev[ev > 0]
    ax[2].loglog(np.arange(1, ev.size + 1), ev, ".", ms=3)
    ax[2].set(xlabel="rank", ylabel="eigenvalue", title="equal-time covariance spectrum")
    sec.figure(
        ctx.save_figure(
            fig,
            "chaos_summary",
            f"Chaotic tanh network (N = {p['N']}, g = 2, K = {K} trials, seed {p['seed']}). Left: four neurons; "
            "middle: autocovariance averaged over 100 recorded neurons, band = two standard errors over trials; "
            "right: eigenvalues of the equal-time covariance matrix.",
            width=1.0,
        )
    )
    sec.checks(
        [
            compare_stat(
                "population mean of x (symmetry)",
                0.0,
                float(pm.mean()),
                float(pm.std(ddof=1) / np.sqrt(K)),
                k=K_SE,
                N=p["N"],
                K=K,
                T=P["chaos_T"],
                seed=p["seed"],
            ),
        ],
        "Chaotic network: symmetry and consistency checks.",
    )
