"""The fixed-J derivation: action at fixed J -> linear-equivalent drift -> mode response and pair kernels, used by the solver."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import derivations.fixed as fixed
from workbench.cli import main


def test_the_derivation_has_the_theory_shape() -> None:
    der, info = fixed.derive_cached(None)
    assert der.name == "fixed" and info.status == "off"
    assert {"R_x", "C_phi", "C_x", "mode_response", "pair_white", "pair_lorentz"} <= set(der.equations)
    assert der.unknowns and der.parameters
    assert der.latex().count(r"\begin{align*}") == len(der.steps) >= 5
    assert not der.linearised.has(fixed.phi), "phi must be replaced by d x + r"


def test_the_mode_response_is_the_resolvent_of_the_linearised_drift() -> None:
    s = fixed.derive().symbols
    resp = fixed.derive().mode["response"]
    assert sp.simplify(resp - 1 / (1 + sp.I * s["w"] * s["tau"] - s["lam"])) == 0
    assert fixed.derive().mode["decay"] == 1 - s["lam"]


@pytest.mark.parametrize("gamma", [0.05, 1.0, 7.0])
def test_the_pair_kernels_equal_the_frequency_integrals(gamma: float) -> None:
    """Closed forms from the symbolic Lyapunov solve against quadrature of int dw/2pi F(w)/((a+iw)(b-iw))."""
    der = fixed.derive()
    s = der.symbols
    a, b = 0.3 + 0.7j, 0.3 - 0.2j  # b plays conj(a_l): complex, Re > 0
    th, wt = np.polynomial.legendre.leggauss(1000)
    th, wt = th * np.pi / 2, wt * np.pi / 2  # w = tan(theta)
    w = np.tan(th)
    jac = wt / np.cos(th) ** 2 / (2 * np.pi)
    base = 1 / ((a + 1j * w) * (b - 1j * w))
    white = complex(der.mode["pair_white"].subs({s["a"]: a, s["b"]: b}))
    lorentz = complex(der.mode["pair_lorentz"].subs({s["a"]: a, s["b"]: b, s["gamma"]: gamma}))
    assert white == pytest.approx(np.sum(jac * base), rel=1e-8)
    assert lorentz == pytest.approx(np.sum(jac * base * 2 * gamma / (gamma**2 + w**2)), rel=1e-5)


def test_a_changed_action_changes_the_derived_resolvent() -> None:
    """Leak 2 instead of 1 in the action: the mode response, the decay and the matrix resolvent follow."""
    der2 = fixed._derive(sp.Integer(2))
    s = der2.symbols
    assert sp.simplify(der2.mode["response"] - 1 / (2 + sp.I * s["w"] * s["tau"] - s["lam"])) == 0
    assert der2.mode["decay"] == 2 - s["lam"]
    assert der2.equations["R_x"].rhs != fixed.derive().equations["R_x"].rhs


def test_the_solver_uses_the_derivation(monkeypatch) -> None:
    """Swap in the leak-2 derivation: the linear network's predicted covariances become those of dx = (J - 2) x + xi."""
    from workbench.theories.fixed import kernels, predict

    N = 40
    J = np.random.default_rng(3).standard_normal((N, N)) * 1.3 / np.sqrt(N)  # unstable with leak 1, stable with 2
    monkeypatch.setattr(fixed, "derive", lambda spec=None: fixed._derive(sp.Integer(2)))
    kernels._functions.cache_clear()
    try:
        r = predict(J, "linear", 1.0)
    finally:
        kernels._functions.cache_clear()
    lyap = sla.solve_continuous_lyapunov(J - 2 * np.eye(N), -np.eye(N))
    R = np.linalg.inv(2 * np.eye(N) - J)
    np.testing.assert_allclose(r.cov_x, lyap, atol=1e-12)
    np.testing.assert_allclose(r.cov_x_zero_frequency, R @ R.T, atol=1e-12)


def test_derive_fixed_prints_latex(capsys) -> None:
    assert main(["derive", "fixed", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\begin{align*}" in out and r"\tilde{x}" in out and "J D" in out


def test_derive_fixed_plain_text_tells_identity_from_imaginary_unit(capsys) -> None:
    """Plain text: the identity matrix prints as Id and the imaginary unit as 1j (sstr prints both as I)."""
    assert main(["derive", "fixed"]) == 0
    out = capsys.readouterr().out
    assert "(1j*omega*tau + 1)*Id - J*D" in out and "I*" not in out.replace("Id", "")
