"""Emit the source text of a generated module from SymPy expressions.

Pipeline (pure, deterministic: same input gives the same text, which is what the cache key and the
golden tests rely on):

1. :func:`normalize_exprs` / :func:`normalize_args` validate the input.
2. :func:`rename` replaces argument ``i`` by a symbol ``a{i}`` carrying the same assumptions, so any
   SymPy name (``sigma^2``, ``J_0_EE``, ``C(0)``) becomes a valid identifier; the mapping is kept
   as a comment in the module header. Free symbols left over are an error.
3. ``sympy.cse`` with ``numbered_symbols("x")`` and ``order="canonical"`` names the common
   subexpressions ``x0, x1, ...``.
4. :mod:`workbench.codegen.printer` prints each line for the backend.

Layout of a generated module for ``name="f"`` (see :func:`emit_module`):

* ``f(a0, ..., a{n-1})``: scalar arguments; returns a float for one expression, else a tuple.
  numba: ``@numba.njit(<explicit float64 signature>, cache=True, fastmath=False,
  error_model="numpy")``, so integer arguments are converted to float64 and division by zero gives
  inf/nan as in NumPy. numpy: a plain function that broadcasts.
* ``f_jac(...)`` (if a Jacobian is asked for): numba returns a C-contiguous ``(m, k)`` float64
  array; numpy returns a tuple of ``m`` row tuples (``CompiledFunction.jac`` stacks them).
* ``f_vec(a0, ..., out)`` (numba with ``vectorize=True``): a loop kernel over 1-D contiguous
  float64 arrays of equal length writing into ``out`` of shape ``(m, length)``.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from workbench.codegen.printer import BACKENDS, make_printer, print_expr
from workbench.errors import CodegenError, SpecError
from workbench.expr import as_expr

__all__ = ["Emitted", "normalize_exprs", "normalize_args", "rename", "emit_module", "check_name"]
SPECIAL_MODULE = "workbench.codegen.special"
"""Hand-written numba functions generated code may call (:mod:`workbench.codegen.special`); their source keys the module."""


_RESERVED = frozenset({"math", "numba", "numpy", "scipy", "functools", "out", "i", "r"})
_DECORATOR = 'cache=True, fastmath=False, error_model="numpy"'


@dataclass(frozen=True)
class Emitted:
    """Result of :func:`emit_module`.

    Attributes
    ----------
    source : str
        The module text.
    func_name, jac_name, vec_name : str or None
        Names of the generated functions (``None`` when not generated).
    n_outputs : int
        Number of expressions ``m``.
    jacobian : tuple of tuple of sympy.Expr or None
        The Jacobian in the original symbols, row ``i`` = d exprs[i] / d wrt.
    """

    source: str
    func_name: str
    jac_name: str | None
    vec_name: str | None
    n_outputs: int
    jacobian: tuple[tuple[sp.Expr, ...], ...] | None


def check_name(name: str) -> str:
    """Validate the base name of the generated functions and file.

    Parameters
    ----------
    name : str
        A Python identifier, not a keyword nor one of the names the module uses itself.

    Returns
    -------
    str
        ``name`` unchanged.
    """
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise SpecError("name", f"must be an ASCII Python identifier, got {name!r}")
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith("_"):
        raise SpecError("name", f"{name!r} is reserved (keyword, module name or leading underscore)")
    if (name[0] in "ax") and name[1:].isdigit():
        raise SpecError("name", f"{name!r} collides with generated variable names a<i>/x<i>")
    return name


def normalize_exprs(exprs: object) -> tuple[sp.Expr, ...]:
    """Turn a SymPy expression, a sequence of them or a Matrix into a flat tuple of expressions.

    A Matrix is flattened in row-major order. Python numbers are sympified.
    """
    if isinstance(exprs, sp.MatrixBase):
        items: list[object] = list(exprs)
    elif isinstance(exprs, (list, tuple)):
        items = list(exprs)
    else:
        items = [exprs]
    if not items:
        raise SpecError("exprs", "no expressions given")
    out = []
    for k, item in enumerate(items):
        try:
            e = as_expr(item)
        except TypeError as exc:
            raise SpecError("exprs", f"item {k} is not a SymPy expression: {item!r}") from exc
        if not isinstance(e, sp.Expr):
            raise SpecError("exprs", f"item {k} is a {type(e).__name__}, not a scalar expression: {e}")
        out.append(e)
    return tuple(out)


def normalize_args(args: object, parameter: str = "args") -> tuple[sp.Expr, ...]:
    """Validate the ordered arguments: distinct Symbols (or undefined-function values like C(0))."""
    if isinstance(args, (sp.Symbol, AppliedUndef)):
        items = [args]
    elif isinstance(args, Iterable) and not isinstance(args, (str, bytes)):
        items = list(args)
    else:
        raise SpecError(parameter, f"expected a sequence of SymPy symbols, got {args!r}")
    for k, a in enumerate(items):
        if not isinstance(a, (sp.Symbol, AppliedUndef)):
            raise SpecError(parameter, f"item {k} must be a SymPy Symbol (or e.g. C(0)), got {a!r}")
    dupes = sorted({str(a) for a in items if items.count(a) > 1})
    if dupes:
        raise SpecError(parameter, f"duplicate arguments: {', '.join(dupes)}")
    return tuple(items)


def _new_symbol(i: int, arg: sp.Expr) -> sp.Symbol:
    assumptions = {k: v for k, v in getattr(arg, "assumptions0", {}).items() if v is not None}
    return sp.Symbol(f"a{i}", **assumptions)


def rename(exprs: Sequence[sp.Expr], args: Sequence[sp.Expr]) -> tuple[tuple[sp.Expr, ...], tuple[sp.Symbol, ...]]:
    """Replace ``args[i]`` by ``a{i}`` (same assumptions); error on anything left undefined.

    Returns
    -------
    renamed : tuple of sympy.Expr
        The expressions in the new symbols.
    symbols : tuple of sympy.Symbol
        ``a0, a1, ...``.
    """
    symbols = tuple(_new_symbol(i, a) for i, a in enumerate(args))
    mapping = dict(zip(args, symbols, strict=True))
    renamed = tuple(e.xreplace(mapping) for e in exprs)
    known = set(symbols)
    free = set().union(*(e.free_symbols for e in renamed)) - known
    if free:
        names = sorted(str(s) for s in free)
        hint = ""
        arg_names = {str(a) for a in args}
        clash = [n for n in names if n in arg_names]
        if clash:
            hint = f" ({', '.join(clash)}: a symbol of that name is in args but with different assumptions)"
        raise CodegenError("args", f"free symbols not listed in args: {', '.join(names)}{hint}")
    undefined = set().union(*(e.atoms(AppliedUndef) for e in renamed))
    if undefined:
        names = sorted(str(f) for f in undefined)
        raise CodegenError("args", f"undefined functions not listed in args: {', '.join(names)}")
    return renamed, symbols


def _lines(exprs: Sequence[sp.Expr], backend: str, cse: bool, imports: set[str]) -> tuple[list[str], list[str]]:
    """CSE assignments and printed outputs for one function body."""
    printer = make_printer(backend)
    if cse:
        repl, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("x"), order="canonical")
    else:
        repl, reduced = [], list(exprs)
    body = [f"    {sym} = {print_expr(printer, rhs, backend)}" for sym, rhs in repl]
    outs = [print_expr(printer, e, backend) for e in reduced]
    imports.update(printer.module_imports)
    return body, outs


def _header(
    name: str, backend: str, cse: bool, args: Sequence[sp.Expr], n_out: int, wrt: Sequence[int] | None
) -> list[str]:
    lines = [
        '"""Generated by workbench.codegen; do not edit.',
        "",
        "The file name ends in a hash of this text and of the library versions.",
        '"""',
        "",
        f"# name: {name}",
        f"# backend: {backend}",
        f"# cse: {cse}",
        "# arguments:" if args else "# arguments: none",
    ]
    for i, a in enumerate(args):
        text = " ".join(str(a).split())
        lines.append(f"#   a{i} = {text}")
    lines.append(f"# outputs: {n_out}")
    if wrt is not None:
        lines.append(f"# jacobian: rows = outputs, columns = d/d({', '.join(f'a{j}' for j in wrt)})")
    return lines


def emit_module(
    exprs: Sequence[sp.Expr],
    args: Sequence[sp.Expr],
    *,
    backend: str,
    name: str,
    cse: bool = True,
    vectorize: bool = False,
    jacobian_wrt: Sequence[sp.Expr] | None = None,
) -> Emitted:
    """Emit the module text for ``exprs`` as functions of ``args``.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        Output expressions (already normalised, see :func:`normalize_exprs`).
    args : sequence of sympy.Symbol
        Ordered positional arguments.
    backend : {"numpy", "numba"}
        Target backend.
    name : str
        Base name of the functions (see :func:`check_name`).
    cse : bool
        Apply common-subexpression elimination.
    vectorize : bool
        numba only: also emit the loop kernel ``<name>_vec``.
    jacobian_wrt : sequence of sympy.Symbol, optional
        If given (a subset of ``args``), also emit ``<name>_jac``.

    Returns
    -------
    Emitted
        The source and the generated names.
    """
    if backend not in BACKENDS:
        raise SpecError("backend", f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    check_name(name)
    renamed, symbols = rename(exprs, args)
    n_in, n_out = len(symbols), len(renamed)
    params = ", ".join(str(s) for s in symbols)

    wrt_index: list[int] | None = None
    jac_exprs: list[list[sp.Expr]] | None = None
    if jacobian_wrt is not None:
        wrt_index = []
        for w in jacobian_wrt:
            if w not in args:
                raise SpecError("jacobian_wrt", f"{w} is not one of args")
            wrt_index.append(list(args).index(w))
        jac_exprs = [[sp.diff(e, symbols[j]) for j in wrt_index] for e in renamed]

    imports: set[str] = {"numba"} if backend == "numba" else {"numpy"}
    blocks: list[list[str]] = []

    body, outs = _lines(renamed, backend, cse, imports)
    ret = outs[0] if n_out == 1 else "(" + ", ".join(outs) + ")"
    scalar_in = ", ".join(["float64"] * n_in)
    block = []
    if backend == "numba":
        out_type = "float64" if n_out == 1 else f"UniTuple(float64, {n_out})"
        block.append(f'@numba.njit("{out_type}({scalar_in})", {_DECORATOR})')
    block += [f"def {name}({params}):", *body, f"    return {ret}"]
    blocks.append(block)

    jac_name = vec_name = None
    if jac_exprs is not None and wrt_index is not None:
        jac_name = f"{name}_jac"
        n_wrt = len(wrt_index)
        flat = [e for row in jac_exprs for e in row]
        body, outs = _lines(flat, backend, cse, imports)
        block = []
        if backend == "numba":
            imports.add("numpy")
            block.append(f'@numba.njit("float64[:, ::1]({scalar_in})", {_DECORATOR})')
            block += [f"def {jac_name}({params}):", *body, f"    out = numpy.zeros(({n_out}, {n_wrt}))"]
            for k, (e, text) in enumerate(zip(flat, outs, strict=True)):
                if e != 0:
                    block.append(f"    out[{k // n_wrt}, {k % n_wrt}] = {text}")
            block.append("    return out")
        else:
            rows = []
            for r in range(n_out):
                cells = outs[r * n_wrt : (r + 1) * n_wrt]
                rows.append("(" + ", ".join(cells) + ("," if len(cells) == 1 else "") + ")")
            block += [
                f"def {jac_name}({params}):",
                *body,
                "    return (" + ", ".join(rows) + ("," if n_out == 1 else "") + ")",
            ]
        blocks.append(block)

    if vectorize and backend == "numba":
        vec_name = f"{name}_vec"
        arr_in = ", ".join(["float64[::1]"] * n_in + ["float64[:, ::1]"])
        call = f"{name}(" + ", ".join(f"{s}[i]" for s in symbols) + ")"
        vparams = ", ".join([*(str(s) for s in symbols), "out"])
        block = [
            f'@numba.njit("void({arr_in})", {_DECORATOR})',
            f"def {vec_name}({vparams}):",
            "    for i in range(out.shape[1]):",
        ]
        if n_out == 1:
            block.append(f"        out[0, i] = {call}")
        else:
            block.append(f"        r = {call}")
            block += [f"        out[{k}, i] = r[{k}]" for k in range(n_out)]
        blocks.append(block)

    lines = _header(name, backend, cse, args, n_out, wrt_index)
    lines.append("")
    lines += [f"import {m}" for m in sorted(imports)]
    if SPECIAL_MODULE in imports:  # numba compiles the callee into this module's cache: key it by the callee's code
        from workbench.store import source_hash

        lines.append(f"# {SPECIAL_MODULE} source {source_hash((SPECIAL_MODULE,))[:16]}")
    for block in blocks:
        lines += ["", "", *block]
    source = "\n".join(lines) + "\n"

    jacobian = None
    if jac_exprs is not None:
        back = {s: a for s, a in zip(symbols, args, strict=True)}
        jacobian = tuple(tuple(e.xreplace(back) for e in row) for row in jac_exprs)
    return Emitted(source, name, jac_name, vec_name, n_out, jacobian)
