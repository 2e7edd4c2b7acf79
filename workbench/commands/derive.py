"""``workbench derive RESULT``: print a derivation (equations, LaTeX or one JSON object)."""

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
    p.add_argument("result", choices=("dmft",), help="which derivation")
    p.add_argument("spec", nargs="?", default=None, help="spec TOML file or preset (default: one tanh population)")
    p.add_argument("--phi", default=None, help="nonlinearity override")
    p.add_argument("--noise", choices=("none", "white", "ou"), default=None, help="noise kind override")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print the step-by-step LaTeX (align* blocks)")
    out.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: name, cache ("hit", "miss" or "off"), key, unknowns, parameters, equations',
    )
    p.set_defaults(func=run)


def _equation_text(eq: Any) -> str:
    import sympy as sp

    return f"{sp.sstr(eq.lhs)} = {sp.sstr(eq.rhs)}"


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
        "ode": {str(a): _equation_text(eq) for a, eq in der.stationary.ode.items()},
        "skeleton": der.provenance.get("skeleton"),
    }
    from workbench.io import strict_dumps

    return strict_dumps(data)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench derive``."""
    import sympy as sp

    from derivations.dmft import derive_cached
    from workbench.solvers.dmft import check_solvable
    from workbench.spec import Noise, load_spec

    spec = load_spec(args.spec)
    if args.phi is not None:
        spec = spec.with_overrides(phi=args.phi)
    if args.noise is not None:
        spec = spec.replace(noise=Noise(args.noise, 1.0 if args.noise != "none" else 0.0, spec.noise.tau))
    check_solvable(spec)  # the same refusals as `workbench dmft` (fixed J, heterogeneous laws, linear phi)
    der, info = derive_cached(spec)
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
        print(f"{k}: {sp.sstr(eq.lhs)} = {sp.sstr(eq.rhs)}")
    st = der.stationary
    for a, eq in st.ode.items():
        print(f"ode[{a}]: {sp.sstr(eq.lhs)} = {sp.sstr(eq.rhs)}")
    return 0
