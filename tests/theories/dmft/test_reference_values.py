"""Generated DMFT solvers vs the reference tables of shared/theory/dmft.md (to ~1e-4 relative)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from workbench.compare import compare_rel
from workbench.errors import ConvergenceError, SpecError
from workbench.spec import ModelSpec
from workbench.theories.dmft import DMFTProblem
from workbench.theories.dmft.energy import chaos_transition, local_instability
from workbench.theories.dmft.references import DMFT_SCS, DMFT_WHITE

REL = 1e-4


# shared/theory/dmft.md §2.2 (phi = tanh, sigma = 0): g, Delta0 chaotic, static Delta0, <phi^2>, tau_1/2, kappa, lambda
SCS = list(DMFT_SCS.rows)


@pytest.mark.parametrize(("g", "D0", "Ds", "C0", "th", "kap", "lam"), SCS)
def test_scs_table(tanh_solver, g, D0, Ds, C0, th, kap, lam) -> None:
    r = tanh_solver.solve(ModelSpec.simple(g=g))
    src = "shared/theory/dmft.md §2.2"
    checks = [
        compare_rel("Delta0", D0, r.Delta0, REL, src, g=g, kind="reference"),
        compare_rel("static Delta0", Ds, r.static_Delta0, REL, src, g=g, kind="reference"),
        compare_rel("C_phi(0)", C0, r.C_phi0, REL, src, g=g, kind="reference"),
        compare_rel("tau_1/2", th, r.tau_half, 1e-3, src + " (table has 4 digits)", g=g, kind="reference"),
        compare_rel("kappa", kap, r.kappa, 1e-3, src + " (table has 4 digits)", g=g, kind="reference"),
        compare_rel("lambda_max", lam, r.lyapunov, 5e-4, src + " (5 digits; FD h=0.02)", g=g, kind="reference"),
    ]
    for c in checks:
        c.assert_ok()
    assert r.regime == "chaotic"
    # SCS convention map (§2.2 cross-check with the blog: Delta0/g^2)
    if g == 2.0:
        assert abs(r.Delta0 / 4 - 0.481201) < 1e-6 and abs(r.static_Delta0 / 4 - 0.530369) < 1e-6


def test_static_regime_below_one(tanh_solver) -> None:
    r = tanh_solver.solve(ModelSpec.simple(g=0.8))
    assert r.regime == "static" and r.Delta0 < 1e-12
    assert abs(r.lyapunov - (0.8 - 1)) < 1e-9  # bulk edge -1 + g sqrt(<phi'^2>) at Delta0 = 0


# shared/theory/dmft.md §3.3 grid: (sigma2, g) -> (Delta0, lambda)
NOISY = list(DMFT_WHITE.rows)


@pytest.mark.parametrize(("s2", "g", "D0", "lam"), NOISY)
def test_white_noise_grid(tanh_white_solver, s2, g, D0, lam) -> None:
    r = tanh_white_solver.solve(ModelSpec.simple(g=g, sigma2=s2))
    src = "shared/theory/dmft.md §3.3"
    compare_rel("Delta0", D0, r.Delta0, 2e-4, src + " (5 digits)", g=g, sigma2=s2, kind="reference").assert_ok()
    assert abs(r.lyapunov - lam) < 2e-4, (r.lyapunov, lam)
    assert r.regime == ("chaotic" if lam > 0 else "fluctuating")


def test_ou_limit_at_g0(tanh_white_solver) -> None:
    """Uncoupled units: the OU variance and the flow's own Lyapunov exponent -1/tau (the ground energy sits on the
    edge of lambda(E0)'s domain: round-off above it once gave NaN and the regime 'chaotic')."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = tanh_white_solver.solve(ModelSpec.simple(g=0.0, sigma2=0.4, tau=2.0))
    assert abs(r.Delta0 - 0.4 / (2 * 2.0)) < 1e-9  # OU variance sigma2/(2 tau) (dmft.md §3.1 check, general tau)
    assert abs(r.lyapunov + 1 / 2.0) < 1e-9 and r.regime == "fluctuating"


def test_transition_lines(tanh_white_solver) -> None:
    spec = ModelSpec.simple(g=1.5, sigma2=0.5)
    gc, D0c = chaos_transition(tanh_white_solver, spec)
    gl, _ = local_instability(tanh_white_solver, spec)
    src = "shared/theory/dmft.md §3.2"
    compare_rel("g_chaos", 1.67414, gc, 1e-5, src, kind="reference").assert_ok()
    compare_rel("Delta0 at g_chaos", 1.19711, D0c, 1e-5, src, kind="reference").assert_ok()
    compare_rel("g_local", 1.37133, gl, 1e-5, src, kind="reference").assert_ok()
    # lambda changes sign across g_chaos (table: -0.00938 / +0.00899)
    lo = tanh_white_solver.solve(ModelSpec.simple(g=gc - 0.05, sigma2=0.5)).lyapunov
    hi = tanh_white_solver.solve(ModelSpec.simple(g=gc + 0.05, sigma2=0.5)).lyapunov
    assert abs(lo + 0.00938) < 2e-4 and abs(hi - 0.00899) < 2e-4


def test_quenched_input(tanh_solver) -> None:
    r = tanh_solver.solve(ModelSpec.simple(g=2.0, input_std=0.5))
    src = "shared/theory/dmft.md §4"
    compare_rel("Delta0", 2.409693, r.Delta0, REL, src, kind="reference").assert_ok()
    compare_rel("Delta_inf", 1.537093, r.Delta_inf, REL, src, kind="reference").assert_ok()
    compare_rel("static Delta_s", 2.47971, r.static_Delta0, 1e-5, src, kind="reference").assert_ok()


def test_mean_coupling_instability_gC(tanh_solver) -> None:
    """J0 = 2: static mu != 0 branch loses stability at gC = 1.7300 (dmft.md §5 workbench table)."""

    def radius(g: float) -> float:
        return tanh_solver.solve(ModelSpec.simple(g=g, J0=2.0), mu0=1.0, branch="static").static_radius - 1

    gC = optimize.brentq(radius, 1.5, 1.8, xtol=1e-10)
    r = tanh_solver.solve(ModelSpec.simple(g=gC, J0=2.0), mu0=1.0, branch="static")
    assert abs(gC - 1.7300) < 1e-4 and abs(r.static_mu - 0.7276) < 1e-4 and abs(r.static_Delta0 - 1.6072) < 1e-4


def test_mean_coupling_gBB(tanh_solver) -> None:
    """J0 <phi'> = 1 on the mu = 0 chaotic solution: gBB = 1.9495 (dmft.md §5)."""

    def f(g: float) -> float:
        return 2.0 * tanh_solver.solve(ModelSpec.simple(g=g, J0=2.0), mu0=0.0, curves=False).mean_phi_prime - 1

    assert abs(optimize.brentq(f, 1.8, 2.2, xtol=1e-10) - 1.9495) < 1e-4


def test_numpy_and_numba_kernels_agree(tanh_solver) -> None:
    sol_np = DMFTProblem(ModelSpec.simple(g=2.0)).build_solver(backend="numpy")
    for spec in (ModelSpec.simple(g=2.0), ModelSpec.simple(g=2.0, input_std=0.5)):
        a = tanh_solver.solve(spec, curves=False)
        b = sol_np.solve(spec, curves=False)
        assert math.isclose(a.Delta0, b.Delta0, rel_tol=1e-11)
        assert math.isclose(a.Delta_inf, b.Delta_inf, rel_tol=1e-9, abs_tol=1e-12)
    pv = tanh_solver.param_values(ModelSpec.simple(g=1.7, input_std=0.3))
    for D0, Di in ((1.2, 0.3), (2.5, 1.0)):
        np.testing.assert_allclose(
            tanh_solver.pair_sys(D0, Di, 0.1, *pv), sol_np.pair_sys(D0, Di, 0.1, *pv), rtol=1e-12
        )
    assert "numba.njit" in tanh_solver.pair_sys.main.source and "numba" not in sol_np.pair_sys.main.source


def test_errors_name_parameters(tanh_solver) -> None:
    with pytest.raises(SpecError, match="method"):  # OU noise has no energy integral (lag solver instead)
        DMFTProblem(ModelSpec.simple(g=1.5, sigma2=0.5, noise="ou")).build_solver(method="energy")
    with pytest.raises(SpecError, match="method"):
        DMFTProblem(
            ModelSpec.from_dict({"populations": [{"name": "E", "fraction": 0.5}, {"name": "I", "fraction": 0.5}]})
        ).build_solver(method="energy")
    with pytest.raises(SpecError, match=r"populations\[0\].tau"):
        DMFTProblem(ModelSpec.simple(g=2.0, tau={"kind": "uniform", "low": 0.5, "high": 1.5}))
    with pytest.raises(ConvergenceError, match="g=2"):
        tanh_solver._pair(
            tanh_solver.param_values(ModelSpec.simple(g=2.0, input_std=0.5)), 1.0, 0.5, 0.0, eps=1e-9, max_iter=50
        )


def test_transition_line_fallback(tanh_white_solver, monkeypatch) -> None:
    """From g_guess = 1.725 at sigma2 = 0.6833 the 2-d root fails (found while sweeping sigma2 for
    the report); the bracketed 1-d fallback finds the line, and lambda_max vanishes there (to the FD
    step's accuracy)."""
    import workbench.theories.dmft.energy as dmft_mod

    used = []
    orig = dmft_mod._scan_root_in_g
    monkeypatch.setattr(dmft_mod, "_scan_root_in_g", lambda *a, **k: used.append(1) or orig(*a, **k))
    s2 = 0.6833
    gc, _ = chaos_transition(tanh_white_solver, ModelSpec.simple(g=1.5, sigma2=s2), g_guess=1.725)
    assert used, "the fallback was not exercised"
    gc2, _ = chaos_transition(tanh_white_solver, ModelSpec.simple(g=1.5, sigma2=s2), g_guess=1.1)  # 2-d root
    assert gc == pytest.approx(gc2, abs=1e-9)
    lam = tanh_white_solver.solve(ModelSpec.simple(g=gc, sigma2=s2)).lyapunov
    assert abs(lam) < 2e-4, lam
    gl, _ = local_instability(tanh_white_solver, ModelSpec.simple(g=1.5, sigma2=s2), g_guess=1.05)
    r = tanh_white_solver.solve(ModelSpec.simple(g=gl, sigma2=s2), curves=False)
    assert gl**2 * r.mean_phi_prime2 == pytest.approx(1.0, abs=1e-9)
