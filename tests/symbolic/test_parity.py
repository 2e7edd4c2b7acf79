"""``workbench.symbolic.parity.has_parity``: the one parity test of the codegen (even integrands) and of the fixed-J
theory (odd phi)."""

from __future__ import annotations

import pytest
import sympy as sp

from workbench.spec.nonlinearity import make_nonlinearity
from workbench.symbolic.parity import has_parity


@pytest.mark.parametrize(("phi", "odd", "even"), [
    ("tanh", True, False), ("erf", True, False), ("x/(1+x**2)", True, False), ("clip(x,-1,1)", True, False),
    ("clip(x-x**3/3,-2/3,2/3)", True, False), ("x**2", False, True), ("exp(-x**2)", False, True),
    ("abs(x)", False, True), ("logistic", False, False), ("relu", False, False),
])
def test_parity_of_activations(phi: str, odd: bool, even: bool) -> None:
    expr = make_nonlinearity(phi).expr
    (x,) = expr.free_symbols
    assert has_parity(expr, x, odd=True) is odd and has_parity(expr, x, odd=False) is even


def test_other_symbols_fall_back_to_simplify() -> None:
    """An integrand with parameters (a Gaussian weight of variance D) cannot be evaluated at points."""
    x, D = sp.Symbol("x"), sp.Symbol("D", positive=True)
    assert has_parity(sp.exp(-x**2 / D), x, odd=False)
    assert has_parity(x * sp.exp(-x**2 / D), x, odd=True)
    assert not has_parity(x * sp.exp(-x**2 / D), x, odd=False)


def test_cancelling_primitives_are_even() -> None:
    """tanh's primitive as SymPy writes it, ``x - log(tanh(x) + 1)`` (= log cosh x), and its square cancel digits at
    large |x| in floats; 30-digit points see them even (a float test had the square not even: the DMFT's kernels then
    lost their |x| symmetrisation and the g = 2 solve failed)."""
    x = sp.Symbol("x")
    primitive = x - sp.log(sp.tanh(x) + 1)
    assert has_parity(primitive, x, odd=False) and has_parity(sp.expand(primitive**2), x, odd=False)
