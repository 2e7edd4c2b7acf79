"""``workbench lowrank``: structured states of a random network with low-rank structure (``[[low_rank]]``)."""

from __future__ import annotations

import argparse
import math

from workbench.errors import SpecError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``lowrank`` sub-command."""
    p = sub.add_parser(
        "lowrank",
        help="low-rank + random couplings: kappa, mu, Delta0 of the static/chaotic structured states, outliers",
        description="Mastrogiuseppe-Ostojic mean-field theory of J = g X/sqrt(N) + sum_r m_r n_r^T/N (the spec's "
        "[[low_rank]] terms): static states (derived self-consistency, several starts: bistable states), states of "
        "the stationary DMFT with the low-rank mean (chaotic), and the outliers of J (eigenvalues of <n_r m_s>).",
    )
    p.add_argument("--spec", required=True, help="TOML spec file with [[low_rank]] terms")
    p.add_argument("--g", type=float, default=None, help="override the random-part strength g")
    p.add_argument("--no-dmft", dest="no_dmft", action="store_true", help="static branch and outliers only")
    p.add_argument("--backend", choices=("numba", "numpy"), default="numba", help="generated-code backend")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench lowrank``."""
    from workbench.io import strict_dumps
    from workbench.spec import ModelSpec
    from workbench.theories.lowrank import LowRankProblem

    if args.g is not None and not (math.isfinite(args.g) and args.g >= 0):
        raise SpecError("g", f"must be >= 0 and finite, got {args.g}")
    spec = ModelSpec.from_toml(args.spec).with_overrides(g=args.g)
    res = LowRankProblem(spec).build_solver(backend=args.backend).solve(spec, dmft=not args.no_dmft)
    if args.json:
        print(strict_dumps(res.summary()))
        return 0
    print(f"outliers of J: {res.outliers} (bulk radius g = {res.g:g})")
    for s in res.states:
        kap = ", ".join(f"{k:.6g}" for k in s.kappa)
        print(f"{s.branch:>6s} {s.regime:<16s} kappa=[{kap}] mu={s.mu:.6g} Delta0={s.Delta0:.6g} "
              f"Delta_inf={s.Delta_inf:.6g} radius={s.bulk_radius:.4g} stable={s.stable}")
    return 0
