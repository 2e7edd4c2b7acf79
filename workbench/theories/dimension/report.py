"""Report "dimension": covariance statistics and the participation-ratio dimension PR/N of random networks.

1. The derived equations: linear trace formulas and the Hu-Sompolinsky cubic (``derivations/dimension.py``),
   the two-site cavity kernels (``derivations/dimension_cavity.py``) and, when present, the 1/N coefficients.
2. Exact and reference checks: closed forms, the notes' linear values, Clark et al. (noiseless tanh chaos).
3. The Hu-Sompolinsky eigenvalue density against one exact linear covariance; its moments against the traces.
4. PR/N vs g: exact covariances of drawn linear networks (N = 1000) against the theory to O(1/N); tanh networks
   with white noise against stored simulations (cross-block estimator); the estimator against exact C.
5. The instability: the linear theory collapses at g -> 1, the nonlinear one stays finite with PR/N > 0.
5b. Other regimes (OU noise, static input, Pade-type and clipped-cubic phi): the CLI's theory against stored
    simulations.
5c. Frequency-resolved: psi(w, w) and psi(0, w) of a tanh network against stored simulations (cross-block pair
    estimates of the cross-spectra, :mod:`.report_frequency`).
6. Finite-size scaling of exact linear covariances (N = 250..2000) against the derived 1/N coefficient.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from workbench.compare import Comparison, compare_abs, compare_rel
from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.registry import register_report
from workbench.theories.dimension.report_frequency import frequency_section
from workbench.theories.dimension.report_regimes import WORKED_PHIS, pr_points, regimes_section
from workbench.theories.dimension.report_scaling import critical_section

CAL = {1.25: (0.0014001, 0.0014607), 1.5: (0.0056111, 0.0062393), 2.0: (0.0159148, 0.0197407)}
"""Clark, Abbott & Litwin-Kumar, noiseless tanh: (PR^x/N, PR^phi/N); notes fixed-connectivity section 3 table."""
CAL_RTOL = 5e-4
"""Relative tolerance of the CAL values (their published quadrature, as in tests/theories/dimension)."""
CAL_CHECKED = (1.5, 2.0)
"""CAL values checked (as in tests/theories/dimension); at g = 1.25 (g_eff = 0.995, next to the onset) the
cavity theory, converged in frequency, differs from CAL by 0.14 %: shown in the figure and stated in the notes."""
LINEAR_ET = {0.5: (0.84773, 0.059873), 0.7: (0.63338, 0.283740)}
"""Equal-time linear network, sigma2 = 1: (PR/N, N var_cross), notes dmft.md section 6.2 (5 digits)."""
SHEN_HU_G2 = 0.002706
"""Zero-frequency PR^phi/N of noiseless tanh chaos at g = 2 (notes fixed-connectivity section 2 table)."""
ZF_COVARIANCE = sp.Symbol(r"\sigma^2 (1 - J)^{-1} (1 - J)^{-T}")
"""The zero-frequency covariance of a linear network (inline maths)."""
LINEAR_DIVERGENCE = sp.Symbol(r"(1 - g^2)^{-1/2}")
"""Growth of the linear network's variance at g -> 1 (inline maths)."""
G_EFF = sp.Eq(sp.Symbol(r"g_{\mathrm{eff}}"), sp.Symbol(r"g \sqrt{\langle \phi'^2 \rangle}"))
"""The effective gain of the nonlinear network (inline maths)."""
NOTES = "shared/theory/dmft.md section 6 and shared/theory/fixed-connectivity-and-dimension.md sections 2-4"
"""The project notes."""


def _eq(name: str, rhs: Any) -> sp.Eq:
    """An equation with a typeset left-hand side."""
    return sp.Eq(sp.Symbol(name), rhs)


def derivation_section(content: ReportContent) -> None:
    """The derived linear statistics, the Hu-Sompolinsky cubic, the cavity kernels and the 1/N coefficients."""
    from derivations.dimension_cavity import pair_kernels
    from workbench.theories.dimension.linear import kernels

    k = kernels()
    eqs = k.derivation.equations
    sec = content.section("Derivation")
    sec.text("derivations/dimension.py sums the planar pairings of four resolvents of the linear network "
             f"(free-probability trace formulas, {NOTES}). At zero frequency, with white noise of intensity "
             "sigma^2, the mean autocovariance, N times the variance of the cross-covariances and PR/N are:")
    sec.equation(_eq(r"\bar{a}_0", eqs["zf_mean_autocov"].rhs), "mean autocovariance, zero frequency")
    sec.equation(_eq(r"N \delta c^2_0", eqs["zf_N_var_cross"].rhs), "cross-covariance variance, zero frequency")
    sec.equation(_eq(r"\mathrm{PR}/N_0", eqs["zf_PR_over_N"].rhs), "dimension, zero frequency")
    sec.text("The equal-time covariance integrates the frequency-resolved trace over both frequencies "
             "(generated kernels, Gauss-Legendre quadrature); its mean autocovariance is")
    sec.equation(_eq(r"\bar{a}_{\mathrm{et}}", eqs["et_mean_autocov"].rhs), "mean autocovariance, equal time")
    sec.text("The eigenvalues x = sigma^2/lambda of the zero-frequency covariance follow from the Hermitized "
             "resolvent of 1 - J (Hu and Sompolinsky): m(lambda) solves the cubic, the support edges are the zeros "
             "of its discriminant and p(x) = |Im m(1/x)| / (pi x^2).")
    sec.equation(eqs["hs_cubic"], "Hu-Sompolinsky cubic")
    sec.equation(eqs["hs_edges"], "support edges")
    psi = pair_kernels()
    sec.text("For nonlinear networks derivations/dimension_cavity.py adds the two-site cavity on top of the "
             "single-site DMFT saddle point: with S = 1/(1 + i w) and the mean squared gain d^2 (the average of "
             "phi' squared), "
             "N E[C_ij(w1) conj C_ij(w2)] of phi(x) is (M - 1) times the product of the single-site spectra, and "
             "the zero-frequency dimension of phi(x) is")
    sec.equation(_eq("M - 1", psi["M_minus_1"]), "cavity kernel of phi(x)")
    sec.equation(_eq(r"\mathrm{PR}^{\phi}/N_0", psi["zero_frequency_PR"]), "zero-frequency dimension, nonlinear")
    from derivations.dimension_population import population_algebra

    pop = population_algebra()
    sec.text("A coupling mean J0/N adds a rank-one part that closes on the population means "
             "(derivations/dimension_population.py): in a symmetric state (phi odd about its mean activity) the "
             "mean cross-spectra are O(1/N), with the mean gain dbar and the units' mean spectra a (x) and a_phi "
             "(phi), N times")
    sec.equation(_eq(r"N \bar{c}^{x}(\omega)", pop["N_mean_cross_x"]), "population mode of x")
    sec.equation(_eq(r"N \bar{c}^{\phi}(\omega)", pop["N_mean_cross_phi"]), "population mode of phi(x)")
    from derivations.dimension_population import BETA, GAMMA, J0, W, asymmetric_algebra

    n_, q_, k_ = sp.Symbol("N"), sp.Symbol("q"), sp.Symbol("k")
    mu_, pbar_ = sp.Symbol(r"\mu"), sp.Symbol(r"\bar{p}")
    split = sp.Eq(sp.Symbol("G"), sp.Symbol(r"G_{\perp}") + mu_ * sp.Symbol(r"\bar{p}^{T}") / (n_ * q_))
    channel = sp.Eq(sp.Symbol("P"), sp.Sum(sp.Symbol(r"\bar{p}_{k}") * sp.Symbol(r"\delta\phi_{k}"), (k_, 1, n_)) / n_)
    g2 = sp.Symbol("g") ** 2
    feedbacks = (sp.Eq(BETA, g2 * sp.Symbol(r"\langle \phi'' \rangle")),
                 sp.Eq(GAMMA, g2 * sp.Symbol(r"\langle (\bar{p} d)' \rangle")))
    sec.text("Where the gains correlate with the couplings (relu, softplus, an input mean, a symmetry-broken state) "
             "the units' static means ", sp.Eq(mu_, sp.Symbol("G") * pbar_), " carry that correlation: writing ",
             split, " adds the rate-weighted population ", channel, ", with the feedbacks ", feedbacks[0],
             " onto Phi and ", feedbacks[1], " onto P (derivations/dimension_population.py, asymmetric_algebra; "
             "beta = 0 gives the symmetric closure). Without a coupling mean, Phi takes the sources of P with")
    s_ = sp.Symbol("S")  # S = 1/(1 + i w): the derived factor, shown in S when it equals beta S / (1 - gamma S)
    factor = sp.simplify(asymmetric_algebra()["c_Phi"][2].subs(J0, 0).subs(W, (1 - s_) / (sp.I * s_)))
    shown = BETA * s_ / (1 - GAMMA * s_)
    sec.equation(_eq(r"\partial \Phi / \partial p", shown if sp.simplify(factor - shown) == 0 else factor),
                 "gain-coupling channel of phi(x), S = 1/(1 + i w)")
    sec.text("and the pair terms of phi beyond the linear equivalent (Mehler, the shared inputs' third and fourth "
             "cumulants, direct links; workbench/theories/dimension/population_asymmetric.py) enter as residual "
             "sources. relu at g = 0.8, sigma2 = 0.5: N times the mean cross-covariance of phi is 0.0263 (linear equivalent "
             "0.0147); "
             "simulated 0.0236 +- 0.0016 at N = 500 (16 networks x 2 trials, T = 1000, dt = 0.025) and "
             "0.027 +- 0.002 at N = 1000 (tests/theories/dimension/test_population_asymmetric.py).")
    coef = _finite_size_equation()
    if coef is not None:
        sec.text("derivations/dimension_finite_size.py expands the traces to first order in 1/N (twisted pairings "
                 "of the real Gaussian J); the 1/N coefficient of the zero-frequency PR/N is")
        sec.equation(_eq(r"c_{\mathrm{PR}}", coef), "1/N coefficient, zero frequency")
    for cf in (k.freq, k.et_mean, k.et_trace, k.hs_cubic):
        content.add_generated(cf, "linear dimension kernel (derived)")


def _finite_size_equation() -> Any:
    """The derived 1/N coefficient of the zero-frequency PR/N, or None without the finite-size derivation."""
    try:
        import derivations.dimension_finite_size as dfs
    except ImportError:
        return None
    return dfs.derive().zero_frequency.get("PR_over_N_1")


def exact_checks(chaos: dict[float, Any]) -> list[Comparison]:
    """Closed forms (kind exact), the notes' linear values, Clark et al. and Shen-Hu (kind reference)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.linear import solve_linear
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    out = []
    for g in (0.3, 0.8):
        zf = solve_linear(g, 1.0, covariance="zero-frequency")
        out.append(compare_abs(f"zero-frequency PR/N at g = {g:g} (closed form)", (1 - g * g) ** 2,
                               zf.PR_over_N_x, 1e-12, "closed form; round-off", kind="exact"))
        et = solve_linear(g, 1.0)
        out.append(compare_abs(f"equal-time mean autocovariance at g = {g:g} (closed form)",
                               1 / (2 * math.sqrt(1 - g * g)), et.mean_autocov_x, 1e-12, "closed form; round-off",
                               kind="exact"))
    for g, (pr, nvar) in LINEAR_ET.items():
        et = solve_linear(g, 1.0)
        out.append(compare_abs(f"equal-time PR/N, linear, g = {g:g}", pr, et.PR_over_N_x, 1e-5,
                               "notes 6.2, 5 digits", kind="reference"))
        out.append(compare_abs(f"equal-time N var_cross, linear, g = {g:g}", nvar, et.N_var_cross_x, 1e-6,
                               "notes 6.2, 5 digits", kind="reference"))
    for g, res in chaos.items():
        if g in CAL_CHECKED:
            for i, (w, val) in enumerate((("x", res.PR_over_N_x), ("phi", res.PR_over_N_phi))):
                out.append(compare_rel(f"PR^{w}/N, noiseless tanh, g = {g:g}", CAL[g][i], val, CAL_RTOL,
                                       "Clark et al. published theory (5 digits)", kind="reference"))
    zf = solve_nonlinear(ModelSpec.simple(g=2.0), covariance="zero-frequency")
    out.append(compare_abs("zero-frequency PR^phi/N, noiseless tanh, g = 2", SHEN_HU_G2, zf.PR_over_N_phi, 1e-6,
                           "Shen and Hu, notes table, 4 digits", kind="reference"))
    return out


def _theta_grid(lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``x = c - h cos(theta)`` on the support and trapezoid weights ``dx`` (square-root edges made smooth)."""
    theta = np.linspace(0.0, math.pi, n)
    c, h = 0.5 * (lo + hi), 0.5 * (hi - lo)
    w = np.full(n, math.pi / (n - 1))
    w[[0, -1]] *= 0.5
    return c - h * np.cos(theta), w * h * np.sin(theta)


def hs_checks(g: float, sigma2: float) -> tuple[list[Comparison], tuple[float, float]]:
    """Moments 0, 1, 2 of the Hu-Sompolinsky density against 1, mean autocovariance and (1/N) tr C^2."""
    from workbench.theories.dimension.linear import hs_density, hs_support, solve_linear

    lo, hi = hs_support(g, sigma2)
    x, dx = _theta_grid(lo, hi, 4001)
    p = hs_density(g, x, sigma2)
    zf = solve_linear(g, sigma2, covariance="zero-frequency")
    want = (1.0, zf.mean_autocov_x, zf.mean_autocov_x**2 + zf.N_var_cross_x)
    names = ("normalisation", "first moment = mean autocovariance", "second moment = (1/N) tr C^2")
    out = [compare_abs(f"HS density {n} (g = {g:g})", w, float(np.sum(dx * p * x**i)), 1e-9,
                       "quadrature on x = c - h cos(theta), 4001 points", kind="exact")
           for i, (n, w) in enumerate(zip(names, want, strict=True))]
    return out, (lo, hi)


def _exact_covariance_eigenvalues(g: float, sigma2: float, N: int, seed: int) -> np.ndarray:
    """Eigenvalues of one drawn network's exact zero-frequency covariance ``sigma2 (1-J)^-1 (1-J)^-T``."""
    from workbench.sim.network import build_network
    from workbench.spec import ModelSpec

    J = build_network(ModelSpec.simple(N=N, g=g, phi="linear", sigma2=sigma2), seed).J
    B = np.linalg.inv(np.eye(N) - J)
    return np.linalg.eigvalsh(sigma2 * B @ B.T)


def hs_section(ctx: ReportContext, content: ReportContent) -> None:
    """The covariance eigenvalue density against one exact covariance, and its moment checks."""
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.linear import hs_density

    P = ctx.params
    g, s2, N, seed = P["hs_g"], P["sigma2"], P["hs_N"], P["seed"]
    comps, (lo, hi) = hs_checks(g, s2)
    eig = _exact_covariance_eigenvalues(g, s2, N, seed)
    x = np.geomspace(lo, hi, 400)
    sec = content.section("Covariance eigenvalue density")
    sec.text("The zero-frequency covariance of a linear network is ", ZF_COVARIANCE, "; Figure 1 compares the derived Hu-Sompolinsky density with the eigenvalues of the exact covariance of one "
             f"drawn network (N = {N}, seed {seed}, no simulation needed). The table shows that the density's "
             "first moments reproduce the trace formulas of the derivation to round-off.")
    fig = plots.hs_figure(x, hs_density(g, x, s2), eig, (lo, hi))
    sec.figure(ctx.save_figure(fig, "hs_density", f"Eigenvalue density of the zero-frequency covariance, g = {g:g}, "
                               f"sigma^2 = {s2:g}: theory (line; dotted: support edges) against the eigenvalues of "
                               f"one network's exact covariance (N = {N}, seed {seed}).", width=0.65))
    sec.table(["moment of p(x)", "trace formula", "quadrature of p(x)", "difference"],
              [[c.quantity.removeprefix("HS density ").removesuffix(f" (g = {g:g})"), f"{c.theory:.12g}",
                f"{c.estimate:.12g}", f"{c.estimate - c.theory:.1e}"] for c in comps],
              caption="Moments of the Hu-Sompolinsky density (quadrature on x = c - h cos(theta), 4001 points) "
              "against the trace formulas of the derivation: equal to round-off.")


def _runs(P: dict[str, Any]) -> tuple[Any, list[tuple[float, Any]]]:
    """The linear simulation (estimator against exact C) and the tanh simulations, one per g (sizes ``N_tanh``)."""
    from workbench.theories.dimension.checks import DimensionRun

    common = {"trials": P["trials"], "T": P["T"], "n_blocks": 8, "seed": P["seed"]}
    lin = DimensionRun(N=P["N_linear"], dt=P["dt_linear"], networks=P["networks_linear"], **common)
    tanh = [(g, DimensionRun(N=n, dt=P["dt_tanh"], networks=m, dtype=P["dtype_tanh"], **{**common, "T": P["T_tanh"]}))
            for g, n, m in zip(P["g_tanh"], P["N_tanh"], P["networks"], strict=True)]
    return lin, tanh


def _tanh_spec(g: float, run: Any, sigma2: float) -> Any:
    """The simulated white-noise tanh network at ``g`` and the run's size."""
    from workbench.spec import ModelSpec

    return ModelSpec.simple(N=run.N, g=g, phi="tanh", sigma2=sigma2)


def _point(g: float, values: np.ndarray) -> dict[str, float]:
    """Mean and SE over networks of per-network PR/N values at ``g``."""
    v = np.asarray(values)
    return {"g": g, "mean": float(v.mean()), "se": float(v.std(ddof=1) / math.sqrt(len(v)))}


def _scaled_mean_cross(comps: list[Comparison], N: int) -> list[Comparison]:
    """The mean cross-covariance rows as N times the mean (O(1) numbers; the same test, theory, estimate and
    tolerance all multiplied by N)."""
    out = []
    for c in comps:
        if "mean_cross" in c.quantity:
            c = replace(c, quantity=c.quantity.replace("mean_cross", "N mean_cross"), theory=N * c.theory,
                        estimate=N * c.estimate, tolerance=N * c.tolerance)
        out.append(c)
    return out


def _jobs(P: dict[str, Any]) -> dict[Any, Any]:
    """Every stored run of the report: exact linear statistics per g, the 1/N study, the simulations."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.checks import dimension_job, twinned_job
    from workbench.theories.dimension.finite_size import shared_exact_job, size_exact_jobs
    from workbench.theories.dimension.finite_size_checks import autocov_job
    from workbench.theories.dimension.report_frequency import psi_jobs, psi_reference_jobs
    from workbench.theories.dimension.report_regimes import regime_jobs

    lin_run, tanh_runs = _runs(P)
    jobs: dict[Any, Any] = {"exact": shared_exact_job(P["g_linear"], P["exact_N"], P["exact_networks"], P["sigma2"],
                                                      P["seed"])}
    for N, job in zip(P["fs_Ns"], size_exact_jobs(P["fs_g"], P["fs_Ns"], P["fs_networks"], P["sigma2"],
                                                  P["fs_covariance"], P["seed"]), strict=True):
        jobs["size", N] = job
    jobs["linear"] = dimension_job(ModelSpec.simple(N=lin_run.N, g=P["g_estimator"], phi="linear",
                                                    sigma2=P["sigma2"]), lin_run)
    jobs.update({("tanh", g): twinned_job(_tanh_spec(g, run, P["sigma2"]), run) for g, run in tanh_runs})
    jobs.update(regime_jobs(P))
    jobs.update(psi_jobs(P))
    jobs.update(psi_reference_jobs(P))
    jobs["autocov"] = autocov_job(P["fsn_phi"], P["fsn_g"], P["sigma2"], P["fsn_N"], P["fsn_networks"], P["seed"],
                                  P["fsn_T"], dtype=P["fsn_dtype"])
    return jobs


def _job_rank(job: Any, jobs: dict[Any, Any], order: tuple[str, ...]) -> tuple[int, float]:
    """Longest jobs first (tanh simulations, then exact equal-time C, the 1/N sizes largest first, the linear
    simulation) so that the workers finish together."""
    key = next(k for k, v in jobs.items() if v is job)
    name = key if isinstance(key, str) else key[0]
    size = {"size": lambda: key[1], "tanh": lambda: job.params["run"]["N"]}.get(name, lambda: 0.0)()
    return order.index(name), -float(size)


def linear_checks(ctx: ReportContext, jobs: dict[Any, Any]) -> tuple[list[Comparison], list[dict[str, float]]]:
    """Exact equal-time covariances of drawn linear networks against the derived statistics to O(1/N); the
    cross-block estimator of one simulated linear network run against each network's exact covariance."""
    from workbench.theories.dimension.checks import exact_comparisons as estimator_comparisons
    from workbench.theories.dimension.finite_size import FINITE_SIZE_KEYS, exact_comparisons, finite_size_coefficients

    P = ctx.params
    comps: list[Comparison] = []
    points = []
    shared = ctx.run_job(jobs["exact"]).arrays["rows"]
    for g, rows in zip(P["g_linear"], shared, strict=True):
        fc = finite_size_coefficients(g, P["sigma2"], "equal-time")
        comps += exact_comparisons(rows, fc, P["exact_N"], label=f"linear g = {g:g}, exact C: ", seed=P["seed"])
        points.append(_point(g, rows[:, FINITE_SIZE_KEYS.index("PR_over_N")]))
    lin_run, _ = _runs(P)
    arrays = ctx.run_job(jobs["linear"]).arrays
    label = f"linear g = {P['g_estimator']:g}, simulated: "
    comps += _scaled_mean_cross(estimator_comparisons(arrays, lin_run, label=label), lin_run.N)
    return comps, points


def tanh_checks(ctx: ReportContext, jobs: dict[Any, Any]) -> tuple[list[Comparison], dict[str, list[dict[str, float]]]]:
    """Simulated white-noise tanh networks against the cavity theory, with the time-step biases added to the
    prediction: the DMFT one of the variance, and the fixed-J step-map one of N var_cross and PR/N
    (:mod:`.step_bias`); the cross-block estimator has no finite-T bias."""
    from workbench.theories.dimension.checks import dimension_comparisons, network_estimate
    from workbench.theories.dimension.nonlinear import solve_nonlinear
    from workbench.theories.dimension.step_bias import STEP_BIAS_REASON, white_noise_step_biases

    P = ctx.params
    comps: list[Comparison] = []
    points: dict[str, list[dict[str, float]]] = {"tanh_x": [], "tanh_phi": []}
    for g, run in _runs(P)[1]:
        spec = _tanh_spec(g, run, P["sigma2"])
        arrays = ctx.run_job(jobs["tanh", g]).arrays
        res = solve_nonlinear(spec)
        bias = white_noise_step_biases(spec, res, P["sigma2"], run.dt, run.method, seed=P["seed"])
        comps += _scaled_mean_cross(dimension_comparisons(res, arrays, run, label=f"tanh g = {g:g}: ", biases=bias,
                                                          bias_reason=STEP_BIAS_REASON), run.N)
        for w in ("x", "phi"):
            est, se, _, _ = network_estimate(arrays, w, "PR_over_N")
            points[f"tanh_{w}"].append({"g": g, "mean": est, "se": se})
    return comps, points


def simulation_checks(ctx: ReportContext) -> tuple[list[Comparison], dict[str, list[dict[str, float]]]]:
    """All stored runs (prefetched in workers) against the theory; points for the PR/N figure."""
    jobs = _jobs(ctx.params)
    order = ("tanh", "autocov", "psi", "regime", "exact", "psi_reference", "static_reference", "static_twin", "size",
             "linear")
    ctx.prefetch(sorted(jobs.values(), key=lambda j: _job_rank(j, jobs, order)))
    lin, lin_points = linear_checks(ctx, jobs)
    tanh, points = tanh_checks(ctx, jobs)
    return lin + tanh, {"linear": lin_points, **points}


def theory_curves(P: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """PR/N vs g: linear (white noise), tanh with white noise, noiseless tanh chaos (x and phi)."""
    from workbench.theories.dimension.linear import pr_curve
    from workbench.theories.dimension.nonlinear import instability_curve

    n = P["curve_points"]
    g_lin = np.linspace(0.02, 0.97, n)
    out = {"linear": {"g": g_lin, "PR_x": pr_curve(g_lin, P["sigma2"])}}
    for name, gs, s2 in (("tanh", np.linspace(0.1, 2.0, n), P["sigma2"]), ("chaos", np.linspace(1.05, 2.5, n), 0.0)):
        c = instability_curve(gs, sigma2=s2, phi="tanh", n_freq=401)  # memoised points, shared with the instability
        out[name] = {"g": gs, "PR_x": c["PR_nonlinear"], "PR_phi": c["PR_nonlinear_phi"]}
    return out


def pr_section(ctx: ReportContext, content: ReportContent) -> None:
    """PR/N vs g: theory curves, simulated points, reference values; the checks table."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    P = ctx.params
    lin_run, tanh_runs = _runs(P)
    chaos = {g: solve_nonlinear(ModelSpec.simple(g=g)) for g in CAL}
    content.section("Closed forms and reference values").checks(
        exact_checks(chaos), caption="Closed forms of the linear theory, the notes' linear values, Clark et al. and "
        "Shen-Hu for noiseless tanh chaos.")
    comps, points = simulation_checks(ctx)
    sizes = ", ".join(f"{r.networks} networks of N = {r.N} at g = {g:g}" for g, r in tanh_runs)
    run = tanh_runs[0][1]
    exact = (f"linear: exact equal-time C (Lyapunov equation) of {P['exact_networks']} drawn networks, the same "
             f"draws scaled to each g, N = {P['exact_N']}, seeds {P['seed']} + i")
    sims = (f"tanh: {sizes}, each x {P['trials']} trials of T = {P['T_tanh']:g} after "
            f"{run.burn_in:g} burn-in, dt = {run.dt:g} ({run.dtype}), samples every {run.sample_every:g}, 8 blocks per trial, "
            f"network i has seed {P['seed']} + i")
    estimator = (f"estimator check: linear g = {P['g_estimator']:g}, N = {lin_run.N}, {lin_run.networks} networks, "
                 f"dt = {lin_run.dt:g}, same trials, T = {P['T']:g}")
    sec = content.section("PR/N against g, theory and simulation")
    sec.text("Equal-time covariance, white noise of intensity sigma^2 = ", P["sigma2"], ". Linear networks need no "
             "simulation: the exact covariance of each drawn network is compared with the derived statistics to "
             "order 1/N (large-N value + derived 1/N coefficient / N, derivations/dimension_finite_size.py). Tanh "
             "networks are simulated; each point is the mean over networks of the unbiased cross-block estimate "
             "(workbench.sim.estimators, no finite-T bias), with 2 SE over networks (quenched spread and temporal "
             "noise). Each tanh network is simulated beside its linear twin: couplings d J with the same J, d the "
             "DMFT gain <phi'>, the same initial state and noise. Two controls follow the tanh network's estimates "
             "closely and have known means: the twin's estimate minus the exact statistics of its own discrete "
             "process (Lyapunov equation; mean 0 up to the float32 rounding of J and the step coefficients, which "
             "moves the exact covariance by about 5e-7 of its value), and the exact statistics of the twin's flow "
             "minus their derived disorder average at this N (the linear theory to O(1/N)). The checked value is the "
             "control-variate mean (intercept of the least-squares fit of the tanh estimates on both controls, "
             "Student-t with networks - 3 dof), whose "
             "variance is 2-90 times below the plain mean's (each check's note gives the factor). The known time-step biases (exponential Euler) are added to the prediction: the DMFT one of the "
             "variance, and for N var_cross and PR/N the exact step-map minus flow change of the fixed-J "
             "linear-equivalent covariance of one network of the spec (workbench.theories.dimension.step_bias; "
             "about -2 % and -1.4 % of N var_cross at g = 0.8 and 1.2, self-averaging); "
             "the 1/N term of the cavity statistics is not derived (see the notes). A simulated linear run checks "
             "the estimator against the exact covariance of each of its networks (paired). The right panel is "
             "noiseless chaos (sigma^2 = 0), theory only, against the values published by Clark, Abbott and "
             "Litwin-Kumar (an illustration: no simulation check).")
    fig = plots.pr_vs_g_figure(theory_curves(P), points, CAL)
    sec.figure(ctx.save_figure(fig, "pr_vs_g", f"PR/N of x and phi(x) against g. Left: white noise, theory "
                               f"(lines) against exact covariances (linear) and simulations (tanh), points with 2 SE "
                               f"over networks ({exact}; {sims}). Right: noiseless tanh chaos, theory against Clark "
                               "et al. (open markers)."))
    sec.checks(comps, caption=f"Theory (+ derived 1/N term, + known biases) against exact covariances and "
               f"simulation, Student-t over networks: {exact}; {sims}; {estimator}.")


def instability_section(ctx: ReportContext, content: ReportContent) -> None:
    """Linear vs nonlinear: the linear theory collapses at g -> 1, the nonlinear one stays finite."""
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.linear import solve_linear
    from workbench.theories.dimension.nonlinear import instability_curve

    P = ctx.params
    g = np.union1d(np.linspace(0.1, 2.0, P["curve_points"]), [0.98, 0.995, 0.999])
    curve = instability_curve(g, sigma2=P["sigma2"], n_freq=401)
    mean = np.array([solve_linear(v, P["sigma2"]).mean_autocov_x if v < 1 else np.nan for v in g])
    finite = curve["PR_nonlinear"][np.isfinite(curve["PR_nonlinear"])]
    sec = content.section("Linear against nonlinear: the instability")
    sec.text("With white noise (sigma^2 = ", P["sigma2"], ") the linear network's variance diverges like ",
             LINEAR_DIVERGENCE, " and its PR/N goes to 0 as g -> 1; beyond g = 1 it has no stationary state. The "
             "tanh network saturates: its effective gain ", G_EFF, " stays below 1 and PR/N stays "
             f"finite and positive for every g (smallest value on this grid {finite.min():.3g}).")
    names = {"x/(1+x**2)": "$x/(1+x^2)$", "clip(x,-1,1)-clip(x,-1,1)**3/3": "clipped cubic"}
    g_worked = np.linspace(0.2, 2.0, P["worked_points"])
    others = {names[phi]: instability_curve(g_worked, sigma2=P["sigma2"], phi=phi, n_freq=401) for phi in WORKED_PHIS}
    points = [(names[phi], gp, m, se) for phi, gp, m, se in pr_points(ctx, P, P["sigma2"])]
    lowest = min(float(np.nanmin(c["PR_nonlinear"])) for c in others.values())
    sec.text("The same holds for the worked activations beyond tanh, a Pade-type x/(1+x^2) and the clipped cubic "
             f"(x - x^3/3 for |x| <= 1, +-2/3 beyond): their PR/N stays above {lowest:.3g} on the grid; the simulated "
             "points are the Pade-type and clipped-cubic runs of the previous section (checked there).")
    fig = plots.instability_figure(curve, mean, others, points)
    sec.figure(ctx.save_figure(fig, "instability", f"Left: PR/N of the linear and of the tanh network, equal-time, "
                               f"white noise sigma^2 = {P['sigma2']:g}, two-site cavity theory, and of the Pade-type "
                               "and clipped-cubic networks (dash-dotted) with simulated points (2 SE over networks). "
                               "Right: the linear mean autocovariance diverging at g = 1 (dotted) and the tanh "
                               "network's effective gain staying below 1."))


def finite_size_section(ctx: ReportContext, content: ReportContent) -> None:
    """Exact covariances of drawn linear networks over N against the derived 1/N coefficients."""
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.finite_size import (
        finite_size_coefficients,
        finite_size_comparisons,
        studies_from_rows,
    )

    P = ctx.params
    g, s2, Ns, nets, cov = P["fs_g"], P["sigma2"], P["fs_Ns"], P["fs_networks"], P["fs_covariance"]
    keys = ("PR_over_N", "mean_autocov", "N_var_cross")
    jobs = _jobs(P)
    studies = studies_from_rows(Ns, [ctx.run_job(jobs["size", N]).arrays["rows"] for N in Ns])
    fc = finite_size_coefficients(g, s2, cov)
    comps = finite_size_comparisons(studies, fc, list(nets), keys)
    sec = content.section("Finite-size scaling")
    sec.text(f"Exact {cov} covariances of drawn linear networks, g = {g:g}, sigma^2 = {s2:g}, N = "
             f"{', '.join(map(str, Ns))} with {', '.join(map(str, nets))} networks (seeds {P['seed']} + 1000 N + i). "
             "No time sampling enters: this is the quenched disorder average alone. The derived expansion is "
             "E[y] = a + c/N + O(1/N^2) (derivations/dimension_finite_size.py); the 1/N^2 term d is not derived and "
             "is fitted. Two weighted fits of the per-size means (weights 1/SE^2 over networks) test the theory: "
             "the large-N value a from a + c/N + d/N^2 with a free, and the coefficient c from N (y - a) = c + d/N "
             "with the derived a subtracted, whose chi^2 is checked too. The spread of a statistic over networks is "
             "itself O(1/N), so the SE of N (y - a) does not shrink with N, only with the number of networks: small "
             "networks are cheap and pin c, and the fitted d carries the extrapolation (at N = 125 it moves "
             "N (y - a) of PR/N by about 20 %). Tolerances are k times the fit's SE (Student-t, Welch dof).")
    fig = plots.finite_size_figure({k: studies[k] for k in keys}, fc, list(nets))
    sec.figure(ctx.save_figure(fig, "finite_size", f"Finite-size scaling at g = {g:g} ({cov}). Top: per-size means "
                               "of the exact statistics (2 SE over networks) against 1/N, the theory to order 1/N "
                               "(line) and the fit a + c/N + d/N^2 (dashed). Bottom: N (y - a) with the derived a, "
                               "the fit c + d/N (dashed) and the derived c at 1/N = 0 (star)."))
    sec.checks(comps, caption="Fitted large-N value and 1/N coefficient against the theory (tolerance k x the fit's "
               "SE, Student-t with Welch dof), and the chi^2 of the coefficient fit (fails at p below the rate of 4 "
               "Gaussian SE).")
    nonlinear_finite_size_section(ctx, content)


KNOWN_SHORTFALL = (" A known shortfall this check is too small to resolve: pooled over four runs of this case with the same "
                   "control variates (benchmarks/study_dimension_finite_size.py, N = 125-500, 48-240 networks, and this "
                   "report's run) the rest N (sim - linear equivalent) is -1.047 +- 0.027 for x and -0.535 +- 0.007 for "
                   "phi, against the derived -0.978 and -0.563: x 2.6 SE low, phi 4.0 SE (5 %) high, with no trend in N "
                   "and no change at dt = 0.025; x is also low for tanh at g = 0.8 and erf at g = 0.9 (2.9 and 2.4 SE, "
                   "where phi agrees): a term is still missing, not identified.")
"""What the report says of the derived coefficient of tanh at g = 1.2, sigma2 = 1 beyond its own check."""


def nonlinear_finite_size_section(ctx: ReportContext, content: ReportContent) -> None:
    """The derived 1/N coefficient of a nonlinear network's mean autocovariance, its parts, and the simulated check."""
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.finite_size_checks import autocov_comparisons
    from workbench.theories.dimension.finite_size_nonlinear import PARTS, nonlinear_finite_size

    P = ctx.params
    phi, g, s2, N, T = P["fsn_phi"], P["fsn_g"], P["sigma2"], P["fsn_N"], P["fsn_T"]
    fs = nonlinear_finite_size(ModelSpec.simple(g=g, phi=phi, sigma2=s2))
    job = _jobs(P)["autocov"]
    arrays = ctx.run_job(job).arrays
    rows = arrays["rows"]
    sec = content.section("Finite size of a nonlinear network: the mean autocovariance")
    sec.text(f"{phi}, g = {g:g}, sigma^2 = {s2:g}: E mean_i C_ii = value + coef/N, derived in six cumulative parts "
             "(workbench/theories/dimension/finite_size_nonlinear.py): the twisted pairings of the linear-equivalent "
             "network of the off-diagonal couplings (Stein recursion without the diagonal), the exact self-coupling "
             "J_ii phi(x_i) of every unit to second order (not linear-equivalent), the reciprocal loops i -> j -> i "
             "with j's gain in time (replacing the linear equivalent's own loops), the fourth cumulant of a unit's "
             "input (a finite sum of non-Gaussian phi_j: an Edgeworth term in phi), the single-site renormalisation "
             "(the DMFT linearised on its solution) and the curvature of phi over the unit-to-unit spread of the "
             "spectra. Check: each simulated network is paired with its own shared-gain linear-equivalent prediction, "
             "whose disorder average has the derived coefficient c_LE; the mean of N (sim - linear equivalent) "
             "measures coef - c_LE with a small spread (a control variate), and N (shared - value), of derived mean "
             "c_LE and strongly anti-correlated with it, is a second control variate (fitted slope). "
             f"N = {N}, {len(rows)} networks (seeds {P['seed']} + i; {len(arrays['unstable'])} skipped with an "
             f"unstable linear equivalent), 4 trials of T = {T:g} after 50 burn-in, dt = 0.05 ({P['fsn_dtype']}), samples "
             "every 0.5; "
             "the DMFT time-step bias of the unit statistics is added to the simulated values."
             + (KNOWN_SHORTFALL if (phi, g, s2) == ("tanh", 1.2, 1.0) else ""))
    rows_tex = [[key.replace("mean_autocov_", "")] + [f"{fs.parts[key][p]:.4g}" for p in PARTS]
                + [f"{fs.info['linear_equivalent_' + key.rsplit('_', 1)[1]]:.4g}"] for key in fs.coef]
    sec.table(["stat", "twisted", "+ self", "+ loops", "+ cumulant", "+ site", "+ spread = coef", "c_LE"], rows_tex,
              caption="Cumulative parts of the derived 1/N coefficient of the mean autocovariance (x, phi): the "
              "twisted words, then the self-coupling, the reciprocal loops, the input's fourth cumulant (direct "
              "shifts), the single-site echo and the unit-to-unit spread; and the coefficient of the "
              "linear-equivalent network with the diagonal (c_LE).")
    _zero_frequency_table(sec, ModelSpec.simple(g=g, phi=phi, sigma2=s2), (phi, g, s2) == ("tanh", 1.2, 1.0))
    context = {k: v for k, v in job.params.items() if k not in ("N", "networks")}  # phi, g, sigma2, seed, T, trials, dt
    sec.checks(autocov_comparisons(rows, fs, N, **context),
               caption="Mean over networks of N (simulated - linear-equivalent prediction), with the control variate "
               "N (shared - value), against the derived coef - c_LE (Student-t over networks).")
    _cross_statistics(sec, fs, rows, N)


ZERO_FREQUENCY_MEASURED = (" Simulated (benchmarks/check_dimension_cli.py, 2 trials of T = 1000, dt = 0.025, seeds 7 + i, "
                           "window 12.5): N (sim - large-N value - sampling cusp) = 8.1 +- 3.1 for x and 2.4 +- 1.2 "
                           "for phi at N = 125 (64 networks), 12.8 +- 3.4 and 4.1 +- 1.25 at N = 100 (96 networks); "
                           "without the terms the predictions are 2.6 and 2.0, and 3.8 and 3.3 SE low.")
"""The held-out zero-frequency check of tanh at g = 1.2, sigma2 = 1 that the report quotes."""


def _zero_frequency_table(sec: Any, spec: Any, measured: bool) -> None:
    """The same derived terms at zero frequency (their lag integrals; no new sampling), at w = 0 and in the
    estimator's window 12.5."""
    from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size

    zf = {W: nonlinear_finite_size(spec, covariance="zero-frequency", window=W) for W in (None, 12.5)}
    sec.text("At zero frequency every part above is a shift of the unit autocovariance at every lag, so "
             "C_ii(w = 0) = int C_ii(t) dt gains their lag integrals (workbench dimension --covariance zero-frequency "
             "[--window W] --finite-size; in a window under the estimator's Richardson lag weight); for a linear phi "
             "this is the derived linear coefficient to 3e-5. The slow collective modes make it far larger relative "
             "to the value than at equal time." + (ZERO_FREQUENCY_MEASURED if measured else "")
             + " The unit spread N var_i C_ii(0) is derived as at equal time: x's is the linear equivalent's, phi's "
             "Price's functional of each unit's autocovariance shift at every lag (for tanh at g = 0.8, sigma2 = 0.5 "
             "in the window 12.5 the simulated ratio of phi's spread to x's is 0.2882 +- 0.0025 at N = 100, 192 "
             "networks, against the derived 0.2885; the linear equivalent's own ratio is 0.398).")
    rows = [[w, ("w = 0" if W is None else f"window {W:g}"), f"{f.value[f'mean_autocov_{w}']:.4g}",
             f"{f.coef[f'mean_autocov_{w}']:.4g}", f"{f.info[f'linear_equivalent_{w}']:.4g}",
             f"{f.unit_spread[w]:.4g}"]
            for W, f in zf.items() for w in ("x", "phi")]
    sec.table(["stat", "covariance", "value", "coef", "c_LE", "N var_diag"], rows,
              caption="Zero-frequency mean autocovariance: large-N value, derived 1/N coefficient, the "
              "linear-equivalent network's coefficient, and the derived unit spread N var_i C_ii(0).")


def _cross_statistics(sec: Any, fs: Any, rows: Any, N: int) -> None:
    """The cross statistics of the same networks: linear equivalent (derived) beside the measured rest, and the
    derived unit spread beside simulation."""
    from workbench.theories.dimension.finite_size_checks import cross_summary

    cs = cross_summary({N: rows}, fs)
    sec.text("The same networks' cross statistics. The linear-equivalent network's 1/N coefficients are derived (the "
             "planar and 1/N words of (1/N) tr C^2, exact for it; they reproduce the linear network's coefficients "
             "for phi(x) = x); what a nonlinear network adds, N (sim - shared), is only measured here (its mean over "
             "networks with N (shared - value), of derived mean, as a control variate): it is large and of the "
             "opposite sign (units whose variance is large have a small gain phi', a unit-to-unit heterogeneity "
             "correlated with the coupling structure that the shared-gain linear equivalent lacks), and for "
             "N var_cross it nearly cancels the linear equivalent's coefficient: in 240-network studies "
             "(benchmarks/study_dimension_finite_size.py, N = 125) the net coefficient of N var_cross of phi is "
             "+0.005 +- 0.003 for tanh at g = 0.8, +0.004 +- 0.008 for erf at g = 0.9 and -0.31 +- 0.05 for tanh at "
             "g = 1.2. That heterogeneity is measured, not derived, by a closure (workbench/theories/dimension/"
             "closure.py): the fixed-J theory with self-consistent gains, each unit's gain the DMFT gain at its own "
             "predicted variance, on the same networks as the simulation (study --closure; about 2 s per network, not "
             "run here). It gives the whole measured rest of N var_cross and PR/N for tanh at g = 0.8 (the paired miss "
             "N (sim - closure) +0.005 +- 0.009 for N var_cross of x, against a rest of -0.107) and 15-18 % (N var_cross) "
             "and 21-47 % (PR/N) more than the measured rest for erf at g = 0.9 and tanh at g = 1.2 (x: -10.2 +- 0.3 "
             "against -8.6 +- 0.9). "
             "The simulated cross statistics are corrected by the shared prediction's time-step bias (step map minus "
             "flow on the same J, 3 % of N var_cross at dt = 0.05). The unit spread N var_i C_ii is O(1): for x "
             "that of the linear equivalent, for phi that times the squared curvature A(0) + B(0), about a quarter of the "
             "linear equivalent's (simulated within 2 % at g = 0.8 and for erf, 7 % above it at g = 1.2: not checked "
             "here).")

    def fmt(m: tuple[float, float, int]) -> str:
        return f"{m[0]:.3g} +- {m[1]:.2g}"

    table = [[key.replace("_", " "), f"{s['linear_equivalent_value']:.4g}", f"{s['linear_equivalent_derived']:.4g}",
              fmt(s["linear_equivalent_measured"]), fmt(s["rest_measured"]),
              f"{s['derived_value']:.4g}" if "derived_value" in s else "-", fmt(s["per_size"][0]["sim"])]
             for key, s in cs.items()]
    sec.table(["stat", "LE value", "LE coef", "N (LE - value)", "N (sim - LE)", "derived O(1)", f"sim at N = {N}"],
              table, caption=f"Cross statistics at N = {N}: the shared-gain linear equivalent (LE) value and derived "
              "1/N coefficient, the measured N (LE - value) and rest N (sim - LE) (mean +- SE over networks; the rest "
              "with the control variate), and "
              "for the unit spread N var_diag the derived O(1) value and the simulated one.")


def model_section(content: ReportContent, P: dict[str, Any]) -> None:
    """Model paragraph, equations and parameters."""
    t, g, N, s2 = sp.Symbol("t"), sp.Symbol("g"), sp.Symbol("N"), sp.Symbol("sigma")**2
    x, phi = sp.Function("x_i"), sp.Function("phi")
    j = sp.Symbol("j", integer=True)
    content.model = ("A rate network of N units with i.i.d. Gaussian couplings and white noise; the covariance C "
                     "of x (or of phi(x)) over the stationary state, equal-time or zero-frequency (long window), "
                     "and its participation ratio PR (last equation).")
    content.model_equation(sp.Eq(sp.Derivative(x(t), t), -x(t) + sp.Sum(sp.Symbol("J_ij") * phi(sp.Function("x_j")(t)),
                                                                        (j, 1, N)) + sp.Function("xi_i")(t)),
                           "dynamics")
    content.model_equation(sp.Eq(sp.Function("Var")(sp.Symbol("J_ij")), g**2 / N), "coupling variance")
    content.model_equation(sp.Eq(sp.Symbol("PR"), sp.Symbol(r"(\mathrm{tr}\,C)^2 / \mathrm{tr}\,C^2")),
                           "participation ratio")
    content.parameter("noise intensity", P["sigma2"], "white noise of the simulated and noisy theory curves", s2)
    content.parameter("linear g", ", ".join(f"{v:g}" for v in P["g_linear"]), "linear networks, exact C", g)
    content.parameter("linear size", P["exact_N"], "units per linear network (exact C)", N)
    content.parameter("linear networks", P["exact_networks"], "drawn linear networks per g", sp.Symbol("R"))
    content.parameter("tanh g", ", ".join(f"{v:g}" for v in P["g_tanh"]), "simulated tanh networks", g)
    content.parameter("tanh size", ", ".join(map(str, P["N_tanh"])), "units per tanh network, per g", N)
    content.parameter("tanh networks", P["networks"], "simulated networks at each g (sizes N_tanh)", sp.Symbol("R"))
    content.parameter("trials", P["trials"], "independent trials per network", sp.Symbol("n"))
    content.parameter("duration", P["T"], "recorded time per trial (linear estimator check)", sp.Symbol("T"))
    content.parameter("duration, tanh", P["T_tanh"], "recorded time per trial of each tanh network and of its linear "
                      "twin (the control variate)", sp.Symbol("T"))
    content.parameter("time step, linear", P["dt_linear"], "exponential Euler (estimator check)", sp.Symbol("Delta_t"))
    content.parameter("time step, tanh", P["dt_tanh"], "exponential Euler", sp.Symbol("Delta_t"))
    content.parameter("precision, tanh", P["dtype_tanh"], "state and matrix-vector steps of the tanh networks and "
                      "their twins (float32 halves the memory traffic of J; the samples are kept in float64)")
    content.parameter("precision, other regimes", P["regime_dtype"], "steps of the other regimes' networks and twins")
    content.parameter("precision, psi", P["psi_dtype"], "steps of the frequency-resolved (psi) networks")
    content.parameter("precision, 1/N autocov", P["fsn_dtype"], "steps of the nonlinear 1/N study's networks")


@register_report(
    "dimension",
    title="Dimension of random-network activity: covariance statistics and the participation ratio",
    description="linear trace formulas, Hu-Sompolinsky spectrum, two-site cavity PR/N against simulation, "
    "the linear instability, 1/N scaling",
    default_params={"sigma2": 1.0, "g_linear": [0.3, 0.6, 0.8], "exact_N": 1000, "exact_networks": 12,
                    "g_estimator": 0.6, "N_linear": 200, "networks_linear": 56, "dt_linear": 0.05,
                    "g_tanh": [0.8, 1.2], "N_tanh": [500, 1000], "networks": [32, 16], "trials": 1, "T": 500.0, "T_tanh": 250.0,
                    "dt_tanh": 0.025, "dtype_tanh": "float32", "seed": 100, "hs_g": 0.5, "hs_N": 400, "fs_g": 0.6,
                    "fs_covariance": "zero-frequency", "fs_Ns": [64, 90, 125, 250, 500, 1000],
                    "fs_networks": [12000, 8000, 4800, 1800, 300, 24], "curve_points": 30, "fsn_phi": "tanh",
                    "fsn_g": 1.2,
                    "fsn_N": 125, "fsn_networks": 160, "fsn_T": 250.0, "fsn_dtype": "float32",
                    "regime_N": 300, "regime_networks": 12, "regime_trials": 2, "regime_T": 300.0,
                    "regime_dt": 0.025, "regime_dtype": "float32", "regime_window": 12.5, "worked_points": 10,
                    "psi_N": 300, "psi_networks": 48, "psi_chunk": 8, "psi_T": 1600.0, "psi_dt": 0.025,
                    "psi_dtype": "float32",
                    "psi_w": [0.0, 0.25, 0.5, 1.0, 1.5, 2.5], "psi_reference": 240,
                    "psi_reference_chunk": 120, "psi_control_w_max": 0.5,
                    "regime_static_reference": 400, "regime_static_chunk": 200,
                    "critical_sigma2_min": 1e-5, "critical_sigma2_max": 0.3, "critical_points": 11},
    quick_params={"g_linear": [0.6], "exact_N": 200, "exact_networks": 4, "N_linear": 80, "networks_linear": 3,
                  "g_tanh": [1.2], "N_tanh": [80], "networks": [5], "trials": 1, "T": 100.0, "T_tanh": 100.0, "hs_N": 200,
                  "fs_Ns": [40, 60, 80], "fs_networks": [24, 16, 8], "curve_points": 6, "fsn_N": 80, "fsn_networks": 3,
                  "fsn_T": 100.0, "regime_N": 60, "regime_networks": 5, "regime_T": 100.0,
                  "regime_window": 2.5, "worked_points": 4, "psi_N": 60, "psi_networks": 4, "psi_chunk": 2,
                  "psi_T": 400.0, "psi_reference": 8, "psi_reference_chunk": 4,
                  "regime_static_reference": 16, "regime_static_chunk": 8, "critical_points": 6},
    order=90,
    cost=700,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def dimension_report(ctx: ReportContext) -> ReportContent:
    """Build the report (see the module docstring)."""
    P = ctx.params
    content = ReportContent(summary=(
        "Statistics of the covariance of random-network activity and its participation-ratio dimension PR/N: "
        "exact trace formulas and the Hu-Sompolinsky spectrum for linear networks, the two-site cavity theory "
        "for nonlinear ones, checked against closed forms, published values, exact covariances and simulated "
        "networks with an unbiased cross-block estimator; the nonlinearity cures the linear instability at g = 1."))
    model_section(content, P)
    derivation_section(content)
    hs_section(ctx, content)
    pr_section(ctx, content)
    regimes_section(ctx, content)
    frequency_section(ctx, content)
    instability_section(ctx, content)
    critical_section(ctx, content)
    finite_size_section(ctx, content)
    content.seeds = {"networks": P["seed"], "finite-size networks": P["seed"], "spectrum network": P["seed"]}
    content.notes = [
        "The paper's body equations were not available; the statistics are derived (derivations/dimension.py, "
        "derivations/dimension_cavity.py, derivations/dimension_finite_size.py) and checked here.",
        "The naive plug-in PR estimate from a finite run is biased by about N^2 tau_c / T; the cross-block "
        "estimator pairs covariances of different blocks and has no such bias.",
        "Noiseless tanh at g = 1.25 (g_eff = 0.995): the cavity PR/N (converged in frequency) is 0.14 % above "
        "the Clark et al. value, outside its 5-digit tolerance; it is shown in the figure but not checked until the "
        "difference is understood (the checked values at g = 1.5 and 2 agree to 0.05 %).",
        "The 1/N corrections of the nonlinear (cavity) cross-covariance statistics are not derived (only the mean "
        "autocovariance's and the linear equivalent's, in the last section). The tanh checks therefore use "
        "N = 500 at g = 0.8 and N = 1000 at g = 1.2. Measured at g = 1.2, sigma^2 = 1 (N = 125-500), the "
        "nonlinear rest of N var_cross of x, -8.0 +- 0.9, nearly cancels the linear equivalent's +7.7: the neglected "
        "term is below 0.2 % of N var_cross at N = 1000 (benchmarks/analysis_dimension_cross_rest.py: two partial "
        "terms of that rest).",
    ]
    return content
