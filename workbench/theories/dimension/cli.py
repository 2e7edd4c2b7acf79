"""``workbench dimension``: PR/N and cross-covariance statistics of a random network's stationary activity."""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from workbench.errors import SpecError
from workbench.spec.cli_options import add_spec_options, spec_from_args

DEFAULTS = {"phi": "tanh", "sigma2": "0", "J0": "0"}
"""The theory's defaults (noiseless chaos for g > 1)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dimension`` sub-command."""
    p = sub.add_parser(
        "dimension",
        help="participation ratio PR/N and cross-covariance statistics (linear: exact; nonlinear: cavity)",
        description="Large-N statistics of the N x N covariance C of x and phi(x) in tau dx = -x + J phi(x) + xi: "
        "mean autocovariance mean_i C_ii, N var_{i!=j} C_ij and PR/N = (tr C)^2 / (N tr C^2). Linear phi: derived "
        "free-probability trace formulas (requires 0 <= g < 1); otherwise the two-site cavity theory.",
    )
    add_spec_options(p, defaults=DEFAULTS, with_eta=True)
    p.add_argument("--input-var", dest="input_var", type=float, default=None,
                   help="quenched static input variance sigma_I^2 >= 0, drawn once per network (default 0, or the spec's "
                        "input_std^2); the covariance is that of the fluctuations about each unit's mean, so a linear "
                        "network's is unchanged by it")
    p.add_argument("--input-mean", dest="input_mean", type=float, default=None,
                   help="input mean I, the same for every unit (default 0, or the spec's input_mean)")
    p.add_argument("--tau", type=float, default=None,
                   help="timescale tau > 0 of every unit (default 1, or the spec's constant tau)")
    p.add_argument("--covariance", choices=("equal-time", "zero-frequency"), default="equal-time",
                   help="equal-time <x_i x_j> or zero-frequency (lag-integrated) covariance (default equal-time)")
    p.add_argument("--window", type=float, default=None,
                   help="with --covariance zero-frequency: instead of C(w = 0), what the finite-window estimator "
                        "measures on average (window W times the covariance of W-means, Richardson pair W, 2W, as "
                        "workbench.sim.estimators.cross_block_dimension): the prediction to compare with simulations "
                        "near the edge of chaos, where slow collective modes make it far from the w = 0 value")
    p.add_argument("--finite-size", dest="finite_size", action="store_true",
                   help="also the derived 1/N coefficients (key finite_size, stat(N) = value + coef/N; sigma2 > 0): "
                        "a linear network's of every statistic (white or OU noise, either covariance, with --window "
                        "too); a nonlinear one's (white or OU noise, no static input, odd smooth phi; either "
                        "covariance, with --window too) of the mean autocovariances, with the O(1) unit spread "
                        "N var_i C_ii (about 6 s)")
    p.add_argument("--frequencies", default=None, metavar="W1,W2,...",
                   help="also the frequency-resolved statistics at these angular frequencies (key "
                        "frequency_resolved): the pair function psi(w1, w2) = N E[S_ij(w1) conj S_ij(w2)] of x and phi "
                        "as a matrix, the mean autospectra and the PR/N of the cross-spectral matrix S(w)")
    p.add_argument("--critical-scaling", dest="critical_scaling", action="store_true",
                   help="also the derived laws at the linear instability g_c = 1/phi'(0) as sigma2 -> 0 (key "
                        "critical_scaling: the powers of sigma2 of every statistic and, with --sigma2 > 0, the laws' "
                        "values there; a smooth odd phi whose first nonlinear term saturates, such as x-x**3/3 or "
                        "tanh; white noise, tau = 1, no input, J0 = 0)")
    p.add_argument("--json", action="store_true", help="print one strict JSON object")
    p.set_defaults(func=run)


def spec_from_cli(args: argparse.Namespace):
    """The ModelSpec of the command line (``--g`` is required unless ``--spec`` gives it)."""
    from workbench.spec import ModelSpec

    if args.g is None and args.spec is None:
        raise SpecError("g", "give --g (coupling strength, >= 0; the linear network needs g < 1) or --spec")
    spec = spec_from_args(args, lambda: ModelSpec.simple(g=1.0, sigma2=0.0))
    d = spec.to_dict()
    pop = d["populations"][0]
    if args.input_var is not None:
        if not (math.isfinite(args.input_var) and args.input_var >= 0):
            raise SpecError("input-var", f"static input variance must be >= 0 and finite, got {args.input_var}")
        pop["input_std"] = math.sqrt(args.input_var)
    if getattr(args, "input_mean", None) is not None:
        if not math.isfinite(args.input_mean):
            raise SpecError("input-mean", f"must be a finite number, got {args.input_mean}")
        pop["input_mean"] = float(args.input_mean)
    if getattr(args, "tau", None) is not None:
        if not (math.isfinite(args.tau) and args.tau > 0):
            raise SpecError("tau", f"the timescale must be > 0 and finite, got {args.tau}")
        pop["tau"] = {"kind": "constant", "value": float(args.tau)}
    return ModelSpec.from_dict(d)


def _refuse_silent_linear(spec) -> None:
    """The CLI's one-line error for a linear network without noise (names --sigma2)."""
    from workbench.theories.dimension.problem import is_linear

    silent = spec.noise.kind == "none" or spec.noise.sigma2 == 0
    if silent and is_linear(spec):
        raise SpecError("sigma2", "a linear network without noise has zero covariance (a quenched static input, "
                                  "--input-var, only shifts the means); give --sigma2 > 0")


def _finite_size(spec, covariance: str, window: float | None = None):
    """The derived 1/N coefficients (equal-time or zero-frequency, at w = 0 or in a finite ``window``): of every
    statistic for a linear network, of the mean autocovariances for a nonlinear one."""
    from workbench.theories.dimension.finite_size import linear_finite_size
    from workbench.theories.dimension.finite_size_nonlinear import nonlinear_finite_size
    from workbench.theories.dimension.problem import is_linear

    if is_linear(spec):
        return linear_finite_size(spec, covariance, window)
    return nonlinear_finite_size(spec, covariance=covariance, window=window)


def _critical(spec, covariance: str, window: float | None) -> dict:
    """``--critical-scaling``: :func:`~workbench.theories.dimension.scaling.critical_summary`."""
    from workbench.theories.dimension.scaling import critical_summary

    return critical_summary(spec, covariance, window)


def _critical_lines(crit: dict) -> list[str]:
    """The text form of ``--critical-scaling``."""
    exps = crit["exponents"]
    lines = [f"  critical scaling at g_c = {crit['g_c']:.6g} (phi' = {crit['slope']:.6g} (1 - {crit['deficit']:.6g} "
             f"Delta^{crit['order']})): powers of sigma2, equal time "
             + ", ".join(f"{k} {v}" for k, v in exps["equal-time"].items())
             + "; zero frequency " + ", ".join(f"{k} {v}" for k, v in exps["zero-frequency"].items())]
    if "laws_at_sigma2" in crit:
        lines.append(f"  laws at sigma2 = {crit['sigma2']:g} (kappa = {crit['kappa']:.4g}"
                     + ("" if crit["at_g_c"] else "; the statistics above are at --g, not g_c") + "): "
                     + ", ".join(f"{k} {v:.6g}" for k, v in crit["laws_at_sigma2"].items()))
    return lines


MAX_FREQUENCIES = 64
"""Most frequencies ``--frequencies`` takes."""


def parse_frequencies(text: str | None) -> list[float] | None:
    """``--frequencies "0,0.5,1"``: finite numbers, 1 to :data:`MAX_FREQUENCIES` of them (SpecError otherwise)."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or len(values) > MAX_FREQUENCIES or not all(math.isfinite(v) for v in values):
        raise SpecError("frequencies", f"a comma-separated list of 1 to {MAX_FREQUENCIES} finite numbers (angular "
                        f"frequencies, e.g. 0,0.5,1), got {text[:40]!r}")
    return values


EDGE_G_EFF = 0.9
"""Effective gain above which the CLI notes that the finite-N cross statistics are far from the large-N values."""


def edge_notes(res, spec) -> list[str]:
    """A note for results near the edge (g_eff >= :data:`EDGE_G_EFF`), where the 1/N terms of the cross statistics
    are large: derived for a linear network (``--finite-size``), not for a nonlinear one (measured sizes quoted)."""
    linear_g = float(spec.g[0][0]) * float(spec.populations[0].gain.value)
    g_eff = float(res.extras.get("g_eff", linear_g if res.method == "linear" else float("nan")))
    if not g_eff >= EDGE_G_EFF:
        return []
    if res.method == "linear":
        return [f"g = {g_eff:.3g} is near the edge g = 1: the 1/N terms of the cross statistics are large "
                "(--finite-size gives them)"]
    from workbench.theories.dimension.finite_size_nonlinear import expansion_min_N

    notes = [f"g_eff = {g_eff:.3g} is near the edge of chaos: the 1/N terms of a nonlinear network's cross statistics "
             "are not derived and are large there (simulated at N = 1000 with g_eff 0.96-0.98: N var_cross 7-24 % below "
             "and PR/N 6-31 % above these large-N values, the mean autocovariances within 2 %; at N = 500, g_eff = "
             "0.982, zero frequency: PR/N twice the large-N value); the 1/N expansion itself needs N well above "
             f"10 / (1 - g_eff^2)^2 = {expansion_min_N(g_eff):.3g}"]
    if spec.noise.sigma2 == 0:
        notes.append("without noise the time step of a simulation matters too: the exponential Euler step dt = 0.05 "
                     "raises a simulated PR/N by about 6 % (tanh, g = 2; halving dt, paired: -3.1 +- 1.1 %); "
                     "benchmarks/study_dimension_chaos.py removes it by Richardson extrapolation")
    return notes


GAMMA_NOTE = 0.5
"""Gain-coupling feedback ``gamma`` from which :func:`mean_cross_notes` calls the mode strong."""
POPULATION_NOTE_N = 1000
"""Network size at which :func:`population_notes` sizes the population mode's term in PR/N."""


def population_notes(res) -> list[str]:
    """A note where the derived population mode is strong, ``|N_mean_cross_x| >= mean_autocov_x`` (it more than
    doubles N times the variance of the population mean): its own 1/N terms in the other statistics are then not
    negligible; for a nonlinear network they are derived for the mean autocovariances, and for N var_cross and PR/N
    at the linear equivalent. By the exact identity ``PR/N = a^2 / (a^2 + var_diag + (N - 1)(mean_cross^2
    + var_cross))`` the denominator gains about ``N_mean_cross^2 / N``. For a linear network they are derived
    (:func:`~workbench.theories.dimension.finite_size.finite_size_coefficients` with ``J0``). Simulated (tanh g = 0.9, sigma2 = 0.5, N = 500,
    16 networks x 2 trials, known mean 0): J0 = 0.8 (N_mean_cross_x = 2.1 a): mean autocovariance +0.8 %, N var_cross
    +5 %, PR/N -2.6 % (7-8 SE); J0 = 1.2 (20 a): PR/N of x 0.29 against the large-N 0.63."""
    a, nm, nv = (float(getattr(res, f"{k}_x")) for k in ("mean_autocov", "N_mean_cross", "N_var_cross"))
    if not (a > 0 and math.isfinite(nm) and abs(nm) >= a):
        return []
    N = POPULATION_NOTE_N
    if res.method == "linear":
        return [f"the population mode of the coupling mean is strong (N_mean_cross_x = {nm:.3g}, {nm / a:.2g} times "
                "the mean autocovariance): its 1/N terms in the other statistics are large; for this linear network "
                "they are derived (--finite-size gives them)"]
    return [f"the population mode of the coupling mean is strong (N_mean_cross_x = {nm:.3g}, {nm / a:.2g} times the "
            "mean autocovariance): its 1/N terms are large at moderate N; --finite-size gives them (white or OU noise, "
            "a smooth phi: derived for the mean autocovariances, for N var_cross and PR/N the linear equivalent's; "
            "simulated, tanh g = 0.9, sigma2 = 0.5, N = 500: J0 = 0.8, 2.1 times: mean autocovariance +0.84 % "
            "against +0.72 %, N var_cross +7.1 % against +6.0 %, PR/N -2.6 % against -2.2 %; J0 = 1.2, 20 times: "
            "PR/N of x 0.29 against the large-N 0.63, beyond the 1/N expansion); the "
            f"denominator of PR/N alone gains about N_mean_cross^2 / N ({nm * nm / N:.3g} at N = {N}, against "
            f"a^2 + N_var_cross = {a * a + nv:.3g})"]


def mean_cross_notes(res) -> list[str]:
    """Notes on the O(1/N) mean cross-covariance ``N_mean_cross_*`` (``mean_cross_*`` is its large-N value 0): the
    population mode of a coupling mean (:func:`population_notes`) and, in an asymmetric state (gains correlated
    with the couplings: relu, softplus, an input mean, a symmetry-broken state), how it is obtained
    (:mod:`workbench.theories.dimension.population_asymmetric`); where it is null (no spec to derive it from), why."""
    if not math.isfinite(res.N_mean_cross_phi):
        which = "N_mean_cross_phi is" if math.isfinite(res.N_mean_cross_x) else "N_mean_cross_x/_phi are"
        return [f"{which} null: the O(1/N) mean cross-covariance of this state is not derived here; mean_cross_x/_phi "
                "are the large-N value 0 and the other statistics are unaffected at large N"]
    notes = population_notes(res)
    le = res.extras.get("N_mean_cross_phi_linear_equivalent")
    if le is not None:
        se = res.error_estimates.get("N_mean_cross_phi", math.nan)
        notes.append(f"N_mean_cross_phi = {res.N_mean_cross_phi:.4g} +- {se:.2g} (path-average SE): the gains of this "
                     "asymmetric state correlate with the couplings, which adds a rank-one channel to the population "
                     f"means (linear-equivalent part {le:.4g}) and pair terms of phi beyond the linear equivalent "
                     "(Mehler, shared-input cumulants, direct links; population_asymmetric.py); simulated at N = 500 "
                     "(16 networks) within 2 SE on 8 lines and 3.2 SE on one, 0.05 SE at N = 1000 (relu at g = 0.8, "
                     "sigma2 = 0.5: 0.0236 +- 0.0016, 0.0274 +- 0.0015 at N = 1000, against 0.0263)")
    gamma = res.extras.get("gain_coupling_gamma", 0.0)
    if gamma >= GAMMA_NOTE:
        notes.append(f"the gain-coupling mode is strong (gamma = g^2 <(pbar d)'> = {gamma:.3g}, its static gain "
                     f"1/(1 - gamma) = {1 / (1 - gamma):.3g}; gamma -> 1 where the stationary state ends, relu at "
                     "g -> sqrt 2): its own 1/N terms are not derived and show at moderate N, most at zero frequency "
                     "(relu g = 1.2, sigma2 = 0.5, gamma = 0.66, N = 500: PR/N 18 % below, N var_cross 84 % above, "
                     "2.6-2.9 SE)")
    return notes


def _frequency_resolved(spec, freqs: list[float]):
    """:func:`~workbench.theories.dimension.nonlinear.frequency_resolved_pairs` (i.i.d. couplings: eta = 0)."""
    from workbench.theories.dimension.nonlinear import frequency_resolved_pairs

    if spec.eta[0][0] != 0:
        raise SpecError("frequencies", "the frequency-resolved pair function is computed for i.i.d. couplings (eta = 0)")
    return frequency_resolved_pairs(spec, np.asarray(freqs))


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench dimension``."""
    from workbench.io import strict_dumps
    from workbench.theories.dimension.problem import DimensionProblem, DimensionSetup

    spec = spec_from_cli(args)
    _refuse_silent_linear(spec)
    problem = DimensionProblem(spec, DimensionSetup(covariance=args.covariance, window=args.window))
    fs = _finite_size(spec, args.covariance, args.window) if args.finite_size else None  # refused before the solve
    crit = _critical(spec, args.covariance, args.window) if getattr(args, "critical_scaling", False) else None
    freqs = parse_frequencies(args.frequencies)
    res = problem.build_solver("auto").solve()
    fr = _frequency_resolved(spec, freqs) if freqs is not None else None
    notes = edge_notes(res, spec) + mean_cross_notes(res)
    if args.json:
        out = res.summary()
        if fs is not None:
            out["finite_size"] = fs.summary()
        if fr is not None:
            out["frequency_resolved"] = {k: v.tolist() for k, v in fr.items()}
        if crit is not None:
            out["critical_scaling"] = crit
        if notes:
            out["notes"] = notes
        print(strict_dumps(out))
    else:
        print(f"dimension [{res.method}] {problem.summary()}")
        print(f"  x:   PR/N = {res.PR_over_N_x:.6g}, mean autocov = {res.mean_autocov_x:.6g}, "
              f"N var cross = {res.N_var_cross_x:.6g}")
        print(f"  phi: PR/N = {res.PR_over_N_phi:.6g}, mean autocov = {res.mean_autocov_phi:.6g}, "
              f"N var cross = {res.N_var_cross_phi:.6g}")
        if math.isfinite(res.N_mean_cross_phi) and (res.N_mean_cross_x or res.N_mean_cross_phi):
            print(f"  N mean cross (O(1/N): population mode, gain-coupling correlation): x {res.N_mean_cross_x:.6g}, "
                  f"phi {res.N_mean_cross_phi:.6g}")
        if fs is not None:
            print("\n".join(fs.text_lines()))
        if fr is not None:
            for i, w in enumerate(fr["w"]):
                print(f"  w = {w:g}: PR/N x {fr['PR_over_N_x'][i]:.6g}, phi {fr['PR_over_N_phi'][i]:.6g}; "
                      f"psi(w, w) x {fr['psi_x'][i, i]:.6g}, phi {fr['psi_phi'][i, i]:.6g}")
        if crit is not None:
            print("\n".join(_critical_lines(crit)))
        for note in notes:
            print(f"  note: {note}")
    sys.stdout.flush()
    return 0
