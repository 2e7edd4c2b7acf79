"""LaTeX helpers: escaping of text, deterministic number formatting, the Jinja2 environment.

Rules (software-patterns section 2.1):

* every user-visible *text* string goes through :func:`escape_tex`;
* every *equation* comes from :func:`sympy.latex` of a SymPy object (:func:`sympy_latex`);
* numbers go through :func:`fmt_num` (fixed significant digits, no locale, no ``repr`` noise), so
  the same numbers give the same ``.tex`` byte for byte.

Templates use LaTeX-safe delimiters: ``\\VAR{...}`` for values, ``\\BLOCK{...}`` for statements,
``\\#{...}`` for comments (with ``%%`` line statements and ``%#`` line comments).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import jinja2
import sympy as sp

from workbench.errors import SpecError
from workbench.expr import as_expr
from workbench.report import printing

__all__ = ["escape_tex", "escape_path", "fmt_num", "sympy_latex", "make_env"]

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
}

# Characters outside what pdflatex + T1 + utf8 handles in text, mapped to LaTeX (math via \ensuremath).
_UNICODE = {
    "\u00b1": r"\ensuremath{\pm}",
    "\u00d7": r"\ensuremath{\times}",
    "\u00b7": r"\ensuremath{\cdot}",
    "\u2212": r"\ensuremath{-}",
    "\u2013": "--",
    "\u2014": "---",
    "\u2018": "`",
    "\u2019": "'",
    "\u201c": "``",
    "\u201d": "''",
    "\u2026": r"\ldots{}",
    "\u2192": r"\ensuremath{\to}",
    "\u2190": r"\ensuremath{\leftarrow}",
    "\u2194": r"\ensuremath{\leftrightarrow}",
    "\u2248": r"\ensuremath{\approx}",
    "\u2260": r"\ensuremath{\neq}",
    "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}",
    "\u221e": r"\ensuremath{\infty}",
    "\u221a": r"\ensuremath{\surd}",
    "\u2211": r"\ensuremath{\sum}",
    "\u222b": r"\ensuremath{\int}",
    "\u2202": r"\ensuremath{\partial}",
    "\u2207": r"\ensuremath{\nabla}",
    "\u2208": r"\ensuremath{\in}",
    "\u27e8": r"\ensuremath{\langle}",
    "\u27e9": r"\ensuremath{\rangle}",
    "\u00b2": r"\textsuperscript{2}",
    "\u00b3": r"\textsuperscript{3}",
    "\u00b9": r"\textsuperscript{1}",
    "\u00a0": "~",
}
_GREEK = {
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "delta": "delta", "epsilon": "varepsilon",
    "zeta": "zeta", "eta": "eta", "theta": "theta", "iota": "iota", "kappa": "kappa", "lamda": "lambda",
    "mu": "mu", "nu": "nu", "xi": "xi", "pi": "pi", "rho": "rho", "sigma": "sigma", "tau": "tau",
    "upsilon": "upsilon", "phi": "phi", "chi": "chi", "psi": "psi", "omega": "omega",
}  # fmt: skip
_GREEK_UPPER = {"gamma", "delta", "theta", "lamda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega"}


def _unicode_char(ch: str) -> str:
    if ch in _UNICODE:
        return _UNICODE[ch]
    if "\u2080" <= ch <= "\u2089":  # subscript digits
        return rf"\ensuremath{{{{}}_{{{ord(ch) - 0x2080}}}}}"
    if ch in "\u2070\u2074\u2075\u2076\u2077\u2078\u2079":  # superscript digits (1-3 are in _UNICODE)
        return rf"\textsuperscript{{{unicodedata.digit(ch)}}}"
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if m:
        base = m.group(2).lower()
        if base in _GREEK:
            if m.group(1) == "SMALL":
                return rf"\ensuremath{{\{_GREEK[base]}}}"
            if base in _GREEK_UPPER:
                cmd = "Lambda" if base == "lamda" else base.capitalize()
                return rf"\ensuremath{{\{cmd}}}"
            return rf"\ensuremath{{\mathrm{{{ch.encode('ascii', 'ignore').decode() or base[0].upper()}}}}}"
    if ord(ch) < 0x250:  # Latin-1 and Latin Extended-A/B: fine with T1 + utf8 inputenc
        return ch
    return rf"\texttt{{[U+{ord(ch):04X}]}}"


def escape_tex(text: Any) -> str:
    """Escape a text string for LaTeX (special characters, non-Latin Unicode, newlines).

    Parameters
    ----------
    text : Any
        Converted with ``str`` first; ``None`` gives an empty string.

    Returns
    -------
    str
        Safe to place in running text, table cells and captions.

    Examples
    --------
    >>> escape_tex("50% of x_i & y")
    '50\\\\% of x\\\\_i \\\\& y'
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    out = []
    for ch in s:
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch == "\n":
            out.append(" ")
        elif ch == "\t":
            out.append(" ")
        elif ord(ch) < 32 or ord(ch) == 127:
            continue
        elif ord(ch) > 127:
            out.append(_unicode_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def escape_path(text: Any) -> str:
    r"""Escape a path or identifier for ``\texttt`` with break points after ``/``, ``_``, ``.`` and ``-``; a run of
    hyphens keeps every hyphen (``--phi`` is not the T1 fonts' en-dash ligature)."""
    s = re.sub(r"-(?=-)", "-{}", escape_tex(text))
    s = s.replace("/", r"/\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")
    return re.sub(r"([.\-])(?=\w)", r"\1\\allowbreak{}", s)


def fmt_num(value: Any, digits: int = 4, math_mode: bool = True) -> str:
    r"""Format a number deterministically for LaTeX.

    Parameters
    ----------
    value : int, float, bool, numpy scalar or other
        Integers (sizes, seeds) print exactly; floats with ``digits`` significant digits, in scientific form
        ``1.234\times10^{-5}`` outside ``[1e-3, 1e5)``; non-finite values as ``\infty`` / NaN.
        Anything else is escaped as text.
    digits : int
        Significant digits for floats.
    math_mode : bool
        Wrap in ``$...$``.
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, int):
        body = f"{value:d}"  # integers (sizes, seeds) always exact
    elif isinstance(value, float):
        if math.isnan(value):
            return r"\textsc{nan}"
        if math.isinf(value):
            body = r"\infty" if value > 0 else r"-\infty"
        elif value == 0:
            body = "0"
        elif 1e-3 <= abs(value) < 1e5:
            body = f"{value:.{digits}g}"
            if "e" in body:
                body = _sci(value, digits)
        else:
            body = _sci(value, digits)
    else:
        return escape_tex(value)
    return f"${body}$" if math_mode else body


def _sci(value: float, digits: int) -> str:
    mant, exp = f"{value:.{max(digits - 1, 0)}e}".split("e")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    e = int(exp)
    if mant in ("1", "-1"):
        return ("-" if mant == "-1" else "") + f"10^{{{e}}}"
    return rf"{mant}\times10^{{{e}}}"


def sympy_latex(obj: Any, **settings: Any) -> str:
    """LaTeX of a SymPy object, via :func:`sympy.latex` only (cleaned for print: :mod:`workbench.report.printing`).

    Raises
    ------
    SpecError
        If ``obj`` is not a SymPy object (plain strings are refused: equations must come from the
        derived objects, never from hand-typed LaTeX).
    """
    if isinstance(obj, str):
        raise SpecError("equation", f"equations must be SymPy objects, not strings (got {obj!r})")
    if isinstance(obj, (int, float)):
        obj = as_expr(obj)
    if not isinstance(obj, (sp.Basic, sp.MatrixBase)):
        raise SpecError("equation", f"expected a SymPy expression or equation, got {type(obj).__name__}")
    return printing.latex(obj, **settings)  # sympy.latex with the print cleaning of workbench.report.printing


def make_env() -> jinja2.Environment:
    """The Jinja2 environment for the report templates (package data ``workbench/report/templates``).

    Delimiters: ``\\VAR{}``, ``\\BLOCK{}``, ``\\#{}``; ``StrictUndefined`` (a missing value is an
    error, never an empty string); filters ``e``/``tex`` (:func:`escape_tex`), ``path``
    (:func:`escape_path`), ``num`` (:func:`fmt_num`) and ``sympy`` (:func:`sympy_latex`).
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("workbench.report", "templates"),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["tex"] = escape_tex
    env.filters["path"] = escape_path
    env.filters["num"] = fmt_num
    env.filters["sympy"] = sympy_latex
    return env
