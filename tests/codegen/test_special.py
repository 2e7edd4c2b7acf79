"""The dilogarithm (primitive of softplus): its numba kernel, both printers and the exp-substitution primitive."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from workbench.codegen import compile_system
from workbench.codegen.special import dilog
from workbench.spec import X
from workbench.symbolic.gaussian import primitive, primitive_of_exponential

SOFTPLUS = sp.log(1 + sp.exp(X))


@pytest.mark.parametrize("z", [-1e9, -300.0, -7.5, -1.0, -0.999, -0.3, -1e-9, 0.0, 1e-6, 0.25, 0.5, 0.5001, 0.9, 1 - 1e-9,
                               1.0])
def test_dilog_against_mpmath(z: float) -> None:
    """Every branch (inversion, Landen, series, reflection) to 1e-15 relative (absolute near the zero at 0)."""
    assert dilog(z) == pytest.approx(float(mpmath.polylog(2, z)), rel=1e-15, abs=1e-300)


def test_dilog_outside_real_domain_is_nan() -> None:
    assert math.isnan(dilog(1.5)) and math.isnan(dilog(math.nan))


def test_softplus_primitive_is_the_dilogarithm() -> None:
    """SymPy cannot integrate log(1 + e^x) in x; the substitution u = e^x gives -Li2(-e^x) - pi^2/12, F(0) = 0."""
    F = primitive(SOFTPLUS)
    assert F.has(sp.polylog) and F.subs(X, 0).evalf(30) == pytest.approx(0.0, abs=1e-25)
    assert sp.simplify(F - (-sp.polylog(2, -sp.exp(X)) - sp.pi**2 / 12)) == 0
    for x0 in (-6.3, -0.4, 0.9, 7.7):
        quad = mpmath.quad(lambda y: mpmath.log(1 + mpmath.exp(y)), [0, x0])
        assert float(F.subs(X, x0).evalf(30)) == pytest.approx(float(quad), rel=1e-14)


def test_exp_substitution_declines_other_functions() -> None:
    """Only functions of exp(k x): x tanh(x) (x outside an exponential) and sin(x) return None."""
    assert primitive_of_exponential(X * sp.tanh(X)) is None
    assert primitive_of_exponential(sp.sin(X)) is None
    assert primitive_of_exponential(sp.log(1 + sp.exp(2 * X))) is not None


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_printers_evaluate_the_dilogarithm(backend: str) -> None:
    """The generated code of the primitive and of its derivative (SymPy writes it polylog(1, z)) agree with mpmath."""
    F = primitive(SOFTPLUS)
    dF = sp.diff(F, X)
    assert dF.has(sp.polylog)
    compiled = compile_system([F, dF], [X], backend=backend, name="softplus_primitive")
    f = compiled.func
    if backend == "numba":  # numba compiles dilog into the module's cache: the module's key holds dilog's source
        assert "# workbench.codegen.special source " in compiled.source
    for x0 in (-30.0, -2.0, 0.0, 0.3, 5.0, 40.0):
        got = np.asarray(f(x0), dtype=float).ravel()
        ref_F = float(mpmath.quad(lambda y: mpmath.log(1 + mpmath.exp(y)), [0, x0]))
        assert got[0] == pytest.approx(ref_F, rel=1e-13, abs=1e-13)
        assert got[1] == pytest.approx(math.log1p(math.exp(x0)), rel=1e-13)


def test_other_polylog_orders_are_refused() -> None:
    from workbench.errors import CodegenError, SpecError

    with pytest.raises((CodegenError, SpecError), match="polylog"):
        compile_system([sp.polylog(3, -sp.exp(X))], [X], backend="numba", name="li3")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_softplus_is_printed_without_overflow(backend: str) -> None:
    """log(1 + exp(y)) is printed as max(y, 0) + log1p(exp(-|y|)) / logaddexp(0, y): finite at y = 800."""
    f = compile_system([sp.log(1 + sp.exp(2 * X)) / 2], [X], backend=backend, name="softplus_stable").func
    for x0, ref in ((-400.0, 0.0), (0.0, math.log(2) / 2), (1.5, math.log1p(math.exp(3.0)) / 2), (400.0, 400.0)):
        assert float(np.ravel(f(x0))[0]) == pytest.approx(ref, rel=1e-15, abs=1e-300)
