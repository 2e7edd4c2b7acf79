"""Time-step bias of the E/I and OU checks (Richardson pair) and the phase-diagram points (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compare import finite_size_fit
from workbench.theories.dmft.checks import (
    DT_BIAS_ORDER,
    OU,
    SIZES,
    DtBias,
    PhaseStudy,
    PopulationStudy,
    predicted_check,
    report_studies,
)


def test_exp_euler_bias_is_second_order_as_the_richardson_rule_assumes(tanh_white_solver) -> None:
    """Exact step-map DMFT: Delta(2 dt) - Delta(dt) = (2^p - 1)(Delta(dt) - Delta_flow) with p = DT_BIAS_ORDER."""
    from workbench.theories.dmft.checks import DMFTTheory, step_prediction

    theory = DMFTTheory([tanh_white_solver])
    fine = step_prediction(theory, 1.0, 0.5, 0.05, (0.0,))
    coarse = step_prediction(theory, 1.0, 0.5, 0.1, (0.0,))
    exact = fine.Delta[0] - fine.Delta_flow[0]
    ratio = (coarse.Delta[0] - fine.Delta[0]) / exact
    assert DT_BIAS_ORDER == 2 and ratio == pytest.approx(2**DT_BIAS_ORDER - 1, rel=0.05)  # first order: 1


def test_richardson_bias_divides_the_paired_difference_and_enters_the_prediction() -> None:
    doubled, simulated = np.array([[1.03], [1.05], [1.02], [1.06]]), np.array([[1.00], [1.02], [1.01], [1.03]])
    bias = DtBias.richardson(doubled, simulated, N=1500, dt=0.05, order=2)
    diff = (doubled - simulated)[:, 0] / 3.0
    assert bias.value[0] == pytest.approx(diff.mean()) and bias.se[0] == pytest.approx(diff.std(ddof=1) / 2.0)
    assert bias.dof == 3 and "(y(2 dt) - y(dt))/3" in bias.describe(0) and "dt = 0.1 and 0.05" in bias.describe(0)
    fit = finite_size_fit([250, 500, 1000, 1500], [1.05, 1.04, 1.035, 1.033], [0.004] * 4, samples=4)
    c = predicted_check("y", 1.0, fit, bias, 0)
    assert c.theory == pytest.approx(1.0 + bias.value[0]) and c.tolerance > 0 and "dt bias" in c.reason


def _study(dt_N: int) -> PopulationStudy:
    return PopulationStudy("OU", dict(OU), Ns=(100, 200), seeds=(1, 2, 3), T=10.0, dt_N=dt_N)


def test_population_study_pairs_the_2dt_networks() -> None:
    """The 2 dt job: same couplings (seeds), half the stride (same sampling interval); absent for dt_N = 0."""
    st = _study(200)
    dj = st.dt_job()
    (fine,) = [j for j in st.size_jobs() if j.params["N"] == 200]
    assert dj is not None and len(st.jobs()) == 3 and _study(0).dt_job() is None
    assert dj.params["dt"] == 2 * fine.params["dt"] and dj.params["stride"] * 2 == fine.params["stride"]
    assert dj.params["seeds"] == fine.params["seeds"] and dj.params["max_lag"] == fine.params["max_lag"]
    full = report_studies(SIZES["full"])["populations"]
    assert all(s.dt_job() is not None for s in full)
    assert all(s.dt_job() is None for s in report_studies(SIZES["quick"])["populations"])
    # the bias per (population, lag) from fake stored runs: C of shape (S, trials, P, n_lags)
    rng = np.random.default_rng(0)
    runs = {j: {"lags": np.arange(5) * 0.2, "C": 1.0 + 0.01 * rng.standard_normal((3, 2, 1, 5))} for j in st.jobs()}
    runs[dj] = {"lags": runs[fine]["lags"], "C": runs[fine]["C"] + 0.03}
    bias = st.dt_bias(runs, [0, 2])
    assert bias is not None and np.allclose(bias.value, 0.01) and bias.dof == 2


def test_phase_points_and_figure() -> None:
    """The phase study's one job and its estimates; the (sigma^2, g) panel marks them by the sign of lambda."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import sympy as sp

    from workbench.theories.dmft.plots import phase_diagram_figure

    st = PhaseStudy(((0.25, 1.15), (0.75, 2.4)), N=100, realisations=3, T=10.0)
    (job,) = st.jobs()
    assert job.kind == "dmft.lyapunov-phase" and job.params["points"] == [[0.25, 1.15], [0.75, 2.4]]
    runs = {job: {"lam": np.array([[-0.10, -0.12, -0.11], [0.05, 0.06, 0.04]])}}
    pts = st.estimates(runs)
    assert np.allclose(pts["lam"], [-0.11, 0.05]) and np.allclose(pts["sigma2"], [0.25, 0.75])
    gs = np.linspace(0.5, 3.0, 4)
    sweep = {"g": np.array([1.5, 3.0]), "Delta0": np.ones(2), "Delta0_se": np.full(2, 0.1),
             "lam": np.array([0.0, 0.2]), "lam_se": np.full(2, 0.05), "N": 100}
    fig = phase_diagram_figure(plt.subplots, gs, {0.0: (gs, gs)}, np.array([0.1, 0.5]), [1.2, 1.7], [1.1, 1.4],
                               sp.Eq(sp.Symbol("x"), 1), sweep, None, pts)
    labels = fig.axes[2].get_legend_handles_labels()[1]
    assert any("> 0" in s for s in labels) and any("< 0" in s for s in labels) and any("2 SE" in s for s in labels)
    plt.close(fig)
