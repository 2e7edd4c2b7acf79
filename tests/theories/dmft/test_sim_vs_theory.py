"""DMFT theory vs the reference simulator (workbench.sim), through the checks the dmft report uses.

The jobs and comparisons are :class:`workbench.theories.dmft.checks.DMFTChecks` studies (the report
runs the same code at its own sizes). Default run: a reduced-size noise-driven case (fast mixing,
small finite-N bias). The N >= 2000 chaotic checks of shared/theory/dmft.md §2.2 ("use N >= 2000
and T >= 1000 ... tolerances of a few %") are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compare import finite_size_fit, fit_quality
from workbench.store import RunJob, RunStore
from workbench.theories.base import Checks
from workbench.theories.dmft.checks import DeltaStudy, DMFTChecks, DMFTTheory, DtBias, LyapunovStudy, predicted_check


def _study_N2000(g: float, seed: int, realisations: int, stride: int, lags: tuple[float, ...], bias_rel: float,
                 why: str) -> DeltaStudy:
    """One chaotic network size N = 2000 (T = 1000 after a burn-in of 100, dt = 0.1, 2 trials, k = 3)."""
    return DeltaStudy(
        g=g,
        Ns=(2000,),
        seeds=(seed,),
        realisations=realisations,
        T=1000.0,
        burn_in=100.0,
        dt=0.1,
        trials=2,
        stride=stride,
        neurons=2000,
        lags=lags,
        k=3.0,
        bias_rel=bias_rel,
        bias_reason=why,
    )


def test_checks_follow_the_protocol_and_list_the_report_jobs() -> None:
    checks = DMFTChecks()
    assert isinstance(checks, Checks)
    quick = checks.jobs("quick")
    assert all(isinstance(j, RunJob) for j in quick)
    kinds = sorted({j.kind for j in quick})
    assert kinds == [
        "dmft.delta-finite-size", "dmft.lyapunov-finite-size", "dmft.lyapunov-phase", "dmft.population-autocov"
    ]
    # quick: Delta 2 sizes, Lyapunov 2, two population cases at 1 size, white noise 4, sweep 2 g x 2, phase points 1
    assert len(quick) == 2 + 2 + 2 + 4 + 4 + 1
    # full: Delta 2 g x 4 sizes, Lyapunov 4, populations 2 x (4 + one 2 dt run), white noise 4, sweep 5 g x 2, phase
    # points 1 (no dt/2 runs for one population: its predictions are the DMFT of the simulated step map)
    assert len(checks.jobs("full")) == 8 + 4 + 10 + 4 + 10 + 1
    assert [j.params["N"] for j in quick] == sorted((j.params["N"] for j in quick), reverse=True)


def test_full_delta_study_records_all_neurons_and_samples_the_lags_exactly() -> None:
    studies = [st for st in DMFTChecks().studies("full") if isinstance(st, DeltaStudy) and len(st.Ns) > 1]
    for st in studies:
        assert st.neurons == 0 and len(st.Ns) >= 4  # 0: every neuron enters the population average
        assert st.dt_job() is None  # the time step is in the prediction (step map), not measured
        h = st.dt * st.stride
        assert all(abs(lag / h - round(lag / h)) < 1e-9 for lag in st.lags)  # no interpolation between samples


def test_delta_study_takes_one_network_count_per_size() -> None:
    """Per-size counts reach each size's job, the Welch dof of the fit and the check's context; the report's chaotic
    studies give the small sizes more networks; a count list of the wrong length is one SpecError."""
    from workbench.errors import SpecError

    kw = dict(g=2.0, Ns=(250, 500, 1000), seeds=(1, 2, 3), T=20.0)
    study = DeltaStudy(**kw, realisations=(12, 6, 3))
    assert study.networks == (12, 6, 3) and study.networks_at(500) == 6
    assert [j.params["R"] for j in study.size_jobs()] == [12, 6, 3]
    assert DeltaStudy(**kw, realisations=5).networks == (5, 5, 5)
    with pytest.raises(SpecError, match="realisations"):
        DeltaStudy(**kw, realisations=(12, 6))
    means, ses = np.array([1.0, 1.01, 1.02]), np.array([0.01, 0.02, 0.04])
    counts = finite_size_fit(study.Ns, means, ses, samples=study.networks).dof
    assert counts != finite_size_fit(study.Ns, means, ses, samples=12).dof
    chaos = [st for st in DMFTChecks().studies("full") if isinstance(st, DeltaStudy) and st.sigma2 == 0.0
             and len(st.Ns) > 1]
    assert chaos and all(st.networks[0] > st.networks[-1] and st.Ns[0] < st.Ns[-1] for st in chaos)


def test_step_prediction_is_the_exp_euler_map_and_close_to_the_flow(tanh_solver) -> None:
    """The prediction at dt is the map DMFT with delta = 1 - exp(-dt); it converges to the flow's as dt -> 0."""
    from workbench.theories.dmft.checks import step_prediction

    theory = DMFTTheory([tanh_solver])
    coarse = step_prediction(theory, 2.0, 0.0, 0.2, (0.0, 1.0), lyapunov=True)
    assert coarse.Delta_flow[0] == pytest.approx(1.9248, abs=1e-4)  # shared/theory/dmft.md
    assert coarse.Delta == pytest.approx(coarse.Delta_flow, rel=2e-3)  # exp-Euler: Delta nearly exact
    assert coarse.lam < coarse.lam_flow and coarse.lam == pytest.approx(coarse.lam_flow, rel=0.2)
    assert "dt correction" in coarse.describe_lam() and "flow" in coarse.describe_Delta(1)
    with pytest.raises(ValueError, match="multiples of dt"):
        step_prediction(theory, 2.0, 0.0, 0.2, (0.3,))


def test_fit_quality_fails_on_a_wrong_finite_size_model() -> None:
    Ns = np.array([500, 1000, 1500, 2000])
    se = np.full(4, 0.01)
    good = finite_size_fit(Ns, 1.0 + 30.0 / Ns + np.array([0.005, -0.01, 0.008, -0.003]), se, samples=12)
    assert good.resid_dof == 2 and 0.01 < good.p_value <= 1.0 and fit_quality("good", good).ok
    curved = finite_size_fit(Ns, [1.0, 1.1, 1.0, 1.1], se, samples=12)  # zig-zag: a + c/N misses by many SE
    check = fit_quality("curved", curved)
    assert not check.ok and check.theory == 0.0 and check.kind == "simulation" and curved.p_value < 1e-4
    sq = finite_size_fit(Ns, 1.0 - 0.5 / np.sqrt(Ns), se, power=0.5)
    assert abs(sq.a - 1.0) < 1e-9 and abs(sq.at(1000.0) - (1.0 - 0.5 / np.sqrt(1000))) < 1e-12


def test_dt_bias_is_added_to_the_prediction_and_its_se_in_quadrature() -> None:
    coarse, fine = np.array([1.02, 1.03, 1.01, 1.04]), np.array([1.01, 1.02, 1.00, 1.02])
    bias = DtBias.paired(coarse[:, None], fine[:, None], N=1000, dt=0.1)
    assert abs(bias.value[0] - 2 * 0.0125) < 1e-12 and bias.dof == 3
    fit = finite_size_fit([500, 1000, 1500, 2000], [1.05, 1.04, 1.035, 1.033], [0.004] * 4, samples=12)
    c = predicted_check("y", 1.0, fit, bias, 0)
    assert c.theory == pytest.approx(1.0 + bias.value[0]) and c.context["dmft"] == 1.0
    assert "dt bias" in c.reason and c.tolerance > 0


def test_noise_driven_autocovariance_reduced(tanh_white_solver, assert_checks, tmp_path) -> None:
    study = DeltaStudy(
        g=1.0,
        sigma2=0.5,
        Ns=(400,),
        seeds=(11,),
        realisations=1,
        T=130.0,
        burn_in=30.0,
        dt=0.05,
        trials=4,
        stride=2,
        neurons=400,
        lags=(0.0, 1.0, 3.0),
        k=4.0,
        bias_rel=0.03,
        bias_reason="finite N=400 (O(1/N)) and dt=0.05",
    )
    theory = DMFTTheory([tanh_white_solver])
    assert abs(theory.solve(study.spec()).Delta0 - 0.39167) < 1e-4  # shared/theory/dmft.md §3.3
    assert_checks(DMFTChecks(quick=[study]), "quick", theory, RunStore(tmp_path), 3)


@pytest.mark.slow
def test_chaotic_autocovariance_N2000(tanh_solver, assert_checks, tmp_path) -> None:
    why = "finite N=2000 bias (dmft.md §2.2: -1.2% at N=2000) and dt=0.1"
    study = _study_N2000(2.0, seed=1, realisations=3, stride=2, lags=(0.0, 2.0, 5.0, 10.0), bias_rel=0.04, why=why)
    assert_checks(DMFTChecks(full=[study]), "full", DMFTTheory([tanh_solver]), RunStore(tmp_path), 4)


@pytest.mark.slow
@pytest.mark.parametrize("g", [1.5, 2.0])
def test_delta0_of_g_N2000(tanh_solver, assert_checks, tmp_path, g: float) -> None:
    why = "finite N=2000, larger near g=1 where the correlation time is long"
    study = _study_N2000(g, seed=4, realisations=2, stride=5, lags=(0.0,), bias_rel=0.05, why=why)
    assert_checks(DMFTChecks(full=[study]), "full", DMFTTheory([tanh_solver]), RunStore(tmp_path), 1)


@pytest.mark.slow
def test_lyapunov_finite_size_extrapolation(tanh_solver, assert_checks, tmp_path) -> None:
    """DMFT lambda_max vs the simulator's tangent-map exponent extrapolated in N.

    The exponent of one network realisation scatters across realisations far more than across
    trials of the same J (measured: trial SE ~3e-4, realisation SD ~2.5e-3 at N=2000), so the error
    bar is over 4 independent realisations per N. The estimate at finite N lies below the DMFT
    value (measured, dt=0.1, T=800: 0.0956 at N=1000, 0.1020 at N=2000 vs DMFT 0.1125), so the
    comparison uses the intercept of a fit in N instead of a hand-picked finite-N allowance: with
    two sizes the 1/N intercept is 2 lam(2000) - lam(1000), its SE propagated from the realisation
    SEs (two sizes: no residual dof, so no chi^2 check). The prediction is the exponent of the simulated
    step map's DMFT at dt = 0.1 (0.1061, flow 0.1125). k = 4 here (the report fits 4 sizes by 1/N, the O(1/N)
    fluctuation corrections, reports the chi^2 of 1/sqrt(N) too, and uses the Student-t quantile).
    """
    study = LyapunovStudy(g=2.0, Ns=(1000, 2000), seeds=(0, 0), realisations=4, T=800.0, burn_in=200.0, k=4.0)
    assert_checks(DMFTChecks(full=[study]), "full", DMFTTheory([tanh_solver]), RunStore(tmp_path), 1)


def test_study_precision_in_the_run_key():
    """A study's float32 precision is a parameter of its runs (its own stored key); float64 runs keep the keys they
    had before the option; an unknown precision is refused naming ``dtype``."""
    from workbench.errors import SpecError
    from workbench.theories.dmft.checks import SIZES, report_studies

    kw = {"g": 2.0, "Ns": (100,), "seeds": (1,), "realisations": 1, "T": 5.0}
    j64, j32 = (DeltaStudy(**kw, dtype=d).size_jobs()[0] for d in ("float64", "float32"))
    assert "dtype" not in j64.params and j32.params["dtype"] == "float32"
    assert LyapunovStudy(**kw, dtype="float32").size_jobs()[0].params["dtype"] == "float32"
    for size in SIZES:
        studies = report_studies(SIZES[size])
        assert all(st.dtype == "float32" for group in studies.values() for st in group)
    with pytest.raises(SpecError) as e:
        DeltaStudy(**kw, dtype="float16").size_jobs()
    assert e.value.parameter == "dtype"
