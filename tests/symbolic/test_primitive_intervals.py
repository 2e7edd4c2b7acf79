"""Primitives of clipped polynomials (kinks at real polynomial roots): the DMFT potential and odd-phi checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from workbench.spec import X
from workbench.spec.nonlinearity import make_nonlinearity
from workbench.symbolic.gaussian import primitive, primitive_by_intervals

CLIPS = ["clip(x-x**3/3,-1,1)", "clip(x**3,-1,1)", "clip(x,-1,1)-clip(x,-1,1)**3/3", "clip(x-x**3/3,-2/3,2/3)"]
KINKS = [-2.1038034, -2.0, -1.0, 1.0, 2.0, 2.1038034]
"""x - x^3/3 = -1 at x = 2.1038 (and 1 never: max 2/3); x^3 = +-1; x - x^3/3 = -+2/3 at x = 2, -2 and touches at
x = -+1 (the tangent clip SymPy folds wrongly: it clipped all of x >= 1)."""


@pytest.mark.parametrize("phi", CLIPS)
def test_primitive_of_clipped_polynomials_is_the_integral(phi: str) -> None:
    """F(x) = int_0^x phi with no unevaluated Integral left, against adaptive quadrature to 1e-9."""
    f = make_nonlinearity(phi).expr
    F = primitive(f)
    assert not F.has(sp.Integral)
    Fn, fn = sp.lambdify(X, F, "numpy"), sp.lambdify(X, f, "numpy")
    for x0 in (-3.0, -1.7, -0.4, 0.0, 0.9, 1.5, 2.05, 4.0):
        ref = quad(fn, 0.0, x0, points=[k for k in KINKS if min(0, x0) < k < max(0, x0)] or None, limit=200)[0]
        assert float(Fn(x0)) == pytest.approx(ref, abs=1e-9)


def test_interval_primitive_agrees_with_sympy_where_sympy_can() -> None:
    """On a clip SymPy integrates itself, the interval construction gives the same function."""
    f = make_nonlinearity("clip(x,-1,1)").expr
    a, b = sp.lambdify(X, primitive(f), "numpy"), sp.lambdify(X, primitive_by_intervals(f), "numpy")
    xs = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(a(xs), b(xs), atol=1e-14)


def test_fixed_theory_accepts_odd_clips_and_refuses_non_odd() -> None:
    """Oddness of Max/Min expressions SymPy cannot simplify is checked numerically."""
    from workbench.errors import SpecError
    from workbench.theories.fixed.gains import check_phi

    for phi in CLIPS:
        check_phi(phi)
    for phi in ("relu", "tanh(x)+0.1*x**2", "clip(x,-1,2)"):
        with pytest.raises(SpecError, match="odd"):
            check_phi(phi)

