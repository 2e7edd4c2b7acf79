"""Kinked and clipped nonlinearities on the symbolic side: primitives, derivatives, continuity (issue 12)."""

from __future__ import annotations

import pytest
import sympy as sp

from workbench.errors import SpecError
from workbench.expr import X, parse_expression
from workbench.spec import ModelSpec
from workbench.symbolic.gaussian import GaussKernel, concrete_phi, jumps, lam, primitive

CLIPPED = {
    "piecewise": "Piecewise((x - x**3/3, abs(x) <= 1), (2/3, x > 1), (-2/3, True))",
    "max-min": "Max(-1, Min(1, x)) - Max(-1, Min(1, x))**3/3",
}
POINTS = (-2.5, -1.0, -0.3, 0.0, 0.7, 1.0, 3.0)


@pytest.mark.parametrize("text", CLIPPED.values(), ids=CLIPPED.keys())
def test_clipped_cubic_primitive_is_piecewise_polynomial(text: str) -> None:
    """SymPy's primitive of a clipped phi holds Max/Min; it comes back as one Piecewise with F(0) = 0, F' = phi."""
    phi = concrete_phi(ModelSpec.simple(phi=text))
    F = primitive(phi)
    assert not F.has(sp.Max, sp.Min, sp.Heaviside)
    assert F.subs(X, 0) == 0
    dF = sp.diff(F, X)
    for x in POINTS:
        assert float(dF.subs(X, x)) == pytest.approx(float(phi.subs(X, x)), abs=1e-14)
    # hand-written primitive at a point beyond the clip: 2|x|/3 - 1/4
    assert float(F.subs(X, 3)) == pytest.approx(2 - 0.25, abs=1e-14)


@pytest.mark.parametrize("text", CLIPPED.values(), ids=CLIPPED.keys())
def test_price_derivatives_of_the_primitive_kernel_have_no_delta(text: str) -> None:
    """dC_{Phi,Phi}/dDelta = C_{phi,phi} and d/dDelta0 (phi'' of a C^1 phi): no Heaviside / DiracDelta."""
    D, D0 = sp.symbols("Delta Delta_0", positive=True)
    F = lam(primitive(concrete_phi(ModelSpec.simple(phi=text))))
    K = GaussKernel(F, F, D, D0, sp.S.Zero)
    for d in (sp.diff(K, D), sp.diff(K, D, 2), sp.diff(K, D0), sp.diff(K, D, D0)):
        assert not d.has(sp.DiracDelta, sp.Heaviside)


@pytest.mark.parametrize(
    "text", ["relu", "tanh", "abs(x)", "x**3", "x/(1 + x**2)", *CLIPPED.values(), "Max(-1, Min(1, x))"]
)
def test_continuous_phis_have_no_jumps(text: str) -> None:
    assert jumps(concrete_phi(ModelSpec.simple(phi=text))) == ()


def test_a_step_is_refused_with_the_jump() -> None:
    spec = ModelSpec.simple(phi="Piecewise((1, x > 0), (-1, True))")
    with pytest.raises(SpecError, match=r"jumps by 2 at x = 0.*continuous phi"):
        concrete_phi(spec)
    ((point, jump),) = jumps(parse_expression("Piecewise((x, x < 1), (0, True))", parameter="phi"))
    assert (float(point), float(jump)) == pytest.approx((1.0, -1.0), abs=1e-9)


def test_sign_stays_outside_the_whitelist() -> None:
    """A clipped cubic is written with Piecewise conditions or Max/Min; sign (phi' = delta) is refused."""
    with pytest.raises(SpecError, match="sign"):
        parse_expression("Piecewise((x - x**3/3, abs(x) <= 1), (2*sign(x)/3, True))", parameter="phi")


def test_clip_is_max_of_min() -> None:
    """``clip(v, lo, hi)`` builds ``Max(lo, Min(hi, v))``; constant arguments fold to a number."""
    clipped = parse_expression("clip(x, -1, 1) - clip(x, -1, 1)**3/3", parameter="phi")
    assert clipped == parse_expression(CLIPPED["max-min"], parameter="phi")
    assert parse_expression("clip(3, -1, 1)", parameter="phi") == 1
    with pytest.raises(SpecError, match="clip takes 3"):
        parse_expression("clip(x, 1)", parameter="phi")
