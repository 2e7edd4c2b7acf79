# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Dimension of random-network activity: covariance statistics and PR/N
#
# For $\dot x_i = -x_i + \sum_j J_{ij}\phi(x_j) + \xi_i$ with $J_{ij}\sim N(0, g^2/N)$, the covariance $C$ of
# $x$ (or $\phi(x)$) has a participation ratio $\mathrm{PR} = (\mathrm{tr}\,C)^2/\mathrm{tr}\,C^2$. Linear
# networks: derived free-probability trace formulas and the Hu-Sompolinsky spectrum
# (`derivations/dimension.py`); nonlinear ones: the two-site cavity (`derivations/dimension_cavity.py`).
# Notes: `shared/theory/dmft.md` section 6, `fixed-connectivity-and-dimension.md`. Set `WORKBENCH_FAST=1`
# for a fast run. The command line: `workbench dimension --phi tanh --g 1.5 --json`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from workbench.config import get_flag
from workbench.sim import simulate
from workbench.sim.estimators import cross_block_dimension
from workbench.spec import ModelSpec
from workbench.theories.dimension.checks import twin_gain
from workbench.theories.dimension.frequency_checks import PsiRun, measure_psi, psi_comparisons, twin_psi_samples
from workbench.theories.dimension.linear import hs_density, hs_support, kernels, solve_linear
from workbench.theories.dimension.nonlinear import instability_curve, solve_nonlinear

FAST = get_flag("WORKBENCH_FAST")

# %% [markdown]
# ## 1. The derived linear statistics (zero frequency, white noise)

# %%
eqs = kernels().derivation.equations
for name in ("zf_mean_autocov", "zf_N_var_cross", "zf_PR_over_N"):
    print(f"{name}: {eqs[name].rhs}")
print(solve_linear(0.5, 1.0).summary())

# %% [markdown]
# Reciprocal motifs, corr(J_ij, J_ji) = eta: equal-time PR/N from the elliptic Stein recursion (white noise here; the
# zero-frequency values come from the elliptic Dyson equation, and the two agree at zero frequency).

# %%
for eta in (-0.5, 0.0, 0.5, 0.9):
    print(f"g = 0.45, eta = {eta:+.1f}: equal-time PR/N = {solve_linear(0.45, 1.0, eta=eta).PR_over_N_x:.4f}, "
          f"zero-frequency {solve_linear(0.45, 1.0, eta=eta, covariance='zero-frequency').PR_over_N_x:.4f}")

# %% [markdown]
# ## 2. Hu-Sompolinsky density against one exact covariance

# %%
g, N = 0.5, 200 if FAST else 800
J = np.random.default_rng(1).normal(0.0, g / np.sqrt(N), (N, N))
B = np.linalg.inv(np.eye(N) - J)
eig = np.linalg.eigvalsh(B @ B.T)
x = np.geomspace(*hs_support(g), 300)
plt.hist(eig, bins=40, density=True, color="0.8", label=f"one network, N = {N}")
plt.plot(x, hs_density(g, x), label="theory")
plt.xscale("log")
plt.xlabel("covariance eigenvalue")
plt.legend()
plt.show()

# %% [markdown]
# ## 3. Linear against nonlinear: PR/N vs g (white noise), and noiseless tanh chaos

# %%
gs = np.linspace(0.1, 2.0, 8 if FAST else 30)
curve = instability_curve(gs, sigma2=1.0, n_freq=401)
plt.semilogy(gs, curve["PR_linear"], label="linear")
plt.semilogy(gs, curve["PR_nonlinear"], label="tanh, x")
plt.axvline(1.0, color="0.5", ls=":")
plt.xlabel("g")
plt.ylabel("PR/N")
plt.legend()
plt.show()
print(solve_nonlinear(ModelSpec.simple(g=1.5)).summary()["PR_over_N_x"], "(Clark et al.: 0.0056111)")

# %% [markdown]
# ## 4. A simulated network: the unbiased cross-block estimate

# %%
spec = ModelSpec.simple(N=100 if FAST else 400, g=1.2, phi="tanh", sigma2=1.0)
res = simulate(spec, T=240.0 if FAST else 1040.0, dt=0.025, trials=2, seed=3, burn_in=40.0, stride=20,
               record=("traj",))
est = cross_block_dimension(res.traj, n_blocks=8, mean=0.0)
print("simulated PR/N:", est.values["PR_over_N"], "+-", est.se["PR_over_N"],
      " theory:", solve_nonlinear(spec).PR_over_N_x)

# %% [markdown]
# ## 4a. The linear twin: a control variate for the network average
# Each network is simulated beside its linear twin (couplings <phi'> J of the same J, the same initial state and
# noise). The twin's estimate is known in expectation (its exact covariance, and the derived disorder average of the
# linear theory at this N), and it follows the tanh network's estimate closely: the intercept of the fit on the two
# controls has far less variance than the plain mean over networks (the report's checks use it).

# %%
from workbench.sim.estimators import DIMENSION_KEYS  # noqa: E402
from workbench.theories.dimension.checks import (  # noqa: E402
    DimensionRun,
    dimension_samples,
    network_estimate,
    twin_controls,
    twinned_job,
)

spec = ModelSpec.simple(N=120 if FAST else 300, g=1.2, phi="tanh", sigma2=1.0)
twin_run = DimensionRun(N=spec.N, networks=6 if FAST else 12, trials=1 if FAST else 2, T=150.0 if FAST else 300.0,
                        dt=0.05)
arrays = dimension_samples(twinned_job(spec, twin_run).params)
i = DIMENSION_KEYS.index("N_var_cross")
controls = twin_controls(arrays)
plain = arrays["x"][:, i]
est, se, dof, note = network_estimate(arrays, "x", "N_var_cross")
print(f"N var_cross of x, theory {solve_nonlinear(spec).N_var_cross_x:.4f}: plain mean {plain.mean():.4f} +- "
      f"{plain.std(ddof=1) / np.sqrt(len(plain)):.4f}; control-variate mean {est:.4f} +- {se:.4f} ({dof} dof)")
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(controls[:, i].sum(axis=1), plain, "o")
ax.set_xlabel("twin control (error + quenched deviation)")
ax.set_ylabel("N var_cross of x (tanh network)")
fig.tight_layout()

# %% [markdown]
# ## 4b. Beyond white noise and tanh: OU noise, a static input, Pade-type and clipped-cubic phi, zero frequency
# The regimes of the report's section "Other regimes" and a zero-frequency case (their `workbench dimension` options
# printed), the theory against a few simulated networks (cross-block estimates, mean +- SE over networks). The
# report uses N = 300 and 12 networks; at these small sizes the 1/N terms (not derived for the cavity cross
# statistics) are visible. At zero frequency the prediction is that of the estimator's finite window
# (`workbench dimension ... --covariance zero-frequency --window W`): near the edge of chaos slow collective modes
# make it far from C(w = 0) (tanh, g = 2, no noise: N var_cross 1.2e5 at W = 12.5 against 2.6e5 at w = 0).

# %%
from workbench.theories.dimension.checks import DimensionRun, measure_network  # noqa: E402
from workbench.theories.dimension.problem import DimensionProblem, DimensionSetup  # noqa: E402
from workbench.theories.dimension.report_regimes import (  # noqa: E402
    REGIMES,
    ZERO_FREQUENCY,
    regime_argv,
    regime_spec,
)

run = DimensionRun(N=100 if FAST else 300, networks=2 if FAST else 8, trials=2, T=200.0 if FAST else 400.0,
                   dt=0.025, window=5.0 if FAST else 12.5)
for r in (*REGIMES, ZERO_FREQUENCY):
    spec = regime_spec(r, run.N)
    window = run.window if r["covariance"] == "zero-frequency" else None  # what the estimator's window measures
    th = DimensionProblem(spec, DimensionSetup(covariance=r["covariance"], window=window)).build_solver("auto").solve()
    pr = np.array([measure_network(spec, run, r["covariance"], seed)["x"][0] for seed in range(run.networks)])
    window = f" --window {run.window:g}" if r["covariance"] == "zero-frequency" else ""
    print(f"workbench dimension {regime_argv(r)}{window}: PR/N of x theory {th.PR_over_N_x:.4f}, simulated "
          f"{pr.mean():.4f} +- {pr.std(ddof=1) / np.sqrt(len(pr)):.4f} (N = {run.N}, {run.networks} networks)")

# %% [markdown]
# ## 4c. Softplus: a dilogarithm potential, and the growth bound g < sqrt 2
# The DMFT potential of softplus log(1 + e^x), the primitive of phi, is -Li2(-e^x) - pi^2/12 (derived by the
# substitution u = e^x). Like relu its activity grows without bound at g >= sqrt 2 (refused); PR/N of x and phi with
# white noise up to that bound.

# %%
gs_sp = np.linspace(0.2, 1.35, 4 if FAST else 12)
pr_sp = np.array([[getattr(solve_nonlinear(ModelSpec.simple(g=float(g), phi="softplus", sigma2=1.0)), k)
                   for k in ("PR_over_N_x", "PR_over_N_phi")] for g in gs_sp])
plt.plot(gs_sp, pr_sp[:, 0], "o-", label="softplus, x")
plt.plot(gs_sp, pr_sp[:, 1], "s-", label="softplus, phi(x)")
plt.axvline(np.sqrt(2.0), color="0.5", ls=":", label="growth bound sqrt 2")
plt.xlabel("g")
plt.ylabel("PR/N")
plt.legend()
plt.show()

# %% [markdown]
# ## 4c'. Power-law activations at the linear instability: critical scaling
# At g = 1/phi'(0) the linear network has no stationary state; a saturating odd phi, phi'(x) = s - b x^(2k) + ...,
# keeps it finite and every statistic becomes a power of the noise, derived in `derivations/dimension_scaling.py`
# (the Gaussian gain deficit c Delta^k closes on the derived linear statistics near the edge): the variance like
# (sigma^2)^(2/(k+2)), the equal-time PR/N like (sigma^2)^(3k/(k+2)). The cubic x - x^3/3 and tanh share k = 1; the
# quintic x - x^5/5 has k = 2. The cavity theory (markers) approaches the laws (lines) as sigma^2 -> 0.

# %%
from workbench.theories.dimension.scaling import critical_curves, critical_scaling  # noqa: E402

for phi_c in ("x-x**3/3", "x-x**5/5"):
    cs = critical_scaling(phi_c)
    s2_grid = np.geomspace(1e-3, 0.1, 3 if FAST else 7)
    cc = critical_curves(phi_c, s2_grid, "equal-time", ("PR_over_N_x",))
    print(phi_c, "exponents:", cs.summary()["exponents"]["equal-time"])
    line = plt.loglog(cc["sigma2"], cc["PR_over_N_x_law"], label=f"{phi_c}: law")[0]
    plt.loglog(cc["sigma2"], cc["PR_over_N_x"], "o", mfc="none", color=line.get_color(), label=f"{phi_c}: cavity")
plt.xlabel("sigma^2 at g = 1")
plt.ylabel("PR/N (equal time)")
plt.legend()
plt.show()

# %% [markdown]
# ## 4d. Frequency-resolved cross-covariances: psi(w1, w2)
# The cavity's pair function psi(w1, w2) = N E[S_ij(w1) conj S_ij(w2)] (its double integral is the equal-time
# N var_cross) against the cross-block pair estimates of simulated tanh networks
# (`workbench.sim.cross_spectrum.cross_spectrum_pairs`); the prediction is smoothed by the estimator's taper kernel and
# shifted by the exponential-Euler step of its linear equivalent (`workbench.theories.dimension.frequency_checks`).
# Near w = 0 the spread over networks is quenched: the exact psi of each network's linear twin (`twin_psi`, a function
# of J alone) is a control variate whose mean is measured on networks drawn but not simulated (`two_phase_mean`;
# used from 12 simulated networks on, at w <= 0.5).

# %%
psi_run = PsiRun(N=100 if FAST else 300, networks=3 if FAST else 16, T=400.0 if FAST else 1600.0, dt=0.025)
psi_spec = ModelSpec.simple(g=1.2, phi="tanh", sigma2=1.0)
w_psi = np.array([0.0, 0.5, 1.5])
psi_seeds = [psi_run.seed + i for i in range(psi_run.networks)]
rows = [measure_psi(psi_spec, psi_run, w_psi, s) for s in psi_seeds]
psi_samples = {k: np.array([r[k] for r in rows]) for k in ("x", "phi")}
sized, gain = psi_spec.replace(N=psi_run.N), twin_gain(psi_spec)
psi_samples["twin"] = twin_psi_samples(sized, psi_seeds, w_psi, gain, w_max=0.5)
psi_reference = twin_psi_samples(sized, [10**6 + i for i in range(16 if FAST else 240)], w_psi, gain, w_max=0.5)
for c in psi_comparisons(psi_spec, psi_run, w_psi, psi_samples, reference=psi_reference):
    print(f"{c.quantity}: theory {c.theory:.4g}, simulated {c.estimate:.4g} ({'ok' if c.ok else 'outside'} k SE, "
          f"tolerance {c.rel_tolerance:.1%})")

# %% [markdown]
# ## 5. Finite size of a linear network: the derived 1/N coefficients against exact covariances
# `finite_size_coefficients` evaluates `derivations/dimension_finite_size.py`: `E[y] = a + c/N + O(1/N^2)` for each
# statistic. Drawn networks' exact zero-frequency covariances (no time sampling) test it: the spread of N y over
# networks is O(1), so small networks in large numbers pin c best, and the 1/N^2 term d is fitted
# (`coefficient_fits`: a from a + c/N + d/N^2, c from N (y - a) = c + d/N with the derived a). The report uses
# N = 64..1000 with 12000..24 networks (c to about 4 %).

# %%
from workbench.theories.dimension.finite_size import (  # noqa: E402
    coefficient_fits,
    finite_size_coefficients,
    measure_finite_size,
)
from workbench.theories.dimension.plots import finite_size_figure  # noqa: E402

fs_Ns, fs_counts = ([40, 60, 80], [300, 200, 100]) if FAST else ([64, 90, 125, 250], [4000, 3000, 2000, 600])
fs_lin = finite_size_coefficients(0.6, 1.0, "zero-frequency")
fs_studies = measure_finite_size(0.6, fs_Ns, fs_counts, covariance="zero-frequency", seed=100)
keys_fs = ("PR_over_N", "mean_autocov", "N_var_cross")
for key in keys_fs:
    fit_a, fit_c = coefficient_fits(fs_studies[key], fs_lin, fs_counts)
    print(f"{key}: a = {fs_lin.value[key]:.5g} derived, {fit_a.params[0]:.5g} +- {fit_a.se_params[0]:.2g} fitted; "
          f"c = {fs_lin.coef[key]:.4g} derived, {fit_c.params[0]:.4g} +- {fit_c.se_params[0]:.2g} fitted "
          f"(d = {fit_c.params[1]:.3g})")
finite_size_figure({k: fs_studies[k] for k in keys_fs}, fs_lin, fs_counts)
plt.show()

# %% [markdown]
# A coupling mean `J0/N` adds the population mode's own 1/N terms: Sherman-Morrison writes `(1 - G - J0 E)^-1` in
# bulk resolvents and the rank-one letter `E = 1 1^T / N`, whose words are products of planar traces
# (`derivations.dimension_finite_size.population_kernels`). The 1/N coefficient of the mean cross-covariance is the
# population mode `N_mean_cross` of `derivations/dimension_population.py`; near `J0 -> 1` every coefficient grows.

# %%
for J0 in (-1.0, 0.0, 0.5, 0.8):
    c = finite_size_coefficients(0.6, 1.0, "zero-frequency", J0=J0).coef
    print(f"J0 = {J0:+.1f}: " + ", ".join(f"{k} {c[k]:+.4g}/N" for k in (*keys_fs, "mean_cross")))

# %% [markdown]
# Without a coupling mean, an asymmetric state has an O(1/N) mean cross-covariance of phi too: relu's static means
# `mu = G pbar` correlate the gains with the couplings, a rank-one channel with feedbacks `beta = g^2 <phi''>` and
# `gamma = g^2 <(pbar d)'>` (`asymmetric_algebra` in `derivations/dimension_population.py`), plus pair terms of phi
# beyond the linear equivalent (`workbench/theories/dimension/population_asymmetric.py`). gamma grows towards 1 as
# relu's stationary state ends (g -> sqrt 2). Simulated at g = 0.8 (N = 500): 0.0236 +- 0.0016.

# %%
for g_relu in ((0.8,) if FAST else (0.6, 0.8, 1.0, 1.2)):
    r = solve_nonlinear(ModelSpec.simple(g=g_relu, phi="relu", sigma2=0.5))
    print(f"relu g = {g_relu}: N mean_cross phi {r.N_mean_cross_phi:.4f} +- {r.error_estimates['N_mean_cross_phi']:.4f} "
          f"(linear equivalent {r.extras['N_mean_cross_phi_linear_equivalent']:.4f}), "
          f"beta {r.extras['gain_coupling_beta']:.3f}, gamma {r.extras['gain_coupling_gamma']:.3f}")

# %% [markdown]
# ## 5b. Finite size: the 1/N term of the mean autocovariance of a nonlinear network
#
# `nonlinear_finite_size` derives `E mean_i C_ii = value + coef/N` for x and phi(x) in six cumulative parts: the
# twisted pairings of the linear-equivalent network of the off-diagonal couplings (the Stein recursion of
# `derivations/dimension_finite_size.py` at g_eff = g <phi'>, without the diagonal), the exact self-coupling
# J_ii phi(x_i) of each unit to second order and the reciprocal loops i -> j -> i (neither is linear-equivalent),
# the fourth cumulant of each unit's input (a finite sum of non-Gaussian inputs), the single-site renormalisation
# (the DMFT linearised on its solution) and the curvature of phi over the O(1/sqrt N) unit-to-unit spread.
# `benchmarks/study_dimension_finite_size.py` measures the coefficient in simulations, pairing each network with its
# own shared-gain linear-equivalent prediction (a control variate).

# %%
from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size  # noqa: E402

fs = nonlinear_finite_size(ModelSpec.simple(g=1.2, phi="tanh", sigma2=1.0))
for key, parts in fs.parts.items():
    print(f"{key}: {fs.value[key]:.5f} + {fs.coef[key]:.3f}/N   parts: " +
          ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
# the O(1) unit spread N var_i C_ii (phi's is a quarter of the linear equivalent's) and the linear equivalent's
# derived cross statistics (a nonlinear network's own 1/N terms of these are only measured, by the study)
print("N var_diag:", {k: round(v, 4) for k, v in fs.unit_spread.items()})
for key, le in fs.info["linear_equivalent_cross"].items():
    print(f"linear equivalent {key}: {le['value']:.5f} + {le['coef']:.3f}/N")

# %% [markdown]
# Every part is a shift of the unit autocovariance at every lag, so the zero-frequency covariance `int C_ii(t) dt`
# gains their lag integrals, and what a finite-window estimator measures their integrals under its Richardson lag
# weight (the same sampled terms: no new computation). The slow collective modes make the zero-frequency term far
# larger relative to its value (simulated in the window 12.5, N = 100 and 125, 160 networks: 10.2 +- 2.3 for x).

# %%
for W in (None, 12.5):
    fz = nonlinear_finite_size(ModelSpec.simple(g=1.2, phi="tanh", sigma2=1.0), covariance="zero-frequency", window=W)
    print(f"zero frequency{'' if W is None else f', window {W:g}'}: " + ", ".join(
        f"{k} {fz.value[k]:.4f} + {fz.coef[k]:.2f}/N" for k in fz.value))

# %% [markdown]
# ## 5c. The cross statistics' 1/N rest: a closure on drawn networks
# What a nonlinear network adds to its linear equivalent's 1/N terms of N var_cross and PR/N is mostly the
# correlation of each unit's gain with its own variance (a unit driven hard saturates). The fixed-J theory with
# self-consistent gains holds that for one J; `workbench.theories.dimension.closure` averages it over drawn networks,
# paired with the shared-gain prediction on the same J (a closure, not a derivation: it matches the simulated rest
# for tanh at g = 0.8 and overshoots tanh at g = 1.2 by 15-47 %; `benchmarks/study_dimension_finite_size.py
# --closure` runs it on simulated networks). A few networks here; the study uses 240.

# %%
from workbench.theories.dimension.closure import closure_rest, closure_samples, references  # noqa: E402

N_cl, seeds_cl = (60, range(3)) if FAST else (125, range(40))
arrays_cl = closure_samples({"phi": "tanh", "g": 1.2, "sigma2": 1.0, "N": N_cl, "seeds": list(seeds_cl)})
value_cl, c_le_cl = references(fs)
for key, r in closure_rest(arrays_cl, N_cl, value_cl, c_le_cl).items():
    print(f"{key}: linear equivalent coef {c_le_cl[key]:.3f}, closure rest N (closure - shared) {r['rest']:.3f} +- "
          f"{r['se']:.2g}, closure coef {r['coef']:.3f}")
