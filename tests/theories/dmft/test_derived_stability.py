"""Stability, regime and iteration objects are derived once (stationary.py) and compiled, never retyped.

* the static Jacobian ``A = (dR/dDelta) / c`` at the static point (one population: ``g^2 <phi'^2>``,
  several: the Kadmon--Sompolinsky matrix ``alpha_b g_ab^2 <phi'^2>_b``), its bulk radius
  ``sqrt(A)``, the Schroedinger potential ``W(Delta0)`` there, the local-instability line
  ``A = 1`` and the lambda = 0 condition ``Delta''(0+) = 0`` (shared theory/dmft.md §3.2, §5, §9);
* the fixed-point map of the damped iteration: the closed equations solved for their unknowns;
* phi with its gain from one function; real primitives of branch functions, so a non-odd
  piecewise phi derives, compiles and solves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from workbench.solvers.quadrature import LoweredSystem
from workbench.spec import ModelSpec, X
from workbench.symbolic import derive_stationary
from workbench.symbolic.gaussian import GaussAvg, concrete_phi, is_affine, lam, primitive
from workbench.symbolic.stationary import fixed_point_map
from workbench.theories.dmft import DMFTProblem

NON_ODD = ["x/(1+abs(x)) + 0.2", "Piecewise((x, x > 0), (0.1*x, True)) + 0.3"]


def test_static_jacobian_is_g2_mean_squared_slope() -> None:
    """One population: ``A = g^2 <phi'^2>_{mu, Delta0}`` (with the gain inside phi), exactly."""
    spec = ModelSpec.simple(g=2.0, gain=1.5, sigma2=0.5)
    st = derive_stationary(spec)
    P = next(iter(st.fields.values()))
    dphi = sp.diff(concrete_phi(spec), X)
    expected = sp.Symbol("g", positive=True) ** 2 * GaussAvg(lam(dphi**2), P.mu, P.Delta0)
    A = st.static_jacobian[0, 0]
    assert sp.simplify(A.subs(sp.Symbol("g", positive=True), 2) - expected.subs(sp.Symbol("g", positive=True), 2)) == 0
    assert st.equations["local_instability"] == sp.Eq(A, 1)
    assert sp.expand(st.static_schrodinger - (1 - A)) == 0  # c = 1, tau = 1 in the coefficient


def test_two_population_jacobian_is_the_kadmon_sompolinsky_matrix() -> None:
    """``A_ab = alpha_b g_ab^2 <phi'^2>_b`` (dmft.md §9) from the same derivation step."""
    spec = ModelSpec.from_dict(
        {
            "phi": "tanh",
            "populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2}],
            "coupling": {"g": [[1.2, 1.5], [1.0, 1.3]]},
        }
    )
    st = derive_stationary(spec)
    A = st.static_jacobian
    assert A.shape == (2, 2)
    for a, la in enumerate(("E", "I")):
        for b, lb in enumerate(("E", "I")):
            F = st.fields[lb]
            g = next(s for s in A[a, b].free_symbols if str(s) == f"g_{la}{lb}")
            want = F.alpha * g**2 * GaussAvg(lam(sp.diff(sp.tanh(X), X) ** 2), F.mu, F.Delta0)
            assert sp.simplify(A[a, b] - want) == 0, (a, b, A[a, b])


def test_fixed_point_map_solves_each_equation_for_its_unknown() -> None:
    """Leading power of the unknown, nodes held: ``x = sqrt(x^2 + 2 r)`` and ``y = y - r``; a changed
    equation changes the map as the algebra says."""
    x = sp.Symbol("x", positive=True)
    y, c = sp.symbols("y c", real=True)
    node = GaussAvg(lam(sp.tanh(X)), y, x)
    fp = fixed_point_map({sp.Eq(-(x**2) / 2 + c * x + 3 * node, 0): x, sp.Eq(2 * y - c + node, 0): y})
    assert sp.simplify(fp[x] - sp.sqrt(2 * c * x + 6 * node)) == 0
    assert sp.simplify(fp[y] - (c - node) / 2) == 0
    with pytest.raises(NotImplementedError):
        fixed_point_map({sp.Eq(x**3 - c, 0): x})


def test_fixed_point_of_the_derived_map_is_the_solution(tanh_solver) -> None:
    """The compiled map returns the solved (Delta0, Delta_inf, mu) unchanged (quenched input, J0 != 0)."""
    spec = ModelSpec.simple(g=2.0, J0=0.5, input_std=0.5)
    r = tanh_solver.solve(spec, curves=False)
    assert r.info["method"].startswith("damped iteration")
    st = tanh_solver.problem.derivation.stationary
    args = [*tanh_solver.unknowns, *tanh_solver.params]
    rule = tanh_solver.map_sys.rule  # the solver's quadrature (its default Gauss-Hermite orders are off by ~3e-9)
    m = LoweredSystem([st.fixed_point[u] for u in tanh_solver.unknowns], args, backend="numpy", name="t_fp", rule=rule)
    out = m(r.Delta0, r.Delta_inf, r.mu, *tanh_solver.param_values(spec))
    np.testing.assert_allclose(out, [r.Delta0, r.Delta_inf, r.mu], rtol=1e-9, atol=1e-12)


def test_radius_and_static_lyapunov_come_from_the_derived_objects(tanh_solver) -> None:
    """Static branch above the edge: radius = g sqrt(<phi'^2>) > 1, lambda = sqrt(1 - W(Delta0)) - 1 > 0."""
    spec = ModelSpec.simple(g=2.0)
    r = tanh_solver.solve(spec, branch="static")
    assert r.regime == "static-unstable"
    assert r.static_radius == pytest.approx(2.0 * math.sqrt(r.mean_phi_prime2), rel=1e-12)
    W = 1.0 - r.static_radius**2
    assert r.lyapunov == pytest.approx(math.sqrt(1.0 - W) - 1.0, rel=1e-9)
    assert r.lyapunov == pytest.approx(r.static_radius - 1.0, rel=1e-9)


def test_concrete_phi_gain_and_affine_test() -> None:
    """phi(gain x) in one place; piecewise phi are not affine (their pieces have f'' = 0 but kinks)."""
    spec = ModelSpec.simple(phi="tanh", gain=1.5)
    assert concrete_phi(spec) == sp.tanh(sp.Rational(3, 2) * X)
    assert concrete_phi(ModelSpec.simple(phi="relu")).has(sp.Piecewise)
    assert is_affine(ModelSpec.simple(phi="2*x + 1").phi.expr)
    assert not any(is_affine(ModelSpec.simple(phi=p).phi.expr) for p in [*NON_ODD, "relu", "tanh"])


@pytest.mark.parametrize("phi", NON_ODD)
def test_primitive_of_branch_functions_is_real(phi: str) -> None:
    """``Phi = int_0^x phi`` has no I (SymPy's branch logarithms give ``log(x - 1) + i pi``), Phi' = phi."""
    f = concrete_phi(ModelSpec.simple(phi=phi))
    F = primitive(f)
    assert not F.has(sp.I)
    assert F.subs(X, 0) == 0
    for v in (-2.3, -0.4, 0.7, 3.1):
        assert float(sp.diff(F, X).subs(X, v)) == pytest.approx(float(f.subs(X, v)), rel=1e-12)


@pytest.mark.parametrize(("phi", "g", "J0"), [(NON_ODD[0], 2.0, 0.5), (NON_ODD[1], 1.2, -0.5)])
def test_non_odd_piecewise_phi_derives_compiles_and_solves(phi: str, g: float, J0: float) -> None:
    """Derive, compile (numba: no complex constants) and solve with and without white noise; the
    offset makes ``<phi> != 0``, so the mean ``mu = J0 <phi>`` is non-trivial (the leaky relu needs
    J0 < 0: with J0 > 0 its activity grows without bound, like relu's)."""
    for sigma2 in (0.0, 0.5):
        spec = ModelSpec.simple(g=g, phi=phi, sigma2=sigma2, J0=J0)
        problem = DMFTProblem(spec)
        st = problem.derivation.stationary
        assert not st.potential.has(sp.I)
        assert not any(eq.has(sp.I) for eq in st.equations.values())
        r = problem.build_solver().solve(spec)
        assert np.isfinite(r.Delta0) and r.Delta0 > 0 and np.isfinite(r.lyapunov)
        assert abs(r.mean_phi) > 0.05 and r.mu == pytest.approx(J0 * r.mean_phi, rel=1e-9)
