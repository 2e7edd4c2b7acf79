"""Report "dimension": critical scaling at the linear instability (power-law activations, issue 14 item 2).

At ``g_c = 1/phi'(0)`` a saturating odd phi keeps the network finite, and for weak white noise every statistic is a
power of sigma^2 (:mod:`derivations.dimension_scaling`). The section shows the two-site cavity theory on a grid of
noise levels beside the derived laws, checks that it approaches them at the derived rate (the theory-to-law ratio
extrapolated from the two weakest noise levels, :func:`~workbench.theories.dimension.scaling.extrapolated_ratio`, and
the local exponent there), and places the simulated x - x^3/3 regime of the regimes section on the figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from workbench.compare import Comparison
from workbench.report.content import Code, ReportContent
from workbench.report.context import ReportContext

__all__ = ["CRITICAL_PHIS", "CRITICAL_REGIME", "MIN_KAPPA", "critical_section"]

CRITICAL_PHIS = {"x-x**3/3": "$x - x^3/3$", "x-x**5/5": "$x - x^5/5$", "tanh": "tanh"}
"""The activations of the section (the cubic and quintic power laws, and tanh) with their figure labels."""
CRITICAL_REGIME = "cubic x - x^3/3 at g = 1"
"""The label of the simulated regime (:data:`~workbench.theories.dimension.report_regimes.REGIMES`) drawn here."""
MIN_KAPPA = 0.02
"""Noise levels are kept where the law's ``kappa = sqrt(1 - g_eff^2)`` is at least this: closer to the edge the
equal-time solver's frequency grid (801 points) no longer resolves the near-diagonal band of width kappa^2 of tr C^2
(its own error estimate says so: 12 % for x - x^5/5 at sigma^2 = 1e-4, kappa = 0.011)."""


def _checks(phi: str, curves: Mapping[str, np.ndarray], zf: Mapping[str, np.ndarray], cs: Any) -> list[Comparison]:
    """The ratios extrapolated from the three weakest noise levels of ``phi`` and the local exponent at the two
    weakest."""
    from workbench.theories.dimension.scaling import extrapolated_ratio

    s2, kap = curves["sigma2"], curves["kappa"]
    three, two = np.argsort(kap)[:3], np.argsort(kap)[:2]
    ctx = {"phi": phi, "g": cs.g_c, "sigma2": [float(v) for v in s2[three]], "solver": "two-site cavity (auto)"}
    out = []
    for cov, c, stat, power, tol in (("equal-time", curves, "PR_over_N_x", 1, 5e-3),
                                     ("equal-time", curves, "mean_autocov_x", 2, 1e-3),
                                     ("zero-frequency", zf, "PR_over_N_x", 2, 1e-3)):
        ratio = extrapolated_ratio(c["kappa"], c[stat] / c[f"{stat}_law"], power, points=3)
        out.append(Comparison(f"{phi}: {cov} {stat} / law, extrapolated", 1.0, ratio, tol,
                              f"corrections in kappa^{power} and kappa^{2 * power} removed (quadratic in kappa^{power} "
                              f"through the three weakest noise levels); the remainder is O(kappa^{3 * power})", ctx,
                              kind="exact"))
    slope = float(np.diff(np.log(curves["PR_over_N_x"][two]))[0] / np.diff(np.log(s2[two]))[0])
    out.append(Comparison(f"{phi}: equal-time PR_over_N_x exponent", cs.exponent("PR_over_N_x"), slope, 0.02,
                          "local log-log slope at the two weakest noise levels (O(kappa) drift)", ctx, kind="exact"))
    return out


def _simulated(ctx: ReportContext, P: Mapping[str, Any]) -> tuple[float, dict[str, tuple[float, float]]]:
    """The simulated regime's noise level and its ``{statistic: (mean, SE)}`` of x (control-variate means)."""
    from workbench.theories.dimension.checks import network_estimate
    from workbench.theories.dimension.report_regimes import REGIMES, regime_jobs

    i, r = next((i, r) for i, r in enumerate(REGIMES) if r["label"] == CRITICAL_REGIME)
    arrays = ctx.run_job(regime_jobs(P)["regime", i]).arrays
    return float(r["sigma2"]), {k: network_estimate(arrays, "x", k)[:2] for k in ("mean_autocov", "PR_over_N")}


def critical_section(ctx: ReportContext, content: ReportContent) -> None:
    """The derived critical laws, the cavity theory approaching them, and the simulated cubic regime."""
    from derivations.dimension import SIGMA2
    from derivations.dimension_scaling import DELTA, KAPPA, trace_asymptote
    from workbench.theories.dimension import plots
    from workbench.theories.dimension.scaling import critical_curves, critical_scaling

    P = ctx.params
    grid = np.geomspace(P["critical_sigma2_min"], P["critical_sigma2_max"], P["critical_points"])
    curves, comps = {}, []
    for phi, label in CRITICAL_PHIS.items():
        cs = critical_scaling(phi)
        s2 = grid[cs.kappa(grid) >= MIN_KAPPA]
        curves[label] = critical_curves(phi, s2, "equal-time", ("mean_autocov_x", "PR_over_N_x"))
        zf = critical_curves(phi, s2[:3], "zero-frequency", ("PR_over_N_x",))
        comps += _checks(phi, curves[label], zf, cs)
    s2_sim, sim = _simulated(ctx, P)
    cubic = critical_scaling("x-x**3/3").laws
    sec = content.section("Critical scaling at the linear instability")
    x, u, v, s_, b, c, k = sp.symbols("x u v s b c k")
    mean_gain = sp.Symbol(r"\langle \phi' \rangle")
    geff = sp.Symbol(r"g_{\mathrm{eff}}")
    sec.text("At ", sp.Eq(sp.Symbol("g_c"), 1 / sp.Symbol(r"\phi'(0)")), ", where the linear network has no "
             "stationary state, a smooth odd phi whose first nonlinear term saturates, ",
             sp.Eq(sp.Symbol(r"\phi'(x)"), s_ - b * x ** (2 * k) + sp.Symbol(r"\dots")), " with b > 0, keeps it "
             "finite, and for weak white noise every statistic is a power of the noise (",
             Code("derivations/dimension_scaling.py"), "). A unit's Gaussian gain ",
             sp.Eq(mean_gain, s_ * (1 - c * DELTA**k)), ", ", sp.Eq(c, b * sp.factorial2(2 * k - 1) / s_),
             ", puts the effective coupling at ", sp.Eq(KAPPA**2, 1 - geff**2), " = ", 2 * c * DELTA**k,
             "; the derived linear statistics at that distance from the edge, to leading order in kappa, give the "
             "variance ", SIGMA2 / (2 * KAPPA), " and, from the four-resolvent trace on the near-diagonal scale ",
             sp.Eq(sp.Symbol("w_1"), KAPPA * u), ", ", sp.Eq(sp.Symbol("w_2"), KAPPA * (u + KAPPA * v)), ", ",
             sp.Eq(sp.Symbol(r"\frac{1}{N} \mathrm{tr}\, C^2"), trace_asymptote() * SIGMA2**2 / KAPPA**5),
             " (integrated by SymPy); the residual ", sp.Symbol(r"\phi") - mean_gain * x, " feeds a spectrum of "
             "order ", DELTA ** (2 * k + 1) / KAPPA, ", below the noise. For the cubic ", x - x**3 / 3,
             " (k = 1, c = 1) this is:")
    sec.equations(dict(cubic.steps))
    sec.text("So Delta grows like ", SIGMA2 ** (2 / (k + 2)), ", the equal-time PR/N vanishes like ",
             SIGMA2 ** (3 * k / (k + 2)), " and the zero-frequency PR/N like ", SIGMA2 ** (4 * k / (k + 2)),
             ": power laws set by the order of the saturation, tanh and the cubic alike (k = 1: 2/3, 1, 4/3), the "
             "quintic ", x - x**5 / 5, " (k = 2: 1/2, 3/2, 2; its equal-time N var_cross diverges like ",
             SIGMA2 ** sp.Rational(-1, 2), "). The checks below take the two-site cavity theory (what ",
             Code("workbench dimension --phi x-x**3/3 --g 1 --sigma2 S --json"), " returns) at the three weakest "
             f"noise levels of the grid (kappa >= {MIN_KAPPA:g}, where its frequency grid resolves the trace) and "
             "remove the laws' corrections to second order, in powers of kappa for the equal-time PR/N and of ",
             KAPPA**2, " for the variance and at zero frequency; the exponent is the local slope at the two weakest. "
             f"The simulated point is the regime of the previous section at sigma^2 = {s2_sim:g} (checked there): "
             f"mean autocovariance {sim['mean_autocov'][0]:.4g} +- {sim['mean_autocov'][1]:.2g}, PR/N "
             f"{sim['PR_over_N'][0]:.4g} +- {sim['PR_over_N'][1]:.2g}, far from the laws at that noise but on the "
             "cavity curve.")
    fig = plots.critical_figure(curves, (CRITICAL_PHIS["x-x**3/3"], s2_sim, sim))
    sec.figure(ctx.save_figure(fig, "critical", "At g = g_c: the mean autocovariance of x (left) and its equal-time "
                               "PR/N (right) against the noise sigma^2, two-site cavity theory (markers) and the "
                               "derived leading laws (lines); the simulated x - x^3/3 regime with 2 SE (black)."))
    sec.checks(comps, caption="The cavity theory against the derived critical laws at g = g_c (exact: no sampling).")
