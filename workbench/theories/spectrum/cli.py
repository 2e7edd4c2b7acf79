"""``workbench spectrum SPEC ACTION``: edge, density, outliers, boundary of the Jacobian's spectrum; compare.

Actions: ``edge`` (x_R, F0, stable, ...), ``density --at RE,IM``, ``outliers``, ``boundary [--points n]``,
``compare [--samples K] [--seed S]`` (sampled Jacobians against the theory). ``SPEC`` is a TOML file
or a preset (``ei-jacobian``); ``--fixed-point`` takes the gains at a fixed point of one sampled network.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

from workbench.errors import SpecError

ACTIONS = ("edge", "density", "outliers", "boundary", "compare")
"""The sub-actions of ``workbench spectrum``."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``spectrum`` sub-command."""
    p = sub.add_parser(
        "spectrum",
        help="random-matrix theory of the Jacobian T^-1(-I + W G): edge, density, outliers, compare",
        description="Spectrum of the network Jacobian M = T^{-1}(-I + W G) from the population Dyson equations of "
        "its Hermitized resolvent (workbench derive spectrum --latex).",
    )
    # "-0.15,0.05" is a value (of --at), not an option
    p._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[\d.eE+-]+,[-\d.eE+]+$")
    p.add_argument("spec", metavar="SPEC", help="spec TOML file or preset (e.g. ei-jacobian)")
    p.add_argument("action", choices=ACTIONS, help="what to compute: " + ", ".join(ACTIONS))
    p.add_argument("--at", default=None, help="density: the point z as RE,IM (e.g. --at=-0.15,0.05)")
    p.add_argument("--samples", type=int, default=4, help="compare: number of sampled Jacobians (default 4)")
    p.add_argument("--seed", type=int, default=0, help="compare: first seed; --fixed-point: the network's seed")
    p.add_argument("--N", type=int, default=None, help="override the number of units N")
    p.add_argument("--points", type=int, default=400, help="boundary: number of points (default 400)")
    p.add_argument("--n-quad", dest="n_quad", type=int, default=24, help="quadrature nodes per law (default 24)")
    p.add_argument("--method", default="auto", help="solver method: auto, dyson, elliptic")
    p.add_argument("--fixed-point", dest="fixed_point", action="store_true", help="gains at a fixed point x*")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def parse_point(text: str) -> tuple[float, float]:
    """``"RE,IM"`` -> (re, im); SpecError naming --at otherwise."""
    parts = str(text).split(",")
    try:
        re_, im = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        re_, im = math.nan, math.nan
    if not (math.isfinite(re_) and math.isfinite(im)):
        raise SpecError("at", f"expected a point RE,IM of two finite numbers, got {text!r}")
    return re_, im


def _check(args: argparse.Namespace) -> None:
    """SpecError for option values out of range."""
    if args.action == "density" and args.at is None:
        raise SpecError("at", "density needs the point: --at RE,IM")
    if args.samples < 2 or args.samples > 64:
        raise SpecError("samples", f"must be in [2, 64], got {args.samples}")
    if args.seed < 0:
        raise SpecError("seed", f"must be >= 0, got {args.seed}")
    if not 2 <= args.points <= 100000:
        raise SpecError("points", f"must be in [2, 100000], got {args.points}")
    if args.N is not None and not 2 <= args.N <= 20000:
        raise SpecError("N", f"must be in [2, 20000] for eigenvalues, got {args.N}")


def build(args: argparse.Namespace) -> tuple[Any, Any]:
    """``(spec, solver)`` of the command line."""
    from workbench.spec import load_spec
    from workbench.theories.spectrum.problem import SpectrumProblem, SpectrumSetup

    spec = load_spec(args.spec)
    if args.N is not None:
        spec = spec.replace(N=args.N)
    setup = SpectrumSetup(n_quad=args.n_quad, fixed_point=args.fixed_point, seed=args.seed)
    return spec, SpectrumProblem(spec, setup).build_solver(args.method)


def _action(args: argparse.Namespace, spec: Any, solver: Any) -> dict[str, Any]:
    """The JSON object of the action."""
    import numpy as np

    if args.action == "edge":
        return solver.solve(boundary_points=args.points).summary()
    if args.action == "density":
        x, y = parse_point(args.at)
        rho = float(solver.density(np.array([x]), np.array([y]))[0])
        return {"z": [x, y], "density": rho, "inside": bool(solver.F(np.array([x]), np.array([y]))[0] >= 1)}
    if args.action == "outliers":
        return {"outliers": [[z.real, z.imag] for z in solver.outliers()]}
    if args.action == "boundary":
        bx, by = solver.boundary(args.points)
        return {"x": bx.tolist(), "y": by.tolist()}
    from workbench.theories.spectrum.checks import SpectrumChecks, comparisons

    chk = SpectrumChecks(spec, samples=args.samples, seed=args.seed, fixed_point=args.fixed_point)
    rows = comparisons(solver, chk.draw())
    return {
        "N": spec.N,
        "samples": args.samples,
        "seed": args.seed,
        "ok": all(c.ok for c in rows),
        "comparisons": [c.to_dict() for c in rows],
    }


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench spectrum``."""
    from workbench.io import strict_dumps

    _check(args)
    spec, solver = build(args)
    out = _action(args, spec, solver)
    if args.json:
        print(strict_dumps(out))
        return 0
    if args.action == "compare":
        for c in out["comparisons"]:
            print(("OK   " if c["ok"] else "FAIL ") + f"{c['quantity']}: theory {c['theory']:.6g} estimate {c['estimate']:.6g}"
                  f" tol {c['tolerance']:.3g}")  # fmt: skip
        return 0
    for k, v in out.items():
        print(f"{k:>14s}  {v}")
    return 0
