"""The printed equations of the reports: golden strings, the shared notation table, the print cleaner.

The local-instability line is ``g^2 <phi'^2> = 1`` (square inside the average), the lambda = 0
condition is the derived curvature ``Delta''(0+) = -V'(Delta0)/M`` (not a copy of the static
equation), the Schroedinger operator behind lambda is printed from the derived mass and potential;
every symbol of the DMFT report's equations is in the notation table; SymPy's primitive of tanh
prints as ``log cosh`` and the Dirac delta as ``delta(t - s)``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.report.content import Equation, Paragraph, ReportContent
from workbench.report.latex import sympy_latex
from workbench.report.notation import NOTATION, notation_names, notation_section
from workbench.report.printing import clean_for_print
from workbench.spec import ModelSpec

LOCAL = r"g^{2} \left\langle \frac{1}{\cosh^{4}{\left(x \right)}} \right\rangle_{\mu,\,\Delta_{0}} = 1"
LAMBDA0 = (
    r"\ddot{\Delta}(0^+) = \frac{\Delta_{0}}{\tau^{2}} - \frac{g^{2} \left\langle \tanh^{2}{\left(x \right)} "
    r"\right\rangle_{\mu,\,\Delta_{0}}}{\tau^{2}} - \frac{\sigma^{2}_{I}}{\tau^{2}}"
)
SCHRODINGER = (
    r"- \tau^{2} \frac{d^{2}}{d u^{2}} \psi{\left(u \right)} + \psi{\left(u \right)} \left(1 - g^{2} "
    r"\mathcal{C}_{\frac{1}{\cosh^{2}{\left(x \right)}}}\!\left(\Delta{\left(u \right)};\,\Delta_{0},\,\mu\right)"
    r"\right) = E_{0} \psi{\left(u \right)}"
)


@pytest.fixture(scope="module")
def stationary():
    """The derived stationary DMFT of tanh with white noise (the dmft report's derivation)."""
    from derivations.dmft import derive

    return derive(ModelSpec.simple(g=2.0, sigma2=0.5)).stationary


@pytest.fixture(scope="module")
def derivation_content() -> ReportContent:
    """The dmft report's front matter and derivation section (no solvers, no simulations)."""
    from workbench.theories.dmft import DMFTProblem
    from workbench.theories.dmft.report import _front_matter, derivation_section

    content = _front_matter({"N": 200, "fs_Ns": [250, 500], "fs_R": 4, "fs_T": 50.0, "seed": 7})
    derivation_section(content, DMFTProblem(ModelSpec.simple(g=2.0, sigma2=0.5)))
    return content


def _equations(content: ReportContent) -> list[Equation]:
    eqs = list(content.model_equations)
    for s in content.sections:
        eqs += [b for b in s.walk() if isinstance(b, Equation)]
    return eqs


def test_local_instability_golden(stationary, derivation_content) -> None:
    """The printed local-instability line is g^2 <phi'^2> = 1, and the report prints that derived object."""
    assert sympy_latex(stationary.equations["local_instability"]) == LOCAL
    printed = {e.description: e.tex for e in _equations(derivation_content)}
    assert printed["local instability"] == LOCAL
    boundary = [d for d in printed if d.startswith("single/double-well boundary")]
    assert boundary and "local instability" not in printed[boundary[0]]


def test_lambda0_golden(stationary, derivation_content) -> None:
    """lambda = 0 prints the derived curvature -V'(Delta0)/M, not the static equation."""
    from workbench.theories.dmft.report import lambda0_equation

    assert sympy_latex(lambda0_equation(stationary)) == LAMBDA0
    texs = [e.tex for e in _equations(derivation_content)]
    assert LAMBDA0 in texs
    assert sympy_latex(stationary.equations["static"]) in texs  # static printed once, under its own name


def test_schrodinger_operator_golden(stationary, derivation_content) -> None:
    """The Schroedinger operator behind lambda, from the derived mass and potential."""
    from workbench.theories.dmft.report import schrodinger_equation

    assert sympy_latex(schrodinger_equation(stationary), order="none") == SCHRODINGER
    assert SCHRODINGER in [e.tex for e in _equations(derivation_content)]


def _names(expr: sp.Basic) -> set[str]:
    names = set()
    for s in expr.free_symbols:
        names.add(str(s.base) if isinstance(s, sp.Indexed) else str(s))
    names |= {type(f).__name__ for f in expr.atoms(AppliedUndef)}
    return names


def test_notation_covers_dmft_equations(derivation_content, stationary) -> None:
    """Every symbol and function name of the dmft report's equations is in the notation table."""
    used: set[str] = set()
    for e in _equations(derivation_content):
        used |= _names(e.expr)
    for eq in stationary.ode.values():
        used |= _names(eq)
    used -= {"i", "j", "t", "s"}  # indices and the two times of the network, defined in the model equations
    missing = used - notation_names() - {"E", "Var", "C_xi", "xi", "phi_j", "IndexedBase"}
    assert not missing, f"symbols without a notation entry: {sorted(missing)}"


def test_notation_section_rows() -> None:
    """The section has one row per entry, and the Faugeras-Tanre mapping when asked."""
    content = ReportContent()
    notation_section(content, ft_mapping=True)
    (sec,) = content.sections
    tables = [b for b in sec.blocks if b.kind == "table"]
    assert len(tables) == 2 and len(tables[0].rows) == len(NOTATION)
    assert [str(r[0]) for r in tables[1].rows][:3] == ["J", "sigma", "lambda"]
    assert tables[1].rows[2][2] == sp.Eq(sp.Symbol("sigma^2", real=True), sp.Symbol("lambda") ** 2)


def test_no_ascii_maths_in_derivation_text(derivation_content) -> None:
    """Paragraph text and equation labels of the derivation carry no ASCII maths (^, _, ->, None)."""
    texts = [derivation_content.summary, derivation_content.model]
    for s in derivation_content.sections:
        for b in s.walk():
            if isinstance(b, Paragraph):
                texts += [p for p in b.parts if isinstance(p, str)]
            elif isinstance(b, Equation):
                texts.append(b.description)
    for t in texts:
        for bad in ("^", "_", "->", "None"):
            assert bad not in t, f"{bad!r} in {t!r}"


def test_log_cosh_cleaning() -> None:
    """SymPy's primitive of tanh prints as log cosh, numerically equal (constant included)."""
    x = sp.Symbol("x", real=True)
    raw = x - sp.log(sp.tanh(x) + 1)
    clean = clean_for_print(raw)
    assert clean == sp.log(sp.cosh(x))
    assert sympy_latex(raw) == r"\log{\left(\cosh{\left(x \right)} \right)}"
    xs = np.linspace(-3.0, 3.0, 13)
    f_raw, f_clean = sp.lambdify(x, raw), sp.lambdify(x, clean)
    assert np.allclose(f_raw(xs), f_clean(xs), atol=1e-12)
    neg = -x - sp.log(1 - sp.tanh(x))
    assert clean_for_print(neg) == sp.log(sp.cosh(x))


def test_derived_potential_prints_log_cosh(stationary) -> None:
    """The derived potential (primitive of tanh inside the Gaussian kernel) prints with log cosh."""
    tex = sympy_latex(stationary.potential)
    assert r"\log{\left(\cosh{\left(x \right)} \right)}" in tex and r"\tanh{\left(x \right)} + 1" not in tex


def test_delta_prints_t_minus_s() -> None:
    """delta(-s + t) and delta(s - t) both print as delta(t - s)."""
    t, s = sp.symbols("t s", real=True)
    assert sympy_latex(sp.DiracDelta(t - s)) == r"\delta\left(t - s\right)"
    assert sympy_latex(sp.DiracDelta(s - t)) == r"\delta\left(t - s\right)"
    assert sympy_latex(sp.Function("C")(t - s)) == r"C{\left(t - s \right)}"
