"""``workbench derive THEORY``: print a theory's derivation (equations, LaTeX or one JSON object).

Every theory of :data:`workbench.theories.THEORIES` is derived the same way: its derivation module
(``derivations/...``) has ``derive_cached(spec, ...) -> (Derivation, CacheInfo)``.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``derive`` sub-command."""
    p = sub.add_parser(
        "derive",
        help="print a symbolic derivation (e.g. 'derive dmft --latex')",
        description="Run a derivation of the workbench from the model spec and print its equations.",
    )
    from workbench.theories import theory_names

    p.add_argument("result", metavar="THEORY", choices=theory_names(), help=f"which theory: {', '.join(theory_names())}")
    p.add_argument(
        "spec",
        nargs="?",
        default=None,
        help="spec TOML file or preset (default: one tanh population; meanfield: logistic, white noise)",
    )
    p.add_argument("--phi", default=None, help="nonlinearity override")
    p.add_argument("--noise", choices=("none", "white", "ou"), default=None, help="noise kind override")
    p.add_argument("--drift", default=None, help="meanfield: the intrinsic drift g(x) (default -x)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print the step-by-step LaTeX (align* blocks)")
    out.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: name, cache ("hit", "miss" or "off"), key, unknowns, parameters, equations',
    )
    p.set_defaults(func=run)


def plain_text(expr: Any) -> str:
    """One expression as plain text: SymPy's ``sstr`` with the imaginary unit as ``1j`` and an identity matrix
    as ``Id`` (``sstr`` prints both as ``I``)."""
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_ImaginaryUnit(self, expr: Any) -> str:
            return "1j"

        def _print_Identity(self, expr: Any) -> str:
            return "Id"

    return _Printer().doprint(expr)


def _equation_text(eq: Any) -> str:
    return f"{plain_text(eq.lhs)} = {plain_text(eq.rhs)}"


def derivation_json(name: str, der: Any, info: Any) -> str:
    """The ``--json`` output: one strict JSON object describing the derivation and the cache use.

    Parameters
    ----------
    name : str
        The derivation asked for (``"dmft"``).
    der : derivations.dmft.Derivation
    info : workbench.codegen.cache.CacheInfo
    """
    data = {
        "name": name,
        "derivation": der.name,
        "cache": info.status,
        "key": info.key,
        "unknowns": [str(s) for s in der.unknowns],
        "parameters": [str(s) for s in der.parameters],
        "equations": {k: _equation_text(eq) for k, eq in der.equations.items()},
        "skeleton": der.provenance.get("skeleton"),
    }
    stationary = getattr(der, "stationary", None)
    if stationary is not None:
        data["ode"] = {str(a): _equation_text(eq) for a, eq in stationary.ode.items()}
    from workbench.io import strict_dumps

    return strict_dumps(data)


def _spec(args: argparse.Namespace) -> Any:
    """The spec of the command line (positional spec or the theory's default, then --phi and --noise)."""
    from workbench.spec import ModelSpec, Noise, load_spec

    if args.spec is None and args.result == "meanfield":
        spec = ModelSpec.simple(g=1.0, phi="logistic", sigma2=1.0)
    else:
        spec = load_spec(args.spec)
    if args.phi is not None:
        spec = spec.with_overrides(phi=args.phi)
    if args.noise is not None:
        spec = spec.replace(noise=Noise(args.noise, 1.0 if args.noise != "none" else 0.0, spec.noise.tau))
    return spec


def _derive(args: argparse.Namespace, spec: Any) -> tuple[Any, Any]:
    """``(derivation, cache info)`` of the theory asked for."""
    from workbench.errors import SpecError
    from workbench.theories import get_theory

    theory = get_theory(args.result)
    if args.result == "dmft":
        if args.drift is not None:
            raise SpecError("drift", "the stationary DMFT has the leak -x; --drift is a meanfield option")
        from workbench.theories.dmft.problem import check_solvable

        check_solvable(spec)  # the same refusals as `workbench dmft` (fixed J, heterogeneous laws, linear phi)
        return theory.derivation_module().derive_cached(spec)
    return theory.derivation_module().derive_cached(spec, args.drift)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench derive``."""
    spec = _spec(args)
    der, info = _derive(args, spec)
    if args.json:
        print(derivation_json(args.result, der, info))
        return 0
    if args.latex:
        print(der.latex())
        return 0
    print(
        f"# {der.name}: unknowns {', '.join(map(str, der.unknowns))}; parameters {', '.join(map(str, der.parameters))}"
    )
    for k, eq in der.equations.items():
        print(f"{k}: {_equation_text(eq)}")
    stationary = getattr(der, "stationary", None)
    for a, eq in (stationary.ode.items() if stationary is not None else ()):
        print(f"ode[{a}]: {_equation_text(eq)}")
    return 0
