"""Errors name the offending parameter."""

from __future__ import annotations

import pytest
import sympy as sp

from workbench.codegen import compile_system
from workbench.errors import SpecError

x = sp.Symbol("x", real=True)
g = sp.Symbol("g", positive=True)


def _raises(parameter: str, match: str, *args: object, **kwargs: object) -> SpecError:
    with pytest.raises(SpecError, match=match) as info:
        compile_system(*args, **kwargs)
    assert info.value.parameter == parameter
    return info.value


def test_unknown_backend() -> None:
    _raises("backend", "unknown backend 'jax'", x, [x], backend="jax")


def test_free_symbols_are_named() -> None:
    err = _raises("args", "free symbols not listed in args", x * g + sp.Symbol("J_0_EE") + sp.Symbol("tau"), [x])
    assert "J_0_EE, g, tau" in str(err)


def test_same_name_other_assumptions_hint() -> None:
    _raises("args", "different assumptions", sp.Symbol("x") + x, [x])


def test_undefined_function_not_in_args() -> None:
    c = sp.Function("C")
    _raises("args", r"undefined functions not listed in args: C\(1\)", c(0) + c(1), [c(0)])


@pytest.mark.parametrize(
    ("kwargs", "parameter", "match"),
    [
        ({"name": "1bad"}, "name", "identifier"),
        ({"name": "numpy"}, "name", "reserved"),
        ({"name": "a3"}, "name", "collides"),
        ({"jacobian_wrt": [g]}, "jacobian_wrt", "not one of args"),
    ],
)
def test_bad_options(kwargs: dict, parameter: str, match: str) -> None:
    _raises(parameter, match, [sp.tanh(x)], [x], **kwargs)


def test_bad_exprs_and_args() -> None:
    _raises("exprs", "no expressions", [], [x])
    _raises("exprs", "not a scalar expression", [sp.Eq(x, 1)], [x])
    _raises("exprs", "not a SymPy expression", ["tanh(x)"], [x])
    _raises("args", "must be a SymPy Symbol", x, [x + 1])
    _raises("args", "duplicate arguments: x", x, [x, x])


def test_untranslatable_function_for_numba() -> None:
    _raises("exprs", "cannot generate numba code", sp.besselj(0, x), [x], backend="numba")
    f = compile_system(sp.besselj(0, x), [x], backend="numpy", name="bessel")  # scipy.special.jv
    assert float(f(0.0)) == 1.0


def test_complex_values_rejected_by_numba() -> None:
    _raises("exprs", "complex", sp.I * x, [x], backend="numba")
