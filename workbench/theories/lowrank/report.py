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


STATES = {
    "static": {**MO_FIG1C, "g": 0.5, "rho": 0.0},
    "chaotic": {"m_mean": 1.1, "n_mean": 4.0, "m_std": 1.0, "n_std": 1.0, "g": 3.0, "rho": 0.0},
}
"""The bistable static states (Fig. 1C law, g = 0.5) and a deep chaotic structured state (M_n = 4, g = 3)."""


SEED_OFFSET = 1000
"""Networks started at x0 = -m use seeds from SEED_OFFSET + 1 (independent of the x0 = +m networks)."""


def _jobs(P: dict) -> dict[tuple[str, float], list]:
    """The stored simulation runs per (state, sign of x0): chunks of ``P["chunk"]`` networks each."""
    from workbench.store import RunJob
    from workbench.theories.lowrank.checks import states_run

    jobs: dict[tuple[str, float], list] = {}
    for name, law in STATES.items():
        run = {"N": P[f"{name}_N"], "T": P[f"{name}_T"], "burn_in": P[f"{name}_burn_in"], "dt": P["dt"],
               "dtype": P["dtype"]}
        for sign in (1.0, -1.0):
            first = 1 if sign > 0 else SEED_OFFSET + 1  # independent networks for the two initial states
            seeds = list(range(first, first + P[f"{name}_networks"]))
            jobs[(name, sign)] = [
                RunJob("lowrank.states", {**law, **run, "sign": sign, "seeds": seeds[i : i + P["chunk"]]},
                       states_run, ("workbench.theories.lowrank", "workbench.sim"), f"lowrank {name} x0={sign:+g}m")
                for i in range(0, len(seeds), P["chunk"])
            ]
    return jobs


def _outlier_jobs(P: dict) -> list:
    """Stored eigenvalue runs of sampled J (Fig. 1C law at g = 0.5), chunks of ``P["chunk"]`` networks."""
    from workbench.store import RunJob
    from workbench.theories.lowrank.checks import outliers_run

    seeds = list(range(1, P["outlier_networks"] + 1))
    law = {**MO_FIG1C, "g": 0.5, "rho": 0.0, "N": P["N_outlier"]}
    return [
        RunJob("lowrank.outliers", {**law, "seeds": seeds[i : i + 4 * P["chunk"]]}, outliers_run,
               ("workbench.theories.lowrank", "workbench.sim"), "lowrank outliers")
        for i in range(0, len(seeds), 4 * P["chunk"])
    ]


def _theory_states(solver, name: str) -> list:
    """The two stable states with kappa != 0 of ``STATES[name]`` (static branch, or DMFT for chaos)."""
    from workbench.theories.lowrank.checks import law_spec

    law = STATES[name]
    res = solver.solve(law_spec({**law, "N": 1000}), dmft=name == "chaotic", n_starts=3)
    branch = "dmft" if name == "chaotic" else "static"
    return [s for s in res.states if s.branch == branch and s.stable and abs(s.kappa[0]) > 1e-6]


def _state_checks(ctx: ReportContext, solver, P: dict) -> tuple[list, list]:
    """Comparisons of kappa, mu, Delta0 per state and sign, and (theory, estimate, tolerance, label) points."""
    import numpy as np

    from workbench.theories.lowrank.checks import sample_comparison

    jobs = _jobs(P)
    ctx.prefetch([j for js in jobs.values() for j in js] + _outlier_jobs(P))
    comps, points = [], []
    for name in STATES:
        states = _theory_states(solver, name)
        for sign in (1.0, -1.0):
            runs = [ctx.run_job(j).arrays for j in jobs[(name, sign)]]
            state = max(states, key=lambda s: sign * s.kappa[0])
            controls = np.concatenate([r["controls"] for r in runs])
            for q, sym, theory in (("kappa", "kappa_1", state.kappa[0]), ("mu", "mu_x", state.mu),
                                   ("Delta0", "Delta_0", state.Delta0)):
                samples = np.concatenate([r[q] for r in runs])
                label = f"{name}, x_0 = {'+' if sign > 0 else '-'}m: {sym}"
                c = sample_comparison(label, theory, samples, controls, N=P[f"{name}_N"], networks=len(samples))
                comps.append(c)
                points.append((theory, c.estimate, c.tolerance, name))
    return comps, points


def _figure(ctx: ReportContext, points: list, P: dict):
    """Simulation against theory for every checked quantity, with bars of the tolerance (k SE) and the diagonal."""
    import numpy as np

    fig, ax = ctx.subplots(figsize=(4.2, 3.6))
    for name, marker in (("static", "o"), ("chaotic", "s"), ("outlier", "^")):
        pts = np.array([p[:3] for p in points if p[3] == name])
        ax.errorbar(pts[:, 0], pts[:, 1], yerr=pts[:, 2], fmt=marker, ms=4, capsize=2, label=name)
    lim = [min(p[0] for p in points) - 0.3, max(p[0] for p in points) + 0.3]
    ax.plot(lim, lim, "k-", lw=0.8, label="theory = simulation")
    ax.set_xlabel("mean-field theory")
    ax.set_ylabel("simulation (bars: tolerance k SE)")
    ax.legend(fontsize=8)
    caption = (
        f"Simulation against theory for kappa_1, mu_x and Delta_0 of the four structured states and the outlier of J. "
        f"Static states: g = 0.5, N = {P['static_N']}, T = {P['static_T']:g} (burn-in {P['static_burn_in']:g}), "
        f"{P['static_networks']} networks per initial state. Chaotic states: M_n = 4, g = 3, N = {P['chaotic_N']}, "
        f"T = {P['chaotic_T']:g} (burn-in {P['chaotic_burn_in']:g}), {P['chaotic_networks']} networks per initial state. "
        f"dt = {P['dt']:g}, {P['dtype']} state and GEMM; network seeds 1 to n for x_0 = +m and {SEED_OFFSET + 1} to {SEED_OFFSET} + n for x_0 = -m. "
        f"Outlier: g = 0.5, "
        f"N = {P['N_outlier']}, {P['outlier_networks']} networks, seeds 1 to {P['outlier_networks']}."
    )
    return ctx.save_figure(fig, "theory-vs-simulation", caption, width=0.6)


@register_report(
    "lowrank",
    title="Low-rank structure on random couplings (Mastrogiuseppe-Ostojic mean-field theory)",
    description="Rank-one structured states (static, bistable, chaotic) and outliers of J",
    default_params={
        "g_values": [0.5, 1.5, 2.0], "N_outlier": 400, "outlier_networks": 160, "dt": 0.1, "chunk": 5, "dtype": "float32",
        "static_N": 2000, "static_T": 30.0, "static_burn_in": 20.0, "static_networks": 30,
        "chaotic_N": 2000, "chaotic_T": 80.0, "chaotic_burn_in": 20.0, "chaotic_networks": 64,
    },
    quick_params={
        "g_values": [0.5, 2.0], "N_outlier": 200, "outlier_networks": 8, "static_N": 400, "static_networks": 4,
        "chaotic_N": 400, "chaotic_T": 60.0, "chaotic_burn_in": 20.0, "chaotic_networks": 4, "chunk": 2,
    },
    order=60,
    cost=80,  # CPU-seconds of the full build on 2 cores (lane scheduling hint)
)
def lowrank_report(ctx: ReportContext) -> ReportContent:
    """Equations, the states of the Fig. 1C model at a few g, simulated states and outliers against the theory."""
    import numpy as np

    from workbench.theories.lowrank import LowRankProblem
    from workbench.theories.lowrank.checks import sample_comparison

    P = ctx.params
    content = ReportContent(summary="Mean-field theory of rank-one structure on random couplings: kappa_1, mu_x, Delta_0, outliers.")
    spec = mo_spec(P["g_values"][0])
    problem = LowRankProblem(spec)
    sec = content.section("Derived self-consistency")
    sec.text("Static conditions, derived by Gaussian integration by parts of kappa = E[n phi(x)]:")
    sec.equations({k: v for k, v in problem.derivation.equations.items() if k != "outlier"})
    sec.text(
        "Outliers of the stability matrix J diag(phi'(x)) of a static state (cavity method, derived): the roots "
        "outside the bulk of det(lambda - A - g^2 b c^T / (lambda - d)) = 0 with A_rs = E[n_r phi' m_s], "
        "b_r = E[n_r phi''], c_s = E[phi phi' m_s], d = g^2 <(phi phi')'>; a mean J0/N is the term (m, n) = (J0, 1)."
    )
    solver = problem.build_solver()
    rows = []
    for g in P["g_values"]:
        res = solver.solve(mo_spec(g), n_starts=3)
        for s in res.states:
            outl = ", ".join(f"{complex(z).real:.4g}" for z in s.outliers) or "-"
            delta0 = 0.0 if abs(s.Delta0) < 1e-12 else s.Delta0  # the quiescent state's 1e-24 is solver round-off
            rows.append([g, s.branch, s.regime, s.kappa[0], s.mu, delta0, s.bulk_radius, outl, str(s.stable)])
    content.section("Structured states").table(
        ["g", "branch", "regime", "kappa", "mu", "Delta0", "radius", "outliers", "stable"], rows,
        caption="States of the Fig. 1C model (M_m = 1.1, M_n = 2, Sigma_m = Sigma_n = 1)",
    )
    comps, points = _state_checks(ctx, solver, P)
    outl = np.concatenate([ctx.run_job(j).arrays["outlier"] for j in _outlier_jobs(P)])
    lam = float(np.real(solver.solve(mo_spec(0.5, P["N_outlier"]), dmft=False).outliers[0]))
    out_cmp = sample_comparison("outlier of J (g = 0.5)", lam, outl, N=P["N_outlier"], networks=len(outl))
    points.append((lam, out_cmp.estimate, out_cmp.tolerance, "outlier"))
    sim = content.section("Theory against simulation")
    fig = _figure(ctx, points, P)
    sim.text(
        "Each network is simulated from x_0 = +m and from x_0 = -m; per network kappa_1, the population mean mu_x and Delta_0 are "
        "time averages after the burn-in, and the theory is compared with their mean over networks "
        "(standard error over networks, Student-t quantile at the false-alarm rate of 4 Gaussian SE). The quenched network-to-network spread driven by the sample moments of m and n (their means, the overlap and the second moment of m, whose law means are known) and by the overlap n.A m/N of the sampled random part A with the structure (law mean exactly 0; the first-order shift of the outlier of J) is removed by control variates: the estimate is the intercept of a least-squares fit on these centred quantities, with its standard error and residual dof. "
        "The static pair is the bistable state of the Fig. 1C law at g = 0.5; the chaotic pair uses "
        "M_n = 4 at g = 3, deep in the chaotic structured phase, so that no network leaves it; independent networks (seeds) are used for the two initial states. "
        "The outlier is the eigenvalue of the sampled J farthest from the origin. Figure 1 shows all points."
    )
    sim.figure(fig)
    sim.checks(comps + [out_cmp], caption="structured states and the outlier of J against simulation")
    return content
