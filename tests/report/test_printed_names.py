"""Internal SymPy names of the meanfield-transient derivation are typeset as the notation's symbols (exact golden)."""

from __future__ import annotations

import pytest
import sympy as sp

from workbench.report.printing import latex


@pytest.fixture(scope="module")
def closure():
    """The derived one-step closure of the default meanfield-transient problem."""
    from derivations.meanfield_transient import derive_cached

    return derive_cached()[0].closure


def test_step_and_coefficients_golden(closure):
    assert latex(closure.step) == r"X_{k+1} = X_{k} a + b \left(\eta_{k} + \beta\right) + \varepsilon_{k}"
    co = {k: latex(sp.Eq(sp.Symbol(k), v)) for k, v in closure.coefficients.items()}
    assert co == {
        "a": r"a = e^{- \Delta t}",
        "b": r"b = 1 - e^{- \Delta t}",
        "v_eps": r"v_{\varepsilon} = \frac{\sigma^{2}}{2} - \frac{\sigma^{2} e^{- 2 \Delta t}}{2}",
        "bbeta": r"b \beta = 0",
        "A": r"A = x e^{- \Delta t}",
    }


def test_recursion_and_innovation_golden(closure):
    assert latex(closure.recursion["mean"]) == (
        r"\mathbb{E} X{\left(k + 1 \right)} = J_{0} b m{\left(k \right)} + a \mathbb{E} X{\left(k \right)} + b \beta"
    )
    assert latex(closure.recursion["var"]) == (
        r"C{\left(k + 1,k + 1 \right)} = a^{2} C{\left(k,k \right)} + 2 a b D{\left(k,k \right)} "
        r"+ b^{2} g^{2} K{\left(k,k \right)} + v_{\varepsilon}"
    )
    sigma = sp.Function("Sigma_noise")(*sp.symbols("k l"))
    assert latex(sp.Eq(sigma, closure.innovation)) == (
        r"\Sigma_{\mathrm{noise}}{\left(k,l \right)} = b^{2} g^{2} K{\left(k,l \right)} + \delta_{kl} v_{\varepsilon}"
    )


def test_no_internal_names_in_printed_stages():
    from derivations.meanfield_transient import derive_cached

    tex = "\n".join(body for _, body in derive_cached()[0].steps)
    for name in ("eps_", "v_{eps}", "bbeta", "Sigma_{noise}", r"\operatorname{EX}", "Delta_{t}"):
        assert name not in tex, name
    assert r"\text{variance of the step noise}:&\quad v_{\varepsilon} = " in tex
