"""Problem validation, the CLI and the derivation of the effective process."""

import json

import numpy as np
import pytest
import sympy as sp

from workbench.cli import main
from workbench.errors import SpecError
from workbench.spec import X, preset
from workbench.theories.meanfield import InitialLaw, TransientProblem, parse_mu0, solve_closure


@pytest.mark.parametrize(
    "kwargs, param",
    [({"lam": -1}, "lam"), ({"T": 0}, "T"), ({"T": -1}, "T"), ({"dt": 0}, "dt"), ({"dt": 0.3}, "dt"),
     ({"f": "nosuch(x"}, "f"), ({"f": "y+1"}, "f"), ({"mu0": "normal:0"}, "mu0"), ({"mu0": "cauchy:0,1"}, "mu0"),
     ({"sigma": -0.1}, "sigma"), ({"J": float("nan")}, "J"), ({"g": "x*y"}, "g"), ({"mu0": "normal:0,-1"}, "mu0")],
)
def test_bad_inputs_name_parameter(kwargs, param):
    with pytest.raises(SpecError) as e:
        TransientProblem(**kwargs)
    assert e.value.parameter == param


def test_parse_mu0():
    assert parse_mu0("normal:0,1") == InitialLaw("normal", 0.0, 1.0)
    assert parse_mu0("point:-2.5") == InitialLaw("point", -2.5, 0.0)
    assert parse_mu0("normal: 1e-1, .5") == InitialLaw("normal", 0.1, 0.5)


def test_from_spec_roundtrip():
    spec = preset("hopfield-ft")
    p = TransientProblem.from_spec(spec, T=10, dt=0.05)
    assert (p.J, p.sigma, p.lam, p.f.name) == (2.0, 1.0, 1.0, "logistic")
    back = p.to_spec(N=spec.N)
    assert back.J0 == spec.J0 and back.g == spec.g and back.noise.sigma2 == spec.noise.sigma2
    with pytest.raises(SpecError, match="^g:"):
        TransientProblem(g="-2*x").to_spec()


def test_cli_closure_json_and_npz(tmp_path, capsys):
    out = tmp_path / "mf.npz"
    rc = main(["meanfield", "--J0", "2", "--g", "1", "--sigma2", "1", "--phi", "logistic", "--mu0", "normal:0,1",
               "--T", "10", "--dt", "0.01", "--method", "closure", "--out", str(out), "--json"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    d = np.load(out)
    assert d["K"].shape == (1001, 1001) and d["t"].shape == (1001,)
    assert s["m_T"] == pytest.approx(float(d["m"][-1])) and s["K_TT"] == pytest.approx(float(d["K"][-1, -1]))
    assert abs(s["m_T"] - 0.7842) < 1e-4 and abs(s["K_TT"] - 0.6408) < 1e-4  # notes §3/§6.1 plateau
    ref = solve_closure(TransientProblem(J=2, dt=0.01))
    assert np.array_equal(d["K"], ref.K)


@pytest.mark.parametrize("method", ["march", "picard"])
def test_cli_particle_methods(tmp_path, capsys, method):
    out = tmp_path / "mf.npz"
    rc = main(["meanfield", "--J0", "-6", "--mu0", "point:0", "--T", "2", "--dt", "0.1", "--method", method,
               "--paths", "2000", "--seed", "3", "--out", str(out), "--json"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert s["method"] == method and s["paths"] == 2000 and s["seed"] == 3


@pytest.mark.parametrize(
    "args, param",
    [(["--sigma2", "-1"], "sigma2"), (["--T", "0"], "T"), (["--phi", "bogus(x"], "phi"), (["--mu0", "normal:1"], "mu0"),
     (["--mu0", "uniform:0,1"], "mu0"), (["--method", "march", "--paths", "1"], "paths"), (["--g", "-1"], "g"),
     (["--tau-noise", "1"], "tau-noise"), (["--g=-x", "--drift=-x"], "g"), (["--lam", "-1"], "lam")],
)
def test_cli_bad_inputs(tmp_path, capsys, args, param):
    rc = main(["meanfield", *args, "--out", str(tmp_path / "x.npz")])
    assert rc == 2
    assert f"{param}:" in capsys.readouterr().err


OLD_AND_NEW = [
    (["--J", "2"], ["--J0", "2"], "--J0"),
    (["--sigma", "0.5"], ["--g", "0.5"], "--g"),
    (["--lam", "0.5"], ["--sigma2", "0.25"], "--sigma2"),
    (["--f", "tanh"], ["--phi", "tanh"], "--phi"),
    (["--g=-2*x"], ["--drift=-2*x"], "--drift"),
]


@pytest.mark.parametrize(("old", "new", "hint"), OLD_AND_NEW, ids=[o[0] for o, _, _ in OLD_AND_NEW])
def test_old_spellings_warn_once_and_mean_the_new_options(tmp_path, capsys, old, new, hint):
    """Each old meanfield spelling prints one deprecation line naming the new option and gives the same numbers."""
    common = ["meanfield", "--T", "1", "--dt", "0.1", "--json"]
    assert main([*common, *new, "--out", str(tmp_path / "new.npz")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    want = json.loads(captured.out)
    assert main([*common, *old, "--out", str(tmp_path / "old.npz")]) == 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "deprecated" in lines[0] and hint in lines[0], captured.err
    got = json.loads(captured.out)
    for key in ("m_T", "K_TT", "mean_x_T", "var_x_T", "J0", "g", "sigma2", "phi", "drift"):
        assert got[key] == pytest.approx(want[key], rel=1e-14, abs=0) if isinstance(want[key], float) else (
            got[key] == want[key]), key
    assert got["deprecated_params"] == want["deprecated_params"]
    assert np.array_equal(np.load(tmp_path / "old.npz")["K"], np.load(tmp_path / "new.npz")["K"])


def test_numeric_g_is_the_coupling_std(tmp_path, capsys):
    """``--g 0.5`` is the coupling std (the shared meaning), not a constant drift."""
    assert main(["meanfield", "--g", "0.5", "--T", "1", "--dt", "0.1", "--json", "--out", str(tmp_path / "a.npz")]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["g"] == 0.5 and s["drift"] == "-x"
    assert s["deprecated_params"]["sigma"] == 0.5 and s["deprecated_params"]["g"] == "-x"


def test_json_params_use_the_shared_names(tmp_path, capsys):
    """--json prints J0, g, sigma2, phi, drift (the old names only in deprecated_params) and is the result's summary."""
    out = tmp_path / "a.npz"
    assert main(["meanfield", "--J0", "2", "--g", "0.5", "--sigma2", "0.25", "--phi", "tanh", "--drift=-2*x",
                 "--T", "1", "--dt", "0.1", "--json", "--out", str(out)]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["J0"], s["g"], s["sigma2"], s["phi"], s["drift"]) == (2.0, 0.5, 0.25, "tanh", "-2*x")
    assert s["deprecated_params"] == {"J": 2.0, "sigma": 0.5, "lam": 0.5, "f": "tanh", "g": "-2*x"}
    assert not {"J", "sigma", "lam", "f"} & set(s) and s["out"] == str(out)
    assert json.loads(str(np.load(out)["summary"])) == s


def test_problem_builds_solvers_with_inspectable_kernels():
    """MeanFieldProblem(spec, setup).build_solver(method): the CLI's path; ``generated`` lists the compiled kernels."""
    from workbench.theories.meanfield import MeanFieldProblem, MeanFieldSetup

    spec = preset("hopfield-ft")
    problem = MeanFieldProblem(spec, MeanFieldSetup(T=10, dt=0.01))
    closure = problem.build_solver("auto")
    assert closure.method == "closure"
    names = [cf.func.__name__ for cf in closure.generated]
    assert len(names) == 5 and all(cf.source and cf.key for cf in closure.generated)
    res = closure.solve()
    assert abs(res.m_at(10) - 0.7842) < 1e-4 and abs(res.K_at(10, 10) - 0.6408) < 1e-4
    assert len(problem.build_solver("march").generated) == 4  # f, the step map, drift and innovation
    with pytest.raises(SpecError, match="^method:"):
        MeanFieldProblem(spec, MeanFieldSetup(T=1, dt=0.1, drift="-x**3")).build_solver("closure")


def test_derivation_effective_process_matches_solver_equations():
    from derivations.meanfield_transient import closure_recursion, disorder_cumulants, effective_process

    for law in ("gaussian", "rademacher"):
        d = effective_process(n_grid=3, law=law)
        J, lam = sp.Symbol("J", real=True), sp.Symbol("lambda", nonnegative=True)
        sig = sp.Symbol("sigma", nonnegative=True)
        x0 = d.grid["x"][0]
        assert sp.simplify(d.drift - (-x0 + J * d.grid["m"][0])) == 0  # drift g(x) + J m(t)
        from derivations.meanfield_transient import DT

        expected = sig**2 * d.grid["K"] + lam**2 / DT * sp.eye(3)  # sigma^2 K(t,s) + lambda^2 delta
        assert sp.simplify(d.noise_cov - expected) == sp.zeros(3, 3)
    lim = disorder_cumulants("rademacher", order=6)["limit"]
    assert lim[0] == sp.Symbol("J", real=True) and all(v == 0 for v in lim[2:])
    rec = closure_recursion()
    a, b, s2 = sp.symbols("a b sigma^2", real=True)
    assert "2*a*b*D(k, k)" in str(rec["var"].rhs)
    assert sp.srepr(rec["D"].rhs).count("K") == 1


def test_derivation_recursion_reproduced_by_solver():
    """Evaluate the derived recursion numerically (linear f: K = C + mean^2) and compare to the kernel."""
    from derivations.meanfield_transient import closure_recursion

    p = TransientProblem(J=0.7, sigma=0.8, lam=0.6, f="linear", mu0="normal:0.4,0.9", dt=0.2, T=0.6)
    r = solve_closure(p)
    st = p.step
    rec = closure_recursion()
    EXf, Cf, Df, mf, Kf = (sp.Function(nm) for nm in ("EX", "C", "D", "m", "K"))
    a, b, beta, v, J, s2 = sp.symbols("a b beta v_eps J sigma^2", real=True)
    k, j = sp.symbols("k j", integer=True)
    nums = {a: st["a"], b: st["b"], beta: 0.0, v: st["v_eps"], J: p.J, s2: p.sigma**2}
    n = p.n
    EX = [p.mu0.mean]
    C = np.zeros((n + 1, n + 1))
    C[0, 0] = p.mu0.var
    def ev(e, D, Kmat, m):
        return float(
            e.subs(nums).replace(Cf, lambda u, w: C[int(u), int(w)]).replace(Df, lambda u, w: D[int(w)])
            .replace(Kf, lambda u, w: Kmat[int(u), int(w)]).replace(EXf, lambda u: EX[int(u)])
            .replace(mf, lambda u: m[int(u)])
        )

    for kk in range(n):
        Kmat = C[: kk + 1, : kk + 1] + np.outer(EX, EX)
        m = list(EX)  # linear f
        D = [0.0]
        for jj in range(1, kk + 1):
            D.append(ev(rec["D"].rhs.subs({k: kk, j: jj}), D, Kmat, m))
        EX.append(ev(rec["mean"].rhs.subs(k, kk), D, Kmat, m))
        for jj in range(kk + 1):
            C[kk + 1, jj] = C[jj, kk + 1] = ev(rec["cov"].rhs.subs({k: kk, j: jj}), D, Kmat, m)
        C[kk + 1, kk + 1] = ev(rec["var"].rhs.subs(k, kk), D, Kmat, m)
    assert np.allclose(r.mean_x, EX, atol=1e-13)
    assert np.allclose(r.cov_x, C, atol=1e-13)
    assert X in p.step["A_expr"].free_symbols
