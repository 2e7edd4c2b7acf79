"""Canonical symbols and fields of the path-integral (MSRDJ) description.

Times and lags are ``real=True`` symbols, never ``positive=True``: with a positive lag SymPy
evaluates ``DiracDelta(u)`` to 0 and silently drops the white-noise term (shared
software-patterns.md §10.1).

Fields are SymPy undefined functions of time (``x(t)``, ``xtilde(t)``); network fields also
carry a site index (``x(i, t)``). Collective variables are functions of one or two times
(``m(t)``, ``Q(t, s)``), conjugates ``mtilde``/``Qtilde``. SymPy prints ``xtilde`` as
``\\tilde{x}`` in LaTeX.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "t",
    "s",
    "t0",
    "s0",
    "u",
    "eps",
    "site_i",
    "site_j",
    "x",
    "xt",
    "eta",
    "Delta",
    "PopulationFields",
    "population_fields",
]

t = sp.Symbol("t", real=True)
"""Integration time."""
s = sp.Symbol("s", real=True)
"""Second integration time."""
t0 = sp.Symbol("t_0", real=True)
"""Evaluation point of a functional derivative."""
s0 = sp.Symbol("s_0", real=True)
"""Second evaluation point."""
u = sp.Symbol("u", real=True)
"""Time lag t - s (real, not positive: see the module docstring)."""
eps = sp.Symbol("epsilon", positive=True)
"""Half-width of the window used to integrate across the lag-0 kink."""
site_i = sp.Symbol("i", integer=True, positive=True)
"""Postsynaptic site index."""
site_j = sp.Symbol("j", integer=True, positive=True)
"""Presynaptic site index."""

x = sp.Function("x", real=True)
"""Single-site activity field x(t)."""
xt = sp.Function("xtilde", real=True)
"""Single-site response field x~(t)."""
eta = sp.Function("eta", real=True)
"""Effective Gaussian input of the single-site process."""
Delta = sp.Function("Delta", real=True)
"""Stationary autocovariance Delta(u) of one population."""


class PopulationFields:
    """Fields and collective variables of one population (names carry the population label).

    Attributes
    ----------
    label : str
        Population name ('' for a single population).
    x, xt : sympy.FunctionClass
        Network activity and response fields ``x(i, t)``, ``xtilde(i, t)``.
    Q, Qt : sympy.FunctionClass
        Collective two-time variable ``Q(t, s) = (1/N_b) sum_j phi_j(t) phi_j(s)`` and conjugate.
    m, mt : sympy.FunctionClass
        Population mean ``m(t) = (1/N_b) sum_j phi_j(t)`` and conjugate.
    Delta : sympy.FunctionClass
        Stationary autocovariance of the population.
    phi : sympy.FunctionClass
        The transfer function as an opaque symbol: the action and every stage up to the Gaussian
        closure manipulate ``phi(x)``, so no SymPy rewriting of a concrete phi (products of
        rational functions, Max, Piecewise) can break the derivation.
    phi_expr : sympy.Expr or None
        The concrete phi in ``workbench.spec.X`` (gain included), substituted at the closure.
    """

    def __init__(self, label: str) -> None:
        sfx = f"_{label}" if label else ""
        self.label = label
        self.x = sp.Function(f"x{sfx}", real=True)
        self.xt = sp.Function(f"xtilde{sfx}", real=True)
        self.Q = sp.Function(f"Q{sfx}", real=True)
        self.Qt = sp.Function(f"Qtilde{sfx}", real=True)
        self.m = sp.Function(f"m{sfx}", real=True)
        self.mt = sp.Function(f"mtilde{sfx}", real=True)
        self.Delta = sp.Function(f"Delta{sfx}", real=True)
        self.phi = sp.Function(f"phi{sfx}", real=True)
        self.phi_expr: sp.Expr | None = None  # the concrete transfer function in X, set by build_action
        self.Delta0 = sp.Symbol(f"Delta_0{sfx}", positive=True)
        self.Delta_inf = sp.Symbol(f"Delta_inf{sfx}", nonnegative=True)
        self.mu = sp.Symbol(f"mu{sfx}", real=True)
        self.alpha = sp.Symbol(f"alpha{sfx}", positive=True)
        self.N = sp.Symbol(f"N{sfx}", positive=True, integer=True)


def population_fields(labels: list[str] | tuple[str, ...]) -> dict[str, PopulationFields]:
    """Fields of every population; a single population gets unlabelled names (``x``, ``Q``)."""
    if len(labels) == 1:
        return {labels[0]: PopulationFields("")}
    return {lab: PopulationFields(lab) for lab in labels}
