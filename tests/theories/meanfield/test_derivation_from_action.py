"""The transient mean field is derived from the shared MSRDJ action (issue 10, item 3).

The effective process comes from the same pipeline as the DMFT (build_action -> average_disorder ->
collective_action -> saddle_point -> effective_processes); the closure recursion is derived from it
and must equal the notes' published recursion (shared/theory/meanfield-transient.md §4, §6.1),
written out independently here.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derivations.meanfield_transient import (
    A_SYM,
    B_SYM,
    BETA_SYM,
    DT,
    J_IDX,
    K_IDX,
    V_SYM,
    Cf,
    Df,
    EXf,
    Kf,
    closure_recursion,
    derive,
    derive_cached,
    mf,
)
from workbench.spec import ModelSpec, X
from workbench.symbolic.action import NetworkAction
from workbench.symbolic.fields import s0, t0

S = ModelSpec.simple().symbols()
J0, G, SIGMA2 = S["J0"], S["g"], S["sigma2"]


def test_stages_come_from_the_shared_builder() -> None:
    der = derive()
    assert isinstance(der.action, NetworkAction) and der.action.options.is_default
    assert der.averaged.averaged and not der.averaged.random
    assert set(der.action.terms) == {"dynamics[all]", "noise[all]", "input[all]", "coupling[all,all]"}
    # the FT form read off the effective process
    assert sp.expand(der.ft.drift + X) == 0
    assert sp.expand(der.ft.field_mean - J0 * mf(t0)) == 0
    assert sp.expand(der.ft.field_cov - G**2 * Kf(t0, s0)) == 0
    assert der.ft.white == SIGMA2
    assert der.unknowns[0].func == mf and {str(p) for p in der.parameters} == {"J_0", "g", "sigma^2"}


def test_closure_recursion_equals_the_notes() -> None:
    rec = derive().closure.recursion
    k, j, a, b, v = K_IDX, J_IDX, A_SYM, B_SYM, V_SYM
    notes = {  # meanfield-transient.md §6.1, beta = b * (constant drift) added to the mean
        "D": a * Df(k, j - 1) + b * G**2 * Kf(k, j - 1),
        "mean": a * EXf(k) + b * BETA_SYM + b * J0 * mf(k),
        "cov": a * Cf(k, j) + b * Df(k, j),
        "var": a**2 * Cf(k, k) + b**2 * G**2 * Kf(k, k) + 2 * a * b * Df(k, k) + v,
    }
    for name, rhs in notes.items():
        assert sp.expand(rec[name].rhs - rhs) == 0, name
    assert sp.expand(closure_recursion()["var"].rhs - notes["var"].subs(G**2, sp.Symbol("sigma^2", real=True))) == 0


def test_exponential_euler_coefficients_are_derived() -> None:
    c = derive().closure.coefficients
    a = sp.exp(-DT)
    assert c["a"] == a
    assert sp.simplify(c["b"] - (1 - a)) == 0
    assert sp.simplify(c["v_eps"] - SIGMA2 * (1 - a**2) / 2) == 0  # notes §4: v = lambda^2 (1 - a^2) / 2
    assert sp.simplify(c["A"] - a * X) == 0
    innov = derive().closure.innovation
    assert sp.expand(innov - (B_SYM**2 * G**2 * Kf(k := K_IDX, sp.Symbol("l", integer=True))
                              + V_SYM * sp.Symbol("delta_kl", nonnegative=True))) == 0, k


def test_drift_flows_through_the_action() -> None:
    der = derive(drift=-2 * X + sp.Rational(1, 2))
    assert "2" in str(der.action.terms["dynamics[all]"])
    assert sp.expand(der.ft.drift - (-2 * X + sp.Rational(1, 2))) == 0
    c = der.closure.coefficients
    assert c["a"] == sp.exp(-2 * DT) and sp.simplify(c["bbeta"] - (1 - sp.exp(-2 * DT)) / 4) == 0
    nonlinear = derive(drift=X - X**3)
    assert nonlinear.closure.scheme == "euler-maruyama" and nonlinear.closure.recursion is None
    assert sp.expand(nonlinear.closure.coefficients["A"] - (X + DT * (X - X**3))) == 0
    assert "innovation" in nonlinear.closure.particle_kernels


def test_kernels_are_scalar_functions_of_their_arguments() -> None:
    cl = derive().closure
    for name, (expr, args) in {**cl.kernels, **cl.particle_kernels}.items():
        assert expr.free_symbols <= set(args), name
        assert not expr.atoms(sp.core.function.AppliedUndef), name


def test_cached_and_latex(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    d1, i1 = derive_cached(ModelSpec.simple(g=1.0, J0=2.0, sigma2=1.0, phi="logistic"))
    d2, i2 = derive_cached()
    assert i1.status == "miss" and i2.status == "hit" and i1.key == i2.key
    assert d1.equations == d2.equations
    tex = d2.latex()
    titles = [t for t, _ in d2.steps]
    assert titles[:5] == ["MSRDJ action", "Average over the couplings", "Collective variables (per neuron)",
                          "Saddle point", "Effective single-site process"]
    assert "Gaussian-closure recursion" in titles and r"\tilde{x}" in tex and "align*" in tex


def test_generated_kernels_do_not_depend_on_f_or_the_affine_drift() -> None:
    """The solvers compile the FT model's kernels for every problem: f and an affine g enter only
    through the quadrature and the step coefficients."""
    ref = derive().closure
    for other in (derive(drift=-2 * X + sp.Rational(1, 2)), derive(ModelSpec.simple(phi="tanh", sigma2=0.5))):
        assert other.closure.kernels == ref.kernels
        assert other.closure.particle_kernels == ref.particle_kernels


def test_solvers_run_the_generated_closure_step() -> None:
    """The numba closure step is generated from the derived recursion and reproduces it."""
    from workbench.theories.meanfield import TransientProblem, solve_closure
    from workbench.theories.meanfield.kernels import generated_closure_step, generated_particle_statistics

    steps = generated_closure_step()
    rec = derive().closure.kernels
    rng = np.random.default_rng(5)
    for name, (expr, args) in rec.items():
        vals = rng.uniform(-1, 1, len(args))
        expected = float(expr.subs(dict(zip(args, vals, strict=True))))
        assert steps[name].func(*vals) == pytest.approx(expected, rel=1e-13, abs=1e-14), name
        assert steps[name].func.__name__ and steps[name].key
    stats = generated_particle_statistics("numpy")
    K = rng.uniform(0, 1, (3, 3))
    assert np.allclose(stats["innovation"].func(K, np.eye(3), 0.3, 0.2, 1.5), 0.09 * 2.25 * K + 0.2 * np.eye(3))
    r = solve_closure(TransientProblem(J=2.0, dt=0.05, T=1.0))
    assert set(r.info["closure_kernel_keys"]) == {"mean", "D", "cov", "var"}
