"""Golden tests of the LaTeX helpers: escaping, number formatting, SymPy-only equations, delimiters."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from workbench.errors import SpecError
from workbench.report.latex import escape_path, escape_tex, fmt_num, make_env, sympy_latex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("50% & $5 #1", r"50\% \& \$5 \#1"),
        ("x_i^2 {a}", r"x\_i\textasciicircum{}2 \{a\}"),
        ("a\\b ~c", r"a\textbackslash{}b \textasciitilde{}c"),
        ("<x> | y", r"\textless{}x\textgreater{} \textbar{} y"),
        ("line\nbreak\ttab", "line break tab"),
        ("τ = 1 ± 0.1 → ∞", r"\ensuremath{\tau} = 1 \ensuremath{\pm} 0.1 \ensuremath{\to} \ensuremath{\infty}"),
        ("Δ₀ x⁴", r"\ensuremath{\Delta}\ensuremath{{}_{0}} x\textsuperscript{4}"),
        ("日", r"\texttt{[U+65E5]}"),
        ("Tanré", "Tanré"),
        (None, ""),
        (3, "3"),
    ],
)
def test_escape_tex(text, expected):
    assert escape_tex(text) == expected


def test_escape_path_breaks():
    assert escape_path("generated/a_b.py") == r"generated/\allowbreak{}a\_\allowbreak{}b.\allowbreak{}py"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "$0$"),
        (20240501, "$20240501$"),
        (-3, "$-3$"),
        (0.5, "$0.5$"),
        (1 / 3, "$0.3333$"),
        (12345.678, "$1.235\\times10^{4}$"),
        (1.5e-7, "$1.5\\times10^{-7}$"),
        (1e-14, "$10^{-14}$"),
        (0.0, "$0$"),
        (float("inf"), r"$\infty$"),
        (float("nan"), r"\textsc{nan}"),
        (True, "yes"),
        (np.float64(2.0), "$2$"),
        (np.int64(7), "$7$"),
        ("2, tanh", "2, tanh"),
    ],
)
def test_fmt_num(value, expected):
    assert fmt_num(value) == expected


def test_sympy_latex_only_sympy():
    x = sp.Symbol("x", real=True)
    assert sympy_latex(sp.Eq(sp.tanh(x), x)) == r"\tanh{\left(x \right)} = x"
    with pytest.raises(SpecError, match="equation"):
        sympy_latex(r"\alpha")
    with pytest.raises(SpecError, match="equation"):
        sympy_latex(object())


def test_env_delimiters_and_strict_undefined():
    env = make_env()
    tpl = env.from_string(r"\section{\VAR{t | tex}}\BLOCK{if n} n=\VAR{n | num}\BLOCK{endif}\#{ comment }")
    assert tpl.render(t="a_b", n=3) == r"\section{a\_b} n=$3$"
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        env.from_string(r"\VAR{missing}").render()
