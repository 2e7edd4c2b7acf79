"""LaTeX safety (issue 9, item 5): names that reach LaTeX come only from the whitelist; free text is escaped.

* population names (they become SymPy symbol names such as ``g_EI``) are short identifiers;
* phi strings with TeX specials or ``\\input{...}`` are refused by the expression parser;
* the spec ``name`` is free text and comes out of :func:`escape_tex` with every special escaped;
* a rendered derivation (library and ``workbench derive dmft --latex``) has only SymPy's own macros,
  no ``\\input``/``\\write``/``\\def``/..., no ``^^`` escapes, and ``%``/``#``/``$``/``&`` only where the
  derivation itself puts them (comment titles, align separators).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.errors import SpecError
from workbench.report.latex import escape_tex
from workbench.spec import ModelSpec, Population, make_nonlinearity

SPECIALS = ["_", "&", "%", "$", "#", "{", "}", "\\", "^", "~"]
INJECTIONS = [
    r"\input{/etc/passwd}",
    r"\include{/etc/passwd}",
    r"\immediate\write18{touch pwned}",
    r"\def\x{1}",
    r"\catcode`\@=11",
    r"\csname input\endcsname{/etc/passwd}",
    "^^5cinput{/etc/passwd}",
]
HOSTILE_TEXT = [f"E{c}I" for c in SPECIALS] + [f"{c}x" for c in SPECIALS] + INJECTIONS

PHI = "tanh(2*x)/(1 + x**2)"
SPEC_NAME = "a_&%$#{}\\^~ " + r"\input{/etc/passwd}"

# Control words that SymPy's printer and the derivation's own layout emit; anything else (\input,
# \write, \def, \csname, ...) fails the test. Extend only with printing macros.
DERIVATION_MACROS = {
    "begin", "end", "paragraph", "text", "mathrm", "mathcal", "operatorname", "frac", "sqrt", "left", "right",
    "int", "limits", "sum", "substack", "infty", "partial", "dot", "tilde", "langle", "rangle", "leq", "geq",
    "quad", "cdot", "ln", "log", "exp", "tanh", "sinh", "cosh", "sin", "cos", "tan", "max", "min",
    "alpha", "delta", "Delta", "eta", "lambda", "mu", "phi", "pi", "sigma", "tau", "theta",
}  # fmt: skip
ENVIRONMENTS = {"align*", "cases"}
CONTROL_SYMBOLS = {"\\", ",", "!", ":", ";", " "}
ESCAPE_MACROS = {"textbackslash", "textasciitilde", "textasciicircum", "textless", "textgreater", "textbar"}


@pytest.fixture(scope="module", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private derivation cache for this module (the CLI run re-uses the library's derivation)."""
    path = tmp_path_factory.mktemp("latex-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(path))
        mp.delenv("WORKBENCH_NO_CACHE", raising=False)
        yield path


def _two_population_spec(name: str = SPEC_NAME) -> dict:
    return {
        "name": name,
        "phi": PHI,
        "populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2}],
        "noise": {"kind": "white", "sigma2": 0.5},
    }


# --------------------------------------------------------------------------- (a) user strings


@pytest.mark.parametrize("name", HOSTILE_TEXT + ["", "1E", "E I", "E\u00c4", "x" * 17])
def test_population_names_are_identifiers(name: str) -> None:
    """Population names become symbol names: anything but [A-Za-z][A-Za-z0-9]{0,15} is refused."""
    data = _two_population_spec("ok")
    data["populations"][1]["name"] = name
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict(data)
    assert info.value.parameter == "populations[1].name"
    with pytest.raises(SpecError) as info:
        ModelSpec(populations=(Population(name=name),))
    assert info.value.parameter == "populations[0].name"


def test_good_and_ambiguous_population_names() -> None:
    """The names of the presets and tests are accepted; pairs that join ambiguously are refused."""
    for names in (["E", "I"], ["all"], ["pop0", "pop1"], ["A", "B"], ["Exc", "Inh"], ["x"]):
        pops = [{"name": n, "fraction": 1 / len(names)} for n in names]
        assert [p.name for p in ModelSpec.from_dict({"populations": pops}).populations] == names
    with pytest.raises(SpecError, match="ambiguous") as info:
        ModelSpec.from_dict({"populations": [{"name": n, "fraction": 1 / 3} for n in ("E", "EE", "I")]})
    assert info.value.parameter == "populations"


@pytest.mark.parametrize("text", HOSTILE_TEXT + [f"x {c} 1" for c in SPECIALS] + ["tanh(x)" + INJECTIONS[0]])
def test_phi_with_tex_specials_is_refused(text: str) -> None:
    """TeX specials and control sequences never get into phi (the parser's whitelist)."""
    with pytest.raises(SpecError) as info:
        make_nonlinearity(text)
    assert info.value.parameter == "phi"
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict({"phi": text})
    assert info.value.parameter == "phi"


def _unescaped_text(tex: str) -> list[str]:
    """What remains of escaped text that TeX would interpret: specials, unknown macros, ^^."""
    rest = re.sub(r"\\(" + "|".join(ESCAPE_MACROS) + r")\{\}", "", tex)
    rest = re.sub(r"\\[&%$#_{}]", "", rest)
    problems = re.findall(r"\\[A-Za-z]+|\\.|[&%$#_^~]|\{|\}", rest)
    return problems + (["^^"] if "^^" in tex else [])


@pytest.mark.parametrize("text", HOSTILE_TEXT + [SPEC_NAME])
def test_spec_name_is_free_text_and_comes_out_escaped(text: str) -> None:
    """The spec name is accepted as free text; escape_tex leaves nothing TeX would interpret."""
    spec = ModelSpec.from_dict({"name": text})
    assert spec.name == text
    tex = escape_tex(spec.name)
    assert not _unescaped_text(tex), (text, tex)
    assert _unescaped_text(text) or text == "", "the check must see the raw specials"


# --------------------------------------------------------------------------- (b) rendered derivations


def _latex_problems(tex: str) -> list[str]:
    """Everything in a derivation's LaTeX outside SymPy's printing vocabulary and the derivation layout."""
    problems = [f"macro \\{m}" for m in re.findall(r"\\([A-Za-z]+)", tex) if m not in DERIVATION_MACROS]
    problems += [f"control symbol \\{c}" for c in re.findall(r"\\([^A-Za-z])", tex) if c not in CONTROL_SYMBOLS]
    problems += [f"environment {e}" for e in re.findall(r"\\(?:begin|end)\{([^}]*)\}", tex) if e not in ENVIRONMENTS]
    if "^^" in tex:
        problems.append("^^ escape")
    lines = tex.splitlines()
    for k, line in enumerate(lines):
        body = re.sub(r"\\[%#$&]", "", line)
        if "%" in body:
            title = line[2:]
            ok = line.startswith("% ") and k + 1 < len(lines) and lines[k + 1] == rf"\paragraph{{{title}}}"
            if not ok or re.search(r"[^A-Za-z ()\-]", title):
                problems.append(f"unescaped % in {line!r}")
        for ch in "#$":
            if ch in body:
                problems.append(f"unescaped {ch} in {line[:80]!r}")
        if any(row.count("&") > 1 for row in body.split("\\\\")):
            problems.append(f"more than one & (align separator) in a row of {line[:80]!r}")
    return problems


def test_the_check_flags_injections() -> None:
    """The LaTeX check itself sees the constructs it looks for."""
    for bad in [*INJECTIONS, "x % comment", "a & b & c", "\\begin{filecontents}", "#1", "$x$"]:
        assert _latex_problems(bad), bad
    assert not _latex_problems(
        "% Saddle point\n\\paragraph{Saddle point}\n\\begin{align*}\nx &= \\frac{1}{2}\n\\end{align*}"
    )


@pytest.fixture(scope="module")
def derivation_latex() -> str:
    """The DMFT derivation of a two-population spec with a custom phi and a hostile name."""
    from derivations.dmft import derive

    return derive(ModelSpec.from_dict(_two_population_spec())).latex()


def test_derivation_latex_has_only_sympy_macros(derivation_latex: str) -> None:
    """derive(spec).latex(): no \\input, \\write, \\def, ...; %, #, $, & only where the layout puts them."""
    assert not _latex_problems(derivation_latex), _latex_problems(derivation_latex)[:10]
    assert r"\tanh" in derivation_latex and "_{E}" in derivation_latex and "_{I}" in derivation_latex
    assert "passwd" not in derivation_latex and "\\input" not in derivation_latex


def test_cli_derive_latex_is_clean(derivation_latex: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``workbench derive dmft SPEC.toml --phi ... --latex`` prints the same clean LaTeX."""
    from workbench.cli import main

    spec = tmp_path / "ei.toml"
    spec.write_text(
        "name = 'a_&%$#{}^~ \\input{/etc/passwd}'\n"
        "[[populations]]\nname = 'E'\nfraction = 0.8\n"
        "[[populations]]\nname = 'I'\nfraction = 0.2\n"
        "[noise]\nkind = 'white'\nsigma2 = 0.5\n",
        encoding="utf-8",
    )
    assert main(["derive", "dmft", str(spec), "--phi", PHI, "--latex"]) == 0
    out = capsys.readouterr().out
    assert not _latex_problems(out), _latex_problems(out)[:10]
    assert out.strip() == derivation_latex.strip()
    spec.write_text(spec.read_text().replace("name = 'E'", "name = 'E\\input{x}'"), encoding="utf-8")
    assert main(["derive", "dmft", str(spec), "--phi", PHI, "--latex"]) == 2
    err = capsys.readouterr().err
    assert "populations[0].name" in err and len(err.strip().splitlines()) == 1
