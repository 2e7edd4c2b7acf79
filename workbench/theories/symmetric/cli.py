"""``workbench symmetric``: transient DMFT with reciprocal correlations eta = corr(J_ij, J_ji)."""

from __future__ import annotations

import argparse
import sys

from workbench.spec.cli_options import add_spec_options, spec_from_args

DEFAULTS = {"g": "1.5", "J0": "0", "phi": "tanh", "sigma2": "0", "mu0": "normal:0,1", "eta": "0.5"}
"""The theory's defaults (the spec it solves when no option is given)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``symmetric`` sub-command."""
    p = sub.add_parser(
        "symmetric",
        help="transient DMFT with partially symmetric couplings: Delta(t,s), R(t,s)",
        description="Solve the transient DMFT of tau dx = -x + sum_j J_ij phi(x_j) + noise with corr(J_ij, J_ji) = eta "
        "on [0, T]: the single-site process with the reaction term eta g^2 int R(t,s) phi(x(s)) ds, by one causal "
        "pass of Monte Carlo particles carrying their response tangents (discretised like the simulator).",
    )
    add_spec_options(p, defaults=DEFAULTS, with_eta=True)
    p.add_argument("--T", type=float, default=5.0, help="horizon T > 0 (default 5)")
    p.add_argument("--dt", type=float, default=0.1, help="time step (default 0.1); T must be a multiple")
    p.add_argument("--paths", type=int, default=2000, help="Monte Carlo particles (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--out", default=None, help="result file (.npz: t, m_x, Delta, C_phi, R_phi, R_x, ...)")
    p.add_argument("--json", action="store_true", help="print a one-line JSON summary")
    p.set_defaults(func=run)


def problem_from_args(args: argparse.Namespace):
    """The :class:`~workbench.theories.symmetric.problem.SymmetricProblem` of the command line."""
    from workbench.spec import ModelSpec
    from workbench.theories.symmetric.problem import SymmetricProblem, SymmetricSetup

    spec = spec_from_args(args, lambda: ModelSpec.simple(g=1.5, eta=0.5))
    return SymmetricProblem(spec, SymmetricSetup(T=args.T, dt=args.dt))


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench symmetric``."""
    from workbench.io import strict_dumps

    if args.out is not None:
        from workbench.io import check_output_file

        check_output_file(args.out, "out", suffix=".npz")
    problem = problem_from_args(args)
    res = problem.build_solver("march", paths=args.paths, seed=args.seed).solve()
    summary = res.summary()
    if args.out is not None:
        res.save(args.out)
    if args.json:
        print(strict_dumps(summary))
    else:
        print(f"symmetric [march] {problem.summary()}")
        print(f"  <x(T)> = {summary['m_x_T']:.6g}, Delta(T,T) = {summary['Delta_TT']:.6g} "
              f"(SE {summary['se_Delta_TT']:.2g}), R_phi(T, T/2) = {summary['R_phi_T_T/2']:.6g}")
        if args.out is not None:
            print(f"  wrote {args.out}")
    sys.stdout.flush()
    return 0
