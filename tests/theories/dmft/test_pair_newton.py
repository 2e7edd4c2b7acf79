"""The (Delta0, Delta_inf, mu) system by Newton's method and the Rayleigh-quotient ground energy (issue 12 speed).

* An odd phi with a mean coupling (J0 = -1) keeps mu = 0, Delta_inf = 0: the pair solve must equal the chaotic
  energy equation's Delta0 (J0 = 0) within the error estimates (the old damped iteration stopped at
  Delta0 = 0.0041250 at g = 1.1, 0.9 % off; Newton gives 0.00408955, the energy equation's value).
* relu with white noise (sigma2 = 0.5, mean != 0): the Newton root is a fixed point of the derived map.
* The compiled lowest eigenvalue (Rayleigh-quotient iteration with a Sturm-count proof) equals LAPACK's.
"""

import numpy as np
import pytest
from scipy import linalg

from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem
from workbench.theories.dmft.energy import _lowest_eigenvalue


@pytest.fixture(scope="module")
def softsign_solver():
    """Generated solver for x/(1+|x|) with a mean coupling (J0 = -1; kinked phi)."""
    spec = ModelSpec.from_dict({"phi": "x/(1+abs(x))", "coupling": {"g": 3.0, "J0": -1.0}})
    return spec, DMFTProblem(spec).build_solver()


@pytest.mark.parametrize("g", [1.1, 3.0])
def test_odd_phi_with_mean_coupling_matches_the_energy_equation(softsign_solver, g):
    """The pair iteration (Newton) from mu0 = J0 != 0 reaches the symmetric state the energy equation gives at
    J0 = 0. An excitatory J0 = 0.5 takes that path (J0 <phi'> < 1: the symmetric state is the stationary one); the
    inhibitory J0 = -1 of the fixture is solved on the energy equation directly (odd non-decreasing phi: mu = 0 is
    the only stationary mean)."""
    spec, solver = softsign_solver
    r = solver.solve(spec.with_overrides(g=g, J0=0.5), curves=False)
    ref = solver.solve(spec.with_overrides(g=g, J0=0.0), curves=False)
    inhibited = solver.solve(spec.with_overrides(g=g), curves=False)
    assert "Newton" in r.info["method"] and ref.info["method"].startswith("chaotic energy equation")
    assert inhibited.info["method"] == ref.info["method"] and inhibited.Delta0 == pytest.approx(ref.Delta0, rel=1e-12)
    tol = 3 * (r.error_estimates["Delta0"] + ref.error_estimates["Delta0"]) + 1e-12 * ref.Delta0
    assert abs(r.Delta0 - ref.Delta0) <= tol
    assert abs(r.mu) < 1e-12 and abs(r.Delta_inf) < 1e-12


def test_relu_newton_root_is_a_fixed_point_of_the_derived_map():
    spec = ModelSpec.from_dict({"phi": "relu", "coupling": {"g": 1.3}, "noise": {"kind": "white", "sigma2": 0.5}})
    solver = DMFTProblem(spec).build_solver()
    r = solver.solve(spec)
    assert "Newton" in r.info["method"] and r.regime == "fluctuating"
    x = np.array([r.Delta0, r.Delta_inf, r.mu])
    out = np.asarray(solver.map_sys(*x, *solver.param_values(spec)), dtype=float)
    np.testing.assert_allclose(out, x, rtol=1e-9, atol=1e-12)
    assert r.Delta_inf > 0.1 * r.Delta0  # relu: <phi> != 0, so the quenched part is not zero


def test_lowest_eigenvalue_matches_lapack():
    rng = np.random.default_rng(3)
    n, h = 2000, 0.02
    diag = 2 / h**2 + rng.normal(0.0, 1.0, n)
    off = np.full(n - 1, -1 / h**2)
    exact = linalg.eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0]
    assert _lowest_eigenvalue(diag, off, exact - 1e-3) == pytest.approx(exact, rel=1e-12, abs=1e-12)
    assert _lowest_eigenvalue(diag, off, None) == pytest.approx(exact, rel=1e-14, abs=1e-14)
    # a guess nearer an excited state: the Sturm count rejects it and LAPACK answers
    second = linalg.eigh_tridiagonal(diag, off, select="i", select_range=(1, 1), eigvals_only=True)[0]
    assert _lowest_eigenvalue(diag, off, second + 1e-9) == pytest.approx(exact, rel=1e-12, abs=1e-12)
