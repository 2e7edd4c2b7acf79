"""Spectrum of the Jacobian: derived kernels, closed forms (Girko, Rajan-Abbott, elliptic), reference values, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from workbench.cli import main
from workbench.spec import ModelSpec, preset
from workbench.theories.spectrum import SpectrumProblem

R4 = {"F0": 0.912, "x_R": -0.0074620, "outlier": -0.959660, "rho1": 3.08192, "rho2": 1.43559, "top": 0.162879}
"""Notes §5, R4 (quadrature values to about 4 digits, rel tol 1e-3; F0 = 3.04 E[h^2] = 0.912 exactly)."""


def _two_pop(gE: float, gI: float, **extra: object) -> ModelSpec:
    """E (0.8) and I (0.2) with column std gE, gI (Rajan-Abbott when tau = gain = 1)."""
    return ModelSpec.from_dict({
        "N": 2000, "phi": "tanh",
        "populations": [{"name": "E", "fraction": 0.8, **extra}, {"name": "I", "fraction": 0.2, **extra}],
        "coupling": {"J0": [[0, 0], [0, 0]], "g": [[gE, gI], [gE, gI]]},
    })  # fmt: skip


@pytest.fixture(scope="module")
def r4():
    """The Dyson solver of the ei-jacobian preset (notes §5, R4)."""
    return SpectrumProblem(preset("ei-jacobian")).build_solver()


def test_derived_kernels_are_the_notes_forms():
    from derivations.spectrum import GAIN, TAU, XP, XR, YI, derive

    k = derive(ModelSpec.simple()).kernels
    D = (1 + TAU * XR) ** 2 + (TAU * YI) ** 2
    assert sp.simplify(k["edge"] - GAIN**2 / D) == 0
    assert sp.simplify(k["dyson"] - GAIN**2 / (GAIN**2 * XP + D)) == 0
    assert sp.simplify(k["res_re"] + sp.I * k["res_im"] - TAU * (1 + TAU * (XR - sp.I * YI)) / (GAIN**2 * XP + D)) == 0
    assert sp.simplify(k["out_re"] + sp.I * k["out_im"] - GAIN / (1 + TAU * (XR + sp.I * YI))) == 0
    assert k["threshold"] == GAIN**2 and sp.simplify(k["gap_weight"] - GAIN**2 * TAU) == 0


def test_girko_circular_law():
    s = SpectrumProblem(ModelSpec.simple(g=0.9)).build_solver()
    x_L, x_R = s.edges()
    assert x_R == pytest.approx(-0.1, abs=1e-10) and x_L == pytest.approx(-1.9, abs=1e-10)
    rho = s.density(np.array([-1.0, -1.0 + 0.5, -1.5]), np.array([0.1, 0.3, -0.2]))
    np.testing.assert_allclose(rho, 1 / (0.81 * math.pi), rtol=1e-9)
    assert s.density(np.array([0.0]), np.array([0.0]))[0] == 0.0
    x, Y = s.boundary(200)
    np.testing.assert_allclose((x + 1) ** 2 + Y**2, 0.81, atol=1e-9)


def test_rajan_abbott_radius_density_and_counts():
    s = SpectrumProblem(_two_pop(1.0, math.sqrt(3.0))).build_solver()
    assert s.edges()[1] == pytest.approx(math.sqrt(1.4) - 1, abs=1e-10)
    rho = s.density(np.array([-1 + 1e-3, -1 + 0.8]), np.array([0.0, 0.0]))
    np.testing.assert_allclose(rho, [0.275873, 0.234674], rtol=1e-3)
    from numpy.polynomial.legendre import leggauss

    u, w = leggauss(40)
    for R, ref in ((0.5, 0.2118), (0.8, 0.5174), (1.0, 0.7653)):
        r = (u + 1) / 2 * R
        count = np.sum(w * R / 2 * s.density(-1 + r, 0 * r) * 2 * np.pi * r)
        assert count == pytest.approx(ref, abs=5e-4)


def test_elliptic_law_and_agreement_at_eta_zero():
    spec = ModelSpec.from_dict({"N": 1000, "coupling": {"g": 0.8, "eta": 0.5}, "populations": [{"tau": 2.0}]})
    s = SpectrumProblem(spec).build_solver()
    assert s.method == "elliptic"
    assert s.edges() == pytest.approx(((-1 - 1.2) / 2, (-1 + 1.2) / 2), abs=1e-12)
    assert s.density(np.array([-0.5]), np.array([0.0]))[0] == pytest.approx(4 / (math.pi * 0.64 * 0.75))
    flat = spec.replace(eta=((0.0,),))
    d, e = (SpectrumProblem(flat).build_solver(m) for m in ("dyson", "elliptic"))
    assert d.edges() == pytest.approx(e.edges(), abs=1e-10)
    z = (np.array([-0.5, -0.3]), np.array([0.1, 0.2]))
    np.testing.assert_allclose(d.density(*z), e.density(*z), rtol=1e-9)


def test_r4_reference_values(r4):
    assert r4.F0() == pytest.approx(R4["F0"], rel=1e-12)
    assert r4.edges()[1] == pytest.approx(R4["x_R"], rel=1e-3)
    (out,) = r4.outliers()
    assert out.real == pytest.approx(R4["outlier"], rel=1e-3) and out.imag == 0
    rho = r4.density(np.array([-0.15, -0.05]), np.array([0.05, 0.1]))
    np.testing.assert_allclose(rho, [R4["rho1"], R4["rho2"]], rtol=1e-3)
    top = r4._bisect(lambda t: r4.F(-0.15, t) - 1, 0.0, 5.0)
    assert top == pytest.approx(R4["top"], rel=1e-3)


def test_threshold_is_timescale_free_and_gap_estimate(r4):
    fast = preset("ei-jacobian")
    pops = list(fast.populations)
    from workbench.spec.distributions import Distribution

    pops[1] = pops[1].__class__(**{**pops[1].__dict__, "tau": Distribution("beta", low=0.5, high=1.0, a=2, b=2)})
    other = SpectrumProblem(fast.replace(populations=tuple(pops))).build_solver()
    assert other.F0() == pytest.approx(r4.F0(), rel=1e-12)
    assert r4.edges()[1] > other.edges()[1]  # slow inhibitory timescales move the edge toward 0
    assert r4.gap_estimate() == pytest.approx(r4.edges()[1], rel=0.1)  # near-marginal (F0 = 0.91)


def test_gain_laws_may_start_at_zero():
    spec = ModelSpec.from_dict({"populations": [{"gain": {"kind": "beta", "a": 2, "b": 2, "low": 0, "high": 1}}]})
    assert spec.populations[0].gain.low == 0.0
    with pytest.raises(Exception, match="gain.low"):
        ModelSpec.from_dict({"populations": [{"gain": {"kind": "uniform", "low": -0.1, "high": 1}}]})
    with pytest.raises(Exception, match="tau.low"):
        ModelSpec.from_dict({"populations": [{"tau": {"kind": "uniform", "low": 0, "high": 1}}]})


def test_cli_edge_density_outliers(capsys):
    assert main(["spectrum", "ei-jacobian", "edge", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["x_R"] == pytest.approx(R4["x_R"], rel=1e-3) and out["F0"] == pytest.approx(0.912)
    assert out["stable"] is True
    assert main(["spectrum", "ei-jacobian", "density", "--at", "-0.15,0.05", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["density"] == pytest.approx(R4["rho1"], rel=1e-3)
    assert main(["spectrum", "ei-jacobian", "outliers", "--json"]) == 0
    (o,) = json.loads(capsys.readouterr().out)["outliers"]
    assert o == pytest.approx([R4["outlier"], 0.0], rel=1e-3, abs=1e-9)
    assert main(["spectrum", "ei-jacobian", "density", "--at", "x,1"]) == 2
    assert main(["spectrum", "ei-jacobian", "density"]) == 2
    assert "--at" in capsys.readouterr().err


def test_bars_are_exact():
    from workbench.theories.spectrum.sampler import sample_jacobian

    s = sample_jacobian(preset("ei-jacobian"), 3, full=True)
    assert s.core.size == 400 and s.bar.size == 1600
    assert max(np.min(np.abs(s.full - b)) for b in s.bar) < 1e-9


@pytest.mark.slow
def test_compare_small(capsys):
    """ei-jacobian theory vs 6 samples (the compare path itself stays in the default run: test_fixed_point_gains_compare)."""
    assert main(["spectrum", "ei-jacobian", "compare", "--samples", "6", "--seed", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    bad = [c for c in out["comparisons"] if not c["ok"]]
    assert out["ok"], bad


def test_fixed_point_gains_compare(tmp_path, capsys):
    (tmp_path / "fp.toml").write_text(
        'N = 400\nphi = "tanh"\n[[populations]]\nname = "all"\ninput_mean = 1.0\ninput_std = 0.5\n'
        'tau = { kind = "uniform", low = 1.0, high = 3.0 }\n[coupling]\ng = [[0.8]]\nJ0 = [[0.0]]\n'
    )
    spec = str(tmp_path / "fp.toml")
    assert main(["spectrum", spec, "edge", "--fixed-point", "--json"]) == 0
    fp = json.loads(capsys.readouterr().out)
    assert main(["spectrum", spec, "edge", "--json"]) == 0
    zero = json.loads(capsys.readouterr().out)
    assert fp["F0"] < zero["F0"] == pytest.approx(0.64)  # saturated units at x* != 0 have smaller gains
    assert main(["spectrum", spec, "compare", "--fixed-point", "--samples", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"], [c for c in out["comparisons"] if not c["ok"]]


@pytest.mark.slow
def test_sparse_ei_outlier_pair_against_samples(capsys):
    """Notes §4.2 sparseEI: every column random, rank-2 means give a complex outlier pair (N = 2000, 6 samples)."""
    N, pE, pI = 2000, 0.05, 0.1
    NE, NI = 1600, 400
    muE, sE, muI, sI = 0.05, 0.1, -0.2, 0.2
    J0E, J0I = N * pE * muE, N * pI * muI
    gE = math.sqrt(N * (pE * (sE**2 + muE**2) - pE**2 * muE**2))
    gI = math.sqrt(N * (pI * (sI**2 + muI**2) - pI**2 * muI**2))
    beta = {"kind": "beta", "a": 2, "b": 2}
    spec = ModelSpec.from_dict({
        "N": N, "phi": "tanh",
        "populations": [
            {"name": "E", "fraction": NE / N, "tau": {**beta, "b": 5, "low": 1, "high": 2}, "gain": {**beta, "low": 0, "high": 1}},
            {"name": "I", "fraction": NI / N, "tau": {**beta, "low": 2, "high": 10}, "gain": {**beta, "low": 0, "high": 1}},
        ],
        "coupling": {"J0": [[J0E, J0I], [J0E, J0I]], "g": [[gE, gI], [gE, gI]], "p": [[pE, pI], [pE, pI]]},
    })  # fmt: skip
    from workbench.theories.spectrum.checks import SpectrumChecks, comparisons

    solver = SpectrumProblem(spec).build_solver()
    outs = solver.outliers()
    assert len(outs) == 2 and abs(outs[0].imag) > 0.3
    rows = comparisons(solver, SpectrumChecks(spec, samples=6, seed=11).draw())
    assert all(c.ok for c in rows), [str(c) for c in rows if not c.ok]


@pytest.mark.slow
def test_numba_drivers_match_the_numpy_path():
    """backend="numba" (warm-started Newton, Illinois boundary) reproduces the numpy solver on ei-jacobian."""
    from workbench.theories.spectrum.dyson import DysonSolver

    problem = SpectrumProblem(preset("ei-jacobian"))
    ref, fast = DysonSolver(problem, backend="numpy"), DysonSolver(problem, backend="numba")
    np.testing.assert_allclose(fast.edges(), ref.edges(), rtol=1e-12)
    x, y = np.meshgrid(np.linspace(*ref.edges(), 40), np.linspace(-0.3, 0.3, 30))
    np.testing.assert_allclose(fast.density(x, y), ref.density(x, y), rtol=1e-9, atol=1e-12)
    (_, ya), (_, yb) = fast.boundary(300), ref.boundary(300)
    assert np.abs(ya - yb).max() < 1e-6 * yb.max()  # near the real-axis ends Y(x) is ill-conditioned (sqrt)


@pytest.mark.slow
def test_pooled_checks_pass_and_fail_a_5_percent_perturbation():
    """200 samples of ei-jacobian (the report's setting): every check passes, relative tolerances <= 10 % (median
    <= 3 %), and a theory with the density and the outlier moved by 5 % fails the strips and the outlier."""
    from workbench.compare import relative_tolerance_stats
    from workbench.theories.spectrum.checks import SpectrumChecks, comparisons

    solver = SpectrumProblem(preset("ei-jacobian")).build_solver()
    samples = SpectrumChecks(preset("ei-jacobian"), samples=200, seed=0).draw()
    rows = comparisons(solver, samples)
    assert all(c.ok for c in rows), [str(c) for c in rows if not c.ok]
    stats = relative_tolerance_stats(rows)
    assert stats["max"] <= 0.10 and stats["median"] <= 0.03, stats

    class Perturbed:
        """The solver with its density and outliers scaled by 1.05."""

        def __getattr__(self, name):
            return getattr(solver, name)

        def density(self, x, y):
            return 1.05 * solver.density(x, y)

        def outliers(self):
            return [1.05 * z for z in solver.outliers()]

    failed = [c.quantity for c in comparisons(Perturbed(), samples) if not c.ok]
    assert sum(q.startswith("fraction in strip") for q in failed) == 4 and "outlier 0 Re" in failed, failed
