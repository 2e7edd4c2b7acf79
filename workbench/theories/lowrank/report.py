"""The ``lowrank`` report: derived equations, structured states of the Mastrogiuseppe-Ostojic model, outliers."""

from __future__ import annotations

from workbench.report.content import ReportContent
from workbench.report.context import ReportContext
from workbench.report.registry import register_report

MO_FIG1C = {"m_mean": 1.1, "n_mean": 2.0, "m_std": 1.0, "n_std": 1.0}
"""Rank-one law of Mastrogiuseppe & Ostojic (2018), Fig. 1C (rho = 0, phi = tanh)."""


def mo_spec(g: float, N: int = 1000, rho: float = 0.0):
    """The Fig. 1C model at random strength ``g`` (``rho``: correlation of m_i and n_i)."""
    from workbench.spec import ModelSpec

    return ModelSpec.from_dict({"N": N, "coupling": {"g": g}, "low_rank": [{**MO_FIG1C, "rho": rho}]})


@register_report(
    "lowrank",
    title="Low-rank structure on random couplings (Mastrogiuseppe-Ostojic mean-field theory)",
    description="Rank-one structured states (static, bistable, chaotic) and outliers of J",
    default_params={"g_values": [0.5, 1.5, 2.0], "N_outlier": 1000},
    quick_params={"g_values": [0.5, 2.0], "N_outlier": 400},
    order=60,
)
def lowrank_report(ctx: ReportContext) -> ReportContent:
    """Equations, the states of the Fig. 1C model at a few g, and the outlier of J against numpy."""
    from workbench.theories.lowrank import LowRankProblem
    from workbench.theories.lowrank.checks import outlier_comparison

    content = ReportContent(summary="Mean-field theory of J = g X/sqrt(N) + m n^T/N: kappa, mu, Delta0, outliers.")
    spec = mo_spec(ctx.params["g_values"][0])
    problem = LowRankProblem(spec)
    sec = content.section("Derived self-consistency")
    sec.text("Static conditions, derived by Gaussian integration by parts of kappa = E[n phi(x)]:")
    sec.equations(problem.derivation.equations)
    solver = problem.build_solver()
    rows = []
    for g in ctx.params["g_values"]:
        res = solver.solve(mo_spec(g))
        for s in res.states:
            rows.append([g, s.branch, s.regime, s.kappa[0], s.mu, s.Delta0, s.bulk_radius, str(s.stable)])
    content.section("Structured states").table(
        ["g", "branch", "regime", "kappa", "mu", "Delta0", "radius", "stable"], rows,
        caption="States of the Fig. 1C model (M_m = 1.1, M_n = 2, Sigma_m = Sigma_n = 1)",
    )
    res = solver.solve(mo_spec(2.0, ctx.params["N_outlier"]), dmft=False)
    content.section("Outlier of J").checks(
        outlier_comparison(mo_spec(2.0, ctx.params["N_outlier"]), 1, res.outliers), caption="outlier vs numpy eigvals"
    )
    return content
