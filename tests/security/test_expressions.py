"""Expressions are parsed through one whitelist, never evaluated (issue 9, item 1).

* a source scan: no ``sympify``/``parse_expr``/``eval``/``exec``/unpickling outside a short allow-list;
* hostile strings through the parser, ``make_nonlinearity``, ``ModelSpec.from_dict``, ``make_drift``
  and the CLI entry points in-process: each is a ``SpecError`` naming the parameter (exit 2, one
  stderr line) and a sentinel file is never created;
* power towers and huge inputs are refused quickly;
* good expressions give the same SymPy expression as SymPy's own parser (the reference is
  computed here, in the tests, which are not part of the package).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sympy as sp

from workbench.errors import SpecError
from workbench.expr import MAX_EXPONENT, as_expr, parse_expression
from workbench.spec import ModelSpec, X, make_nonlinearity
from workbench.theories.meanfield.problem import make_drift

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("workbench", "derivations")

# --------------------------------------------------------------------------- source scan

TEXT_PATTERNS = {
    "sympify": re.compile(r"\bsympify\b"),  # sympify of text runs eval; expr.py needs none
    "parse_expr": re.compile(r"\bparse_expr\b"),
    "sympy.parsing": re.compile(r"sympy\.parsing"),
}
ALLOWED_TEXT: dict[str, set[str]] = {name: set() for name in TEXT_PATTERNS}

FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "input", "breakpoint"}
UNPICKLERS = {("pickle", "load"), ("pickle", "loads"), ("marshal", "load"), ("marshal", "loads"),
              ("shelve", "open"), ("dill", "load"), ("dill", "loads"), ("yaml", "load")}  # fmt: skip
ALLOWED_CALLS = {
    # the code generator's module loader compiles and runs the source string that the SymPy printer just
    # produced in this process (never text read from disk or from the user)
    ("workbench/codegen/cache.py", "compile"),
    ("workbench/codegen/cache.py", "exec"),
    # the derivation cache unpickles only entries whose HMAC matches the per-user key (issue 9, item 2)
    ("workbench/codegen/cache.py", "pickle.loads"),
}


def _sources() -> Iterator[tuple[str, str]]:
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _call_name(node: ast.Call) -> tuple[str | None, str | None]:
    """(module-ish prefix, name) of a call: ``pickle.load(...)`` -> ("pickle", "load")."""
    f = node.func
    if isinstance(f, ast.Name):
        return None, f.id
    if isinstance(f, ast.Attribute):
        owner = f.value.id if isinstance(f.value, ast.Name) else None
        return owner, f.attr
    return None, None


def _violations(rel: str, text: str) -> list[str]:
    out = [
        f"{rel}: '{name}'" for name, pat in TEXT_PATTERNS.items() if pat.search(text) and rel not in ALLOWED_TEXT[name]
    ]
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        owner, name = _call_name(node)
        where = f"{rel}:{node.lineno}"
        if owner is None and name in FORBIDDEN_BUILTINS and (rel, name) not in ALLOWED_CALLS:
            out.append(f"{where}: {name}(...)")
        if name == "S" and node.args:  # sympy.S("...") is sympify
            out.append(f"{where}: S(...)")
        if name == "lambdify" and any(
            isinstance(a, (ast.JoinedStr, ast.Constant)) and isinstance(getattr(a, "value", ""), str)
            for a in node.args[1:2]
        ):
            out.append(f"{where}: lambdify of a string")
        if (owner, name) in UNPICKLERS and (rel, f"{owner}.{name}") not in ALLOWED_CALLS:
            out.append(f"{where}: {owner}.{name}(...)")
        if name == "load" and any(
            k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        ):
            out.append(f"{where}: np.load with allow_pickle not False")
    return out


def test_no_text_evaluation_in_the_package() -> None:
    """No sympify/parse_expr/eval/exec/compile/unpickling of files outside the allow-list."""
    found = [v for rel, text in _sources() for v in _violations(rel, text)]
    assert not found, "text or files turned into code outside workbench/expr.py:\n" + "\n".join(found)


def test_the_scan_catches_what_it_looks_for() -> None:
    """The scan itself flags each forbidden form (so the test above cannot pass vacuously)."""
    sample = (
        "import pickle\nimport sympy as sp\nsp.sympify(s)\neval(s)\nexec(s)\n__import__('os')\nsp.S('x')\n"
        "pickle.load(f)\nnp.load(p, allow_pickle=True)\nsp.lambdify(x, 'x + 1')\n"
    )
    found = _violations("workbench/elsewhere.py", sample)
    for needle in ("'sympify'", "eval(", "exec(", "__import__(", "S(", "pickle.load", "allow_pickle", "lambdify"):
        assert any(needle in v for v in found), (needle, found)
    assert len(list(_sources())) > 20


# --------------------------------------------------------------------------- hostile inputs

TOWERS = ["x*9**9**9**9", "9**9**9", "(x**99)**99**99", "x**1000000", "2**(9**9)*x", "((2**64)**64)**64*x",
          "Piecewise((9**60, True))**64*x", "E**1000000*x", "x*" + "2**" * 60 + "2", "x**exp(exp(1000000))",
          "x**sin(exp(exp(100)))", "exp(exp(exp(exp(10))))*x", "x*((1/3**60)**64)**64"]  # fmt: skip
HUGE = ["x" + "+x" * 50_000, "(" * 400 + "x" + ")" * 400, "tanh(" * 40 + "x" + ")" * 40, "-" * 100 + "x",
        "+".join(["x"] * 300)]  # fmt: skip


def hostile(sentinel: Path) -> list[str]:
    """Strings that must run nothing; those that would run code try to create ``sentinel``."""
    s = str(sentinel)
    return [
        f"__import__('os').system('touch {s}')",
        f"__import__('pathlib').Path('{s}').touch()",
        f"open('{s}', 'w')",
        f"exec(\"open('{s}', 'w')\")",
        f"eval(\"open('{s}', 'w')\")",
        f"Piecewise((x, __import__('os').system('touch {s}')), (0, True))",
        f"x + (lambda: __import__('os').system('touch {s}'))()",
        f"[__import__('os').system('touch {s}') for _ in [x]][0]",
        f"tanh(x).__class__.__init__.__globals__['__builtins__']['open']('{s}', 'w')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "x.conjugate()",
        "x.real",
        "Function('f')(x)",
        "Symbol('y')",
        "S('x')",
        "Integer(1)",
        "sympify('x')",
        "lambdify(x, x)",
        "getattr(x, 'y')",
        "lambda: 1",
        "'a'",
        "b'x'",
        "f'{x}'",
        "[x]",
        "{x}",
        "x[0]",
        "x if 1 else 2",
        "(y := x)",
        "exp(x, evaluate=True)",
        "tanh(*[x])",
        "x; 1",
        "import os",
        "x\n__import__('os')",
        "__builtins__",
        "y",
        "x == x",
        "x @ x",
        "x ^ 2",
        "1e999*x",
        "1j*x",
        "\uff58",  # fullwidth x
        "\uff54\uff41\uff4e\uff48(x)",  # fullwidth tanh
        "t\u0430nh(x)",  # Cyrillic a
        "x\u200b",  # zero-width space
        *TOWERS,
        *HUGE,
    ]


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[Path]:
    """A file that hostile strings try to create; it must never exist."""
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a hostile expression ran code"


def _ids(values: list[str]) -> list[str]:
    return [re.sub(r"\W", "_", v[:30]) + f"_{k}" for k, v in enumerate(values)]


HOSTILE_TEMPLATE = hostile(Path("/nonexistent/pwned"))
assert len(HOSTILE_TEMPLATE) >= 25


@pytest.mark.parametrize("k", range(len(HOSTILE_TEMPLATE)), ids=_ids(HOSTILE_TEMPLATE))
def test_hostile_strings_are_refused_by_every_parser(k: int, sentinel: Path) -> None:
    """parse_expression, make_nonlinearity, ModelSpec.from_dict and make_drift refuse, naming the parameter."""
    text = hostile(sentinel)[k]
    for call, param in (
        (lambda: parse_expression(text, parameter="phi"), "phi"),
        (lambda: make_nonlinearity(text), "phi"),
        (lambda: make_nonlinearity(text, "f"), "f"),
        (lambda: ModelSpec.from_dict({"phi": text}), "phi"),
        (lambda: make_drift(text), "g"),
    ):
        with pytest.raises(SpecError) as info:
            call()
        assert info.value.parameter == param
        assert str(info.value).startswith(f"{param}: ")


CLI_CASES = {
    "dmft": (["dmft", "--json", "--no-lyapunov"], "--phi", "phi"),
    "derive": (["derive", "dmft"], "--phi", "phi"),
    "simulate": (["simulate", "chaos", "--N", "20", "--T", "1", "--no-progress"], "--phi", "phi"),
    "meanfield-phi": (["meanfield", "--T", "0.1", "--dt", "0.1"], "--phi", "phi"),
    "meanfield-drift": (["meanfield", "--T", "0.1", "--dt", "0.1"], "--drift", "drift"),
    "derive-meanfield-drift": (["derive", "meanfield"], "--drift", "drift"),
}


@pytest.mark.parametrize("command", sorted(CLI_CASES))
def test_hostile_strings_through_the_cli(
    command: str, sentinel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every CLI entry point that takes an expression exits 2 with one stderr line naming the parameter."""
    from workbench.cli import main

    argv, flag, param = CLI_CASES[command]
    out = ["--out", str(tmp_path / "out.npz")] if command.startswith(("simulate", "meanfield")) else []
    for text in hostile(sentinel):
        rc = main([*argv, *out, f"{flag}={text}"])
        captured = capsys.readouterr()
        lines = [ln for ln in captured.err.splitlines() if ln.strip()]
        assert rc == 2, (text[:80], captured.err[-500:])
        assert len(lines) == 1 and f"{param}: " in lines[0], (text[:80], captured.err[-500:])
        assert "Traceback" not in captured.err and not captured.out.strip()
    assert not (tmp_path / "out.npz").exists()


_TIMING_SCRIPT = """
import json, sys, time
from workbench.errors import SpecError
from workbench.expr import parse_expression
out = []
for text in json.loads(sys.stdin.read()):
    t0 = time.perf_counter()
    try:
        parse_expression(text, parameter="phi")
        refused = False
    except SpecError:
        refused = True
    out.append([refused, time.perf_counter() - t0])
print(json.dumps(out))
"""


def test_towers_and_huge_inputs_are_refused_quickly() -> None:
    """Power towers, 100k characters and deep nesting: a SpecError in well under a second each.

    Run in a child process with a hard timeout, so that a regression fails instead of hanging.
    """
    texts = TOWERS + HUGE
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _TIMING_SCRIPT], input=json.dumps(texts), capture_output=True, text=True,
            timeout=60, cwd=ROOT, check=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("parsing a power tower or a huge expression hangs")
    results = json.loads(proc.stdout)
    for text, (refused, seconds) in zip(texts, results, strict=True):
        assert refused, text[:80]
        assert seconds < 2.0, (text[:80], seconds)


def test_exponent_bound_is_the_documented_one() -> None:
    """|p| <= 64 is accepted, 65 is refused; nested powers are bounded after they combine."""
    assert parse_expression(f"x**{MAX_EXPONENT}", parameter="phi") == X**MAX_EXPONENT
    assert parse_expression(f"x**-{MAX_EXPONENT}", parameter="phi") == X ** (-MAX_EXPONENT)
    assert parse_expression("arctan(x)", parameter="phi") == sp.atan(X)
    for text in (f"x**{MAX_EXPONENT + 1}", "(x**8)**9", "x**64*x**64"):
        with pytest.raises(SpecError, match="exponent"):
            parse_expression(text, parameter="phi")


# --------------------------------------------------------------------------- good expressions

GOOD = [
    "tanh(2*x)",
    "x/(1+x**2)",
    "Max(x,0)",
    "Min(x, 1)",
    "Piecewise((x, x>0), (0, True))",
    "Piecewise((0, x < -1), (x, x <= 1), (1, True))",
    "x - x**3/3",
    "erf(sqrt(pi)*x/2)",
    "1/(1+exp(-x))",
    "x**3",
    "abs(x)",
    "Abs(x)",
    "-x",
    "0.5*x",
    "x/(1+abs(x))",
    "log(1 + exp(x))",
    "sin(x) + cos(x)**2 - tan(x/3)",
    "sinh(x)/cosh(x)",
    "atan(x) + erfc(x) + asinh(x)",
    "x**(1/3)",
    "2**x",
    "E**x + pi*x",
    "1e-3*x + 2.5e2*x**2",
    "  tanh(x)  ",
    "-x - 0.2*x**3",
]


def _reference(text: str) -> sp.Expr:
    """SymPy's own (evaluating) parser, used here only as the reference for trusted test strings."""
    return sp.sympify(text, locals={"x": X}, rational=False)


@pytest.mark.parametrize("text", GOOD)
def test_good_expressions_match_sympy(text: str) -> None:
    """The whitelist parser builds the same expression as SymPy's parser."""
    got = parse_expression(text, parameter="phi")
    ref = _reference(text)
    assert got == ref or sp.simplify(got - ref) == 0, (got, ref)
    assert got.free_symbols == {X}


def test_good_expressions_never_reach_sympys_text_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """With SymPy's string parser disabled, every entry point still accepts the good expressions."""
    import sympy.parsing.sympy_parser as sympy_parser

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"SymPy's text parser was called with {args[:1]}")

    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    with pytest.raises(AssertionError):
        _reference("x")  # the guard is active
    for text in GOOD:
        phi = make_nonlinearity(text)
        assert phi.label() == text.strip()
        assert ModelSpec.from_dict({"phi": text}).phi.label() == text.strip()
        assert make_drift(text).free_symbols == {X}
    for name in ("tanh", "erf", "relu", "logistic", "linear"):
        assert make_nonlinearity(name).name == name


def test_sympy_objects_must_print_as_whitelisted_text() -> None:
    """A SymPy phi round-trips through its label; unknown functions cannot sneak into a spec."""
    phi = make_nonlinearity(sp.tanh(2 * X) / (1 + X**2))
    assert make_nonlinearity(phi.label()).expr == phi.expr
    spec = ModelSpec.simple(phi=sp.Max(X, 0) + sp.erf(X))
    assert ModelSpec.from_dict(spec.to_dict()).phi.expr == spec.phi.expr
    for expr in (sp.Function("f")(X), sp.besselj(0, X) * X, sp.Symbol("x") * sp.Function("g")(X)):
        with pytest.raises(SpecError) as info:
            make_nonlinearity(expr)
        assert info.value.parameter == "phi"


def test_messages_name_the_parameter_and_the_whitelist() -> None:
    """Refusals say what is allowed; '^' gets a hint; unknown words list the named nonlinearities."""
    with pytest.raises(SpecError, match=r"phi: .*allowed: .*tanh"):
        make_nonlinearity("x.real")
    with pytest.raises(SpecError, match=r"\*\*"):
        make_nonlinearity("x^2")
    with pytest.raises(SpecError, match="unknown nonlinearity 'softplus2'.*logistic"):
        make_nonlinearity("softplus2")
    with pytest.raises(SpecError, match="does not depend on x"):
        make_nonlinearity("pi")
    with pytest.raises(SpecError, match=r"^g: "):
        make_drift("__import__('os')")
    for text in ("Heaviside(x)", "sign(x)"):  # their derivative (DiracDelta) is beyond the generated solvers
        with pytest.raises(SpecError, match="not allowed"):
            make_nonlinearity(text)


def test_as_expr_refuses_text() -> None:
    """The internal conversion takes numbers, SymPy objects and tuples, never strings."""
    assert as_expr(2) == sp.Integer(2) and as_expr(0.5) == sp.Float(0.5) and as_expr(True) is sp.true
    assert as_expr((1, X)) == sp.Tuple(1, X) and as_expr(X) is X
    for bad in ("x", b"x", "__import__('os')", object()):
        with pytest.raises(TypeError):
            as_expr(bad)
