"""Generated numpy and numba code against a 30-digit mpmath evaluation of the same expressions."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from workbench.codegen import compile_system

x = sp.Symbol("x", real=True)
g = sp.Symbol("g", positive=True)
s2 = sp.Symbol("sigma^2", positive=True)
ARGS = [x, g, s2]

EXPRS = [
    sp.tanh(g * x) + sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi),
    sp.erf(sp.sqrt(sp.pi) * x / 2) * g - sp.Rational(1, 3) * s2,
    sp.Max(x, 0) * g + sp.Min(x, s2),  # relu
    sp.Piecewise((x**2, x > 0), (sp.exp(x) - 1, True)) + sp.sqrt(s2 + g),
    sp.log(1 + sp.exp(-g * x)) * sp.Float("0.1") + sp.Abs(x) ** sp.Rational(3, 2),
    sp.tanh(g * x) ** 2 * sp.pi / (1 + s2),
]

rng = np.random.default_rng(20260805)
POINTS = np.column_stack([rng.uniform(-3, 3, 12), rng.uniform(0.1, 3, 12), rng.uniform(0.01, 2, 12)])


def _reference(exprs: list[sp.Expr], point: np.ndarray) -> np.ndarray:
    subs = {a: sp.Float(float(v), 30) for a, v in zip(ARGS, point, strict=True)}
    return np.array([float(e.evalf(30, subs=subs)) for e in exprs])


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return np.array([_reference(EXPRS, p) for p in POINTS])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("cse", [True, False])
def test_scalar_values_match_mpmath(backend: str, cse: bool, reference: np.ndarray) -> None:
    f = compile_system(EXPRS, ARGS, backend=backend, cse=cse, name="mix")
    for point, ref in zip(POINTS, reference, strict=True):
        got = np.array([float(v) for v in f(*point)])
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_numpy_broadcasts_over_arrays(reference: np.ndarray) -> None:
    f = compile_system(EXPRS, ARGS, backend="numpy", name="mix")
    got = np.array([np.broadcast_to(v, (len(POINTS),)) for v in f(*POINTS.T)])
    np.testing.assert_allclose(got.T, reference, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_vectorized_matches_scalar_and_broadcasts(backend: str, reference: np.ndarray) -> None:
    f = compile_system(EXPRS, ARGS, backend=backend, name="mix", vectorize=True)
    assert f.vectorized is not None
    out = f.vectorized(*POINTS.T)
    assert out.shape == (len(EXPRS), len(POINTS)) and out.dtype == np.float64
    np.testing.assert_allclose(out.T, reference, rtol=1e-12, atol=1e-14)
    # grid: x along rows, g along columns, scalar sigma^2
    xs, gs = np.linspace(-2, 2, 5)[:, None], np.linspace(0.5, 2, 4)[None, :]
    grid = f.vectorized(xs, gs, 0.3)
    assert grid.shape == (len(EXPRS), 5, 4)
    np.testing.assert_allclose(grid[:, 1, 2], [float(v) for v in f(xs[1, 0], gs[0, 2], 0.3)], rtol=1e-14)
    first, *_ = grid  # unpacks like the tuple of __call__
    assert first.shape == (5, 4)


def test_single_expression_returns_scalar() -> None:
    fn = compile_system(sp.tanh(x) * g, [x, g], backend="numba", name="one", vectorize=True)
    value = fn(0.5, 2)  # integer argument converted to float64 by the explicit signature
    assert isinstance(value, float)
    assert value == pytest.approx(np.tanh(0.5) * 2, rel=1e-15)
    assert fn.vectorized(np.array([0.5, 1.0]), 2.0).shape == (2,)
    fp = compile_system(sp.tanh(x) * g, [x, g], backend="numpy", name="one")
    assert float(fp(0.5, 2.0)) == value


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_jacobian_matches_sympy(backend: str) -> None:
    exprs = EXPRS[:3]
    f = compile_system(exprs, ARGS, backend=backend, name="mixjac", jacobian_wrt=[x, s2])
    assert f.jac is not None and f.jac_wrt == (x, s2)
    jac_sym = sp.Matrix(exprs).jacobian([x, s2])
    assert f.jacobian == jac_sym
    for point in POINTS[:5]:
        subs = {a: sp.Float(float(v), 30) for a, v in zip(ARGS, point, strict=True)}
        ref = np.array(jac_sym.evalf(30, subs=subs).tolist(), dtype=float)
        got = f.jac(*point)
        assert got.shape == (3, 2)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_numpy_jacobian_on_arrays() -> None:
    f = compile_system(EXPRS[:2], ARGS, backend="numpy", name="mixjac2", jacobian=True)
    jac = f.jac(POINTS[:, 0], POINTS[:, 1], 0.5)
    assert jac.shape == (2, 3, len(POINTS))
    np.testing.assert_allclose(jac[:, :, 4], f.jac(POINTS[4, 0], POINTS[4, 1], 0.5), rtol=1e-15)


def test_numba_function_is_callable_from_njit() -> None:
    import numba

    f = compile_system([sp.tanh(x) * g, g], [x, g], backend="numba", name="inner")
    inner = f.func

    @numba.njit
    def outer(a: float, b: float) -> float:
        u, v = inner(a, b)
        return u + v

    assert outer(0.5, 2.0) == pytest.approx(np.tanh(0.5) * 2 + 2, rel=1e-15)


def test_division_by_zero_follows_numpy() -> None:
    f = compile_system(1 / x, [x], backend="numba", name="recip")
    assert f(0.0) == np.inf


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("cse", [True, False])
def test_clip_rewritten_to_piecewise_has_boolean_conditions(backend: str, cse: bool) -> None:
    """SymPy rewrites ``clip(x, -1, 1) - clip(x, -1, 1)**3/3`` with a boolean-valued Piecewise inside a condition;
    the numpy backend printed it with ``numpy.select`` (NaN default, a float array), which a condition rejects."""
    x = sp.Symbol("x")
    c = sp.Max(-1, sp.Min(1, x))
    expr = (c - c**3 / 3).rewrite(sp.Piecewise)
    f = compile_system((expr,), (x,), backend=backend, cse=cse, name="clipped_cubic", vectorize=True)
    xs = np.linspace(-2.5, 2.5, 11)
    ref = np.clip(xs, -1, 1) - np.clip(xs, -1, 1) ** 3 / 3
    np.testing.assert_allclose(np.asarray(f.vectorized(xs)).reshape(xs.shape), ref, rtol=1e-14, atol=1e-15)
