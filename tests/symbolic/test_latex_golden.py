"""Exact LaTeX of every custom SymPy node and of the printed stability equations (golden strings).

Each custom node of :mod:`workbench.symbolic` (``GaussAvg``, ``GaussKernel``, ``Average``,
``LogPartition``) has its own ``_latex``; these tests pin the exact output, alone and raised to a
power (SymPy passes ``exp=`` to ``_latex`` for a power of a Function). The derived stability
equations are pinned too: the local-instability line is ``g^2 <phi'^2> = 1`` (the square *inside*
the average), the single/double-well boundary ``g^2 <phi'>^2 = 1`` (outside).
"""

from __future__ import annotations

import pytest
import sympy as sp

from workbench.spec import ModelSpec, X
from workbench.symbolic.functional import Average, LogPartition
from workbench.symbolic.gaussian import GaussAvg, GaussKernel, lam

x = sp.Function("x", real=True)
t = sp.Symbol("t", real=True)
D = sp.Symbol("Delta", real=True)
D0 = sp.Symbol("Delta_0", positive=True)
mu = sp.Symbol("mu", real=True)
TANH = lam(sp.tanh(X))

NODES = [
    (GaussAvg(TANH, mu, D0), r"\left\langle \tanh{\left(x \right)} \right\rangle_{\mu,\,\Delta_{0}}"),
    (GaussAvg(TANH, 0, D0) ** 2, r"\left\langle \tanh{\left(x \right)} \right\rangle_{0,\,\Delta_{0}}^{2}"),
    (
        GaussAvg(lam(sp.diff(sp.tanh(X), X) ** 2), 0, D0),
        r"\left\langle \left(1 - \tanh^{2}{\left(x \right)}\right)^{2} \right\rangle_{0,\,\Delta_{0}}",
    ),
    (GaussKernel(TANH, TANH, D, D0, 0), r"\mathcal{C}_{\tanh{\left(x \right)}}\!\left(\Delta;\,\Delta_{0}\right)"),
    (
        GaussKernel(TANH, TANH, D, D0, mu),
        r"\mathcal{C}_{\tanh{\left(x \right)}}\!\left(\Delta;\,\Delta_{0},\,\mu\right)",
    ),
    (
        GaussKernel(TANH, lam(X**2), D, D0, mu),
        r"\mathcal{C}_{x^{2},\,\tanh{\left(x \right)}}\!\left(\Delta;\,\Delta_{0},\,\mu\right)",
    ),
    (
        GaussKernel(TANH, TANH, D, D0, 0) ** 2,
        r"\mathcal{C}_{\tanh{\left(x \right)}}\!\left(\Delta;\,\Delta_{0}\right)^{2}",
    ),
    (Average(x(t)), r"\left\langle x{\left(t \right)} \right\rangle"),
    (LogPartition(x(t)), r"\ln Z\left[x{\left(t \right)}\right]"),
]


@pytest.mark.parametrize(("node", "expected"), NODES, ids=[str(k) for k in range(len(NODES))])
def test_node_latex(node: sp.Expr, expected: str) -> None:
    """``sp.latex`` of each custom node equals its golden string."""
    assert sp.latex(node) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Average(x(t)) ** 2, r"\left\langle x{\left(t \right)} \right\rangle^{2}"),
        (LogPartition(x(t)) ** 2, r"\ln Z\left[x{\left(t \right)}\right]^{2}"),
    ],
)
def test_functional_node_powers(node: sp.Expr, expected: str) -> None:
    """Powers of the path-average nodes print with the exponent outside the brackets."""
    assert sp.latex(node) == expected


@pytest.fixture(scope="module")
def tanh_white():
    """The derived stationary DMFT of tanh with white noise."""
    from derivations.dmft import derive

    return derive(ModelSpec.simple(g=2.0, sigma2=0.5)).stationary


def test_local_instability_prints_mean_of_the_squared_slope(tanh_white) -> None:
    """``g^2 <phi'^2> = 1`` (tanh: phi'^2 = cosh^-4), not the boundary's ``g^2 <phi'>^2``."""
    eq = tanh_white.equations["local_instability"]
    assert (
        sp.latex(eq) == r"g^{2} \left\langle \frac{1}{\cosh^{4}{\left(x \right)}} \right\rangle_{\mu,\,\Delta_{0}} = 1"
    )
    assert (
        sp.latex(tanh_white.equations["boundary"])
        == r"g^{2} \left\langle \frac{1}{\cosh^{2}{\left(x \right)}} \right\rangle_{\mu,\,\Delta_{0}}^{2} - 1 = 0"
    )


def test_static_stability_objects_print(tanh_white) -> None:
    """Bulk radius, static Schroedinger potential and the lambda = 0 condition Delta''(0+) = 0."""
    avg4 = r"\left\langle \frac{1}{\cosh^{4}{\left(x \right)}} \right\rangle_{\mu,\,\Delta_{0}}"
    assert sp.latex(tanh_white.static_radius) == rf"g \sqrt{{{avg4}}}"
    assert sp.latex(tanh_white.static_schrodinger) == rf"- g^{{2}} {avg4} + 1"
    assert sp.latex(tanh_white.equations["lambda0"]) == (
        r"\frac{\Delta_{0}}{\tau^{2}} - \frac{g^{2} \left\langle \tanh^{2}{\left(x \right)} \right\rangle_{\mu,\,"
        r"\Delta_{0}}}{\tau^{2}} - \frac{\sigma^{2}_{I}}{\tau^{2}} = 0"
    )
