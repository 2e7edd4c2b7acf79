"""Model specification: validation messages name the parameter; TOML/presets round-trip."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import SpecError
from workbench.sim import build_network
from workbench.spec import NAMED, ModelSpec, X, load_spec, make_nonlinearity, preset, preset_names


def test_presets_load_and_round_trip():
    assert {"chaos", "linear", "ei-sparse", "hopfield-ft"} <= set(preset_names())
    for name in preset_names():
        s = preset(name)
        assert ModelSpec.from_dict(s.to_dict()) == s
        assert len(s.key()) == 64


def test_toml_file(tmp_path):
    J = np.eye(4) * 0.1
    np.save(tmp_path / "J.npy", J)
    (tmp_path / "m.toml").write_text('phi = "erf"\nJ_file = "J.npy"\n[noise]\nsigma2 = 0.5\n')
    s = load_spec(tmp_path / "m.toml")
    assert s.N == 4 and s.fixed_J and s.noise.kind == "white" and s.phi.name == "erf"
    np.testing.assert_array_equal(build_network(s, 0).J, J)


@pytest.mark.parametrize(
    "data,param",
    [
        ({"N": -5}, "N"),
        ({"N": 2.5}, "N"),
        ({"phi": "softplus2"}, "phi"),
        ({"phi": "tanh(y)"}, "phi"),
        ({"coupling": {"g": -1.0}}, "g[0][0]"),
        ({"coupling": {"p": 1.5}}, "p[0][0]"),
        ({"coupling": {"p": 0.01, "J0": 50.0, "g": 0.1}}, "g[0][0]"),
        ({"coupling": {"g": [[1, 2]]}}, "coupling.g"),
        ({"noise": {"sigma2": -0.1}}, "noise.sigma2"),
        ({"noise": {"kind": "pink", "sigma2": 1}}, "noise.kind"),
        ({"noise": {"kind": "ou", "sigma2": 1, "tau": 0}}, "noise.tau"),
        ({"init": {"std": -1}}, "init.std"),
        ({"populations": [{"fraction": 0.5}, {"fraction": 0.3}]}, "populations.fraction"),
        ({"populations": [{"tau": -1.0}]}, "populations[0].tau.value"),
        ({"populations": [{"tau": {"kind": "beta", "a": -1, "b": 1, "low": 1, "high": 2}}]}, "populations[0].tau.a"),
        ({"populations": [{"gain": {"kind": "uniform", "low": 2, "high": 1}}]}, "populations[0].gain.high"),
        ({"bogus": 1}, "spec"),
        ({"J_file": "does-not-exist.npy"}, "J_file"),
    ],
)
def test_bad_specs_name_the_parameter(data, param):
    with pytest.raises(SpecError) as e:
        ModelSpec.from_dict(data)
    assert e.value.parameter == param, str(e.value)
    assert param in str(e.value)


def test_non_square_J_rejected(tmp_path):
    np.save(tmp_path / "J.npy", np.zeros((3, 4)))
    with pytest.raises(SpecError, match="square"):
        ModelSpec.simple(N=3, J_file=str(tmp_path / "J.npy"))


@settings(max_examples=60, deadline=None)
@given(
    N=st.integers(-10, 10),
    g=st.one_of(st.floats(-5, 5), st.just(float("nan"))),
    p=st.floats(-1, 2),
    s2=st.floats(-2, 2),
)
def test_random_specs_either_valid_or_named_error(N, g, p, s2):
    try:
        s = ModelSpec.simple(N=N, g=g, p=p, sigma2=s2)
    except SpecError as e:
        assert e.parameter in {"N", "g[0][0]", "p[0][0]", "noise.sigma2"}
        return
    assert s.N >= 1 and s.g[0][0] >= 0 and 0 < s.p[0][0] <= 1 and s.noise.sigma2 >= 0


def test_nonlinearities_and_symbols():
    assert make_nonlinearity("tanh").expr == sp.tanh(X)
    for name in NAMED:
        phi = make_nonlinearity(name)
        assert phi.expr.free_symbols == {X}
    assert make_nonlinearity("sigmoid") == make_nonlinearity("logistic") and make_nonlinearity("Sigmoid").label() == "logistic"
    assert make_nonlinearity("identity").name == "linear"
    custom = make_nonlinearity("x/(1+abs(x))")
    assert custom.name == "custom" and custom.is_odd()
    # clips are decided too (SymPy cannot simplify their Max/Min; clip(x,-1,1) used to count as not odd, so its
    # networks were centred by an estimated mean and went without the known step bias)
    assert make_nonlinearity("clip(x,-1,1)").is_odd() and make_nonlinearity("clip(x,-1,1)-clip(x,-1,1)**3/3").is_odd()
    assert not make_nonlinearity("clip(x,0,1)").is_odd() and not make_nonlinearity("logistic").is_odd()
    assert sp.simplify(make_nonlinearity("erf").derivative.subs(X, 0) - 1) == 0
    s = preset("noisy-chaos")
    vals = s.values()
    assert vals[s.symbols()["g"]] == 2.0 and vals[s.symbols()["sigma2"]] == 0.5


def test_sparse_block_moments():
    """Sampled sparse E-I blocks have mean J0/N and variance g^2/N (4 SE)."""
    s = preset("ei-sparse")
    J = build_network(s, 0).J
    nE = s.sizes[0]
    for (a, b), blk in {(0, 0): J[:nE, :nE], (0, 1): J[:nE, nE:], (1, 1): J[nE:, nE:]}.items():
        n = blk.size
        m_th, v_th = s.J0[a][b] / s.N, s.g[a][b] ** 2 / s.N
        assert abs(blk.mean() - m_th) < 4 * np.sqrt(v_th / n)
        # SE of a sample variance ~ sqrt((kurt - 1)/n) * v; sparse kurtosis ~ 3/p
        assert abs(blk.var() - v_th) < 4 * v_th * np.sqrt((3 / s.p[a][b]) / n)
        assert abs(np.mean(blk != 0) - s.p[a][b]) < 4 * np.sqrt(s.p[a][b] / n)
