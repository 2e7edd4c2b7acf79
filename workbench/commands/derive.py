"""``workbench derive RESULT``: print a derivation (equations or LaTeX)."""

from __future__ import annotations

import argparse


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
    p.add_argument("--latex", action="store_true", help="print the step-by-step LaTeX (align* blocks)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench derive``."""
    import sympy as sp

    from derivations.dmft import derive
    from workbench.spec import Noise, load_spec

    spec = load_spec(args.spec)
    if args.phi is not None:
        spec = spec.with_overrides(phi=args.phi)
    if args.noise is not None:
        spec = spec.replace(noise=Noise(args.noise, 1.0 if args.noise != "none" else 0.0, spec.noise.tau))
    der = derive(spec)
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
