"""``workbench dimension``: strict JSON, the contract's keys, one-line refusals (exit 2); ``workbench derive dimension``."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace

import numpy as np
import pytest

from workbench.cli import main

KEYS = ("PR_over_N_x", "PR_over_N_phi", "mean_autocov_x", "N_var_cross_x", "mean_autocov_phi", "N_var_cross_phi")


def test_linear_json(capsys) -> None:
    assert main(["dimension", "--phi", "linear", "--g", "0.5", "--sigma2", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(k in data for k in KEYS) and data["covariance"] == "equal-time" and data["method"] == "linear"
    assert round(data["PR_over_N_x"], 5) == 0.84773
    assert main(["dimension", "--phi", "linear", "--g", "0.5", "--sigma2", "1", "--covariance", "zero-frequency",
                 "--tau-noise", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["PR_over_N_x"] == pytest.approx(0.5625, abs=1e-12)


@pytest.mark.parametrize(("argv", "word"), [
    (["--g", "0.5"], "--sigma2"),
    (["--g", "1.2", "--sigma2", "1"], "g"),
    (["--g", "0.5", "--sigma2", "-1"], "sigma2"),
    (["--g", "0.5", "--sigma2", "1", "--input-var", "-1"], "input-var"),
    (["--g", "0.5", "--input-var", "1"], "--sigma2"),  # a quenched input leaves a linear network silent
    (["--g", "0.5", "--sigma2", "1", "--J0", "1"], "J0"),
    (["--g", "0.5", "--sigma2", "1", "--tau", "0"], "tau"),
    (["--g", "0.5", "--sigma2", "1", "--input-mean", "nan"], "input-mean"),
    (["--g", "0.5", "--sigma2", "1", "--window", "10"], "window"),
    (["--g", "0.5", "--sigma2", "1", "--covariance", "zero-frequency", "--window", "-1"], "window"),
])
def test_refusals(argv, word, capsys) -> None:
    assert main(["dimension", "--phi", "linear", *argv, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert word in err and "\n" not in err


@pytest.mark.parametrize("covariance", ["equal-time", "zero-frequency"])
def test_quenched_input_leaves_a_linear_network_unchanged(covariance: str, capsys) -> None:
    """--input-var is the spec's quenched input (drawn once per network, as the simulator does): it shifts each
    unit's mean, so a linear network's covariance statistics are those without it, and the cavity theory at phi = x
    gives the same numbers (and, measured once, x + 1e-6 tanh(x) through the DMFT: within 1e-4). They used to include the covariance of an
    input redrawn in every trial (mean autocovariance 0.955 against 0.289 simulated at g = 0.5, sigma2 = 0.5, input
    variance 0.5: ``benchmarks/check_dimension_cli.py``)."""
    def stats(phi: str, *extra: str) -> dict:
        assert main(["dimension", "--phi", phi, "--g", "0.5", "--sigma2", "0.5", "--covariance", covariance,
                     *extra, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    from workbench.spec import ModelSpec
    from workbench.theories.dimension.nonlinear import solve_nonlinear

    bare, fed = stats("linear"), stats("linear", "--input-var", "0.5")
    assert fed["params"]["input_var"] == pytest.approx(0.5)
    # the cavity theory (which does take the input, through each unit's operating point) at phi = x
    cavity = solve_nonlinear(ModelSpec.simple(phi="linear", g=0.5, sigma2=0.5, input_std=0.5**0.5),
                             covariance=covariance).summary()
    for k in KEYS:
        assert fed[k] == bare[k]
        assert cavity[k] == pytest.approx(bare[k], rel=1e-6), k


@pytest.mark.parametrize(("argv", "words"), [
    (["--g", "3", "--sigma2", "0.5", "--tau-noise", "2"], ("--g", "--sigma2", "g=3")),  # the lag-grid solver diverges
    (["--g", "3", "--sigma2", "0.3"], ("--g <", "--sigma2")),  # no root of the energy equation
    (["--g", "1.05", "--input-var", "0.5"], ("--g", "--input-var")),  # no static state
])
def test_runaway_phi_is_refused_in_one_line_naming_what_to_lower(argv, words, capsys) -> None:
    """phi = x - x^3/3 grows like -x^3: no stationary state at these couplings; each solver says which options to
    lower (exit 2, one line), the OU one included (it said only 'non-finite values')."""
    assert main(["dimension", "--phi", "x-x**3/3", *argv, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert all(w in err for w in words) and "\n" not in err, err


@pytest.mark.parametrize("argv", [
    ["--phi", "exp(x)-1", "--g", "0.9", "--sigma2", "0.5"],  # simulated (N = 1000): runs away by t = 5 at g = 0.7
    ["--phi", "x+0.3*x**2", "--g", "1.2", "--sigma2", "0.5", "--J0", "-1"],  # by t = 10
])
def test_runaway_iteration_is_one_clean_line(argv, capsys) -> None:
    """An iteration whose Gaussian variance overflows is refused in one line saying the activity runs away and what
    to lower; numpy's text ("negative dimensions not allowed") and overflow warnings used to reach the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["dimension", *argv, "--json"]) == 2
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    err = capsys.readouterr().err.strip()
    assert "runs away" in err and "--g" in err and "\n" not in err, err
    assert "negative dimensions" not in err and "Warning" not in err


def test_derive_latex(capsys) -> None:
    assert main(["derive", "dimension", "--latex"]) == 0
    assert r"\begin{align*}" in capsys.readouterr().out


def test_timescale_and_means_on_the_command_line(capsys) -> None:
    """--tau rescales time (equal-time statistics of sigma2 / tau), --input-mean and --J0 reach the spec."""
    base = ["dimension", "--phi", "linear", "--g", "0.5", "--json"]
    assert main([*base, "--sigma2", "2", "--tau", "2"]) == 0
    slow = json.loads(capsys.readouterr().out)
    assert main([*base, "--sigma2", "1"]) == 0
    unit = json.loads(capsys.readouterr().out)
    assert slow["mean_autocov_x"] == pytest.approx(unit["mean_autocov_x"], rel=1e-12)
    assert main([*base, "--sigma2", "1", "--input-mean", "0.7", "--J0", "0.4"]) == 0
    shifted = json.loads(capsys.readouterr().out)
    assert shifted["params"]["input_mean"] == 0.7 and shifted["PR_over_N_x"] == unit["PR_over_N_x"]


def test_window(capsys) -> None:
    """--window gives the finite-window estimator's expectation (zero frequency), near w = 0 for a long window."""
    base = ["dimension", "--phi", "linear", "--g", "0.6", "--sigma2", "1", "--covariance", "zero-frequency", "--json"]
    assert main(base) == 0
    limit = json.loads(capsys.readouterr().out)
    assert main([*base, "--window", "5"]) == 0
    short = json.loads(capsys.readouterr().out)
    assert short["extras"]["window"] == 5.0 and short["mean_autocov_x"] < limit["mean_autocov_x"]
    assert short["method"] == "cavity" and limit["method"] == "linear"  # the window selects the cavity solver
    assert short["mean_autocov_x"] == pytest.approx(limit["mean_autocov_x"], rel=0.01)


def test_softplus(capsys) -> None:
    """softplus log(1 + e^x): its DMFT potential is a dilogarithm (derived by the substitution u = e^x, printed as
    the generated dilog kernel); named and expression spellings agree, and g above the growth bound sqrt 2 is refused."""
    base = ["dimension", "--g", "1.3", "--sigma2", "0.5", "--json"]
    assert main([*base, "--phi", "softplus"]) == 0
    named = json.loads(capsys.readouterr().out)
    assert main([*base, "--phi", "log(1+exp(x))"]) == 0
    expr = json.loads(capsys.readouterr().out)
    for k in KEYS:
        assert named[k] == pytest.approx(expr[k], rel=1e-9) and named[k] > 0
    assert 0 < named["PR_over_N_x"] < 1 and named["mean_autocov_phi"] != named["mean_autocov_x"]
    assert main(["dimension", "--phi", "softplus", "--g", "1.5", "--sigma2", "0.5", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "g:" in err and "1.414" in err


def test_near_edge_note(capsys) -> None:
    """Near the edge (g_eff >= 0.9) the JSON carries a note on the large 1/N terms; away from it, none; without noise
    (chaos) a second one on the simulation's time step."""
    assert main(["dimension", "--phi", "linear", "--g", "0.95", "--sigma2", "1", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert len(notes) == 1 and "--finite-size" in notes[0]
    assert main(["dimension", "--phi", "linear", "--g", "0.5", "--sigma2", "1", "--json"]) == 0
    assert "notes" not in json.loads(capsys.readouterr().out)
    assert main(["dimension", "--phi", "tanh", "--g", "2", "--json"]) == 0  # noiseless chaos: + the time-step note
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert len(notes) == 2 and "1/N" in notes[0] and "study_dimension_chaos" in notes[1]


def test_frequencies(capsys) -> None:
    """--frequencies adds psi(w1, w2), the mean autospectra and PR/N of S(w): at w = 0 they are the zero-frequency
    statistics exactly; for a linear network they are the derived frequency-resolved formulas; a constant tau rescales
    frequency (S(w) = tau S'(w tau)); bad lists are one-line errors naming the option."""
    from workbench.theories.dimension.linear import frequency_resolved

    base = ["dimension", "--phi", "tanh", "--g", "1.2", "--sigma2", "1", "--json"]
    assert main([*base, "--frequencies", "0,0.5,1.5"]) == 0
    fr = json.loads(capsys.readouterr().out)["frequency_resolved"]
    assert main([*base, "--covariance", "zero-frequency"]) == 0
    zf = json.loads(capsys.readouterr().out)
    assert fr["psi_x"][0][0] == pytest.approx(zf["N_var_cross_x"], rel=1e-12)
    assert fr["PR_over_N_phi"][0] == pytest.approx(zf["PR_over_N_phi"], rel=1e-12)
    assert fr["mean_autospectrum_x"][0] == pytest.approx(zf["mean_autocov_x"], rel=1e-12)
    assert np.allclose(fr["psi_x"], np.transpose(fr["psi_x"])) and fr["psi_x"][0][2] < fr["psi_x"][0][1]
    w = np.array([0.0, 0.3, 2.0])
    assert main(["dimension", "--phi", "linear", "--g", "0.6", "--sigma2", "2", "--json", "--frequencies",
                 "0,0.3,2"]) == 0
    lin = json.loads(capsys.readouterr().out)["frequency_resolved"]
    exact = frequency_resolved(0.6, 2.0, w)
    assert np.allclose(lin["PR_over_N_x"], exact["PR_over_N"], rtol=1e-10)
    assert np.allclose(np.diag(lin["psi_x"]), exact["N_var_cross"], rtol=1e-10)
    assert main(["dimension", "--phi", "linear", "--g", "0.6", "--sigma2", "2", "--tau", "2", "--json",
                 "--frequencies", "0.15,1"]) == 0
    slow = json.loads(capsys.readouterr().out)["frequency_resolved"]
    assert slow["PR_over_N_x"] == pytest.approx([lin["PR_over_N_x"][1], lin["PR_over_N_x"][2]], rel=1e-9)
    for bad in ("", "0,x", "nan", ",".join(["1"] * 65)):
        assert main([*base, "--frequencies", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "frequencies" in err


def test_nonlinear_eta_is_refused_naming_eta(capsys) -> None:
    """Reciprocal motifs (--eta) are derived for a linear network only: a nonlinear phi with eta != 0 is one line
    naming eta and the allowed value (it said 'coupling: ... dense i.i.d. couplings')."""
    assert main(["dimension", "--phi", "tanh", "--g", "1.2", "--sigma2", "1", "--eta", "0.3", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "eta" in err and "allowed eta = 0" in err and "\n" not in err, err


@pytest.mark.parametrize(("argv", "noted"), [
    (["--phi", "relu", "--g", "0.8", "--sigma2", "0.5"], True),
    (["--phi", "tanh", "--g", "1.2", "--sigma2", "1", "--J0", "2"], True),  # a symmetry-broken state (mean != 0)
    (["--phi", "tanh", "--g", "1.2", "--sigma2", "1", "--J0", "0.5"], False),  # symmetric: the population mode
    (["--phi", "tanh", "--g", "1.2", "--sigma2", "1"], False),
    (["--phi", "logistic", "--g", "1.8", "--sigma2", "0.3"], False),  # odd about phi(0) = 1/2
    (["--phi", "clip(x,-1,1)", "--g", "1.5", "--sigma2", "0.5"], False),  # odd (its Max/Min used to defeat is_odd)
    (["--phi", "linear", "--g", "0.5", "--sigma2", "1", "--J0", "0.5"], False),
])
def test_mean_cross_in_symmetric_and_asymmetric_states(argv, noted, capsys) -> None:
    """mean_cross_* is the large-N value 0 and N_mean_cross_* the derived O(1/N) value: the population mode of a
    coupling mean in a symmetric state (0 without one); in an asymmetric state (relu, a symmetry-broken state) also
    the gain-coupling channel and the pair terms beyond the linear equivalent (population_asymmetric.py), with a
    path-average SE and a note (relu: simulated N mean_cross of phi 0.024-0.027). x's is 0 without J0 in any state."""
    assert main(["dimension", *argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mean_cross_phi"] == 0.0
    J0 = float(argv[argv.index("--J0") + 1]) if "--J0" in argv else 0.0
    assert (data["N_mean_cross_x"] != 0.0) is (J0 != 0.0) and "N_mean_cross_x_reason" not in data
    assert "N_mean_cross_phi_reason" not in data and math.isfinite(data["N_mean_cross_phi"])
    if noted:
        assert data["N_mean_cross_phi"] > 0.0 and 0 < data["error_estimates"]["N_mean_cross_phi"] < 0.02 * data["N_mean_cross_phi"]
        assert data["extras"]["N_mean_cross_phi_linear_equivalent"] != data["N_mean_cross_phi"]
    assert any("asymmetric state" in n for n in data.get("notes", [])) is noted


def test_population_note_where_the_mode_moves_pr_at_n_1000() -> None:
    """A strong population mode (|N_mean_cross_x| >= mean_autocov_x: tanh g = 0.9, J0 = 1.2 and 0.8) gets one note on
    its 1/N terms; a weak one (tanh g = 1.3, J0 = -1: N_mean_cross_x = -0.32 against a = 0.61) none."""
    from workbench.theories.dimension.cli import population_notes
    from workbench.theories.dimension.result import DimensionResult

    def result(nm: float) -> DimensionResult:
        return DimensionResult(PR_over_N_x=0.63, PR_over_N_phi=0.64, mean_autocov_x=0.353, N_var_cross_x=0.0738,
                               mean_autocov_phi=0.22, N_var_cross_phi=0.027, N_mean_cross_x=nm,
                               N_mean_cross_phi=0.6 * nm, method="cavity")

    notes = population_notes(result(7.13))
    assert len(notes) == 1 and "0.0508 at N = 1000" in notes[0] and "--finite-size" in notes[0]
    assert "beyond the 1/N expansion" in notes[0]
    assert len(population_notes(result(0.745))) == 1
    linear = population_notes(replace(result(0.745), method="linear"))
    assert len(linear) == 1 and "derived" in linear[0] and "--finite-size" in linear[0]
    assert population_notes(result(-0.32)) == [] and population_notes(result(float("nan"))) == []
