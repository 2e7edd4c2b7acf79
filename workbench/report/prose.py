"""Prose for print: ASCII maths in report text typeset, everything else escaped.

Report text is written in plain ASCII (``x_i``, ``g^2``, ``N->inf``, ``lambda_max``). :func:`escape_prose`
turns such tokens into inline math and escapes the rest with :func:`~workbench.report.latex.escape_tex`,
so the PDF shows :math:`x_i`, :math:`g^2`, :math:`N\\to\\infty`, :math:`\\lambda_{\\mathrm{max}}`:

* a word with one ``_`` and/or a ``^`` (exponent bare or in braces, ``T^{-1}``) whose base is a Greek name, ``sum``, or at most two letters is
  maths (``tau_n``, ``J_ij``, ``sigma_I^2``, ``SE^2``, ``J0_ab``);
* a longer base (``static_Delta0``, ``burn_in``) or several ``_`` (``dmft_static_main``) is an
  identifier and set in ``\\texttt`` with break points;
* a file path (``derivations/meanfield_transient.py``) is set in ``\\texttt``;
* ``**`` is a power, ``->`` an arrow (``->inf``: to infinity), ``<=``/``>=``/``!=`` relations;
  the Python word ``None`` reads "none".

Only letters and digits reach math mode, so the output is as safe as :func:`escape_tex`'s.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.report.latex import escape_path, escape_tex

__all__ = ["escape_prose", "math_token"]

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "lamda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip
_OPERATORS = {"sum": r"\sum", "prod": r"\prod", "int": r"\int", "inf": r"\infty", "sqrt": r"\surd"}

_PATH = r"(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_-]+\.(?:py|md|json|toml|tex|pdf|txt|csv|npz|ipynb)\b"
_IDENT = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+){2,}"
_MATH = (
    r"(?P<base>[A-Za-z]+)(?P<digits>[0-9]*)(?:_(?P<sub>[A-Za-z0-9]+))?"
    r"(?:\^(?:\{(?P<bsup>-?[A-Za-z0-9]+)\}|(?P<sup>-?[A-Za-z0-9]+)))?"
)
_TOKEN = re.compile(
    rf"(?P<path>(?<![A-Za-z0-9_./-]){_PATH})|"
    r"(?P<none>\bNone\b)|(?P<num>(?<![A-Za-z0-9_.])(?P<mant>[0-9]+(?:\.[0-9]+)?)\^(?P<exp>-?[0-9]+)\b)"
    rf"|(?P<ident>(?<![A-Za-z0-9_]){_IDENT}(?![A-Za-z0-9_]))"
    rf"|(?P<math>(?<![A-Za-z0-9_\\]){_MATH}(?![A-Za-z0-9_^]))"
    r"|(?P<arrow>->(?P<toinf>inf\b)?)|(?P<rel><=|>=|!=)"
)
_RELATIONS = {"<=": r"\leq", ">=": r"\geq", "!=": r"\neq"}


def _symbol(name: str) -> str:
    """A base or index word as math: Greek letters, operators, short words italic, long ones upright."""
    if name in _GREEK:
        return "\\" + ("lambda" if name == "lamda" else name)
    if name in _OPERATORS:
        return _OPERATORS[name]
    if len(name) <= 2 and not (len(name) == 2 and name.isupper()):
        return name
    return rf"\mathrm{{{name}}}"


def _index(text: str) -> str:
    """A subscript or superscript word: digits and short indices as they are, words upright or Greek."""
    m = re.fullmatch(r"([A-Za-z]+)([0-9]*)", text)
    if m is None or m.group(1) not in _GREEK | set(_OPERATORS) and len(m.group(1)) <= 2:
        return text
    head = _symbol(m.group(1))
    return head + (f"_{{{m.group(2)}}}" if m.group(2) else "")


def math_token(base: str, digits: str = "", sub: str | None = None, sup: str | None = None) -> str | None:
    """LaTeX (math mode body) of an ASCII token, or None when it is an identifier (or plain text)."""
    if sub is None and sup is None:
        return None
    if base not in _GREEK and base not in _OPERATORS and len(base) > 2:
        return None
    subs = [s for s in (digits, _index(sub) if sub else "") if s]
    out = _symbol(base)
    if subs:
        out += "_{" + ",".join(subs) + "}"
    if sup:
        out += "^{" + _index(sup) + "}"
    return out


def _replace(m: re.Match[str]) -> str:
    if m.group("path"):
        return r"\texttt{" + escape_path(m.group("path")) + "}"
    if m.group("none"):
        return "none"
    if m.group("num"):
        return f"${m.group('mant')}^{{{m.group('exp')}}}$"
    if m.group("ident"):
        return r"\texttt{" + escape_path(m.group("ident")) + "}"
    if m.group("math"):
        body = math_token(m.group("base"), m.group("digits"), m.group("sub"), m.group("sup") or m.group("bsup"))
        if body is None:
            return r"\texttt{" + escape_path(m.group("math")) + "}" if "_" in m.group("math") else m.group("math")
        return f"${body}$"
    if m.group("arrow"):
        return r"$\to\infty$" if m.group("toinf") else r"$\to$"
    return f"${_RELATIONS[m.group('rel')]}$"


def escape_prose(text: Any) -> str:
    """Escape report text for LaTeX with its ASCII maths typeset (see the module docstring)."""
    if text is None:
        return ""
    s = str(text).replace("**", "^")
    out, pos = [], 0
    for m in _TOKEN.finditer(s):
        out.append(escape_tex(s[pos : m.start()]))
        piece = _replace(m)
        out.append(piece if piece != m.group(0) else escape_tex(piece))
        pos = m.end()
    out.append(escape_tex(s[pos:]))
    return "".join(out)
